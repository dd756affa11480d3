//! The command line: `presign S3_URI [options]`, which behaves as `aws s3
//! presign` of AWS CLI v2 (AWS-CLI-PRESIGN.md §1). This is the only layer
//! that touches the real environment, clock and streams; [`run`] takes them
//! as arguments so that tests can drive it whole.

use std::ffi::OsString;
use std::io::{self, Write};

use clap::Parser;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::{self, Overrides};
use crate::error::{EXIT_OTHER, EXIT_USAGE, Error, Result};
use crate::presign::{Expiry, ObjectRequest, Presigner};
use crate::sign::encode;
use crate::system::{OsSystem, System};
use crate::uri::S3Uri;

const EXAMPLES: &str = "\
Examples:
  # A download link valid for one hour, with the default profile
  presign s3://my-bucket/report.pdf

  # Ten minutes, another profile and region; fetch it at once
  curl -o report.pdf \"$(presign s3://my-bucket/report.pdf --expires-in 600 --profile prod --region eu-west-2)\"

  # Outscale OOS: let another account copy an exported machine image
  presign s3://BUCKET/OBJECT --profile P --expires-in 3600 --endpoint https://oos.eu-west-2.outscale.com

  # VK Cloud object storage
  presign s3://my-bucket/photo.jpg --region ru-msk --endpoint-url https://hb.ru-msk.vkcloud-storage.ru

Credentials and settings come from AWS_* variables and ~/.aws/{config,credentials},
with the precedence of AWS CLI v2. Exit status: 0 ok, 252 usage, 253 configuration
or credentials, 255 other.";

/// Make S3 pre-signed URLs, offline: `aws s3 presign`, exactly, and fast.
#[derive(Debug, Parser)]
#[command(name = "presign", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// The object to link to: s3://BUCKET/KEY (the s3:// may be left out)
    #[arg(value_name = "S3_URI")]
    pub uri: String,

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
}

/// Runs presign with the real process environment; returns the exit status.
pub fn main() -> i32 {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("presign: error: internal error{place} (please report this as a bug)");
    }));
    let outcome = std::panic::catch_unwind(|| {
        let stdout = io::stdout();
        let stderr = io::stderr();
        run(
            std::env::args_os(),
            &OsSystem,
            OffsetDateTime::now_utc(),
            &mut stdout.lock(),
            &mut stderr.lock(),
        )
    });
    outcome.unwrap_or(EXIT_OTHER)
}

/// Runs presign on `args` (the first is the program name) and returns the
/// exit status. Output goes to `out`, diagnostics to `err`.
pub fn run<I, T>(
    args: I,
    sys: &dyn System,
    now: OffsetDateTime,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return clap_error(e, out, err),
    };
    let mut text = String::new();
    let status = match execute(&cli, sys, now, &mut text, err) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "presign: error: {e}");
            return e.exit_code();
        }
    };
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => status,
        // A reader that went away (`presign ... | head -c0`) is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => status,
        Err(e) => {
            let _ = writeln!(err, "presign: error: cannot write the URL: {e}");
            EXIT_OTHER
        }
    }
}

/// Help and version go to stdout with status 0; every other parse error is
/// one line on stderr with status 252.
fn clap_error(e: clap::Error, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = write!(out, "{}", e.render());
            0
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
            let _ = writeln!(err, "presign: error: {message} (see 'presign --help')");
            EXIT_USAGE
        }
    }
}

fn execute(
    cli: &Cli,
    sys: &dyn System,
    now: OffsetDateTime,
    out: &mut String,
    err: &mut dyn Write,
) -> Result<()> {
    let expires = Expiry::parse(&cli.expires_in)?;
    let time = match &cli.signing_time {
        Some(text) => OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
            Error::Usage(format!(
                "--signing-time '{}' is not an RFC 3339 time such as 2026-01-02T03:04:05Z",
                text.escape_debug()
            ))
        })?,
        None => now,
    };
    let uri = S3Uri::parse(&cli.uri);
    uri.bucket_ref()?;
    let key = uri.require_key()?;

    let overrides = Overrides {
        profile: cli.profile.clone(),
        region: cli.region.clone(),
        endpoint_url: cli.endpoint_url.clone(),
        no_sign_request: cli.no_sign_request,
    };
    let resolved = config::resolve(sys, &overrides)?;
    if let Some(expiration) = resolved.credentials.as_ref().and_then(|c| c.expiration)
        && expiration <= now
    {
        return Err(Error::ExpiredCredentials {
            source_name: resolved.credentials_source.clone(),
            at: expiration.format(&Rfc3339).unwrap_or_default(),
        });
    }
    if cli.debug {
        for line in &resolved.trail {
            let _ = writeln!(err, "presign: debug: {line}");
        }
    }
    let mut presigner = if cli.no_sign_request {
        Presigner::unsigned(resolved.endpoint, time)
    } else {
        Presigner::new(resolved.endpoint, resolved.credentials, time)
    };
    let target = presigner.target(&uri.bucket)?;
    if cli.debug {
        let _ = writeln!(
            err,
            "presign: debug: addressing: {} ({}), host {}, scope region {}",
            if target.virtual_hosted {
                "virtual-hosted"
            } else {
                "path-style"
            },
            target.origin,
            target.host,
            target.signing_region
        );
    }
    let signed = presigner.presign_at(&target, &ObjectRequest::get(&uri.bucket, key, expires))?;
    if cli.debug && !signed.canonical_request.is_empty() {
        // The URL has to carry the session token; the debug log does not.
        let mut canonical = signed.canonical_request.clone();
        if let Some(token) = presigner
            .credentials()
            .and_then(|c| c.session_token.as_ref())
        {
            let mut encoded = String::new();
            encode::push_query(&mut encoded, token.expose());
            if !encoded.is_empty() {
                canonical = canonical.replace(&encoded, "(session token, redacted)");
            }
        }
        let _ = writeln!(err, "presign: debug: canonical request:\n{canonical}");
        let _ = writeln!(
            err,
            "presign: debug: string to sign:\n{}",
            signed.string_to_sign
        );
    }
    if let Some(expiration) = presigner.credentials().and_then(|c| c.expiration) {
        let url_end = time + time::Duration::seconds(expires.seconds().into());
        if expiration < url_end {
            let _ = writeln!(
                err,
                "presign: warning: the credentials expire at {}, before the URL would ({}); the URL stops working then",
                expiration.format(&Rfc3339).unwrap_or_default(),
                url_end.format(&Rfc3339).unwrap_or_default()
            );
        }
    }
    out.push_str(&signed.url);
    out.push('\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
