//! presign's own calls to AWS through the real HTTP client, against loopback
//! stand-ins (tests/support/netstub.py, started and killed by pid): the
//! endpoint AWS CLI v2 picks (seen at a logging proxy, so no name is ever
//! looked up), the proxy variables, `--cli-read-timeout`, and one clean line
//! with v2's exit status when nothing answers.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use crate::support::Presign;

const CONFIG: &str =
    "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\n";
const CREDENTIALS: &str = "[base]\naws_access_key_id = AKIABASE000000000000\naws_secret_access_key = basesecret/wJalrXUtnFEMI\n";

/// A netstub process, killed when dropped.
struct Stub {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Stub {
    fn start(mode: &str, dir: &Path) -> Stub {
        Stub::start_with(mode, dir, &[])
    }

    /// `answer` mode: every request gets `status`, `body` and `headers`.
    fn answering(dir: &Path, status: u16, body: &str, headers: &[&str]) -> Stub {
        let mut args = vec![status.to_string(), body.to_owned()];
        args.extend(headers.iter().map(|h| h.to_string()));
        Stub::start_with("answer", dir, &args)
    }

    fn start_with(mode: &str, dir: &Path, extra: &[String]) -> Stub {
        let log = dir.join(format!("{mode}.log"));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/netstub.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(mode)
            .arg(&log)
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs tests/support/netstub.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("netstub prints its port");
        Stub { child, port, log }
    }

    fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(home.path().join(".aws/config"), CONFIG).unwrap();
    std::fs::write(home.path().join(".aws/credentials"), CREDENTIALS).unwrap();
    home
}

/// presign in `home` with only `env` (and HOME, PATH, a frozen clock,
/// instance metadata off).
fn presign(home: &Path, env: &[(&str, String)], args: &[&str]) -> Output {
    Presign::at_home(home)
        .env("PRESIGN_NOW", "2026-01-02T03:04:05Z")
        .env("AWS_MAX_ATTEMPTS", "1")
        .envs(env.iter().map(|(k, v)| (k, v.as_str())))
        .args(args)
        .output()
}

fn one_line_error(out: &Output, status: i32, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(status), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(needle), "{needle:?} in {stderr}");
    assert!(!stderr.contains("basesecret"), "{stderr}");
}

#[test]
fn sts_goes_to_the_endpoint_v2_picks_for_each_region_setting() {
    let dir = tempfile::tempdir().unwrap();
    let proxy = Stub::start("proxy", dir.path());
    let via = format!("http://127.0.0.1:{}", proxy.port);
    let home = home();
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[], "CONNECT sts.amazonaws.com:443"),
        (
            &[("AWS_REGION", "eu-west-1")],
            "CONNECT sts.eu-west-1.amazonaws.com:443",
        ),
        (
            &[
                ("AWS_REGION", "us-east-2"),
                ("AWS_USE_FIPS_ENDPOINT", "true"),
            ],
            "CONNECT sts-fips.us-east-2.amazonaws.com:443",
        ),
        (
            &[
                ("AWS_REGION", "us-east-2"),
                ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
            ],
            "CONNECT sts.us-east-2.api.aws:443",
        ),
        (
            &[("AWS_DEFAULT_REGION", "cn-north-1")],
            "CONNECT sts.cn-north-1.amazonaws.com.cn:443",
        ),
    ];
    for (i, (vars, connect)) in cases.iter().enumerate() {
        let mut env: Vec<(&str, String)> = vars.iter().map(|(k, v)| (*k, v.to_string())).collect();
        env.push(("HTTPS_PROXY", via.clone()));
        let out = presign(home.path(), &env, &["s3://b/k", "--profile", "dev"]);
        one_line_error(&out, 255, "failed to connect to the proxy");
        let lines = proxy.lines();
        assert_eq!(lines.len(), i + 1, "{lines:?}");
        assert!(lines[i].starts_with(connect), "{} / {connect}", lines[i]);
    }
}

#[test]
fn lower_case_https_proxy_wins_and_no_proxy_bypasses_it() {
    let dir = tempfile::tempdir().unwrap();
    let upper = Stub::start("proxy", dir.path());
    let lower_dir = tempfile::tempdir().unwrap();
    let lower = Stub::start("proxy", lower_dir.path());
    let home = home();
    let env = [
        ("AWS_REGION", "eu-west-1".to_owned()),
        ("HTTPS_PROXY", format!("http://127.0.0.1:{}", upper.port)),
        ("https_proxy", format!("http://127.0.0.1:{}", lower.port)),
    ];
    let out = presign(home.path(), &env, &["s3://b/k", "--profile", "dev"]);
    one_line_error(&out, 255, "failed to connect to the proxy");
    assert_eq!(lower.lines().len(), 1);
    assert!(upper.lines().is_empty());

    // A configured loopback STS listed in NO_PROXY is called directly
    // (here: nothing listens, so the direct call fails to connect).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let env = [
        ("AWS_ENDPOINT_URL_STS", format!("http://127.0.0.1:{port}")),
        ("HTTP_PROXY", format!("http://127.0.0.1:{}", upper.port)),
        ("NO_PROXY", "localhost,127.0.0.1".to_owned()),
    ];
    let out = presign(home.path(), &env, &["s3://b/k", "--profile", "dev"]);
    one_line_error(&out, 255, "could not connect");
    assert!(upper.lines().is_empty(), "NO_PROXY bypassed the proxy");
}

#[test]
fn an_sts_that_never_answers_is_a_read_timeout_after_cli_read_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let silent = Stub::start("silent", dir.path());
    let home = home();
    let env = [(
        "AWS_ENDPOINT_URL_STS",
        format!("http://127.0.0.1:{}", silent.port),
    )];
    let out = presign(
        home.path(),
        &env,
        &["s3://b/k", "--profile", "dev", "--cli-read-timeout", "1"],
    );
    // The command line names its option as the fix.
    one_line_error(
        &out,
        255,
        "read timeout on endpoint URL \"http://127.0.0.1:",
    );
    one_line_error(
        &out,
        255,
        "of STS (the service is slow or down; raise --cli-read-timeout)",
    );
    assert_eq!(silent.lines().len(), 1, "one attempt (AWS_MAX_ATTEMPTS=1)");
    assert!(silent.lines()[0].starts_with("POST / HTTP/1.1"));
}

#[test]
fn an_sts_nobody_listens_on_is_retried_then_one_line_naming_it() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let home = home();
    let url = format!("http://127.0.0.1:{port}");
    let out = presign(
        home.path(),
        &[
            ("AWS_ENDPOINT_URL_STS", url.clone()),
            ("AWS_MAX_ATTEMPTS", "2".to_owned()),
        ],
        &["s3://b/k", "--profile", "dev"],
    );
    one_line_error(
        &out,
        255,
        &format!("could not connect to the endpoint URL \"{url}/\""),
    );
}

#[test]
fn a_static_key_run_makes_no_connection_even_with_a_proxy_set() {
    let dir = tempfile::tempdir().unwrap();
    let proxy = Stub::start("proxy", dir.path());
    let home = home();
    let env = [
        ("HTTPS_PROXY", format!("http://127.0.0.1:{}", proxy.port)),
        ("HTTP_PROXY", format!("http://127.0.0.1:{}", proxy.port)),
    ];
    let out = presign(home.path(), &env, &["s3://b/k", "--profile", "base"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(proxy.lines().is_empty());
}

#[test]
fn a_batch_resolves_credentials_once_and_reports_a_failure_once() {
    let dir = tempfile::tempdir().unwrap();
    let silent = Stub::start("silent", dir.path());
    let home = home();
    let list = home.path().join("keys.txt");
    std::fs::write(&list, "s3://b/1\ns3://b/2\ns3://b/3\n").unwrap();
    let env = [(
        "AWS_ENDPOINT_URL_STS",
        format!("http://127.0.0.1:{}", silent.port),
    )];
    let out = presign(
        home.path(),
        &env,
        &[
            "--from",
            list.to_str().unwrap(),
            "--profile",
            "dev",
            "--cli-read-timeout",
            "1",
        ],
    );
    one_line_error(&out, 255, "read timeout");
    assert_eq!(
        silent.lines().len(),
        1,
        "one AssumeRole for the whole batch"
    );
}

#[test]
fn a_role_session_shorter_than_the_url_warns_and_strict_refuses() {
    // A session cached by AWS CLI v2 with one hour left (PRESIGN_NOW is
    // 03:04:05): a 7-day URL would die after that hour.
    let home = home();
    let cache = home.path().join(".aws/cli/cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        cache.join("af854889538ac1a069a8274d5ee4dc500f8b1f91.json"),
        r#"{"Credentials": {"AccessKeyId": "ASIACACHED", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2026-01-02T04:04:05+00:00", "AccountId": "123456789012"}}"#,
    )
    .unwrap();
    let args = ["s3://b/k", "--profile", "dev", "--expires-in", "604800"];
    let out = presign(home.path(), &[], &args);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: the credentials expire at 2026-01-02T04:04:05Z"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("X-Amz-Credential=ASIACACHED%2F"));

    let mut strict = args.to_vec();
    strict.push("--strict");
    let out = presign(home.path(), &[], &strict);
    one_line_error(&out, 252, "--expires-in 3600 or less");

    // Measured from --signing-time when it is given.
    let mut later = args.to_vec();
    later.extend([
        "--expires-in",
        "1800",
        "--signing-time",
        "2026-01-02T03:50:00Z",
        "--strict",
    ]);
    let out = presign(home.path(), &[], &later);
    one_line_error(&out, 252, "--expires-in 845 or less");
}

/// The files of a recorded AWS CLI v2 case (tests/fixtures/creds.json).
fn case_files(name: &str) -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/creds.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let case = doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap();
    case["files"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

/// How a failing service behaves.
#[derive(Debug, Clone, Copy)]
enum Failure {
    /// Nothing listens.
    Down,
    /// Accepts and never answers (beyond the timeout).
    Slow,
    /// Answers with this status, body and headers.
    Answer(u16, &'static str, &'static [&'static str]),
}

/// Runs `args` in a HOME holding `files`, with `service_env` pointed at a
/// stand-in that fails as `failure` says; returns the output.
fn against(
    files: &[(String, String)],
    service_env: &str,
    path: &str,
    failure: Failure,
    extra_env: &[(&str, String)],
    args: &[&str],
) -> Output {
    let home = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let p = home.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let stub = match failure {
        Failure::Down => None,
        Failure::Slow => Some(Stub::start("silent", dir.path())),
        Failure::Answer(status, body, headers) => {
            Some(Stub::answering(dir.path(), status, body, headers))
        }
    };
    let port = match &stub {
        Some(s) => s.port,
        None => {
            let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            closed.local_addr().unwrap().port()
        }
    };
    let mut env: Vec<(&str, String)> =
        vec![(service_env, format!("http://127.0.0.1:{port}{path}"))];
    env.extend(extra_env.iter().cloned());
    let mut run = Presign::at_home(home.path())
        .env("PRESIGN_NOW", "2026-01-02T03:04:05Z")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .args(args)
        .args(["--cli-read-timeout", "1"]);
    if service_env == "AWS_EC2_METADATA_SERVICE_ENDPOINT" {
        run = run.env_remove("AWS_EC2_METADATA_DISABLED");
    }
    run.output()
}

fn check_all(
    source: &str,
    files: &[(String, String)],
    service_env: &str,
    path: &str,
    extra_env: &[(&str, String)],
    args: &[&str],
    cases: &[(Failure, i32, &str)],
) {
    let mut wrong = Vec::new();
    for (failure, status, needle) in cases {
        let out = against(files, service_env, path, *failure, extra_env, args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let ok = out.status.code() == Some(*status)
            && out.stdout.is_empty()
            && stderr.lines().count() == 1
            && stderr.contains(needle);
        if !ok {
            wrong.push(format!(
                "{source} {failure:?}: status {:?} (want {status}), stderr {stderr:?} (want one line with {needle:?})",
                out.status.code()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

const XML_500: &str = "<Error><Code>InternalError</Code><Message>broken</Message></Error>";

#[test]
fn every_failure_of_iam_identity_center_is_one_line_with_v2s_status() {
    let files = case_files("sso-session");
    let expired = r#"{"roleCredentials": {"accessKeyId": "ASIAX", "secretAccessKey": "s", "sessionToken": "t", "expiration": 1767322000000}}"#;
    check_all(
        "sso",
        &files,
        "AWS_ENDPOINT_URL_SSO",
        "",
        &[],
        &["s3://b/k", "--profile", "sso"],
        &[
            (Failure::Down, 255, "could not connect"),
            (Failure::Slow, 255, "read timeout"),
            (
                Failure::Answer(
                    401,
                    r#"{"message": "Session token not found or invalid"}"#,
                    &["x-amzn-ErrorType: UnauthorizedException"],
                ),
                255,
                "aws sso login",
            ),
            (
                Failure::Answer(
                    403,
                    r#"{"message": "No access"}"#,
                    &["x-amzn-ErrorType: ForbiddenException"],
                ),
                254,
                "ForbiddenException",
            ),
            (
                Failure::Answer(
                    500,
                    r#"{"message": "oops"}"#,
                    &["x-amzn-ErrorType: InternalServerException"],
                ),
                254,
                "InternalServerException",
            ),
            (
                Failure::Answer(200, "not json", &[]),
                255,
                "GetRoleCredentials",
            ),
            // v2: "the refreshed credentials are still expired", 255.
            (Failure::Answer(200, expired, &[]), 255, "already expired"),
        ],
    );
}

#[test]
fn every_failure_of_an_aws_login_refresh_is_one_line_with_v2s_status() {
    let files = case_files("login-refresh");
    check_all(
        "login",
        &files,
        "AWS_ENDPOINT_URL_SIGNIN",
        "",
        &[],
        &["s3://b/k", "--profile", "me"],
        &[
            (Failure::Down, 255, "could not connect"),
            (Failure::Slow, 255, "read timeout"),
            (
                Failure::Answer(
                    401,
                    r#"{"error": "TOKEN_EXPIRED", "message": "expired"}"#,
                    &["x-amzn-ErrorType: AccessDeniedException"],
                ),
                255,
                "aws login",
            ),
            (
                Failure::Answer(
                    500,
                    r#"{"message": "oops"}"#,
                    &["x-amzn-ErrorType: InternalServerException"],
                ),
                254,
                "InternalServerException",
            ),
            (Failure::Answer(200, "not json", &[]), 255, "Sign-In"),
        ],
    );
}

#[test]
fn every_failure_of_the_container_endpoint_is_one_line_with_v2s_status() {
    check_all(
        "container",
        &[],
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "/creds",
        &[],
        &["s3://b/k", "--region", "eu-west-1"],
        &[
            (Failure::Down, 255, "container"),
            (Failure::Slow, 255, "container"),
            (Failure::Answer(403, "denied", &[]), 255, "403"),
            (Failure::Answer(500, "oops", &[]), 255, "500"),
            (Failure::Answer(200, "not json", &[]), 255, "JSON"),
            (
                Failure::Answer(
                    200,
                    r#"{"AccessKeyId": "ASIAX", "SecretAccessKey": "s", "Token": "t", "Expiration": "2026-01-01T00:00:00Z"}"#,
                    &[],
                ),
                255,
                "expired",
            ),
        ],
    );
}

#[test]
fn every_failure_of_instance_metadata_means_no_credentials_253() {
    check_all(
        "imds",
        &[],
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "/",
        &[],
        &["s3://b/k", "--region", "eu-west-1"],
        &[
            (Failure::Down, 253, "unable to locate credentials"),
            (Failure::Slow, 253, "unable to locate credentials"),
            (
                Failure::Answer(404, "nope", &[]),
                253,
                "unable to locate credentials",
            ),
            (
                Failure::Answer(500, XML_500, &[]),
                253,
                "unable to locate credentials",
            ),
            (
                Failure::Answer(200, "not json", &[]),
                253,
                "unable to locate credentials",
            ),
        ],
    );
}
