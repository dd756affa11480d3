//! The command line. `presign S3_URI [options]` behaves as `aws s3 presign`
//! of AWS CLI v2 (`awscli/customizations/s3/subcommands.py`, `PresignCommand`) and adds the other requests people
//! hand out links for (`--method`, signed headers, response overrides,
//! multipart); `presign post S3_URI` signs a browser upload form.
//!
//! This is the only layer that touches the real environment, clock and
//! streams; [`run`] takes them as arguments so that tests can drive it whole.

mod argv;
mod batch;
mod diagnostic;
mod inspect;
mod output;

use std::ffi::OsString;
use std::io::{self, BufRead, BufWriter, Write};

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::{self, Overrides, Resolved};
use crate::error::{EXIT_OTHER, EXIT_USAGE, Error, Result};
use crate::escape::for_terminal;
use crate::operation::{Method, Operation, OperationSpec};
use crate::post::PostSpec;
use crate::presign::{Expiry, Presigner};
use crate::system::{OsSystem, System};
use crate::uri::S3Uri;
use diagnostic::{DEBUG, ERROR, WARNING};

const EXAMPLES: &str = "\
Examples:
  # A download link valid for one hour, with the default profile
  presign s3://my-bucket/report.pdf

  # Ten minutes, another profile and region; fetch it at once
  curl -o report.pdf \"$(presign s3://my-bucket/report.pdf --expires-in 600 --profile prod --region eu-west-2)\"

  # An upload link that only accepts a PNG, and the curl command that uses it
  presign s3://my-bucket/img.png --method PUT --content-type image/png --format curl

  # Download under another file name
  presign s3://my-bucket/r-2026.pdf --response-content-disposition 'attachment; filename=\"report.pdf\"'

  # A browser upload form (POST policy) for files up to 10 MiB
  presign post 's3://my-bucket/uploads/${filename}' --content-length-range 1,10485760 --format html

  # Outscale OOS: let another account copy an exported machine image
  presign s3://BUCKET/OBJECT --profile P --expires-in 3600 --endpoint https://oos.eu-west-2.outscale.com

  # VK Cloud object storage
  presign s3://my-bucket/photo.jpg --region ru-msk --endpoint-url https://hb.ru-msk.vkcloud-storage.ru

Credentials and settings come from AWS_* variables and ~/.aws/{config,credentials},
with the precedence of AWS CLI v2. Exit status, as AWS CLI v2: 0 ok, 252 usage,
253 no credentials found, 255 other.";

/// Make S3 pre-signed URLs, offline: `aws s3 presign`, exactly, and fast.
#[derive(Debug, Parser)]
#[command(
    name = "presign",
    version,
    about,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    args_override_self = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub url: UrlArgs,
}

/// Modes other than a URL.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign a browser upload form (an S3 POST policy) for s3://BUCKET/KEY
    Post(PostArgs),
    /// Read a presigned URL back: what it grants, until when, and (with
    /// --verify) whether its signature holds
    Inspect(InspectArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff); `presign man post` and `presign man
    /// inspect` print the pages of those commands
    Man {
        /// A subcommand whose page to print
        #[arg(value_name = "COMMAND")]
        command: Option<String>,
    },
}

/// `presign inspect URL`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The presigned URL, or '-' to read URLs from standard input, one a line
    #[arg(value_name = "URL")]
    pub url: String,

    /// Recompute the signature with the secret key of the access key the URL
    /// names (from the selected credentials or any profile that has it)
    #[arg(long)]
    pub verify: bool,

    /// Verify with this profile's credentials
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Verify for this HTTP method (default GET)
    #[arg(long, value_name = "METHOD")]
    pub method: Option<String>,

    /// A header the request sends, for URLs that sign headers
    #[arg(long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,

    /// What to print
    #[arg(long = "format", alias = "output", value_enum, default_value = "text")]
    pub output: InspectOutput,
}

/// How `inspect` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectOutput {
    /// Aligned "name: value" lines
    Text,
    /// One JSON object per URL
    Json,
}

/// Options every mode shares.
#[derive(Debug, Args)]
pub struct Common {
    /// Seconds until the URL expires, 1 to 604800 (7 days)
    #[arg(
        long,
        value_name = "SECONDS",
        default_value = "3600",
        allow_negative_numbers = true
    )]
    pub expires_in: String,

    /// Use this named profile of ~/.aws/config and ~/.aws/credentials
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// The region to sign for (and whose endpoint to use)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Send requests to this S3-compatible endpoint (path-style by default)
    #[arg(long = "endpoint-url", visible_alias = "endpoint", value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Sign as of this instant instead of now, e.g. 2026-01-02T03:04:05Z
    #[arg(long, value_name = "RFC3339")]
    pub signing_time: Option<String>,

    /// Print the plain URL, unsigned, without looking up credentials
    #[arg(long)]
    pub no_sign_request: bool,

    /// Print how settings were resolved and what was signed, on stderr
    #[arg(long)]
    pub debug: bool,

    /// Refuse to sign a URL that would outlive its credentials (temporary
    /// credentials with a known expiry) instead of warning
    #[arg(long)]
    pub strict: bool,

    /// s3v4 (SigV4, the default) or s3 (legacy SigV2, for old S3-compatible
    /// endpoints; also the profile's `s3 = signature_version = s3`)
    #[arg(long, value_enum, value_name = "VERSION")]
    pub signature_version: Option<SignatureVersion>,
}

/// Signature versions S3 accepts in the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignatureVersion {
    /// AWS Signature Version 4
    S3v4,
    /// Legacy Signature Version 2 (HMAC-SHA1)
    S3,
}

/// How a URL is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UrlOutput {
    /// The URL alone
    Url,
    /// {"url", "method", "headers", "expires_at"}
    Json,
    /// A curl command that performs the request
    Curl,
}

/// How an upload form is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PostOutput {
    /// {"url", "fields"}
    Json,
    /// A curl command that uploads a file with the form
    Curl,
    /// A minimal HTML upload form
    Html,
}

/// `presign S3_URI ...`: one presigned URL.
#[derive(Debug, Args)]
pub struct UrlArgs {
    /// The objects: s3://BUCKET/KEY (the s3:// may be left out), one URL per
    /// line in order; s3://BUCKET alone for bucket requests with --method or
    /// --param; bare keys with --bucket
    #[arg(value_name = "S3_URI", required_unless_present = "from")]
    pub uris: Vec<String>,

    /// Read one s3://BUCKET/KEY per line from FILE ('-' for standard input),
    /// streaming; a bad line is reported with its number and the run goes on
    #[arg(long, value_name = "FILE")]
    pub from: Option<String>,

    /// The bucket of bare keys given as arguments or --from lines
    #[arg(long, value_name = "BUCKET")]
    pub bucket: Option<String>,

    /// With several inputs, stop at the first bad one
    #[arg(long)]
    pub fail_fast: bool,

    #[command(flatten)]
    pub common: Common,

    /// The HTTP method the URL is for: GET, PUT, DELETE, HEAD or POST
    #[arg(long, value_name = "METHOD")]
    pub method: Option<String>,

    /// Sign a Content-Type header: the client must send exactly this type
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,

    /// Sign another header the client must send, e.g. 'x-amz-meta-owner: ada'
    #[arg(long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,

    /// Response override: the Content-Disposition S3 answers with
    #[arg(long, value_name = "VALUE")]
    pub response_content_disposition: Option<String>,

    /// Response override: the Content-Type S3 answers with
    #[arg(long, value_name = "VALUE")]
    pub response_content_type: Option<String>,

    /// Response override: the Cache-Control S3 answers with
    #[arg(long, value_name = "VALUE")]
    pub response_cache_control: Option<String>,

    /// Response override: the Content-Encoding S3 answers with
    #[arg(long, value_name = "VALUE")]
    pub response_content_encoding: Option<String>,

    /// Response override: the Content-Language S3 answers with
    #[arg(long, value_name = "VALUE")]
    pub response_content_language: Option<String>,

    /// Response override: the Expires S3 answers with
    #[arg(long, value_name = "VALUE")]
    pub response_expires: Option<String>,

    /// A version of the object (versionId)
    #[arg(long, value_name = "ID")]
    pub version_id: Option<String>,

    /// Multipart upload: the part this URL uploads (with --upload-id, PUT)
    #[arg(long, value_name = "N")]
    pub part_number: Option<String>,

    /// Multipart upload: the upload a part belongs to; alone, with POST it
    /// completes the upload, with DELETE it aborts it
    #[arg(long, value_name = "ID")]
    pub upload_id: Option<String>,

    /// With --format curl and --part-number: the part size in bytes (5 MiB
    /// to 5 GiB, as S3 allows; AWS CLI's default, 8 MiB), by which the
    /// printed command cuts part N out of the file
    #[arg(
        long,
        value_name = "BYTES",
        default_value_t = 8 * 1024 * 1024,
        value_parser = clap::value_parser!(u64).range(5 * 1024 * 1024..=5 * 1024 * 1024 * 1024)
    )]
    pub part_size: u64,

    /// Another signed query parameter, e.g. uploads, list-type=2, prefix=logs/
    #[arg(long = "param", value_name = "NAME[=VALUE]")]
    pub queries: Vec<String>,

    /// What to print
    #[arg(long = "format", value_enum, default_value = "url")]
    pub output: UrlOutput,

    #[command(flatten)]
    pub v2: V2Globals,
}

/// AWS CLI v2's global options that a presign takes and that change nothing
/// in the URL (`aws s3 presign` prints the URL whatever `--output`, `--query`
/// or `--color` say). Taken so that `aws s3 presign ...` command lines work
/// unchanged; hidden from `--help`. `--no-verify-ssl`, `--ca-bundle` and the
/// timeouts are for network calls, which a static-key presign makes none of.
#[derive(Debug, Args)]
pub struct V2Globals {
    /// v2's output format: a presign prints the URL in every one
    #[arg(id = "v2_output", long = "output", value_enum, hide = true)]
    pub output: Option<V2Output>,
    /// v2's JMESPath filter of the response: a presign prints the URL
    #[arg(id = "v2_query", long = "query", hide = true, value_name = "JMESPATH")]
    pub query: Option<String>,
    /// on, off or auto: colour of presign's own error and warning labels
    #[arg(long, value_enum, hide = true)]
    pub color: Option<V2Color>,
    #[arg(long, hide = true)]
    pub no_cli_pager: bool,
    #[arg(long, hide = true)]
    pub no_paginate: bool,
    #[arg(long, hide = true)]
    pub no_cli_auto_prompt: bool,
    #[arg(long, hide = true)]
    pub cli_auto_prompt: bool,
    #[arg(long, hide = true)]
    pub no_verify_ssl: bool,
    #[arg(long, hide = true, value_name = "PATH")]
    pub ca_bundle: Option<String>,
    #[arg(
        long,
        hide = true,
        value_name = "SECONDS",
        allow_negative_numbers = true
    )]
    pub cli_read_timeout: Option<String>,
    #[arg(
        long,
        hide = true,
        value_name = "SECONDS",
        allow_negative_numbers = true
    )]
    pub cli_connect_timeout: Option<String>,
    #[arg(long, value_enum, hide = true)]
    pub cli_binary_format: Option<V2BinaryFormat>,
    #[arg(long, value_enum, hide = true)]
    pub cli_error_format: Option<V2ErrorFormat>,
}

/// `--output` of AWS CLI v2 (`awscli/data/cli.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum V2Output {
    Json,
    Text,
    Table,
    Yaml,
    YamlStream,
    Off,
}

/// `--color` of AWS CLI v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum V2Color {
    On,
    Off,
    Auto,
}

/// `--cli-binary-format` of AWS CLI v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum V2BinaryFormat {
    Base64,
    RawInBase64Out,
}

/// `--cli-error-format` of AWS CLI v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum V2ErrorFormat {
    Legacy,
    Json,
    Yaml,
    Text,
    Table,
    Enhanced,
}

/// `presign post S3_URI ...`: a browser upload form.
#[derive(Debug, Args)]
pub struct PostArgs {
    /// Where uploads go: s3://BUCKET/KEY; a key ending in ${filename} takes
    /// the uploaded file's name
    #[arg(value_name = "S3_URI")]
    pub uri: String,

    #[command(flatten)]
    pub common: Common,

    /// The Content-Type the upload must have
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,

    /// The sizes allowed, in bytes: MIN,MAX
    #[arg(long, value_name = "MIN,MAX")]
    pub content_length_range: Option<String>,

    /// Another policy condition, as JSON, e.g. '["starts-with", "$key", "u/"]'
    #[arg(long = "condition", value_name = "JSON")]
    pub conditions: Vec<String>,

    /// Another form field (also required by the policy), e.g. acl=private
    #[arg(long = "field", value_name = "NAME=VALUE")]
    pub fields: Vec<String>,

    /// What to print
    #[arg(long = "format", alias = "output", value_enum, default_value = "json")]
    pub output: PostOutput,
}

/// Runs presign with the real process environment; returns the exit status.
///
/// `PRESIGN_NOW` (an RFC 3339 time), for tests only and left out of `--help`
/// on purpose, replaces the clock: `--signing-time` moves the URL's time but
/// credential expiry is judged against "now", and a test of the expiry
/// warning needs both fixed. Nothing else reads it.
///
/// `stdout_closed`: the process started with fd 1 closed (`presign ... >&-`),
/// which only the binary can see (`src/main.rs`). Every write to standard
/// output then fails, as AWS CLI v2's do (status 255): the output would be
/// lost, and a caller that means to discard it gives /dev/null instead.
pub fn main(stdout_closed: bool) -> i32 {
    std::panic::set_hook(Box::new(|info| {
        // Never panic here: a panic inside the hook aborts the process
        // (SIGABRT instead of status 255), and `eprintln!` panics when stderr
        // cannot be written (`2>/dev/full`). Write, and ignore failures.
        let mut stderr = anstream::AutoStream::auto(io::stderr());
        let _ = match info.location() {
            Some(l) => writeln!(
                stderr,
                "{ERROR} internal error at {}:{} (please report this as a bug)",
                l.file(),
                l.line()
            ),
            None => writeln!(
                stderr,
                "{ERROR} internal error (please report this as a bug)"
            ),
        };
    }));
    let outcome = std::panic::catch_unwind(|| {
        let stdout = io::stdout();
        let mut closed = ClosedStdout;
        let mut open;
        let out: &mut dyn Write = if stdout_closed {
            &mut closed
        } else {
            open = stdout.lock();
            &mut open
        };
        // Styled labels reach stderr only where colour belongs (diagnostic),
        // or as AWS CLI v2's --color says.
        let args: Vec<OsString> = std::env::args_os().collect();
        let mut stderr = anstream::AutoStream::new(io::stderr().lock(), color_choice(&args));
        let now = match frozen_now(std::env::var_os("PRESIGN_NOW")) {
            Ok(now) => now,
            Err(e) => {
                let _ = writeln!(stderr, "{ERROR} {}", for_terminal(&e.to_string()));
                return e.exit_code();
            }
        };
        // A panic on demand, to test the panic hook through the binary
        // (tests/cli.rs); compiled into debug builds only.
        #[cfg(debug_assertions)]
        if std::env::var_os("PRESIGN_TEST_PANIC").is_some() {
            panic!("PRESIGN_TEST_PANIC is set");
        }
        let stdin = io::stdin();
        run(args, &OsSystem, now, &mut stdin.lock(), out, &mut stderr)
    });
    outcome.unwrap_or(EXIT_OTHER)
}

/// Standard output when the process was started without one.
struct ClosedStdout;

impl Write for ClosedStdout {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::other(
            "it is closed (give a file, or /dev/null to discard the output)",
        ))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What AWS CLI v2's global `--color on|off|auto` (last one wins, any
/// prefix argparse takes) asks of presign's own coloured labels; `auto`
/// colours a terminal only, and honours NO_COLOR and friends.
fn color_choice(args: &[OsString]) -> anstream::ColorChoice {
    let Ok(args) = argv::expand_prefixes(args.to_vec(), &[]) else {
        return anstream::ColorChoice::Auto;
    };
    let mut value = None;
    let mut words = args.iter().skip(1).map(|a| a.to_str());
    while let Some(word) = words.next() {
        match word {
            Some("--") => break,
            Some("--color") => value = words.next().flatten(),
            Some(w) if w.starts_with("--color=") => value = Some(&w["--color=".len()..]),
            _ => {}
        }
    }
    match value {
        Some("on") => anstream::ColorChoice::Always,
        Some("off") => anstream::ColorChoice::Never,
        _ => anstream::ColorChoice::Auto,
    }
}

/// The clock, or the instant `PRESIGN_NOW` freezes it at.
fn frozen_now(value: Option<OsString>) -> Result<OffsetDateTime> {
    let Some(value) = value else {
        return Ok(OffsetDateTime::now_utc());
    };
    value
        .to_str()
        .and_then(|text| OffsetDateTime::parse(text, &Rfc3339).ok())
        .ok_or_else(|| {
            Error::Usage(format!(
                "PRESIGN_NOW={} is not an RFC 3339 time (it is for tests; unset it)",
                value.to_string_lossy().escape_debug()
            ))
        })
}

/// Runs presign on `args` (the first is the program name) and returns the
/// exit status. Output goes to `out`, diagnostics to `err`.
pub fn run<I, T>(
    args: I,
    sys: &dyn System,
    now: OffsetDateTime,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match parse(args.into_iter().map(Into::into).collect()) {
        Ok(cli) => cli,
        Err(Parse::Clap(e)) => return clap_error(e, out, err),
        Err(Parse::Presign(e)) => {
            let _ = writeln!(err, "{ERROR} {}", for_terminal(&e.to_string()));
            return e.exit_code();
        }
    };
    let mut out = BufWriter::with_capacity(64 * 1024, out);
    let mut written_status = None;
    let outcome = match &cli.command {
        Some(Command::Post(args)) => execute_post(args, sys, now, &mut out, err),
        Some(Command::Inspect(args)) => inspect::execute(args, sys, now, stdin, &mut out, err),
        Some(Command::Completions { shell }) => {
            // clap_complete panics when its writer fails; it writes to
            // memory here, and only the copy to stdout can fail.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "presign", &mut script);
            out.write_all(&script).map(|()| 0).map_err(Error::from)
        }
        Some(Command::Man { command }) => man_page(command.as_deref(), &mut out),
        None => execute_url(
            &cli.url,
            sys,
            now,
            stdin,
            &mut out,
            err,
            &mut written_status,
        ),
    };
    // Only `inspect` reads (standard input) in these modes; in the others an
    // Output error is a write that failed.
    if written_status.is_none()
        && matches!(outcome, Err(Error::Output(_)))
        && !matches!(cli.command, Some(Command::Inspect(_)))
    {
        written_status = Some(0);
    }
    match outcome {
        Ok(status) => match out.flush() {
            Ok(()) => status,
            Err(e) => output_failed(&e, status, err),
        },
        Err(Error::Output(e)) => match written_status {
            Some(status) => output_failed(&e, status, err),
            // A reader that went away (see output_failed); other input or
            // output errors of a mode are reported as they are.
            None if e.kind() == io::ErrorKind::BrokenPipe => 0,
            None => {
                let _ = writeln!(err, "{ERROR} {}", for_terminal(&e.to_string()));
                EXIT_OTHER
            }
        },
        Err(e) => {
            let _ = writeln!(err, "{ERROR} {}", for_terminal(&e.to_string()));
            e.exit_code()
        }
    }
}

/// The status of a run whose output could not be written after it had
/// earned `status` (0, or that of an earlier bad input, which stands).
///
/// A reader that went away (`presign --from list | head -1`: EPIPE) is no
/// failure of presign: the reader took what it wanted and every line it read
/// was whole, so this is silent and keeps `status`, as ripgrep and fd do.
/// AWS CLI v2's `main()` turns any exception into 255, a `BrokenPipeError`
/// of its write included, but it only meets one when its single write of one
/// short URL loses the race against the reader's exit, which it all but
/// never does: users of `aws s3 presign ... | head -1` see 0. Any other failure (`>/dev/full`: ENOSPC; EIO) lost output nobody
/// read: one error line, and 255 unless an earlier failure set the status.
fn output_failed(e: &io::Error, status: i32, err: &mut dyn Write) -> i32 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return status;
    }
    let _ = writeln!(err, "{ERROR} cannot write to standard output: {e}");
    if status == 0 { EXIT_OTHER } else { status }
}

/// Why a command line was refused: clap's own errors keep clap's rendering.
enum Parse {
    Clap(clap::Error),
    Presign(Error),
}

/// The command line as AWS CLI v2's argparse reads it: abbreviated long
/// options written out (see [`argv`]), then clap, with a repeated option's
/// last value winning (`args_override_self`), then the checks that clap
/// cannot express.
fn parse(args: Vec<OsString>) -> std::result::Result<Cli, Parse> {
    let mut command = Cli::command();
    let names = long_names(&command, &args);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let args = argv::expand_prefixes(args, &names).map_err(Parse::Presign)?;
    let matches = command
        .try_get_matches_from_mut(args)
        .map_err(Parse::Clap)?;
    let cli = Cli::from_arg_matches(&matches).map_err(Parse::Clap)?;
    if cli.command.is_none() {
        validate_url_args(&cli.url).map_err(Parse::Presign)?;
    }
    Ok(cli)
}

/// The long options of the command `args` run: a subcommand's when the
/// first argument that is not an option names one, else the URL mode's.
fn long_names(command: &clap::Command, args: &[OsString]) -> Vec<String> {
    let sub = args
        .iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .find(|a| !a.starts_with('-'))
        .and_then(|first| command.find_subcommand(first));
    sub.unwrap_or(command)
        .get_arguments()
        .flat_map(|arg| {
            arg.get_long()
                .into_iter()
                .chain(arg.get_all_aliases().into_iter().flatten())
                .map(str::to_owned)
        })
        .chain(["help".to_owned(), "version".to_owned()])
        .collect()
}

/// What AWS CLI v2 refuses before it signs, and clap does not check.
fn validate_url_args(args: &UrlArgs) -> Result<()> {
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
    if let Some(url) = &args.common.endpoint_url
        && !has_scheme(url)
    {
        return Err(Error::Usage(format!(
            "bad value for --endpoint-url \"{url}\": scheme is missing (use http://HOST/ or https://HOST/)"
        )));
    }
    for (name, value) in [
        ("--cli-read-timeout", &args.v2.cli_read_timeout),
        ("--cli-connect-timeout", &args.v2.cli_connect_timeout),
    ] {
        if let Some(value) = value
            && crate::presign::whole_seconds(value).is_none()
        {
            return Err(Error::NotAnInteger(format!(
                "{name} takes whole seconds, not '{value}'"
            )));
        }
    }
    if args.v2.cli_auto_prompt {
        return Err(Error::InvalidConfig(
            "--cli-auto-prompt: presign has no interactive prompt (drop the option)".to_owned(),
        ));
    }
    Ok(())
}

/// Whether Python's `urlparse` finds a scheme in `url` (a letter, then
/// letters, digits, `+`, `-` or `.`, then `:`), as AWS CLI v2 checks
/// `--endpoint-url`.
fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// The roff man page of presign, or of one of its subcommands.
fn man_page(command: Option<&str>, out: &mut dyn Write) -> Result<i32> {
    let cli = Cli::command();
    let page = match command {
        None => cli,
        Some(name) => {
            let sub = cli
                .find_subcommand(name)
                .filter(|_| matches!(name, "post" | "inspect"))
                .ok_or_else(|| {
                    Error::Usage(format!("no man page for '{name}' (pages: post, inspect)"))
                })?;
            let page_name: &'static str = if name == "post" {
                "presign-post"
            } else {
                "presign-inspect"
            };
            sub.clone().name(page_name)
        }
    };
    let top = command.is_none();
    // The sections clap_mangen's own render() writes, in its order, with
    // the examples before the version; each only where the page has it.
    let has_subcommands = page.has_subcommands();
    let has_version = page.get_version().is_some();
    let man = clap_mangen::Man::new(page);
    let mut roff = Vec::new();
    man.render_title(&mut roff)?;
    man.render_name_section(&mut roff)?;
    man.render_synopsis_section(&mut roff)?;
    man.render_description_section(&mut roff)?;
    man.render_options_section(&mut roff)?;
    if has_subcommands {
        man.render_subcommands_section(&mut roff)?;
    }
    if top {
        roff.extend_from_slice(examples_roff().as_bytes());
    }
    if has_version {
        man.render_version_section(&mut roff)?;
    }
    out.write_all(&roff)?;
    Ok(0)
}

/// The EXAMPLES section of the man page: the examples of `--help` in a
/// no-fill block, every `-` written `\-` (a plain `-` is a hyphen, U+2010,
/// in groff's UTF-8 output, and a pasted option would not work), `\` as
/// `\e`, and a line that starts with `.` or `'` guarded with `\&`.
fn examples_roff() -> String {
    let mut roff = String::from(".SH EXAMPLES\n.nf\n");
    for line in EXAMPLES.lines().skip(1) {
        let line = line.strip_prefix("  ").unwrap_or(line);
        if line.starts_with(['.', '\'']) {
            roff.push_str("\\&");
        }
        for c in line.chars() {
            match c {
                '-' => roff.push_str("\\-"),
                '\\' => roff.push_str("\\e"),
                c => roff.push(c),
            }
        }
        roff.push('\n');
    }
    roff.push_str(".fi\n");
    roff
}

/// Help and version go to stdout with status 0; every other parse error is
/// one line on stderr with status 252.
fn clap_error(e: clap::Error, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // `--help > /dev/full` printed nothing: that is a failure.
            // The examples are printed as they are written, after clap's
            // wrapped help: wrapped inside a command, a pasted example runs
            // something else (clap wraps `after_help` at the terminal's
            // width). Only the top-level help lists commands.
            let mut text = e.render().to_string();
            if text.contains("\nCommands:\n") {
                text.push('\n');
                text.push_str(EXAMPLES);
                text.push('\n');
            }
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => 0,
                Err(e) => output_failed(&e, 0, err),
            }
        }
        _ => {
            // clap's message is the paragraph before the usage block.
            let rendered = e.render().to_string();
            let message: Vec<&str> = rendered
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let message = message.join(" ");
            let message = message.strip_prefix("error: ").unwrap_or(&message);
            // clap's suggestions ("tip: a similar argument exists: ...")
            // stand in the paragraph after; they are the fix, so they stay.
            let tips: Vec<&str> = rendered
                .lines()
                .map(str::trim)
                .filter_map(|l| l.strip_prefix("tip: "))
                .collect();
            let fix = if tips.is_empty() {
                String::new()
            } else {
                format!("{}; ", tips.join("; "))
            };
            let _ = writeln!(
                err,
                "{ERROR} {} ({}see 'presign --help')",
                for_terminal(message),
                for_terminal(&fix)
            );
            EXIT_USAGE
        }
    }
}

/// What every mode does first: expiry, signing time, configuration.
struct Prepared {
    expires: Expiry,
    /// The signing time plus `expires`, no later than 9999-12-31T23:59:59Z.
    expires_at: OffsetDateTime,
    presigner: Presigner,
}

/// `--cli-connect-timeout` and `--cli-read-timeout` (validated earlier as
/// whole seconds; a negative value means none, as `0` does).
fn network_options(v2: &V2Globals) -> crate::providers::NetworkOptions {
    let seconds = |v: &Option<String>| {
        v.as_deref()
            .and_then(crate::presign::whole_seconds)
            .map(|s| u64::try_from(s).unwrap_or(0))
    };
    crate::providers::NetworkOptions {
        connect_timeout: seconds(&v2.cli_connect_timeout),
        read_timeout: seconds(&v2.cli_read_timeout),
    }
}

fn prepare(
    common: &Common,
    network: crate::providers::NetworkOptions,
    stdin_busy: bool,
    sys: &dyn System,
    now: OffsetDateTime,
    err: &mut dyn Write,
) -> Result<Prepared> {
    let time = match &common.signing_time {
        Some(text) => {
            let time = OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
                Error::Usage(format!(
                    "--signing-time '{}' is not an RFC 3339 time such as 2026-01-02T03:04:05Z",
                    text.escape_debug()
                ))
            })?;
            // In UTC from here on, so that no later conversion can leave
            // the years a SigV4 date can write (`-23:59` near 9999 did).
            crate::sign::utc_signing_time(time).ok_or_else(|| {
                Error::Usage(format!(
                    "--signing-time '{}' is outside the years {} to {} in UTC (pick a time between)",
                    text.escape_debug(),
                    crate::sign::FIRST_YEAR,
                    crate::sign::LAST_YEAR
                ))
            })?
        }
        None => crate::sign::utc_signing_time(now).ok_or_else(|| {
            Error::Usage(format!(
                "the clock says {}, outside the years {} to {} (set the clock or pass --signing-time)",
                now.year(),
                crate::sign::FIRST_YEAR,
                crate::sign::LAST_YEAR
            ))
        })?,
    };
    let overrides = Overrides {
        // AWS CLI v2 reads `--profile ''` as no --profile at all.
        profile: common.profile.clone().filter(|p| !p.is_empty()),
        region: common.region.clone(),
        endpoint_url: common.endpoint_url.clone(),
        no_sign_request: common.no_sign_request,
        network,
        stdin_busy,
    };
    let mut trail = Vec::new();
    let resolved = match config::resolve_traced(sys, &overrides, now, &mut trail) {
        Ok(resolved) => resolved,
        Err(e) => {
            if common.debug {
                for line in &trail {
                    let _ = writeln!(err, "{DEBUG} {}", for_terminal(line));
                }
            }
            return Err(e);
        }
    };
    let sigv2 = match common.signature_version {
        Some(version) => version == SignatureVersion::S3,
        None => resolved.s3_signature_version.as_deref() == Some("s3"),
    };
    let expires = if sigv2 {
        let expires = Expiry::parse_sigv2(&common.expires_in)?;
        if expires.seconds() > crate::sign::MAX_EXPIRES {
            let _ = writeln!(
                err,
                "{WARNING} this SigV2 URL outlives a week ({} s); SigV2 allows that, SigV4 would not",
                expires.seconds()
            );
        }
        expires
    } else {
        Expiry::parse(&common.expires_in)?
    };
    let expires_at = crate::sign::expiry_end(time, expires.seconds())
        .ok_or_else(|| crate::sign::time_out_of_range(time, expires.seconds()))?;
    check_expiry(&resolved, now, time, expires_at, common.strict, err)?;
    if common.debug {
        for line in &resolved.trail {
            let _ = writeln!(err, "{DEBUG} {}", for_terminal(line));
        }
    }
    let presigner = if common.no_sign_request {
        Presigner::unsigned(resolved.endpoint, time)
    } else if sigv2 {
        let us_east_1_regional = match resolved.s3_us_east_1_regional_endpoint.as_deref() {
            None | Some("legacy") => false,
            Some("regional") => true,
            Some(other) => {
                return Err(Error::InvalidConfig(format!(
                    "S3 us-east-1 regional endpoint option {} is invalid (set us_east_1_regional_endpoint to legacy or regional)",
                    other.escape_debug()
                )));
            }
        };
        let endpoint = crate::endpoint::EndpointConfig {
            sigv2: true,
            us_east_1_regional,
            ..resolved.endpoint
        };
        Presigner::sigv2(endpoint, resolved.credentials, time)
    } else {
        Presigner::new(resolved.endpoint, resolved.credentials, time)
    }
    .with_express_client(resolved.s3express_client, now);
    Ok(Prepared {
        expires,
        expires_at,
        presigner,
    })
}

/// Expired credentials are an error; credentials that expire before the URL
/// would are a warning that says when the URL stops working.
fn check_expiry(
    resolved: &Resolved,
    now: OffsetDateTime,
    time: OffsetDateTime,
    url_end: OffsetDateTime,
    strict: bool,
    err: &mut dyn Write,
) -> Result<()> {
    let Some(expiration) = resolved.credentials.as_ref().and_then(|c| c.expiration) else {
        return Ok(());
    };
    let show = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    if expiration <= now {
        return Err(Error::ExpiredCredentials {
            source_name: resolved.credentials_source.clone(),
            at: show(expiration),
        });
    }
    if expiration < url_end && strict {
        let lifetime = (expiration - time).whole_seconds().max(0);
        return Err(Error::InvalidExpiry(format!(
            "the URL would outlive its credentials (they expire at {}, the URL at {}): use --expires-in {lifetime} or less, or drop --strict",
            show(expiration),
            show(url_end)
        )));
    }
    if expiration < url_end {
        let _ = writeln!(
            err,
            "{WARNING} the credentials expire at {}, before the URL would ({}); the URL stops working then",
            show(expiration),
            show(url_end)
        );
    }
    Ok(())
}

/// `written_status` is set when writing the output failed, to the status
/// the inputs had earned by then.
fn execute_url(
    args: &UrlArgs,
    sys: &dyn System,
    now: OffsetDateTime,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
    written_status: &mut Option<i32>,
) -> Result<i32> {
    let method = match &args.method {
        Some(m) => Method::parse(m)?,
        None => Method::Get,
    };
    let overrides = [
        (
            "response-content-disposition",
            &args.response_content_disposition,
        ),
        ("response-content-type", &args.response_content_type),
        ("response-cache-control", &args.response_cache_control),
        ("response-content-encoding", &args.response_content_encoding),
        ("response-content-language", &args.response_content_language),
        ("response-expires", &args.response_expires),
    ];
    let spec = OperationSpec {
        method,
        content_type: args.content_type.clone(),
        headers: args.headers.clone(),
        response_overrides: overrides
            .iter()
            .filter_map(|(name, value)| value.as_ref().map(|v| ((*name).to_owned(), v.clone())))
            .collect(),
        version_id: args.version_id.clone(),
        part_number: args.part_number.clone(),
        upload_id: args.upload_id.clone(),
        queries: args.queries.clone(),
    };
    let op = Operation::build(&spec)?;
    if let Some(bucket) = &args.bucket {
        crate::uri::bucket_ref(bucket)?;
    }
    let single = args.from.is_none() && args.uris.len() == 1;
    if single {
        // One URI fails as a whole, before any configuration is read.
        let (bucket, key) = parse_input(args, &args.uris[0]);
        crate::uri::bucket_ref(bucket)?;
        if needs_key(args) {
            crate::uri::require_key(bucket, key)?;
        }
    }
    let stdin_busy = args.from.as_deref() == Some("-");
    let prepared = prepare(
        &args.common,
        network_options(&args.v2),
        stdin_busy,
        sys,
        now,
        err,
    )?;
    // Without credentials every URL of a batch would fail alike: say it
    // once, before any input is read (a --from list repeated it on every
    // line). One URI keeps AWS CLI's order: endpoint errors come first.
    if !single && !args.common.no_sign_request && prepared.presigner.credentials().is_none() {
        return Err(Error::NoCredentials);
    }
    let mut job = batch::UrlJob::new(args, op, prepared, sys);
    if single {
        let (bucket, key) = parse_input(args, &args.uris[0]);
        let outcome = job.one(bucket, key, out, err);
        if let Err(Error::Output(_)) = &outcome {
            *written_status = Some(0);
        }
        return outcome.map(|()| 0);
    }
    let mut failures = batch::Failures::new(args.fail_fast);
    let mut run = batch::Batch::new(&mut job, &mut failures);
    let outcome = (|| {
        for (i, text) in args.uris.iter().enumerate() {
            let (bucket, key) = parse_input(args, text);
            if run.submit(bucket, key, &|| format!("argument {}", i + 1), out, err)? {
                return Ok(());
            }
        }
        match &args.from {
            Some(from) => batch::stream(&mut run, args, from, stdin, out, err),
            None => run.flush(out, err).map(|_| ()),
        }
    })();
    drop(run);
    // Input errors are Usage errors (batch::stream), so an Output error
    // here is a write that failed; the status of earlier bad inputs stands.
    if let Err(Error::Output(_)) = &outcome {
        *written_status = Some(failures.status());
    }
    outcome.map(|()| failures.status())
}

/// An input as (bucket, key): an S3 URI, or a bare key with --bucket.
fn parse_input<'a>(args: &'a UrlArgs, text: &'a str) -> (&'a str, &'a str) {
    match &args.bucket {
        Some(bucket) => (bucket, text),
        None => crate::uri::split(text),
    }
}

/// A bucket without a key is a bucket request, which needs a method or a
/// query to say so; `presign s3://bucket` stays the error AWS CLI gives.
fn needs_key(args: &UrlArgs) -> bool {
    args.method.is_none() && args.queries.is_empty()
}

fn execute_post(
    args: &PostArgs,
    sys: &dyn System,
    now: OffsetDateTime,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let uri = S3Uri::parse(&args.uri);
    uri.bucket_ref()?;
    uri.require_key()?;
    let spec = PostSpec {
        content_type: args.content_type.clone(),
        content_length_range: args
            .content_length_range
            .as_deref()
            .map(PostSpec::parse_length_range)
            .transpose()?,
        fields: args
            .fields
            .iter()
            .map(|f| PostSpec::parse_field(f))
            .collect::<Result<_>>()?,
        conditions: args
            .conditions
            .iter()
            .map(|c| PostSpec::parse_condition(c))
            .collect::<Result<_>>()?,
    };
    let mut prepared = prepare(&args.common, Default::default(), false, sys, now, err)?;
    let form = prepared
        .presigner
        .presign_post(&uri.bucket, &uri.key, prepared.expires, &spec)?;
    let mut text = String::new();
    match args.output {
        PostOutput::Json => {
            text.push_str(&form.to_json().to_string());
            text.push('\n');
        }
        PostOutput::Curl => output::post_curl(&mut text, &form, &uri.key),
        PostOutput::Html => output::post_html(&mut text, &form),
    }
    out.write_all(text.as_bytes())?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
