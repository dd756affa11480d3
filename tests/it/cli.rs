//! The real binary, driven the way users drive it: every recorded AWS CLI v2
//! vector, the bad-input catalogue with its exit statuses, and the promises
//! about stdout, stderr and secrets. Every run gets a fresh HOME and only the
//! environment the case names, so the developer's own files never leak in.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::{AK, Presign, SECRET, fixture, libfaketime, text};

const FROZEN_RFC3339: &str = "2026-01-02T03:04:05Z";
const FROZEN_FAKETIME: &str = "2026-01-02 03:04:05";

const TOKEN: &str = "IQoJb3JpZ2luX2VjEPr-session-token-secret";

/// Builds the run of one recorded vector.
fn vector_run(case: &Value) -> Presign {
    let mut run = Presign::new();
    for (rel, body) in case["files"].as_object().unwrap() {
        run = run.file(rel, body.as_str().unwrap());
    }
    for (name, value) in case["env"].as_object().unwrap() {
        run = run.env(name, value.as_str().unwrap());
    }
    let args: Vec<String> = case["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    run.args(&args)
}

fn check_vector(case: &Value, out: &Output) -> Result<(), String> {
    let name = case["name"].as_str().unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    if case["exit_ok"].as_bool().unwrap() {
        let want = case["stdout"].as_str().unwrap();
        if !out.status.success() || stdout != want {
            return Err(format!(
                "{name}: status {:?}\n got {stdout}\nwant {want}\n err {stderr}",
                out.status
            ));
        }
    } else if out.status.success() || !stdout.is_empty() || stderr.trim().is_empty() {
        return Err(format!(
            "{name}: should fail with a message and no output; got {:?} {stdout:?} {stderr:?}",
            out.status
        ));
    }
    Ok(())
}

/// Runs every recorded vector of `file`, each prepared by `how`, and lists
/// the ones that differ.
fn check_all_vectors(file: &str, how: impl Fn(Presign) -> Presign) {
    let data = fixture(file);
    let cases = data["vectors"].as_array().unwrap();
    assert!(cases.len() >= 18);
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| check_vector(case, &how(vector_run(case)).output()).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} vectors differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The recorded vectors again, in process: the library's `cli::run` with the
/// recording's instant injected as its clock, no `--signing-time` and no
/// libfaketime, gives AWS CLI v2's output byte for byte.
#[test]
fn every_recorded_vector_matches_in_process_at_its_instant() {
    for (file, instant) in [
        ("cli.json", FROZEN_RFC3339),
        ("rulebook.json", "2023-11-14T22:13:20Z"),
    ] {
        let now = at(instant);
        let data = fixture(file);
        let cases = data["vectors"].as_array().unwrap();
        let failures: Vec<String> = cases
            .iter()
            .filter_map(|case| check_vector(case, &vector_run(case).in_process(now)).err())
            .collect();
        assert!(
            failures.is_empty(),
            "{file}: {} of {} vectors differ in process:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
    }
}

/// An RFC 3339 instant.
fn at(text: &str) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
}

#[test]
fn every_aws_cli_vector_matches_with_signing_time() {
    check_all_vectors("cli.json", |run| {
        run.args(["--signing-time", FROZEN_RFC3339])
    });
}

/// The frozen-clock AWS CLI v2 runs of rulebook.json: regions,
/// partitions, dual-stack, FIPS, accelerate, addressing styles, configured
/// endpoints, session tokens, access points. The two expiries AWS CLI accepts
/// and S3 refuses (604801, -1) are refused here, on purpose.
#[test]
fn every_rulebook_run_matches() {
    check_all_vectors("rulebook.json", |run| {
        run.args(["--signing-time", "2023-11-14T22:13:20Z"])
    });
}

/// The same vectors verbatim, with the clock frozen by libfaketime as the
/// reference was recorded. `.ci/run` installs libfaketime and sets
/// `PRESIGN_FAKETIME=required`, so there this cannot be skipped.
#[test]
fn every_aws_cli_vector_matches_verbatim_under_a_frozen_clock() {
    if !libfaketime() {
        return;
    }
    check_all_vectors("cli.json", |run| run.under_faketime(FROZEN_FAKETIME));
}

/// A bad-input case: what runs, the status it must end with and a stable
/// part of its one-line message.
struct Bad {
    name: &'static str,
    run: Presign,
    status: i32,
    says: &'static str,
}

fn bad(name: &'static str, run: Presign, status: i32, says: &'static str) -> Bad {
    Bad {
        name,
        run,
        status,
        says,
    }
}

fn base() -> Presign {
    Presign::new().keys().env("AWS_SESSION_TOKEN", TOKEN)
}

fn obj() -> Presign {
    base().args(["s3://bucket/key.txt"])
}

fn catalogue() -> Vec<Bad> {
    let mut cases = vec![
        bad("no arguments", base(), 252, "S3_URI"),
        bad("bucket without key", base().args(["s3://bucket"]), 252, "s3://BUCKET/KEY"),
        bad("bucket with empty key", base().args(["s3://bucket/"]), 252, "no object key"),
        bad("space in bucket", base().args(["s3://my bucket/k"]), 252, "invalid bucket name"),
        bad("empty bucket", base().args(["s3:///k"]), 252, "invalid bucket name"),
        bad("upper-case scheme", base().args(["S3://b/k"]), 252, "invalid bucket name"),
        bad("object lambda arn", base().args(["s3://arn:aws:s3-object-lambda:us-east-1:123456789012:accesspoint/x/k"]), 252, "Object Lambda"),
        bad("expiry zero", obj().args(["--expires-in", "0"]), 252, "604800"),
        bad("expiry negative", obj().args(["--expires-in", "-1"]), 252, "604800"),
        bad("expiry over a week", obj().args(["--expires-in", "604801"]), 252, "604800"),
        bad("expiry huge", obj().args(["--expires-in", "99999999999999999999"]), 252, "604800"),
        bad("expiry not a number", obj().args(["--expires-in", "soon"]), 255, "whole seconds"),
        bad("expiry fraction", obj().args(["--expires-in=1.5"]), 255, "whole seconds"),
        bad("unknown flag", obj().args(["--bogus"]), 252, "--bogus"),
        bad("flag without value", obj().args(["--region"]), 252, "--region"),
        bad("bad signing time", obj().args(["--signing-time", "yesterday"]), 252, "RFC 3339"),
        bad("endpoint without scheme", obj().args(["--endpoint-url", "example.com"]), 252, "scheme is missing"),
        bad("endpoint ftp scheme", obj().args(["--endpoint-url", "ftp://example.com"]), 255, "not a valid URI"),
        bad("endpoint with query", obj().args(["--endpoint-url", "http://example.com/?a=b"]), 255, "not a valid URI"),
        bad("endpoint bad port", obj().args(["--endpoint-url", "http://example.com:99999"]), 255, "not a valid URI"),
        bad("endpoint underscore host", obj().args(["--endpoint-url", "http://under_score.example.com"]), 255, "invalid endpoint"),
        bad("endpoint env host:port", obj().env("AWS_ENDPOINT_URL", "localhost:9000"), 255, "not a valid URI"),
        bad("region with spaces", obj().args(["--region", "eu west 2"]), 255, "region"),
        bad("region all digits", obj().args(["--region", "123"]), 255, "region"),
        bad("empty AWS_REGION", obj().env("AWS_REGION", ""), 255, "region"),
        bad("unknown profile flag", obj().args(["--profile", "nope"]), 255, "(nope) could not be found"),
        bad("unknown AWS_PROFILE", obj().env("AWS_PROFILE", "nope"), 255, "(nope) could not be found"),
        bad("no credentials", Presign::new().args(["s3://bucket/key.txt"]), 253, "unable to locate credentials"),
        bad("half env pair", Presign::new().env("AWS_ACCESS_KEY_ID", AK).args(["s3://b/k"]), 255, "AWS_SECRET_ACCESS_KEY"),
        bad(
            "duplicate section",
            obj().file(".aws/config", "[default]\nregion = eu-west-1\n[default]\nregion = eu-west-2\n"),
            255,
            "unable to parse config file",
        ),
        bad(
            "duplicate key",
            obj().file(".aws/credentials", &format!("[default]\naws_secret_access_key = {SECRET}\naws_secret_access_key = x\n")),
            255,
            "appears twice",
        ),
        bad("utf-8 bom", obj().file(".aws/config", "\u{feff}[default]\nregion = eu-west-1\n"), 255, "unable to parse config file"),
        bad("binary garbage", obj().bytes_file(".aws/config", b"\xff\xfe\x00garbage\x9c"), 255, "not UTF-8"),
        bad(
            "pasted secret line",
            obj().file(".aws/credentials", &format!("[default]\naws_access_key_id = {AK}\n{SECRET}\n")),
            255,
            "line 3",
        ),
        bad("setting before any section", obj().file(".aws/config", "region = eu-west-1\n"), 255, "before the first [section]"),
        bad("nested line without equals", obj().file(".aws/config", "[default]\ns3 =\n  addressing_style\n"), 255, "nested setting 's3'"),
        bad("bad addressing style", obj().file(".aws/config", "[default]\ns3 =\n  addressing_style = bogus\n"), 255, "addressing style bogus"),
        bad("missing services section", obj().file(".aws/config", "[default]\nservices = nope\n"), 255, "services section"),
        bad(
            "partial shared credentials",
            Presign::new().file(".aws/credentials", "[default]\naws_access_key_id = AKIDX\n").args(["s3://b/k"]),
            255,
            "aws_secret_access_key",
        ),
        bad(
            "assume-role profile whose source has no credentials",
            Presign::new()
                .file(
                    ".aws/config",
                    "[default]\nregion = eu-west-1\n[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = default\n",
                )
                .args(["s3://b/k", "--profile", "r"]),
            255,
            "source profile \"default\" must have credentials",
        ),
        bad(
            "accelerate with dotted bucket",
            base()
                .file(".aws/config", "[default]\ns3 =\n  use_accelerate_endpoint = true\n")
                .args(["s3://my.bucket/k", "--region", "eu-west-2"]),
            255,
            "Path-style addressing cannot be used with S3 Accelerate",
        ),
        bad(
            "accelerate with fips",
            base()
                .file(".aws/config", "[default]\nuse_fips_endpoint = true\ns3 =\n  use_accelerate_endpoint = true\n")
                .args(["s3://bucket/k", "--region", "eu-west-2"]),
            255,
            "Accelerate cannot be used with FIPS",
        ),
        bad("fips in china", obj().env("AWS_USE_FIPS_ENDPOINT", "true").args(["--region", "cn-north-1"]), 255, "FIPS"),
        bad(
            "accelerate in china",
            base()
                .file(".aws/config", "[default]\ns3 =\n  use_accelerate_endpoint = true\n")
                .args(["s3://bucket/k", "--region", "cn-north-1"]),
            255,
            "S3 Accelerate cannot be used in this region (the aws-cn partition has no S3 Accelerate",
        ),
        bad(
            "dual-stack where AWS models none, even with a custom endpoint",
            obj().env("AWS_USE_DUALSTACK_ENDPOINT", "true").args([
                "--region",
                "us-isof-south-1",
                "--endpoint-url",
                "http://127.0.0.1:9000",
            ]),
            255,
            "variant(s) ['dualstack'] (AWS has no dual-stack S3 endpoint in partition aws-iso-f",
        ),
        bad("endpoint with a fragment", obj().args(["--endpoint-url", "https://example.com/#frag"]), 255, "#fragment"),
        bad("endpoint non-numeric port", obj().args(["--endpoint-url", "http://example.com:http"]), 255, "not a valid URI"),
        bad(
            "directory as the credentials file",
            Presign::new().file("creds-dir/placeholder", "").env("AWS_SHARED_CREDENTIALS_FILE", "{HOME}/creds-dir").args(["s3://b/k"]),
            253,
            "unable to locate credentials",
        ),
        bad(
            "missing source_profile",
            Presign::new()
                .file(".aws/config", "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = nope\n")
                .args(["s3://b/k", "--profile", "r"]),
            255,
            "source_profile \"nope\"",
        ),
        bad("unknown signature version", obj().args(["--signature-version", "v5"]), 252, "--signature-version"),
        // hardening: time, batch, output, endpoints
        bad("endpoint with user info", obj().args(["--endpoint-url", "https://user:pw@minio.example.com"]), 255, "carries user info"),
        bad("signing time past 9999 in UTC", obj().args(["--signing-time", "9999-12-31T23:00:00-23:59"]), 252, "outside the years 1970 to 9999"),
        bad("signing time before 1970 in UTC", obj().args(["--signing-time", "0000-01-01T00:00:00+23:59"]), 252, "outside the years 1970 to 9999"),
        bad("URL expiring after 9999", obj().args(["--signing-time", "9999-12-31T23:00:00Z"]), 252, "would expire after 9999-12-31T23:59:59Z"),
        bad("post signing time past 9999 in UTC", base().args(["post", "s3://b/k", "--signing-time", "9999-12-31T23:00:00-23:59"]), 252, "outside the years 1970 to 9999"),
        bad("post expiring after 9999", base().args(["post", "s3://b/k", "--signing-time", "9999-12-31T23:30:00Z"]), 252, "would expire after"),
        bad("bad PRESIGN_NOW", obj().env("PRESIGN_NOW", "tomorrow"), 252, "PRESIGN_NOW"),
        bad(
            "--from a directory",
            {
                let run = base().file("d/x", "");
                let dir = run.home().join("d").display().to_string();
                run.args(["--from", &dir])
            },
            252,
            "is a directory",
        ),
    ];
    if cfg!(unix) {
        let process = |script: &str| {
            Presign::new()
                .file("bin/creds", &format!("#!/bin/sh\n{script}\n"))
                .file(
                    ".aws/config",
                    "[default]\ncredential_process = \"{HOME}/bin/creds\"\n",
                )
                .args(["s3://bucket/key.txt"])
        };
        let doc = |extra: &str| {
            format!(
                "echo '{{\"Version\": 1, \"AccessKeyId\": \"{AK}\", \"SecretAccessKey\": \"{SECRET}\", \"SessionToken\": \"{TOKEN}\"{extra}}}'"
            )
        };
        cases.extend([
            bad(
                "credential_process fails",
                // Its stderr would pass through as a line of its own; see
                // credential_process_error_never_quotes_the_helpers_stderr.
                process("exit 7"),
                255,
                "status 7",
            ),
            bad(
                "credential_process prints non-json",
                process(&format!("echo {SECRET}")),
                255,
                "not a JSON document",
            ),
            bad(
                "credential_process wrong version",
                process(&doc("").replace("\"Version\": 1", "\"Version\": 2")),
                255,
                "version '2'",
            ),
            bad(
                "credential_process expired",
                process(&doc(", \"Expiration\": \"2001-01-01T00:00:00Z\"")),
                253,
                "expired at 2001-01-01T00:00:00Z",
            ),
            bad(
                "credential_process prints then fails",
                process(&format!("{}; exit 1", doc(""))),
                255,
                "status 1",
            ),
            bad(
                "bad process timeout setting",
                process(&doc("")).env("PRESIGN_CREDENTIAL_PROCESS_TIMEOUT", "soon"),
                255,
                "PRESIGN_CREDENTIAL_PROCESS_TIMEOUT=soon",
            ),
            bad(
                "credential_process hangs",
                process("sleep 30").env("PRESIGN_CREDENTIAL_PROCESS_TIMEOUT", "0.5"),
                255,
                "did not finish within 0.5 s and was killed",
            ),
            bad(
                "credentials outlive-check under --strict",
                process(&doc(", \"Expiration\": \"2999-01-01T00:30:00Z\"")).args([
                    "--signing-time",
                    "2999-01-01T00:00:00Z",
                    "--strict",
                ]),
                252,
                "would outlive the credentials",
            ),
        ]);
    }
    cases
}

/// Every bad input: the promised status, one line on stderr naming the
/// problem, nothing on stdout, and neither secret anywhere, also under
/// `--debug`.
/// Every bad input, run in process through the library's `cli::run` and
/// as the binary with the same clock (`PRESIGN_NOW`): the same status, the
/// same stdout and the same stderr, byte for byte. What the binary adds to
/// the library (stripping styles on a pipe, checking stdout before Rust's
/// runtime) changes nothing for them.
#[test]
fn bad_input_catalogue_in_process_is_the_binarys() {
    let now = FROZEN_RFC3339;
    let mut failures = Vec::new();
    let cases = catalogue();
    let total = cases.len();
    for Bad { name, run, .. } in cases {
        let run = run.env("PRESIGN_NOW", now);
        let (binary, library) = (run.output(), run.in_process(at(now)));
        if (binary.status.code(), &binary.stdout, &binary.stderr)
            != (library.status.code(), &library.stdout, &library.stderr)
        {
            failures.push(format!(
                "{name}:\n  binary  {:?} {:?}\n  library {:?} {:?}",
                binary.status.code(),
                text(&binary.stderr),
                library.status.code(),
                text(&library.stderr)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn bad_input_catalogue() {
    let cases = catalogue();
    assert!(cases.len() >= 40, "the catalogue has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        for debug in [false, true] {
            let out = if debug && case.run.has_args() {
                case.run.output_with(&["--debug"])
            } else {
                case.run.output()
            };
            let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
            let error_lines: Vec<&str> = stderr
                .lines()
                .filter(|l| !l.starts_with("presign: debug:") && !l.is_empty())
                .collect();
            let problems = [
                (
                    out.status.code() != Some(case.status),
                    format!("status {:?}, want {}", out.status.code(), case.status),
                ),
                (!stdout.is_empty(), format!("stdout not empty: {stdout:?}")),
                (
                    !stderr.contains(case.says),
                    format!("stderr lacks {:?}", case.says),
                ),
                (
                    debug
                        && !error_lines.iter().all(|l| {
                            l.starts_with("presign: error:") || !l.starts_with("presign:")
                        }),
                    "unexpected diagnostic lines".to_owned(),
                ),
                (
                    !debug && error_lines.len() != 1,
                    format!("{} error lines, want 1", error_lines.len()),
                ),
                (
                    stdout.contains(SECRET) || stderr.contains(SECRET),
                    "the secret key leaked".to_owned(),
                ),
                (
                    stdout.contains(TOKEN) || stderr.contains(TOKEN),
                    "the session token leaked".to_owned(),
                ),
                (
                    stderr.contains("panicked"),
                    "a panic reached the user".to_owned(),
                ),
                (
                    stderr.contains('\x1b'),
                    "colour codes on a stderr that is no terminal".to_owned(),
                ),
            ];
            for (failed, why) in problems {
                if failed {
                    failures.push(format!(
                        "{} (debug {debug}): {why}\n  stderr: {stderr}",
                        case.name
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn url_goes_to_stdout_alone_with_one_newline() {
    let out = obj().args(["--region", "eu-west-2"]).output();
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with(
        "https://bucket.s3.eu-west-2.amazonaws.com/key.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&"
    ));
    assert!(stdout.ends_with('\n') && stdout.matches('\n').count() == 1);
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn debug_shows_the_trail_and_the_signed_texts_but_no_secret() {
    let out = obj().args(["--region", "eu-west-2", "--debug"]).output();
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    for part in [
        "profile: default",
        "credentials: access key AKIAIOSFODNN7EXAMPLE from environment variables, with a session token",
        "region: eu-west-2 (from --region)",
        "profile: default (from no --profile, AWS_PROFILE or AWS_DEFAULT_PROFILE)",
        "virtual-hosted",
        "canonical request:\nGET\n/key.txt\n",
        "string to sign:\nAWS4-HMAC-SHA256\n",
        "X-Amz-Security-Token=(session token, redacted)&",
    ] {
        assert!(stderr.contains(part), "missing {part:?} in:\n{stderr}");
    }
    assert!(!stderr.contains(SECRET) && !stderr.contains(TOKEN));
    // The token is signed, so it is in the URL (encoded), as AWS CLI does.
    assert!(text(&out.stdout).contains("X-Amz-Security-Token="));
}

#[test]
fn signing_time_makes_output_reproducible_and_is_in_the_url() {
    let a = obj()
        .args(["--signing-time", "2026-01-02T04:04:05+01:00"])
        .output();
    let b = obj()
        .args(["--signing-time", "2026-01-02T03:04:05Z"])
        .output();
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert!(text(&a.stdout).contains("X-Amz-Date=20260102T030405Z"));
}

#[test]
fn outscale_command_from_their_docs_works_verbatim() {
    let run = Presign::new()
        .file(
            ".aws/credentials",
            "[P]\naws_access_key_id = OSCACCESSKEY\naws_secret_access_key = OSCSECRET\n",
        )
        .file(".aws/config", "[profile P]\nregion = eu-west-2\n")
        .args([
            "s3://BUCKET/OBJECT",
            "--profile",
            "P",
            "--expires-in",
            "3600",
            "--endpoint",
            "https://oos.eu-west-2.outscale.com",
        ]);
    let out = run.output();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let url = text(&out.stdout);
    assert!(url.starts_with(
        "https://oos.eu-west-2.outscale.com/BUCKET/OBJECT?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=OSCACCESSKEY%2F"
    ));
    assert!(url.contains("%2Feu-west-2%2Fs3%2Faws4_request"));
}

#[test]
fn no_sign_request_prints_the_bare_url() {
    let out = Presign::new()
        .args([
            "s3://bucket/a b.txt",
            "--region",
            "eu-west-2",
            "--no-sign-request",
        ])
        .output();
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout),
        "https://bucket.s3.eu-west-2.amazonaws.com/a%20b.txt\n"
    );
}

/// Credential expiry is judged against "now", the URL's end against
/// `--signing-time`; `PRESIGN_NOW` (for tests) freezes "now", so each
/// outcome is pinned whatever the date: a warning while the credentials
/// live but end before the URL, the expired error after they end, and the
/// refusal under --strict.
#[test]
fn expiry_warning_uses_the_frozen_clock() {
    if !cfg!(unix) {
        return;
    }
    let run = |now: &str, extra: &[&str]| {
        Presign::new()
            .file(
                "bin/creds",
                &format!("#!/bin/sh\necho '{{\"Version\": 1, \"AccessKeyId\": \"{AK}\", \"SecretAccessKey\": \"{SECRET}\", \"Expiration\": \"2026-01-02T03:34:05Z\"}}'\n"),
            )
            .file(".aws/config", "[default]\ncredential_process = {HOME}/bin/creds\n")
            .env("PRESIGN_NOW", now)
            .args(["s3://b/k", "--signing-time", FROZEN_RFC3339, "--expires-in", "3600"])
            .args(extra)
            .output()
    };
    let warned = run("2026-01-02T03:04:05Z", &[]);
    let stderr = text(&warned.stderr);
    assert!(warned.status.success(), "{stderr}");
    assert_eq!(
        stderr,
        "presign: warning: the credentials expire at 2026-01-02T03:34:05Z, before the URL would (2026-01-02T04:04:05Z); the URL stops working then\n"
    );
    assert!(text(&warned.stdout).contains("X-Amz-Date=20260102T030405Z"));

    let expired = run("2026-01-02T03:34:05Z", &[]);
    assert_eq!(expired.status.code(), Some(253));
    assert!(expired.stdout.is_empty());
    assert!(
        text(&expired.stderr).contains("expired at 2026-01-02T03:34:05Z"),
        "{}",
        text(&expired.stderr)
    );

    let strict = run("2026-01-02T03:04:05Z", &["--strict"]);
    assert_eq!(strict.status.code(), Some(252));
    assert!(strict.stdout.is_empty());
    assert!(
        text(&strict.stderr).contains("use --expires-in 1800 or less"),
        "{}",
        text(&strict.stderr)
    );
    for out in [&warned, &expired, &strict] {
        assert!(!text(&out.stderr).contains(SECRET));
    }
}

#[test]
fn help_shows_examples_for_both_providers_and_version_works() {
    let out = Presign::new().args(["--help"]).output();
    assert!(out.status.success());
    let help = text(&out.stdout);
    for part in [
        "--expires-in",
        "--endpoint-url",
        "oos.eu-west-2.outscale.com",
        "hb.ru-msk.vkcloud-storage.ru",
        "252",
    ] {
        assert!(help.contains(part), "help lacks {part}");
    }
    let out = Presign::new().args(["--version"]).output();
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout).trim(),
        format!("presign {}", env!("CARGO_PKG_VERSION"))
    );
}

/// Runs `run` with a terminal (util-linux `script`'s pty) for its stdout and
/// stderr; returns what the terminal showed.
#[cfg(target_os = "linux")]
fn on_a_terminal(run: &Presign) -> String {
    let out = run
        .command_for("script")
        .args(["-qec", &run.shell_line(), "/dev/null"])
        .output()
        .expect("util-linux script, to give presign a terminal");
    text(&out.stdout)
}

/// AWS CLI v2's `--color`: `on` colours presign's labels even on a pipe,
/// `off` not even on a terminal, the last one given wins, and a prefix works.
#[cfg(target_os = "linux")]
#[test]
fn color_on_and_off_decide_the_labels_colour() {
    let piped = base().args(["s3://b", "--color", "on"]).output();
    assert!(
        text(&piped.stderr).contains("\u{1b}["),
        "{:?}",
        text(&piped.stderr)
    );
    let last = base()
        .args(["s3://b", "--color", "on", "--col=off"])
        .output();
    assert!(!text(&last.stderr).contains('\u{1b}'));
    let term = || base().env("TERM", "xterm");
    let off = on_a_terminal(&term().args(["s3://b", "--color", "off"]));
    assert!(off.contains("error:") && !off.contains('\u{1b}'), "{off:?}");
    let auto = on_a_terminal(&term().args(["s3://b", "--color", "auto"]));
    assert!(auto.contains("\u{1b}["), "{auto:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn error_and_warning_labels_are_coloured_only_on_a_terminal_without_no_color() {
    const RED_BOLD: &str = "\x1b[1m\x1b[31merror:\x1b[0m";
    const YELLOW_BOLD: &str = "\x1b[1m\x1b[33mwarning:\x1b[0m";
    let error = || Presign::new().env("TERM", "xterm").args(["s3://bucket"]);
    let shown = on_a_terminal(&error());
    assert!(
        shown.starts_with(&format!(
            "presign: {RED_BOLD} s3://bucket/ names no object key"
        )),
        "{shown:?}"
    );
    // no-color.org: NO_COLOR set and not empty turns colour off.
    let shown = on_a_terminal(&error().env("NO_COLOR", "1"));
    assert!(
        shown.starts_with("presign: error: s3://bucket/ names no object key"),
        "{shown:?}"
    );
    let shown = on_a_terminal(&error().env("NO_COLOR", ""));
    assert!(shown.contains(RED_BOLD), "{shown:?}");
    let shown = on_a_terminal(&error().env("TERM", "dumb"));
    assert!(!shown.contains('\x1b'), "{shown:?}");
    // A warning is coloured too; the URL printed beside it never is.
    let warned =
        obj()
            .env("TERM", "xterm")
            .args(["--signature-version", "s3", "--expires-in", "700000"]);
    let shown = on_a_terminal(&warned);
    assert!(
        shown.contains(&format!(
            "presign: {YELLOW_BOLD} this SigV2 URL outlives a week"
        )),
        "{shown:?}"
    );
    let url = shown
        .lines()
        .find(|l| l.starts_with("https://"))
        .expect(&shown);
    assert!(!url.contains('\x1b'), "{url:?}");
    // The same run through pipes: plain text.
    let piped = warned.output();
    assert!(text(&piped.stderr).starts_with("presign: warning: this SigV2 URL"));
    assert!(!piped.stdout.contains(&0x1b) && !piped.stderr.contains(&0x1b));
}

/// A reader that went away (`presign ... | head -1`) is no failure: status
/// 0 and no message (see `output_failed` in src/cli/mod.rs for why).
#[test]
fn a_reader_that_went_away_is_not_an_error() {
    let run = obj();
    let mut child = run.spawn();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

/// Runs `run` with its stdout or stderr on /dev/full (writes fail ENOSPC).
#[cfg(target_os = "linux")]
fn with_dev_full(run: &Presign, stderr: bool) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut command = run.command();
    if stderr {
        command.stderr(full);
    } else {
        command.stdout(full);
    }
    command.output().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn help_to_dev_full_fails() {
    for args in [
        &["--help"][..],
        &["--version"],
        &["completions", "bash"],
        &["man"],
        &["s3://b/k"],
    ] {
        let out = with_dev_full(&obj_args(args), false);
        assert_eq!(
            out.status.code(),
            Some(255),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(
            text(&out.stderr),
            "presign: error: cannot write to standard output: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}

/// Started with fd 1 closed (`presign ... >&-`), presign fails as AWS CLI
/// v2 does (255) instead of losing the output with status 0; started with
/// /dev/null (`>/dev/null`, or a caller's "discard", as Python's
/// subprocess.DEVNULL opens it, read and write), it prints into it, status 0.
/// Rust's runtime reopens a closed fd 1 on /dev/null before main; the binary
/// looks first.
#[cfg(target_os = "linux")]
#[test]
fn closed_stdout_fails_but_dev_null_does_not() {
    for args in [&["s3://b/k"][..], &["--help"], &["completions", "bash"]] {
        let run = obj_args(args);
        let out = obj_args(args)
            .wrapped(["sh", "-c", "exec \"$0\" \"$@\" >&-"])
            .output();
        assert_eq!(
            out.status.code(),
            Some(255),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(
            text(&out.stderr),
            "presign: error: cannot write to standard output: it is closed (give a file, or /dev/null to discard the output)\n",
            "{args:?}"
        );
        for null in [
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/null")
                .unwrap(),
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/null")
                .unwrap(),
        ] {
            let out = run.command().stdout(null).output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{args:?}: {}",
                text(&out.stderr)
            );
            assert!(out.stderr.is_empty(), "{args:?}: {}", text(&out.stderr));
        }
    }
}

fn obj_args(args: &[&str]) -> Presign {
    base().args(args)
}

/// A panic reports itself as one line and status 255 even when that line
/// cannot be written: the hook used `eprintln!`, which panicked inside the
/// hook and aborted the process (SIGABRT). Debug builds only: the panic is
/// provoked through `PRESIGN_TEST_PANIC`, which release builds lack.
#[cfg(target_os = "linux")]
#[test]
fn panic_hook_survives_stderr_on_dev_full() {
    if !cfg!(debug_assertions) {
        return;
    }
    let run = obj().env("PRESIGN_TEST_PANIC", "1");
    let out = with_dev_full(&run, true);
    assert_eq!(out.status.code(), Some(255), "{:?}", out.status);
    assert!(out.stdout.is_empty());
    let out = run.output();
    assert_eq!(out.status.code(), Some(255));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("presign: error: internal error at src/cli/mod.rs:")
            && stderr.ends_with("(please report this as a bug)\n")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn endpoint_with_userinfo_is_refused() {
    for (endpoint, style) in [
        ("https://user:pw@minio.example.com", "path"),
        ("https://user:pw@minio.example.com:9000/prefix", "virtual"),
        ("http://token@127.0.0.1:9000", "auto"),
    ] {
        let run = obj()
            .file(
                ".aws/config",
                &format!("[default]\ns3 =\n  addressing_style = {style}\n"),
            )
            .args(["--endpoint-url", endpoint]);
        for args in [&[][..], &["--no-sign-request"]] {
            let out = run.output_with(args);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(255), "{endpoint}: {stderr}");
            assert!(out.stdout.is_empty());
            assert!(stderr.contains("carries user info"), "{stderr}");
            assert!(
                !stderr.contains("pw") && !stderr.contains("token"),
                "{stderr}"
            );
        }
        let out = Presign::new()
            .keys()
            .args(["post", "s3://b/k", "--endpoint-url", endpoint])
            .output();
        assert_eq!(out.status.code(), Some(255), "{}", text(&out.stderr));
    }
}

#[test]
fn signing_time_outside_1970_to_9999_is_refused() {
    for (time, says) in [
        ("1969-12-31T23:59:59Z", "outside the years 1970 to 9999"),
        (
            "1970-01-01T00:30:00+01:00",
            "outside the years 1970 to 9999",
        ),
        (
            "0000-01-01T00:00:00+23:59",
            "outside the years 1970 to 9999",
        ),
        (
            "9999-12-31T23:00:00-23:59",
            "outside the years 1970 to 9999",
        ),
        (
            "9999-12-31T23:00:00Z",
            "would expire after 9999-12-31T23:59:59Z",
        ),
    ] {
        for mode in [
            &[][..],
            &["--signature-version", "s3"],
            &["--no-sign-request"],
        ] {
            let out = obj().args(["--signing-time", time]).args(mode).output();
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(252), "{time} {mode:?}: {stderr}");
            assert!(out.stdout.is_empty(), "{time}: {}", text(&out.stdout));
            assert!(stderr.contains(says), "{time}: {stderr}");
        }
        let out = base()
            .args(["post", "s3://b/k", "--signing-time", time])
            .output();
        assert_eq!(
            out.status.code(),
            Some(252),
            "post {time}: {}",
            text(&out.stderr)
        );
    }
    // The edges themselves sign.
    for (time, expires) in [
        ("1970-01-01T00:00:00Z", "3600"),
        ("9999-12-31T22:59:59Z", "3600"),
    ] {
        let out = obj()
            .args(["--signing-time", time, "--expires-in", expires])
            .output();
        assert!(out.status.success(), "{time}: {}", text(&out.stderr));
    }
}

#[test]
fn negative_offset_signing_time_is_converted_not_panicked() {
    let url = |time: &str| {
        let out = obj().args(["--signing-time", time]).output();
        assert!(out.status.success(), "{time}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let utc = url(FROZEN_RFC3339);
    assert!(utc.contains("X-Amz-Date=20260102T030405Z"), "{utc}");
    assert_eq!(url("2026-01-01T03:05:05-23:59"), utc);
    assert_eq!(url("2026-01-03T03:03:05+23:59"), utc);
    // Near the end of 9999 a negative offset is still converted, not added.
    let late = url("9999-12-30T23:00:00-00:01");
    assert!(late.contains("X-Amz-Date=99991230T230100Z"), "{late}");
    // The POST form's date and expiration are in UTC too.
    let out = base()
        .args([
            "post",
            "s3://b/k",
            "--signing-time",
            "2026-01-01T03:05:05-23:59",
        ])
        .output();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let form: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(form["fields"]["x-amz-date"], "20260102T030405Z");
}

// hardening: helpers, config files, environment

/// The `presign: error:` lines of a run's stderr.
fn error_lines(out: &Output) -> Vec<String> {
    text(&out.stderr)
        .lines()
        .filter(|l| l.starts_with("presign: error:"))
        .map(str::to_owned)
        .collect()
}

fn helper(script: &str) -> Presign {
    Presign::new()
        .file("bin/creds", &format!("#!/bin/sh\n{script}\n"))
        .file(
            ".aws/config",
            "[default]\nregion = eu-west-2\ncredential_process = \"{HOME}/bin/creds\"\n",
        )
}

/// A helper that prints without end is stopped once it has printed more
/// than credentials could take, not left to fill presign's memory until the
/// timeout; it and its children are killed.
#[cfg(unix)]
#[test]
fn credential_process_that_prints_without_end_is_stopped_early() {
    let run = helper("echo $$ > \"$HOME/helper.pid\"\nexec yes")
        .env("PRESIGN_CREDENTIAL_PROCESS_TIMEOUT", "600")
        .args(["s3://b/k"]);
    let out = run.output();
    assert_eq!(out.status.code(), Some(255));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("printed more than 1024 KiB"), "{stderr}");
    let pid = std::fs::read_to_string(run.home().join("helper.pid")).unwrap();
    let alive = Path::new("/proc").join(pid.trim()).exists();
    assert!(!alive, "the helper {pid} still runs");
}

fn helper_doc() -> String {
    format!(
        "echo '{{\"Version\": 1, \"AccessKeyId\": \"{AK}\", \"SecretAccessKey\": \"{SECRET}\"}}'"
    )
}

/// `--from -` keys are presign's input, not the helper's: a helper that
/// reads stdin gets end-of-file and every key still gets its URL.
#[cfg(unix)]
#[test]
fn credential_process_gets_no_stdin_so_batch_input_is_kept() {
    let run = helper(&format!(
        "read -r line && echo \"got $line\" >> \"$HOME/read\"\n{}",
        helper_doc()
    ))
    .args(["--from", "-", "--signing-time", FROZEN_RFC3339])
    .stdin("s3://b/k1\ns3://b/k2\ns3://b/k3\n");
    let out = run.output();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let urls = text(&out.stdout);
    assert_eq!(urls.lines().count(), 3, "{urls}");
    for key in ["k1", "k2", "k3"] {
        assert!(
            urls.contains(&format!("/b/{key}?")) || urls.contains(&format!("/{key}?")),
            "{urls}"
        );
    }
    assert!(
        !run.home().join("read").exists(),
        "the helper read presign's stdin"
    );
}

/// Whether process `pid` is gone (or a zombie awaiting its reaper).
#[cfg(unix)]
fn gone(pid: &str) -> bool {
    let out = Command::new("ps")
        .args(["-o", "stat=", "-p", pid])
        .output()
        .unwrap();
    let stat = text(&out.stdout);
    stat.trim().is_empty() || stat.trim_start().starts_with('Z')
}

/// On timeout the helper's whole process group dies, not just the shell:
/// its `sleep` does not outlive presign.
#[cfg(unix)]
#[test]
fn credential_process_timeout_kills_the_helpers_children() {
    let run = helper("sleep 60 &\necho $! > \"$HOME/child.pid\"\nwait")
        .env("PRESIGN_CREDENTIAL_PROCESS_TIMEOUT", "0.5")
        .args(["s3://b/k"]);
    let out = run.output();
    assert_eq!(out.status.code(), Some(255), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("did not finish within 0.5 s and was killed"));
    let pid = std::fs::read_to_string(run.home().join("child.pid")).unwrap();
    let pid = pid.trim();
    // SIGKILL is delivered at once but the kernel may take a moment to end
    // the process; give it up to five seconds.
    let dead = (0..100).any(|_| {
        gone(pid) || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            false
        }
    });
    if !dead {
        let _ = Command::new("kill").args(["-KILL", pid]).status();
    }
    assert!(dead, "the helper's child {pid} outlived the timeout");
}

/// A helper that exits while a child it started still holds stdout open is
/// done: presign takes what it printed and does not wait for the child.
#[cfg(unix)]
#[test]
fn credential_process_output_is_taken_when_the_helper_exits_though_its_child_holds_stdout() {
    // The child keeps the helper's stdout but not stderr, which is
    // presign's and which this test's own reading would wait on.
    let run = helper(&format!(
        "{}\nsleep 60 2>/dev/null &\necho $! > \"$HOME/child.pid\"\nexit 0",
        helper_doc()
    ))
    .env("PRESIGN_CREDENTIAL_PROCESS_TIMEOUT", "20")
    .args(["s3://b/k", "--signing-time", FROZEN_RFC3339]);
    let started = std::time::Instant::now();
    let out = run.output();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(AK));
    // Not a timing test of presign: the only alternative outcome is a wait
    // of 60 s for the child, far above any slow machine.
    let waited = started.elapsed();
    if let Ok(pid) = std::fs::read_to_string(run.home().join("child.pid")) {
        let _ = Command::new("kill").arg(pid.trim()).status();
    }
    assert!(
        waited < std::time::Duration::from_secs(30),
        "waited {waited:?}"
    );
}

/// presign's error names the helper and its status but never repeats the
/// helper's stderr, which went to the user unaltered as lines of its own.
#[cfg(unix)]
#[test]
fn credential_process_error_never_quotes_the_helpers_stderr() {
    let run = helper(&format!("echo 'debug: using key {SECRET}' >&2\nexit 7")).args(["s3://b/k"]);
    let out = run.output();
    assert_eq!(out.status.code(), Some(255));
    assert!(out.stdout.is_empty());
    let errors = error_lines(&out);
    assert_eq!(errors.len(), 1, "{}", text(&out.stderr));
    assert!(
        errors[0].contains("/bin/creds' exited with status 7"),
        "{}",
        errors[0]
    );
    assert!(
        !errors[0].contains(SECRET) && !errors[0].contains("debug: using"),
        "{}",
        errors[0]
    );
    assert!(
        text(&out.stderr)
            .lines()
            .any(|l| l == format!("debug: using key {SECRET}")),
        "the helper's own stderr did not pass through: {}",
        text(&out.stderr)
    );
}

/// A config file of many profiles under a big `[DEFAULT]` parses and
/// resolves as configparser does: inherited keys, own keys over them. (How
/// fast is measured with scripts/big-config.py, not here.)
#[test]
fn config_with_large_default_section_parses_in_linear_memory() {
    let mut config = format!(
        "[DEFAULT]\nregion = ap-south-1\naws_access_key_id = {AK}\naws_secret_access_key = {SECRET}\n"
    );
    for i in 0..900 {
        config.push_str(&format!("default_key_{i} = value {i}\n"));
    }
    for i in 0..2000 {
        config.push_str(&format!("[profile p{i}]\n"));
        if i == 5 {
            config.push_str("region = eu-north-1\n");
        }
    }
    let run = Presign::new().file(".aws/config", &config);
    for (profile, region) in [
        ("p1999", "ap-south-1"),
        ("p5", "eu-north-1"),
        ("p0", "ap-south-1"),
    ] {
        let out = run.output_with(&[
            "s3://b/k",
            "--profile",
            profile,
            "--signing-time",
            FROZEN_RFC3339,
        ]);
        assert!(out.status.success(), "{profile}: {}", text(&out.stderr));
        let url = text(&out.stdout);
        assert!(
            url.contains(&format!("%2F{region}%2Fs3%2F")),
            "{profile}: {url}"
        );
        assert!(url.contains(AK), "{url}");
    }
}

/// A secret that is not UTF-8 is refused, naming the variable and showing
/// none of it (AWS CLI v2 fails encoding it too), rather than signed as
/// U+FFFD.
#[cfg(unix)]
#[test]
fn non_utf8_secret_is_refused() {
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"wJalrXUtnFEMI\xffK7MDENGEXAMPLEKEY");
    let out = Presign::new()
        .env("AWS_ACCESS_KEY_ID", AK)
        .env_os("AWS_SECRET_ACCESS_KEY", bad)
        .args(["s3://b/k", "--region", "eu-west-2"])
        .output();
    assert_eq!(out.status.code(), Some(255), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let errors = error_lines(&out);
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
    assert!(
        errors[0].contains("AWS_SECRET_ACCESS_KEY") && errors[0].contains("UTF-8"),
        "{}",
        errors[0]
    );
    assert!(!text(&out.stderr).contains("wJalrXUtnFEMI"));
}

/// `AWS_CONFIG_FILE` naming a path that is not UTF-8 is read as it is.
#[cfg(unix)]
#[test]
fn non_utf8_config_path_is_read() {
    use std::os::unix::ffi::OsStrExt;
    let run = Presign::new()
        .keys()
        .args(["s3://b/k", "--signing-time", FROZEN_RFC3339]);
    let mut path = run.home().as_os_str().as_bytes().to_vec();
    path.extend_from_slice(b"/conf\xff\xfeig");
    let path = std::ffi::OsStr::from_bytes(&path);
    std::fs::write(path, "[default]\nregion = eu-central-2\n").unwrap();
    let out = run.env_os("AWS_CONFIG_FILE", path).output();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("%2Feu-central-2%2F"),
        "{}",
        text(&out.stdout)
    );
}

/// Names and paths from the user's input are escaped in errors and in the
/// `--debug` trail: a newline cannot forge a second error line, an ESC
/// cannot reach the terminal.
#[test]
fn profile_name_with_newline_is_escaped_in_errors() {
    let forged = "nope\npresign: error: forged \u{1b}]0;title\u{7}";
    let out = base().args(["s3://b/k", "--profile", forged]).output();
    assert_eq!(out.status.code(), Some(255));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\x07'),
        "{stderr:?}"
    );
    assert!(
        stderr.contains("(nope\\npresign: error: forged \\u{1b}]0;title\\u{7})"),
        "{stderr}"
    );

    // A section name quoted in a parse error.
    let out = obj()
        .file(
            ".aws/config",
            "[a\u{1b}[2J\u{202e}]\n[a\u{1b}[2J\u{202e}]\n",
        )
        .output();
    assert_eq!(out.status.code(), Some(255));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("section [a\\u{1b}[2J\\u{202e}] appears twice"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\u{202e}'),
        "{stderr:?}"
    );

    // Paths and profile names in the --debug trail.
    let out = obj()
        .env("AWS_SHARED_CREDENTIALS_FILE", "{HOME}/creds\rX")
        .env("AWS_PROFILE", "p\u{9b}q")
        .file(".aws/config", "[profile p\u{9b}q]\nregion = eu-west-1\n")
        .args(["--debug"])
        .output();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("/creds\\rX (not found)"), "{stderr}");
    assert!(
        stderr.contains("profile: p\\u{9b}q (from AWS_PROFILE)"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\r') && !stderr.contains('\u{9b}'),
        "{stderr:?}"
    );
}

// hardening: text from outside reaches the terminal escaped

/// Every message that quotes what the user, a file or a URL gave (an
/// endpoint, a region, an unknown flag, a `--from` line) is one line with no
/// control, C1 or bidi character: a newline cannot forge a second line and
/// ESC/OSC/CR cannot rewrite the terminal.
#[test]
fn text_from_outside_is_escaped_in_every_error() {
    let hostile = "a\u{1b}]0;pwned\u{7}\r\n\u{9b}2J\u{202e}z";
    let from = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        from.path(),
        format!("s3://bucket/ok\ns3://b{hostile}/k\ns3://arn:aws:s3:us-east-1:123456789012:accesspoint/{hostile}\n"),
    )
    .unwrap();
    let from_path = from.path().display().to_string();
    let cases: Vec<Vec<String>> = vec![
        vec![
            "s3://b/k".into(),
            "--endpoint-url".into(),
            format!("https://x{hostile}.example"),
        ],
        vec!["s3://b/k".into(), "--region".into(), hostile.into()],
        vec!["s3://b/k".into(), format!("--bogus{hostile}")],
        vec!["s3://b/k".into(), "--expires-in".into(), hostile.into()],
        vec![format!("s3://b{hostile}/k")],
        vec!["--from".into(), from_path],
        vec![
            "inspect".into(),
            format!("https://b.s3.amazonaws.com/{hostile}"),
        ],
    ];
    for args in cases {
        let out = obj_free(&args);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        let bad = stderr
            .trim_end_matches('\n')
            .chars()
            .find(|&c| presign::internals::escape::is_unsafe(c) && c != '\n');
        assert_eq!(bad, None, "{args:?}: {stderr:?}");
        for line in stderr.lines() {
            assert!(line.starts_with("presign: error: "), "{args:?}: {stderr:?}");
        }
    }
}

fn obj_free(args: &[String]) -> Output {
    base()
        .args(args)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
}

// AWS CLI v2's command-line grammar

/// Where presign departs on purpose from what AWS CLI v2 did with the same
/// arguments (README, "Deliberate differences"): the status presign gives.
const GRAMMAR_DIFFERENCES: &[(&str, i32, &str)] = &[
    ("expires_in_0", 252, "S3 refuses an expiry under 1 s"),
    ("expires_in_neg1", 252, "S3 refuses a negative expiry"),
    ("expires_in_eq_neg1", 252, "S3 refuses a negative expiry"),
    ("expires_in_604801", 252, "S3 refuses more than 7 days"),
    ("expires_in_huge", 252, "S3 refuses more than 7 days"),
    ("help_flag_presign", 0, "--help prints help"),
    ("help_flag_presign_with_uri", 0, "--help prints help"),
    ("query_invalid", 0, "--query is not parsed as JMESPath"),
    (
        "config_signature_v2",
        0,
        "the profile's s3 signature_version = s3 selects SigV2",
    ),
    ("two_s3_uris", 0, "several s3:// URIs are an extension"),
];

/// Recorded lines that have no presign counterpart: v2's `help` command,
/// and a command option put before `s3` (presign has no `s3` word).
const NOT_PRESIGN_LINES: &[&str] = &["help_presign", "expires_in_before_s3"];

/// The AWS CLI v2 command line `args` as presign takes it: `aws s3 presign`
/// becomes `presign` (global options may stand before or between the two
/// words, as with v2). None for lines that run no presign.
fn presign_args(args: &[Value]) -> Option<Vec<String>> {
    let mut args: Vec<String> = args
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    let s3 = args.iter().position(|a| a == "s3")?;
    args.remove(s3);
    let presign = args[s3..].iter().position(|a| a == "presign")? + s3;
    args.remove(presign);
    Some(args)
}

/// Every recorded `aws s3 presign` command line of AWS CLI v2, run through
/// the binary: the same stdout byte for byte and the same exit status,
/// except the listed deliberate differences (each still asserted).
#[test]
fn every_recorded_aws_cli_command_line_behaves_as_v2() {
    let data = fixture("argv.json");
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 40);
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let Some(args) = presign_args(case["args"].as_array().unwrap()) else {
            continue;
        };
        if NOT_PRESIGN_LINES.contains(&name) {
            continue;
        }
        let mut run = Presign::new().env("PRESIGN_NOW", FROZEN_RFC3339);
        for (k, v) in data["base_env"].as_object().unwrap() {
            run = run.env(k, v.as_str().unwrap());
        }
        for (k, v) in case["env"].as_object().unwrap() {
            match v.as_str() {
                Some(v) => run = run.env(k, v),
                None => run = run.env_remove(k),
            }
        }
        for (rel, body) in case["files"].as_object().unwrap() {
            run = run.file(rel, body.as_str().unwrap());
        }
        let run = run.args(&args);
        let out = run.output();
        compared += 1;
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        let want_stdout = run.fill(case["stdout"].as_str().unwrap());
        let want = case["exit"].as_i64().unwrap() as i32;
        let status = out.status.code().unwrap_or(-1);
        let why = if let Some((_, status_here, _)) =
            GRAMMAR_DIFFERENCES.iter().find(|(n, ..)| *n == name)
        {
            (status != *status_here)
                .then(|| format!("status {status}, want {status_here} (deliberate)"))
        } else if case["stdout"].as_str().unwrap().starts_with("aws-cli/") {
            (status != 0 || !stdout.starts_with("presign ")).then(|| format!("status {status}"))
        } else if name.starts_with("help") {
            (status != want).then(|| format!("status {status}, want {want}"))
        } else if status != want {
            Some(format!("status {status}, want {want}"))
        } else if want == 0 && !name.starts_with("debug") && stdout != want_stdout {
            Some(format!("stdout {stdout:?}, want {want_stdout:?}"))
        } else if want != 0
            && (!stdout.is_empty() || stderr.matches("presign: error:").count() != 1)
        {
            Some(format!("stdout {stdout:?}, stderr {stderr:?}"))
        } else {
            None
        };
        if let Some(why) = why {
            failures.push(format!("{name} {args:?}: {why}\n  stderr: {stderr}"));
        }
    }
    assert!(compared >= 40, "only {compared} command lines compared");
    assert!(
        failures.is_empty(),
        "{} of {compared} command lines differ from AWS CLI v2:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The exact stderr of a representative set of bad inputs (a snapshot of
/// each message: the problem, the fix, one line) with the exact status.
#[test]
fn bad_input_messages_are_exact() {
    let region = |run: Presign| run.env("AWS_REGION", "us-east-1");
    let cases: Vec<(Presign, i32, &str)> = vec![
        (
            base().args(["s3://bucket"]),
            252,
            "s3://bucket/ names no object key (give s3://BUCKET/KEY)",
        ),
        (
            base().args(["s3://my bucket/k"]),
            252,
            "invalid bucket name \"my bucket\": a bucket name is 1 to 255 letters, digits, '.', '-' or '_', or an access point ARN",
        ),
        (
            obj().args(["--expires-in", "604801"]),
            252,
            "--expires-in 604801 is out of range: SigV4 URLs last from 1 to 604800 seconds (7 days)",
        ),
        (
            obj().args(["--expires-in", "1.5"]),
            255,
            "--expires-in takes whole seconds from 1 to 604800, not '1.5'",
        ),
        (
            obj().args(["--expires-ix", "5"]),
            252,
            "unexpected argument '--expires-ix' found (a similar argument exists: '--expires-in'; see 'presign --help')",
        ),
        (
            obj().args(["--no"]),
            252,
            "ambiguous option: --no could match --no-verify-ssl, --no-paginate, --no-sign-request, --no-cli-pager, --no-cli-auto-prompt (write more of the option's name)",
        ),
        (
            obj().args(["600"]),
            252,
            "Unknown options: 600 (quote a key that has spaces; several objects must each be an s3://BUCKET/KEY)",
        ),
        (
            obj().args(["--color", "bogus"]),
            252,
            "invalid value 'bogus' for '--color <COLOR>' [possible values: on, off, auto] (see 'presign --help')",
        ),
        (
            obj().args(["--endpoint-url", "not-a-url"]),
            252,
            "bad value for --endpoint-url \"not-a-url\": scheme is missing (use http://HOST/ or https://HOST/)",
        ),
        (
            obj().args(["--endpoint-url", "https://u:pw@h.example"]),
            255,
            "endpoint URL `https://***@h.example` carries user info (user:password@), which S3 never reads and every presigned URL would give away (drop it; credentials come from the profile)",
        ),
        (
            obj().args(["--region", "bad region"]),
            255,
            "provided region_name 'bad region' doesn't match a supported format (a region looks like eu-west-2)",
        ),
        (
            obj().args(["--profile", "nosuch"]),
            255,
            "the config profile (nosuch) could not be found (define [profile nosuch] in the config file or [nosuch] in the credentials file, or pick another with --profile)",
        ),
        (
            region(Presign::new()).args(["s3://b/k"]),
            253,
            "unable to locate credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add aws_access_key_id and aws_secret_access_key to a profile in ~/.aws/credentials)",
        ),
        (
            region(Presign::new())
                .env("AWS_ACCESS_KEY_ID", AK)
                .args(["s3://b/k"]),
            255,
            "partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY",
        ),
        (
            obj().args(["--cli-auto-prompt"]),
            255,
            "--cli-auto-prompt: presign has no interactive prompt (drop the option)",
        ),
    ];
    let mut failures = Vec::new();
    for (run, status, message) in cases {
        let run = run.env("AWS_EC2_METADATA_DISABLED", "true");
        let out = run.output();
        let want = format!("presign: error: {message}\n");
        let got = text(&out.stderr);
        if got != want || out.status.code() != Some(status) || !out.stdout.is_empty() {
            failures.push(format!(
                "{:?}: status {:?} (want {status})\n  got  {got:?}\n  want {want:?}",
                run.arguments(),
                out.status.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
