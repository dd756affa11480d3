//! Checking a presigned URL's signature the way S3 does, and saying why S3
//! would refuse it: [`Verification`], with its [`Refusal`]s (what S3 checks
//! of the auth parameters before it compares signatures) and, when the
//! signature does not match, its likely [`Cause`]s.
//!
//! Both are typed values with their data, so that a caller can match on
//! them; their `Display` is one line in presign's words, naming no option of
//! its command line (the CLI adds those where a flag is the fix). Values they
//! quote come from the URL as it is: escape them before a terminal.

use std::fmt;

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{
    AMZ_DATE, Addressing, Auth, Inspected, MAX_SKEW_SECONDS, V4Parts, decode_component, escape,
};
use crate::error::{Error, Result};
use crate::secret::SecretString;
use crate::sign::{
    self, CanonicalRequest, SigningKey, SigningScope, StringToSign, encode, v2, v4a,
};

/// Why S3 would refuse a URL whatever its signature: each is a check S3
/// makes of the SigV4 auth parameters before it compares signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// `X-Amz-Expires` is beyond what S3 allows a SigV4 URL (7 days).
    ExpiresBeyondLimit {
        /// The URL's `X-Amz-Expires`, in seconds.
        expires: u64,
        /// S3's limit, in seconds.
        max: u32,
    },
    /// The credential scope's date is not the day of `X-Amz-Date`.
    ScopeDate {
        /// The date of the credential scope, as written (`YYYYMMDD`).
        scope: String,
        /// `X-Amz-Date`, as presign reads it (`YYYYMMDDTHHMMSSZ`).
        signed: String,
    },
    /// The credential scope names another service than the endpoint
    /// signs for (`s3`, `s3-outposts` or `s3express`).
    ScopeService {
        /// The service of the credential scope, as written.
        service: String,
        /// The service the endpoint takes.
        expected: &'static str,
    },
    /// The credential scope names another region than the AWS endpoint
    /// is in (S3: AuthorizationHeaderMalformed, "the region is wrong").
    ScopeRegion {
        /// The region of the credential scope, as written.
        scope: String,
        /// The region of the endpoint's host name.
        endpoint: String,
    },
    /// A multi-region access point signed with SigV4: it takes SigV4A only.
    MultiRegionNeedsSigV4A,
    /// `host` is not among the signed headers, which SigV4 requires.
    HostNotSigned,
    /// `X-Amz-Date` is further ahead of the given instant than S3 allows
    /// (RequestTimeTooSkewed).
    SignedInFuture {
        /// The URL's signing time.
        signed_at: OffsetDateTime,
        /// How far ahead S3 tolerates, in minutes.
        max_skew_minutes: i64,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::ExpiresBeyondLimit { expires, max } => {
                write!(
                    f,
                    "X-Amz-Expires is {expires} s, beyond S3's limit of {max} s (7 days)"
                )
            }
            Refusal::ScopeDate { scope, signed } => write!(
                f,
                "the credential scope date {scope} is not the date of X-Amz-Date {signed}"
            ),
            Refusal::ScopeService { service, expected } => {
                write!(
                    f,
                    "the credential scope service is {service}, not {expected}"
                )
            }
            Refusal::ScopeRegion { scope, endpoint } => write!(
                f,
                "the credential scope region is {scope} but the endpoint is in {endpoint} (sign for {endpoint})"
            ),
            Refusal::MultiRegionNeedsSigV4A => f.write_str(
                "a multi-region access point takes SigV4A (AWS4-ECDSA-P256-SHA256) only, not SigV4",
            ),
            Refusal::HostNotSigned => {
                f.write_str("X-Amz-SignedHeaders does not include host, which SigV4 must sign")
            }
            Refusal::SignedInFuture {
                signed_at,
                max_skew_minutes,
            } => write!(
                f,
                "X-Amz-Date {} is more than {max_skew_minutes} minutes after now: S3 refuses requests signed in the future (RequestTimeTooSkewed)",
                signed_at.format(&Rfc3339).unwrap_or_default(),
            ),
        }
    }
}

/// A likely reason why a URL does not verify, most likely first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// The URL has expired.
    Expired {
        /// When it stopped working.
        at: OffsetDateTime,
    },
    /// The URL signs headers the request did not supply: the signature
    /// covers their values, which the URL does not carry.
    UnsentSignedHeaders {
        /// The signed header names that were not supplied.
        headers: Vec<String>,
    },
    /// The signature is for the path as written, with `.` or `..`
    /// segments, which browsers and curl remove before sending (WHATWG URL
    /// Standard).
    DotSegments {
        /// The path as written in the URL.
        written: String,
        /// The path a browser sends.
        sent: String,
    },
    /// The path is encoded otherwise than the signer encoded it.
    PathReencoded {
        /// The path as the URL has it.
        sent: String,
        /// The path as a SigV4 signer writes it.
        signed: String,
    },
    /// The URL is signed for another method.
    OtherMethod {
        /// The method it is signed for.
        signed: &'static str,
        /// The method it was checked for (upper case).
        asked: String,
    },
    /// Nothing more specific: another secret signed it, or the URL was
    /// changed after signing.
    SecretOrUrlChanged,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Expired { at } => {
                write!(f, "the URL expired at {}", at.format(&Rfc3339).unwrap_or_default())
            }
            Cause::UnsentSignedHeaders { headers } => write!(
                f,
                "the URL signs header(s) {} that the request must send with the signed values; supply them to verify",
                headers.join(", ")
            ),
            Cause::DotSegments { written, sent } => write!(
                f,
                "the signature is for the path as written, {written}, but browsers and curl send {sent} (the URL Standard removes . and .. segments): only a client that sends the path as is (curl --path-as-is) can use this URL"
            ),
            Cause::PathReencoded { sent, signed } => write!(
                f,
                "the path was re-encoded after signing ({sent} where the signer wrote {signed}); most servers decode it first, some do not"
            ),
            Cause::OtherMethod { signed, asked } => {
                write!(f, "the URL is signed for {signed}, not {asked}: use it with {signed}")
            }
            Cause::SecretOrUrlChanged => f.write_str(
                "the secret key is not the one that signed the URL, or the URL (host, path or query) was changed after signing",
            ),
        }
    }
}

impl Inspected {
    /// Why S3 would refuse this URL at `now` whatever its signature: the
    /// checks S3 makes of the auth parameters before it compares signatures.
    /// Empty when it would not. Their values quote the URL raw: escape
    /// control and bidi characters before printing them to a terminal.
    pub fn s3_refusals(&self, now: OffsetDateTime) -> Vec<Refusal> {
        let mut out = Vec::new();
        let Some(V4Parts {
            date,
            service,
            region,
            signed_headers,
            signed_at,
            expires,
        }) = self.auth.v4_parts()
        else {
            // SigV2 has no scope, and its Expires may be any time (past
            // times are reported as expiry).
            return out;
        };
        if expires > u64::from(sign::MAX_EXPIRES) {
            out.push(Refusal::ExpiresBeyondLimit {
                expires,
                max: sign::MAX_EXPIRES,
            });
        }
        let signed_date = signed_at.format(AMZ_DATE).unwrap_or_default();
        if signed_date.get(..8) != Some(date) {
            out.push(Refusal::ScopeDate {
                scope: date.to_owned(),
                signed: signed_date,
            });
        }
        // S3 on Outposts signs as `s3-outposts`, directory buckets as
        // `s3express`, everything else as `s3`.
        let want_service = match self.kind() {
            "S3 on Outposts access point" => sign::SERVICE_OUTPOSTS,
            "directory bucket" => sign::SERVICE_S3EXPRESS,
            _ => sign::SERVICE,
        };
        if service != want_service {
            out.push(Refusal::ScopeService {
                service: service.to_owned(),
                expected: want_service,
            });
        }
        if let Some(region) = region
            && let Some(host_region) = aws_host_region(&self.host)
            && host_region != region
        {
            out.push(Refusal::ScopeRegion {
                scope: region.to_owned(),
                endpoint: host_region,
            });
        }
        if region.is_some() && self.kind() == "multi-region access point" {
            out.push(Refusal::MultiRegionNeedsSigV4A);
        }
        if !signed_headers.iter().any(|h| h == "host") {
            out.push(Refusal::HostNotSigned);
        }
        if (signed_at - now).whole_seconds() > MAX_SKEW_SECONDS {
            out.push(Refusal::SignedInFuture {
                signed_at,
                max_skew_minutes: MAX_SKEW_SECONDS / 60,
            });
        }
        out
    }
}

/// The outcome of checking a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verification {
    /// Whether the signature matches (whatever the time).
    pub signature_ok: bool,
    /// Whether the URL has expired at the given instant.
    pub expired: bool,
    /// Why S3 would refuse the URL whatever its signature (see
    /// [`Inspected::s3_refusals`]).
    pub refusals: Vec<Refusal>,
    /// The canonical request recomputed for SigV4 and SigV4A; empty for
    /// SigV2, which has none.
    pub canonical_request: String,
    /// The string to sign recomputed from the URL (for SigV2, of the last
    /// variant tried when none matched).
    pub string_to_sign: String,
    /// Likely causes, most likely first, when something is wrong.
    pub causes: Vec<Cause>,
}

impl Verification {
    /// What S3 would accept at that instant: the signature matches, the URL
    /// has not expired and S3 has no other reason to refuse it.
    pub fn valid(&self) -> bool {
        self.signature_ok && !self.expired && self.refusals.is_empty()
    }
}

/// Recomputes the signature of `ins` with `secret`, for a request with
/// `method` and the extra `headers` (lower-case names), as of `now`.
pub(crate) fn verify(
    ins: &Inspected,
    secret: &SecretString,
    method: &str,
    headers: &[(String, String)],
    now: OffsetDateTime,
) -> Result<Verification> {
    let expired = now >= ins.expires_at();
    let mut v = match &ins.auth {
        Auth::V4 { .. } | Auth::V4A { .. } => verify_v4(ins, secret, method, headers)?,
        Auth::V2 { .. } => verify_v2(ins, secret, method, headers),
    };
    v.expired = expired;
    v.refusals = ins.s3_refusals(now);
    if expired {
        v.causes.insert(
            0,
            Cause::Expired {
                at: ins.expires_at(),
            },
        );
    }
    if !v.signature_ok {
        diagnose(ins, secret, method, headers, &mut v.causes);
    }
    Ok(v)
}

/// The canonical URI S3 computes: the decoded path, encoded again.
fn canonical_path(raw: &str) -> String {
    let decoded = decode_component(raw, "path").unwrap_or_else(|_| raw.to_owned());
    let mut out = String::with_capacity(raw.len());
    encode::push_quoted_path(&mut out, &decoded);
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Verifies a SigV4 or SigV4A URL: the canonical request S3 computes from
/// what the client sends, then the HMAC (SigV4) or the ECDSA signature
/// against the public key derived from `secret` (SigV4A).
fn verify_v4(
    ins: &Inspected,
    secret: &SecretString,
    method: &str,
    headers: &[(String, String)],
) -> Result<Verification> {
    if let Auth::V4 { algorithm, .. } = &ins.auth
        && algorithm != sign::ALGORITHM
    {
        return Err(Error::Usage(format!(
            "the URL is signed with {}, which presign cannot verify (only {} and {})",
            escape(&ins.redact(algorithm)),
            sign::ALGORITHM,
            v4a::ALGORITHM
        )));
    }
    let Some(parts) = ins.auth.v4_parts() else {
        unreachable!("verify_v4 is called for SigV4 and SigV4A URLs");
    };
    let mut pairs: Vec<(String, String)> = ins
        .signed_pairs
        .iter()
        .map(|(k, v)| {
            let (mut ek, mut ev) = (String::new(), String::new());
            encode::push_query(&mut ek, k);
            encode::push_query(&mut ev, v);
            (ek, ev)
        })
        .collect();
    pairs.sort();
    let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    // The signed headers as the URL lists them; one the request does not
    // send is signed empty (and named as a likely cause).
    let mut canonical_headers = String::new();
    for name in parts.signed_headers {
        let value = if name == "host" {
            Some(ins.host.clone())
        } else {
            let values: Vec<String> = headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            (!values.is_empty()).then(|| values.join(","))
        };
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(value.as_deref().unwrap_or(""));
        canonical_headers.push('\n');
    }
    let canonical = CanonicalRequest {
        method: method.to_ascii_uppercase(),
        path: canonical_path(&ins.raw_path),
        query: query.join("&"),
        headers: canonical_headers,
        signed_headers: parts.signed_headers.join(";"),
        payload_hash: sign::UNSIGNED_PAYLOAD.to_owned(),
    };
    let amz_date = parts.signed_at.format(AMZ_DATE).unwrap_or_default();
    let (algorithm, signature) = match &ins.auth {
        Auth::V4A { signature, .. } => (sign::Algorithm::EcdsaP256Sha256, signature),
        Auth::V4 { signature, .. } => (sign::Algorithm::HmacSha256, signature),
        Auth::V2 { .. } => unreachable!("SigV2 has no V4 parts"),
    };
    let string_to_sign = StringToSign {
        algorithm,
        amz_date: &amz_date,
        scope: SigningScope {
            date: parts.date,
            region: parts.region,
            service: parts.service,
        },
        canonical_request_hash: canonical.hash(),
    }
    .to_string();
    let expected = hex::decode(signature).unwrap_or_default();
    let signature_ok = match parts.region {
        Some(region) => SigningKey::derive(secret, parts.date, region, parts.service)
            .verify(&string_to_sign, &expected),
        None => v4a::KeyPair::derive(ins.access_key_id(), secret)
            .verifying_key()
            .verify(&string_to_sign, &expected),
    };
    Ok(Verification {
        signature_ok,
        expired: false,
        refusals: Vec::new(),
        canonical_request: canonical.to_string(),
        string_to_sign,
        causes: Vec::new(),
    })
}

fn verify_v2(
    ins: &Inspected,
    secret: &SecretString,
    method: &str,
    headers: &[(String, String)],
) -> Verification {
    let Auth::V2 {
        expires_at,
        signature,
        ..
    } = &ins.auth
    else {
        unreachable!("verify_v2 is called for SigV2 URLs");
    };
    // The resource is /bucket/key whatever the addressing: the bucket and
    // key shown, so that what verifies is what is printed (on a host that is
    // not AWS's the bucket is read from the path, as printed).
    let path = canonical_path(&ins.raw_path);
    let resources = match (&ins.addressing, &ins.bucket) {
        (Addressing::VirtualHosted, Some(bucket)) => vec![format!("/{bucket}{path}")],
        _ => vec![path],
    };
    // Headers that SigV2 URLs carry in the query count as sent.
    let mut sent: Vec<(String, String)> = headers.to_vec();
    for (k, v) in &ins.signed_pairs {
        let carried = k.starts_with("x-amz-") && k != "x-amz-security-token";
        if (carried || k == "content-type" || k == "content-md5")
            && !sent.iter().any(|(n, _)| n == k)
        {
            sent.push((k.clone(), v.clone()));
        }
    }
    let expected = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .unwrap_or_default();
    let mut last = String::new();
    for resource in &resources {
        let request = v2::V2Request {
            method: &method.to_ascii_uppercase(),
            origin: "",
            path: "",
            resource,
            params: &ins.signed_pairs,
            headers: &sent,
            expires_at: expires_at.unix_timestamp(),
        };
        let sts = v2::string_to_sign(&request, ins.session_token.as_deref());
        let mut mac =
            Hmac::<Sha1>::new_from_slice(secret.expose().as_bytes()).expect("any key length");
        mac.update(sts.as_bytes());
        if mac.verify_slice(&expected).is_ok() {
            return Verification {
                signature_ok: true,
                expired: false,
                refusals: Vec::new(),
                canonical_request: String::new(),
                string_to_sign: sts,
                causes: Vec::new(),
            };
        }
        last = sts;
    }
    Verification {
        signature_ok: false,
        expired: false,
        refusals: Vec::new(),
        canonical_request: String::new(),
        string_to_sign: last,
        causes: Vec::new(),
    }
}

/// Names the likely causes of a signature that does not match.
fn diagnose(
    ins: &Inspected,
    secret: &SecretString,
    method: &str,
    headers: &[(String, String)],
    causes: &mut Vec<Cause>,
) {
    if let Some(V4Parts { signed_headers, .. }) = ins.auth.v4_parts() {
        let missing: Vec<String> = signed_headers
            .iter()
            .filter(|h| *h != "host" && !headers.iter().any(|(n, _)| n == *h))
            .cloned()
            .collect();
        if !missing.is_empty() {
            causes.push(Cause::UnsentSignedHeaders { headers: missing });
        }
    }
    if let Some(typed) = &ins.typed_path {
        let as_typed = Inspected {
            raw_path: typed.clone(),
            ..ins.clone()
        };
        let v = match &ins.auth {
            Auth::V4 { .. } | Auth::V4A { .. } => {
                verify_v4(&as_typed, secret, method, headers).ok()
            }
            Auth::V2 { .. } => Some(verify_v2(&as_typed, secret, method, headers)),
        };
        if v.is_some_and(|v| v.signature_ok) {
            causes.push(Cause::DotSegments {
                written: typed.clone(),
                sent: ins.raw_path.clone(),
            });
            return;
        }
    }
    let canonical = canonical_path(&ins.raw_path);
    if canonical != ins.raw_path && !ins.raw_path.is_empty() {
        causes.push(Cause::PathReencoded {
            sent: ins.raw_path.clone(),
            signed: canonical,
        });
    }
    for other in ["GET", "PUT", "HEAD", "DELETE", "POST"] {
        if other.eq_ignore_ascii_case(method) {
            continue;
        }
        let v = match &ins.auth {
            Auth::V4 { .. } | Auth::V4A { .. } => verify_v4(ins, secret, other, headers).ok(),
            Auth::V2 { .. } => Some(verify_v2(ins, secret, other, headers)),
        };
        if v.is_some_and(|v| v.signature_ok) {
            causes.push(Cause::OtherMethod {
                signed: other,
                asked: method.to_ascii_uppercase(),
            });
            return;
        }
    }
    // Only when nothing more specific explains it.
    if causes.iter().all(|c| matches!(c, Cause::Expired { .. })) {
        causes.push(Cause::SecretOrUrlChanged);
    }
}

/// The region of an AWS regional S3 host, if it names one:
/// `s3.REGION.`, `s3-fips.REGION.`, `s3.dualstack.REGION.`,
/// `*.s3-accesspoint.REGION.` and the legacy `s3-REGION.` of the aws, aws-cn
/// and EU sovereign partitions. S3 refuses a credential scope of another
/// region (AuthorizationHeaderMalformed, "the region 'X' is wrong; expecting
/// 'Y'").
pub(super) fn aws_host_region(host: &str) -> Option<String> {
    let host = host.split(':').next()?;
    let rest = [".amazonaws.com", ".amazonaws.com.cn", ".amazonaws.eu"]
        .iter()
        .find_map(|s| host.strip_suffix(s))?;
    let labels: Vec<&str> = rest.split('.').collect();
    let at = labels
        .iter()
        .position(|l| *l == "s3" || l.starts_with("s3-") || l.starts_with("s3express-"))?;
    let service = labels[at];
    if let Some(region) = labels.get(at + 1..)?.iter().find(|l| **l != "dualstack") {
        return (region.contains('-') && *region != "s3-accelerate").then(|| (*region).to_owned());
    }
    // `s3-eu-west-1.amazonaws.com`; `s3-external-1` is us-east-1's.
    let region = service.strip_prefix("s3-")?;
    let words = region.split('-').count();
    (words >= 3 && region != "external-1" && !region.starts_with("fips")).then(|| region.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every refusal and cause, as a library caller gets it: one line, in
    /// words that name no option of presign's command line (the CLI adds
    /// those), with the data it carries.
    #[test]
    fn refusals_and_causes_are_one_line_and_name_no_command_line_option() {
        let at = OffsetDateTime::from_unix_timestamp(1_767_323_045).unwrap();
        let refusals = [
            Refusal::ExpiresBeyondLimit {
                expires: 604_801,
                max: sign::MAX_EXPIRES,
            },
            Refusal::ScopeDate {
                scope: "20260101".to_owned(),
                signed: "20260102T030405Z".to_owned(),
            },
            Refusal::ScopeService {
                service: "s3".to_owned(),
                expected: sign::SERVICE_S3EXPRESS,
            },
            Refusal::ScopeRegion {
                scope: "us-east-1".to_owned(),
                endpoint: "eu-west-2".to_owned(),
            },
            Refusal::MultiRegionNeedsSigV4A,
            Refusal::HostNotSigned,
            Refusal::SignedInFuture {
                signed_at: at,
                max_skew_minutes: 15,
            },
        ];
        let causes = [
            Cause::Expired { at },
            Cause::UnsentSignedHeaders {
                headers: vec!["content-type".to_owned(), "x-amz-meta-a".to_owned()],
            },
            Cause::DotSegments {
                written: "/k/../x".to_owned(),
                sent: "/x".to_owned(),
            },
            Cause::PathReencoded {
                sent: "/a%2fb".to_owned(),
                signed: "/a%2Fb".to_owned(),
            },
            Cause::OtherMethod {
                signed: "PUT",
                asked: "GET".to_owned(),
            },
            Cause::SecretOrUrlChanged,
        ];
        let texts: Vec<String> = refusals
            .iter()
            .map(ToString::to_string)
            .chain(causes.iter().map(ToString::to_string))
            .collect();
        for text in &texts {
            assert!(!text.contains('\n') && !text.is_empty(), "{text:?}");
            // curl's own option is the fix for a dot-segment path.
            let ours = text.replace("curl --path-as-is", "");
            assert!(!ours.contains("--"), "names an option: {text}");
        }
        assert_eq!(
            texts[3],
            "the credential scope region is us-east-1 but the endpoint is in eu-west-2 (sign for eu-west-2)"
        );
        assert_eq!(
            texts[6],
            "X-Amz-Date 2026-01-02T03:04:05Z is more than 15 minutes after now: S3 refuses requests signed in the future (RequestTimeTooSkewed)"
        );
        assert_eq!(texts[7], "the URL expired at 2026-01-02T03:04:05Z");
        assert_eq!(
            texts[8],
            "the URL signs header(s) content-type, x-amz-meta-a that the request must send with the signed values; supply them to verify"
        );
        assert_eq!(
            texts[11],
            "the URL is signed for PUT, not GET: use it with PUT"
        );
    }
}
