//! The command line. `presign S3_URI [options]` behaves as `aws s3 presign`
//! of AWS CLI v2 (`awscli/customizations/s3/subcommands.py`, `PresignCommand`) and adds the other requests people
//! hand out links for (`--method`, signed headers, response overrides,
//! multipart); `presign post S3_URI` signs a browser upload form.
//!
//! This is the only layer that touches the real environment, clock and
//! streams; [`run`] takes them as arguments so that tests can drive it whole.

#[doc(hidden)]
pub mod args;
mod argv;
mod batch;
mod diagnostic;
mod form;
mod inspect;
mod invocation;
mod operation;
mod output;

use args::{Cli, InspectOutput, PostOutput, SignatureVersion, UrlOutput};

use std::ffi::OsString;
use std::io::{self, BufRead, BufWriter, Write};

use clap::{CommandFactory, FromArgMatches};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::{self, Resolved};
use crate::error::{EXIT_OTHER, EXIT_USAGE, Error, Result};
use crate::escape::for_terminal;
use crate::presign::{Expiry, Presigner};
use crate::system::{OsSystem, System};
use args::EXAMPLES;
use diagnostic::{DEBUG, ERROR, WARNING};
use invocation::{Invocation, ManPage, PostRun, Signing, UrlRun};

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
                let _ = writeln!(stderr, "{ERROR} {}", diagnostic::message(&e));
                return e.exit_code();
            }
        };
        // A panic on demand, to test the panic hook through the binary
        // (tests/it/cli.rs); compiled into debug builds only.
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
    let invocation = match parse(args.into_iter().map(Into::into).collect()) {
        Ok(invocation) => invocation,
        Err(Parse::Clap(e)) => return clap_error(e, out, err),
        Err(Parse::Presign(e)) => {
            let _ = writeln!(err, "{ERROR} {}", diagnostic::message(&e));
            return e.exit_code();
        }
    };
    let mut out = BufWriter::with_capacity(64 * 1024, out);
    let mut cx = Context {
        sys,
        now,
        stdin,
        out: &mut out,
        err,
    };
    let mut written_status = None;
    let outcome = match &invocation {
        Invocation::Url(run) => execute_url(run, &mut cx, &mut written_status),
        Invocation::Post(run) => execute_post(run, &mut cx),
        Invocation::Inspect(run) => inspect::execute(run, &mut cx),
        Invocation::Completions(shell) => {
            // clap_complete panics when its writer fails; it writes to
            // memory here, and only the copy to stdout can fail.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "presign", &mut script);
            cx.out.write_all(&script).map(|()| 0).map_err(Error::from)
        }
        Invocation::Man(page) => man_page(*page, cx.out),
    };
    let err = cx.err;
    // Only `inspect` reads (standard input) in these modes; in the others an
    // Output error is a write that failed.
    if written_status.is_none()
        && matches!(outcome, Err(Error::Output(_)))
        && !invocation.is_inspect()
    {
        written_status = Some(0);
    }
    match outcome {
        Ok(status) => match cx.out.flush() {
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
            let _ = writeln!(err, "{ERROR} {}", diagnostic::message(&e));
            e.exit_code()
        }
    }
}

/// What a mode works with: the system (environment, files, network), the
/// clock, and the streams.
pub(crate) struct Context<'a> {
    pub(crate) sys: &'a dyn System,
    pub(crate) now: OffsetDateTime,
    pub(crate) stdin: &'a mut dyn BufRead,
    pub(crate) out: &'a mut dyn Write,
    pub(crate) err: &'a mut dyn Write,
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
/// cannot express ([`Invocation::from_cli`]).
fn parse(args: Vec<OsString>) -> std::result::Result<Invocation, Parse> {
    let mut command = Cli::command();
    let names = long_names(&command, &args);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let args = argv::expand_prefixes(args, &names).map_err(Parse::Presign)?;
    let matches = command
        .try_get_matches_from_mut(args)
        .map_err(Parse::Clap)?;
    let cli = Cli::from_arg_matches(&matches).map_err(Parse::Clap)?;
    Invocation::from_cli(cli).map_err(Parse::Presign)
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

/// The roff man page of presign, or of one of its subcommands.
fn man_page(page: ManPage, out: &mut dyn Write) -> Result<i32> {
    let cli = Cli::command();
    let sub = |name: &str, page_name: &'static str| {
        cli.find_subcommand(name)
            .expect("a subcommand of the definition")
            .clone()
            .name(page_name)
    };
    let top = page == ManPage::Presign;
    let page = match page {
        ManPage::Presign => cli.clone(),
        ManPage::Post => sub("post", "presign-post"),
        ManPage::Inspect => sub("inspect", "presign-inspect"),
    };
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

fn prepare(
    signing: &Signing,
    sys: &dyn System,
    now: OffsetDateTime,
    err: &mut dyn Write,
) -> Result<Prepared> {
    let time = match signing.signing_time {
        Some(time) => time,
        None => crate::sign::utc_signing_time(now).ok_or_else(|| {
            Error::Usage(format!(
                "the clock says {}, outside the years {} to {} (set the clock or pass --signing-time)",
                now.year(),
                crate::sign::FIRST_YEAR,
                crate::sign::LAST_YEAR
            ))
        })?,
    };
    let overrides = &signing.overrides;
    let mut trail = Vec::new();
    let resolved = match config::resolve_traced(sys, overrides, now, &mut trail) {
        Ok(resolved) => resolved,
        Err(e) => {
            if signing.debug {
                for line in &trail {
                    let _ = writeln!(err, "{DEBUG} {}", for_terminal(line));
                }
            }
            return Err(e);
        }
    };
    let sigv2 = match signing.signature_version {
        Some(version) => version == SignatureVersion::S3,
        None => resolved.s3_signature_version.as_deref() == Some("s3"),
    };
    let expires = if sigv2 {
        let expires = Expiry::parse_sigv2(&signing.expires_in)?;
        if expires.seconds() > crate::sign::MAX_EXPIRES {
            let _ = writeln!(
                err,
                "{WARNING} this SigV2 URL outlives a week ({} s); SigV2 allows that, SigV4 would not",
                expires.seconds()
            );
        }
        expires
    } else {
        Expiry::parse(&signing.expires_in)?
    };
    let expires_at = crate::sign::expiry_end(time, expires.seconds())
        .ok_or_else(|| crate::sign::time_out_of_range(time, expires.seconds()))?;
    check_expiry(&resolved, now, time, expires_at, signing.strict, err)?;
    if signing.debug {
        for line in &resolved.trail {
            let _ = writeln!(err, "{DEBUG} {}", for_terminal(line));
        }
    }
    let presigner = if signing.overrides.no_sign_request {
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
    let lifetime = Lifetime {
        subject: "the credentials",
        plural: true,
        source: &resolved.credentials_source,
        expiration,
    };
    lifetime.check(now, time, url_end, strict, Some(err))
}

/// Temporary credentials, or an S3 Express session, that a URL may outlive.
pub(crate) struct Lifetime<'a> {
    /// What ends, as the messages name it (`the credentials`).
    pub(crate) subject: &'a str,
    /// Whether `subject` takes a plural verb.
    pub(crate) plural: bool,
    /// Where the credentials came from, for the error when they have expired.
    pub(crate) source: &'a str,
    pub(crate) expiration: OffsetDateTime,
}

impl Lifetime<'_> {
    /// Fails when the credentials have expired at `now`, or under
    /// `--strict` when they end before the URL signed at `time` would at
    /// `url_end`; otherwise warns of that on `warn` (when given).
    pub(crate) fn check(
        &self,
        now: OffsetDateTime,
        time: OffsetDateTime,
        url_end: OffsetDateTime,
        strict: bool,
        warn: Option<&mut dyn Write>,
    ) -> Result<()> {
        let show = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        let (subject, expiration) = (self.subject, self.expiration);
        if expiration <= now {
            return Err(Error::ExpiredCredentials {
                source_name: self.source.to_owned(),
                at: show(expiration),
            });
        }
        if expiration >= url_end {
            return Ok(());
        }
        let (pronoun, verb) = if self.plural {
            ("they", "expire")
        } else {
            ("it", "expires")
        };
        if strict {
            let lifetime = (expiration - time).whole_seconds().max(0);
            return Err(Error::InvalidExpiry(format!(
                "the URL would outlive {subject} ({pronoun} {verb} at {}, the URL at {}): use --expires-in {lifetime} or less, or drop --strict",
                show(expiration),
                show(url_end)
            )));
        }
        if let Some(err) = warn {
            let _ = writeln!(
                err,
                "{WARNING} {subject} {verb} at {}, before the URL would ({}); the URL stops working then",
                show(expiration),
                show(url_end)
            );
        }
        Ok(())
    }
}

/// `written_status` is set when writing the output failed, to the status
/// the inputs had earned by then.
fn execute_url(run: &UrlRun, cx: &mut Context, written_status: &mut Option<i32>) -> Result<i32> {
    let prepared = prepare(&run.signing, cx.sys, cx.now, cx.err)?;
    let single = run.inputs.single();
    // Without credentials every URL of a batch would fail alike: say it
    // once, before any input is read (a --from list repeated it on every
    // line). One URI keeps AWS CLI's order: endpoint errors come first.
    if single.is_none()
        && !run.signing.overrides.no_sign_request
        && prepared.presigner.credentials().is_none()
    {
        return Err(Error::NoCredentials);
    }
    let mut job = batch::UrlJob::new(run, prepared, cx.sys);
    if let Some(one) = single {
        let (bucket, key) = run.inputs.split(one);
        let outcome = job.one(bucket, key, cx.out, cx.err);
        if let Err(Error::Output(_)) = &outcome {
            *written_status = Some(0);
        }
        return outcome.map(|()| 0);
    }
    let mut failures = batch::Failures::new(run.fail_fast);
    let mut batch = batch::Batch::new(&mut job, &mut failures);
    let outcome = (|| {
        for (i, text) in run.inputs.uris.iter().enumerate() {
            let (bucket, key) = run.inputs.split(text);
            if batch.submit(
                bucket,
                key,
                &|| format!("argument {}", i + 1),
                cx.out,
                cx.err,
            )? {
                return Ok(());
            }
        }
        match &run.inputs.from {
            Some(from) => batch::stream(&mut batch, &run.inputs, from, cx),
            None => batch.flush(cx.out, cx.err).map(|_| ()),
        }
    })();
    drop(batch);
    // Input errors are Usage errors (batch::stream), so an Output error
    // here is a write that failed; the status of earlier bad inputs stands.
    if let Err(Error::Output(_)) = &outcome {
        *written_status = Some(failures.status());
    }
    outcome.map(|()| failures.status())
}

fn execute_post(run: &PostRun, cx: &mut Context) -> Result<i32> {
    let mut prepared = prepare(&run.signing, cx.sys, cx.now, cx.err)?;
    let form = prepared.presigner.presign_post(
        &run.uri.bucket,
        &run.uri.key,
        prepared.expires,
        &run.spec,
    )?;
    let mut text = String::new();
    match run.format {
        PostOutput::Json => {
            text.push_str(&form.to_json().to_string());
            text.push('\n');
        }
        PostOutput::Curl => output::post_curl(&mut text, &form, &run.uri.key),
        PostOutput::Html => output::post_html(&mut text, &form),
    }
    cx.out.write_all(text.as_bytes())?;
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
