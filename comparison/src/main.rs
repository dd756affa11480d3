//! The same five tasks with presign, aws-sdk-s3's presigning and
//! object_store's signer, for the README's comparison. Each task is a
//! function between `// task:` and `// end` markers; the lines between them
//! that are neither blank nor comments are its "lines of code". The program
//! checks that every URL it makes is a valid SigV4 URL (presign's `inspect`
//! verifies it with the secret) and times a GET link per library over many
//! keys, signing with a fixed key pair and region, as a batch would.

use std::time::{Duration, Instant};

use presign::{Credentials, EndpointConfig, Expiry, ObjectRequest, Presigner, SecretString};

const AK: &str = "AKIAIOSFODNN7EXAMPLE";
const SK: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const REGION: &str = "eu-west-2";
const BUCKET: &str = "bucket";
const KEYS: usize = 20_000;

// task: GET link from the AWS configuration (presign)
fn presign_get_from_config() -> Result<String, presign::Error> {
    let now = time::OffsetDateTime::now_utc();
    let overrides = presign::Overrides::default();
    let resolved = presign::resolve(&presign::OsSystem, &overrides, now)?;
    let mut presigner = Presigner::new(resolved.endpoint, resolved.credentials, now);
    let request = ObjectRequest::get(BUCKET, "report.pdf", Expiry::new(600)?);
    Ok(presigner.presign(&request)?.url)
}
// end

// task: GET link from the AWS configuration (aws-sdk-s3)
async fn sdk_get_from_config() -> Result<String, Box<dyn std::error::Error>> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_s3::Client::new(&config);
    let presigning =
        aws_sdk_s3::presigning::PresigningConfig::expires_in(Duration::from_secs(600))?;
    let request = client.get_object().bucket(BUCKET).key("report.pdf");
    Ok(request.presigned(presigning).await?.uri().to_owned())
}
// end

// task: GET link from the AWS configuration (object_store)
async fn store_get_from_config() -> Result<String, object_store::Error> {
    use object_store::signer::Signer;
    // Reads AWS_* variables only: no profiles, no ~/.aws files.
    let store = object_store::aws::AmazonS3Builder::from_env()
        .with_bucket_name(BUCKET)
        .build()?;
    let path = object_store::path::Path::from("report.pdf");
    let url = store
        .signed_url(http::Method::GET, &path, Duration::from_secs(600))
        .await?;
    Ok(url.to_string())
}
// end

fn presigner() -> Presigner {
    let endpoint = EndpointConfig {
        region: Some(REGION.to_owned()),
        ..EndpointConfig::default()
    };
    Presigner::new(
        endpoint,
        Some(Credentials::new(AK, SK)),
        time::OffsetDateTime::now_utc(),
    )
}

fn sdk_client() -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new(REGION))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            AK, SK, None, None, "static",
        ))
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

fn store() -> object_store::aws::AmazonS3 {
    object_store::aws::AmazonS3Builder::new()
        .with_region(REGION)
        .with_bucket_name(BUCKET)
        .with_access_key_id(AK)
        .with_secret_access_key(SK)
        .build()
        .unwrap()
}

// task: upload link with a signed content type (presign)
fn presign_upload(presigner: &mut Presigner) -> Result<String, presign::Error> {
    let headers = [("content-type".to_owned(), "image/png".to_owned())];
    let request = ObjectRequest {
        method: "PUT",
        headers: &headers,
        ..ObjectRequest::get(BUCKET, "img.png", Expiry::DEFAULT)
    };
    Ok(presigner.presign(&request)?.url)
}
// end

// task: upload link with a signed content type (aws-sdk-s3)
async fn sdk_upload(client: &aws_sdk_s3::Client) -> Result<String, Box<dyn std::error::Error>> {
    let presigning =
        aws_sdk_s3::presigning::PresigningConfig::expires_in(Duration::from_secs(3600))?;
    let request = client
        .put_object()
        .bucket(BUCKET)
        .key("img.png")
        .content_type("image/png");
    Ok(request.presigned(presigning).await?.uri().to_owned())
}
// end

// task: upload link with a signed content type (object_store)
async fn store_upload(store: &object_store::aws::AmazonS3) -> Result<String, object_store::Error> {
    use object_store::signer::{SignedUrlOptions, Signer};
    let options = SignedUrlOptions::new().with_signed_header(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("image/png"),
    );
    let path = object_store::path::Path::from("img.png");
    let url = store
        .signed_url_opts(
            http::Method::PUT,
            &path,
            Duration::from_secs(3600),
            &options,
        )
        .await?;
    Ok(url.to_string())
}
// end

// task: POST form (presign)
fn presign_post(presigner: &mut Presigner) -> Result<presign::PostForm, presign::Error> {
    let spec = presign::PostSpec {
        content_length_range: Some((1, 10 * 1024 * 1024)),
        ..Default::default()
    };
    presigner.presign_post(BUCKET, "uploads/${filename}", Expiry::DEFAULT, &spec)
}
// end

// task: many keys, one signer (presign)
fn presign_many(presigner: &mut Presigner, keys: &[String]) -> Result<usize, presign::Error> {
    let target = presigner.target(BUCKET)?;
    let mut url = String::with_capacity(512);
    let mut bytes = 0;
    for key in keys {
        url.clear();
        let request = ObjectRequest::get(BUCKET, key, Expiry::DEFAULT);
        presigner.presign_into(&target, &request, &mut url, None)?;
        bytes += url.len();
    }
    Ok(bytes)
}
// end

// task: many keys, one signer (aws-sdk-s3)
async fn sdk_many(
    client: &aws_sdk_s3::Client,
    keys: &[String],
) -> Result<usize, Box<dyn std::error::Error>> {
    let mut bytes = 0;
    for key in keys {
        let presigning =
            aws_sdk_s3::presigning::PresigningConfig::expires_in(Duration::from_secs(3600))?;
        let request = client.get_object().bucket(BUCKET).key(key);
        bytes += request.presigned(presigning).await?.uri().len();
    }
    Ok(bytes)
}
// end

// task: many keys, one signer (object_store)
async fn store_many(
    store: &object_store::aws::AmazonS3,
    keys: &[String],
) -> Result<usize, object_store::Error> {
    use object_store::signer::Signer;
    let paths: Vec<object_store::path::Path> = keys
        .iter()
        .map(|k| object_store::path::Path::from(k.as_str()))
        .collect();
    let urls = store
        .signed_urls(http::Method::GET, &paths, Duration::from_secs(3600))
        .await?;
    Ok(urls.iter().map(|u| u.as_str().len()).sum())
}
// end

// task: verify a URL (presign)
fn presign_verify(url: &str, secret: &SecretString) -> Result<bool, presign::Error> {
    let inspected = presign::Inspected::parse(url)?;
    let now = time::OffsetDateTime::now_utc();
    Ok(inspected.verify(secret, "GET", &[], now)?.valid())
}
// end

/// Whether `url` is a valid SigV4 URL for `method` with `headers`, as
/// presign's inspect judges it with the secret.
fn valid(url: &str, method: &str, headers: &[(String, String)]) -> bool {
    let inspected = presign::Inspected::parse(url).expect("a presigned URL");
    let now = time::OffsetDateTime::now_utc();
    inspected.verify(&SecretString::from(SK), method, headers, now)
        .expect("verifiable")
        .valid()
}

/// The lines of code of each task: `(task, library, lines)`.
fn task_lines() -> Vec<(String, String, usize)> {
    let source = include_str!("main.rs");
    let mut out = Vec::new();
    let mut current: Option<(String, String, usize)> = None;
    for line in source.lines() {
        let line = line.trim();
        if let Some(title) = line.strip_prefix("// task: ") {
            let (task, library) = title.rsplit_once(" (").unwrap();
            current = Some((task.to_owned(), library.trim_end_matches(')').to_owned(), 0));
        } else if line == "// end" {
            out.extend(current.take());
        } else if let Some((_, _, n)) = &mut current
            && !line.is_empty()
            && !line.starts_with("//")
        {
            *n += 1;
        }
    }
    out
}

fn per_url<F: FnMut() -> usize>(mut sign: F) -> Duration {
    let start = Instant::now();
    let bytes = sign();
    let elapsed = start.elapsed();
    assert!(bytes > KEYS * 100, "every URL was made");
    elapsed / KEYS as u32
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let keys: Vec<String> = (0..KEYS)
        .map(|i| format!("logs/2026/11/23/part-{i:05} of the day.json.gz"))
        .collect();
    let mut presigner = presigner();
    let client = sdk_client();
    let store = store();
    let png = [("content-type".to_owned(), "image/png".to_owned())];

    // Every URL each library makes is a valid SigV4 URL.
    let secret = SecretString::from(SK);
    let url = presign_upload(&mut presigner).unwrap();
    assert!(valid(&url, "PUT", &png), "presign upload: {url}");
    let url = sdk_upload(&client).await.unwrap();
    assert!(valid(&url, "PUT", &png), "aws-sdk-s3 upload: {url}");
    let url = store_upload(&store).await.unwrap();
    assert!(valid(&url, "PUT", &png), "object_store upload: {url}");
    let form = presign_post(&mut presigner).unwrap();
    assert_eq!(
        form.url,
        format!("https://{BUCKET}.s3.{REGION}.amazonaws.com/")
    );
    let url = presigner
        .presign(&ObjectRequest::get(BUCKET, "k", Expiry::DEFAULT))
        .unwrap()
        .url;
    assert!(presign_verify(&url, &secret).unwrap());
    // The configuration tasks read the process environment: run.sh gives
    // them the keys and an empty HOME.
    for (name, value) in [
        ("AWS_ACCESS_KEY_ID", AK),
        ("AWS_SECRET_ACCESS_KEY", SK),
        ("AWS_REGION", REGION),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ] {
        if std::env::var(name).ok().as_deref() != Some(value) {
            eprintln!("run through comparison/run.sh ({name}={value} is not set)");
            std::process::exit(2);
        }
    }
    for url in [
        presign_get_from_config().unwrap(),
        sdk_get_from_config().await.unwrap(),
        store_get_from_config().await.unwrap(),
    ] {
        assert!(valid(&url, "GET", &[]), "{url}");
    }

    let ours = per_url(|| presign_many(&mut presigner, &keys).unwrap());
    let start = Instant::now();
    let sdk_bytes = sdk_many(&client, &keys).await.unwrap();
    let sdk = start.elapsed() / KEYS as u32;
    assert!(sdk_bytes > KEYS * 100);
    let start = Instant::now();
    let store_bytes = store_many(&store, &keys).await.unwrap();
    let theirs = start.elapsed() / KEYS as u32;
    assert!(store_bytes > KEYS * 100);

    println!("lines of code per task:");
    for (task, library, lines) in task_lines() {
        println!("  {task} | {library} | {lines}");
    }
    println!("time per GET URL over {KEYS} keys:");
    println!("  presign | {ours:?}");
    println!("  aws-sdk-s3 | {sdk:?}");
    println!("  object_store | {theirs:?}");
}
