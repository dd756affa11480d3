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
#![forbid(unsafe_code)]

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
