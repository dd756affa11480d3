//! # presign
//!
//! S3 pre-signed URLs, made offline, byte for byte as `aws s3 presign` of AWS
//! CLI v2 makes them. The library is split the way the problem is:
//!
//! - [`config`]: which profile, credentials, region and endpoint apply, read
//!   from `AWS_*` variables and the shared files with AWS CLI v2's precedence;
//! - [`endpoint`]: the S3 endpoint rules (partitions, addressing style,
//!   dual-stack, FIPS, accelerate, custom endpoints, access points);
//! - [`sign`]: SigV4 query signing (canonical request, string to sign,
//!   derived key, signature);
//! - [`presign`](mod@presign): a request description in, a signed URL out;
//! - [`uri`]: `s3://BUCKET/KEY` parsing; [`cli`]: the command line.
//!
//! Only [`cli`] and [`system::OsSystem`] touch the process environment, the
//! clock and the filesystem; everything else takes them as values.
//!
//! ```
//! use presign::config::{self, Overrides};
//! use presign::system::MapSystem;
//! use presign::{Expiry, ObjectRequest, Presigner};
//! use time::macros::datetime;
//!
//! // An environment as a map: keys in variables, a region in ~/.aws/config.
//! let sys = MapSystem::new()
//!     .var("HOME", "/home/me")
//!     .var("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
//!     .var("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
//!     .file("/home/me/.aws/config", "[default]\nregion = eu-west-2\n");
//! let resolved = config::resolve(&sys, &Overrides::default(), datetime!(2026-01-02 03:04:05 UTC))?;
//! let mut presigner = Presigner::new(
//!     resolved.endpoint,
//!     resolved.credentials,
//!     datetime!(2026-01-02 03:04:05 UTC),
//! );
//! let signed = presigner.presign(&ObjectRequest::get("bucket", "key.txt", Expiry::DEFAULT))?;
//! assert_eq!(
//!     signed.url,
//!     "https://bucket.s3.eu-west-2.amazonaws.com/key.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256\
//!      &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260102%2Feu-west-2%2Fs3%2Faws4_request\
//!      &X-Amz-Date=20260102T030405Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host\
//!      &X-Amz-Signature=23c87ef3bd9be85e9372cf6ebe8cf657f30da49b318adc28fa6512dda4d8b54d"
//! );
//! # Ok::<(), presign::Error>(())
//! ```
//!
//! ## Examples
//!
//! ### A download link from the user's AWS configuration
//!
//! [`system::OsSystem`] is the real process: `AWS_*` variables,
//! `~/.aws/config` and `~/.aws/credentials`, and the credential sources
//! AWS CLI v2 has (a role, SSO, a `credential_process`...). The example
//! above runs the same code against a map instead.
//!
//! ```no_run
//! use presign::config::{self, Overrides};
//! use presign::system::OsSystem;
//! use presign::{Expiry, ObjectRequest, Presigner};
//! use time::OffsetDateTime;
//!
//! let now = OffsetDateTime::now_utc();
//! let overrides = Overrides {
//!     profile: Some("prod".to_owned()),
//!     ..Overrides::default()
//! };
//! let resolved = config::resolve(&OsSystem, &overrides, now)?;
//! let mut presigner = Presigner::new(resolved.endpoint, resolved.credentials, now);
//! let link = presigner.presign(&ObjectRequest::get("bucket", "report.pdf", Expiry::new(600)?))?;
//! println!("{}", link.url);
//! # Ok::<(), presign::Error>(())
//! ```
//!
//! ### An upload link that only accepts one content type
//!
//! A header the client must send is signed: S3 refuses the upload unless it
//! carries exactly this `Content-Type`.
//!
//! ```
//! use presign::{Credentials, EndpointConfig, Expiry, ObjectRequest, Presigner};
//! use time::macros::datetime;
//!
//! let endpoint = EndpointConfig::in_region("eu-west-2");
//! let keys = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
//! let mut presigner = Presigner::new(endpoint, Some(keys), datetime!(2026-01-02 03:04:05 UTC));
//! let headers = [("content-type".to_owned(), "image/png".to_owned())];
//! let upload = ObjectRequest::new("PUT", "bucket", "img.png", Expiry::DEFAULT).with_headers(&headers);
//! let url = presigner.presign(&upload)?.url;
//! assert!(url.contains("&X-Amz-SignedHeaders=content-type%3Bhost&"));
//! # Ok::<(), presign::Error>(())
//! ```
//!
//! ### A browser upload form (POST policy)
//!
//! ```
//! use presign::post::PostSpec;
//! use presign::{Credentials, EndpointConfig, Expiry, Presigner};
//! use time::macros::datetime;
//!
//! # let endpoint = EndpointConfig::in_region("eu-west-2");
//! # let keys = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
//! let mut presigner = Presigner::new(endpoint, Some(keys), datetime!(2026-01-02 03:04:05 UTC));
//! let spec = PostSpec {
//!     content_length_range: Some((1, 10 * 1024 * 1024)),
//!     ..PostSpec::default()
//! };
//! let form = presigner.presign_post("bucket", "uploads/${filename}", Expiry::DEFAULT, &spec)?;
//! assert_eq!(form.url, "https://bucket.s3.eu-west-2.amazonaws.com/");
//! let names: Vec<&str> = form.fields.iter().map(|(name, _)| name.as_str()).collect();
//! assert_eq!(
//!     names,
//!     ["key", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "policy", "x-amz-signature"]
//! );
//! # Ok::<(), presign::Error>(())
//! ```
//!
//! ### One presigner, many keys
//!
//! A [`Presigner`] derives the signing key once; resolving the bucket's
//! endpoint once ([`Presigner::target`]) and writing into one buffer makes
//! each further URL an HMAC and some string pushes, with no allocation.
//!
//! ```
//! use presign::{Credentials, EndpointConfig, Expiry, ObjectRequest, Presigner};
//! use time::macros::datetime;
//!
//! # let endpoint = EndpointConfig::in_region("eu-west-2");
//! # let keys = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
//! let mut presigner = Presigner::new(endpoint, Some(keys), datetime!(2026-01-02 03:04:05 UTC));
//! let target = presigner.target("bucket")?;
//! let mut url = String::with_capacity(512);
//! for day in 1..=31 {
//!     url.clear();
//!     let key = format!("logs/2026-01-{day:02}.json.gz");
//!     let request = ObjectRequest::get("bucket", &key, Expiry::DEFAULT);
//!     presigner.presign_into(&target, &request, &mut url, None)?;
//!     assert!(url.starts_with("https://bucket.s3.eu-west-2.amazonaws.com/logs/2026-01-"));
//! }
//! # Ok::<(), presign::Error>(())
//! ```
//!
//! ### Verifying a URL
//!
//! [`inspect`] reads a presigned URL back and, given the secret of the
//! access key it names, says whether S3 would accept it at an instant.
//!
//! ```
//! use presign::{Credentials, EndpointConfig, Expiry, ObjectRequest, Presigner, SecretString};
//! use time::macros::datetime;
//!
//! # let endpoint = EndpointConfig::in_region("eu-west-2");
//! let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
//! let keys = Credentials::new("AKIAIOSFODNN7EXAMPLE", secret);
//! let signed_at = datetime!(2026-01-02 03:04:05 UTC);
//! let mut presigner = Presigner::new(endpoint, Some(keys), signed_at);
//! let url = presigner.presign(&ObjectRequest::get("bucket", "key.txt", Expiry::DEFAULT))?.url;
//!
//! let inspected = presign::inspect::decode(&url)?;
//! assert_eq!(inspected.access_key_id(), "AKIAIOSFODNN7EXAMPLE");
//! let secret = SecretString::from(secret);
//! let later = datetime!(2026-01-02 03:30:00 UTC);
//! assert!(presign::inspect::verify(&inspected, &secret, "GET", &[], later)?.valid());
//! // An hour and more after signing, the URL has expired.
//! let too_late = datetime!(2026-01-02 04:04:05 UTC);
//! assert!(!presign::inspect::verify(&inspected, &secret, "GET", &[], too_late)?.valid());
//! // Another secret does not verify.
//! let wrong = SecretString::from("not the secret");
//! assert!(!presign::inspect::verify(&inspected, &wrong, "GET", &[], later)?.valid());
//! # Ok::<(), presign::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(unreachable_pub)]
#![deny(missing_docs)]

#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod escape;
pub mod http;
pub mod inspect;
#[cfg(feature = "network")]
mod net;
pub mod operation;
pub mod post;
pub mod presign;
pub mod providers;
pub mod secret;
pub mod sign;
pub mod system;
pub mod uri;

pub use credentials::Credentials;
pub use endpoint::{EndpointConfig, Target};
pub use error::{Error, Result};
pub use presign::{Expiry, ObjectRequest, Presigner, SessionUse};
pub use secret::SecretString;
pub use sign::Signed;
