//! Why presign splits endpoint URLs itself instead of with the `url` crate the
//! design first named: AWS CLI prints the endpoint exactly as it was typed
//! (host case, default port, user info) and only normalises the signed `Host`
//! header. The `url` crate follows the WHATWG URL standard and rewrites what
//! it parses, so a URL built from it differs from AWS CLI's, byte for byte.
//! Recorded AWS CLI v2 behaviour: with
//! `--endpoint-url https://MinIO.Example.COM:443` the URL starts
//! `https://MinIO.Example.COM:443/`, and the signature equals that of
//! `https://minio.example.com`.

use presign::internals::uri::BucketRef;
use presign::{CustomEndpoint, EndpointConfig};

#[test]
fn url_crate_rewrites_what_aws_cli_keeps() {
    let typed = "https://MinIO.Example.COM:443";
    let parsed = url::Url::parse(typed).unwrap();
    assert_eq!(
        parsed.as_str(),
        "https://minio.example.com/",
        "the url crate now keeps the text: reconsider using it"
    );

    let config =
        EndpointConfig::in_region("us-east-1").with_custom(CustomEndpoint::parse(typed).unwrap());
    let target = config.target(&BucketRef::Name("bucket")).unwrap();
    assert_eq!(target.origin, "https://MinIO.Example.COM:443");
    assert_eq!(target.host, "minio.example.com");
}
