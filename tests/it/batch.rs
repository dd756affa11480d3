//! Batch mode through the real binary: several URIs, `--from FILE` and
//! standard input give, line for line, what one URI at a time gives; bad lines
//! are reported with their numbers while the run goes on; output streams; a
//! million lines keep memory flat.

use std::io::{BufRead, BufReader, Write};
use std::process::Output;
use std::time::{Duration, Instant};

use crate::support::{Presign, text};

const FROZEN: &str = "2026-01-02T03:04:05Z";

/// A batch run with the example keys, in eu-west-2, at the frozen time.
fn batch(args: &[&str]) -> Presign {
    Presign::new()
        .keys()
        .env("AWS_REGION", "eu-west-2")
        .args(args)
        .args(["--signing-time", FROZEN])
}

fn run(args: &[&str], stdin: &str) -> Output {
    batch(args).stdin(stdin).output()
}

const URIS: [&str; 8] = [
    "s3://bucket/key.txt",
    "s3://bucket/dir/a b+c~d=e&f.txt",
    "s3://other-bucket/ünïcødé/日本語.txt",
    "s3://my.dotted.bucket/x",
    "bucket/no-scheme",
    "s3://bucket//double//slash",
    "s3://bucket/100%25 sure%.txt",
    "s3://bucket/key.txt",
];

fn one_at_a_time(extra: &[&str]) -> Vec<String> {
    URIS.iter()
        .map(|uri| {
            let mut args = vec![*uri];
            args.extend(extra);
            let out = run(&args, "");
            assert!(out.status.success(), "{uri}: {}", text(&out.stderr));
            text(&out.stdout)
        })
        .collect()
}

#[test]
fn a_second_argument_that_is_not_an_s3_uri_is_refused_before_any_output() {
    for args in [
        &["s3://my-bucket/Q1", "reports/summary.pdf"][..],
        &["s3://b/k", "600"][..],
        &["s3://b/k", "--", "--expires-in", "60"][..],
    ] {
        let out = run(args, "");
        assert_eq!(out.status.code(), Some(252), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            text(&out.stderr).starts_with("presign: error: Unknown options: "),
            "{args:?}"
        );
    }
}

#[test]
fn arguments_file_and_stdin_equal_single_runs_line_for_line() {
    for extra in [
        &[][..],
        &["--method", "PUT", "--content-type", "text/plain"][..],
    ] {
        let singles = one_at_a_time(extra);
        let single = singles.concat();
        // Several arguments must each be an s3:// URI (AWS CLI v2 refuses a
        // second positional; presign takes more only in that form), so the
        // scheme-less line is left to --from.
        let mut args: Vec<&str> = URIS
            .iter()
            .copied()
            .filter(|u| u.starts_with("s3://"))
            .collect();
        args.extend(extra);
        let multi = run(&args, "");
        assert!(multi.status.success(), "{}", text(&multi.stderr));
        let with_scheme: String = URIS
            .iter()
            .zip(&singles)
            .filter(|(u, _)| u.starts_with("s3://"))
            .map(|(_, url)| url.as_str())
            .collect();
        assert_eq!(text(&multi.stdout), with_scheme);

        let listing = URIS.join("\n") + "\n";
        let mut args = vec!["--from", "-"];
        args.extend(extra);
        let piped = run(&args, &listing);
        assert_eq!(text(&piped.stdout), single);

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("list.txt");
        std::fs::write(&file, listing.replace('\n', "\r\n")).unwrap();
        let mut args = vec!["--from", file.to_str().unwrap()];
        args.extend(extra);
        let from_file = run(&args, "");
        assert_eq!(text(&from_file.stdout), single, "CRLF lines");
    }
}

#[test]
fn bare_keys_with_bucket() {
    let single = run(&["s3://bucket/a b.txt"], "");
    let keyed = run(&["--bucket", "bucket", "--from", "-"], "a b.txt\n");
    assert_eq!(keyed.stdout, single.stdout);
    let args = run(&["--bucket", "bucket", "a b.txt"], "");
    assert_eq!(args.stdout, single.stdout);
}

#[test]
fn bad_and_empty_lines() {
    let input = "s3://bucket/one\n\ns3://bad bucket/x\ns3://bucket\n\u{0}\ns3://bucket/two\n";
    let out = run(&["--from", "-"], input);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(252), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].contains("/one?") && lines[1].contains("/two?"));
    assert!(
        stderr.contains("presign: error: line 3: invalid bucket name"),
        "{stderr}"
    );
    assert!(stderr.contains("presign: error: line 4:"), "{stderr}");
    assert!(stderr.contains("presign: error: line 5:"), "{stderr}");
    assert_eq!(stderr.lines().count(), 3, "{stderr}");

    let out = run(&["--from", "-", "--fail-fast"], input);
    assert_eq!(out.status.code(), Some(252));
    assert_eq!(text(&out.stdout).lines().count(), 1);
    assert_eq!(text(&out.stderr).lines().count(), 1);

    let invalid_utf8 = run(&["--from", "-"], "s3://bucket/\u{fffd}ok\n");
    assert!(invalid_utf8.status.success());
    let mut child = batch(&["--from", "-"]).spawn();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"s3://bucket/\xff\xfe\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        text(&out.stderr).contains("line 1: not UTF-8"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn json_lines() {
    let out = run(
        &["--from", "-", "--format", "json"],
        "s3://bucket/a\ns3://bucket/b\n",
    );
    let docs: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[1]["uri"], "s3://bucket/b");
    assert_eq!(docs[1]["expires_at"], "2026-01-02T04:04:05Z");
    assert!(
        docs[1]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://bucket.s3.eu-west-2.amazonaws.com/b?")
    );
}

#[test]
fn missing_from_file_is_a_usage_error() {
    let out = run(&["--from", "/nonexistent/list.txt"], "");
    assert_eq!(out.status.code(), Some(252));
    assert!(text(&out.stderr).contains("cannot read --from /nonexistent/list.txt"));
}

#[test]
fn output_streams_before_input_ends() {
    let mut child = batch(&["--from", "-"]).spawn();
    let mut input = child.stdin.take().unwrap();
    input.write_all(b"s3://bucket/first\n").unwrap();
    input.flush().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        tx.send(line).unwrap();
    });
    // The input is still open: the first URL must arrive anyway.
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("no output while input stays open");
    assert!(first.contains("/first?"));
    drop(input);
    assert!(child.wait().unwrap().success());
}

/// Peak resident memory of a process, from /proc (Linux).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_million_lines_keep_memory_flat() {
    const LINES: usize = 1_000_000;
    let mut child = batch(&["--from", "-"]).spawn();
    let pid = child.id();
    let mut input = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let counter = std::thread::spawn(move || {
        let mut count = 0usize;
        let mut last = String::new();
        for line in BufReader::new(stdout).lines() {
            last = line.unwrap();
            count += 1;
        }
        (count, last)
    });
    let mut buffer = Vec::with_capacity(1 << 20);
    for i in 0..LINES {
        writeln!(buffer, "s3://bucket/logs/2026/11/23/part-{i:07}.json.gz").unwrap();
        if buffer.len() > (1 << 20) - 100 {
            input.write_all(&buffer).unwrap();
            buffer.clear();
        }
    }
    input.write_all(&buffer).unwrap();
    input.flush().unwrap();
    // Every line is written and the process still waits for more: its peak
    // so far is the peak of the run.
    let started = Instant::now();
    let mut peak = None;
    while started.elapsed() < Duration::from_millis(300) {
        peak = peak_rss_kib(pid).or(peak);
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(input);
    let status = child.wait().unwrap();
    let (count, last) = counter.join().unwrap();
    assert!(status.success());
    assert_eq!(count, LINES);
    assert!(last.contains("part-0999999.json.gz?"), "{last}");
    if cfg!(target_os = "linux") {
        let peak = peak.expect("VmHWM in /proc");
        assert!(peak < 10 * 1024, "peak RSS {peak} KiB for {LINES} lines");
    }
}

/// A 1 MiB line is reported with its number and skipped, and the line after
/// it still signs; the reader holds at most 64 KiB of it (the memory figures
/// for a 1 GB line are in the commit that bounded it).
#[test]
fn over_long_from_line_is_skipped_with_bounded_memory() {
    let single = run(&["s3://bucket/after"], "");
    let mut input = vec![b'a'; 1 << 20];
    input.extend_from_slice(b"\ns3://bucket/after\n");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("list.txt");
    std::fs::write(&file, &input).unwrap();
    for out in [
        batch(&["--from", "-"]).stdin(input.clone()).output(),
        batch(&["--from", file.to_str().unwrap()])
            .stdin("")
            .output(),
    ] {
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(252), "{stderr}");
        assert_eq!(out.stdout, single.stdout);
        assert!(
            stderr.starts_with("presign: error: line 1: longer than 65536 bytes, skipped"),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

#[test]
fn bom_is_stripped_from_first_from_line() {
    let single = run(&["s3://bucket/key.txt"], "");
    let out = run(&["--from", "-"], "\u{feff}s3://bucket/key.txt\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(out.stdout, single.stdout);
    // Only at the start of the input: later it is part of the text.
    let out = run(
        &["--bucket", "bucket", "--from", "-"],
        "key.txt\n\u{feff}key.txt\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let urls = text(&out.stdout);
    let urls: Vec<&str> = urls.lines().collect();
    assert!(urls[1].contains("/%EF%BB%BFkey.txt?"), "{urls:?}");
}

#[test]
fn from_directory_is_a_clear_error() {
    let dir = env!("CARGO_TARGET_TMPDIR");
    let out = run(&["--from", dir], "");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(252), "{stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr,
        format!(
            "presign: error: cannot read --from {dir}: it is a directory (give a readable file, or '-' for standard input)\n"
        )
    );
}

#[test]
fn invalid_utf8_from_line_is_reported_and_skipped() {
    let out = batch(&["--from", "-"])
        .stdin(b"s3://bucket/one\ns3://bucket/\xff\xfe\ns3://bucket/two\n".to_vec())
        .output();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(252), "{stderr}");
    assert_eq!(
        stderr,
        "presign: error: line 2: not UTF-8 text, skipped (S3 keys are UTF-8)\n"
    );
    let stdout = text(&out.stdout);
    let urls: Vec<&str> = stdout.lines().collect();
    assert_eq!(urls.len(), 2, "{stdout}");
    assert!(urls[0].contains("/one?") && urls[1].contains("/two?"));
}

#[test]
fn missing_credentials_are_reported_once_in_batch() {
    let input = "s3://bucket/a\ns3://bucket/b\ns3://bucket/c\n";
    for args in [&["--from", "-"][..], &["s3://bucket/x", "s3://bucket/y"]] {
        let out = batch(args)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .stdin(input)
            .output();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(253), "{stderr}");
        assert!(out.stdout.is_empty());
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("presign: error: unable to locate credentials"));
    }
}

/// A bad line, then a reader that leaves after one URL: the bad line's 252
/// stands (the broken pipe used to turn it into 0), and the broken pipe
/// itself is not reported.
#[test]
fn earlier_failure_status_survives_broken_pipe() {
    let mut input = String::from("s3://bad bucket/x\n");
    for i in 0..20_000 {
        input.push_str(&format!("s3://bucket/key-{i}\n"));
    }
    let mut child = batch(&["--from", "-"]).spawn();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(first.contains("/key-0?"), "{first}");
    drop(reader);
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(252), "{stderr}");
    assert!(
        stderr.starts_with("presign: error: line 1: invalid bucket name"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
