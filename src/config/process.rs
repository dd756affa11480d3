//! `credential_process`: run the profile's command and read credentials from
//! the JSON it prints (botocore `ProcessProvider`).
//!
//! The command line is split as a POSIX shell would (no shell runs it). The
//! output must be `{"Version": 1, "AccessKeyId", "SecretAccessKey",
//! "SessionToken"?, "Expiration"?}`. Errors name what is wrong but never
//! repeat the command's output, which may hold the very secrets it printed;
//! the command gets no standard input and writes its standard error straight
//! to presign's (`System::run` says why).

use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::shlex;
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::escape::for_terminal;
use crate::secret::SecretString;
use crate::system::System;

/// Runs `command` and returns the credentials it printed.
pub fn run(sys: &dyn System, command: &str) -> Result<Credentials> {
    let argv = shlex::split(command)
        .map_err(|e| Error::CredentialProcess(format!("cannot split the command line: {e}")))?;
    if argv.is_empty() {
        return Err(Error::CredentialProcess("the command is empty".to_owned()));
    }
    let name = for_terminal(&argv[0]);
    let out = sys.run(&argv, timeout(sys)?).map_err(|e| {
        Error::CredentialProcess(match e.kind() {
            std::io::ErrorKind::TimedOut => {
                format!("'{name}' {e} (raise {TIMEOUT_ENV} if it needs longer)")
            }
            std::io::ErrorKind::FileTooLarge => {
                format!("'{name}' {e} (it must print one JSON document)")
            }
            _ => format!("cannot run '{name}': {e}"),
        })
    })?;
    if !out.success {
        // The helper's own stderr has already reached the user through
        // presign's (see `System::run`); this line never repeats it, since a
        // helper may log the very secret it failed to hand over.
        let status = out.code.map_or_else(
            || "was killed by a signal".to_owned(),
            |c| format!("exited with status {c}"),
        );
        return Err(Error::CredentialProcess(format!(
            "'{name}' {status} (what it wrote to stderr, if anything, is above)"
        )));
    }
    parse_output(&out.stdout)
}

/// Environment variable that sets how long a credential process may run.
pub const TIMEOUT_ENV: &str = "PRESIGN_CREDENTIAL_PROCESS_TIMEOUT";
/// How long a credential process may run unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

fn timeout(sys: &dyn System) -> Result<Duration> {
    match sys.var(TIMEOUT_ENV)? {
        None => Ok(DEFAULT_TIMEOUT),
        Some(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                Error::InvalidConfig(format!(
                    "{TIMEOUT_ENV}={} is not a number of seconds from 0 to 86400",
                    for_terminal(&text)
                ))
            }),
    }
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// Reads the JSON document a credential process printed.
pub fn parse_output(stdout: &[u8]) -> Result<Credentials> {
    let fail = |why: &str| Error::CredentialProcess(why.to_owned());
    let text = std::str::from_utf8(stdout).map_err(|_| fail("its output is not UTF-8"))?;
    let doc: Value =
        serde_json::from_str(text).map_err(|_| fail("its output is not a JSON document"))?;
    let Value::Object(doc) = doc else {
        return Err(fail("its output is not a JSON object"));
    };
    let version_ok = match doc.get("Version") {
        Some(Value::Number(n)) => n.as_f64() == Some(1.0),
        Some(Value::Bool(true)) => true,
        _ => false,
    };
    if !version_ok {
        let shown = match doc.get("Version") {
            None => "<Version key not provided>".to_owned(),
            Some(Value::String(s)) => truncate(s, 20).escape_debug().to_string(),
            Some(v) if v.is_number() || v.is_boolean() || v.is_null() => v.to_string(),
            Some(_) => "<not a number>".to_owned(),
        };
        return Err(Error::CredentialProcess(format!(
            "unsupported version '{shown}' for credential process provider, supported versions: 1"
        )));
    }
    let required = |name: &str| -> Result<String> {
        match doc.get(name) {
            Some(Value::String(s)) => Ok(s.clone()),
            None => Err(Error::CredentialProcess(format!(
                "missing required key in response: '{name}'"
            ))),
            Some(_) => Err(Error::CredentialProcess(format!(
                "'{name}' is not a string"
            ))),
        }
    };
    let access_key_id = required("AccessKeyId")?;
    let secret = SecretString::new(required("SecretAccessKey")?);
    let session_token = match doc.get("SessionToken") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(SecretString::new(s.clone())),
        Some(_) => return Err(fail("'SessionToken' is not a string")),
    };
    let expiration = match doc.get("Expiration") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(OffsetDateTime::parse(s, &Rfc3339).map_err(|_| {
            fail("'Expiration' is not an ISO 8601 time such as 2026-01-02T03:04:05Z")
        })?),
        Some(_) => return Err(fail("'Expiration' is not a string")),
    };
    Ok(Credentials {
        access_key_id,
        secret_access_key: secret,
        session_token,
        expiration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_version_1_documents() {
        let c = parse_output(
            br#"{"Version": 1, "AccessKeyId": "AK", "SecretAccessKey": "SK", "SessionToken": "T", "Expiration": "2026-01-02T04:04:05Z"}"#,
        )
        .unwrap();
        assert_eq!(c.access_key_id, "AK");
        assert_eq!(c.secret_access_key.expose(), "SK");
        assert_eq!(c.session_token.unwrap().expose(), "T");
        assert_eq!(c.expiration.unwrap().unix_timestamp(), 1767326645);
    }

    #[test]
    fn refuses_other_versions_and_missing_keys_without_echoing_output() {
        for (doc, want) in [
            (
                r#"{"Version": 2, "AccessKeyId": "AK", "SecretAccessKey": "hunter2"}"#,
                "version '2'",
            ),
            (
                r#"{"AccessKeyId": "AK", "SecretAccessKey": "hunter2"}"#,
                "Version key not provided",
            ),
            (
                r#"{"Version": 1, "AccessKeyId": "AK"}"#,
                "'SecretAccessKey'",
            ),
            (
                r#"{"Version": 1, "SecretAccessKey": "hunter2"}"#,
                "'AccessKeyId'",
            ),
            ("hunter2 not json", "not a JSON document"),
            (
                r#"{"Version": 1, "AccessKeyId": "AK", "SecretAccessKey": "hunter2", "Expiration": "soon"}"#,
                "Expiration",
            ),
        ] {
            let err = parse_output(doc.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }
}
