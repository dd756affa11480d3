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
