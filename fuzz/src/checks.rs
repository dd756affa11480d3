//! The invariants the fuzz targets assert, one public function per target.
//!
//! Each function takes the fuzzer's raw bytes and panics when an invariant
//! breaks; a panic is what libFuzzer records as a crash. `tests/it/properties.rs`
//! compiles this same file (`#[path]`) to replay `fuzz/regressions/` and
//! `fuzz/seeds/` under `cargo test`, so it uses only crates the main crate
//! already has (presign, url, hmac, sha2, hex, serde_json, time, p256).
//!
//! Everything that decides whether a URL is right is written here again,
//! independently of `src/`: percent-encoding, URL splitting, the `Host` value,
//! botocore's dot-segment removal and the whole SigV4 computation, and for
//! SigV4A the key derivation (with `hmac`) and the ECDSA check (with `p256`).
//!
//! Input layout of the structured targets (`endpoint`, `presign_url`): the
//! bytes are cut at every 0xFF (a byte UTF-8 never uses) into parts; see each
//! function for which part means what. Missing parts are empty and missing
//! choice bytes are 0, so every input is valid.

use std::fmt::Write as _;

use hmac::{Hmac, KeyInit, Mac};
use presign::internals::escape::for_terminal;
use presign::internals::uri::{self, BucketRef, S3Uri};
use presign::internals::{ini, process};
use presign::{AddressingStyle, CustomEndpoint, EndpointConfig};
use presign::{Credentials, Error, Expiry, ObjectRequest, Presigner};
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, UtcOffset};

thread_local! {
    static STRICT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Known bugs of `src/`, reported and not yet fixed. By default the checks
/// step around them so that fuzzing goes on past them; in strict mode (see
/// [`set_strict`]) they fail like any other broken invariant.
/// `fuzz/regressions/KNOWN_BUGS` names the saved input of each.
pub const KNOWN_BUGS: &[(&str, &str)] = &[
    // None open: the five found by fuzzing (raw newlines in three error
    // messages, text after an IPv6 literal's `]`, an IPv6 endpoint with a
    // dotted virtual-hosted bucket) are fixed, and their inputs replay under
    // `cargo test` from fuzz/regressions.
];

/// Whether this thread's checks fail on known bugs too (default: no).
pub fn set_strict(strict: bool) {
    STRICT.with(|s| s.set(strict));
}

/// True when a known bug (one of [`KNOWN_BUGS`]) applies and is to be
/// stepped around.
pub fn known_bug(name: &str, applies: bool) -> bool {
    debug_assert!(KNOWN_BUGS.iter().any(|(n, _)| *n == name));
    applies && !STRICT.with(|s| s.get())
}

/// The targets, by the name of their `fuzz_targets/*.rs` file.
pub const TARGETS: &[&str] = &[
    "uri",
    "ini",
    "endpoint",
    "process",
    "presign_url",
    "inspect",
];

/// Runs the checks of `target` on `data` (for replaying saved inputs).
pub fn run(target: &str, data: &[u8]) {
    match target {
        "uri" => uri(data),
        "ini" => ini(data),
        "endpoint" => endpoint(data),
        "process" => process(data),
        "presign_url" => presign_url(data),
        "inspect" => inspect_all_modes(data),
        other => panic!("unknown fuzz target {other}"),
    }
}

// ---------------------------------------------------------------------------
// Input decoding

/// The parts of a structured input.
pub struct Input<'a> {
    parts: Vec<&'a [u8]>,
    ctrl: &'a [u8],
    at: usize,
}

impl<'a> Input<'a> {
    /// Cuts `data` at 0xFF; part `ctrl` supplies the choice bytes.
    pub fn new(data: &'a [u8], ctrl: usize) -> Self {
        let parts: Vec<&[u8]> = data.split(|&b| b == 0xFF).collect();
        let ctrl = parts.get(ctrl).copied().unwrap_or(&[]);
        Input { parts, ctrl, at: 0 }
    }

    /// The next choice byte (0 once they run out).
    pub fn byte(&mut self) -> u8 {
        let b = self.ctrl.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    pub fn u64(&mut self) -> u64 {
        (u64::from(self.u32()) << 32) | u64::from(self.u32())
    }

    fn bytes(&self, part: usize) -> &'a [u8] {
        self.parts.get(part).copied().unwrap_or(&[])
    }

    /// Part `part` as text (invalid UTF-8 replaced).
    pub fn text(&self, part: usize) -> String {
        String::from_utf8_lossy(self.bytes(part)).into_owned()
    }

    /// Part `part` with each byte mapped into `alphabet`.
    pub fn mapped(&self, part: usize, alphabet: &[u8]) -> String {
        self.bytes(part)
            .iter()
            .map(|b| alphabet[usize::from(*b) % alphabet.len()] as char)
            .collect()
    }

    /// One of `choices`, by the next choice byte.
    pub fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        choices[usize::from(self.byte()) % choices.len()]
    }
}

const DNS_BUCKET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-";
const ANY_BUCKET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
const LABEL: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-";
const HOST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-.";
const KNOWN_REGIONS: &[&str] = &[
    "us-east-1",
    "eu-west-2",
    "aws-global",
    "cn-north-1",
    "us-gov-west-1",
    "us-iso-east-1",
    "eusc-de-east-1",
    "EU-WEST-2",
];
const METHODS: &[&str] = &["GET", "PUT", "HEAD", "DELETE", "POST"];

// ---------------------------------------------------------------------------
// Independent helpers (nothing here calls into presign)

/// RFC 3986 unreserved: what SigV4 leaves unencoded.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

/// Percent-encodes UTF-8 `text`, keeping unreserved bytes (and `/` for paths).
pub fn encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if unreserved(b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            write!(out, "%{b:02X}").unwrap();
        }
    }
    out
}

/// Strict percent-decoding: `None` for a `%` not followed by two hex digits.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let s = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(s, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// A URL cut into its texts: `scheme://authority` + path + `?query`.
#[derive(Debug, Clone, Copy)]
pub struct UrlParts<'a> {
    pub scheme: &'a str,
    pub authority: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
}

/// Splits `url` as typed (no normalisation): `None` without `scheme://`.
pub fn split_url(url: &str) -> Option<UrlParts<'_>> {
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    let rest = url[colon + 1..].strip_prefix("//")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let mut rest = &rest[end..];
    let mut fragment = None;
    if let Some((before, frag)) = rest.split_once('#') {
        rest = before;
        fragment = Some(frag);
    }
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    Some(UrlParts {
        scheme,
        authority,
        path,
        query,
        fragment,
    })
}

/// The `Host` value SigV4 signs for `authority`: userinfo dropped, host
/// lower-cased (IPv6 kept in brackets), the port kept unless it is the
/// scheme's default. `None` for a port that is not a number up to 65535.
pub fn host_header(scheme: &str, authority: &str) -> Option<String> {
    let hp = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match hp.strip_prefix('[') {
        Some(inner) => {
            let (h, rest) = inner.split_once(']')?;
            (format!("[{}]", h.to_lowercase()), rest.strip_prefix(':'))
        }
        None => match hp.split_once(':') {
            Some((h, p)) => (h.to_lowercase(), Some(p)),
            None => (hp.to_lowercase(), None),
        },
    };
    let default = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    match port.filter(|p| !p.is_empty()) {
        None => Some(host),
        Some(p) => {
            if !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let digits = p.trim_start_matches('0');
            let n: u64 = digits.parse().unwrap_or(0);
            if digits.len() > 5 || n > 65535 {
                return None;
            }
            Some(if n == default {
                host
            } else {
                format!("{host}:{n}")
            })
        }
    }
}

/// botocore's `_remove_dot_segments` (RFC 3986 5.2.4, also folding `//`).
pub fn remove_dot_segments(path: &str) -> String {
    if path.is_empty() {
        return String::new();
    }
    let mut out: Vec<&str> = Vec::new();
    for x in path.split('/') {
        if !x.is_empty() && x != "." {
            if x == ".." {
                out.pop();
            } else {
                out.push(x);
            }
        }
    }
    let first = if path.starts_with('/') { "/" } else { "" };
    let last = if path.ends_with('/') && !out.is_empty() {
        "/"
    } else {
        ""
    };
    format!("{first}{}{last}", out.join("/"))
}

/// The rule set's `normalizedPath`: `quote(remove_dot_segments(path or
/// '/'))` with a trailing `/`.
pub fn normalized_path(path: &str) -> String {
    let path = if path.is_empty() { "/" } else { path };
    let mut p = encode(&remove_dot_segments(path), true);
    if !p.ends_with('/') {
        p.push('/');
    }
    p
}

/// botocore's `_urljoin` of a base path and `/` + the encoded key.
pub fn join_path(base: &str, key: &str) -> String {
    if key.is_empty() {
        return if base.is_empty() {
            "/".to_owned()
        } else {
            base.to_owned()
        };
    }
    let url_path = format!("/{}", encode(key, true));
    match base.strip_suffix('/') {
        Some(b) => format!("{b}{url_path}"),
        None => format!("{base}{url_path}"),
    }
}

/// Whether a path has a `.` or `..` segment (also spelt `%2e`), which WHATWG
/// URL parsers (the `url` crate, browsers) remove while S3 signs it as is.
pub fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|seg| {
        let s = seg.to_ascii_lowercase().replace("%2e", ".");
        s == "." || s == ".."
    })
}

/// `YYYYMMDDTHHMMSSZ` of `time` in UTC.
pub fn amz_date(time: OffsetDateTime) -> String {
    let t = time.to_offset(UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn is_host_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

fn is_dotted_quad(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Buckets the spec (§5.2) never puts in a host name.
pub fn never_virtual(bucket: &str) -> bool {
    bucket.len() < 3
        || bucket.to_lowercase() != bucket
        || bucket.contains('_')
        || is_dotted_quad(bucket)
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// What a verifier knows besides the URL: the request and the credentials.
#[derive(Debug, Clone)]
pub struct Expect<'a> {
    pub method: &'a str,
    /// Operation parameters, raw, in URL order.
    pub params: &'a [(String, String)],
    /// Headers the client sends (lower-case names, trimmed values).
    pub headers: &'a [(String, String)],
    pub access_key: &'a str,
    pub secret: &'a str,
    pub token: Option<&'a str>,
    /// The scope's region (SigV4) or the region set (SigV4A).
    pub region: &'a str,
    /// The signing name: `s3`, or `s3-outposts`.
    pub service: &'a str,
    /// SigV4A (`AWS4-ECDSA-P256-SHA256`) rather than SigV4.
    pub v4a: bool,
    pub amz_date: &'a str,
    pub expires: u32,
}

/// The stages of an independently computed signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
}

/// The query a presigned URL must carry, raw (decoded), in URL order, without
/// `X-Amz-Signature`.
pub fn expected_query(e: &Expect) -> Vec<(String, String)> {
    let mut names: Vec<&str> = e.headers.iter().map(|(n, _)| n.as_str()).collect();
    names.push("host");
    names.sort_unstable();
    names.dedup();
    let mut q: Vec<(String, String)> = e.params.to_vec();
    let day = e.amz_date.get(..8).unwrap_or("");
    let (algorithm, credential) = if e.v4a {
        (
            "AWS4-ECDSA-P256-SHA256",
            format!("{}/{day}/{}/aws4_request", e.access_key, e.service),
        )
    } else {
        (
            "AWS4-HMAC-SHA256",
            format!(
                "{}/{day}/{}/{}/aws4_request",
                e.access_key, e.region, e.service
            ),
        )
    };
    let expires = ("X-Amz-Expires", e.expires.to_string());
    let signed = ("X-Amz-SignedHeaders", names.join(";"));
    // botocore's order for SigV4, the CRT's for SigV4A.
    let (third, fourth) = if e.v4a {
        (signed, expires)
    } else {
        (expires, signed)
    };
    for (k, v) in [
        ("X-Amz-Algorithm", algorithm.to_owned()),
        ("X-Amz-Credential", credential),
        ("X-Amz-Date", e.amz_date.to_owned()),
        third,
        fourth,
    ] {
        q.push((k.to_owned(), v));
    }
    if let Some(t) = e.token {
        q.push(("X-Amz-Security-Token".to_owned(), t.to_owned()));
    }
    if e.v4a {
        q.push(("X-Amz-Region-Set".to_owned(), e.region.to_owned()));
    }
    q
}

/// The SigV4A public key of `access_key` and `secret` (SEC1, uncompressed),
/// derived as AWS's SigV4A specification says: HMAC-SHA256 counter-mode KDF
/// over `"AWS4A" + secret`, candidates above `n - 2` skipped, private key
/// the candidate plus one.
pub fn v4a_public_key(access_key: &str, secret: &str) -> p256::ecdsa::VerifyingKey {
    const N_MINUS_2: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254f";
    for counter in 1u8..=254 {
        let mut input = Vec::new();
        input.extend_from_slice(&[0, 0, 0, 1]);
        input.extend_from_slice(b"AWS4-ECDSA-P256-SHA256\0");
        input.extend_from_slice(access_key.as_bytes());
        input.push(counter);
        input.extend_from_slice(&[0, 0, 1, 0]);
        let k0 = hmac(format!("AWS4A{secret}").as_bytes(), &input);
        if hex::encode(&k0).as_str() > N_MINUS_2 {
            continue;
        }
        // k0 + 1, big-endian.
        let mut d = k0;
        for byte in d.iter_mut().rev() {
            let (sum, carry) = byte.overflowing_add(1);
            *byte = sum;
            if !carry {
                break;
            }
        }
        let key = p256::ecdsa::SigningKey::from_slice(&d).expect("a scalar below n");
        return *key.verifying_key();
    }
    panic!("no SigV4A key for {access_key}");
}

/// Verifies the SigV4 query signature of `url` from the URL text alone plus
/// what `e` says, with its own canonicalisation. `host` is the `Host` value
/// the client sends (see [`host_header`]). `Err` says what does not match.
pub fn verify(url: &str, host: &str, e: &Expect) -> Result<Verified, String> {
    let parts = split_url(url).ok_or("no scheme://")?;
    if parts.fragment.is_some() {
        return Err("the URL has a fragment".into());
    }
    let query = parts.query.ok_or("the URL has no query")?;
    let mut raw: Vec<(&str, &str)> = query
        .split('&')
        .map(|kv| kv.split_once('=').unwrap_or((kv, "")))
        .collect();
    let Some((last, sig)) = raw.pop() else {
        return Err("empty query".into());
    };
    if last != "X-Amz-Signature" {
        return Err(format!("the last parameter is {last}, not X-Amz-Signature"));
    }
    let lower_hex = sig
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !lower_hex || (!e.v4a && sig.len() != 64) {
        return Err(format!(
            "X-Amz-Signature {sig:?} is not {} lower-case hex digits",
            if e.v4a { "DER" } else { "64" }
        ));
    }
    let mut decoded = Vec::with_capacity(raw.len());
    for (k, v) in &raw {
        for part in [k, v] {
            let bytes = decode(part).ok_or_else(|| format!("bad escape in {part:?}"))?;
            let text = String::from_utf8(bytes).map_err(|_| format!("{part:?} is not UTF-8"))?;
            if encode(&text, false) != **part {
                return Err(format!("{part:?} is not canonically encoded"));
            }
        }
        let d = |s: &str| String::from_utf8(decode(s).unwrap()).unwrap();
        decoded.push((d(k), d(v)));
    }
    let want = expected_query(e);
    if decoded != want {
        return Err(format!("query {decoded:?}, expected {want:?}"));
    }

    let mut sorted = raw.clone();
    sorted.sort_unstable();
    let canonical_query = sorted
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut names: Vec<&str> = e.headers.iter().map(|(n, _)| n.as_str()).collect();
    names.push("host");
    names.sort_unstable();
    names.dedup();
    let mut canonical_headers = String::new();
    for name in &names {
        let value = if *name == "host" {
            host.to_owned()
        } else {
            e.headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join(",")
        };
        writeln!(canonical_headers, "{name}:{value}").unwrap();
    }
    let path = if parts.path.is_empty() {
        "/"
    } else {
        parts.path
    };
    let canonical_request = format!(
        "{}\n{path}\n{canonical_query}\n{canonical_headers}\n{}\nUNSIGNED-PAYLOAD",
        e.method,
        names.join(";")
    );
    let day = e.amz_date.get(..8).unwrap_or("");
    let (algorithm, scope) = if e.v4a {
        (
            "AWS4-ECDSA-P256-SHA256",
            format!("{day}/{}/aws4_request", e.service),
        )
    } else {
        (
            "AWS4-HMAC-SHA256",
            format!("{day}/{}/{}/aws4_request", e.region, e.service),
        )
    };
    let string_to_sign = format!(
        "{algorithm}\n{}\n{scope}\n{}",
        e.amz_date,
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let signature = if e.v4a {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        let der = hex::decode(sig).map_err(|_| format!("{sig:?} is not hex"))?;
        let parsed = p256::ecdsa::Signature::from_der(&der)
            .map_err(|_| format!("X-Amz-Signature {sig:?} is not a DER ECDSA signature"))?;
        let digest: [u8; 32] = Sha256::digest(string_to_sign.as_bytes()).into();
        v4a_public_key(e.access_key, e.secret)
            .verify_prehash(&digest, &parsed)
            .map_err(|_| format!("signature {sig} does not verify"))?;
        sig.to_owned()
    } else {
        let k_date = hmac(format!("AWS4{}", e.secret).as_bytes(), day.as_bytes());
        let k_region = hmac(&k_date, e.region.as_bytes());
        let k_service = hmac(&k_region, e.service.as_bytes());
        let k_signing = hmac(&k_service, b"aws4_request");
        let signature = hex::encode(hmac(&k_signing, string_to_sign.as_bytes()));
        if signature != sig {
            return Err(format!(
                "signature {sig} does not verify (expected {signature})"
            ));
        }
        signature
    };
    Ok(Verified {
        canonical_request,
        string_to_sign,
        signature,
    })
}

/// The `url` crate's reading of a presigned URL: it must parse, and its
/// decoded query must be exactly `expected` plus the signature.
pub fn check_url_crate(signed_url: &str, expected: &[(String, String)]) -> url::Url {
    let parsed = url::Url::parse(signed_url)
        .unwrap_or_else(|e| panic!("the url crate cannot parse {signed_url:?}: {e}"));
    let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    let (last, rest) = pairs.split_last().expect("a query");
    assert_eq!(last.0, "X-Amz-Signature", "{signed_url}");
    assert_eq!(rest, expected, "decoded query of {signed_url}");
    parsed
}

/// Errors are one line (presign's contract for every message).
pub fn assert_one_line(what: &str, message: &str) {
    assert!(
        !message.contains(['\n', '\r']),
        "{what} error spans more than one line: {message:?}"
    );
}

// ---------------------------------------------------------------------------
// Targets

/// `S3Uri::parse`, `bucket_ref`, `require_key`: the split is lossless and
/// stable, validation agrees with the documented bucket charset, and errors
/// are one-line usage errors.
pub fn uri(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let parsed = S3Uri::parse(&text);
    let rest = text.strip_prefix("s3://").unwrap_or(&text);
    assert!(
        rest == parsed.bucket || rest == format!("{}/{}", parsed.bucket, parsed.key),
        "{text:?} split into {parsed:?}"
    );
    if !parsed.bucket.starts_with("arn:") {
        assert!(!parsed.bucket.contains('/'), "{parsed:?}");
    }
    let again = S3Uri::parse(&format!("s3://{}/{}", parsed.bucket, parsed.key));
    assert_eq!(again, parsed, "re-parsing {text:?}");

    match parsed.require_key() {
        Ok(k) => assert!(!k.is_empty() && k == parsed.key),
        Err(e) => {
            assert!(parsed.key.is_empty());
            assert_eq!(e.exit_code(), presign::internals::EXIT_USAGE);
            assert_one_line("require_key", &e.to_string());
        }
    }
    match parsed.bucket_ref() {
        Ok(BucketRef::Name(n)) => {
            assert_eq!(n, parsed.bucket);
            assert!((1..=255).contains(&n.len()), "{n:?}");
            assert!(
                n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')),
                "{n:?}"
            );
        }
        Ok(BucketRef::AccessPoint(ap)) => {
            assert_eq!(ap.arn, parsed.bucket);
            let rebuilt = |sep| {
                format!(
                    "arn:{}:s3:{}:{}:accesspoint{sep}{}",
                    ap.partition, ap.region, ap.account, ap.name
                )
            };
            assert!(ap.arn == rebuilt('/') || ap.arn == rebuilt(':'), "{ap:?}");
            assert!(ap.partition.starts_with("aws"), "{ap:?}");
            assert!(
                ap.account.len() == 12 && ap.account.bytes().all(|b| b.is_ascii_digit()),
                "{ap:?}"
            );
            assert!((1..=63).contains(&ap.name.len()), "{ap:?}");
        }
        Ok(BucketRef::OutpostAccessPoint(op)) => {
            assert_eq!(op.arn, parsed.bucket);
            let rebuilt = |a, b, c| {
                format!(
                    "arn:{}:s3-outposts:{}:{}:outpost{a}{}{b}accesspoint{c}{}",
                    op.partition, op.region, op.account, op.outpost_id, op.name
                )
            };
            let seps = ['/', ':'];
            assert!(
                seps.iter().any(|a| seps
                    .iter()
                    .any(|b| seps.iter().any(|c| op.arn == rebuilt(*a, *b, *c)))),
                "{op:?}"
            );
            assert!(op.partition.starts_with("aws"), "{op:?}");
            assert!(!op.region.is_empty(), "{op:?}");
            for part in [op.outpost_id, op.name] {
                assert!(
                    (1..=63).contains(&part.len())
                        && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
                    "{op:?}"
                );
            }
        }
        Err(e) => {
            assert_eq!(e.exit_code(), presign::internals::EXIT_USAGE);
            let shown = e.to_string();
            assert_one_line("bucket_ref", &shown);
            assert!(
                !shown.chars().any(char::is_control),
                "bucket_ref error shows a control character: {shown:?}"
            );
            let plain = (1..=255).contains(&parsed.bucket.len())
                && parsed
                    .bucket
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
            assert!(!plain, "valid bucket name refused: {:?}", parsed.bucket);
        }
    }
    // The same verdict through the free function.
    assert_eq!(
        uri::bucket_ref(&parsed.bucket).is_ok(),
        parsed.bucket_ref().is_ok()
    );
}

fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Lines as Python reads a text file: ends at `\r\n`, `\r` or `\n`.
fn file_lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['\r', '\n']) {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + if rest[i..].starts_with("\r\n") { 2 } else { 1 }..];
            }
            None => {
                out.push(rest);
                rest = "";
            }
        }
    }
    out
}

/// The texts an INI error may quote: every section name and every setting
/// name (as typed and lower-cased) that a line of the input could hold, raw
/// and escaped for a terminal as the parser quotes them.
fn ini_names(lines: &[&str]) -> Vec<String> {
    let mut names = Vec::new();
    for line in lines {
        let s = line.trim_matches(is_py_space);
        if s.is_empty() || s.starts_with('#') || s.starts_with(';') {
            continue;
        }
        if let Some(rest) = s.strip_prefix('[')
            && let Some(close) = rest.rfind(']')
        {
            names.push(rest[..close].to_owned());
            names.push(for_terminal(&rest[..close]).to_string());
        }
        if let Some(at) = s.find(['=', ':']) {
            let name = s[..at].trim_matches(is_py_space);
            names.push(name.to_owned());
            names.push(name.to_lowercase());
            // Errors quote names escaped for a terminal.
            names.push(for_terminal(name).to_string());
            names.push(for_terminal(&name.to_lowercase()).to_string());
        }
    }
    names
}

/// Whether `reason` is made of template characters and whole `names` only.
fn covered(reason: &str, names: &[String]) -> bool {
    let mut reach = vec![false; reason.len() + 1];
    reach[0] = true;
    for i in 0..reason.len() {
        if !reach[i] || !reason.is_char_boundary(i) {
            continue;
        }
        let rest = &reason[i..];
        if rest.chars().next().is_some_and(template_char) {
            reach[i + 1] = true;
        }
        for n in names
            .iter()
            .filter(|n| !n.is_empty() && rest.starts_with(n.as_str()))
        {
            reach[i + n.len()] = true;
        }
    }
    reach[reason.len()]
}

/// The characters of the INI error templates.
fn template_char(c: char) -> bool {
    c.is_ascii_lowercase() || " '[]=:,.;#()".contains(c)
}

/// Writes `ini` back as INI text, or `None` where this writer cannot.
fn write_ini(parsed: &ini::Ini) -> Option<String> {
    let mut out = String::new();
    for (name, section) in &parsed.sections {
        writeln!(out, "[{name}]").unwrap();
        for key in section.keys() {
            match section.get(key)? {
                ini::Value::Text(t) => {
                    let mut lines = t.split('\n');
                    writeln!(out, "{key} = {}", lines.next().unwrap_or("")).unwrap();
                    for l in lines {
                        writeln!(out, "\t{l}").unwrap();
                    }
                }
                ini::Value::Nested(pairs) => {
                    if pairs.is_empty() {
                        return None;
                    }
                    writeln!(out, "{key} =").unwrap();
                    for (k, v) in pairs {
                        if k.starts_with(['#', ';']) {
                            return None;
                        }
                        writeln!(out, "\t{k} = {v}").unwrap();
                    }
                }
            }
        }
    }
    Some(out)
}

/// `config::ini::parse`: never panics; an error names a line of the input
/// and quotes nothing but section and setting names (never a value or a bare
/// line, which may be a pasted key); `Debug` of a parsed file shows no value;
/// a parsed file written back parses to the same thing.
pub fn ini(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let lines = file_lines(&text);
    let allowed = ini_names(&lines);
    match ini::parse(&text) {
        Err(e) => {
            assert!(
                (1..=lines.len()).contains(&e.line),
                "error line {} of a {}-line file",
                e.line,
                lines.len()
            );
            let shown = e.to_string();
            assert_one_line("ini", &shown);
            assert!(
                !shown.chars().any(presign::internals::escape::is_unsafe),
                "ini error holds a character a terminal acts on: {shown:?}"
            );
            assert_eq!(shown, format!("line {}: {}", e.line, e.reason));
            // The reason is template text and whole section or setting names
            // of the input: no value or bare line shows.
            assert!(
                covered(&e.reason, &allowed),
                "ini error quotes input beyond names: {:?} (from {text:?})",
                e.reason
            );
        }
        Ok(parsed) => {
            assert!(parsed.section("DEFAULT").is_none());
            // Debug shows names only: blanking every value changes nothing.
            let mut blank = parsed.clone();
            for (_, section) in &mut blank.sections {
                let keys: Vec<String> = section.keys().map(str::to_owned).collect();
                for k in keys {
                    let value = match section.get(&k) {
                        Some(ini::Value::Nested(pairs)) => ini::Value::Nested(
                            pairs
                                .iter()
                                .map(|(n, _)| (n.clone(), String::new()))
                                .collect(),
                        ),
                        _ => ini::Value::Text(String::new()),
                    };
                    section.set(k, value);
                }
            }
            assert_eq!(
                format!("{parsed:?}"),
                format!("{blank:?}"),
                "Debug of Ini shows a value"
            );
            if let Some(written) = write_ini(&parsed) {
                match ini::parse(&written) {
                    Ok(again) => assert_eq!(again, parsed, "written back as {written:?}"),
                    Err(e) => panic!("written back as {written:?}, which fails: {e}"),
                }
            }
        }
    }
}

/// `config::process::parse_output`: never panics; accepts exactly version-1
/// documents with string keys and returns their values; errors are one-line
/// config errors that never repeat the secret key or token, nor anything of
/// an output that is not a JSON object; `Debug` of the result hides secrets.
pub fn process(data: &[u8]) {
    let doc = std::str::from_utf8(data)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok());
    let object = doc.as_ref().and_then(|d| d.as_object());
    let string = |name: &str| {
        object
            .and_then(|o| o.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let secrets: Vec<String> = ["SecretAccessKey", "SessionToken"]
        .iter()
        .filter_map(|n| string(n))
        .filter(|s| s.chars().count() >= 8)
        .collect();
    match process::parse_output(data) {
        Ok(c) => {
            let o = object.expect("accepted output that is not a JSON object");
            let version_ok = match o.get("Version") {
                Some(serde_json::Value::Number(n)) => n.as_f64() == Some(1.0),
                Some(serde_json::Value::Bool(b)) => *b,
                _ => false,
            };
            assert!(version_ok, "accepted Version {:?}", o.get("Version"));
            assert_eq!(Some(c.access_key_id.clone()), string("AccessKeyId"));
            assert_eq!(
                Some(c.secret_access_key.expose().to_owned()),
                string("SecretAccessKey")
            );
            assert_eq!(
                c.session_token.as_ref().map(|t| t.expose().to_owned()),
                string("SessionToken")
            );
            // Debug must not show more of a secret than it would with the
            // secrets blanked (the access key id is public and may hold it).
            let shown = format!("{c:?}");
            let mut blank = c.clone();
            blank.secret_access_key = presign::SecretString::from("");
            blank.session_token = blank
                .session_token
                .as_ref()
                .map(|_| presign::SecretString::from(""));
            let baseline = format!("{blank:?}");
            for s in &secrets {
                assert!(
                    shown.matches(s.as_str()).count() <= baseline.matches(s.as_str()).count(),
                    "Debug of Credentials shows a secret: {shown}"
                );
            }
        }
        Err(e) => {
            assert_eq!(e.exit_code(), presign::internals::EXIT_OTHER);
            let shown = e.to_string();
            assert_one_line("credential_process", &shown);
            if object.is_none() {
                assert!(
                    shown.ends_with("its output is not UTF-8")
                        || shown.ends_with("its output is not a JSON document")
                        || shown.ends_with("its output is not a JSON object"),
                    "error for a non-object output says more than that: {shown:?}"
                );
            }
            let version = string("Version").unwrap_or_default();
            let names = [
                "AccessKeyId",
                "SecretAccessKey",
                "SessionToken",
                "Expiration",
                "Version",
            ];
            for s in &secrets {
                let legit = version.contains(s.as_str()) || names.iter().any(|n| n.contains(s));
                assert!(
                    legit || !shown.contains(s.as_str()),
                    "credential_process error shows a secret: {shown:?}"
                );
            }
        }
    }
}

/// Whether an authority has an IPv6 literal followed by something other
/// than `:PORT`.
fn ipv6_junk(authority: &str) -> bool {
    let hp = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match hp.strip_prefix('[').and_then(|inner| inner.split_once(']')) {
        Some((_, after)) => {
            !(after.is_empty()
                || after
                    .strip_prefix(':')
                    .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit())))
        }
        None => false,
    }
}

/// A custom endpoint that any reading must accept: `http(s)://` + lower-case
/// alphanumeric labels + an optional short port + an optional simple path.
fn obviously_valid_endpoint(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"))
    else {
        return false;
    };
    let (hp, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = hp.split_once(':').unwrap_or((hp, "1"));
    let labels_ok = (1..=4).contains(&host.split('.').count())
        && host.split('.').all(|l| {
            (1..=20).contains(&l.len())
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && !host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    labels_ok
        && (1..=4).contains(&port.len())
        && port.bytes().all(|b| b.is_ascii_digit())
        && path
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'/')
}

/// `CustomEndpoint::parse` and `EndpointConfig::target` with it. Input: the
/// endpoint text, 0xFF, then choice bytes (bucket, region, switches).
///
/// Invariants: parsing never panics, accepts every plainly valid endpoint and
/// gives one-line errors; every target keeps the endpoint's text in its
/// origin (`scheme://[bucket.]authority`), signs the host the origin names,
/// puts the bucket where `virtual_hosted` says, never makes a virtual host
/// of a bucket or endpoint the rules exclude, and fails only for accelerate
/// (which a custom endpoint cannot have); when the `url` crate reads the
/// origin, it reads the URL made from it.
pub fn endpoint(data: &[u8]) {
    let mut inp = Input::new(data, 1);
    let text = inp.text(0);
    let parsed = CustomEndpoint::parse(&text);
    let custom = match parsed {
        Err(e) => {
            assert_one_line("endpoint", &e.to_string());
            assert!(
                !obviously_valid_endpoint(&text),
                "valid endpoint {text:?} refused: {e}"
            );
            return;
        }
        Ok(c) => c,
    };
    assert_eq!(custom.text, text);
    assert!(!text.chars().any(char::is_control), "accepted {text:?}");
    let parts = split_url(&text).expect("accepted endpoint without scheme://");
    let scheme = parts.scheme.to_ascii_lowercase();
    assert!(scheme == "http" || scheme == "https", "accepted {text:?}");
    assert!(parts.query.is_none_or(str::is_empty), "accepted {text:?}");
    host_header(&scheme, parts.authority)
        .unwrap_or_else(|| panic!("accepted {text:?}, whose port is not a port"));
    assert!(!ipv6_junk(parts.authority), "accepted {text:?}");
    let is_ip = {
        let hp = parts
            .authority
            .rsplit_once('@')
            .map_or(parts.authority, |(_, h)| h);
        hp.starts_with('[') || is_dotted_quad(hp.split(':').next().unwrap_or(""))
    };

    let own_bucket = inp.pick(&[0u8, 1, 2]);
    let buckets: Vec<String> = {
        let mut b: Vec<String> = [
            "mybucket",
            "my.bucket",
            "abc.bucket",
            "MyBucket",
            "ab",
            "my_bucket",
            "192.168.0.1",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let extra = match own_bucket {
            1 => inp.mapped(1, DNS_BUCKET),
            2 => inp.mapped(1, ANY_BUCKET),
            _ => String::new(),
        };
        if uri::bucket_ref(&extra).is_ok_and(|b| matches!(b, BucketRef::Name(_))) {
            b.push(extra);
        }
        b
    };
    let region = match inp.byte() % 3 {
        0 => None,
        1 => Some(inp.pick(KNOWN_REGIONS).to_owned()),
        _ => Some(inp.text(2)),
    };
    let flags = inp.byte();
    for style in [
        AddressingStyle::Auto,
        AddressingStyle::Path,
        AddressingStyle::Virtual,
    ] {
        let mut cfg = endpoint_config(style, flags).with_custom(custom.clone());
        cfg.region = region.clone();
        for bucket in &buckets {
            let target = match cfg.target(&BucketRef::Name(bucket)) {
                Ok(t) => t,
                Err(e) => {
                    assert_one_line("target", &e.to_string());
                    assert!(cfg.accelerate, "{text:?} {bucket:?} {style:?}: {e}");
                    continue;
                }
            };
            assert!(!cfg.accelerate, "accelerate with {text:?} gave {target:?}");
            let plain = format!("{scheme}://{}", parts.authority);
            let hosted = format!("{scheme}://{bucket}.{}", parts.authority);
            if target.virtual_hosted {
                assert_eq!(target.origin, hosted, "{text:?} {bucket:?} {style:?}");
                assert_eq!(target.base_path, parts.path, "{text:?} {bucket:?}");
                assert!(!never_virtual(bucket), "{text:?} {bucket:?} {target:?}");
                // The rule set's second virtual-host rule (http endpoint,
                // bucket with dots) has no isIp test (spec §5.3).
                assert!(
                    !is_ip || (scheme == "http" && bucket.contains('.')),
                    "IP endpoint {text:?} made virtual: {target:?}"
                );
                assert_ne!(style, AddressingStyle::Path, "{text:?} {target:?}");
            } else {
                assert_eq!(target.origin, plain, "{text:?} {bucket:?} {style:?}");
                assert_eq!(
                    target.base_path,
                    format!("{}{bucket}", normalized_path(parts.path)),
                    "{text:?} {bucket:?} {style:?}"
                );
            }
            let origin_parts = split_url(&target.origin).unwrap();
            assert_eq!(
                Some(target.host.clone()),
                host_header(&scheme, origin_parts.authority),
                "{text:?} {bucket:?}"
            );
            let want_region = region.as_deref().unwrap_or("us-east-1");
            assert_eq!(target.signing_region(), Some(want_region));
            if url::Url::parse(&target.origin).is_ok() {
                let u = format!("{}{}", target.origin, join_path(&target.base_path, "k"));
                assert!(url::Url::parse(&u).is_ok(), "url crate refuses {u:?}");
            }
        }
    }
}

/// The endpoint settings a fuzz input picks: an addressing style and the
/// low four bits of `flags` (accelerate, dual-stack, FIPS, ARN region).
fn endpoint_config(style: AddressingStyle, flags: u8) -> EndpointConfig {
    EndpointConfig::default()
        .with_addressing_style(style)
        .with_accelerate(flags & 1 != 0)
        .with_dualstack(flags & 2 != 0)
        .with_fips(flags & 4 != 0)
        .with_use_arn_region(flags & 8 != 0)
}

/// The whole presign path: bucket, key, region, endpoint, switches, method,
/// parameters, headers, credentials, expiry and time into `Presigner`.
///
/// Input parts (cut at 0xFF): 0 choice bytes, 1 bucket, 2 key, 3 region,
/// 4 endpoint, 5 access key id, 6 secret, 7 token, 8 method, 9-12 two
/// parameters, 13-14 header name and value.
///
/// Invariants: `Expiry::new` takes exactly 1..=604800; a plain request (a
/// valid bucket name, no FIPS or accelerate, a DNS-label or absent region or
/// a custom endpoint) never fails; errors are one line; the URL is the
/// target's origin + base path joined with the encoded key (which decodes
/// back to the key) + the expected query in order; its signature is 64 hex
/// digits and verifies independently (and so do the canonical request and
/// string to sign `Signed` reports); the `url` crate parses it whenever it
/// parses the origin, with the same decoded query, and its path unless that
/// has dot segments; the unsigned URL is the signed one without its query.
pub fn presign_url(data: &[u8]) {
    let mut inp = Input::new(data, 0);

    let bucket = match inp.byte() % 4 {
        0 => inp.text(1),
        1 => inp.mapped(1, DNS_BUCKET),
        2 => inp.mapped(1, ANY_BUCKET),
        _ => {
            let region = inp.mapped(3, LABEL);
            let name = inp.mapped(1, DNS_BUCKET);
            let partition = inp.pick(&["aws", "aws-cn", "aws-us-gov", "awsx"]);
            format!("arn:{partition}:s3:{region}:123456789012:accesspoint/{name}")
        }
    };
    let key = inp.text(2);
    let region = match inp.byte() % 4 {
        0 => None,
        1 => Some(inp.text(3)),
        2 => Some(inp.mapped(3, LABEL)),
        _ => Some(inp.pick(KNOWN_REGIONS).to_owned()),
    };
    let endpoint_text = match inp.byte() % 3 {
        0 => None,
        1 => Some(inp.text(4)),
        _ => {
            let scheme = inp.pick(&["http", "https", "HTTP", "Https"]);
            let userinfo = inp.pick(&["", "", "user:pw@"]);
            let host = match inp.byte() % 5 {
                0 => "localhost".to_owned(),
                1 => "127.0.0.1".to_owned(),
                2 => "[::1]".to_owned(),
                3 => "MinIO.Example.COM".to_owned(),
                _ => inp.mapped(4, HOST),
            };
            let port = match inp.byte() % 4 {
                0 => String::new(),
                1 => ":443".to_owned(),
                2 => ":80".to_owned(),
                _ => format!(":{}", inp.u16()),
            };
            let path = match inp.byte() % 6 {
                0 => "",
                1 => "/",
                2 => "/prefix",
                3 => "/prefix/",
                4 => "/a/./b//c/../d",
                _ => "/~x y%/",
            };
            Some(format!("{scheme}://{userinfo}{host}{port}{path}"))
        }
    };
    let custom = match endpoint_text.as_deref().map(CustomEndpoint::parse) {
        None => None,
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => {
            assert_one_line("endpoint", &e.to_string());
            return;
        }
    };
    let flags = inp.byte();
    let style = [
        AddressingStyle::Auto,
        AddressingStyle::Path,
        AddressingStyle::Virtual,
        AddressingStyle::Auto,
    ][usize::from(flags >> 4) & 3];
    let mut cfg = endpoint_config(style, flags);
    cfg.region = region.clone();
    cfg.custom = custom;

    let seconds = i64::from(inp.u32() % 700_000) - 10;
    let expires = match Expiry::new(seconds) {
        Ok(x) => {
            assert!((1..=604_800).contains(&seconds));
            assert_eq!(i64::from(x.seconds()), seconds);
            x
        }
        Err(e) => {
            assert!(!(1..=604_800).contains(&seconds), "{seconds}: {e}");
            assert_one_line("expiry", &e.to_string());
            return;
        }
    };

    // Any instant from year 0 to 9999, seen from any offset that keeps it
    // in range.
    let (lo, hi) = (-62_167_219_200i64, 253_402_300_799i64);
    let ts = lo + (inp.u64() % (hi - lo + 1) as u64) as i64;
    let offset_secs = i32::from(inp.u16() % 1560) * 60 - 12 * 3600;
    let utc = OffsetDateTime::from_unix_timestamp(ts).unwrap();
    let time = UtcOffset::from_whole_seconds(offset_secs)
        .ok()
        .and_then(|o| utc.checked_to_offset(o))
        .unwrap_or(utc);

    let access_key = inp.text(5);
    let secret = inp.text(6);
    let token = (flags & 0x40 != 0).then(|| inp.text(7));
    let method = if flags & 0x80 != 0 {
        inp.text(8)
    } else {
        inp.pick(METHODS).to_owned()
    };
    let counts = inp.byte();
    let params: Vec<(String, String)> = (0..usize::from(counts % 3))
        .map(|i| (inp.text(9 + 2 * i), inp.text(10 + 2 * i)))
        .collect();
    let headers: Vec<(String, String)> = if counts & 0x10 != 0 {
        let value: String = inp
            .text(14)
            .chars()
            .filter(|c| (' '..='~').contains(c))
            .collect();
        vec![(
            format!("x-amz-meta-{}", inp.mapped(13, LABEL)),
            value.trim().to_owned(),
        )]
    } else {
        Vec::new()
    };

    let mut creds = Credentials::new(access_key.clone(), secret.clone());
    if let Some(t) = &token {
        creds = creds.with_session_token(t.clone());
    }
    let mut presigner = Presigner::new(cfg.clone(), Some(creds), time);
    let req = ObjectRequest {
        method: &method,
        bucket: &bucket,
        key: &key,
        params: &params,
        headers: &headers,
        expires,
    };
    let bucket_ref = uri::bucket_ref(&bucket);
    let plain = matches!(bucket_ref, Ok(BucketRef::Name(_)))
        && !cfg.accelerate
        && !cfg.fips
        && (cfg.custom.is_some() || region.as_deref().is_none_or(is_host_label))
        // Signing times outside 1970..=9999 in UTC, and URLs outliving 9999,
        // are refused (presign::internals::sign::utc_signing_time, expiry_end).
        && presign::internals::sign::expiry_end(time, expires.seconds()).is_some()
        && presign::internals::sign::utc_signing_time(time).is_some();
    let signed = match presigner.presign(&req) {
        Ok(s) => s,
        Err(e) => {
            assert_one_line("presign", &e.to_string());
            assert!(!plain, "plain request failed: {req:?} {cfg:?}: {e}");
            if bucket_ref.is_err() {
                assert!(matches!(e, Error::InvalidUri(_)), "{e:?}");
            }
            return;
        }
    };
    assert!(bucket_ref.is_ok(), "presigned an invalid bucket {bucket:?}");
    let target = presigner
        .target(&bucket)
        .expect("target of a presigned bucket");

    // Where the bucket went, and how it is signed: multi-region (no
    // region in the ARN) and Outposts access points take SigV4A for every
    // region, under `s3` and `s3-outposts`.
    let (want_region, service, v4a) = match (&bucket_ref, region.as_deref(), &cfg.custom) {
        (Ok(BucketRef::AccessPoint(ap)), _, _) if ap.region.is_empty() => {
            ("*".to_owned(), "s3", true)
        }
        (Ok(BucketRef::OutpostAccessPoint(_)), _, _) => ("*".to_owned(), "s3-outposts", true),
        (Ok(BucketRef::AccessPoint(ap)), _, _) => (ap.region.to_owned(), "s3", false),
        (_, None, _) | (_, Some("aws-global"), None) => ("us-east-1".to_owned(), "s3", false),
        (_, Some(r), _) => (r.to_owned(), "s3", false),
    };
    match &target.auth {
        presign::internals::sign::AuthScheme::SigV4 {
            signing_name,
            region,
        } => {
            assert!(!v4a, "{target:?}");
            assert_eq!(
                (*signing_name, region.as_str()),
                (service, want_region.as_str())
            );
        }
        presign::internals::sign::AuthScheme::SigV4A {
            signing_name,
            region_set,
        } => {
            assert!(v4a, "{target:?}");
            assert_eq!((*signing_name, region_set.as_str()), (service, "*"));
        }
        presign::internals::sign::AuthScheme::SigV4S3Express { region } => {
            // A directory bucket, which needs a CreateSession first.
            let Ok(BucketRef::Name(name)) = bucket_ref else {
                panic!("S3 Express for an ARN: {target:?}");
            };
            assert!(
                name.ends_with("--x-s3") || name.ends_with("--xa-s3"),
                "{target:?}"
            );
            assert_eq!(region.as_str(), want_region.as_str());
        }
        presign::internals::sign::AuthScheme::SigV2 => panic!("SigV2 without asking: {target:?}"),
    }
    let origin = split_url(&target.origin).expect("origin with scheme://");
    assert!(origin.path.is_empty() && origin.query.is_none());
    if let Ok(BucketRef::Name(_)) = bucket_ref {
        if target.virtual_hosted {
            assert!(
                origin.authority.starts_with(&format!("{bucket}.")),
                "virtual host {target:?} for {bucket:?}"
            );
            assert!(
                !never_virtual(&bucket),
                "{bucket:?} made virtual: {target:?}"
            );
            if !cfg.accelerate {
                assert_ne!(style, AddressingStyle::Path, "{target:?}");
            }
        } else {
            assert!(
                target.base_path.ends_with(&format!("/{bucket}")),
                "path style {target:?} for {bucket:?}"
            );
        }
    }
    let host = host_header(origin.scheme, origin.authority)
        .unwrap_or_else(|| panic!("origin {:?} has no valid host", target.origin));
    assert_eq!(target.host, host);

    // The URL, piece by piece.
    let path = join_path(&target.base_path, &key);
    let (url_path, url_query) = signed.url[target.origin.len()..]
        .split_once('?')
        .expect("a query");
    assert!(signed.url.starts_with(&target.origin), "{}", signed.url);
    assert_eq!(url_path, path, "path of {}", signed.url);
    if !key.is_empty() {
        let encoded_key = &path[path.len() - encode(&key, true).len()..];
        assert_eq!(decode(encoded_key).as_deref(), Some(key.as_bytes()));
    }
    let day = amz_date(time);
    let expect = Expect {
        method: &method,
        params: &params,
        headers: &headers,
        access_key: &access_key,
        secret: &secret,
        token: token.as_deref(),
        region: &want_region,
        service,
        v4a,
        amz_date: &day,
        expires: expires.seconds(),
    };
    let verified =
        verify(&signed.url, &host, &expect).unwrap_or_else(|why| panic!("{}: {why}", signed.url));
    assert_eq!(verified.canonical_request, signed.canonical_request);
    assert_eq!(verified.string_to_sign, signed.string_to_sign);
    assert!(url_query.ends_with(&verified.signature));
    let wrong = Expect {
        secret: &format!("{secret}x"),
        ..expect.clone()
    };
    assert!(verify(&signed.url, &host, &wrong).is_err());

    if url::Url::parse(&format!("{}{}", target.origin, target.base_path)).is_ok() {
        let parsed = check_url_crate(&signed.url, &expected_query(&expect));
        let plain_path = path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~/%!$&'()*+,;=:@".contains(&b));
        // (A WHATWG parser may read the authority otherwise: a `\\` in the
        // userinfo ends it there, while Python's urlsplit reads on to `/`.)
        let same_host = parsed.host_str().map(|h| match parsed.port() {
            Some(p) => format!("{h}:{p}"),
            None => h.to_owned(),
        }) == Some(host.clone());
        if plain_path && same_host && !has_dot_segment(&path) {
            assert_eq!(parsed.path(), path, "url crate path of {}", signed.url);
        }
    }

    let mut unsigned = Presigner::unsigned(cfg, time);
    let bare = unsigned.presign(&req).expect("unsigned presign");
    assert_eq!(bare.url, format!("{}{path}", target.origin));
}

/// The secret of the access key that signs the URLs of the `inspect`
/// target's signed mode (and that `--verify` is given for every URL).
const INSPECT_KEY: &str = "AKIDFUZZINSPECT";
const INSPECT_SECRET: &str = "fuzz/Secret+That/Signs=Inspect";

/// `presign inspect` on any URL. The input is either a URL as text, or
/// (when it starts with 0xFF, which UTF-8 never uses) a URL signed for real:
/// parts `0xFF KEY 0xFF INSERT 0xFF TOKEN 0xFF CHOICES` sign `s3://bucket/KEY`
/// at 2026-01-02T03:04:05Z, or 16 minutes later (choice byte 2), with
/// session token TOKEN when not empty, then splice INSERT into the URL at
/// the offset of choice bytes 0-1.
///
/// The library checks: `decode` gives a one-line usage error or facts that
/// hold together, and a secret that signed nothing never verifies. The CLI
/// checks (`presign inspect URL --verify`, text and JSON, through
/// `presign::cli::run` with the signing secret): an error is one line on
/// stderr, nothing on stdout; otherwise the text has exactly one
/// `verification:` line, every line is a field or an indented line of the
/// computed texts, and nothing printed holds a control, C1 or bidi
/// character; the JSON is one document with one verdict, and no string of it
/// holds one either (what `jq -r` prints is safe); the exit status is 0
/// exactly when the verdict is valid; the secret and the session token never
/// show. An untouched signed URL verifies as valid for GET.
///
/// The CLI runs in one of its four modes (text or JSON, verified for GET or
/// PUT), chosen from the input's bytes: a CLI run costs some hundred
/// microseconds (clap builds its command first), so four per input made the
/// fuzzer four times slower for the same coverage. [`inspect_all_modes`],
/// which replays saved inputs, runs all four.
pub fn inspect(data: &[u8]) {
    let mode = data.iter().fold(0u8, |sum, b| sum.wrapping_add(*b)) % 4;
    inspect_modes(data, &[MODES[usize::from(mode)]]);
}

/// [`inspect`] in every mode.
pub fn inspect_all_modes(data: &[u8]) {
    inspect_modes(data, &MODES);
}

/// The output formats and methods of the CLI checks of [`inspect`].
const MODES: [(&str, &str); 4] = [
    ("text", "GET"),
    ("json", "GET"),
    ("text", "PUT"),
    ("json", "PUT"),
];

fn inspect_modes(data: &[u8], modes: &[(&str, &str)]) {
    let (url, pristine) = if data.first() == Some(&0xFF) {
        match inspect_signed_url(&data[1..]) {
            Some(signed) => signed,
            None => return,
        }
    } else {
        (String::from_utf8_lossy(data).into_owned(), false)
    };
    inspect_library(&url, pristine);
    if url == "-" {
        return; // `-` reads URLs from standard input
    }
    for &(output, method) in modes {
        inspect_cli(&url, output, method, pristine && method == "GET");
    }
}

/// The URL of the signed mode of [`inspect`], and whether it is untouched.
fn inspect_signed_url(data: &[u8]) -> Option<(String, bool)> {
    let mut input = Input::new(data, 3);
    let key = input.text(0);
    let insert = input.text(1);
    let token = input.text(2);
    let mut creds = Credentials::new(INSPECT_KEY, INSPECT_SECRET);
    if !token.is_empty() {
        creds = creds.with_session_token(token);
    }
    let config = EndpointConfig::in_region("eu-west-2");
    let mut signed_at = OffsetDateTime::from_unix_timestamp(1_767_323_045).unwrap();
    let offset = input.u16();
    // One choice in four signs 16 minutes ahead of the clock: S3 refuses it.
    let future = input.byte() % 4 == 1;
    if future {
        signed_at += time::Duration::minutes(16);
    }
    let mut presigner = Presigner::new(config, Some(creds), signed_at);
    let request = ObjectRequest {
        method: "GET",
        bucket: "bucket",
        key: &key,
        params: &[],
        headers: &[],
        expires: Expiry::new(3600).unwrap(),
    };
    let mut url = presigner.presign(&request).ok()?.url;
    if !insert.is_empty() {
        let mut at = usize::from(offset) % (url.len() + 1);
        while !url.is_char_boundary(at) {
            at -= 1;
        }
        url.insert_str(at, &insert);
    }
    // A key with `.` or `..` segments is signed as written, but browsers
    // remove them before sending (WHATWG): inspect rightly says invalid.
    let as_sent = url::Url::parse(&url).is_ok_and(|u| u.as_str() == url);
    Some((url, insert.is_empty() && !future && as_sent))
}

/// The library half of [`inspect`].
fn inspect_library(text: &str, pristine: bool) {
    use presign::{Auth, Inspected};
    match Inspected::parse(text) {
        Err(e) => {
            assert!(!pristine, "a URL presign signed does not decode: {e}");
            assert_eq!(e.exit_code(), presign::internals::EXIT_USAGE, "{e}");
            assert_one_line("inspect", &e.to_string());
        }
        Ok(ins) => {
            assert!(
                !inspect_auth_repeats(text),
                "an auth parameter twice: {text:?}"
            );
            // The host verified is the one a browser (WHATWG) goes to.
            let browser = url::Url::parse(text.trim()).expect("a decoded URL parses as WHATWG");
            let browser_host = match (browser.host_str(), browser.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_owned(),
                (None, _) => panic!("decoded, but a browser sees no host in {text:?}"),
            };
            assert_eq!(ins.host, browser_host, "host of {text:?}");
            assert!(browser.username().is_empty() && browser.password().is_none());
            assert!(ins.url.len() <= presign::Inspected::MAX_URL * 3);
            assert!(ins.endpoint.starts_with("http://") || ins.endpoint.starts_with("https://"));
            let _ = ins.expires_at();
            let _ = ins.beyond_s3_limit();
            if let Auth::V4 { signature, .. } = &ins.auth {
                assert_eq!(signature.len(), 64);
            }
            let now = OffsetDateTime::from_unix_timestamp(1_767_323_045).unwrap();
            let secret = presign::SecretString::from("fuzz-secret-that-signed-nothing");
            for method in ["GET", "PUT"] {
                match ins.verify(&secret, method, &[], now) {
                    Ok(v) => {
                        assert!(!v.signature_ok, "a random secret verified {text:?}");
                        assert!(!v.causes.is_empty());
                        for cause in &v.causes {
                            assert_one_line("inspect cause", &cause.to_string());
                        }
                    }
                    Err(e) => assert_one_line("inspect verify", &e.to_string()),
                }
            }
        }
    }
}

/// Whether a SigV4 or SigV2 auth parameter comes twice (in any case) in
/// the query of `text`, as a browser splits it.
fn inspect_auth_repeats(text: &str) -> bool {
    let Ok(parsed) = url::Url::parse(text.trim()) else {
        return false;
    };
    let names: Vec<String> = parsed
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|p| decode(p.split('=').next().unwrap_or("")))
        .map(|n| String::from_utf8_lossy(&n).to_ascii_lowercase())
        .collect();
    let v4 = names.iter().any(|n| n == "x-amz-algorithm");
    let auth: &[&str] = if v4 {
        &[
            "x-amz-algorithm",
            "x-amz-credential",
            "x-amz-date",
            "x-amz-expires",
            "x-amz-signedheaders",
            "x-amz-signature",
            "x-amz-security-token",
        ]
    } else {
        &[
            "awsaccesskeyid",
            "expires",
            "signature",
            "x-amz-security-token",
        ]
    };
    auth.iter()
        .any(|a| names.iter().filter(|n| n == a).count() > 1)
}

/// A character `inspect` must never print as such.
fn hostile(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Every string of a JSON document, object keys included, with its key.
fn json_strings<'a>(value: &'a serde_json::Value, key: &'a str, out: &mut Vec<(&'a str, &'a str)>) {
    match value {
        serde_json::Value::String(s) => out.push((key, s)),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, key, out)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(("(a key)", k));
                json_strings(v, k, out);
            }
        }
        _ => {}
    }
}

/// `text` with the two hex digits after each `%` in lower case.
fn lower_hex_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = 0;
    for c in text.chars() {
        if digits > 0 {
            out.push(c.to_ascii_lowercase());
            digits -= 1;
        } else {
            out.push(c);
            if c == '%' {
                digits = 2;
            }
        }
    }
    out
}

/// The CLI half of [`inspect`], for one output format and method.
fn inspect_cli(url: &str, output: &str, method: &str, must_be_valid: bool) {
    // Verify with the secret, for whatever access key the URL names.
    let decoded = presign::Inspected::parse(url).ok();
    let key_id = decoded
        .as_ref()
        .map_or(INSPECT_KEY, |ins| ins.access_key_id())
        .to_owned();
    let token = decoded
        .as_ref()
        .and_then(|ins| ins.session_token())
        .map(str::to_owned);
    let sys = presign::MapSystem::new()
        .var("HOME", "/nonexistent-fuzz-home")
        .var("AWS_EC2_METADATA_DISABLED", "true")
        .var("AWS_ACCESS_KEY_ID", &key_id)
        .var("AWS_SECRET_ACCESS_KEY", INSPECT_SECRET);
    let now = OffsetDateTime::from_unix_timestamp(1_767_323_045 + 60).unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    // After `--`, a URL that starts with `-` is still the URL.
    let args = [
        "presign", "inspect", "--verify", "--output", output, "--method", method, "--", url,
    ];
    let status = presign::cli::run(args, &sys, now, &mut std::io::empty(), &mut out, &mut err);
    let out = String::from_utf8(out).expect("inspect prints UTF-8");
    let err = String::from_utf8_lossy(&err).into_owned();
    assert!(!out.contains(INSPECT_SECRET) && !err.contains(INSPECT_SECRET));
    // A token short enough to be part of fixed words, or that spans lines,
    // cannot be looked for in the output; a real one can.
    // Nor can one made only of the characters of a time stamp: the
    // fuzzer's token `2026-01-02T03:04:05Z` "showed" as the signing time
    // presign computes and prints, which holds no text of the URL.
    // Nor one with a backslash: escaping writes `\u{0}` for a NUL, and the
    // escaped key `\u{0}\u{0}\u{fffd}>rts/...` spelled a token `}\u{0}...`
    // that is nowhere in it (AWS tokens are base64, with no backslash).
    let token = token.filter(|t| {
        t.len() >= 20
            && !t.contains(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '\\')
            && !t
                .chars()
                .all(|c| c.is_ascii_digit() || "-:TZ+.".contains(c))
    });
    if let Some(t) = &token {
        let all = format!("{out}{err}");
        // (JSON is checked string by string below: its syntax may join two
        // strings into something a token could be.)
        if output == "text" {
            assert!(
                !all.contains(t.as_str()),
                "the session token {t:?} shows: {all}"
            );
        }
        // Nor encoded, with escapes of either case (only the escapes: a
        // case-blind search found a token `d` + U+FFFD... inside the
        // lower-cased `%BD%EF%BF%BD...` of a key, where it is not).
        let encoded = encode(t, false);
        let lower_escapes = lower_hex_escapes(&encoded);
        assert!(
            !all.contains(&encoded) && !all.contains(&lower_escapes),
            "the session token shows encoded"
        );
    }
    if status != 0 && status != 1 {
        assert!(!must_be_valid, "{url:?} fails with {status}: {err}");
        assert!(out.is_empty(), "an error but stdout has {out:?}");
        assert_eq!(err.lines().count(), 1, "{err:?}");
        // The label is styled (stripped on a pipe by main): skip past it.
        let message = err.split_once("error:").map_or(err.as_str(), |(_, m)| m);
        let message = message.strip_prefix("\x1b[0m").unwrap_or(message);
        let message = message.strip_suffix('\n').unwrap_or(message);
        assert!(!message.chars().any(hostile), "error {message:?}");
        return;
    }
    assert!(err.is_empty(), "{err:?}");
    if must_be_valid {
        assert_eq!(status, 0, "a URL presign signed does not verify: {out}");
    }
    if output == "text" {
        assert!(
            !out.chars().any(|c| c != '\n' && hostile(c)),
            "text output holds a control: {out:?}"
        );
        let verdicts: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("verification:"))
            .collect();
        assert_eq!(verdicts.len(), 1, "{out}");
        assert_eq!(status == 0, verdicts[0].contains(" valid for "), "{out}");
        for line in out.lines() {
            let field = line.find(": ").is_some_and(|at| {
                at < 15
                    && line[..at]
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b' ')
            });
            let heading = matches!(
                line,
                "canonical request (as computed here):" | "string to sign (as computed here):"
            );
            assert!(
                field || heading || line.starts_with("  ") || line.is_empty(),
                "not a field: {line:?} in\n{out}"
            );
        }
    } else {
        assert_eq!(out.lines().count(), 1, "{out}");
        let line = out
            .strip_suffix('\n')
            .expect("a JSON line ends with a newline");
        assert!(
            !line.chars().any(hostile),
            "JSON output holds a raw control: {out:?}"
        );
        let doc: serde_json::Value = serde_json::from_str(&out).expect("inspect JSON parses");
        let valid = doc["verification"]["valid"]
            .as_bool()
            .expect("one verdict: verification.valid");
        assert_eq!(status == 0, valid, "{out}");
        if valid && doc["signature_version"] == "SigV4" {
            // What S3 checks before the signature (see inspect::s3_refusals).
            assert!(doc["expires_in"].as_u64().unwrap() <= 604_800, "{out}");
            assert_eq!(doc["scope"]["service"], "s3", "{out}");
            let signed_at = doc["signed_at"].as_str().unwrap();
            let date: String = signed_at[..10].chars().filter(|c| *c != '-').collect();
            assert_eq!(doc["scope"]["date"], date.as_str(), "{out}");
            let signed_at =
                OffsetDateTime::parse(signed_at, &time::format_description::well_known::Rfc3339)
                    .unwrap();
            assert!(
                (signed_at - now).whole_seconds() <= 900,
                "signed in the future: {out}"
            );
        }
        if valid {
            assert_eq!(doc["verification"]["signature_matches"], true);
            assert_eq!(doc["expired"], false);
        }
        let mut strings = Vec::new();
        json_strings(&doc, "", &mut strings);
        for (key, s) in strings {
            let multi_line = matches!(key, "canonical_request" | "string_to_sign");
            assert!(
                !s.chars().any(|c| hostile(c) && !(multi_line && c == '\n')),
                "JSON field {key} holds a control: {s:?}"
            );
            if let Some(t) = &token {
                assert!(
                    !s.contains(t.as_str()),
                    "JSON field {key} shows the session token {t:?}: {s:?}"
                );
            }
        }
    }
}
