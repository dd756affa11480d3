//! The validated command line: clap's raw arguments ([`super::args`]) become
//! an [`Invocation`] before any work starts, so that the modes take typed
//! values (a [`Method`], an [`Operation`], a signing time in UTC, network
//! timeouts in seconds, an input source) and never re-read or re-check text.
//!
//! The checks run in the order AWS CLI v2 reports problems, because a
//! command line with two faults must fail on the one v2 names: argparse's
//! (clap's here), then the positional and global options v2 checks, then
//! the request (method, headers, overrides, the S3 URI), then the signing
//! time. What depends on the configuration stays for later: the expiry's
//! range is a week for SigV4 but not for SigV2, which a profile may choose,
//! and v2 reports an unreadable profile before a bad `--expires-in`.

use std::path::PathBuf;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::args::{
    Cli, Command, Common, InspectArgs, InspectOutput, PostArgs, PostOutput, SignatureVersion,
    UrlArgs, UrlOutput, V2Globals,
};
use super::form;
use super::operation::{Method, Operation, OperationSpec};
use crate::config::{OverrideNames, Overrides};
use crate::error::{Error, Result};
use crate::post::PostSpec;
use crate::presign::whole_seconds;
use crate::providers::NetworkOptions;
use crate::sign::{FIRST_YEAR, LAST_YEAR, utc_signing_time};
use crate::uri::S3Uri;

/// What one run of presign is asked to do.
#[derive(Debug)]
pub(crate) enum Invocation {
    /// Presigned URLs, one per input.
    Url(UrlRun),
    /// A browser upload form.
    Post(PostRun),
    /// URLs read back.
    Inspect(InspectRun),
    /// A completion script.
    Completions(clap_complete::Shell),
    /// A roff man page.
    Man(ManPage),
}

/// What every signing mode shares.
#[derive(Debug)]
pub(crate) struct Signing {
    /// `--expires-in` as written; read once the signature version is known.
    pub(crate) expires_in: String,
    /// `--signing-time`, in UTC and within the years a SigV4 date can write;
    /// `None` signs as of the clock.
    pub(crate) signing_time: Option<OffsetDateTime>,
    /// What the command line sets of the configuration.
    pub(crate) overrides: Overrides,
    /// `--debug`.
    pub(crate) debug: bool,
    /// `--strict`: refuse a URL that outlives its credentials.
    pub(crate) strict: bool,
    /// `--signature-version`; `None` leaves it to the profile.
    pub(crate) signature_version: Option<SignatureVersion>,
}

/// `presign S3_URI...`.
#[derive(Debug)]
pub(crate) struct UrlRun {
    pub(crate) signing: Signing,
    /// The request every URL is for.
    pub(crate) op: Operation,
    pub(crate) inputs: Inputs,
    /// `--fail-fast`.
    pub(crate) fail_fast: bool,
    pub(crate) format: UrlOutput,
    /// `--part-size`, for the printed command of a part upload.
    pub(crate) part_size: u64,
}

/// Where the objects of a URL run come from.
#[derive(Debug)]
pub(crate) struct Inputs {
    /// The positional arguments, in order.
    pub(crate) uris: Vec<String>,
    /// `--from`, read after them.
    pub(crate) from: Option<Source>,
    /// `--bucket`: the inputs are bare keys of this bucket.
    pub(crate) bucket: Option<String>,
    /// Whether an input without a key is an error: a bucket request needs a
    /// method or a query to say so (`presign s3://bucket` stays v2's error).
    pub(crate) needs_key: bool,
}

impl Inputs {
    /// An input as (bucket, key): an S3 URI, or a bare key of `--bucket`.
    pub(crate) fn split<'a>(&'a self, text: &'a str) -> (&'a str, &'a str) {
        match &self.bucket {
            Some(bucket) => (bucket, text),
            None => crate::uri::split(text),
        }
    }

    /// The one input of a run that has exactly one, which then fails as a
    /// whole rather than as a line of a batch.
    pub(crate) fn single(&self) -> Option<&str> {
        match (&self.from, self.uris.as_slice()) {
            (None, [one]) => Some(one),
            _ => None,
        }
    }
}

/// `--from FILE`, or `-`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Stdin,
    File(String),
}

impl Source {
    fn new(name: &str) -> Self {
        if name == "-" {
            Source::Stdin
        } else {
            Source::File(name.to_owned())
        }
    }
}

/// `presign post S3_URI`.
#[derive(Debug)]
pub(crate) struct PostRun {
    pub(crate) signing: Signing,
    /// Where uploads go; the key is not empty.
    pub(crate) uri: S3Uri,
    pub(crate) spec: PostSpec,
    pub(crate) format: PostOutput,
}

/// `presign inspect URL|-`.
#[derive(Debug)]
pub(crate) struct InspectRun {
    /// The URL, or `None` to read URLs from standard input.
    pub(crate) url: Option<String>,
    /// `--verify`.
    pub(crate) verify: bool,
    /// `--profile` to verify with.
    pub(crate) profile: Option<String>,
    /// The method the URL is verified for.
    pub(crate) method: Method,
    /// The headers the request sends, canonical.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) format: InspectOutput,
}

/// The man pages presign prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ManPage {
    Presign,
    Post,
    Inspect,
}

impl Invocation {
    /// Checks and types what clap parsed.
    pub(crate) fn from_cli(cli: Cli) -> Result<Self> {
        Ok(match cli.command {
            None => Invocation::Url(url_run(cli.url)?),
            Some(Command::Post(args)) => Invocation::Post(post_run(args)?),
            Some(Command::Inspect(args)) => Invocation::Inspect(inspect_run(args)?),
            Some(Command::Completions { shell }) => Invocation::Completions(shell),
            Some(Command::Man { command }) => Invocation::Man(match command.as_deref() {
                None => ManPage::Presign,
                Some("post") => ManPage::Post,
                Some("inspect") => ManPage::Inspect,
                Some(name) => {
                    return Err(Error::Usage(format!(
                        "no man page for '{name}' (pages: post, inspect)"
                    )));
                }
            }),
        })
    }

    /// Whether the mode reads standard input as data (an output error is
    /// then possibly a read error).
    pub(crate) fn is_inspect(&self) -> bool {
        matches!(self, Invocation::Inspect(_))
    }
}

fn url_run(args: UrlArgs) -> Result<UrlRun> {
    // v2 takes exactly one S3_URI and names every other positional as an
    // unknown option (`s3://b/Q1 reports/x.pdf`, a key with an unquoted
    // space, is refused, not read as two objects). presign takes several
    // only where each is an s3:// URI, or all are keys of --bucket.
    if args.bucket.is_none()
        && args.uris.len() > 1
        && args.uris.iter().any(|u| !u.starts_with("s3://"))
    {
        return Err(Error::Usage(format!(
            "Unknown options: {} (quote a key that has spaces; several objects must each be an s3://BUCKET/KEY)",
            args.uris[1..].join(",")
        )));
    }
    check_endpoint_scheme(args.common.endpoint_url.as_deref())?;
    let network = network_options(&args.v2)?;
    if args.v2.cli_auto_prompt {
        return Err(Error::InvalidConfig(
            "--cli-auto-prompt: presign has no interactive prompt (drop the option)".to_owned(),
        ));
    }
    let method = match &args.method {
        Some(m) => Method::parse(m)?,
        None => Method::Get,
    };
    let overrides = [
        (
            "response-content-disposition",
            args.response_content_disposition,
        ),
        ("response-content-type", args.response_content_type),
        ("response-cache-control", args.response_cache_control),
        ("response-content-encoding", args.response_content_encoding),
        ("response-content-language", args.response_content_language),
        ("response-expires", args.response_expires),
    ];
    let needs_key = args.method.is_none() && args.queries.is_empty();
    let op = Operation::build(&OperationSpec {
        method,
        content_type: args.content_type,
        headers: args.headers,
        response_overrides: overrides
            .into_iter()
            .filter_map(|(name, value)| value.map(|v| (name.to_owned(), v)))
            .collect(),
        version_id: args.version_id,
        part_number: args.part_number,
        upload_id: args.upload_id,
        queries: args.queries,
    })?;
    let inputs = Inputs {
        uris: args.uris,
        from: args.from.as_deref().map(Source::new),
        bucket: args.bucket,
        needs_key,
    };
    if let Some(bucket) = &inputs.bucket {
        crate::uri::bucket_ref(bucket)?;
    }
    if let Some(one) = inputs.single() {
        // One URI fails as a whole, before any configuration is read.
        let (bucket, key) = inputs.split(one);
        crate::uri::bucket_ref(bucket)?;
        if needs_key {
            crate::uri::require_key(bucket, key)?;
        }
    }
    let stdin_busy = inputs.from == Some(Source::Stdin);
    Ok(UrlRun {
        signing: signing(args.common, network, stdin_busy)?,
        op,
        inputs,
        fail_fast: args.fail_fast,
        format: args.output,
        part_size: args.part_size,
    })
}

fn post_run(args: PostArgs) -> Result<PostRun> {
    let uri = S3Uri::parse(&args.uri);
    uri.bucket_ref()?;
    uri.require_key()?;
    let spec = PostSpec {
        content_type: args.content_type,
        content_length_range: args
            .content_length_range
            .as_deref()
            .map(form::length_range)
            .transpose()?,
        fields: args
            .fields
            .iter()
            .map(|f| form::field(f))
            .collect::<Result<_>>()?,
        conditions: args
            .conditions
            .iter()
            .map(|c| form::condition(c))
            .collect::<Result<_>>()?,
    };
    Ok(PostRun {
        signing: signing(args.common, NetworkOptions::default(), false)?,
        uri,
        spec,
        format: args.output,
    })
}

fn inspect_run(args: InspectArgs) -> Result<InspectRun> {
    let method = Method::parse(args.method.as_deref().unwrap_or("GET"))?;
    let headers = Operation::build(&OperationSpec {
        method,
        headers: args.headers,
        ..Default::default()
    })?
    .headers;
    Ok(InspectRun {
        url: (args.url != "-").then_some(args.url),
        verify: args.verify,
        profile: args.profile,
        method,
        headers,
        format: args.output,
    })
}

/// How `--debug` names the source of a setting the command line gave.
pub(crate) const FLAG_NAMES: OverrideNames = OverrideNames {
    profile: "--profile",
    region: "--region",
    endpoint_url: "--endpoint-url",
    no_sign_request: "--no-sign-request",
};

/// The options every signing mode shares, the signing time last.
fn signing(common: Common, network: NetworkOptions, stdin_busy: bool) -> Result<Signing> {
    let signing_time = common
        .signing_time
        .as_deref()
        .map(parse_signing_time)
        .transpose()?;
    Ok(Signing {
        expires_in: common.expires_in,
        signing_time,
        overrides: Overrides {
            // AWS CLI v2 reads `--profile ''` as no --profile at all.
            profile: common.profile.filter(|p| !p.is_empty()),
            region: common.region,
            endpoint_url: common.endpoint_url,
            no_sign_request: common.no_sign_request,
            network,
            stdin_busy,
            names: FLAG_NAMES,
        },
        debug: common.debug,
        strict: common.strict,
        signature_version: common.signature_version,
    })
}

/// `--signing-time`: RFC 3339, converted to UTC here so that no later
/// conversion can leave the years a SigV4 date can write (`-23:59` near
/// 9999 did).
fn parse_signing_time(text: &str) -> Result<OffsetDateTime> {
    let time = OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
        Error::Usage(format!(
            "--signing-time '{}' is not an RFC 3339 time such as 2026-01-02T03:04:05Z",
            text.escape_debug()
        ))
    })?;
    utc_signing_time(time).ok_or_else(|| {
        Error::Usage(format!(
            "--signing-time '{}' is outside the years {FIRST_YEAR} to {LAST_YEAR} in UTC (pick a time between)",
            text.escape_debug(),
        ))
    })
}

/// `--endpoint-url` must have a scheme as Python's `urlparse` finds one (a
/// letter, then letters, digits, `+`, `-` or `.`, then `:`), as AWS CLI v2
/// checks it.
fn check_endpoint_scheme(url: Option<&str>) -> Result<()> {
    let Some(url) = url else { return Ok(()) };
    let has_scheme = url.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if has_scheme {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "bad value for --endpoint-url \"{url}\": scheme is missing (use http://HOST/ or https://HOST/)"
    )))
}

/// `--cli-connect-timeout` and `--cli-read-timeout`: whole seconds, as v2's
/// `int()` reads them; a negative value means none, as `0` does.
fn network_options(v2: &V2Globals) -> Result<NetworkOptions> {
    let seconds = |name: &str, value: &Option<String>| -> Result<Option<u64>> {
        let Some(value) = value else { return Ok(None) };
        let seconds = whole_seconds(value).ok_or_else(|| {
            Error::NotAnInteger(format!("{name} takes whole seconds, not '{value}'"))
        })?;
        Ok(Some(u64::try_from(seconds).unwrap_or(0)))
    };
    // v2 checks the read timeout first.
    let read_timeout = seconds("--cli-read-timeout", &v2.cli_read_timeout)?;
    let connect_timeout = seconds("--cli-connect-timeout", &v2.cli_connect_timeout)?;
    Ok(NetworkOptions {
        connect_timeout,
        read_timeout,
        s3_ca_bundle: v2.ca_bundle.as_deref().map(PathBuf::from),
        s3_no_verify_tls: v2.no_verify_ssl,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn invocation(args: &[&str]) -> Result<Invocation> {
        Invocation::from_cli(Cli::try_parse_from(args).expect("clap accepts it"))
    }

    #[test]
    fn a_url_run_is_typed_before_any_work() {
        let Invocation::Url(run) = invocation(&[
            "presign",
            "s3://b/k",
            "--method",
            "put",
            "--content-type",
            "image/png",
            "--signing-time",
            "2026-01-02T05:04:05+02:00",
            "--cli-read-timeout",
            "-1",
            "--profile",
            "",
        ])
        .unwrap() else {
            panic!("a URL run");
        };
        assert_eq!(run.op.method, Method::Put);
        assert_eq!(
            run.op.headers,
            [("content-type".to_owned(), "image/png".to_owned())]
        );
        assert_eq!(
            run.signing.signing_time.unwrap(),
            OffsetDateTime::parse("2026-01-02T03:04:05Z", &Rfc3339).unwrap()
        );
        assert_eq!(
            run.signing.signing_time.unwrap().offset(),
            time::UtcOffset::UTC
        );
        assert_eq!(run.signing.overrides.network.read_timeout, Some(0));
        assert_eq!(run.signing.overrides.profile, None);
        assert_eq!(run.inputs.single(), Some("s3://b/k"));
        assert!(!run.inputs.needs_key);
    }

    #[test]
    fn standard_input_as_source_makes_stdin_busy() {
        let Invocation::Url(run) = invocation(&["presign", "--from", "-"]).unwrap() else {
            panic!("a URL run");
        };
        assert_eq!(run.inputs.from, Some(Source::Stdin));
        assert!(run.signing.overrides.stdin_busy);
        assert_eq!(run.inputs.single(), None);
    }

    /// Two faults: the one AWS CLI v2 names first is reported.
    #[test]
    fn faults_are_reported_in_aws_cli_order() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["presign", "s3://b/k", "x", "--endpoint-url", "host"],
                "Unknown options: x",
            ),
            (
                &[
                    "presign",
                    "s3://b/k",
                    "--endpoint-url",
                    "host",
                    "--method",
                    "BREW",
                ],
                "scheme is missing",
            ),
            (
                &[
                    "presign",
                    "s3://b/k",
                    "--cli-read-timeout",
                    "x",
                    "--cli-connect-timeout",
                    "y",
                ],
                "--cli-read-timeout takes whole seconds",
            ),
            (
                &["presign", "s3://b", "--signing-time", "soon"],
                "s3://BUCKET/KEY",
            ),
            (
                &[
                    "presign",
                    "s3://b/k",
                    "--method",
                    "BREW",
                    "--signing-time",
                    "soon",
                ],
                "BREW",
            ),
            (
                &["presign", "s3://b/k", "--signing-time", "soon"],
                "RFC 3339",
            ),
            (&["presign", "man", "ls"], "no man page for 'ls'"),
        ];
        for (args, says) in cases {
            let e = invocation(args).unwrap_err().to_string();
            assert!(e.contains(says), "{args:?}: {e}");
        }
    }

    #[test]
    fn signing_times_outside_the_years_sigv4_writes_are_refused() {
        for time in ["9999-12-31T23:00:00-23:59", "0000-01-01T00:00:00+23:59"] {
            let e = invocation(&["presign", "s3://b/k", "--signing-time", time]).unwrap_err();
            assert!(e.to_string().contains("outside the years"), "{time}: {e}");
        }
    }
}
