//! The per-URL cost of presigning, in process: presign's library against the
//! AWS SDK for Rust's signer (`aws-sigv4`), on the same requests. Both sign
//! with credentials and a derived key fixed for the run, the way a batch of
//! URLs is signed; before timing, the two are checked to produce the same
//! signature, so the comparison is between equal work.
//!
//! The second group does the same for SigV4A (multi-region access points),
//! where each URL costs an ECDSA P-256 signature: presign derives the key
//! pair once per run, aws-sigv4's `sigv4a` derives it for every request.
//! ECDSA signatures differ from run to run, so the equal-work check there
//! compares every query parameter but the signature.
//!
//! Run: `cargo bench --bench presign`.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{
    PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use criterion::{Criterion, criterion_group, criterion_main};
use presign::internals::sign::encode;
use presign::{Credentials, EndpointConfig, Expiry, ObjectRequest, Presigner};
use time::OffsetDateTime;

const AK: &str = "AKIAIOSFODNN7EXAMPLE";
const SK: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const HOST: &str = "bucket.s3.eu-west-2.amazonaws.com";

fn keys() -> Vec<String> {
    (0..1024)
        .map(|i| format!("logs/2026/11/23/part-{i:05} of the day.json.gz"))
        .collect()
}

fn signature(url: &str) -> &str {
    url.rsplit_once("X-Amz-Signature=")
        .map(|(_, s)| s)
        .unwrap_or_default()
}

/// Presigns `key` with aws-sigv4 and returns the URL.
fn sdk_presign(key: &str, params: &aws_sigv4::http_request::SigningParams) -> String {
    sdk_presign_at(HOST, key, params)
}

fn sdk_presign_at(
    host: &str,
    key: &str,
    params: &aws_sigv4::http_request::SigningParams,
) -> String {
    let mut path = String::from("/");
    encode::push_quoted_path(&mut path, key);
    let uri = format!("https://{host}{path}");
    let request = SignableRequest::new(
        "GET",
        uri.as_str(),
        std::iter::once(("host", host)),
        SignableBody::UnsignedPayload,
    )
    .unwrap();
    let (instructions, _) = sign(request, params).unwrap().into_parts();
    let mut http = http::Request::builder().uri(uri).body(()).unwrap();
    instructions.apply_to_request_http1x(&mut http);
    http.uri().to_string()
}

fn per_url(c: &mut Criterion) {
    let time = OffsetDateTime::from_unix_timestamp(1_767_323_045).unwrap();
    let keys = keys();

    let endpoint = EndpointConfig::in_region("eu-west-2");
    let mut presigner = Presigner::new(endpoint, Some(Credentials::new(AK, SK)), time);
    let target = presigner.target("bucket").unwrap();

    let identity = aws_credential_types::Credentials::new(AK, SK, None, None, "bench").into();
    let params: aws_sigv4::http_request::SigningParams = v4::SigningParams::builder()
        .identity(&identity)
        .region("eu-west-2")
        .name("s3")
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_323_045))
        .settings(sdk_settings())
        .build()
        .unwrap()
        .into();

    // Equal work: both sign every key to the same signature.
    let mut url = String::new();
    for key in &keys {
        url.clear();
        let request = ObjectRequest::get("bucket", key, Expiry::DEFAULT);
        presigner
            .presign_into(&target, &request, &mut url, None)
            .unwrap();
        assert_eq!(
            signature(&url),
            signature(&sdk_presign(key, &params)),
            "{key}"
        );
    }

    let mut group = c.benchmark_group("per URL");
    let mut i = 0usize;
    group.bench_function("presign", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            url.clear();
            let request = ObjectRequest::get("bucket", &keys[i], Expiry::DEFAULT);
            presigner
                .presign_into(&target, &request, &mut url, None)
                .unwrap();
            black_box(&url);
        })
    });
    group.bench_function("aws-sigv4", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            black_box(sdk_presign(&keys[i], &params));
        })
    });
    group.finish();
}

/// The query parameters of `url` but the signature, sorted.
fn unsigned_params(url: &str) -> Vec<String> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.starts_with("X-Amz-Signature="))
        .map(str::to_owned)
        .collect();
    params.sort();
    params
}

fn sdk_settings() -> SigningSettings {
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(3600));
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    settings
}

fn per_sigv4a_url(c: &mut Criterion) {
    const MRAP: &str = "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap";
    const MRAP_HOST: &str = "mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com";
    let time = OffsetDateTime::from_unix_timestamp(1_767_323_045).unwrap();
    let keys = keys();

    let endpoint = EndpointConfig::in_region("eu-west-2");
    let mut presigner = Presigner::new(endpoint, Some(Credentials::new(AK, SK)), time);
    let target = presigner.target(MRAP).unwrap();

    let identity = aws_credential_types::Credentials::new(AK, SK, None, None, "bench").into();
    let params: aws_sigv4::http_request::SigningParams =
        aws_sigv4::sign::v4a::SigningParams::builder()
            .identity(&identity)
            .region_set("*")
            .name("s3")
            .time(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_323_045))
            .settings(sdk_settings())
            .build()
            .unwrap()
            .into();

    // Equal work: the same URL but the (randomised) signature.
    let mut url = String::new();
    for key in &keys[..64] {
        url.clear();
        let request = ObjectRequest::get(MRAP, key, Expiry::DEFAULT);
        presigner
            .presign_into(&target, &request, &mut url, None)
            .unwrap();
        let theirs = sdk_presign_at(MRAP_HOST, key, &params);
        assert!(
            url.contains("X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256"),
            "{url}"
        );
        assert_eq!(unsigned_params(&url), unsigned_params(&theirs), "{key}");
        assert!(!signature(&url).is_empty() && !signature(&theirs).is_empty());
    }

    let mut group = c.benchmark_group("per SigV4A URL");
    let mut i = 0usize;
    group.bench_function("presign", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            url.clear();
            let request = ObjectRequest::get(MRAP, &keys[i], Expiry::DEFAULT);
            presigner
                .presign_into(&target, &request, &mut url, None)
                .unwrap();
            black_box(&url);
        })
    });
    group.bench_function("aws-sigv4", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            black_box(sdk_presign_at(MRAP_HOST, &keys[i], &params));
        })
    });
    group.finish();
}

criterion_group!(benches, per_url, per_sigv4a_url);
criterion_main!(benches);
