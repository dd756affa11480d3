//! The S3 request a URL is for, beyond `aws s3 presign`'s download: the
//! method, the query parameters of the operation and the headers the client
//! must send, all signed. What botocore's `generate_presigned_url` signs for
//! the same operation (the `ops.json` reference vectors):
//!
//! - response overrides (`response-content-type`, ...) and `versionId` are
//!   query parameters; so are multipart's `partNumber`, `uploadId` and
//!   `uploads` (an empty value: `uploads=`);
//! - `Content-Type` and other headers are signed headers: the URL only works
//!   when the client sends them with exactly those values. Names are
//!   case-insensitive; values are trimmed and inner runs of white space
//!   folded to one space, as SigV4 canonicalises them.

use crate::error::{Error, Result};

/// HTTP methods S3 accepts on a presigned URL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Method {
    /// `GET`: download an object, or read a bucket or an upload (the default).
    #[default]
    Get,
    /// `PUT`: upload an object or a part.
    Put,
    /// `DELETE`: delete an object, or abort a multipart upload.
    Delete,
    /// `HEAD`: read an object's metadata.
    Head,
    /// `POST`: complete a multipart upload, or start one (`uploads`).
    Post,
}

impl Method {
    /// Parses a method name, in any case.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        match text.to_ascii_uppercase().as_str() {
            "GET" => Ok(Method::Get),
            "PUT" => Ok(Method::Put),
            "DELETE" => Ok(Method::Delete),
            "HEAD" => Ok(Method::Head),
            "POST" => Ok(Method::Post),
            _ => Err(Error::Usage(format!(
                "--method {} is not one S3 presigns (use GET, PUT, DELETE, HEAD or POST)",
                text.escape_debug()
            ))),
        }
    }

    /// The name as sent on the wire.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Post => "POST",
        }
    }
}

/// Query parameters only the signer may set (`x-amz-region-set` is
/// SigV4A's).
const RESERVED_PARAMS: [&str; 8] = [
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-expires",
    "x-amz-signedheaders",
    "x-amz-signature",
    "x-amz-security-token",
    "x-amz-region-set",
];

/// What the user asked for, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OperationSpec {
    /// The HTTP method of `--method` (GET unless given).
    pub method: Method,
    /// The value of `--content-type`, signed as the `Content-Type` header.
    pub content_type: Option<String>,
    /// `Name: value` texts of `--header`.
    pub headers: Vec<String>,
    /// (query name, value) of the `--response-*` flags, in flag order.
    pub response_overrides: Vec<(String, String)>,
    /// The `versionId` of `--version-id`, a query parameter.
    pub version_id: Option<String>,
    /// The text of `--part-number`, checked to be 1 to 10000 (`partNumber`).
    pub part_number: Option<String>,
    /// The `uploadId` of `--upload-id` (what CreateMultipartUpload returned).
    pub upload_id: Option<String>,
    /// `NAME[=VALUE]` texts of `--param`.
    pub queries: Vec<String>,
}

/// A validated operation: the method, the query parameters in URL order and
/// the signed headers (lower-case names, canonical values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Operation {
    /// The HTTP method the URL is signed for.
    pub method: Method,
    /// The query parameters the URL carries and signs, (name, value), not
    /// percent-encoded, in URL order.
    pub params: Vec<(String, String)>,
    /// The signed headers the client must send, (lower-case name, value with
    /// white space trimmed and folded): `content-type` first, then the
    /// `--header`s in the order given.
    pub headers: Vec<(String, String)>,
}

impl Operation {
    /// Validates `spec`; every refusal is a usage error that says why.
    pub(crate) fn build(spec: &OperationSpec) -> Result<Self> {
        let mut op = Operation {
            method: spec.method,
            ..Default::default()
        };
        for (name, value) in &spec.response_overrides {
            op.params.push((name.clone(), value.clone()));
        }
        if let Some(version) = &spec.version_id {
            op.params.push(("versionId".to_owned(), version.clone()));
        }
        if let Some(part) = &spec.part_number {
            if spec.upload_id.is_none() {
                return Err(usage(
                    "--part-number needs --upload-id (the id CreateMultipartUpload returned)",
                ));
            }
            match part.parse::<u32>() {
                Ok(n) if (1..=10_000).contains(&n) => {
                    op.params.push(("partNumber".to_owned(), n.to_string()))
                }
                _ => {
                    return Err(usage(&format!(
                        "--part-number {} is not a part number (S3 numbers parts 1 to 10000)",
                        part.escape_debug()
                    )));
                }
            }
            if spec.method != Method::Put {
                return Err(usage(
                    "--part-number uploads a part: use it with --method PUT",
                ));
            }
        }
        if let Some(upload) = &spec.upload_id {
            if spec.part_number.is_none()
                && !matches!(spec.method, Method::Post | Method::Delete | Method::Get)
            {
                return Err(usage(
                    "--upload-id alone completes (--method POST), aborts (--method DELETE) or lists the parts of (--method GET) an upload; add --part-number N to upload a part",
                ));
            }
            op.params.push(("uploadId".to_owned(), upload.clone()));
        }
        for query in &spec.queries {
            let (name, value) = query.split_once('=').unwrap_or((query, ""));
            if name.is_empty() {
                return Err(usage(&format!(
                    "--param {} has no name (use NAME or NAME=VALUE)",
                    query.escape_debug()
                )));
            }
            if RESERVED_PARAMS.contains(&name.to_ascii_lowercase().as_str()) {
                return Err(usage(&format!(
                    "--param {name} is set by the signer and cannot be given (drop it)"
                )));
            }
            op.params.push((name.to_owned(), value.to_owned()));
        }
        if let Some(ct) = &spec.content_type {
            op.add_header("content-type", ct)?;
        }
        for header in &spec.headers {
            let Some((name, value)) = header.split_once(':') else {
                return Err(usage(&format!(
                    "--header {} is not 'Name: value'",
                    header.escape_debug()
                )));
            };
            op.add_header(name.trim(), value)?;
        }
        Ok(op)
    }

    fn add_header(&mut self, name: &str, value: &str) -> Result<()> {
        let lower = name.to_ascii_lowercase();
        let token = !lower.is_empty()
            && lower
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token {
            return Err(usage(&format!(
                "header name '{}' is not a valid HTTP header name",
                name.escape_debug()
            )));
        }
        if lower == "host" {
            return Err(usage(
                "the host header is always signed and cannot be given (drop --header host)",
            ));
        }
        if lower == "authorization"
            || lower.starts_with("x-amz-date")
            || lower == "x-amz-content-sha256"
            || lower == "x-amz-region-set"
        {
            return Err(usage(&format!(
                "the {lower} header belongs to header signing, not presigned URLs (drop it)"
            )));
        }
        if value.chars().any(|c| c == '\r' || c == '\n') {
            return Err(usage(&format!(
                "the value of header {lower} has a line break"
            )));
        }
        let folded = value.split_whitespace().collect::<Vec<_>>().join(" ");
        self.headers.push((lower, folded));
        Ok(())
    }

    /// Whether this operation sends a body the client supplies (PUT of an
    /// object or a part).
    pub(crate) fn uploads_body(&self, has_key: bool) -> bool {
        self.method == Method::Put && has_key
    }
}

fn usage(message: &str) -> Error {
    Error::Usage(message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(method: Method) -> OperationSpec {
        OperationSpec {
            method,
            ..Default::default()
        }
    }

    #[test]
    fn multipart_parameters_in_botocore_order() {
        let mut s = spec(Method::Put);
        s.part_number = Some("7".into());
        s.upload_id = Some("abc".into());
        let op = Operation::build(&s).unwrap();
        assert_eq!(
            op.params,
            [
                ("partNumber".to_owned(), "7".to_owned()),
                ("uploadId".to_owned(), "abc".to_owned())
            ]
        );
    }

    #[test]
    fn headers_are_lower_cased_and_folded() {
        let mut s = spec(Method::Put);
        s.content_type = Some("image/png".into());
        s.headers = vec!["X-Amz-Meta-Owner:   Ada   Lovelace ".into()];
        let op = Operation::build(&s).unwrap();
        assert_eq!(
            op.headers,
            [
                ("content-type".to_owned(), "image/png".to_owned()),
                ("x-amz-meta-owner".to_owned(), "Ada Lovelace".to_owned())
            ]
        );
    }

    #[test]
    fn bad_combinations_are_usage_errors() {
        let mut cases = Vec::new();
        let mut s = spec(Method::Put);
        s.part_number = Some("1".into());
        cases.push((s, "needs --upload-id"));
        let mut s = spec(Method::Put);
        s.part_number = Some("0".into());
        s.upload_id = Some("u".into());
        cases.push((s, "1 to 10000"));
        let mut s = spec(Method::Put);
        s.headers = vec!["Host: evil.example".into()];
        cases.push((s, "host header"));
        let mut s = spec(Method::Get);
        s.queries = vec!["X-Amz-Signature=abc".into()];
        cases.push((s, "set by the signer"));
        let mut s = spec(Method::Get);
        s.headers = vec!["no colon".into()];
        cases.push((s, "'Name: value'"));
        let mut s = spec(Method::Put);
        s.upload_id = Some("u".into());
        cases.push((s, "--upload-id alone"));
        for (s, says) in cases {
            let err = Operation::build(&s).unwrap_err();
            assert_eq!(err.exit_code(), crate::error::EXIT_USAGE);
            assert!(err.to_string().contains(says), "{err}");
        }
    }

    #[test]
    fn query_without_value_is_empty() {
        let mut s = spec(Method::Post);
        s.queries = vec!["uploads".into(), "list-type=2".into()];
        let op = Operation::build(&s).unwrap();
        assert_eq!(
            op.params,
            [
                ("uploads".to_owned(), String::new()),
                ("list-type".to_owned(), "2".to_owned())
            ]
        );
    }
}
