//! The spec strings of SigV4 and SigV4A, one type each, whose `Display` is
//! the exact text: the canonical request, the credential scope and the
//! string to sign (AWS General Reference, "Create a canonical request for
//! Signature Version 4", "Create a string to sign"; the SigV4A variant of
//! aws-c-auth `aws_signing.c` differs only in the algorithm name, a scope
//! without region and the `X-Amz-Region-Set` parameter). SigV4 and SigV4A
//! share the canonical request.
//!
//! These are the general stages: [`super::QuerySigner`] caches the parts
//! that do not depend on the object key and hashes the canonical request in
//! pieces without assembling it, and a property test holds the two to the
//! same bytes.

use std::fmt;

use sha2::{Digest, Sha256};

use super::{encode, v4a};

/// Which SigV4 signature a request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `AWS4-HMAC-SHA256`: HMAC under a key derived per date, region and
    /// service.
    HmacSha256,
    /// `AWS4-ECDSA-P256-SHA256` (SigV4A): ECDSA under a key pair derived
    /// from the secret, valid in a set of regions.
    EcdsaP256Sha256,
}

impl Algorithm {
    /// The `X-Amz-Algorithm` value.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HmacSha256 => super::ALGORITHM,
            Algorithm::EcdsaP256Sha256 => v4a::ALGORITHM,
        }
    }
}

/// The credential scope: `DATE/REGION/SERVICE/aws4_request` for SigV4,
/// `DATE/SERVICE/aws4_request` for SigV4A (whose regions are in
/// `X-Amz-Region-Set` instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningScope<'a> {
    /// `YYYYMMDD`.
    pub date: &'a str,
    /// The region; `None` for SigV4A.
    pub region: Option<&'a str>,
    /// The service, e.g. `s3`.
    pub service: &'a str,
}

impl fmt::Display for SigningScope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.region {
            Some(region) => write!(
                f,
                "{}/{region}/{}/{}",
                self.date,
                self.service,
                super::TERMINATOR
            ),
            None => write!(f, "{}/{}/{}", self.date, self.service, super::TERMINATOR),
        }
    }
}

/// The string to sign: algorithm, time, scope and the SHA-256 of the
/// canonical request, one per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StringToSign<'a> {
    /// The signing algorithm, the string to sign's first line.
    pub algorithm: Algorithm,
    /// `YYYYMMDD'T'HHMMSS'Z'`.
    pub amz_date: &'a str,
    /// The credential scope, the string to sign's third line.
    pub scope: SigningScope<'a>,
    /// The SHA-256 of the canonical request.
    pub canonical_request_hash: [u8; 32],
}

impl fmt::Display for StringToSign<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut hash = [0u8; 64];
        hex::encode_to_slice(self.canonical_request_hash, &mut hash).expect("64 hex digits");
        write!(
            f,
            "{}\n{}\n{}\n{}",
            self.algorithm.name(),
            self.amz_date,
            self.scope,
            std::str::from_utf8(&hash).expect("hex is ASCII")
        )
    }
}

/// A canonical request. Its parts are held already canonical; `Display`
/// joins them as the spec does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    /// Upper case.
    pub method: String,
    /// The canonical URI (for S3, the path exactly as sent).
    pub path: String,
    /// Encoded `key=value` pairs, sorted, joined by `&`.
    pub query: String,
    /// `name:value\n` per signed header, sorted by name.
    pub headers: String,
    /// The signed header names, sorted, joined by `;`.
    pub signed_headers: String,
    /// `UNSIGNED-PAYLOAD` for presigned URLs, else the payload's SHA-256.
    pub payload_hash: String,
}

impl fmt::Display for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n{}\n{}\n{}\n{}\n{}",
            self.method,
            self.path,
            self.query,
            self.headers,
            self.signed_headers,
            self.payload_hash
        )
    }
}

impl CanonicalRequest {
    /// The canonical request of `method` on `path` with the raw (not yet
    /// encoded) query `pairs` and `headers` (lower-case names, canonical
    /// values; a name given more than once has its values joined by `,` in
    /// the order given).
    pub fn new(
        method: &str,
        path: &str,
        pairs: &[(&str, &str)],
        headers: &[(&str, &str)],
        payload_hash: &str,
    ) -> Self {
        let mut encoded: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| {
                let (mut ek, mut ev) = (String::new(), String::new());
                encode::push_query(&mut ek, k);
                encode::push_query(&mut ev, v);
                (ek, ev)
            })
            .collect();
        encoded.sort_unstable();
        let query: Vec<String> = encoded.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut names: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        let mut canonical_headers = String::new();
        for name in &names {
            let values: Vec<&str> = headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| *v)
                .collect();
            canonical_headers.push_str(name);
            canonical_headers.push(':');
            canonical_headers.push_str(&values.join(","));
            canonical_headers.push('\n');
        }
        CanonicalRequest {
            method: method.to_owned(),
            path: if path.is_empty() { "/" } else { path }.to_owned(),
            query: query.join("&"),
            headers: canonical_headers,
            signed_headers: names.join(";"),
            payload_hash: payload_hash.to_owned(),
        }
    }

    /// The SHA-256 of the text.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.to_string().as_bytes()).into()
    }
}

/// The auth parameters of a presigned URL, raw, in the order they are
/// printed. botocore's SigV4 query signer (`S3SigV4QueryAuth`) writes
/// `Algorithm, Credential, Date, Expires, SignedHeaders[, Security-Token]`;
/// the CRT signer AWS CLI v2 uses for SigV4A (`CrtS3SigV4AsymQueryAuth`,
/// aws-c-auth `s_add_authorization_query_params`) writes
/// `Algorithm, Credential, Date, SignedHeaders, Expires[, Security-Token],
/// Region-Set`. `X-Amz-Signature` comes last in both.
pub struct AuthParams<'a> {
    /// `X-Amz-Algorithm`: SigV4's HMAC-SHA256 or SigV4A's ECDSA P-256.
    pub algorithm: Algorithm,
    /// `ACCESS_KEY/SCOPE`.
    pub credential: &'a str,
    /// `X-Amz-Date`: `YYYYMMDD'T'HHMMSS'Z'` (UTC).
    pub amz_date: &'a str,
    /// `X-Amz-Expires`: seconds the URL is valid, 1 to 604800.
    pub expires: u32,
    /// `X-Amz-SignedHeaders`: lower-case names joined by `;`, in order.
    pub signed_headers: &'a str,
    /// `X-Amz-Security-Token` (or `X-Amz-S3session-Token`): the session token
    /// of temporary credentials, when there is one.
    pub session_token: Option<&'a str>,
    /// SigV4A's `X-Amz-Region-Set`.
    pub region_set: Option<&'a str>,
    /// The session token is an S3 Express session's: it goes in
    /// `X-Amz-S3session-Token` (same place) instead of `X-Amz-Security-Token`.
    pub express_session: bool,
}

impl AuthParams<'_> {
    /// (name, raw value) in URL order.
    pub fn in_url_order(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            (super::X_AMZ_ALGORITHM, self.algorithm.name().to_owned()),
            (super::X_AMZ_CREDENTIAL, self.credential.to_owned()),
            (super::X_AMZ_DATE, self.amz_date.to_owned()),
        ];
        let expires = (super::X_AMZ_EXPIRES, self.expires.to_string());
        let signed = (super::X_AMZ_SIGNED_HEADERS, self.signed_headers.to_owned());
        match self.algorithm {
            Algorithm::HmacSha256 => out.extend([expires, signed]),
            Algorithm::EcdsaP256Sha256 => out.extend([signed, expires]),
        }
        if let Some(token) = self.session_token {
            let name = if self.express_session {
                super::X_AMZ_S3SESSION_TOKEN
            } else {
                super::X_AMZ_SECURITY_TOKEN
            };
            out.push((name, token.to_owned()));
        }
        if let Some(set) = self.region_set {
            out.push((super::X_AMZ_REGION_SET, set.to_owned()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// The AWS signing test suite's `v4a/get-vanilla-with-session-token`
    /// query case (context.json, query-canonical-request.txt and
    /// query-string-to-sign.txt), stage by stage.
    #[test]
    fn v4a_test_suite_stages() {
        let token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
        let scope = SigningScope {
            date: "20150830",
            region: None,
            service: "service",
        };
        let credential = format!("AKIDEXAMPLE/{scope}");
        let auth = AuthParams {
            algorithm: Algorithm::EcdsaP256Sha256,
            credential: &credential,
            amz_date: "20150830T123600Z",
            expires: 3600,
            signed_headers: "host",
            session_token: Some(token),
            region_set: Some("us-east-1"),
            express_session: false,
        };
        let names: Vec<&str> = auth.in_url_order().iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "X-Amz-Algorithm",
                "X-Amz-Credential",
                "X-Amz-Date",
                "X-Amz-SignedHeaders",
                "X-Amz-Expires",
                "X-Amz-Security-Token",
                "X-Amz-Region-Set"
            ]
        );
        let params = auth.in_url_order();
        let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let creq = CanonicalRequest::new(
            "GET",
            "/",
            &pairs,
            &[("host", "example.amazonaws.com")],
            EMPTY,
        );
        assert_eq!(
            creq.to_string(),
            format!(
                "GET\n/\nX-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-Region-Set=us-east-1&X-Amz-Security-Token={token}&X-Amz-SignedHeaders=host\nhost:example.amazonaws.com\n\nhost\n{EMPTY}"
            )
        );
        let sts = StringToSign {
            algorithm: Algorithm::EcdsaP256Sha256,
            amz_date: "20150830T123600Z",
            scope,
            canonical_request_hash: creq.hash(),
        };
        assert_eq!(
            sts.to_string(),
            "AWS4-ECDSA-P256-SHA256\n20150830T123600Z\n20150830/service/aws4_request\n496062b4c2ed2175fe08ad084158783fa8d013c694542af721d49b25d1ebd390"
        );
    }

    #[test]
    fn repeated_headers_join_and_names_sort() {
        let creq = CanonicalRequest::new(
            "PUT",
            "",
            &[("b", "x y"), ("a", "2"), ("a", "1")],
            &[("x-amz-meta-a", "1"), ("host", "h"), ("x-amz-meta-a", "2")],
            "UNSIGNED-PAYLOAD",
        );
        assert_eq!(
            creq.to_string(),
            "PUT\n/\na=1&a=2&b=x%20y\nhost:h\nx-amz-meta-a:1,2\n\nhost;x-amz-meta-a\nUNSIGNED-PAYLOAD"
        );
    }
}
