//! IAM Identity Center (SSO) role credentials: `sso_session` and legacy
//! profiles, the token cache `~/.aws/sso/cache`, its refresh through
//! SSO-OIDC, and GetRoleCredentials.

use super::Context;
use crate::config::ini::Section;
use crate::credentials::Credentials;
use crate::error::{Error, Result};

/// The role credentials of SSO profile `name` (merged `profile`);
/// `top_level` says whether they are cached in `~/.aws/cli/cache` (only for
/// the selected profile, not for a `source_profile`, as in AWS CLI v2).
pub(crate) fn credentials(
    cx: &Context,
    name: &str,
    profile: &Section,
    top_level: bool,
) -> Result<Credentials> {
    let _ = (cx, name, profile, top_level);
    Err(Error::CredentialSource(
        "IAM Identity Center is not implemented yet".to_owned(),
    ))
}
