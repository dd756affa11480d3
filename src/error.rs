//! Errors, each with the exit status AWS CLI v2 gives its kind of failure.
//!
//! AWS CLI v2 exits 252 for a usage or parameter-validation error, 253 when
//! no credentials can be found, 254 when a service answers with an error,
//! and 255 for anything else (an unparsable file, an unknown profile, a
//! failing credential_process, an unreachable endpoint among them).
//! presign keeps those numbers so scripts written against `aws s3
//! presign` keep working. Every message is one line that names the problem and,
//! where there is one, the fix; none ever contains a secret.

use std::path::PathBuf;

use crate::escape::for_terminal;
use crate::http::HttpError;

/// Exit status for usage errors (bad flags, bad S3 URI, bad values).
pub const EXIT_USAGE: i32 = 252;
/// Exit status when no credentials can be found.
pub const EXIT_CONFIG: i32 = 253;
/// Exit status when a service answers with an error (AWS CLI v2's
/// ClientError): an AssumeRole that is denied, say.
pub const EXIT_SERVICE: i32 = 254;
/// Exit status for every other failure.
pub const EXIT_OTHER: i32 = 255;

/// Everything that can stop presign from printing a URL.
///
/// The variants that a caller can act on carry their data, so a program
/// matches on them instead of reading the text; the text itself names no
/// command-line option (the command line words its own messages).
///
/// ```
/// use presign::{
///     Credentials, EndpointConfig, Error, Expiry, MapSystem, Overrides, PostRefusal, PostSpec,
///     Presigner, resolve,
/// };
/// use time::macros::datetime;
///
/// // An expiry beyond SigV4's week, with the limit to retry with.
/// match Expiry::new(8 * 24 * 3600) {
///     Err(Error::ExpiryOutOfRange { seconds, max, .. }) => {
///         assert_eq!((seconds, max), (691_200, 604_800));
///     }
///     other => panic!("{other:?}"),
/// }
///
/// // A signing time SigV4 cannot write.
/// let keys = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
/// let endpoint = EndpointConfig::in_region("eu-west-2");
/// let mut late = Presigner::new(endpoint.clone(), Some(keys.clone()), datetime!(9999-12-31 23:30 UTC));
/// let get = presign::ObjectRequest::get("bucket", "key", Expiry::DEFAULT);
/// assert!(matches!(
///     late.presign(&get),
///     Err(Error::SigningTimeOutOfRange { expires: 3600, .. })
/// ));
///
/// // Upload forms: SigV2 and unsigned presigners cannot make one.
/// let now = datetime!(2026-01-02 03:04:05 UTC);
/// let spec = PostSpec::default();
/// let mut v2 = Presigner::sigv2(endpoint.clone(), Some(keys), now);
/// let refused = v2.presign_post("bucket", "key", Expiry::DEFAULT, &spec).unwrap_err();
/// assert!(matches!(refused, Error::PostFormUnsupported { why: PostRefusal::SigV2 }));
/// let mut unsigned = Presigner::unsigned(endpoint, now);
/// let refused = unsigned.presign_post("bucket", "key", Expiry::DEFAULT, &spec).unwrap_err();
/// assert!(matches!(refused, Error::PostFormUnsupported { why: PostRefusal::Unsigned }));
///
/// // A profile the files do not define.
/// let sys = MapSystem::new()
///     .var("HOME", "/home/me")
///     .file("/home/me/.aws/config", "[profile dev]\nregion = eu-west-2\n");
/// match resolve(&sys, &Overrides::default().with_profile("prod"), now) {
///     Err(Error::ProfileNotFound { profile }) => assert_eq!(profile, "prod"),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The command line itself is wrong.
    #[error("{0}")]
    Usage(String),

    /// The S3 URI or one of its parts is not acceptable.
    #[error("{0}")]
    InvalidUri(String),

    /// An integer option's value is not an integer (AWS CLI v2 fails
    /// Python's `int()` with status 255).
    #[error("{0}")]
    NotAnInteger(String),

    /// `--expires-in` (or another duration) is outside what SigV4 allows.
    #[error("{0}")]
    InvalidExpiry(String),

    /// An expiry outside the range its signature version allows.
    #[error(
        "an expiry of {seconds} seconds is out of range: {version} URLs last from 1 to {max} seconds"
    )]
    ExpiryOutOfRange {
        /// The expiry asked for, in seconds.
        seconds: i64,
        /// `SigV4` or `SigV2`.
        version: &'static str,
        /// The longest that version allows, in seconds.
        max: u32,
    },

    /// An expiry that is not a whole number of seconds (AWS CLI v2 fails
    /// Python's `int()` with status 255).
    #[error("an expiry takes whole seconds, not '{}'", text.escape_debug())]
    ExpiryNotSeconds {
        /// The text given.
        text: String,
    },

    /// A signing time SigV4 cannot write (outside the years 1970 to 9999,
    /// in UTC), or one whose URL would end after 9999.
    #[error(
        "{}",
        signing_time_message(*.time, *.expires)
    )]
    SigningTimeOutOfRange {
        /// The signing time.
        time: time::OffsetDateTime,
        /// The URL's expiry, in seconds.
        expires: u32,
    },

    /// SigV2 (`signature_version = s3`) for a bucket that S3 accepts only
    /// SigV4 or SigV4A for.
    #[error("{needs}: drop the profile's s3 signature_version = s3")]
    NeedsSigV4 {
        /// Which buckets, and what they need.
        needs: &'static str,
    },

    /// An upload form (POST policy) that cannot be signed for this bucket
    /// or these settings.
    #[error("{}", .why.describe())]
    PostFormUnsupported {
        /// Why not.
        why: PostRefusal,
    },

    /// A config or credentials file that exists could not be parsed.
    #[error(
        "unable to parse config file {}: {reason} (fix the file or point {env} elsewhere)",
        crate::escape::path(path)
    )]
    ConfigParse {
        /// The file that does not parse.
        path: PathBuf,
        /// What is wrong with it and where (a line or byte number), never
        /// the text of a line, which may be a pasted secret.
        reason: String,
        /// The variable that names this file (`AWS_CONFIG_FILE`,
        /// `AWS_SHARED_CREDENTIALS_FILE`, ...), for the fix in the message.
        env: &'static str,
    },

    /// A config or credentials file exists but could not be read.
    #[error("cannot read {}: {reason}", crate::escape::path(path))]
    ConfigRead {
        /// The file that could not be read.
        path: PathBuf,
        /// Why, and what to do about it.
        reason: String,
    },

    /// A profile was selected that neither file defines.
    #[error(
        "the config profile ({profile}) could not be found (define [profile {profile}] in the config file or [{profile}] in the credentials file)"
    )]
    ProfileNotFound {
        /// The profile's name, escaped for the terminal.
        profile: String,
    },

    /// A setting has a value AWS CLI would refuse.
    #[error("{0}")]
    InvalidConfig(String),

    /// No credential source produced credentials.
    #[error(
        "unable to locate credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add aws_access_key_id and aws_secret_access_key to a profile in ~/.aws/credentials)"
    )]
    NoCredentials,

    /// No credentials for the access key a presigned URL names (`inspect
    /// --verify`): AWS CLI v2's NoCredentials, 253.
    #[error("{0}")]
    NoCredentialsFor(String),

    /// A credential source was found but lacks one of its parts.
    #[error("partial credentials found in {source_name}, missing: {missing}")]
    PartialCredentials {
        /// The source, named as botocore names it (`env`, `assume-role`,
        /// `shared-credentials-file`, ...).
        source_name: &'static str,
        /// The part it lacks, e.g. `AWS_SECRET_ACCESS_KEY` or
        /// `aws_secret_access_key`.
        missing: &'static str,
    },

    /// `credential_process` failed or printed something unusable.
    #[error("error when retrieving credentials from credential_process: {0}")]
    CredentialProcess(String),

    /// A credential source that calls AWS or reads a cache failed (an
    /// unreachable endpoint, a malformed answer, a corrupt cache file, a
    /// configuration the source refuses): AWS CLI v2's generic 255.
    #[error("{0}")]
    CredentialSource(String),

    /// A credential service or S3 Express's CreateSession got no answer:
    /// nothing listened, a timeout, TLS or the proxy failed (AWS CLI v2's
    /// EndpointConnectionError and its kin, 255).
    #[error(
        "{}",
        describe_network(self, "the connect timeout", "the read timeout")
    )]
    Network {
        /// What was called: `STS`, `instance metadata`, `S3 CreateSession`...
        service: String,
        /// The URL called, as configured (escape it before a terminal).
        url: String,
        /// Why no answer came.
        failure: HttpError,
        /// The directory bucket whose session was asked for, if that was
        /// the call.
        bucket: Option<String>,
    },

    /// A credential service answered with an error (AccessDenied, say):
    /// AWS CLI v2's ClientError, 254.
    #[error(
        "{service} refused the {operation} call{retries}: {code}: {message}{hint}",
        retries = if *.attempts > 1 { format!(" (after {} attempts)", .attempts) } else { String::new() },
        hint = if .hint.is_empty() { String::new() } else { format!(" ({})", .hint) }
    )]
    Service {
        /// The service called, e.g. `STS` or `IAM Identity Center`.
        service: &'static str,
        /// The API operation, e.g. `AssumeRole` or `GetRoleCredentials`.
        operation: &'static str,
        /// The service's error code, e.g. `AccessDenied` (escaped for the
        /// terminal).
        code: String,
        /// The service's error message (escaped for the terminal).
        message: String,
        /// How many calls were made, retries included (1 or more).
        attempts: u32,
        /// What to do about it, or empty when there is nothing to add.
        hint: String,
    },

    /// A value from the configuration breaks a limit of the service's API,
    /// checked before any call as botocore does (ParamValidation, 252).
    #[error("{0}")]
    ParamValidation(String),

    /// The endpoint URL given has no scheme (`host:port` for
    /// `http://host:port`), which AWS CLI v2 refuses (ParamValidation, 252).
    #[error("the endpoint URL \"{url}\" has no scheme (use http://HOST/ or https://HOST/)")]
    EndpointWithoutScheme {
        /// The URL as given, escaped for the terminal.
        url: String,
    },

    /// A call needs a region and none is configured (NoRegion, 253).
    #[error("you must specify a region to {needed_for} (set region in the profile or AWS_REGION)")]
    NoRegion {
        /// What the region is needed for, e.g. `refresh the aws login
        /// session of profile dev`.
        needed_for: String,
    },

    /// The credentials' own expiry time has passed.
    #[error("the credentials from {source_name} expired at {at} (refresh them and try again)")]
    ExpiredCredentials {
        /// The credential source, as `--debug` names it.
        source_name: String,
        /// When they expired, RFC 3339.
        at: String,
    },

    /// The region has a form AWS does not accept.
    #[error("{0}")]
    InvalidRegion(String),

    /// The endpoint URL cannot be used.
    #[error("{0}")]
    InvalidEndpoint(String),

    /// The endpoint rules refuse this combination of settings.
    #[error("{rule} ({fix})")]
    EndpointRules {
        /// The rule set's own words (as botocore reports them), to look up.
        rule: String,
        /// What to change.
        fix: RulesFix,
    },

    /// A mode this kind of bucket cannot be signed for (a SigV4A POST
    /// form: botocore knows no such signer, UnknownSignatureVersionError).
    #[error("{0}")]
    Unsupported(String),

    /// An environment variable that must be text is not valid Unicode.
    #[error(
        "the environment variable {0} is not valid UTF-8 text (set it to UTF-8 text, or unset it)"
    )]
    NotUnicode(String),

    /// Reading input or writing output failed.
    #[error("{0}")]
    Output(#[from] std::io::Error),
}

/// The one line of an [`Error::Network`], with the words for raising each
/// timeout (the library names the setting, the command line its option).
pub(crate) fn describe_network(error: &Error, connect: &str, read: &str) -> String {
    let Error::Network {
        service,
        url,
        failure,
        bucket,
    } = error
    else {
        return error.to_string();
    };
    let url = for_terminal(url);
    let text = match failure {
        HttpError::Connect => format!(
            "could not connect to the endpoint URL \"{url}\" of {service} (check the endpoint and the network)"
        ),
        HttpError::ConnectTimeout => format!(
            "connect timeout on endpoint URL \"{url}\" of {service} (check the endpoint, or raise {connect})"
        ),
        HttpError::ReadTimeout => format!(
            "read timeout on endpoint URL \"{url}\" of {service} (the service is slow or down; raise {read})"
        ),
        HttpError::Tls(reason) => format!(
            "SSL validation failed for {url}: {} (point AWS_CA_BUNDLE or ca_bundle at the CA that signed its certificate)",
            for_terminal(reason)
        ),
        HttpError::Proxy(reason) => format!(
            "failed to connect to the proxy for {url}: {} (check HTTPS_PROXY, HTTP_PROXY and NO_PROXY)",
            for_terminal(reason)
        ),
        HttpError::Unsupported => {
            format!(
                "{service} at \"{url}\" needs a network call, and this build has no HTTP client"
            )
        }
        HttpError::Other(reason) => format!(
            "request to \"{url}\" of {service} failed: {}",
            for_terminal(reason)
        ),
    };
    match bucket {
        Some(bucket) => format!(
            "no S3 Express session for directory bucket {}: {text}",
            for_terminal(bucket)
        ),
        None => text,
    }
}

impl Error {
    /// The process exit status for this error, as AWS CLI v2 would give it.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_)
            | Error::InvalidUri(_)
            | Error::InvalidExpiry(_)
            | Error::ExpiryOutOfRange { .. }
            | Error::SigningTimeOutOfRange { .. }
            | Error::NeedsSigV4 { .. }
            | Error::EndpointWithoutScheme { .. }
            | Error::PostFormUnsupported {
                why: PostRefusal::SigV2 | PostRefusal::Unsigned,
            }
            | Error::ParamValidation(_) => EXIT_USAGE,
            Error::Service { .. } => EXIT_SERVICE,
            // AWS CLI v2 gives 253 only when no provider finds credentials
            // (NoCredentialsError); a file it cannot parse, an unknown
            // profile, half a key pair or a failing credential_process are
            // other botocore errors, 255.
            Error::NoCredentials
            | Error::NoCredentialsFor(_)
            | Error::ExpiredCredentials { .. }
            | Error::NoRegion { .. } => EXIT_CONFIG,
            Error::ConfigParse { .. }
            | Error::ConfigRead { .. }
            | Error::ProfileNotFound { .. }
            | Error::PostFormUnsupported {
                why: PostRefusal::DirectoryBucket | PostRefusal::SigV4A,
            }
            | Error::InvalidConfig(_)
            | Error::PartialCredentials { .. }
            | Error::CredentialProcess(_)
            | Error::CredentialSource(_)
            | Error::Network { .. }
            | Error::NotAnInteger(_)
            | Error::ExpiryNotSeconds { .. }
            | Error::InvalidRegion(_)
            | Error::InvalidEndpoint(_)
            | Error::EndpointRules { .. }
            | Error::Unsupported(_)
            | Error::NotUnicode(_)
            | Error::Output(_) => EXIT_OTHER,
        }
    }
}

/// What to change when the endpoint rules refuse the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RulesFix {
    /// Settings to change, named as the AWS configuration names them
    /// (profile keys and `AWS_*` variables).
    Settings(String),
    /// The configured region must be one of the ARN's partition.
    RegionInArnPartition,
    /// The configured region must be the ARN's, unless `use_arn_region`
    /// lets the ARN's region win.
    RegionOfArn {
        /// The ARN's region.
        region: String,
    },
    /// A custom endpoint and Transfer Acceleration exclude each other.
    EndpointOrAccelerate,
}

impl std::fmt::Display for RulesFix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RulesFix::Settings(text) => f.write_str(text),
            RulesFix::RegionInArnPartition => {
                f.write_str("configure a region of the ARN's partition")
            }
            RulesFix::RegionOfArn { region } => {
                write!(
                    f,
                    "configure region {region}, or set s3 use_arn_region = true"
                )
            }
            RulesFix::EndpointOrAccelerate => {
                f.write_str("drop the custom endpoint (endpoint_url) or s3 use_accelerate_endpoint")
            }
        }
    }
}

/// Why an upload form (POST policy) cannot be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PostRefusal {
    /// A directory bucket (S3 Express One Zone): presign signs no POST
    /// policies for them; a presigned PUT URL uploads instead.
    DirectoryBucket,
    /// SigV2 (`signature_version = s3`): POST policies are signed with
    /// SigV4.
    SigV2,
    /// A multi-region or Outposts access point, which accepts SigV4A
    /// alone, while POST policies are signed with SigV4.
    SigV4A,
    /// No credentials were to be used (unsigned requests): a form must be
    /// signed.
    Unsigned,
}

impl PostRefusal {
    /// The reason in words, without the command line's options.
    pub fn describe(self) -> &'static str {
        match self {
            PostRefusal::DirectoryBucket => {
                "upload forms (POST policies) are not signed for directory buckets (S3 Express One Zone): presign a PUT URL instead"
            }
            PostRefusal::SigV2 => {
                "upload forms (POST policies) are signed with SigV4 only, not SigV2"
            }
            PostRefusal::SigV4A => {
                "S3 upload forms (POST policies) are signed with SigV4 only, and multi-region and Outposts access points accept SigV4A alone: presign a PUT URL instead"
            }
            PostRefusal::Unsigned => "an upload form must be signed: it needs credentials",
        }
    }
}

/// The library's words for [`Error::SigningTimeOutOfRange`].
fn signing_time_message(time: time::OffsetDateTime, expires: u32) -> String {
    let shown = time
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "that time".to_owned());
    match crate::sign::utc_signing_time(time) {
        None => format!(
            "the signing time {shown} is outside the years {} to {} (in UTC), which SigV4 dates can write",
            crate::sign::FIRST_YEAR,
            crate::sign::LAST_YEAR
        ),
        Some(_) => format!(
            "a URL signed at {shown} for {expires} s would expire after 9999-12-31T23:59:59Z"
        ),
    }
}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// The typed errors read as the library's, for callers that have no
    /// flags: the command line adds its options in `cli::diagnostic`.
    #[test]
    fn typed_errors_name_no_command_line_option_and_keep_their_status() {
        let mut cases = vec![
            (
                Error::ExpiryOutOfRange {
                    seconds: 0,
                    version: "SigV4",
                    max: 604_800,
                },
                EXIT_USAGE,
            ),
            (
                Error::ExpiryNotSeconds {
                    text: "1h".to_owned(),
                },
                EXIT_OTHER,
            ),
            (
                Error::SigningTimeOutOfRange {
                    time: datetime!(1969-12-31 23:59:59 UTC),
                    expires: 60,
                },
                EXIT_USAGE,
            ),
            (
                Error::SigningTimeOutOfRange {
                    time: datetime!(9999-12-31 23:30 UTC),
                    expires: 3600,
                },
                EXIT_USAGE,
            ),
            (
                Error::ProfileNotFound {
                    profile: "prod".to_owned(),
                },
                EXIT_OTHER,
            ),
            (
                Error::PostFormUnsupported {
                    why: PostRefusal::DirectoryBucket,
                },
                EXIT_OTHER,
            ),
            (
                Error::PostFormUnsupported {
                    why: PostRefusal::SigV4A,
                },
                EXIT_OTHER,
            ),
            (
                Error::PostFormUnsupported {
                    why: PostRefusal::SigV2,
                },
                EXIT_USAGE,
            ),
            (
                Error::PostFormUnsupported {
                    why: PostRefusal::Unsigned,
                },
                EXIT_USAGE,
            ),
            (
                Error::NeedsSigV4 {
                    needs: "directory buckets (S3 Express One Zone) take SigV4 only",
                },
                EXIT_USAGE,
            ),
            (
                Error::EndpointWithoutScheme {
                    url: "localhost:9000".to_owned(),
                },
                EXIT_USAGE,
            ),
            (
                Error::EndpointRules {
                    rule: "Client was configured for partition `aws` but ARN has `aws-cn`"
                        .to_owned(),
                    fix: RulesFix::RegionInArnPartition,
                },
                EXIT_OTHER,
            ),
            (
                Error::EndpointRules {
                    rule: "region from ARN `eu-west-1` does not match".to_owned(),
                    fix: RulesFix::RegionOfArn {
                        region: "eu-west-1".to_owned(),
                    },
                },
                EXIT_OTHER,
            ),
            (
                Error::EndpointRules {
                    rule: "A custom endpoint cannot be combined with S3 Accelerate".to_owned(),
                    fix: RulesFix::EndpointOrAccelerate,
                },
                EXIT_OTHER,
            ),
        ];
        cases.push((
            Error::NoRegion {
                needed_for: "refresh the aws login session of profile dev".to_owned(),
            },
            EXIT_CONFIG,
        ));
        let network = [
            HttpError::Connect,
            HttpError::ConnectTimeout,
            HttpError::ReadTimeout,
            HttpError::Tls("unknown issuer".to_owned()),
            HttpError::Proxy("refused".to_owned()),
            HttpError::Unsupported,
            HttpError::Other("bad chunk".to_owned()),
        ]
        .into_iter()
        .flat_map(|failure| {
            [None, Some("b--usw2-az1--x-s3".to_owned())].map(|bucket| {
                let error = Error::Network {
                    service: "STS".to_owned(),
                    url: "https://sts.eu-west-2.amazonaws.com".to_owned(),
                    failure: failure.clone(),
                    bucket,
                };
                (error, EXIT_OTHER)
            })
        });
        for (error, status) in cases.into_iter().chain(network) {
            let text = error.to_string();
            // (A directory bucket's name has `--` inside it; an option
            // starts a word.)
            assert!(!text.contains(" --") && !text.contains("(--"), "{text}");
            assert!(!text.contains('\n'), "{text}");
            assert_eq!(error.exit_code(), status, "{text}");
        }
    }
}
