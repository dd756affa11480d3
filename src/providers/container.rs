//! Container credentials (ECS, CodeBuild, EKS Pod Identity):
//! `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI`.

use super::Context;
use crate::credentials::Credentials;
use crate::error::{Error, Result};

/// Fetches the container's credentials.
pub(crate) fn credentials(cx: &Context) -> Result<Credentials> {
    let _ = cx;
    Err(Error::CredentialSource(
        "container credentials are not implemented yet".to_owned(),
    ))
}
