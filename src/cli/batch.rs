//! Many URLs in one run: URIs on the command line and `--from FILE` (or
//! standard input), streamed line by line. Every URL of a run shares one
//! signing time, one configuration and one derived key per region; the
//! endpoint of the last bucket is kept, so listings of one bucket resolve it
//! once. A bad input is reported with its line (or argument) number and the
//! run goes on, unless `--fail-fast`; the exit status is then that of the
//! first failure.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};

use time::OffsetDateTime;

use super::diagnostic::{DEBUG, ERROR};
use super::output::CurlBody;
use super::{Prepared, UrlArgs, UrlOutput, needs_key, output, parse_input};
use crate::endpoint::Target;
use crate::error::{Error, Result};
use crate::escape::for_terminal;
use crate::operation::{Method, Operation};
use crate::presign::{Expiry, ObjectRequest, Presigner};
use crate::secret::redact;
use crate::sign::{Trace, v2};

/// The longest input line read whole. An S3 key is at most 1,024 bytes of
/// UTF-8, so `s3://` + a bucket (63) or access point ARN (~100) + `/` + a
/// key is well under 2 KiB; 64 KiB leaves room for anything valid and still
/// bounds what one line can cost. Longer lines are reported and skipped.
pub(crate) const MAX_LINE: usize = 64 * 1024;

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
    /// `--part-size`, for the printed command of a part upload.
    part_size: u64,
    url: String,
    text: String,
}

impl UrlJob {
    pub fn new(args: &UrlArgs, op: Operation, prepared: Prepared) -> Self {
        let sigv2_headers = v2::client_headers(&op.headers);
        UrlJob {
            output: args.output,
            part_size: args.part_size,
            debug: args.common.debug,
            needs_key: needs_key(args),
            op,
            presigner: prepared.presigner,
            expires: prepared.expires,
            expires_at: prepared.expires_at,
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
                let body = self.curl_body(key);
                output::url_curl(
                    &mut self.text,
                    &self.url,
                    self.op.method,
                    headers,
                    key,
                    body,
                );
                &self.text
            }
        };
        out.write_all(text.as_bytes())?;
        Ok(())
    }

    /// `--debug`: what was signed, with the session token left out (the URL
    /// has to carry it; the log does not).
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

    /// Reports a failed input; `Ok(true)` means stop now.
    pub fn record(
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
                let _ = writeln!(err, "{ERROR} {label}: {}", for_terminal(&e.to_string()));
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
    // AWS CLI v2 gives 252 for a file argument it cannot read (its
    // `file://` parameters fail as "Error parsing parameter ... Unable to
    // load paramfile ..."), so --from does too, in one line naming the file.
    let cannot_read = |e: &dyn std::fmt::Display| {
        Error::Usage(format!(
            "cannot read --from {}: {e} (give a readable file, or '-' for standard input)",
            from.escape_debug()
        ))
    };
    let source: Box<dyn BufRead + '_> = if from == "-" {
        Box::new(stdin)
    } else {
        let file = File::open(from).map_err(|e| cannot_read(&e))?;
        // Linux opens a directory for reading and fails only at the first
        // read ("Is a directory", formerly status 255); say so up front.
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(cannot_read(&"it is a directory"));
        }
        Box::new(BufReader::with_capacity(64 * 1024, file))
    };
    let mut reader = LineReader::new(source, MAX_LINE);
    loop {
        if !reader.buffered() {
            out.flush()?;
        }
        let line = match reader.next_line().map_err(|e| cannot_read(&e))? {
            None => return Ok(()),
            Some(line) => line,
        };
        let outcome = match line {
            Line::TooLong => Err(Error::InvalidUri(format!(
                "longer than {MAX_LINE} bytes, skipped (S3 keys are at most 1024 bytes)"
            ))),
            Line::Text([]) => continue,
            Line::Text(text) => match std::str::from_utf8(text) {
                Ok(text) => {
                    let (bucket, key) = parse_input(args, text);
                    job.one(bucket, key, out, err)
                }
                Err(_) => Err(Error::InvalidUri(
                    "not UTF-8 text, skipped (S3 keys are UTF-8)".to_owned(),
                )),
            },
        };
        let label = format!("line {}", reader.number());
        if failures.record(outcome, &label, err)? {
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
