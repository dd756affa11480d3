//! Many URLs in one run: URIs on the command line and `--from FILE` (or
//! standard input), streamed line by line. Every URL of a run shares one
//! signing time, one configuration and one derived key per region (and one
//! SigV4A key pair); the endpoint of the last bucket is kept, so listings
//! of one bucket resolve it once. A bad input is reported with its line (or
//! argument) number and the run goes on, unless `--fail-fast`; the exit
//! status is then that of the first failure.
//!
//! SigV4A URLs (multi-region and Outposts access points) cost an ECDSA
//! signature each, some fifty times a SigV4 URL. With more than one core
//! they are signed in parallel: from the first such URL on, outputs queue
//! in input order, the signatures of a chunk are computed on every core
//! (std scoped threads), and the chunk is written in order; a chunk ends
//! when it is full, when the input would block (so that a slow producer
//! still sees its URLs at once) and at the end. SigV4 URLs before the first
//! SigV4A one are written as they come, exactly as without the queue.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};

use time::OffsetDateTime;

use super::diagnostic::{self, DEBUG, ERROR, WARNING};
use super::invocation::{Inputs, Source, UrlRun};
use super::operation::{Method, Operation};
use super::output::CurlBody;
use super::{Context, Lifetime, Prepared, UrlOutput, output};
use crate::endpoint::Target;
use crate::error::{Error, Result};
use crate::escape::for_terminal;
use crate::presign::{Expiry, ObjectRequest, Presigner, SessionUse};
use crate::secret::redact;
use crate::sign::{AuthScheme, Pending, Trace, v2};
use crate::system::System;

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The longest input line read whole. An S3 key is at most 1,024 bytes of
/// UTF-8, so `s3://` + a bucket (63) or access point ARN (~100) + `/` + a
/// key is well under 2 KiB; 64 KiB leaves room for anything valid and still
/// bounds what one line can cost. Longer lines are reported and skipped.
pub(crate) const MAX_LINE: usize = 64 * 1024;

/// How many queued outputs make a chunk: enough work per core (about 30 ms
/// of signatures each on two cores) that starting threads costs nothing,
/// little enough memory (some 1 MiB).
const CHUNK: usize = 2048;

/// Everything a run needs to presign one input after another.
pub(crate) struct UrlJob<'s> {
    /// For CreateSession calls (directory buckets).
    sys: &'s dyn System,
    /// `--strict`: a URL that outlives its S3 Express session fails.
    strict: bool,
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
    /// `--part-size`, for the printed command of a part upload.
    part_size: u64,
    /// Whether the warning that the endpoint URL goes unused was given.
    warned_endpoint: bool,
    url: String,
    text: String,
}

/// One input's output, waiting in the queue for its turn.
enum Item {
    /// The text to write.
    Ready(String),
    /// A SigV4A URL ending in `X-Amz-Signature=`, the digest its signature
    /// signs, and what its output names.
    Unsigned {
        url: String,
        digest: [u8; 32],
        bucket: String,
        key: String,
    },
    /// A failed input and its label (`line 7`).
    Failed { error: Error, label: String },
}

impl<'s> UrlJob<'s> {
    pub(crate) fn new(run: &UrlRun, prepared: Prepared, sys: &'s dyn System) -> Self {
        UrlJob {
            sys,
            strict: run.signing.strict,
            output: run.format,
            part_size: run.part_size,
            debug: run.signing.debug,
            needs_key: run.inputs.needs_key,
            op: run.op.clone(),
            presigner: prepared.presigner,
            expires: prepared.expires,
            expires_at: prepared.expires_at,
            target: None,
            sigv2_headers: v2::client_headers(&run.op.headers),
            warned_endpoint: false,
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
                "{DEBUG} addressing: {} ({}), host {}, auth {}",
                if target.virtual_hosted {
                    "virtual-hosted"
                } else {
                    "path-style"
                },
                target.origin,
                target.host,
                target.auth
            );
        }
        if target.ignored_endpoint && !self.warned_endpoint {
            self.warned_endpoint = true;
            let _ = writeln!(
                err,
                "{WARNING} the endpoint URL is not used for multi-region access points: as in AWS CLI v2, they go to {}",
                target.origin
            );
        }
        self.target = Some((bucket.to_owned(), target));
        Ok(())
    }

    /// A directory bucket's URLs are signed with an S3 Express session:
    /// CreateSession once per bucket and run, its session kept for the
    /// bucket's later URLs. A session that ends before the URL would is
    /// warned about when it is made (refused under `--strict`), as other
    /// temporary credentials are.
    fn express_session(&mut self, bucket: &str, err: &mut dyn Write) -> Result<()> {
        let Some((_, target)) = &self.target else {
            return Ok(());
        };
        let used = self.presigner.express_session(self.sys, bucket, target)?;
        let (expires, created) = match &used {
            SessionUse::NotNeeded => return Ok(()),
            SessionUse::Created { url, expires } => {
                if self.debug {
                    let _ = writeln!(
                        err,
                        "{DEBUG} S3 Express: CreateSession for directory bucket {} at {}: session until {}",
                        for_terminal(bucket),
                        for_terminal(url),
                        expires.map_or_else(|| "(no expiry given)".to_owned(), rfc3339)
                    );
                }
                (*expires, true)
            }
            SessionUse::Reused { expires } => {
                if self.debug {
                    let _ = writeln!(
                        err,
                        "{DEBUG} S3 Express: reusing the session of directory bucket {} (until {})",
                        for_terminal(bucket),
                        expires.map_or_else(|| "(no expiry given)".to_owned(), rfc3339)
                    );
                }
                (*expires, false)
            }
        };
        let Some(expiration) = expires else {
            return Ok(());
        };
        let subject = format!(
            "the S3 Express session of directory bucket {}",
            for_terminal(bucket)
        );
        let lifetime = Lifetime {
            subject: &subject,
            plural: false,
            source: &subject,
            expiration,
        };
        // Warned about once per bucket: when its session is made.
        lifetime.check(
            self.presigner.clock(),
            self.presigner.time(),
            self.expires_at,
            self.strict,
            created.then_some(err),
        )
    }

    /// Signs one input into `self.url`; a SigV4A signature is left to the
    /// caller (the digest it signs is returned).
    fn sign(&mut self, bucket: &str, key: &str, err: &mut dyn Write) -> Result<Pending> {
        if self.needs_key {
            crate::uri::require_key(bucket, key)?;
        }
        self.resolve_target(bucket, err)?;
        self.express_session(bucket, err)?;
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
        let pending =
            self.presigner
                .presign_deferred(target, &request, &mut self.url, wants_trace)?;
        if self.debug && !trace.string_to_sign.is_empty() {
            self.print_trace(bucket, &trace, err);
        }
        Ok(pending)
    }

    /// Whether the current target is signed with SigV2.
    fn sigv2(&self) -> bool {
        self.target
            .as_ref()
            .is_some_and(|(_, t)| t.auth == AuthScheme::SigV2)
    }

    /// The output of `url` (complete) into `self.text`. A SigV2 URL carries
    /// the x-amz-* headers in its query, as botocore puts them; the client
    /// sends only the others.
    fn render(&mut self, bucket: &str, key: &str, url: &str, sigv2: bool) {
        self.text.clear();
        let headers = if sigv2 {
            &self.sigv2_headers
        } else {
            &self.op.headers
        };
        match self.output {
            UrlOutput::Url => {
                self.text.push_str(url);
                self.text.push('\n');
            }
            UrlOutput::Json => output::url_json(
                &mut self.text,
                bucket,
                key,
                url,
                self.op.method,
                headers,
                self.expires_at,
            ),
            UrlOutput::Curl => {
                let body = self.curl_body(key);
                output::url_curl(&mut self.text, url, self.op.method, headers, key, body);
            }
        }
    }

    /// Presigns one input and writes its output line.
    pub(crate) fn one(
        &mut self,
        bucket: &str,
        key: &str,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<()> {
        if let Pending::Ecdsa(digest) = self.sign(bucket, key, err)? {
            let pair = self.presigner.v4a_key().expect("derived for a SigV4A URL");
            pair.sign_digest_into(&digest, &mut self.url);
        }
        self.write_current(bucket, key, out)
    }

    /// Writes the output of the complete URL in `self.url`.
    fn write_current(&mut self, bucket: &str, key: &str, out: &mut dyn Write) -> Result<()> {
        if self.output == UrlOutput::Url {
            // The URL and its newline straight from the URL buffer.
            self.url.push('\n');
            out.write_all(self.url.as_bytes())?;
            return Ok(());
        }
        let url = std::mem::take(&mut self.url);
        let sigv2 = self.sigv2();
        self.render(bucket, key, &url, sigv2);
        self.url = url;
        out.write_all(self.text.as_bytes())?;
        Ok(())
    }

    /// What the printed curl command of `key` sends.
    fn curl_body(&self, key: &str) -> CurlBody {
        let param = |name: &str| {
            self.op
                .params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        match (self.op.method, param("partNumber"), param("uploadId")) {
            (Method::Put, Some(n), _) => CurlBody::Part {
                // Operation::build checked it: 1 to 10000.
                number: n.parse().unwrap_or(1),
                size: self.part_size,
            },
            (Method::Post, None, Some(_)) => CurlBody::CompleteParts,
            _ if self.op.uploads_body(!key.is_empty()) => CurlBody::File,
            _ => CurlBody::None,
        }
    }

    /// `--debug`: what was signed, with the session token left out (the URL
    /// has to carry it; the log does not).
    fn print_trace(&self, bucket: &str, trace: &Trace, err: &mut dyn Write) {
        let express = self
            .target
            .as_ref()
            .is_some_and(|(_, t)| t.s3express_session());
        let credentials = if express {
            self.presigner.express_credentials(bucket)
        } else {
            self.presigner.credentials()
        };
        let token = credentials
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

/// The inputs of a run, presigned in order: one at a time, or, once a SigV4A
/// URL comes and several cores can sign, queued in chunks whose signatures
/// are computed in parallel.
pub(crate) struct Batch<'a, 's> {
    job: &'a mut UrlJob<'s>,
    failures: &'a mut Failures,
    /// Threads to sign a chunk on; 1 signs each URL as it comes.
    threads: usize,
    queue: Vec<Item>,
}

impl<'a, 's> Batch<'a, 's> {
    pub(crate) fn new(job: &'a mut UrlJob<'s>, failures: &'a mut Failures) -> Self {
        // `--debug` interleaves each URL's trace with its errors: in order,
        // one at a time.
        let threads = if job.debug {
            1
        } else {
            std::thread::available_parallelism().map_or(1, usize::from)
        };
        Batch {
            job,
            failures,
            threads,
            queue: Vec::new(),
        }
    }

    /// Presigns one input; `Ok(true)` means stop now (`--fail-fast` after a
    /// failure). The label names the input in an error (`line 7`).
    pub(crate) fn submit(
        &mut self,
        bucket: &str,
        key: &str,
        label: &dyn Fn() -> String,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<bool> {
        if self.threads == 1 {
            let outcome = self.job.one(bucket, key, out, err);
            return self.failures.record(outcome, &label(), err);
        }
        let signed = self.job.sign(bucket, key, err);
        match signed {
            Ok(Pending::Done) if self.queue.is_empty() => {
                let outcome = self.job.write_current(bucket, key, out);
                return self.failures.record(outcome, &label(), err);
            }
            Ok(Pending::Done) => {
                let url = std::mem::take(&mut self.job.url);
                let sigv2 = self.job.sigv2();
                self.job.render(bucket, key, &url, sigv2);
                self.job.url = url;
                self.queue.push(Item::Ready(self.job.text.clone()));
            }
            Ok(Pending::Ecdsa(digest)) => self.queue.push(Item::Unsigned {
                url: self.job.url.clone(),
                digest,
                bucket: bucket.to_owned(),
                key: key.to_owned(),
            }),
            Err(error) if self.queue.is_empty() => {
                return self.failures.record(Err(error), &label(), err);
            }
            Err(error) => self.queue.push(Item::Failed {
                error,
                label: label(),
            }),
        }
        if self.queue.len() >= CHUNK {
            return self.flush(out, err);
        }
        Ok(false)
    }

    /// Reports an input that could not be read, in its turn.
    pub(crate) fn submit_failure(
        &mut self,
        error: Error,
        label: &dyn Fn() -> String,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<bool> {
        if self.queue.is_empty() {
            return self.failures.record(Err(error), &label(), err);
        }
        self.queue.push(Item::Failed {
            error,
            label: label(),
        });
        if self.queue.len() >= CHUNK {
            return self.flush(out, err);
        }
        Ok(false)
    }

    /// Signs the queued SigV4A URLs on every core and writes the queue in
    /// order; `Ok(true)` means stop now (`--fail-fast`).
    pub(crate) fn flush(&mut self, out: &mut dyn Write, err: &mut dyn Write) -> Result<bool> {
        if self.queue.is_empty() {
            return Ok(false);
        }
        if let Some(pair) = self.job.presigner.v4a_key() {
            let mut unsigned: Vec<(&mut String, &[u8; 32])> = self
                .queue
                .iter_mut()
                .filter_map(|item| match item {
                    Item::Unsigned { url, digest, .. } => Some((url, &*digest)),
                    _ => None,
                })
                .collect();
            let share = unsigned.len().div_ceil(self.threads).max(1);
            std::thread::scope(|scope| {
                let mut chunks = unsigned.chunks_mut(share);
                let mine = chunks.next();
                for chunk in chunks {
                    scope.spawn(move || {
                        for (url, digest) in chunk {
                            pair.sign_digest_into(digest, url);
                        }
                    });
                }
                for (url, digest) in mine.into_iter().flatten() {
                    pair.sign_digest_into(digest, url);
                }
            });
        }
        let mut stop = Ok(false);
        for item in std::mem::take(&mut self.queue) {
            let outcome = match item {
                Item::Ready(text) => out.write_all(text.as_bytes()).map_err(Error::from),
                Item::Unsigned {
                    url, bucket, key, ..
                } => {
                    self.job.render(&bucket, &key, &url, false);
                    out.write_all(self.job.text.as_bytes()).map_err(Error::from)
                }
                Item::Failed { error, label } => {
                    stop = self.failures.record(Err(error), &label, err);
                    if !matches!(stop, Ok(false)) {
                        break;
                    }
                    continue;
                }
            };
            outcome?;
        }
        stop
    }
}

/// Failures of a run with several inputs.
pub(crate) struct Failures {
    fail_fast: bool,
    first_status: Option<i32>,
}

impl Failures {
    pub(crate) fn new(fail_fast: bool) -> Self {
        Failures {
            fail_fast,
            first_status: None,
        }
    }

    /// Reports a failed input; `Ok(true)` means stop now.
    pub(crate) fn record(
        &mut self,
        outcome: Result<()>,
        label: &str,
        err: &mut dyn Write,
    ) -> Result<bool> {
        match outcome {
            Ok(()) => Ok(false),
            // Output errors end the run whole; so do configuration and
            // credential errors (status 253), which every further input
            // would only repeat: they are reported once, by the caller.
            Err(e @ Error::Output(_)) => Err(e),
            Err(e) if e.exit_code() == crate::error::EXIT_CONFIG => Err(e),
            Err(e) => {
                let _ = writeln!(err, "{ERROR} {label}: {}", diagnostic::message(&e));
                self.first_status.get_or_insert(e.exit_code());
                Ok(self.fail_fast)
            }
        }
    }

    /// 0, or the status of the first failure.
    pub(crate) fn status(&self) -> i32 {
        self.first_status.unwrap_or(0)
    }
}

/// Presigns every line of `from` (`-` is standard input), flushing the
/// output whenever the input has nothing more buffered, so a slow producer
/// sees its URLs at once.
pub(crate) fn stream(
    batch: &mut Batch,
    inputs: &Inputs,
    from: &Source,
    cx: &mut Context,
) -> Result<()> {
    // AWS CLI v2 gives 252 for a file argument it cannot read (its
    // `file://` parameters fail as "Error parsing parameter ... Unable to
    // load paramfile ..."), so --from does too, in one line naming the file.
    let cannot_read = |e: &dyn std::fmt::Display| {
        let name = match from {
            Source::Stdin => "-",
            Source::File(name) => name,
        };
        Error::Usage(format!(
            "cannot read --from {}: {e} (give a readable file, or '-' for standard input)",
            name.escape_debug()
        ))
    };
    let source: Box<dyn BufRead + '_> = match from {
        Source::Stdin => Box::new(&mut *cx.stdin),
        Source::File(name) => {
            let file = File::open(name).map_err(|e| cannot_read(&e))?;
            // Linux opens a directory for reading and fails only at the
            // first read ("Is a directory", formerly status 255); say so up
            // front.
            if file.metadata().is_ok_and(|m| m.is_dir()) {
                return Err(cannot_read(&"it is a directory"));
            }
            Box::new(BufReader::with_capacity(64 * 1024, file))
        }
    };
    let (out, err) = (&mut *cx.out, &mut *cx.err);
    let mut reader = LineReader::new(source, MAX_LINE);
    loop {
        if !reader.buffered() {
            if batch.flush(out, err)? {
                return Ok(());
            }
            out.flush()?;
        }
        // The number of the line about to be read (next_line counts it).
        let number = reader.number() + 1;
        let line = match reader.next_line().map_err(|e| cannot_read(&e))? {
            None => return batch.flush(out, err).map(|_| ()),
            Some(line) => line,
        };
        let label = || format!("line {number}");
        let stop = match line {
            Line::TooLong => batch.submit_failure(
                Error::InvalidUri(format!(
                    "longer than {MAX_LINE} bytes, skipped (S3 keys are at most 1024 bytes)"
                )),
                &label,
                out,
                err,
            )?,
            Line::Text([]) => continue,
            Line::Text(text) => match std::str::from_utf8(text) {
                Ok(text) => {
                    let (bucket, key) = inputs.split(text);
                    batch.submit(bucket, key, &label, out, err)?
                }
                Err(_) => batch.submit_failure(
                    Error::InvalidUri("not UTF-8 text, skipped (S3 keys are UTF-8)".to_owned()),
                    &label,
                    out,
                    err,
                )?,
            },
        };
        if stop {
            return Ok(());
        }
    }
}

/// One line of [`LineReader`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line<'a> {
    /// The line without its `\n` or `\r\n` (nor, on line 1, a UTF-8 BOM).
    Text(&'a [u8]),
    /// The line had more bytes than the reader's limit; they were read and
    /// dropped, never held.
    TooLong,
}

/// Reads lines with memory bounded by a limit, however long a line is: the
/// bytes of an over-long line are consumed from the reader's buffer as they
/// come and thrown away up to the next newline (`BufRead::read_until` would
/// hold it whole: 1 GB for a 1 GB line, and `/dev/zero` until the allocator
/// gives up). Input with no newline at all is still read to its end, in
/// constant memory.
///
/// A UTF-8 byte order mark at the very start is dropped (Windows editors
/// write one; it would otherwise become part of the first bucket name).
pub(crate) struct LineReader<R> {
    inner: R,
    line: Vec<u8>,
    max: usize,
    number: u64,
    buffered: bool,
}

impl<R: BufRead> LineReader<R> {
    /// A reader of lines of at most `max` bytes before the newline.
    pub(crate) fn new(inner: R, max: usize) -> Self {
        LineReader {
            inner,
            line: Vec::with_capacity(max.min(1024)),
            max,
            number: 0,
            buffered: false,
        }
    }

    /// The number of the line last returned (1 for the first).
    pub(crate) fn number(&self) -> u64 {
        self.number
    }

    /// Whether the next line may be had without waiting: the input's buffer
    /// held more after the last line (callers flush their output otherwise,
    /// so that a slow producer sees its answers at once).
    pub(crate) fn buffered(&self) -> bool {
        self.buffered
    }

    /// The next line, or `None` at the end of the input.
    pub(crate) fn next_line(&mut self) -> std::io::Result<Option<Line<'_>>> {
        self.line.clear();
        let mut read_any = false;
        let mut too_long = false;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                self.buffered = false;
                break;
            }
            read_any = true;
            let newline = chunk.iter().position(|&b| b == b'\n');
            let used = newline.map_or(chunk.len(), |at| at + 1);
            let content = newline.unwrap_or(chunk.len());
            if !too_long && self.line.len() + content <= self.max {
                self.line.extend_from_slice(&chunk[..used]);
            } else {
                too_long = true;
            }
            self.buffered = used < chunk.len();
            self.inner.consume(used);
            if newline.is_some() {
                break;
            }
        }
        if !read_any {
            return Ok(None);
        }
        self.number += 1;
        if too_long {
            self.line.clear();
            return Ok(Some(Line::TooLong));
        }
        let mut text = &self.line[..];
        text = text.strip_suffix(b"\n").unwrap_or(text);
        text = text.strip_suffix(b"\r").unwrap_or(text);
        if self.number == 1 {
            text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        }
        Ok(Some(Line::Text(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize, buffer: usize) -> Vec<(u64, Option<Vec<u8>>)> {
        let mut reader = LineReader::new(BufReader::with_capacity(buffer, input), max);
        let mut all = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            let text = match line {
                Line::Text(t) => Some(t.to_vec()),
                Line::TooLong => None,
            };
            all.push((reader.number(), text));
        }
        all
    }

    #[test]
    fn over_long_lines_are_dropped_and_counted_across_buffer_refills() {
        let mut input = vec![b'a'; 100];
        input.extend_from_slice(b"\nok\r\n");
        input.extend_from_slice(&[b'b'; 11]);
        input.extend_from_slice(b"\n0123456789\nlast");
        for buffer in [1, 3, 8, 64 * 1024] {
            assert_eq!(
                lines(&input, 10, buffer),
                vec![
                    (1, None),
                    (2, Some(b"ok".to_vec())),
                    (3, None),
                    (4, Some(b"0123456789".to_vec())),
                    (5, Some(b"last".to_vec())),
                ],
                "buffer {buffer}"
            );
        }
    }

    #[test]
    fn a_bom_is_dropped_from_the_first_line_only() {
        let input = b"\xEF\xBB\xBFs3://b/k\n\xEF\xBB\xBFs3://b/k\n";
        assert_eq!(
            lines(input, 100, 2),
            vec![
                (1, Some(b"s3://b/k".to_vec())),
                (2, Some(b"\xEF\xBB\xBFs3://b/k".to_vec())),
            ]
        );
    }

    #[test]
    fn memory_stays_bounded_on_a_line_without_end() {
        let endless = std::io::Read::take(std::io::repeat(b'z'), 50 << 20);
        let mut reader = LineReader::new(BufReader::with_capacity(4096, endless), 1000);
        assert_eq!(reader.next_line().unwrap(), Some(Line::TooLong));
        assert!(
            reader.line.capacity() <= 2 * 4096,
            "{}",
            reader.line.capacity()
        );
        assert_eq!(reader.next_line().unwrap(), None);
    }
}
