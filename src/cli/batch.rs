//! Many URLs in one run: URIs on the command line and `--from FILE` (or
//! standard input), streamed line by line. Every URL of a run shares one
//! signing time, one configuration and one derived key per region; the
//! endpoint of the last bucket is kept, so listings of one bucket resolve it
//! once. A bad input is reported with its line (or argument) number and the
//! run goes on, unless `--fail-fast`; the exit status is then that of the
//! first failure.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};

use time::OffsetDateTime;

use super::diagnostic::{DEBUG, ERROR};
use super::{Prepared, UrlArgs, UrlOutput, needs_key, output, parse_input};
use crate::endpoint::Target;
use crate::error::{Error, Result};
use crate::operation::Operation;
use crate::presign::{Expiry, ObjectRequest, Presigner};
use crate::secret::redact;
use crate::sign::{Trace, v2};

/// The longest input line read whole (S3 keys are at most 1,024 bytes).
const MAX_LINE: u64 = 64 * 1024;

/// Everything a run needs to presign one input after another.
pub struct UrlJob {
    output: UrlOutput,
    debug: bool,
    needs_key: bool,
    op: Operation,
    presigner: Presigner,
    expires: Expiry,
    expires_at: OffsetDateTime,
    target: Option<(String, Target)>,
    /// The headers a client of a SigV2 URL sends (not the x-amz-* ones).
    sigv2_headers: Vec<(String, String)>,
    url: String,
    text: String,
}

impl UrlJob {
    pub fn new(args: &UrlArgs, op: Operation, prepared: Prepared) -> Self {
        let expires_at = prepared.time + time::Duration::seconds(prepared.expires.seconds().into());
        let sigv2_headers = v2::client_headers(&op.headers);
        UrlJob {
            output: args.output,
            debug: args.common.debug,
            needs_key: needs_key(args),
            op,
            presigner: prepared.presigner,
            expires: prepared.expires,
            expires_at,
            target: None,
            sigv2_headers,
            url: String::with_capacity(1024),
            text: String::with_capacity(1024),
        }
    }

    /// Resolves the endpoint of `bucket` unless it is the one of the last
    /// input.
    fn resolve_target(&mut self, bucket: &str, err: &mut dyn Write) -> Result<()> {
        if self.target.as_ref().is_some_and(|(b, _)| b == bucket) {
            return Ok(());
        }
        let target = self.presigner.target(bucket)?;
        if self.debug {
            let _ = writeln!(
                err,
                "{DEBUG} addressing: {} ({}), host {}, scope region {}",
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
        self.target = Some((bucket.to_owned(), target));
        Ok(())
    }

    /// Presigns one input and writes its output line.
    pub fn one(
        &mut self,
        bucket: &str,
        key: &str,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<()> {
        if self.needs_key {
            crate::uri::require_key(bucket, key)?;
        }
        self.resolve_target(bucket, err)?;
        let Some((_, target)) = &self.target else {
            unreachable!("resolve_target sets the target");
        };
        let request = ObjectRequest {
            method: self.op.method.as_str(),
            bucket,
            key,
            params: &self.op.params,
            headers: &self.op.headers,
            expires: self.expires,
        };
        self.url.clear();
        let mut trace = Trace::default();
        let wants_trace = self.debug.then_some(&mut trace);
        self.presigner
            .presign_into(target, &request, &mut self.url, wants_trace)?;
        if self.debug && !trace.string_to_sign.is_empty() {
            self.print_trace(&trace, err);
        }
        self.text.clear();
        // A SigV2 URL carries the x-amz-* headers in its query, as botocore
        // puts them; the client sends only the others.
        let headers = if self.presigner.is_sigv2() {
            &self.sigv2_headers
        } else {
            &self.op.headers
        };
        let text = match self.output {
            UrlOutput::Url => {
                self.url.push('\n');
                &self.url
            }
            UrlOutput::Json => {
                output::url_json(
                    &mut self.text,
                    bucket,
                    key,
                    &self.url,
                    self.op.method,
                    headers,
                    self.expires_at,
                );
                &self.text
            }
            UrlOutput::Curl => {
                output::url_curl(
                    &mut self.text,
                    &self.url,
                    self.op.method,
                    headers,
                    key,
                    self.op.uploads_body(!key.is_empty()),
                );
                &self.text
            }
        };
        out.write_all(text.as_bytes())?;
        Ok(())
    }

    /// `--debug`: what was signed, with the session token left out (the URL
    /// has to carry it; the log does not).
    fn print_trace(&self, trace: &Trace, err: &mut dyn Write) {
        let token = self
            .presigner
            .credentials()
            .and_then(|c| c.session_token.as_ref())
            .map_or("", |t| t.expose());
        if !trace.canonical_request.is_empty() {
            let canonical = redact(&trace.canonical_request, token);
            let _ = writeln!(err, "{DEBUG} canonical request:\n{canonical}");
        }
        let _ = writeln!(
            err,
            "{DEBUG} string to sign:\n{}",
            redact(&trace.string_to_sign, token)
        );
    }
}

/// Failures of a run with several inputs.
pub struct Failures {
    fail_fast: bool,
    first_status: Option<i32>,
}

impl Failures {
    pub fn new(fail_fast: bool) -> Self {
        Failures {
            fail_fast,
            first_status: None,
        }
    }

    /// Reports a failed input; `Ok(true)` means stop now. Output errors end
    /// the run whole.
    pub fn record(
        &mut self,
        outcome: Result<()>,
        label: &str,
        err: &mut dyn Write,
    ) -> Result<bool> {
        match outcome {
            Ok(()) => Ok(false),
            Err(e @ Error::Output(_)) => Err(e),
            Err(e) => {
                let _ = writeln!(err, "{ERROR} {label}: {e}");
                self.first_status.get_or_insert(e.exit_code());
                Ok(self.fail_fast)
            }
        }
    }

    /// 0, or the status of the first failure.
    pub fn status(&self) -> i32 {
        self.first_status.unwrap_or(0)
    }
}

/// Presigns every line of `from` (`-` is standard input), flushing the
/// output whenever the input has nothing more buffered, so a slow producer
/// sees its URLs at once.
pub fn stream(
    job: &mut UrlJob,
    args: &UrlArgs,
    from: &str,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
    failures: &mut Failures,
) -> Result<()> {
    let source: Box<dyn Read + '_> = if from == "-" {
        Box::new(stdin)
    } else {
        Box::new(
            File::open(from)
                .map_err(|e| Error::Usage(format!("cannot read --from {from}: {e}")))?,
        )
    };
    let mut reader = BufReader::with_capacity(64 * 1024, source);
    let mut line: Vec<u8> = Vec::with_capacity(1024);
    let mut number = 0u64;
    loop {
        if reader.buffer().is_empty() {
            out.flush()?;
        }
        line.clear();
        let read = (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        let complete = line.ends_with(b"\n");
        if !complete && read as u64 == MAX_LINE {
            // Skip the rest of an over-long line.
            let mut rest = Vec::new();
            reader.read_until(b'\n', &mut rest)?;
            let outcome = Err(Error::InvalidUri(format!(
                "longer than {MAX_LINE} bytes (S3 keys are at most 1024)"
            )));
            if failures.record(outcome, &format!("line {number}"), err)? {
                return Ok(());
            }
            continue;
        }
        let mut text = &line[..];
        text = text.strip_suffix(b"\n").unwrap_or(text);
        text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.is_empty() {
            continue;
        }
        let outcome = match std::str::from_utf8(text) {
            Ok(text) => {
                let (bucket, key) = parse_input(args, text);
                job.one(bucket, key, out, err)
            }
            Err(_) => Err(Error::InvalidUri("not UTF-8 text".to_owned())),
        };
        if failures.record(outcome, &format!("line {number}"), err)? {
            return Ok(());
        }
    }
}
