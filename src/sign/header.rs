//! SigV4 in the `Authorization` header, for presign's own calls to AWS
//! (STS AssumeRole today): the same canonical request, string to sign and
//! derived key as query signing, with the payload's SHA-256 in the
//! canonical request and the signature in a header (AWS General Reference,
//! "Create a signed AWS API request").

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{ALGORITHM, SigningKey, TERMINATOR, string_to_sign};
use crate::credentials::Credentials;
use crate::secret::SecretString;

/// A request to sign: every header here is signed.
#[derive(Debug, Clone, Copy)]
pub struct HeaderRequest<'a> {
    /// The HTTP method, upper case, e.g. `POST`.
    pub method: &'a str,
    /// The `Host` header as sent (`host` or `host:port`).
    pub host: &'a str,
    /// The path, already URI-encoded.
    pub path: &'a str,
    /// The canonical query string (empty for a POST form).
    pub query: &'a str,
    /// Headers other than `host`, `x-amz-date` and
    /// `x-amz-security-token`, as (lower-case name, value).
    pub headers: &'a [(&'a str, &'a str)],
    /// The request body, whose SHA-256 is the canonical request's payload hash.
    pub body: &'a [u8],
    /// The region the scope names, e.g. `us-east-1`.
    pub region: &'a str,
    /// The service the scope names, e.g. `sts` or `s3express`.
    pub service: &'a str,
}

/// The headers to add: `X-Amz-Date`, `X-Amz-Security-Token` when the
/// credentials have a token, and `Authorization`. The token is a secret:
/// the caller sends these and never prints them.
pub fn sign(
    request: &HeaderRequest,
    credentials: &Credentials,
    time: OffsetDateTime,
) -> Vec<(&'static str, SecretString)> {
    let amz_date = super::amz_date(time);
    let date = &amz_date[..8];
    let token = credentials.session_token.as_ref().map(SecretString::expose);
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    headers.push(("host".to_owned(), request.host.to_owned()));
    headers.push(("x-amz-date".to_owned(), amz_date.clone()));
    if let Some(token) = token {
        headers.push(("x-amz-security-token".to_owned(), token.to_owned()));
    }
    headers.sort();
    let signed_headers = headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let mut canonical = format!("{}\n{}\n{}\n", request.method, request.path, request.query);
    for (name, value) in &headers {
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(value);
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(&signed_headers);
    canonical.push('\n');
    canonical.push_str(&hex::encode(Sha256::digest(request.body)));
    let scope = format!("{date}/{}/{}/{TERMINATOR}", request.region, request.service);
    let to_sign = string_to_sign(&amz_date, &scope, &canonical);
    let key = SigningKey::derive(
        &credentials.secret_access_key,
        date,
        request.region,
        request.service,
    );
    let signature = key.sign(&to_sign);
    let mut out = vec![("X-Amz-Date", SecretString::new(amz_date))];
    if let Some(token) = token {
        out.push(("X-Amz-Security-Token", SecretString::new(token.to_owned())));
    }
    out.push((
        "Authorization",
        SecretString::new(format!(
            "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            credentials.access_key_id
        )),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn assume_role_request_as_aws_cli_v2_signed_it() {
        // AWS CLI v2.36.7 sent exactly this AssumeRole (profile with a
        // session-token source, STS at a loopback endpoint, region
        // eu-west-2), and an independent HMAC computation agreed.
        let body = "Action=AssumeRole&Version=2011-06-15&RoleSessionName=alice&ExternalId=ext-42&DurationSeconds=3600&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FDeploy";
        let credentials = Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        .with_session_token("SRCTOKEN/+=");
        let headers = sign(
            &HeaderRequest {
                method: "POST",
                host: "127.0.0.1:18001",
                path: "/",
                query: "",
                headers: &[(
                    "Content-Type",
                    "application/x-www-form-urlencoded; charset=utf-8",
                )],
                body: body.as_bytes(),
                region: "eu-west-2",
                service: "sts",
            },
            &credentials,
            datetime!(2026-12-01 21:43:16 UTC),
        );
        let get = |n: &str| {
            headers
                .iter()
                .find(|(h, _)| *h == n)
                .map(|(_, v)| v.expose().to_owned())
        };
        assert_eq!(get("X-Amz-Date").as_deref(), Some("20261201T214316Z"));
        assert_eq!(get("X-Amz-Security-Token").as_deref(), Some("SRCTOKEN/+="));
        assert_eq!(
            get("Authorization").as_deref(),
            Some(
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261201/eu-west-2/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=3da6ff24f8639fab5fe075bbcff016de8003599f0002128809bf57dd11aa4bfb"
            )
        );
    }
}
