//! The command line as clap reads it: one definition of the flags, from
//! which `--help`, the man page and the completions are made. These raw
//! arguments are checked and typed into an `Invocation` (`cli/invocation.rs`)
//! before any work starts; nothing else reads them.

use clap::{Args, Parser, Subcommand, ValueEnum};

pub(crate) const EXAMPLES: &str = "\
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
    /// A mode other than a URL (`post`, `inspect`, ...); `None` for a URL.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// The arguments of a URL run (the default mode).
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
        /// The shell to print the script for
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

    /// The options every mode shares.
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

    /// AWS CLI v2's global options, taken and hidden.
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
    /// v2's pager off switch: presign uses no pager
    #[arg(long, hide = true)]
    pub no_cli_pager: bool,
    /// v2's pagination off switch: a presign makes no paginated call
    #[arg(long, hide = true)]
    pub no_paginate: bool,
    /// v2's auto-prompt off switch: presign has no prompt
    #[arg(long, hide = true)]
    pub no_cli_auto_prompt: bool,
    /// v2's auto-prompt: refused, presign has no prompt
    #[arg(long, hide = true)]
    pub cli_auto_prompt: bool,
    /// Do not check TLS certificates in the S3 client's calls (CreateSession
    /// of a directory bucket)
    #[arg(long, hide = true)]
    pub no_verify_ssl: bool,
    /// CA bundle of the S3 client's calls (CreateSession of a directory bucket)
    #[arg(long, hide = true, value_name = "PATH")]
    pub ca_bundle: Option<String>,
    /// Whole seconds a network read may take (0 or less: no limit)
    #[arg(
        long,
        hide = true,
        value_name = "SECONDS",
        allow_negative_numbers = true
    )]
    pub cli_read_timeout: Option<String>,
    /// Whole seconds a connection may take (0 or less: no limit)
    #[arg(
        long,
        hide = true,
        value_name = "SECONDS",
        allow_negative_numbers = true
    )]
    pub cli_connect_timeout: Option<String>,
    /// v2's blob format: a presign reads and prints no blobs
    #[arg(long, value_enum, hide = true)]
    pub cli_binary_format: Option<V2BinaryFormat>,
    /// v2's error format: presign prints its own one-line errors
    #[arg(long, value_enum, hide = true)]
    pub cli_error_format: Option<V2ErrorFormat>,
}

/// `--output` of AWS CLI v2 (`awscli/data/cli.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum V2Output {
    /// A JSON document (v2's default)
    Json,
    /// Tab-separated text
    Text,
    /// A boxed table
    Table,
    /// A YAML document
    Yaml,
    /// YAML documents streamed as they come
    YamlStream,
    /// No output (a presign prints the URL all the same)
    Off,
}

/// `--color` of AWS CLI v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum V2Color {
    /// Colour always
    On,
    /// Colour never
    Off,
    /// Colour when stderr is a terminal
    Auto,
}

/// `--cli-binary-format` of AWS CLI v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum V2BinaryFormat {
    /// Blobs given and printed as base64 (v2's default)
    Base64,
    /// Blobs given raw, printed as base64 (v1's behaviour)
    RawInBase64Out,
}

/// `--cli-error-format` of AWS CLI v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum V2ErrorFormat {
    /// v2's original error messages, as text
    Legacy,
    /// Errors as a JSON document
    Json,
    /// Errors as a YAML document
    Yaml,
    /// Errors as tab-separated text
    Text,
    /// Errors as a boxed table
    Table,
    /// Errors with their details, as text
    Enhanced,
}

/// `presign post S3_URI ...`: a browser upload form.
#[derive(Debug, Args)]
pub struct PostArgs {
    /// Where uploads go: s3://BUCKET/KEY; a key ending in ${filename} takes
    /// the uploaded file's name
    #[arg(value_name = "S3_URI")]
    pub uri: String,

    /// The options every mode shares.
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
