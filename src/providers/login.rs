//! `aws login` sessions (`login_session`): the token cache
//! `~/.aws/login/cache` and its refresh through AWS Sign-In with a DPoP
//! (ES256) proof.

use super::Context;
use crate::credentials::Credentials;
use crate::error::{Error, Result};

/// The credentials of login session `session` (profile `name`).
pub(crate) fn credentials(cx: &Context, name: &str, session: &str) -> Result<Credentials> {
    let _ = (cx, name, session);
    Err(Error::CredentialSource(
        "aws login sessions are not implemented yet".to_owned(),
    ))
}
