//! Directory buckets (S3 Express One Zone) through the real binary, against a
//! loopback CreateSession endpoint (tests/support/s3express.py, a separate
//! process started and killed by pid, which checks each CreateSession's
//! SigV4 signature and each presigned URL's query signature with its own
//! Python SigV4).
//!
//! - Every AWS CLI v2 vector of tests/fixtures/s3express.json (recorded
//!   against `http://127.0.0.1:18555`): once with that address reached
//!   through the server as an HTTP proxy (so stdout is compared byte for
//!   byte, signatures included), once with the server's real address
//!   substituted (byte for byte but the host-dependent signature, which the
//!   server verifies instead).
//! - The zonal endpoints (`BUCKET.s3express-AZ.REGION.amazonaws.com` and
//!   their FIPS, dual-stack, local-zone and `--xa-s3` forms) reached through
//!   HTTPS_PROXY with a test CA: the CONNECT line, the Host and the URL.
//! - One CreateSession per bucket in a batch, session auth turned off by
//!   environment and config, the expiry warning and `--strict`, and every
//!   failure: one line, v2's status, no secret.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{Value, json};

use crate::support::Presign;

/// The address AWS CLI v2 called in the recorded runs.
const RECORDED: &str = "http://127.0.0.1:18555";
const NOW: &str = "2026-01-02T03:04:05Z";
const SOURCE_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SOURCE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const BUCKET: &str = "mybucket--usw2-az1--x-s3";

fn fixture() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/s3express.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn vectors() -> Vec<Value> {
    fixture()["vectors"].as_array().unwrap().clone()
}

fn vector(name: &str) -> Value {
    vectors()
        .into_iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("vector {name}"))
}

/// The session answer AWS CLI v2 was given.
fn session_answer() -> Value {
    vector("express-basic")["create_session_response"].clone()
}

/// The text between `<tag>` and `</tag>` of `xml`.
fn xml(xml: &str, tag: &str) -> String {
    let start = xml.find(&format!("<{tag}>")).unwrap() + tag.len() + 2;
    let end = xml.find(&format!("</{tag}>")).unwrap();
    xml[start..end].to_owned()
}

/// Every secret and token of the vectors' runs: none may be printed
/// anywhere but the session token in the URL itself.
fn secrets() -> Vec<String> {
    let body = session_answer()["body"].as_str().unwrap().to_owned();
    vec![
        SOURCE_SECRET.to_owned(),
        "psecret".to_owned(),
        "source/token+secret".to_owned(),
        xml(&body, "SecretAccessKey"),
    ]
}

/// A running tests/support/s3express.py, killed by pid when dropped.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
    dir: tempfile::TempDir,
}

impl Server {
    /// A server answering with `responses` in turn (the last one again).
    fn start(responses: Vec<Value>) -> Server {
        Server::start_with(responses, None)
    }

    /// With `tls_hosts`, tunnels to port 443 are TLS for those names under
    /// a test CA (see [`Server::ca`]).
    fn start_with(responses: Vec<Value>, tls_hosts: Option<&[&str]>) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let body = session_answer()["body"].as_str().unwrap().to_owned();
        let mut config = json!({
            "secrets": {
                SOURCE_KEY: SOURCE_SECRET,
                "AKIAPROFILE": "psecret",
                xml(&body, "AccessKeyId"): xml(&body, "SecretAccessKey"),
            },
            "responses": responses,
        });
        if let Some(hosts) = tls_hosts {
            config["tls_dir"] = json!(dir.path().join("tls"));
            config["tls_hosts"] = json!(hosts);
        }
        let config_path = dir.path().join("config.json");
        std::fs::write(&config_path, config.to_string()).unwrap();
        let log = dir.path().join("log.jsonl");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/s3express.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(&config_path)
            .arg(&log)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs tests/support/s3express.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("s3express.py prints its port");
        Server {
            child,
            port,
            log,
            dir,
        }
    }

    fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn ca(&self) -> PathBuf {
        self.dir.path().join("tls/ca.pem")
    }

    fn records(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The CreateSession requests received.
    fn calls(&self) -> Vec<Value> {
        self.records()
            .into_iter()
            .filter(|r| r.get("method").is_some())
            .collect()
    }

    /// The CONNECT targets received.
    fn connects(&self) -> Vec<String> {
        self.records()
            .iter()
            .filter_map(|r| r.get("connect").and_then(Value::as_str).map(str::to_owned))
            .collect()
    }

    /// Sends a presigned URL's request to the server with `host` as its
    /// Host header, and returns the server's verdict on its signature.
    fn check_url(&self, url: &str, host: &str) -> Value {
        self.check_request("GET", url, host, &[])
    }

    /// [`Server::check_url`] for a request with `method` and `headers`.
    fn check_request(&self, method: &str, url: &str, host: &str, headers: &[&str]) -> Value {
        let before = self.records().len();
        let rest = url.split_once("://").unwrap().1;
        let target = &rest[rest.find('/').unwrap()..];
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
        write!(
            stream,
            "{method} {target} HTTP/1.1\r\nHost: {host}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let records = self.records();
        assert_eq!(records.len(), before + 1);
        records[before].clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh HOME holding `files` (`{HOME}` stands for it).
fn home(files: &[(String, String)]) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = home.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = text.replace("{HOME}", &home.path().display().to_string());
        std::fs::write(path, text).unwrap();
    }
    home
}

/// presign in `home` with only `env`, HOME, PATH, the frozen clock and
/// instance metadata off. Every run has a proxy set to `proxy` (the test
/// server), so that no call can leave the machine.
fn presign(home: &Path, proxy: &Server, env: &[(String, String)], args: &[String]) -> Output {
    Presign::at_home(home)
        .env("PRESIGN_NOW", NOW)
        .env("HTTPS_PROXY", &proxy.address())
        .env("HTTP_PROXY", &proxy.address())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(args)
        .output()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn static_env() -> Vec<(String, String)> {
    pairs(&[
        ("AWS_ACCESS_KEY_ID", SOURCE_KEY),
        ("AWS_SECRET_ACCESS_KEY", SOURCE_SECRET),
        ("AWS_REGION", "us-west-2"),
    ])
}

/// No secret on stderr, and none on stdout but the session token in URLs.
fn no_secrets(out: &Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let body = session_answer()["body"].as_str().unwrap().to_owned();
    let token = xml(&body, "SessionToken");
    for secret in secrets() {
        assert!(!stdout.contains(&secret), "{secret} in {stdout}");
        assert!(!stderr.contains(&secret), "{secret} in {stderr}");
    }
    assert!(!stderr.contains(&token), "session token in {stderr}");
    assert!(
        !stderr.contains("S3XSESSION%2Ftoken"),
        "session token in {stderr}"
    );
}

/// One clean error line with `status`, nothing on stdout, no secret.
fn one_line_error(out: &Output, status: i32, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(status), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {out:?}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} in {stderr}");
    }
    no_secrets(out);
}

/// The part of a CreateSession record a vector's `calls` lists.
fn call_view(record: &Value) -> Value {
    json!({
        "method": record["method"],
        "path": record["path"],
        "query": record["query"],
        "token": record["token"],
        "scope": record["scope"],
        "signed": record["signed"],
        "verified": record["verified"],
    })
}

/// `text` with every `X-Amz-Signature` value replaced by `*`.
fn mask_signature(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        match line.find("X-Amz-Signature=") {
            Some(at) => {
                out.push_str(&line[..at + "X-Amz-Signature=".len()]);
                out.push('*');
                if line.ends_with('\n') {
                    out.push('\n');
                }
            }
            None => out.push_str(line),
        }
    }
    out
}

/// The Host a client sends for a printed URL.
fn url_host(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    rest[..rest.find('/').unwrap()].to_owned()
}

/// Name and value pairs (environment variables, or files and their text).
type Env = Vec<(String, String)>;

/// The argv, env and files of a vector, with `from` replaced by `to`.
fn setup(v: &Value, from: &str, to: &str) -> (Vec<String>, Env, Env) {
    let args = v["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().replace(from, to))
        .collect();
    let env = v["env"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().replace(from, to)))
        .collect();
    let files = v["files"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().replace(from, to)))
        .collect();
    (args, env, files)
}

/// Runs vector `v` with its recorded endpoint replaced by `to` (and
/// `extra` in the environment), against `server`; checks its exit status
/// and returns the output, stdout and stderr.
fn run_vector(
    v: &Value,
    server: &Server,
    to: &str,
    extra: &[(&str, &str)],
) -> (Output, String, String) {
    let name = v["name"].as_str().unwrap();
    let (args, mut env, files) = setup(v, RECORDED, to);
    env.extend(pairs(extra));
    let home = home(&files);
    let out = presign(home.path(), server, &env, &args);
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        v["exit"].as_i64().map(|c| c as i32),
        "{name}: {stderr}"
    );
    (out, stdout, stderr)
}

#[test]
fn every_vector_matches_aws_cli_v2_byte_for_byte_at_the_recorded_address() {
    let all = vectors();
    assert!(all.len() >= 3, "the fixture holds the recorded vectors");
    for v in &all {
        let name = v["name"].as_str().unwrap();
        let server = Server::start(vec![v["create_session_response"].clone()]);
        // The recorded address is reached through the server acting as
        // the HTTP proxy: presign sees (and signs) 127.0.0.1:18555.
        let (out, stdout, stderr) = run_vector(v, &server, RECORDED, &[]);
        assert_eq!(stdout, v["stdout"].as_str().unwrap(), "{name}: {stderr}");
        no_secrets(&out);
        let calls: Vec<Value> = server.calls().iter().map(call_view).collect();
        assert_eq!(&Value::from(calls.clone()), &v["calls"], "{name}");
        assert!(calls.iter().all(|c| c["verified"] == true), "{name}");
        let want_connects = if calls.is_empty() {
            vec![]
        } else {
            vec!["127.0.0.1:18555".to_owned()]
        };
        assert_eq!(server.connects(), want_connects, "{name}");
        // The session's expiry (5 minutes) is before the URL's (an hour).
        let warned = stderr.contains("expires at 2026-01-02T03:09:05Z");
        assert_eq!(warned, !calls.is_empty(), "{name}: {stderr}");
        assert!(stderr.lines().count() <= 1, "{name}: {stderr}");
        // The URL verifies with the keys it names (the session's, or the
        // source's with session auth off).
        let url = stdout.trim_end();
        let verdict = server.check_url(url, &url_host(url));
        assert_eq!(verdict["verified"], true, "{name}: {verdict}");
    }
}

#[test]
fn every_vector_with_the_servers_real_address() {
    for v in vectors() {
        let name = v["name"].as_str().unwrap();
        let server = Server::start(vec![v["create_session_response"].clone()]);
        let address = server.address();
        let (out, stdout, stderr) = run_vector(&v, &server, &address, &[("NO_PROXY", "127.0.0.1")]);
        let want = v["stdout"].as_str().unwrap().replace(RECORDED, &address);
        // The signature covers the host, so with another port it differs
        // from the recorded one: everything else is compared byte for
        // byte, and the server checks the signature itself.
        assert_eq!(
            mask_signature(&stdout),
            mask_signature(&want),
            "{name}: {stderr}"
        );
        no_secrets(&out);
        let calls: Vec<Value> = server.calls().iter().map(call_view).collect();
        assert_eq!(&Value::from(calls), &v["calls"], "{name}");
        assert!(server.connects().is_empty(), "{name}: called directly");
        let url = stdout.trim_end();
        let verdict = server.check_url(url, &url_host(url));
        assert_eq!(verdict["verified"], true, "{name}: {verdict}");
        if url.contains("X-Amz-S3session-Token") {
            assert_eq!(verdict["access_key"], "ASIAS3XSESSION000000");
            assert_eq!(verdict["token"], "S3XSESSION/token+value==");
            assert_eq!(verdict["scope"], "20260102/us-west-2/s3express");
        }
    }
}

#[test]
fn a_batch_makes_one_create_session_per_bucket() {
    let server = Server::start(vec![session_answer()]);
    let home = home(&[]);
    let other = "other--usw2-az1--x-s3";
    let mut lines = String::new();
    for (bucket, key) in [
        (BUCKET, "a.txt"),
        (BUCKET, "b.txt"),
        (other, "c.txt"),
        (BUCKET, "d.txt"),
        (other, "e.txt"),
        (BUCKET, "dir/f.txt"),
    ] {
        lines.push_str(&format!("s3://{bucket}/{key}\n"));
    }
    let list = home.path().join("list.txt");
    std::fs::write(&list, &lines).unwrap();
    let mut env = static_env();
    env.push(("NO_PROXY".to_owned(), "127.0.0.1".to_owned()));
    let args = strings(&[
        "--from",
        list.to_str().unwrap(),
        "--endpoint-url",
        &server.address(),
    ]);
    let out = presign(home.path(), &server, &env, &args);
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    no_secrets(&out);
    let calls = server.calls();
    let paths: Vec<&str> = calls.iter().map(|c| c["path"].as_str().unwrap()).collect();
    assert_eq!(paths, [format!("/{BUCKET}"), format!("/{other}")]);
    assert!(calls.iter().all(|c| c["verified"] == true));
    // Each bucket's session expiry is warned about once.
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    let urls: Vec<&str> = stdout.lines().collect();
    assert_eq!(urls.len(), 6);
    for (url, line) in urls.iter().zip(lines.lines()) {
        let path = line.strip_prefix("s3://").unwrap();
        assert!(url.contains(&format!("/{path}?")), "{url} for {line}");
        let verdict = server.check_url(url, &url_host(url));
        assert_eq!(verdict["verified"], true, "{url}: {verdict}");
    }

    // Two URIs of one bucket on the command line: one call too, and
    // --debug says the second reused the session.
    let server = Server::start(vec![session_answer()]);
    let mut args = strings(&[
        &format!("s3://{BUCKET}/one"),
        &format!("s3://{BUCKET}/two"),
        "--endpoint-url",
        &server.address(),
        "--debug",
    ]);
    args.push("--expires-in".to_owned());
    args.push("300".to_owned());
    let out = presign(home.path(), &server, &env, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(server.calls().len(), 1);
    assert!(
        stderr.contains(&format!(
            "S3 Express: CreateSession for directory bucket {BUCKET} at {}/{BUCKET}?session",
            server.address()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("reusing the session of directory bucket {BUCKET}")),
        "{stderr}"
    );
    assert!(
        !stderr.contains("warning"),
        "300 s fit the session: {stderr}"
    );
    no_secrets(&out);
}

#[test]
fn zonal_endpoints_are_reached_by_their_host_names_through_a_proxy() {
    if !have_openssl() {
        return;
    }
    // (bucket, extra env, host)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            BUCKET,
            &[],
            "mybucket--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com",
        ),
        (
            BUCKET,
            &[("AWS_USE_FIPS_ENDPOINT", "true")],
            "mybucket--usw2-az1--x-s3.s3express-fips-usw2-az1.us-west-2.amazonaws.com",
        ),
        (
            BUCKET,
            &[("AWS_USE_DUALSTACK_ENDPOINT", "true")],
            "mybucket--usw2-az1--x-s3.s3express-usw2-az1.dualstack.us-west-2.amazonaws.com",
        ),
        (
            "lz--usw2-lax1-az1--x-s3",
            &[],
            "lz--usw2-lax1-az1--x-s3.s3express-usw2-lax1-az1.us-west-2.amazonaws.com",
        ),
        (
            "ap--use1-az10--xa-s3",
            &[],
            "ap--use1-az10--xa-s3.s3express-use1-az10.us-west-2.amazonaws.com",
        ),
    ];
    let hosts: Vec<&str> = cases.iter().map(|c| c.2).collect();
    let server = Server::start_with(vec![session_answer()], Some(&hosts));
    let home = home(&[]);
    for (i, (bucket, extra, host)) in cases.iter().enumerate() {
        let mut env = static_env();
        env.extend(pairs(extra));
        env.push((
            "AWS_CA_BUNDLE".to_owned(),
            server.ca().display().to_string(),
        ));
        let args = vec![format!("s3://{bucket}/key.txt")];
        let out = presign(home.path(), &server, &env, &args);
        let stdout = String::from_utf8(out.stdout.clone()).unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{host}: {stderr}");
        assert!(
            stdout.starts_with(&format!("https://{host}/key.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAS3XSESSION000000%2F20260102%2Fus-west-2%2Fs3express%2Faws4_request&")),
            "{stdout}"
        );
        assert!(stdout.contains("&X-Amz-SignedHeaders=host&X-Amz-S3session-Token=S3XSESSION%2Ftoken%2Bvalue%3D%3D&X-Amz-Signature="));
        assert_eq!(server.connects().len(), i + 1);
        assert_eq!(server.connects()[i], format!("{host}:443"));
        let calls = server.calls();
        assert_eq!(calls.len(), i + 1);
        let call = &calls[i];
        assert_eq!(call["host"], *host);
        assert_eq!(call["path"], "/");
        assert_eq!(call["query"], "session");
        assert_eq!(call["scope"], "20260102/us-west-2/s3express");
        assert_eq!(call["verified"], true, "{call}");
        no_secrets(&out);
        let verdict = server.check_url(stdout.trim_end(), host);
        assert_eq!(verdict["verified"], true, "{host}: {verdict}");
    }
}

/// CreateSession is a call of the command's own S3 client, which AWS CLI v2
/// builds with `--ca-bundle` (before `AWS_CA_BUNDLE`) and `--no-verify-ssl`:
/// a zonal endpoint whose certificate only the test CA vouches for fails
/// without either, and works with either.
#[test]
fn ca_bundle_and_no_verify_ssl_apply_to_create_session() {
    if !have_openssl() {
        return;
    }
    let host = "mybucket--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com";
    let server = Server::start_with(vec![session_answer()], Some(&[host]));
    let home = home(&[]);
    let uri = format!("s3://{BUCKET}/key.txt");
    let run = |extra_env: &[(&str, &str)], args: &[&str]| {
        let mut env = static_env();
        env.extend(pairs(extra_env));
        let mut all = vec![uri.clone()];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        presign(home.path(), &server, &env, &all)
    };
    let ca = server.ca().display().to_string();

    let unknown = run(&[], &[]);
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert_eq!(unknown.status.code(), Some(255), "{stderr}");
    assert!(unknown.stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("CreateSession"), "{stderr}");

    let wrong_env_bundle = std::env::temp_dir().join("presign-no-such-bundle.pem");
    for (env, args) in [
        (vec![], vec!["--ca-bundle", ca.as_str()]),
        // --ca-bundle beats AWS_CA_BUNDLE.
        (
            vec![("AWS_CA_BUNDLE", wrong_env_bundle.to_str().unwrap())],
            vec!["--ca-bundle", ca.as_str()],
        ),
        (vec![], vec!["--no-verify-ssl"]),
    ] {
        let out = run(&env, &args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.starts_with(&format!("https://{host}/key.txt?")),
            "{stdout}"
        );
        assert!(stdout.contains("X-Amz-S3session-Token="), "{stdout}");
        no_secrets(&out);
    }
    // Every call that reached the server was a verified CreateSession.
    let calls = server.calls();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert!(calls.iter().all(|c| c["verified"] == true), "{calls:?}");
}

/// The other modes sign directory buckets with the session too: an upload
/// with a signed content type, a response override, the JSON and curl
/// formats (each URL checked by the server, with the method and headers a
/// client sends); an upload form is refused in one line.
#[test]
fn every_mode_signs_a_directory_bucket_with_the_session() {
    let server = Server::start(vec![session_answer()]);
    let home = home(&[]);
    let mut env = static_env();
    env.push(("NO_PROXY".to_owned(), "127.0.0.1".to_owned()));
    let address = server.address();
    let run = |args: &[&str]| {
        let mut all = strings(args);
        all.extend(strings(&["--endpoint-url", &address]));
        presign(home.path(), &server, &env, &all)
    };
    let uri = format!("s3://{BUCKET}/up load.txt");
    let host = address.trim_start_matches("http://").to_owned();
    let check = |method: &str, url: &str, headers: &[&str]| {
        let verdict = server.check_request(method, url, &host, headers);
        assert_eq!(verdict["verified"], true, "{method} {url}: {verdict}");
        assert_eq!(verdict["access_key"], "ASIAS3XSESSION000000");
        assert_eq!(verdict["scope"], "20260102/us-west-2/s3express");
    };

    let put = run(&[&uri, "--method", "PUT", "--content-type", "text/plain"]);
    assert_eq!(
        put.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&put.stderr)
    );
    let url = String::from_utf8(put.stdout.clone()).unwrap();
    assert!(
        url.contains("&X-Amz-SignedHeaders=content-type%3Bhost&X-Amz-S3session-Token="),
        "{url}"
    );
    check("PUT", url.trim_end(), &["Content-Type: text/plain"]);
    no_secrets(&put);

    let get = run(&[&uri, "--response-content-disposition", "attachment"]);
    let url = String::from_utf8(get.stdout.clone()).unwrap();
    assert!(
        url.contains("response-content-disposition=attachment"),
        "{url}"
    );
    check("GET", url.trim_end(), &[]);

    let json = run(&[&uri, "--format", "json"]);
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    check("GET", doc["url"].as_str().unwrap(), &[]);

    let curl = run(&[&uri, "--method", "PUT", "--format", "curl"]);
    let command = String::from_utf8(curl.stdout.clone()).unwrap();
    assert!(command.starts_with("curl "), "{command}");
    assert!(
        command.contains("--path-as-is") && command.contains("X-Amz-S3session-Token="),
        "{command}"
    );

    // One CreateSession for each of the four runs.
    let calls = server.calls();
    assert_eq!(calls.len(), 4, "{calls:?}");

    let post = run(&["post", &uri]);
    one_line_error(&post, 255, &["directory buckets", "--method PUT"]);
}

/// Whether the openssl command (for the test CA of the zonal endpoint
/// tests) is there; where it is not, the test says it is skipped, and under
/// CI (`PRESIGN_CREDS=required`, as `.ci/run` sets) it fails instead.
fn have_openssl() -> bool {
    if which("openssl").is_some() {
        return true;
    }
    assert_ne!(
        std::env::var("PRESIGN_CREDS").as_deref(),
        Ok("required"),
        "the zonal endpoint tests need the openssl command (scripts/install-test-deps.sh installs it)"
    );
    eprintln!("skipped: the zonal endpoint test needs the openssl command for its test CA");
    false
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(tool))
            .find(|p| p.is_file())
    })
}

#[test]
fn a_source_session_token_signs_create_session_and_stays_out_of_the_url() {
    let server = Server::start(vec![session_answer()]);
    let home = home(&[]);
    let mut env = static_env();
    env.push((
        "AWS_SESSION_TOKEN".to_owned(),
        "source/token+secret".to_owned(),
    ));
    env.push(("NO_PROXY".to_owned(), "127.0.0.1".to_owned()));
    let args = vec![
        format!("s3://{BUCKET}/key.txt"),
        "--endpoint-url".to_owned(),
        server.address(),
    ];
    let out = presign(home.path(), &server, &env, &args);
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!stdout.contains("X-Amz-Security-Token"), "{stdout}");
    assert!(stdout.contains("X-Amz-S3session-Token=S3XSESSION%2Ftoken%2Bvalue%3D%3D"));
    no_secrets(&out);
    let calls = server.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["token"], "source/token+secret");
    assert_eq!(
        calls[0]["signed"],
        "host;x-amz-content-sha256;x-amz-date;x-amz-security-token"
    );
    assert_eq!(calls[0]["verified"], true);
}

#[test]
fn session_auth_turned_off_by_config_signs_the_plain_keys_offline() {
    let off = vector("express-session-auth-off-env");
    let server = Server::start(vec![session_answer()]);
    let args = vec![format!("s3://{BUCKET}/key.txt")];
    // The profile's top-level key gives what the environment variable did.
    for value in ["true", "TRUE"] {
        let home = home(&pairs(&[(
            ".aws/config",
            &format!("[default]\ns3_disable_express_session_auth = {value}\n"),
        )]));
        let out = presign(home.path(), &server, &static_env(), &args);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            String::from_utf8(out.stdout.clone()).unwrap(),
            off["stdout"]
        );
        assert!(out.stderr.is_empty(), "no session, no warning");
    }
    assert!(server.records().is_empty(), "no call, not even a CONNECT");

    // The environment wins over the profile: false there means sessions.
    let profile_on = home(&pairs(&[(
        ".aws/config",
        "[default]\ns3_disable_express_session_auth = true\n",
    )]));
    let mut env = static_env();
    env.push((
        "AWS_S3_DISABLE_EXPRESS_SESSION_AUTH".to_owned(),
        "false".to_owned(),
    ));
    env.push(("NO_PROXY".to_owned(), "127.0.0.1".to_owned()));
    let mut with_endpoint = args.clone();
    with_endpoint.extend(["--endpoint-url".to_owned(), server.address()]);
    let out = presign(profile_on.path(), &server, &env, &with_endpoint);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("X-Amz-S3session-Token="));
    assert_eq!(server.calls().len(), 1);

    // A value that is no boolean fails every run, as botocore's client does.
    for (env_value, file) in [
        (Some("yes"), ""),
        (None, "s3_disable_express_session_auth = 1\n"),
    ] {
        let home = home(&pairs(&[(".aws/config", &format!("[default]\n{file}"))]));
        let mut env = static_env();
        if let Some(v) = env_value {
            env.push((
                "AWS_S3_DISABLE_EXPRESS_SESSION_AUTH".to_owned(),
                v.to_owned(),
            ));
        }
        let out = presign(
            home.path(),
            &server,
            &env,
            &strings(&["s3://plain-bucket/k"]),
        );
        one_line_error(
            &out,
            255,
            &["s3_disable_express_session_auth", "true or false"],
        );
    }
}

#[test]
fn a_url_that_outlives_its_session_warns_and_strict_refuses() {
    let server = Server::start(vec![session_answer()]);
    let home = home(&[]);
    let mut env = static_env();
    env.push(("NO_PROXY".to_owned(), "127.0.0.1".to_owned()));
    let run = |extra: &[&str]| {
        let mut args = vec![
            format!("s3://{BUCKET}/key.txt"),
            "--endpoint-url".to_owned(),
            server.address(),
        ];
        args.extend(strings(extra));
        presign(home.path(), &server, &env, &args)
    };
    // The default hour outlives the five-minute session: one warning line,
    // the URL on stdout as v2 prints it.
    let out = run(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("the S3 Express session of directory bucket {BUCKET} expires at 2026-01-02T03:09:05Z, before the URL would (2026-01-02T04:04:05Z)")),
        "{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);

    let out = run(&["--strict"]);
    one_line_error(&out, 252, &[BUCKET, "--expires-in 300 or less"]);
    let out = run(&["--strict", "--expires-in", "301"]);
    one_line_error(&out, 252, &["--expires-in 300 or less"]);
    // Exactly the session's lifetime is fine, and warns of nothing.
    let out = run(&["--strict", "--expires-in", "300"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Measured from the signing time: signed a minute later, 300 s end
    // after the session.
    let out = run(&[
        "--strict",
        "--expires-in",
        "300",
        "--signing-time",
        "2026-01-02T03:05:05Z",
    ]);
    one_line_error(&out, 252, &["--expires-in 240 or less"]);
    // A session already over at the clock's time is expired credentials.
    let expired = {
        let mut answer = session_answer();
        let body = answer["body"]
            .as_str()
            .unwrap()
            .replace("03:09:05", "03:00:00");
        answer["body"] = json!(body);
        answer
    };
    let server = Server::start(vec![expired]);
    let args = vec![
        format!("s3://{BUCKET}/key.txt"),
        "--endpoint-url".to_owned(),
        server.address(),
    ];
    let out = presign(home.path(), &server, &env, &args);
    one_line_error(&out, 253, &["S3 Express session", BUCKET, "expired"]);
}

#[test]
fn every_create_session_failure_is_one_line_with_v2s_status() {
    let answer = |status: u16, body: &str| json!({"status": status, "content_type": "application/xml", "body": body});
    let denied = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
    // (answer, attempts, status, calls, words)
    let cases: Vec<(Value, &str, i32, usize, Vec<&str>)> = vec![
        (
            answer(403, denied),
            "3",
            254,
            1,
            vec!["AccessDenied", BUCKET, "s3express:CreateSession"],
        ),
        (
            answer(
                404,
                "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>",
            ),
            "3",
            254,
            1,
            vec!["NoSuchBucket", BUCKET, "Availability Zone"],
        ),
        (
            answer(
                503,
                "<Error><Code>ServiceUnavailable</Code><Message>Busy</Message></Error>",
            ),
            "2",
            254,
            2,
            vec!["ServiceUnavailable", "after 2 attempts", BUCKET],
        ),
        (
            answer(200, "<html>not a session</html>"),
            "3",
            255,
            1,
            vec!["no session credentials", BUCKET],
        ),
        (
            answer(
                200,
                "<CreateSessionResult><Credentials><AccessKeyId>A</AccessKeyId></Credentials></CreateSessionResult>",
            ),
            "3",
            255,
            1,
            vec!["no session credentials", BUCKET],
        ),
    ];
    let home = home(&[]);
    for (response, attempts, status, calls, words) in cases {
        let server = Server::start(vec![response]);
        let mut env = static_env();
        env.push(("NO_PROXY".to_owned(), "127.0.0.1".to_owned()));
        env.push(("AWS_MAX_ATTEMPTS".to_owned(), attempts.to_owned()));
        for debug in [false, true] {
            let before = server.calls().len();
            let mut args = vec![
                format!("s3://{BUCKET}/key.txt"),
                "--endpoint-url".to_owned(),
                server.address(),
            ];
            if debug {
                args.push("--debug".to_owned());
            }
            let out = presign(home.path(), &server, &env, &args);
            if debug {
                // The trail may be long; the error is its last line.
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(status), "{stderr}");
                assert!(out.stdout.is_empty());
                no_secrets(&out);
                let last = stderr.lines().last().unwrap();
                assert!(last.contains("error"), "{stderr}");
            } else {
                one_line_error(&out, status, &words);
            }
            assert_eq!(server.calls().len() - before, calls, "{words:?}");
            assert!(server.calls().iter().all(|c| c["verified"] == true));
        }
    }

    // Nobody listening: retried, then one line naming the endpoint.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let server = Server::start(vec![session_answer()]);
    let mut env = static_env();
    env.push(("NO_PROXY".to_owned(), "127.0.0.1".to_owned()));
    env.push(("AWS_MAX_ATTEMPTS".to_owned(), "1".to_owned()));
    let args = vec![
        format!("s3://{BUCKET}/key.txt"),
        "--endpoint-url".to_owned(),
        format!("http://127.0.0.1:{port}"),
    ];
    let out = presign(home.path(), &server, &env, &args);
    one_line_error(&out, 255, &["could not connect", BUCKET, &port.to_string()]);

    // In a batch, a bucket whose CreateSession failed is reported on each
    // of its inputs without calling again; other buckets go on.
    let server = Server::start(vec![answer(403, denied), session_answer()]);
    let args = vec![
        format!("s3://{BUCKET}/a"),
        format!("s3://{BUCKET}/b"),
        "s3://other--usw2-az1--x-s3/c".to_owned(),
        "--endpoint-url".to_owned(),
        server.address(),
    ];
    let out = presign(home.path(), &server, &env, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(254), "{stderr}");
    assert_eq!(server.calls().len(), 2, "one per bucket");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(errors.len(), 2, "{stderr}");
    assert!(errors[0].contains("argument 1") && errors[1].contains("argument 2"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1);
    assert!(stdout.contains("/other--usw2-az1--x-s3/c?"));
    no_secrets(&out);
}

#[test]
fn the_rule_sets_refusals_and_the_unsigned_url() {
    let server = Server::start(vec![session_answer()]);
    let accelerate = home(&pairs(&[(
        ".aws/config",
        "[default]\ns3 =\n    use_accelerate_endpoint = true\n",
    )]));
    let run = |home: &Path, args: &[&str]| presign(home, &server, &static_env(), &strings(args));
    let out = run(accelerate.path(), &[&format!("s3://{BUCKET}/k")]);
    one_line_error(&out, 255, &["S3Express does not support S3 Accelerate."]);

    let plain = home(&[]);
    let out = run(plain.path(), &["s3://mybucket--x-s3/k"]);
    one_line_error(&out, 255, &["Unrecognized S3Express bucket name format."]);
    let out = run(plain.path(), &["s3://My.Bucket--usw2-az1--x-s3/k"]);
    one_line_error(
        &out,
        255,
        &["S3Express bucket name is not a valid virtual hostable name."],
    );
    let out = run(
        plain.path(),
        &[&format!("s3://{BUCKET}/k"), "--signature-version", "s3"],
    );
    one_line_error(&out, 252, &["directory buckets", "SigV4"]);
    assert!(server.records().is_empty(), "no refusal calls anything");

    // --no-sign-request: the plain URL of the zonal endpoint, as v2 prints
    // it (no credentials, no session).
    let out = run(
        plain.path(),
        &[&format!("s3://{BUCKET}/key.txt"), "--no-sign-request"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("https://{BUCKET}.s3express-usw2-az1.us-west-2.amazonaws.com/key.txt\n")
    );
    // A custom IP endpoint is path-style, a named one virtual-hosted.
    let out = run(
        plain.path(),
        &[
            &format!("s3://{BUCKET}/key.txt"),
            "--no-sign-request",
            "--endpoint-url",
            "https://s3.example.com:8443/base",
        ],
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("https://{BUCKET}.s3.example.com:8443/base/key.txt\n")
    );
    let out = run(
        plain.path(),
        &[
            &format!("s3://{BUCKET}/key.txt"),
            "--no-sign-request",
            "--endpoint-url",
            "http://[::1]:9000",
        ],
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("http://[::1]:9000/{BUCKET}/key.txt\n")
    );

    // Buckets that are not directory buckets stay offline, proxy or not.
    let out = run(plain.path(), &["s3://plain-bucket/key.txt"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .starts_with("https://plain-bucket.s3.us-west-2.amazonaws.com/key.txt?")
    );
    assert!(server.records().is_empty(), "no call for anything else");
}

#[test]
fn inspect_names_a_session_url_and_verifies_it_only_with_the_session_secret() {
    let server = Server::start(vec![]);
    let home = home(&[]);
    let url = vector("express-basic")["stdout"]
        .as_str()
        .unwrap()
        .trim_end()
        .to_owned();
    let run = |env: &[(&str, &str)], extra: &[&str]| {
        let mut args = vec!["inspect".to_owned(), url.clone()];
        args.extend(strings(extra));
        presign(home.path(), &server, &pairs(env), &args)
    };
    let out = run(&[], &["--output", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["kind"], "directory bucket");
    assert_eq!(doc["bucket"], BUCKET);
    assert_eq!(doc["s3express_session"], true);
    assert_eq!(doc["session_token"], true);
    assert_eq!(doc["scope"]["service"], "s3express");
    assert_eq!(doc["s3_refuses"], json!([]));
    let shown = doc["url"].as_str().unwrap();
    assert!(
        shown.contains("X-Amz-S3session-Token=(session token, redacted)&"),
        "{shown}"
    );
    let text = String::from_utf8(run(&[], &[]).stdout).unwrap();
    assert!(text.contains("kind:           directory bucket"), "{text}");
    assert!(text.contains("S3 Express session"), "{text}");
    for out in [run(&[], &[]), run(&[], &["--output", "json"])] {
        let all = String::from_utf8_lossy(&out.stdout);
        assert!(!all.contains("S3XSESSION/token"), "{all}");
        assert!(!all.contains("S3XSESSION%2Ftoken"), "{all}");
    }

    // Without the session's secret: one line saying why it cannot verify.
    let out = run(&[], &["--verify"]);
    one_line_error(
        &out,
        253,
        &[
            "S3 Express session key ASIAS3XSESSION000000",
            "session's keys",
        ],
    );
    // With it (exported as the session's keys), the URL verifies.
    let body = session_answer()["body"].as_str().unwrap().to_owned();
    let secret = xml(&body, "SecretAccessKey");
    let out = run(
        &[
            ("AWS_ACCESS_KEY_ID", "ASIAS3XSESSION000000"),
            ("AWS_SECRET_ACCESS_KEY", &secret),
        ],
        &["--verify"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("verification:   valid for GET"), "{text}");
    assert!(!text.contains(&secret));
    // A tampered key does not.
    let tampered = url.replace("/key.txt?", "/other.txt?");
    let args = vec!["inspect".to_owned(), tampered, "--verify".to_owned()];
    let out = presign(
        home.path(),
        &server,
        &pairs(&[
            ("AWS_ACCESS_KEY_ID", "ASIAS3XSESSION000000"),
            ("AWS_SECRET_ACCESS_KEY", &secret),
        ]),
        &args,
    );
    assert_ne!(out.status.code(), Some(0));

    // A zonal host is a directory bucket, virtual-hosted, in its region.
    let off = vector("express-session-auth-off-env")["stdout"]
        .as_str()
        .unwrap()
        .trim_end()
        .to_owned();
    let args = vec![
        "inspect".to_owned(),
        off,
        "--output".to_owned(),
        "json".to_owned(),
    ];
    let out = presign(home.path(), &server, &[], &args);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["kind"], "directory bucket");
    assert_eq!(doc["addressing"], "virtual-hosted");
    assert_eq!(doc["bucket"], BUCKET);
    assert_eq!(doc["key"], "key.txt");
    assert_eq!(doc["s3express_session"], false);
    assert_eq!(doc["s3_refuses"], json!([]));
    assert!(server.records().is_empty(), "inspect calls nothing");
}
