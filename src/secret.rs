//! Secrets: the secret access key, the session token and everything derived
//! from them. They are zeroed when dropped and never shown by `Debug`, so no
//! log line, error or panic message can carry one.

use std::fmt;
use zeroize::Zeroizing;

/// A string that must never be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps `value`; the original allocation moves in and is zeroed on drop.
    pub fn new(value: String) -> Self {
        SecretString(Zeroizing::new(value))
    }

    /// The secret text, for the signer and for nothing that prints.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        SecretString::new(value.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

/// `text` with every occurrence of `token`, raw or percent-encoded as a
/// query value, replaced by a marker: for logs of texts that embed a session
/// token (canonical requests, SigV2 strings to sign, URLs).
pub(crate) fn redact(text: &str, token: &str) -> String {
    if token.is_empty() {
        return text.to_owned();
    }
    let mut encoded = String::new();
    crate::sign::encode::push_query(&mut encoded, token);
    text.replace(&encoded, REDACTED).replace(token, REDACTED)
}

/// What [`redact`] puts in place of a session token.
pub(crate) const REDACTED: &str = "(session token, redacted)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_removes_raw_and_encoded_tokens() {
        let text = "a X-Amz-Security-Token=T%2Bo%2Fk%3D b\nx-amz-security-token:T+o/k=";
        let out = redact(text, "T+o/k=");
        assert!(
            !out.contains("T+o/k=") && !out.contains("T%2Bo%2Fk%3D"),
            "{out}"
        );
        assert_eq!(out.matches(REDACTED).count(), 2);
    }

    #[test]
    fn debug_is_redacted() {
        let s = SecretString::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert_eq!(format!("{s:?}"), "(redacted)");
        assert_eq!(s.expose(), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    }
}
