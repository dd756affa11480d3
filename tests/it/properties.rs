//! Properties of presigned URLs, checked on random inputs (proptest), and a
//! replay of every saved fuzz input (`fuzz/regressions/`, `fuzz/seeds/`).
//!
//! The checker is written independently of `src/`: `fuzz/src/checks.rs`
//! (compiled here with `#[path]`, and the same code the fuzz targets run)
//! re-implements percent-encoding, URL splitting, the signed `Host`, the
//! endpoint path rules and the whole SigV4 verification with the `hmac` and
//! `sha2` crates; URLs are read back with the `url` crate.
//!
//! Cases per property: 256 by default (about a second in debug); set
//! `PROPTEST_CASES` for more.

#[path = "../../fuzz/src/checks.rs"]
#[allow(dead_code)]
mod checks;

use std::collections::BTreeMap;
use std::path::Path;

use presign::internals::uri::S3Uri;
use presign::{AddressingStyle, CustomEndpoint, EndpointConfig};
use presign::{Credentials, Error, Expiry, ObjectRequest, Presigner};
use proptest::prelude::*;
use proptest::test_runner::Config;
use time::{OffsetDateTime, UtcOffset};

fn config(default_cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default_cases);
    Config {
        cases,
        // A failure prints its minimal case; nothing is written to the tree.
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------
// Saved fuzz inputs

/// Every file of `fuzz/regressions/TARGET/` and `fuzz/seeds/TARGET/` passes
/// its target's checks. Regressions are also run strictly, where only those
/// listed in `fuzz/regressions/KNOWN_BUGS` (reported, unfixed bugs) may fail.
#[test]
fn fuzz_regressions_and_seeds_replay() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let known: BTreeMap<String, String> =
        std::fs::read_to_string(fuzz.join("regressions/KNOWN_BUGS"))
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| {
                let (file, bug) = l.split_once(char::is_whitespace).expect("FILE BUG");
                (file.to_owned(), bug.trim().to_owned())
            })
            .collect();
    for (file, bug) in &known {
        assert!(
            checks::KNOWN_BUGS.iter().any(|(name, _)| name == bug),
            "KNOWN_BUGS: {file} names {bug}, which checks::KNOWN_BUGS does not define"
        );
    }

    let mut ran = 0;
    let mut failures = Vec::new();
    let mut fixed = Vec::new();
    for dir in ["regressions", "seeds"] {
        for target in checks::TARGETS {
            let Ok(entries) = std::fs::read_dir(fuzz.join(dir).join(target)) else {
                continue;
            };
            let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
            files.sort();
            for path in files {
                let name = format!("{target}/{}", path.file_name().unwrap().to_string_lossy());
                let data = std::fs::read(&path).unwrap();
                ran += 1;
                checks::set_strict(false);
                if std::panic::catch_unwind(|| checks::run(target, &data)).is_err() {
                    failures.push(format!("{dir}/{name}"));
                    continue;
                }
                if dir != "regressions" {
                    continue;
                }
                checks::set_strict(true);
                let strict = std::panic::catch_unwind(|| checks::run(target, &data));
                checks::set_strict(false);
                match (strict.is_ok(), known.get(&name)) {
                    (false, None) => failures.push(format!("{dir}/{name} (strict)")),
                    (true, Some(bug)) => fixed.push(format!("{name} ({bug})")),
                    _ => {}
                }
            }
        }
    }
    for f in &fixed {
        eprintln!(
            "note: {f} passes strictly now: delete its line from fuzz/regressions/KNOWN_BUGS"
        );
    }
    assert!(
        ran > 0,
        "no saved fuzz inputs found under {}",
        fuzz.display()
    );
    assert!(
        failures.is_empty(),
        "saved fuzz inputs that fail (replay one with its target in fuzz/: \
         cargo +nightly fuzz run TARGET FILE): {failures:?}"
    );
}

// ---------------------------------------------------------------------------
// Strategies

const METHODS: &[&str] = &["GET", "PUT", "HEAD", "DELETE", "POST"];

/// Valid bucket names of every shape: DNS-style, dotted, upper case and
/// underscores, IPv4-like, short, long.
fn bucket() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z0-9][a-z0-9-]{1,40}[a-z0-9]",
        2 => "[a-z0-9]{3,8}(\\.[a-z0-9]{3,8}){1,3}",
        1 => "[a-z0-9]{1,2}(\\.[a-z0-9]{1,6}){1,2}",
        2 => "[A-Za-z0-9][A-Za-z0-9._-]{0,40}",
        1 => "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
        1 => "[a-z]{1,2}",
        1 => "[a-z0-9]{64,255}",
    ]
}

/// Any UTF-8, with extra weight on what encoding gets wrong.
fn key() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "%",
        "+",
        "/",
        "//",
        "..",
        ".",
        " ",
        "\0",
        "\t",
        "\n",
        "\r",
        "\u{7f}",
        "😀",
        "é",
        "日本",
        "~",
        "?",
        "#",
        "&",
        "=",
        "a",
        "Z",
        "9",
        "%2F",
        "%2e",
        "\u{feff}",
        "\u{10FFFF}",
        "\\",
        "!$'()*,;:@[]",
    ]);
    prop_oneof![
        3 => prop::collection::vec(piece, 0..10).prop_map(|p| p.concat()),
        2 => "(?s).{0,40}",
        1 => "[a-z]{1,8}(/[a-z]{1,8}){0,3}",
    ]
}

fn region() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        2 => prop::sample::select(vec![
            "us-east-1", "eu-west-2", "aws-global", "cn-north-1", "us-gov-west-1", "EU-WEST-2",
        ])
        .prop_map(|r| Some(r.to_owned())),
        2 => "[a-z]{2}-[a-z]{3,9}-[1-9]".prop_map(Some),
        1 => "[a-zA-Z][a-zA-Z0-9-]{0,20}[a-zA-Z0-9]".prop_map(Some),
    ]
}

/// A custom endpoint as typed: scheme (any case), a host
/// the `url` crate reads as typed (DNS name, IPv4, `[::1]`), optional port,
/// optional path prefix.
fn endpoint() -> impl Strategy<Value = Option<String>> {
    let scheme = prop::sample::select(vec!["http", "https", "HTTP", "Https"]);
    let host = prop_oneof![
        Just("localhost".to_owned()),
        Just("127.0.0.1".to_owned()),
        Just("[::1]".to_owned()),
        Just("MinIO.Example.COM".to_owned()),
        "[a-z][a-z0-9-]{0,10}[a-z0-9](\\.[a-z][a-z0-9]{0,10}){0,2}",
    ];
    let port = prop_oneof![
        Just(String::new()),
        Just(":80".to_owned()),
        Just(":443".to_owned()),
        (1u16..=65535).prop_map(|p| format!(":{p}")),
    ];
    let path = prop::sample::select(vec![
        "",
        "/",
        "/prefix",
        "/prefix/",
        "/a/b/",
        "/a/./b//c/../d",
        "/sp ace/~x%/",
    ]);
    prop_oneof![
        1 => Just(None),
        2 => (scheme, host, port, path)
            .prop_map(|(s, h, p, path)| Some(format!("{s}://{h}{p}{path}"))),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    bucket: String,
    key: String,
    region: Option<String>,
    endpoint: Option<String>,
    style: AddressingStyle,
    accelerate: bool,
    dualstack: bool,
    fips: bool,
    method: &'static str,
    expires: i64,
    access_key: String,
    secret: String,
    token: Option<String>,
    unix: i64,
    offset_minutes: i32,
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    mutate_at: usize,
}

prop_compose! {
    fn case()(
        (bucket, key, region, endpoint) in (bucket(), key(), region(), endpoint()),
        style in prop::sample::select(vec![
            AddressingStyle::Auto, AddressingStyle::Path, AddressingStyle::Virtual,
        ]),
        switches in prop::sample::select(vec![0u8, 0, 0, 0, 1, 2, 3, 4, 6]),
        method in prop::sample::select(METHODS.to_vec()),
        expires in 1i64..=604_800,
        access_key in prop_oneof!["[A-Z0-9]{16,20}", "(?s).{0,10}"],
        secret in prop_oneof!["[A-Za-z0-9/+]{40}", "(?s).{0,20}"],
        token in prop::option::of(prop_oneof!["[A-Za-z0-9/+=]{20,80}", "(?s).{0,30}"]),
        (unix, offset_minutes) in (0i64..4_102_444_800, -720i32..=840),
        params in prop::collection::vec(
            (
                prop_oneof![
                    Just("versionId".to_owned()),
                    Just("response-content-disposition".to_owned()),
                    "[a-z-]{1,10}",
                ],
                "(?s).{0,20}",
            ),
            0..3,
        ),
        headers in prop::collection::vec(
            ("x-amz-meta-[a-z0-9]{1,6}", "[ -~]{0,12}")
                .prop_map(|(n, v)| (n, v.trim().to_owned())),
            0..3,
        ),
        mutate_at in any::<usize>(),
    ) -> Case {
        Case {
            bucket, key, region, endpoint, style,
            accelerate: switches & 1 != 0,
            dualstack: switches & 2 != 0,
            fips: switches & 4 != 0,
            method, expires, access_key, secret, token, unix, offset_minutes,
            params, headers, mutate_at,
        }
    }
}

// ---------------------------------------------------------------------------
// Properties

/// Presigns `c` and checks the URL against everything the spec says.
fn check_case(c: &Case) {
    let custom = c
        .endpoint
        .as_deref()
        .map(|e| CustomEndpoint::parse(e).unwrap_or_else(|err| panic!("{e:?}: {err}")));
    let mut cfg = EndpointConfig::default()
        .with_addressing_style(c.style)
        .with_accelerate(c.accelerate)
        .with_dualstack(c.dualstack)
        .with_fips(c.fips)
        .with_use_arn_region(true);
    cfg.region = c.region.clone();
    cfg.custom = custom;
    let time = OffsetDateTime::from_unix_timestamp(c.unix)
        .unwrap()
        .to_offset(UtcOffset::from_whole_seconds(c.offset_minutes * 60).unwrap());
    let mut creds = Credentials::new(c.access_key.clone(), c.secret.clone());
    if let Some(t) = &c.token {
        creds = creds.with_session_token(t.clone());
    }
    let expires = Expiry::new(c.expires).unwrap();
    let req = ObjectRequest {
        method: c.method,
        bucket: &c.bucket,
        key: &c.key,
        params: &c.params,
        headers: &c.headers,
        expires,
    };
    let mut presigner = Presigner::new(cfg.clone(), Some(creds), time);
    let signed = match presigner.presign(&req) {
        Ok(s) => s,
        Err(e) => {
            assert!(
                (c.accelerate || c.fips) && matches!(e, Error::EndpointRules { .. }),
                "{c:?}: {e}"
            );
            return;
        }
    };
    let target = presigner.target(&c.bucket).unwrap();

    // Parse back with the url crate. It refuses only what it refuses in the
    // endpoint itself (a virtual host such as `b.c.127.0.0.1` is an invalid
    // IPv4 address to a WHATWG parser, while AWS CLI prints it).
    let url = url::Url::parse(&signed.url).ok();
    if url.is_none() {
        assert!(
            url::Url::parse(&target.origin).is_err(),
            "the url crate reads {:?} but not {}",
            target.origin,
            signed.url
        );
    }
    let raw = checks::split_url(&signed.url).unwrap();
    let endpoint = c.endpoint.as_deref().map(|e| checks::split_url(e).unwrap());
    let want_scheme = endpoint.map_or("https".to_owned(), |e| e.scheme.to_ascii_lowercase());
    assert_eq!(raw.scheme, want_scheme);
    let host = checks::host_header(raw.scheme, raw.authority).unwrap();
    assert_eq!(host, target.host);
    if let Some(url) = &url {
        assert_eq!(url.scheme(), want_scheme);
        let url_host = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap()),
            None => url.host_str().unwrap().to_owned(),
        };
        assert_eq!(url_host, host, "{}", signed.url);
    }

    // The bucket: in the host, or the first path segment after the prefix.
    let expected_base = if target.virtual_hosted {
        assert!(
            raw.authority.starts_with(&format!("{}.", c.bucket)),
            "{} for {c:?}",
            signed.url
        );
        assert!(!checks::never_virtual(&c.bucket), "{c:?}");
        if !c.accelerate {
            assert_ne!(c.style, AddressingStyle::Path);
        }
        endpoint.map_or(String::new(), |e| e.path.to_owned())
    } else {
        let prefix = endpoint.map_or("/".to_owned(), |e| checks::normalized_path(e.path));
        let rest = raw
            .path
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("path {:?} lacks the prefix {prefix:?}: {c:?}", raw.path));
        assert_eq!(
            rest.split('/').next(),
            Some(c.bucket.as_str()),
            "{}",
            signed.url
        );
        format!("{prefix}{}", c.bucket)
    };
    assert_eq!(target.base_path, expected_base);

    // The key: the path is the base joined with the encoded key, which
    // decodes back to the key; the url crate keeps it unless it has dot
    // segments (which WHATWG parsers remove and S3 signs as they are).
    let path = checks::join_path(&expected_base, &c.key);
    assert_eq!(raw.path, path, "{c:?}");
    if !c.key.is_empty() {
        let tail = &path[path.len() - checks::encode(&c.key, true).len() - 1..];
        assert_eq!(
            checks::decode(&tail[1..]).as_deref(),
            Some(c.key.as_bytes())
        );
    }
    let plain_chars = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b));
    if let Some(url) = &url
        && plain_chars
        && !checks::has_dot_segment(&path)
    {
        assert_eq!(url.path(), path);
    }

    // The query: exactly the expected parameters, with the right values.
    let amz_date = checks::amz_date(time);
    let want_region = match (c.region.as_deref(), &c.endpoint) {
        (None, _) | (Some("aws-global"), None) => "us-east-1".to_owned(),
        (Some(r), _) => r.to_owned(),
    };
    let expect = checks::Expect {
        method: c.method,
        params: &c.params,
        headers: &c.headers,
        access_key: &c.access_key,
        secret: &c.secret,
        token: c.token.as_deref(),
        region: &want_region,
        service: "s3",
        v4a: false,
        amz_date: &amz_date,
        expires: u32::try_from(c.expires).unwrap(),
    };
    if url.is_some() {
        checks::check_url_crate(&signed.url, &checks::expected_query(&expect));
    }

    // The signature verifies independently, and not with a wrong secret or
    // a changed path.
    let verified = checks::verify(&signed.url, &host, &expect)
        .unwrap_or_else(|why| panic!("{}: {why}", signed.url));
    assert_eq!(verified.canonical_request, signed.canonical_request);
    assert_eq!(verified.string_to_sign, signed.string_to_sign);
    let wrong_secret = format!("{}x", c.secret);
    let wrong = checks::Expect {
        secret: &wrong_secret,
        ..expect.clone()
    };
    assert!(checks::verify(&signed.url, &host, &wrong).is_err());
    let path_start = signed.url.len() - raw.query.unwrap().len() - 1 - raw.path.len();
    let mut tampered = signed.url.clone();
    if raw.path.len() > 1 {
        let at = path_start + 1 + c.mutate_at % (raw.path.len() - 1);
        let at = (at..).find(|i| tampered.is_char_boundary(*i)).unwrap();
        let old = tampered[at..].chars().next().unwrap();
        let new = if old == 'a' { "b" } else { "a" };
        tampered.replace_range(at..at + old.len_utf8(), new);
    } else {
        tampered.insert(path_start + 1, 'a');
    }
    assert_ne!(tampered, signed.url);
    assert!(
        checks::verify(&tampered, &host, &expect).is_err(),
        "{tampered} verifies"
    );
}

proptest! {
    #![proptest_config(config(256))]

    /// Presigned URLs parse back to their bucket, key and parameters, and
    /// their signature verifies independently.
    #[test]
    fn presigned_urls_parse_back_and_verify(c in case()) {
        check_case(&c);
    }

    /// Custom endpoints, well formed or not: parsing and every target made
    /// with them never panic, and the printed origin keeps the endpoint's
    /// text (the checks of the `endpoint` fuzz target).
    #[test]
    fn custom_endpoints_keep_their_text(
        text in prop_oneof![
            2 => endpoint().prop_map(Option::unwrap_or_default),
            2 => (
                prop::sample::select(vec!["http://", "https://", "HTTP://", "ftp://", "", "http:/"]),
                "[a-zA-Z0-9.:@_%\\[\\]-]{0,24}",
                "(/[a-z.%~ ]{0,5}){0,3}",
                prop::sample::select(vec!["", "", "?q=1", "#f", "?"]),
            )
                .prop_map(|(s, a, p, q)| format!("{s}{a}{p}{q}")),
            1 => "(?s).{0,30}",
        ],
        choices in prop::collection::vec(any::<u8>(), 4),
        bucket in bucket(),
        region in "[a-z0-9-]{0,12}",
    ) {
        let mut data = text.into_bytes();
        data.push(0xFF);
        data.extend(choices.iter().map(|b| if *b == 0xFF { 0 } else { *b }));
        data.push(0xFF);
        data.extend(bucket.bytes());
        data.push(0xFF);
        data.extend(region.bytes());
        checks::endpoint(&data);
    }

    /// `s3://BUCKET/KEY` splits back into the same bucket and key, and the
    /// checks of the `uri` fuzz target hold for any text.
    #[test]
    fn s3_uris_split_back(bucket in bucket(), key in key(), text in "(?s).{0,40}") {
        let parsed = S3Uri::parse(&format!("s3://{bucket}/{key}"));
        prop_assert_eq!(&parsed.bucket, &bucket);
        prop_assert_eq!(&parsed.key, &key);
        checks::uri(text.as_bytes());
        checks::uri(format!("s3://{bucket}/{key}").as_bytes());
    }
}

// ---------------------------------------------------------------------------
// The cached fast path against the general stages

/// A query signing scheme: SigV4 in a region, or SigV4A for a region set,
/// under `s3` or `s3-outposts`.
fn scheme() -> impl Strategy<Value = (bool, String, &'static str)> {
    (
        any::<bool>(),
        prop_oneof![
            Just("*".to_owned()),
            Just("us-east-1".to_owned()),
            "[a-z]{2}-[a-z]{3,9}-[1-9]",
            "[A-Za-z0-9,*-]{1,20}",
        ],
        prop::sample::select(vec!["s3", "s3", "s3-outposts"]),
    )
}

prop_compose! {
    fn sign_case()(
        method in prop::sample::select(METHODS.to_vec()),
        key in key(),
        host in prop_oneof![
            Just("bucket.s3.eu-west-2.amazonaws.com".to_owned()),
            Just("mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com".to_owned()),
            "[a-z0-9.-]{1,30}(:[0-9]{1,5})?",
        ],
        scheme in scheme(),
        params in prop::collection::vec(("(?s).{0,12}", "(?s).{0,20}"), 0..4),
        headers in prop::collection::vec(
            ("[a-z0-9-]{1,12}", "[ -~]{0,12}").prop_map(|(n, v)| (n, v.trim().to_owned())),
            0..4,
        ),
        expires in 1u32..=604_800,
        token in prop::option::of("(?s).{0,30}"),
        unix in 0i64..253_402_300_799,
    ) -> (
        &'static str, String, String, (bool, String, &'static str),
        Vec<(String, String)>, Vec<(String, String)>, u32, Option<String>, i64,
    ) {
        (method, key, host, scheme, params, headers, expires, token, unix)
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// `QuerySigner::presign`, which caches the request's shape and hashes
    /// the canonical request in pieces, gives byte for byte what the general
    /// stages give (`CanonicalRequest`, `StringToSign`, the key derived
    /// afresh), for SigV4 and SigV4A, on its first call and from its cache.
    #[test]
    fn the_cached_fast_path_equals_the_general_stages(
        (method, key, host, (v4a, regions, service), params, headers, expires, token, unix)
            in sign_case()
    ) {
        use presign::internals::sign::{QueryScheme, QuerySigner, SignRequest};
        let mut creds = Credentials::new("AKIDPROPERTY", "secret/+=");
        if let Some(t) = token {
            creds = creds.with_session_token(t);
        }
        let time = OffsetDateTime::from_unix_timestamp(unix).unwrap();
        let Some(mut signer) = QuerySigner::new(creds, time) else {
            return Ok(());
        };
        let mut path = String::from("/");
        presign::internals::sign::encode::push_quoted_path(&mut path, &key);
        let origin = format!("https://{host}");
        let scheme = if v4a {
            QueryScheme::V4A { region_set: &regions, service }
        } else {
            QueryScheme::V4 { region: &regions, service }
        };
        let req = SignRequest {
            method,
            origin: &origin,
            path: &path,
            host: &host,
            scheme,
            params: &params,
            headers: &headers,
            expires,
        };
        let general = signer.presign_uncached(&req);
        let first = signer.presign(&req);
        let cached = signer.presign(&req);
        prop_assert_eq!(&first, &general);
        prop_assert_eq!(&cached, &general);
    }

    /// Multi-region and Outposts access point URLs, with any key, operation
    /// parameters, headers and session token, verify with the fuzz checker's
    /// own SigV4A verifier (its own key derivation, `p256`'s ECDSA check),
    /// and not with another secret.
    #[test]
    fn sigv4a_urls_verify_independently(
        outposts in any::<bool>(),
        key in key(),
        method in prop::sample::select(METHODS.to_vec()),
        params in prop::collection::vec(("[a-z-]{1,10}", "(?s).{0,20}"), 0..3),
        headers in prop::collection::vec(
            ("x-amz-meta-[a-z0-9]{1,6}", "[ -~]{0,12}").prop_map(|(n, v)| (n, v.trim().to_owned())),
            0..3,
        ),
        token in prop::option::of("[A-Za-z0-9/+=]{8,40}"),
        expires in 1i64..=604_800,
    ) {
        let arn = if outposts {
            "arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-01234567890123456/accesspoint/myap"
        } else {
            "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap"
        };
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let mut creds = Credentials::new("AKIDSIGV4A", secret);
        if let Some(t) = &token {
            creds = creds.with_session_token(t.clone());
        }
        let time = OffsetDateTime::from_unix_timestamp(1_767_323_045).unwrap();
        let cfg = EndpointConfig::default().with_use_arn_region(true);
        let mut presigner = Presigner::new(cfg, Some(creds), time);
        let req = ObjectRequest {
            method,
            bucket: arn,
            key: &key,
            params: &params,
            headers: &headers,
            expires: Expiry::new(expires).unwrap(),
        };
        let signed = presigner.presign(&req).unwrap();
        let target = presigner.target(arn).unwrap();
        let amz_date = checks::amz_date(time);
        let expect = checks::Expect {
            method,
            params: &params,
            headers: &headers,
            access_key: "AKIDSIGV4A",
            secret,
            token: token.as_deref(),
            region: "*",
            service: if outposts { "s3-outposts" } else { "s3" },
            v4a: true,
            amz_date: &amz_date,
            expires: u32::try_from(expires).unwrap(),
        };
        let verified = checks::verify(&signed.url, &target.host, &expect)
            .unwrap_or_else(|why| panic!("{}: {why}", signed.url));
        prop_assert_eq!(&verified.canonical_request, &signed.canonical_request);
        prop_assert_eq!(&verified.string_to_sign, &signed.string_to_sign);
        let wrong = checks::Expect { secret: "another", ..expect.clone() };
        prop_assert!(checks::verify(&signed.url, &target.host, &wrong).is_err());
    }
}
