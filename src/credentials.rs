//! Credentials: an access key id, its secret key, and a session token for
//! temporary credentials.

use time::OffsetDateTime;

use crate::secret::SecretString;

/// The keys a URL is signed with. `Debug` shows the access key id only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The public half, printed in every URL (`X-Amz-Credential`).
    pub access_key_id: String,
    /// The secret half; only the signer reads it.
    pub secret_access_key: SecretString,
    /// The session token of temporary credentials (`X-Amz-Security-Token`).
    pub session_token: Option<SecretString>,
    /// When temporary credentials stop working, where the source says so.
    pub expiration: Option<OffsetDateTime>,
}

impl Credentials {
    /// Long-term credentials: a key pair without a token.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: SecretString::new(secret_access_key.into()),
            session_token: None,
            expiration: None,
        }
    }

    /// The same credentials with a session token.
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(SecretString::new(token.into()));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_secret_and_no_token() {
        let c = Credentials::new("AKIDEXAMPLE", "s3cr3t-value").with_session_token("t0k3n-value");
        let shown = format!("{c:?}");
        assert!(shown.contains("AKIDEXAMPLE"));
        assert!(
            !shown.contains("s3cr3t-value") && !shown.contains("t0k3n-value"),
            "{shown}"
        );
    }
}
