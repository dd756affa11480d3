//! AWS CLI v2's credential cache, `~/.aws/cli/cache/<sha1>.json`, shared
//! both ways: role sessions (assume role, web identity) and IAM Identity
//! Center role credentials that `aws` cached are used by presign, and the
//! other way round.
//!
//! - File names (botocore `AssumeRoleCredentialFetcher._create_cache_key`,
//!   `SSOCredentialFetcher._create_cache_key`): the SHA-1 of
//!   `json.dumps(args, sort_keys=True)` over the request arguments taken
//!   from the configuration (assume role, web identity), or of the compact
//!   sorted JSON of `accountId`, `roleName` and `sessionName` or `startUrl`
//!   (SSO).
//! - An entry is used while at least 15 minutes of it remain
//!   (`_is_expired`); otherwise the source is asked again and the file
//!   rewritten.
//! - Only `Credentials.{AccessKeyId, SecretAccessKey, SessionToken,
//!   Expiration}` are read. A file that is not such JSON stops the run, as
//!   it stops AWS CLI v2 (exit 255), with its name and the fix.
//! - Files are written whole (temporary file, rename), 0600 when new.

use std::path::PathBuf;

use serde_json::Value;
use sha1::{Digest, Sha1};
use time::{Duration, OffsetDateTime};

use super::pyjson::{self, Style};
use super::{Context, timestamp};
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::escape;
use crate::secret::SecretString;

/// botocore's advisory refresh window: an entry with less left is renewed.
pub(crate) const REFRESH_WINDOW: Duration = Duration::minutes(15);

/// The cache folder.
pub(crate) struct CliCache {
    dir: PathBuf,
}

/// The file name key of an assume-role or web-identity entry.
pub(crate) fn role_key(args: &serde_json::Map<String, Value>) -> String {
    let text = pyjson::dumps(
        &Value::Object(args.clone()),
        Style {
            compact: false,
            sort_keys: true,
        },
    );
    hex::encode(Sha1::digest(text.as_bytes()))
}

/// The file name key of an SSO role entry: `session` is `("sessionName",
/// name)` for `sso_session` profiles, else `("startUrl", url)`.
pub(crate) fn sso_key(account_id: &str, role_name: &str, session: (&str, &str)) -> String {
    let mut args = serde_json::Map::new();
    args.insert("accountId".to_owned(), Value::from(account_id));
    args.insert("roleName".to_owned(), Value::from(role_name));
    args.insert(session.0.to_owned(), Value::from(session.1));
    let text = pyjson::dumps(
        &Value::Object(args),
        Style {
            compact: true,
            sort_keys: true,
        },
    );
    hex::encode(Sha1::digest(text.as_bytes()))
}

impl CliCache {
    /// `~/.aws/cli/cache` (no variable moves it).
    pub(crate) fn new(cx: &Context) -> Result<Self> {
        Ok(CliCache {
            dir: cx.home()?.join(".aws").join("cli").join("cache"),
        })
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The entry `key`, if it has at least 15 minutes left at `cx.now`.
    pub(crate) fn load(&self, cx: &Context, key: &str) -> Result<Option<Credentials>> {
        let path = self.path(key);
        let bytes = match cx.sys.read_file(&path) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                cx.note(format!("credential cache {}: none", escape::path(&path)));
                return Ok(None);
            }
            Err(e) => {
                return Err(Error::CredentialSource(format!(
                    "cannot read the credential cache file {}: {e} (fix its permissions or delete it)",
                    escape::path(&path)
                )));
            }
        };
        let credentials = parse_entry(&bytes).map_err(|what| {
            Error::CredentialSource(format!(
                "the credential cache file {} is corrupt: {what} (delete it; AWS CLI v2 stops on it too)",
                escape::path(&path)
            ))
        })?;
        let Some(expiration) = credentials.expiration else {
            return Ok(None);
        };
        if expiration - cx.now < REFRESH_WINDOW {
            cx.note(format!(
                "credential cache {}: expires at {}, less than 15 minutes left; renewing",
                escape::path(&path),
                timestamp::zulu(expiration)
            ));
            return Ok(None);
        }
        cx.note(format!(
            "credential cache {}: used (expires at {})",
            escape::path(&path),
            timestamp::zulu(expiration)
        ));
        Ok(Some(credentials))
    }

    /// Writes `entry` as the file `key` (Python's `json.dumps` layout).
    pub(crate) fn store(&self, cx: &Context, key: &str, entry: &Value) -> Result<()> {
        let path = self.path(key);
        let text = pyjson::dumps(
            entry,
            Style {
                compact: false,
                sort_keys: false,
            },
        );
        cx.sys
            .write_private_file(&path, text.as_bytes())
            .map_err(|e| {
                Error::CredentialSource(format!(
                    "cannot write the credential cache file {}: {e} (check the folder's permissions)",
                    escape::path(&path)
                ))
            })?;
        cx.note(format!("credential cache {}: written", escape::path(&path)));
        Ok(())
    }
}

/// `Credentials` of a cache entry, or what is wrong with it (never a value).
fn parse_entry(bytes: &[u8]) -> std::result::Result<Credentials, String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|_| "not a JSON document".to_owned())?;
    let c = value
        .get("Credentials")
        .ok_or_else(|| "no \"Credentials\" object".to_owned())?;
    let field = |name: &str| {
        c.get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("no \"Credentials.{name}\" text"))
    };
    let expiration = field("Expiration")?;
    let expiration = timestamp::parse(expiration)
        .ok_or_else(|| "\"Credentials.Expiration\" is not a time with a zone".to_owned())?;
    Ok(Credentials {
        access_key_id: field("AccessKeyId")?.to_owned(),
        secret_access_key: SecretString::new(field("SecretAccessKey")?.to_owned()),
        session_token: Some(SecretString::new(field("SessionToken")?.to_owned())),
        expiration: Some(expiration),
    })
}

/// The `Credentials` object AWS CLI v2 writes and reads back.
pub(crate) fn credentials_json(
    credentials: &Credentials,
    expiration: &str,
    account_id: Option<&str>,
) -> Value {
    let mut c = serde_json::Map::new();
    c.insert(
        "AccessKeyId".to_owned(),
        Value::from(credentials.access_key_id.as_str()),
    );
    c.insert(
        "SecretAccessKey".to_owned(),
        Value::from(credentials.secret_access_key.expose()),
    );
    c.insert(
        "SessionToken".to_owned(),
        Value::from(
            credentials
                .session_token
                .as_ref()
                .map(SecretString::expose)
                .unwrap_or_default(),
        ),
    );
    c.insert("Expiration".to_owned(), Value::from(expiration));
    if let Some(account) = account_id {
        c.insert("AccountId".to_owned(), Value::from(account));
    }
    Value::Object(c)
}

/// Whether `expiration` is already past at `now` (AWS CLI v2: "Credentials
/// were refreshed, but the refreshed credentials are still expired").
pub(crate) fn still_expired(expiration: OffsetDateTime, now: OffsetDateTime) -> bool {
    expiration <= now
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, Value)]) -> serde_json::Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn role_keys_are_the_file_names_aws_cli_v2_wrote() {
        let role = "arn:aws:iam::123456789012:role/test";
        assert_eq!(
            role_key(&args(&[("RoleArn", role.into())])),
            "9b413f63d088ca513edf4bf108e5aeb99bbc1763"
        );
        assert_eq!(
            role_key(&args(&[
                ("RoleSessionName", "my-sess".into()),
                ("ExternalId", "ext-123".into()),
                ("DurationSeconds", 7200.into()),
                ("RoleArn", role.into()),
            ])),
            "f75e7dbeb76c6cf3c6b31af2e80c2c7673db815c"
        );
        assert_eq!(
            role_key(&args(&[
                ("RoleArn", role.into()),
                ("SerialNumber", "arn:aws:iam::123456789012:mfa/user".into()),
            ])),
            "52f1c7b8aa5576b79cf7a039f549b1ac2a65d10d"
        );
        assert_eq!(
            role_key(&args(&[
                ("RoleSessionName", "jörg".into()),
                ("ExternalId", "a\"b\\c/d".into()),
                ("SerialNumber", "arn:aws:iam::123456789012:mfa/jörg".into()),
                ("DurationSeconds", 900.into()),
                ("RoleArn", role.into()),
            ])),
            "aa1424cef6d486e707b1d68b5b2ec324bed85b6e"
        );
    }

    #[test]
    fn sso_keys_are_the_file_names_aws_cli_v2_wrote() {
        assert_eq!(
            sso_key(
                "123456789012",
                "Admin",
                ("startUrl", "https://example.awsapps.com/start")
            ),
            "764b1819cd322a32dff569462ca869a4196b4fc1"
        );
        assert_eq!(
            sso_key("123456789012", "Admin", ("sessionName", "my-sso")),
            "c30b99aca80d8f5b3178e353f05b2abcc9a4ccd3"
        );
    }

    #[test]
    fn corrupt_entries_say_what_is_missing_and_never_a_value() {
        assert!(parse_entry(b"{not json").is_err());
        let e = parse_entry(br#"{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "s3cr3t", "SessionToken": "t", "Expiration": "2030-01-01T00:00:00"}}"#).unwrap_err();
        assert!(e.contains("Expiration") && !e.contains("s3cr3t"), "{e}");
        let e = parse_entry(br#"{"Credentials": {"AccessKeyId": "A", "SessionToken": "t", "Expiration": "2030-01-01T00:00:00Z"}}"#).unwrap_err();
        assert!(e.contains("SecretAccessKey"), "{e}");
        let ok = parse_entry(br#"{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2030-01-01T00:00:00+00:00"}}"#).unwrap();
        assert_eq!(ok.access_key_id, "A");
    }
}
