//! The per-URL cost of presigning, in process: presign's library against the
//! AWS SDK for Rust's signer (`aws-sigv4`), on the same requests. Both sign
//! with credentials and a derived key fixed for the run, the way a batch of
//! URLs is signed; before timing, the two are checked to produce the same
//! signature, so the comparison is between equal work.
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
use presign::sign::encode;
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
    let mut path = String::from("/");
    encode::push_quoted_path(&mut path, key);
    let uri = format!("https://{HOST}{path}");
    let request = SignableRequest::new(
        "GET",
        uri.as_str(),
        std::iter::once(("host", HOST)),
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

    let endpoint = EndpointConfig {
        region: Some("eu-west-2".into()),
        ..Default::default()
    };
    let mut presigner = Presigner::new(endpoint, Some(Credentials::new(AK, SK)), time);
    let target = presigner.target("bucket").unwrap();

    let identity = aws_credential_types::Credentials::new(AK, SK, None, None, "bench").into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(3600));
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    let params: aws_sigv4::http_request::SigningParams = v4::SigningParams::builder()
        .identity(&identity)
        .region("eu-west-2")
        .name("s3")
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_323_045))
        .settings(settings)
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

criterion_group!(benches, per_url);
criterion_main!(benches);
