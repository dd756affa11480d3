//! Legacy SigV2 query signing (`AWSAccessKeyId`, `Expires`, `Signature`), as
//! botocore's `HmacV1QueryAuth` (`signature_version = "s3"`), AWS CLI v1 and
//! s3cmd make it, for old S3-compatible endpoints (botocore `auth.HmacV1QueryAuth`).
//!
//! The string to sign is the method, the `Content-MD5` and `Content-Type`
//! header values, the expiry as Unix time, the `x-amz-*` headers (the session
//! token among them) as sorted `name:value` lines, and the resource: always
//! `/bucket/key`, whatever the addressing, followed by the sub-resources
//! (`uploadId`, `versionId`, `response-*`, ...) sorted. The signature is the
//! base64 HMAC-SHA1 of that under the secret key. Signed headers travel in
//! the query too, as botocore puts them there.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use super::encode;
use crate::credentials::Credentials;

/// Query parameters that SigV2 signs as part of the resource (botocore's
/// `QSAOfInterest`).
pub const SUBRESOURCES: &[&str] = &[
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "delete",
    "inventory",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
];

/// One request to sign with SigV2.
#[derive(Debug, Clone, Copy)]
pub struct V2Request<'a> {
    /// The HTTP method, upper case, e.g. `GET`.
    pub method: &'a str,
    /// `scheme://authority` as printed.
    pub origin: &'a str,
    /// The URL path, encoded.
    pub path: &'a str,
    /// `/bucket/key` (or `/bucket/` for a virtual-hosted bucket request).
    pub resource: &'a str,
    /// Operation parameters, raw, in URL order.
    pub params: &'a [(String, String)],
    /// Headers the client sends: lower-case names, canonical values.
    pub headers: &'a [(String, String)],
    /// When the URL expires, in Unix seconds.
    pub expires_at: i64,
}

/// The headers a client of a SigV2 URL sends itself: the URL's query
/// already carries the `x-amz-*` ones (see [`presign_into`]), and a server
/// that reads them from there may count them twice if they come again.
pub fn client_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| !name.starts_with("x-amz-"))
        .cloned()
        .collect()
}

/// The string to sign of `req`.
pub fn string_to_sign(req: &V2Request, session_token: Option<&str>) -> String {
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let mut out = format!(
        "{}\n{}\n{}\n{}\n",
        req.method,
        header("content-md5"),
        header("content-type"),
        req.expires_at
    );
    let mut amz: Vec<(&str, String)> = Vec::new();
    for (name, value) in req.headers.iter().filter(|(n, _)| n.starts_with("x-amz-")) {
        match amz.iter_mut().find(|(n, _)| n == name) {
            Some((_, joined)) => {
                joined.push(',');
                joined.push_str(value.trim());
            }
            None => amz.push((name, value.trim().to_owned())),
        }
    }
    if let Some(token) = session_token {
        amz.push(("x-amz-security-token", token.to_owned()));
    }
    amz.sort();
    for (name, value) in amz {
        out.push_str(name);
        out.push(':');
        out.push_str(&value);
        out.push('\n');
    }
    out.push_str(req.resource);
    let mut sub: Vec<&(String, String)> = req
        .params
        .iter()
        .filter(|(k, _)| SUBRESOURCES.contains(&k.as_str()))
        .collect();
    sub.sort_by(|a, b| a.0.cmp(&b.0));
    for (i, (k, v)) in sub.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        if !v.is_empty() {
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

/// `base64(HMAC-SHA1(secret, string_to_sign))`.
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Appends the SigV2 URL of `req` to `url` and returns the string to sign.
pub fn presign_into(credentials: &Credentials, req: &V2Request, url: &mut String) -> String {
    let token = credentials.session_token.as_ref().map(|t| t.expose());
    let sts = string_to_sign(req, token);
    let sig = signature(credentials.secret_access_key.expose(), &sts);
    url.push_str(req.origin);
    url.push_str(req.path);
    url.push('?');
    for (k, v) in req.params {
        encode::push_query(url, k);
        if !v.is_empty() {
            url.push('=');
            encode::push_query(url, v);
        }
        url.push('&');
    }
    url.push_str("AWSAccessKeyId=");
    encode::push_query(url, &credentials.access_key_id);
    url.push_str("&Signature=");
    encode::push_query(url, &sig);
    for (name, value) in req.headers {
        url.push('&');
        url.push_str(name);
        url.push('=');
        encode::push_query(url, value);
    }
    if let Some(token) = token {
        url.push_str("&x-amz-security-token=");
        encode::push_query(url, token);
    }
    url.push_str("&Expires=");
    url.push_str(&req.expires_at.to_string());
    sts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's published example of query string authentication (SigV2):
    /// "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg".
    #[test]
    fn published_sigv2_example() {
        let req = V2Request {
            method: "GET",
            origin: "https://johnsmith.s3.amazonaws.com",
            path: "/photos/puppy.jpg",
            resource: "/johnsmith/photos/puppy.jpg",
            params: &[],
            headers: &[],
            expires_at: 1_175_139_620,
        };
        let sts = string_to_sign(&req, None);
        assert_eq!(sts, "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg");
        assert_eq!(
            signature("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", &sts),
            "NpgCjnDzrM+WFzoENXmpNDUsSn8="
        );
        let mut url = String::new();
        presign_into(
            &Credentials::new(
                "AKIAIOSFODNN7EXAMPLE",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ),
            &req,
            &mut url,
        );
        assert_eq!(
            url,
            "https://johnsmith.s3.amazonaws.com/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620"
        );
    }

    /// A recorded AWS CLI v1 URL with a session token.
    #[test]
    fn session_token_is_signed_and_carried() {
        let creds = Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        .with_session_token("FQoGZXIvYXdzE+/token==");
        let req = V2Request {
            method: "GET",
            origin: "https://mybucket.s3.amazonaws.com",
            path: "/key.txt",
            resource: "/mybucket/key.txt",
            params: &[],
            headers: &[],
            expires_at: 1_700_003_600,
        };
        let mut url = String::new();
        presign_into(&creds, &req, &mut url);
        assert_eq!(
            url,
            "https://mybucket.s3.amazonaws.com/key.txt?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=ol0BSuwiu77E4N%2Faht58JtA3EoA%3D&x-amz-security-token=FQoGZXIvYXdzE%2B%2Ftoken%3D%3D&Expires=1700003600"
        );
    }

    #[test]
    fn subresources_and_amz_headers_are_signed_in_order() {
        let req = V2Request {
            method: "PUT",
            origin: "http://h",
            path: "/b/k",
            resource: "/b/k",
            params: &[
                ("uploadId".into(), "u 1".into()),
                ("partNumber".into(), "2".into()),
                ("x-id".into(), "n".into()),
            ],
            headers: &[
                ("x-amz-meta-b".into(), "2".into()),
                ("content-type".into(), "text/plain".into()),
                ("x-amz-acl".into(), "private".into()),
            ],
            expires_at: 10,
        };
        assert_eq!(
            string_to_sign(&req, Some("T")),
            "PUT\n\ntext/plain\n10\nx-amz-acl:private\nx-amz-meta-b:2\nx-amz-security-token:T\n/b/k?partNumber=2&uploadId=u 1"
        );
    }
}
