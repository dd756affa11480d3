//! Reading a presigned URL back: what it grants, until when, and whether its
//! signature is right (SigV4 query auth, SigV4A query auth as multi-region
//! and Outposts access points take it, and the legacy SigV2 query auth).
//! A SigV4A signature is checked against the public key derived from the
//! secret (AWS's SigV4A key derivation, [`crate::sign::v4a`]).
//!
//! Verification recomputes the signature the way S3 does: the path and each
//! query key and value are decoded and encoded again with the SigV4 rules, so
//! a URL whose encoding a browser or proxy changed harmlessly still verifies;
//! the `Host` is the URL's, lower-cased, with a non-default port; other
//! signed headers must be supplied, since the URL only names them. The
//! comparison of signatures takes constant time. Nothing here uses the
//! network.
//!
//! This module reads the URL as a browser does; `verify` checks it and says,
//! in typed values, why S3 would refuse it.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::error::{Error, Result};
use crate::secret::{REDACTED, SecretString, redact};
use crate::sign::{self, v4a};

mod verify;

pub(crate) use verify::verify;
pub use verify::{Cause, Refusal, Verification};

/// The shortest session token [`Inspected::redact`] looks for inside other
/// values.
pub(crate) const MIN_SEARCHED_TOKEN: usize = 16;

/// `text` with `token` (raw or query-encoded) replaced by a marker where it
/// is the value of a `NAME=VALUE` query pair or `name:value` header line
/// whose name ends in `token`, any case; elsewhere it is left alone.
fn redact_where_it_stands<'a>(text: &'a str, token: &str) -> Cow<'a, str> {
    let mut encoded = String::new();
    crate::sign::encode::push_query(&mut encoded, token);
    let is_token = |piece: &str| {
        piece.find(['=', ':']).is_some_and(|at| {
            let (name, value) = (&piece[..at], &piece[at + 1..]);
            name.to_ascii_lowercase().ends_with("token") && (value == token || value == encoded)
        })
    };
    if !text.split(['\n', '&']).any(is_token) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (j, piece) in line.split('&').enumerate() {
            if j > 0 {
                out.push('&');
            }
            match piece.find(['=', ':']) {
                Some(at) if is_token(piece) => {
                    out.push_str(&piece[..=at]);
                    out.push_str(REDACTED);
                }
                _ => out.push_str(piece),
            }
        }
    }
    Cow::Owned(out)
}

/// The longest URL inspected (S3 accepts request lines up to 8 KiB).
pub(crate) const MAX_URL: usize = 64 * 1024;

/// How far ahead of now a SigV4 signing time (`X-Amz-Date`) may be. S3
/// refuses a request whose time is more than 15 minutes from its own clock
/// (`RequestTimeTooSkewed`, "The difference between the request time and the
/// current time is too large", S3 API error responses); `inspect` allows the
/// same 15 minutes and calls anything later refused.
pub(crate) const MAX_SKEW_SECONDS: i64 = 15 * 60;

/// `text` made safe to print on a terminal or to hand on from a JSON field:
/// a backslash, C0 and C1 controls, DEL, the Unicode bidirectional controls
/// (which reorder what a terminal shows) and the line and paragraph
/// separators become `\\`, `\n`, `\r`, `\t` or `\u{..}`. Only escapes start
/// with a backslash, so the output reads back unambiguously, and it never
/// holds a line break, so one value stays on one line.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether [`escape`] rewrites `c`.
pub(crate) fn needs_escape(c: char) -> bool {
    // The characters a terminal acts on, as everywhere else presign prints
    // outside text, and the backslash, so that escapes read back unambiguously.
    c == '\\' || crate::escape::is_unsafe(c)
}

/// How the bucket is addressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    /// `bucket.host/key`.
    VirtualHosted,
    /// `host/bucket/key`.
    PathStyle,
    /// Path style assumed: the host is not an AWS one, so it cannot say.
    PathStyleAssumed,
}

/// The signature part of the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// `X-Amz-Algorithm=AWS4-HMAC-SHA256` and the rest.
    V4 {
        /// `X-Amz-Algorithm`, as given (`AWS4-HMAC-SHA256`).
        algorithm: String,
        /// The access key id, first part of `X-Amz-Credential`.
        access_key_id: String,
        /// The scope's date, `YYYYMMDD` (UTC), from `X-Amz-Credential`.
        date: String,
        /// The scope's region, e.g. `us-east-1`, from `X-Amz-Credential`.
        region: String,
        /// The scope's service, e.g. `s3`, from `X-Amz-Credential`.
        service: String,
        /// `X-Amz-SignedHeaders`: the lower-case header names, in URL order.
        signed_headers: Vec<String>,
        /// `X-Amz-Date`: when the URL was signed (its validity starts there).
        signed_at: OffsetDateTime,
        /// `X-Amz-Expires`: seconds the URL is valid from `signed_at` (S3 takes 1
        /// to 604800).
        expires: u64,
        /// `X-Amz-Signature`: 64 hex digits of HMAC-SHA256.
        signature: String,
        /// Whether the URL carries a session token (`X-Amz-Security-Token`, or
        /// S3 Express's `X-Amz-S3session-Token`).
        session_token: bool,
    },
    /// `X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256` (SigV4A): a scope without
    /// region, the regions in `X-Amz-Region-Set`, a DER ECDSA signature.
    V4A {
        /// The access key id, first part of `X-Amz-Credential`.
        access_key_id: String,
        /// The scope's date, `YYYYMMDD` (UTC), from `X-Amz-Credential`.
        date: String,
        /// The scope's service, e.g. `s3`, from `X-Amz-Credential`.
        service: String,
        /// `X-Amz-Region-Set`: the regions the signature is good in, comma
        /// separated (`*` for all).
        region_set: String,
        /// `X-Amz-SignedHeaders`: the lower-case header names, in URL order.
        signed_headers: Vec<String>,
        /// `X-Amz-Date`: when the URL was signed (its validity starts there).
        signed_at: OffsetDateTime,
        /// `X-Amz-Expires`: seconds the URL is valid from `signed_at`.
        expires: u64,
        /// Hex of the DER signature.
        signature: String,
        /// Whether the URL carries a session token (`X-Amz-Security-Token`, or
        /// S3 Express's `X-Amz-S3session-Token`).
        session_token: bool,
    },
    /// `AWSAccessKeyId`, `Expires`, `Signature`.
    V2 {
        /// `AWSAccessKeyId`.
        access_key_id: String,
        /// `Expires`: the instant the URL stops working (a Unix time in the URL).
        expires_at: OffsetDateTime,
        /// `Signature`: the base64 of an HMAC-SHA1, percent-decoded.
        signature: String,
        /// Whether the URL carries a session token (`X-Amz-Security-Token`, or
        /// S3 Express's `X-Amz-S3session-Token`).
        session_token: bool,
    },
}

/// Everything a URL says about itself, read as a browser reads it (the
/// WHATWG URL Standard, through the `url` crate): the host, path and query
/// here are the ones a client sends, which is what S3 checks the signature
/// against.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Inspected {
    /// The URL as a client sends it (normalised, no fragment). It carries the
    /// session token: print [`Inspected::redacted_url`] instead.
    pub url: String,
    /// `scheme://host[:port]`, as a client connects to it.
    pub endpoint: String,
    /// The `Host` a client sends (lower case, port when not the default).
    pub host: String,
    /// How the bucket is addressed, read from the host.
    pub addressing: Addressing,
    /// The bucket: the host's first labels when virtual-hosted, else the first
    /// path segment; `None` when the URL names none.
    pub bucket: Option<String>,
    /// The object key, decoded (empty for bucket requests).
    pub key: String,
    /// `versionId`, decoded, when the URL names a version.
    pub version_id: Option<String>,
    /// `response-*` overrides, decoded.
    pub overrides: Vec<(String, String)>,
    /// Other parameters that are not auth parameters, decoded.
    pub params: Vec<(String, String)>,
    /// The signature part: SigV4, SigV4A or SigV2 query parameters.
    pub auth: Auth,
    raw_path: String,
    /// The path as written, when a browser sends another (it removes `.`
    /// and `..` segments and encodes some characters).
    typed_path: Option<String>,
    /// Every query pair but the signature, decoded, in URL order.
    signed_pairs: Vec<(String, String)>,
    session_token: Option<String>,
}

fn bad(why: &str) -> Error {
    Error::Usage(format!("not a presigned URL: {why}"))
}

/// Percent-decodes `text`, refusing broken escapes and non-UTF-8 results.
fn decode_component(text: &str, what: &str) -> Result<String> {
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let ok = bytes.len() > i + 2
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit();
            if !ok {
                return Err(bad(&format!("bad percent-encoding in the {what}")));
            }
        }
    }
    percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| bad(&format!("the {what} is not UTF-8 once decoded")))
}

const AMZ_DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

/// The auth parameters of SigV4 query auth (AWS, "Authenticating Requests:
/// Using Query Parameters"), the session token among them.
const V4_AUTH: &[&str] = &[
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
    "X-Amz-S3session-Token",
    "X-Amz-Region-Set",
];

/// The auth parameters of SigV2 query auth (AWS, "Query string request
/// authentication alternative"), with the token botocore adds.
const V2_AUTH: &[&str] = &[
    "AWSAccessKeyId",
    "Expires",
    "Signature",
    "x-amz-security-token",
];

/// The session token's parameter, in any case: whatever its spelling, its
/// value is a secret and is never printed. A directory bucket's URL carries
/// its S3 Express session token in `X-Amz-S3session-Token`.
fn is_token_param(name: &str) -> bool {
    name.eq_ignore_ascii_case(sign::X_AMZ_SECURITY_TOKEN)
        || name.eq_ignore_ascii_case(sign::X_AMZ_S3SESSION_TOKEN)
}

/// A lower-case HTTP header name (RFC 9110 token), as SigV4 signs them.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
        })
}

/// What SigV4 and SigV4A URLs share.
struct V4Parts<'a> {
    date: &'a str,
    service: &'a str,
    /// The scope's region (SigV4 only).
    region: Option<&'a str>,
    signed_headers: &'a [String],
    signed_at: OffsetDateTime,
    expires: u64,
}

impl Auth {
    fn v4_parts(&self) -> Option<V4Parts<'_>> {
        match self {
            Auth::V4 {
                date,
                region,
                service,
                signed_headers,
                signed_at,
                expires,
                ..
            } => Some(V4Parts {
                date,
                service,
                region: Some(region),
                signed_headers,
                signed_at: *signed_at,
                expires: *expires,
            }),
            Auth::V4A {
                date,
                service,
                signed_headers,
                signed_at,
                expires,
                ..
            } => Some(V4Parts {
                date,
                service,
                region: None,
                signed_headers,
                signed_at: *signed_at,
                expires: *expires,
            }),
            Auth::V2 { .. } => None,
        }
    }
}

/// What an AWS host is, from its name.
pub(crate) fn endpoint_kind(host: &str) -> &'static str {
    let host = host.split(':').next().unwrap_or(host);
    if host.contains(".accesspoint.s3-global.") {
        "multi-region access point"
    } else if host.contains(".s3-outposts.") {
        "S3 on Outposts access point"
    } else if host.contains(".s3-accesspoint.") || host.contains(".s3-accesspoint-") {
        "access point"
    } else if host.contains(".s3express-") {
        "directory bucket"
    } else {
        "bucket"
    }
}

impl Inspected {
    /// The longest URL [`Inspected::parse`] reads, in bytes.
    pub const MAX_URL: usize = MAX_URL;

    /// Reads `url` as a presigned S3 URL (SigV4, SigV4A or SigV2), parsed
    /// as a browser parses it: what it shows is what a client would send.
    pub fn parse(url: &str) -> Result<Self> {
        decode(url)
    }

    /// Recomputes the signature with `secret`, for a request with `method`
    /// and the extra `headers` (lower-case names), and says whether S3 would
    /// accept the URL at `now` ([`Verification::valid`]).
    pub fn verify(
        &self,
        secret: &SecretString,
        method: &str,
        headers: &[(String, String)],
        now: OffsetDateTime,
    ) -> Result<Verification> {
        verify(self, secret, method, headers, now)
    }

    /// When the URL stops working.
    pub fn expires_at(&self) -> OffsetDateTime {
        match self.auth.v4_parts() {
            Some(V4Parts {
                signed_at, expires, ..
            }) => {
                // An expiry past what a date can hold ends at the last
                // second presign can write (9999-12-31T23:59:59Z).
                i64::try_from(expires)
                    .ok()
                    .and_then(|s| signed_at.checked_add(time::Duration::seconds(s)))
                    .filter(|end| end.unix_timestamp() <= sign::LAST_UNIX_SECOND)
                    .unwrap_or_else(|| {
                        OffsetDateTime::from_unix_timestamp(sign::LAST_UNIX_SECOND)
                            .unwrap_or(signed_at)
                    })
            }
            None => match &self.auth {
                Auth::V2 { expires_at, .. } => *expires_at,
                _ => unreachable!("SigV4 and SigV4A have parts"),
            },
        }
    }

    /// Whether S3 would refuse the expiry itself (SigV4 allows 7 days).
    pub fn beyond_s3_limit(&self) -> bool {
        self.auth
            .v4_parts()
            .is_some_and(|p| p.expires > u64::from(sign::MAX_EXPIRES))
    }

    /// What the URL is for: a bucket, a directory bucket (S3 Express One
    /// Zone), an access point, a multi-region access point or an S3 on
    /// Outposts access point (by its AWS host name, or on another host by
    /// its scope's service, `s3-outposts` or `s3express`).
    pub fn kind(&self) -> &'static str {
        let service = self.auth.v4_parts().map(|p| p.service);
        match endpoint_kind(&self.host) {
            "bucket" if service == Some(sign::SERVICE_OUTPOSTS) => "S3 on Outposts access point",
            "bucket" if service == Some(sign::SERVICE_S3EXPRESS) => "directory bucket",
            kind => kind,
        }
    }

    /// Whether the URL is signed with an S3 Express session (it carries
    /// `X-Amz-S3session-Token`): its key and secret are the session's, which
    /// CreateSession handed out for a few minutes, not the caller's.
    pub fn express_session(&self) -> bool {
        self.signed_pairs
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(sign::X_AMZ_S3SESSION_TOKEN))
    }

    /// The parts of the request the signature covers, in words. SigV4 and
    /// SigV4A sign the method, the host (when `host` is a signed header, as
    /// S3 requires), the path, every query parameter, the expiry and the
    /// signed headers. SigV2 signs the method, `/bucket/key`, the expiry,
    /// the sub-resource parameters and the `x-amz-*` ones, but not the host
    /// nor any other parameter (AWS, "Signing and authenticating REST
    /// requests").
    pub fn covers(&self) -> Vec<&'static str> {
        match self.auth.v4_parts() {
            Some(V4Parts { signed_headers, .. }) => {
                let mut parts = vec!["method"];
                if signed_headers.iter().any(|h| h == "host") {
                    parts.push("host");
                }
                parts.extend(["path", "query", "expiry", "signed headers"]);
                parts
            }
            None => vec![
                "method",
                "bucket",
                "key",
                "expiry",
                "sub-resource and x-amz-* parameters",
            ],
        }
    }

    /// Whether the signature covers the host, so that the URL works only
    /// against the server it names.
    pub fn host_covered(&self) -> bool {
        self.covers().contains(&"host")
    }

    /// The session token the URL carries, if any (never print it).
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    /// `text` with the session token, raw or encoded, replaced by a marker.
    ///
    /// A token shorter than 16 characters is no AWS
    /// session token (theirs run to hundreds): it is withheld where it
    /// stands, as the value of a `…Token=` parameter or `…token:` header line
    /// of the computed texts, but not searched for in other values, where it
    /// would garble the dates and words it happens to match (a token `02`
    /// turned the scope date `20260102` into nonsense).
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.session_token() {
            Some(token) if token.len() >= MIN_SEARCHED_TOKEN => Cow::Owned(redact(text, token)),
            Some(token) if !token.is_empty() => redact_where_it_stands(text, token),
            _ => Cow::Borrowed(text),
        }
    }

    /// The URL to print: the session token's value replaced by a marker
    /// however it is spelt in the URL, and the whole URL withheld if the
    /// token still appears in it decoded (it is somewhere else too).
    pub fn redacted_url(&self) -> String {
        let Some(token) = self.session_token.as_deref() else {
            return self.url.clone();
        };
        let (head, query) = self.url.split_once('?').unwrap_or((&self.url, ""));
        let mut out = head.to_owned();
        for (i, pair) in query.split('&').enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            let (k, _) = pair.split_once('=').unwrap_or((pair, ""));
            let name = percent_decode_str(k).decode_utf8_lossy();
            if is_token_param(&name) {
                out.push_str(k);
                out.push('=');
                out.push_str(REDACTED);
            } else {
                out.push_str(pair);
            }
        }
        if !token.is_empty() && percent_decode_str(&out).decode_utf8_lossy().contains(token) {
            return "(withheld: the URL carries the session token)".to_owned();
        }
        out
    }

    /// The access key id the URL was signed with.
    pub fn access_key_id(&self) -> &str {
        match &self.auth {
            Auth::V4 { access_key_id, .. }
            | Auth::V4A { access_key_id, .. }
            | Auth::V2 { access_key_id, .. } => access_key_id,
        }
    }
}

/// Refuses what a browser would read otherwise than it looks: user info
/// (`https://evil.example@bucket...` goes to `bucket...`, and
/// `https://evil.example\@bucket...` to `evil.example`, since WHATWG reads
/// `\` as `/` where Python's urlsplit does not) and backslashes before the
/// query.
fn check_authority(text: &str) -> Result<&str> {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &text[8..]
    } else if lower.starts_with("http://") {
        &text[7..]
    } else {
        return Err(bad("it does not start with http:// or https://"));
    };
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.is_empty() {
        return Err(bad("it has no host"));
    }
    if authority.contains('@') {
        return Err(bad(
            "it has user info (NAME@) before the host, which hides where it goes; S3 URLs never carry it (remove everything up to the @)",
        ));
    }
    let before_query = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    if before_query.contains('\\') {
        return Err(bad(
            "it has a backslash before the query, which browsers read as / (so host or path differ from what it shows); percent-encode it as %5C",
        ));
    }
    Ok(&before_query[end..])
}

/// Decodes `text` as a presigned S3 URL.
pub(crate) fn decode(text: &str) -> Result<Inspected> {
    let text = text.trim();
    if text.len() > MAX_URL {
        return Err(bad(&format!("longer than {MAX_URL} bytes")));
    }
    if text.chars().any(|c| c.is_control() || c == ' ') {
        return Err(bad("it contains spaces or control characters"));
    }
    let typed_path = check_authority(text)?;
    let mut parsed = ::url::Url::parse(text).map_err(|e| bad(&format!("{e}")))?;
    parsed.set_fragment(None);
    let hostname = match parsed.host() {
        Some(::url::Host::Domain(d)) => d.to_owned(),
        Some(::url::Host::Ipv4(a)) => a.to_string(),
        Some(::url::Host::Ipv6(a)) => format!("[{a}]"),
        None => return Err(bad("it has no host")),
    };
    let mut host = hostname.clone();
    if let Some(p) = parsed.port() {
        host.push_str(&format!(":{p}"));
    }
    let scheme = parsed.scheme().to_owned();
    let raw_path = parsed.path().to_owned();
    let query = parsed.query().unwrap_or("").to_owned();

    let mut pairs: Vec<(String, String)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        pairs.push((decode_component(k, "query")?, decode_component(v, "query")?));
    }
    let has = |name: &str| pairs.iter().any(|(k, _)| k == name);
    let v4 = has(sign::X_AMZ_ALGORITHM);
    if v4 && has("AWSAccessKeyId") {
        return Err(bad(
            "it has both SigV4 (X-Amz-Algorithm) and SigV2 (AWSAccessKeyId) parameters",
        ));
    }
    // Each auth parameter once: with two, which one S3 reads is not what
    // this check can know, and a second X-Amz-Signature could make a URL
    // look right here and be refused there. Any case counts, to be safe.
    let auth_names = if v4 { V4_AUTH } else { V2_AUTH };
    for name in auth_names {
        if pairs
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .count()
            > 1
        {
            return Err(bad(&format!(
                "{name} appears more than once in the query (an auth parameter must appear once; remove the others)"
            )));
        }
    }
    let signature_name = if v4 {
        sign::X_AMZ_SIGNATURE
    } else {
        "Signature"
    };
    let signature = pairs
        .iter()
        .position(|(k, _)| k == signature_name)
        .map(|at| pairs.remove(at).1);
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let session_token = pairs
        .iter()
        .find(|(k, _)| is_token_param(k))
        .map(|(_, v)| v.clone());

    let auth = if let Some(algorithm) = get(sign::X_AMZ_ALGORITHM) {
        let need = |name: &str| get(name).ok_or_else(|| bad(&format!("{name} is missing")));
        let asymmetric = algorithm == v4a::ALGORITHM;
        let credential = need(sign::X_AMZ_CREDENTIAL)?;
        // SigV4A's scope names no region.
        let fields = if asymmetric { 4 } else { 5 };
        let parts: Vec<&str> = credential.rsplitn(fields, '/').collect();
        // (A SigV4A scope's date is checked too: a region put in would
        // otherwise read as the date and the date as part of the key.)
        let bad_date = asymmetric
            && parts
                .get(2)
                .is_none_or(|d| d.len() != 8 || !d.bytes().all(|b| b.is_ascii_digit()));
        if parts.len() != fields
            || parts[0] != sign::TERMINATOR
            || parts[fields - 1].is_empty()
            || bad_date
        {
            return Err(bad(if asymmetric {
                "X-Amz-Credential is not KEY/DATE/SERVICE/aws4_request (SigV4A names no region)"
            } else {
                "X-Amz-Credential is not KEY/DATE/REGION/SERVICE/aws4_request"
            }));
        }
        let signed_at = time::PrimitiveDateTime::parse(need(sign::X_AMZ_DATE)?, AMZ_DATE)
            .map_err(|_| bad("X-Amz-Date is not a time like 20260102T030405Z"))?
            .assume_utc();
        let expires: u64 = need(sign::X_AMZ_EXPIRES)?
            .parse()
            .map_err(|_| bad("X-Amz-Expires is not a whole number of seconds"))?;
        let signature = signature.ok_or_else(|| bad("X-Amz-Signature is missing"))?;
        let hex_digits = signature.bytes().all(|b| b.is_ascii_hexdigit());
        if asymmetric {
            // A DER ECDSA P-256 signature: 8 to 72 bytes.
            if !hex_digits
                || signature.len() % 2 != 0
                || !(16..=v4a::MAX_SIGNATURE_HEX).contains(&signature.len())
            {
                return Err(bad(
                    "X-Amz-Signature is not the hex of a DER ECDSA signature (16 to 144 hex digits)",
                ));
            }
        } else if signature.len() != 64 || !hex_digits {
            return Err(bad("X-Amz-Signature is not 64 hex digits"));
        }
        let signed_headers: Vec<String> = need(sign::X_AMZ_SIGNED_HEADERS)?
            .split(';')
            .map(str::to_owned)
            .collect();
        if !signed_headers.iter().all(|h| is_header_name(h)) {
            return Err(bad(
                "X-Amz-SignedHeaders is not a list of lower-case header names joined by ;",
            ));
        }
        if asymmetric {
            Auth::V4A {
                access_key_id: parts[3].to_owned(),
                date: parts[2].to_owned(),
                service: parts[1].to_owned(),
                region_set: need(sign::X_AMZ_REGION_SET)?.to_owned(),
                signed_headers,
                signed_at,
                expires,
                signature,
                session_token: session_token.is_some(),
            }
        } else {
            Auth::V4 {
                algorithm: algorithm.to_owned(),
                access_key_id: parts[4].to_owned(),
                date: parts[3].to_owned(),
                region: parts[2].to_owned(),
                service: parts[1].to_owned(),
                signed_headers,
                signed_at,
                expires,
                signature,
                session_token: session_token.is_some(),
            }
        }
    } else if let Some(access_key_id) = get("AWSAccessKeyId") {
        let expires: i64 = get("Expires")
            .ok_or_else(|| bad("Expires is missing"))?
            .parse()
            .map_err(|_| bad("Expires is not a Unix time"))?;
        let expires_at = OffsetDateTime::from_unix_timestamp(expires)
            .map_err(|_| bad("Expires is out of range"))?;
        let signature = signature.ok_or_else(|| bad("Signature is missing"))?;
        Auth::V2 {
            access_key_id: access_key_id.to_owned(),
            expires_at,
            signature,
            session_token: session_token.is_some(),
        }
    } else {
        return Err(bad(
            "it has neither X-Amz-Algorithm (SigV4) nor AWSAccessKeyId (SigV2)",
        ));
    };

    let path = decode_component(&raw_path, "path")?;
    let (addressing, bucket, key) = locate(&hostname, &path);
    let auth_names = if auth.v4_parts().is_some() {
        V4_AUTH
    } else {
        V2_AUTH
    };
    let mut version_id = None;
    let mut overrides = Vec::new();
    let mut params = Vec::new();
    for (k, v) in &pairs {
        if k == "versionId" && version_id.is_none() {
            version_id = Some(v.clone());
        } else if k.starts_with("response-") {
            overrides.push((k.clone(), v.clone()));
        } else if !auth_names.contains(&k.as_str()) && !is_token_param(k) {
            params.push((k.clone(), v.clone()));
        }
    }
    Ok(Inspected {
        url: parsed.as_str().to_owned(),
        endpoint: format!("{scheme}://{host}"),
        host,
        addressing,
        bucket,
        key,
        version_id,
        overrides,
        params,
        auth,
        typed_path: (typed_path != raw_path).then(|| typed_path.to_owned()),
        raw_path,
        signed_pairs: pairs,
        session_token,
    })
}

/// Bucket and key from the host and the decoded path.
fn locate(hostname: &str, path: &str) -> (Addressing, Option<String>, String) {
    let path = path.strip_prefix('/').unwrap_or(path);
    let aws = [".amazonaws.com", ".amazonaws.com.cn", ".amazonaws.eu"]
        .iter()
        .any(|s| hostname.ends_with(s));
    // A multi-region access point: `ALIAS.accesspoint.s3-global.DNS`.
    if aws && let Some(at) = hostname.find(".accesspoint.s3-global.") {
        return (
            Addressing::VirtualHosted,
            Some(hostname[..at].to_owned()),
            path.to_owned(),
        );
    }
    let first_label = hostname.split('.').next().unwrap_or("");
    let service_first = first_label == "s3" || first_label.starts_with("s3-");
    if aws && !service_first {
        let bucket = hostname
            .find(".s3.")
            .or_else(|| hostname.find(".s3-"))
            .or_else(|| hostname.find(".s3express-"))
            .map(|at| hostname[..at].to_owned());
        if bucket.is_some() {
            return (Addressing::VirtualHosted, bucket, path.to_owned());
        }
    }
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    let addressing = if aws {
        Addressing::PathStyle
    } else {
        Addressing::PathStyleAssumed
    };
    let bucket = (!bucket.is_empty()).then(|| bucket.to_owned());
    (addressing, bucket, key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://bucket.s3.eu-west-2.amazonaws.com/key.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260102%2Feu-west-2%2Fs3%2Faws4_request&X-Amz-Date=20260102T030405Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=23c87ef3bd9be85e9372cf6ebe8cf657f30da49b318adc28fa6512dda4d8b54d";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
    }

    /// A token too short to be an AWS session token is withheld where it
    /// stands, and the values it happens to match are left whole (the fuzzer
    /// found a token `02` turning the scope date into nonsense); a real one
    /// is searched for everywhere.
    #[test]
    fn a_short_token_is_withheld_but_not_searched_for_in_other_values() {
        let short = format!("{URL}&X-Amz-Security-Token=02");
        let ins = decode(&short).unwrap();
        assert_eq!(ins.session_token(), Some("02"));
        assert_eq!(ins.redact("20260102"), "20260102");
        assert!(!ins.redacted_url().contains("Token=02"));
        // Where it stands in the computed texts: a query pair, a header.
        assert_eq!(
            ins.redact("20260102\nA=02&X-Amz-Security-Token=02&B=1\nx-amz-security-token:02"),
            format!(
                "20260102\nA=02&X-Amz-Security-Token={REDACTED}&B=1\nx-amz-security-token:{REDACTED}"
            )
        );
        let token = "FQoGZXIvYXdzE02longenoughtoken";
        let ins = decode(&format!("{URL}&X-Amz-Security-Token={token}")).unwrap();
        assert_eq!(
            ins.redact(&format!("a/{token}/b")),
            format!("a/{REDACTED}/b")
        );
    }

    /// The fuzzer's find: an unknown algorithm quoted in the error carried
    /// the session token when the URL repeated it there.
    #[test]
    fn an_unknown_algorithm_is_quoted_without_the_session_token() {
        let token = "FQoGZXIvYXdzE02longenoughtoken";
        let url = URL.replace(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            &format!("X-Amz-Algorithm=AWS4-{token}"),
        ) + "&X-Amz-Security-Token="
            + token;
        let ins = decode(&url).unwrap();
        let e = verify(
            &ins,
            &SecretString::from(SECRET),
            "GET",
            &[],
            at("2026-01-02T03:30:00Z"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("cannot verify") && !e.contains(token), "{e}");
    }

    #[test]
    fn decodes_the_parts_of_a_recorded_aws_cli_url() {
        let ins = decode(URL).unwrap();
        assert_eq!(ins.bucket.as_deref(), Some("bucket"));
        assert_eq!(ins.key, "key.txt");
        assert_eq!(ins.addressing, Addressing::VirtualHosted);
        assert_eq!(ins.access_key_id(), "AKIAIOSFODNN7EXAMPLE");
        assert_eq!(ins.expires_at(), at("2026-01-02T04:04:05Z"));
        assert!(!ins.beyond_s3_limit());
    }

    #[test]
    fn verifies_with_the_right_secret_only() {
        let ins = decode(URL).unwrap();
        let now = at("2026-01-02T03:30:00Z");
        let ok = verify(&ins, &SecretString::from(SECRET), "GET", &[], now).unwrap();
        assert!(ok.valid(), "{ok:?}");
        let wrong = verify(&ins, &SecretString::from("nope"), "GET", &[], now).unwrap();
        assert!(!wrong.valid());
        assert_eq!(wrong.causes, [Cause::SecretOrUrlChanged]);
        let late = verify(
            &ins,
            &SecretString::from(SECRET),
            "GET",
            &[],
            at("2026-01-03T00:00:00Z"),
        )
        .unwrap();
        assert!(late.signature_ok && late.expired && !late.valid());
        let put = verify(&ins, &SecretString::from(SECRET), "PUT", &[], now).unwrap();
        assert!(
            put.causes.contains(&Cause::OtherMethod {
                signed: "GET",
                asked: "PUT".to_owned()
            }),
            "{:?}",
            put.causes
        );
    }

    #[test]
    fn a_directory_bucket_url_is_named_and_its_session_token_redacted() {
        let url = "https://mybucket--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com/key.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAS3XSESSION000000%2F20260102%2Fus-west-2%2Fs3express%2Faws4_request&X-Amz-Date=20260102T030405Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-S3session-Token=S3XSESSION%2Ftoken%2Bvalue%3D%3D&X-Amz-Signature=3f11c30eaf6d11f063ca97d1ae4d2cbef826987384df211c7c38989a4880d9a6";
        let ins = decode(url).unwrap();
        assert_eq!(ins.kind(), "directory bucket");
        assert!(ins.express_session());
        assert_eq!(ins.bucket.as_deref(), Some("mybucket--usw2-az1--x-s3"));
        assert_eq!(ins.key, "key.txt");
        assert_eq!(ins.addressing, Addressing::VirtualHosted);
        assert_eq!(ins.session_token(), Some("S3XSESSION/token+value=="));
        assert!(ins.params.is_empty(), "{:?}", ins.params);
        let shown = ins.redacted_url();
        assert!(!shown.contains("S3XSESSION%2Ftoken"), "{shown}");
        assert!(shown.contains("X-Amz-S3session-Token=(session token, redacted)"));
        assert!(ins.s3_refusals(at("2026-01-02T03:04:05Z")).is_empty());
        // The zonal host names its region; a scope of another is refused,
        // and so is a scope for `s3`.
        let wrong = url.replace("%2Fus-west-2%2Fs3express%2F", "%2Feu-west-1%2Fs3%2F");
        let refusals = decode(&wrong)
            .unwrap()
            .s3_refusals(at("2026-01-02T03:04:05Z"));
        assert_eq!(
            refusals,
            [
                Refusal::ScopeService {
                    service: "s3".to_owned(),
                    expected: "s3express"
                },
                Refusal::ScopeRegion {
                    scope: "eu-west-1".to_owned(),
                    endpoint: "us-west-2".to_owned()
                }
            ]
        );
    }

    #[test]
    fn garbage_is_a_clear_error() {
        for bad in [
            "",
            "not a url",
            "ftp://h/k?X-Amz-Algorithm=x",
            "https://h/k",
            "https://h/k?X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "https://h/k%zz?X-Amz-Algorithm=AWS4-HMAC-SHA256",
            &URL.replace("20260102T030405Z", "yesterday"),
            &URL.replace("X-Amz-Expires=3600", "X-Amz-Expires=soon"),
            &URL.replace("23c87ef3", "zzzz"),
            &format!("{URL}{}", "a".repeat(MAX_URL)),
        ] {
            let err = decode(bad).unwrap_err();
            assert_eq!(err.exit_code(), crate::error::EXIT_USAGE, "{bad}");
        }
    }

    #[test]
    fn region_mismatch_is_named() {
        use verify::aws_host_region;
        assert_eq!(
            aws_host_region("bucket.s3.eu-west-2.amazonaws.com").as_deref(),
            Some("eu-west-2")
        );
        assert_eq!(
            aws_host_region("s3.dualstack.us-east-1.amazonaws.com").as_deref(),
            Some("us-east-1")
        );
        assert_eq!(aws_host_region("bucket.s3.amazonaws.com"), None);
        assert_eq!(aws_host_region("localhost:9000"), None);
        assert_eq!(
            aws_host_region("bucket.s3-eu-west-1.amazonaws.com").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            aws_host_region("bucket.s3.cn-north-1.amazonaws.com.cn").as_deref(),
            Some("cn-north-1")
        );
        assert_eq!(aws_host_region("bucket.s3-external-1.amazonaws.com"), None);
    }

    #[test]
    fn escape_leaves_no_control_bidi_or_line_break_and_reads_back_unambiguously() {
        assert!(matches!(escape("plain key/ü.txt"), Cow::Borrowed(_)));
        assert_eq!(
            escape("a\\nb\n\r\t\u{1b}[8m\u{7f}\u{85}\u{9b}\u{202e}\u{2066}\u{200f}\u{61c}\u{2028}"),
            r"a\\nb\n\r\t\u{1b}[8m\u{7f}\u{85}\u{9b}\u{202e}\u{2066}\u{200f}\u{61c}\u{2028}"
        );
    }

    #[test]
    fn the_url_is_read_as_a_browser_reads_it() {
        // Upper case, a default port, a percent-encoded host: the Host sent
        // is lower case, without :443, decoded.
        let odd = URL
            .replace("https://bucket.s3", "https://BUCK%45T.s3")
            .replace(".com/", ".com:443/");
        let ins = decode(&odd).unwrap();
        assert_eq!(ins.host, "bucket.s3.eu-west-2.amazonaws.com");
        assert_eq!(ins.endpoint, "https://bucket.s3.eu-west-2.amazonaws.com");
        let now = at("2026-01-02T03:30:00Z");
        let v = verify(&ins, &SecretString::from(SECRET), "GET", &[], now).unwrap();
        assert!(v.valid(), "{v:?}");
        for bad in [
            URL.replace("https://", "https://evil.example\\@"),
            URL.replace("https://", "https://evil.example@"),
            URL.replace("https://", "https:"),
            URL.replace(".com/key", ".com\\key"),
        ] {
            assert!(decode(&bad).is_err(), "{bad}");
        }
    }
}
