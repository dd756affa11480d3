//! # presign
//!
//! S3 pre-signed URLs, made offline, byte for byte as `aws s3 presign` of AWS
//! CLI v2 makes them. Everything a caller needs is at the crate root:
//!
//! - [`resolve`] with [`Overrides`]: which profile, [`Credentials`], region
//!   and endpoint apply, read from `AWS_*` variables and the shared files
//!   with AWS CLI v2's precedence, through every credential source v2 has
//!   (roles, IAM Identity Center, web identity, `credential_process`,
//!   container and instance roles), sharing v2's caches;
//! - [`EndpointConfig`]: the S3 endpoint rules (partitions, addressing style,
//!   dual-stack, FIPS, accelerate, custom endpoints, access points,
//!   multi-region access points, directory buckets);
//! - [`Presigner`] with [`ObjectRequest`] or [`PostSpec`]: a request in, a
//!   signed URL ([`Signed`]) or upload form ([`PostForm`]) out, SigV4, SigV4A
//!   or SigV2 as the bucket needs ([`AuthScheme`]);
//! - [`Inspected`]: a presigned URL read back, and verified;
//! - [`Error`]: what went wrong, as data.
//!
//! Only [`OsSystem`] touches the process environment, the clock and the
//! filesystem; everything else takes them as values ([`System`], with
//! [`MapSystem`] for tests). The command line is [`cli`] (feature `cli`, on
//! by default); `default-features = false` leaves it out, and the HTTP
//! client with it unless feature `network` is on.
//!
//! ```
//! use presign::{Expiry, MapSystem, ObjectRequest, Overrides, Presigner};
//! use time::macros::datetime;
//!
//! // An environment as a map: keys in variables, a region in ~/.aws/config.
//! let sys = MapSystem::new()
//!     .var("HOME", "/home/me")
//!     .var("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
//!     .var("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
//!     .file("/home/me/.aws/config", "[default]\nregion = eu-west-2\n");
//! let resolved = presign::resolve(&sys, &Overrides::default(), datetime!(2026-01-02 03:04:05 UTC))?;
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
//! [`OsSystem`] is the real process: `AWS_*` variables,
//! `~/.aws/config` and `~/.aws/credentials`, and the credential sources
//! AWS CLI v2 has (a role, SSO, a `credential_process`...). The example
//! above runs the same code against a map instead.
//!
//! ```no_run
//! use presign::{Expiry, ObjectRequest, OsSystem, Overrides, Presigner};
//! use time::OffsetDateTime;
//!
//! let now = OffsetDateTime::now_utc();
//! let overrides = Overrides::default().with_profile("prod");
//! let resolved = presign::resolve(&OsSystem, &overrides, now)?;
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
//! use presign::{Credentials, EndpointConfig, Expiry, PostSpec, Presigner};
//! use time::macros::datetime;
//!
//! # let endpoint = EndpointConfig::in_region("eu-west-2");
//! # let keys = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
//! let mut presigner = Presigner::new(endpoint, Some(keys), datetime!(2026-01-02 03:04:05 UTC));
//! let spec = PostSpec::default().with_content_length_range(1, 10 * 1024 * 1024);
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
//! [`Inspected`] reads a presigned URL back and, given the secret of the
//! access key it names, says whether S3 would accept it at an instant.
//!
//! ```
//! use presign::{
//!     Cause, Credentials, EndpointConfig, Expiry, Inspected, ObjectRequest, Presigner, SecretString,
//! };
//! use time::macros::datetime;
//!
//! # let endpoint = EndpointConfig::in_region("eu-west-2");
//! let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
//! let keys = Credentials::new("AKIAIOSFODNN7EXAMPLE", secret);
//! let signed_at = datetime!(2026-01-02 03:04:05 UTC);
//! let mut presigner = Presigner::new(endpoint, Some(keys), signed_at);
//! let url = presigner.presign(&ObjectRequest::get("bucket", "key.txt", Expiry::DEFAULT))?.url;
//!
//! let inspected = Inspected::parse(&url)?;
//! assert_eq!(inspected.access_key_id(), "AKIAIOSFODNN7EXAMPLE");
//! let secret = SecretString::from(secret);
//! let later = datetime!(2026-01-02 03:30:00 UTC);
//! assert!(inspected.verify(&secret, "GET", &[], later)?.valid());
//! // An hour and more after signing, the URL has expired.
//! let too_late = datetime!(2026-01-02 04:04:05 UTC);
//! let expired = inspected.verify(&secret, "GET", &[], too_late)?;
//! assert!(!expired.valid());
//! assert_eq!(expired.causes, [Cause::Expired { at: datetime!(2026-01-02 04:04:05 UTC) }]);
//! // Another secret does not verify; nor does another method, and the
//! // likely causes say why.
//! let wrong = SecretString::from("not the secret");
//! let v = inspected.verify(&wrong, "GET", &[], later)?;
//! assert!(!v.valid() && v.causes == [Cause::SecretOrUrlChanged]);
//! let put = inspected.verify(&secret, "PUT", &[], later)?;
//! assert!(matches!(&put.causes[..], [Cause::OtherMethod { signed: "GET", .. }]));
//! # Ok::<(), presign::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(unreachable_pub)]
#![deny(missing_docs)]

#[cfg(feature = "cli")]
pub mod cli;
mod config;
mod credentials;
mod endpoint;
mod error;
mod escape;
mod http;
mod inspect;
#[cfg(feature = "network")]
mod net;
mod post;
mod presign;
mod providers;
mod secret;
mod sign;
mod system;
mod uri;

pub use config::{Overrides, Resolved, resolve};
pub use credentials::Credentials;
pub use endpoint::{AddressingStyle, CustomEndpoint, EndpointConfig, Target};
pub use error::{Error, PostRefusal, Result, RulesFix};
pub use http::{HttpError, HttpRequest, HttpResponse, Transport};
pub use inspect::{Addressing, Auth, Cause, Inspected, Refusal, Verification};
pub use post::{PostForm, PostSpec};
pub use presign::{Expiry, ObjectRequest, Presigner, SessionUse};
pub use providers::NetworkOptions;
pub use secret::SecretString;
pub use sign::{AuthScheme, Signed};
pub use system::{MapSystem, OsSystem, ProcessOutput, Server, System};
pub use uri::S3Uri;

/// Not part of the API: the pieces the fuzz targets, the property tests and
/// the benchmarks reach into (the parsers, the signing stages, the escaping).
/// Anything here may change in any release.
#[doc(hidden)]
pub mod internals {
    pub use crate::config::{ini, process, shlex};
    pub use crate::error::{EXIT_CONFIG, EXIT_OTHER, EXIT_SERVICE, EXIT_USAGE};
    /// SigV4, SigV4A and SigV2 signing, stage by stage.
    pub mod sign {
        pub use crate::sign::*;
    }
    /// Escaping text for terminals and logs.
    pub mod escape {
        pub use crate::escape::*;
    }
    /// `s3://` URIs, bucket names and ARNs.
    pub mod uri {
        pub use crate::uri::*;
    }
}
