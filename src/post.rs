//! Browser upload forms: S3's POST policy signed with SigV4, as botocore's
//! `generate_presigned_post` makes it (`ops.json` reference vectors).
//!
//! The form's fields are the caller's, then `key`, `x-amz-algorithm`,
//! `x-amz-credential`, `x-amz-date`, `x-amz-security-token` (temporary
//! credentials), `policy` (base64 of the JSON policy) and `x-amz-signature`
//! (hex HMAC of that base64 text under the derived key). The policy's
//! conditions are the caller's, then the bucket, the key (`starts-with` when
//! the key ends in `${filename}`, which the browser fills in) and the fields
//! the signer added.

use base64::Engine;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

#[cfg(feature = "cli")]
use crate::error::{Error, Result};

/// S3 puts the name of the uploaded file where a key says `${filename}`.
pub(crate) const FILENAME_PLACEHOLDER: &str = "${filename}";

/// What the form must enforce, beyond bucket and key: start from
/// `PostSpec::default()` (no condition) and add with the `with_` methods.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct PostSpec {
    /// A `Content-Type` field and an equality condition on it.
    pub content_type: Option<String>,
    /// `["content-length-range", MIN, MAX]`.
    pub content_length_range: Option<(u64, u64)>,
    /// Extra fields, each also required by an equality condition.
    pub fields: Vec<(String, String)>,
    /// Extra conditions, as JSON values.
    pub conditions: Vec<Value>,
}

impl PostSpec {
    /// Requires this `Content-Type` (a form field and a condition).
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Requires the upload's size to be within `min..=max` bytes.
    pub fn with_content_length_range(mut self, min: u64, max: u64) -> Self {
        self.content_length_range = Some((min, max));
        self
    }

    /// Adds a form field, and a condition that requires exactly its value.
    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// Adds a policy condition, as S3's JSON (`["starts-with", "$key",
    /// "uploads/"]`, `{"acl": "private"}`).
    pub fn with_condition(mut self, condition: Value) -> Self {
        self.conditions.push(condition);
        self
    }
}

/// The command line's words for a form's conditions.
#[cfg(feature = "cli")]
impl PostSpec {
    /// Parses `MIN,MAX` of `--content-length-range`.
    pub(crate) fn parse_length_range(text: &str) -> Result<(u64, u64)> {
        let bad = || {
            Error::Usage(format!(
                "--content-length-range {} is not MIN,MAX in bytes (e.g. 1,10485760)",
                text.escape_debug()
            ))
        };
        let (min, max) = text.split_once(',').ok_or_else(bad)?;
        let min: u64 = min.trim().parse().map_err(|_| bad())?;
        let max: u64 = max.trim().parse().map_err(|_| bad())?;
        if min > max {
            return Err(Error::Usage(format!(
                "--content-length-range {min},{max} has MIN above MAX (swap them)"
            )));
        }
        Ok((min, max))
    }

    /// Parses one `--condition` (a JSON object or array).
    pub(crate) fn parse_condition(text: &str) -> Result<Value> {
        match serde_json::from_str::<Value>(text) {
            Ok(v @ (Value::Object(_) | Value::Array(_))) => Ok(v),
            _ => Err(Error::Usage(format!(
                "--condition {} is not a JSON object or array (e.g. '[\"starts-with\", \"$Content-Type\", \"image/\"]')",
                text.escape_debug()
            ))),
        }
    }

    /// Parses one `--field NAME=VALUE`.
    pub(crate) fn parse_field(text: &str) -> Result<(String, String)> {
        match text.split_once('=') {
            Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
            _ => Err(Error::Usage(format!(
                "--field {} is not NAME=VALUE",
                text.escape_debug()
            ))),
        }
    }
}

/// A signed upload form: where to POST and the fields to send with the file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostForm {
    /// Where the form is POSTed: the bucket's endpoint URL.
    pub url: String,
    /// The form fields, (name, value) in form order, the policy and its
    /// signature among them; the file goes after them.
    pub fields: Vec<(String, String)>,
}

impl PostForm {
    /// `{"url": ..., "fields": {...}}`, fields in form order.
    pub fn to_json(&self) -> Value {
        let fields: serde_json::Map<String, Value> = self
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        json!({ "url": self.url, "fields": fields })
    }
}

/// The inputs the signer supplies.
pub(crate) struct PostSigning<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    /// When the policy expires: signing time plus expiry, checked by the
    /// caller ([`crate::sign::expiry_end`]).
    pub expiration: time::OffsetDateTime,
    pub amz_date: &'a str,
    pub credential: String,
    pub session_token: Option<&'a str>,
}

/// Builds the policy and the fields, calling `sign` on the base64 policy.
pub(crate) fn build(
    spec: &PostSpec,
    s: PostSigning,
    url: String,
    sign: impl FnOnce(&str) -> String,
) -> PostForm {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut conditions: Vec<Value> = Vec::new();
    if let Some(ct) = &spec.content_type {
        fields.push(("Content-Type".to_owned(), ct.clone()));
        conditions.push(json!({ "Content-Type": ct }));
    }
    if let Some((min, max)) = spec.content_length_range {
        conditions.push(json!(["content-length-range", min, max]));
    }
    for (name, value) in &spec.fields {
        fields.push((name.clone(), value.clone()));
        conditions.push(json!({ name: value }));
    }
    conditions.extend(spec.conditions.iter().cloned());
    conditions.push(json!({ "bucket": s.bucket }));
    match s.key.strip_suffix(FILENAME_PLACEHOLDER) {
        Some(prefix) => conditions.push(json!(["starts-with", "$key", prefix])),
        None => conditions.push(json!({ "key": s.key })),
    }
    fields.push(("key".to_owned(), s.key.to_owned()));
    let signer_fields = [
        ("x-amz-algorithm", crate::sign::ALGORITHM.to_owned()),
        ("x-amz-credential", s.credential),
        ("x-amz-date", s.amz_date.to_owned()),
    ];
    for (name, value) in signer_fields {
        conditions.push(json!({ name: value }));
        fields.push((name.to_owned(), value));
    }
    if let Some(token) = s.session_token {
        conditions.push(json!({ "x-amz-security-token": token }));
        fields.push(("x-amz-security-token".to_owned(), token.to_owned()));
    }
    let expiration = s.expiration;
    let expiration = expiration
        .checked_to_offset(time::UtcOffset::UTC)
        .unwrap_or(expiration)
        .replace_nanosecond(0)
        .unwrap_or(expiration)
        .format(&Rfc3339)
        .unwrap_or_default();
    let policy = json!({ "expiration": expiration, "conditions": conditions });
    let policy = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
    let signature = sign(&policy);
    fields.push(("policy".to_owned(), policy));
    fields.push(("x-amz-signature".to_owned(), signature));
    PostForm { url, fields }
}

#[cfg(all(test, feature = "cli"))]
mod tests {
    use super::*;

    #[test]
    fn length_range_and_conditions_are_checked() {
        assert_eq!(
            PostSpec::parse_length_range("1,10485760").unwrap(),
            (1, 10485760)
        );
        for bad in ["10,1", "1", "a,b", "-1,5"] {
            let err = PostSpec::parse_length_range(bad).unwrap_err();
            assert_eq!(err.exit_code(), crate::error::EXIT_USAGE, "{bad}");
        }
        assert!(PostSpec::parse_condition(r#"["starts-with", "$key", "u/"]"#).is_ok());
        for bad in ["not json", "42", "\"text\""] {
            assert!(PostSpec::parse_condition(bad).is_err(), "{bad}");
        }
        assert!(PostSpec::parse_field("=v").is_err());
        assert_eq!(
            PostSpec::parse_field("acl=private").unwrap(),
            ("acl".to_owned(), "private".to_owned())
        );
    }
}
