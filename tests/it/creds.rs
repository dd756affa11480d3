//! Every recorded AWS CLI v2 credential-source vector (tests/fixtures/creds.json:
//! assume role, web identity, SSO, login, container, instance metadata and
//! their caches) through the real binary, against loopback replay servers.
//!
//! For each case: a fresh HOME holding the case's `files` (mode 0644, as the
//! recording's were; plus `seed` for flow v2-first), `tests/support/replay.py`
//! started for the case (one loopback port per service; a service the stub
//! leaves out refuses connections), {STS} {SSO} {OIDC} {SIGNIN} {ECS} {IMDS}
//! {HOME} {CA} substituted in env, args and files, and the binary run with
//! ONLY the case's env plus HOME, PATH, TZ=UTC and PRESIGN_NOW (the frozen
//! clock). A case whose env does not mention IMDS at all (the TLS cases) also
//! gets AWS_EC2_METADATA_DISABLED=true, so no run can reach beyond loopback.
//!
//! Checked: the exit status, stdout byte for byte, the reduced request views
//! the servers recorded (as a set: AWS CLI v2's retries and repeated token
//! PUTs collapse) against `expect.requests`, the cache files, and that no
//! secret of the case shows on stderr. Cache files: every `*.json` under
//! HOME/.aws/{cli,sso,login}/cache the run created or changed (bytes or
//! mode) must be exactly `expect.cache`, with the same `new`, mode and view.
//! The view of a `cli/cache` file is what AWS CLI v2 reads back: `Credentials`
//! (AccessKeyId, SecretAccessKey, SessionToken, Expiration, AccountId) and
//! `ProviderType`; of an `sso/cache` or `login/cache` file, all of it. In
//! both, Expiration / expiresAt / registrationExpiresAt are shown in UTC as
//! `YYYY-MM-DDTHH:MM:SSZ` when they are RFC 3339 (v2 writes `+00:00`, reads
//! any zone), verbatim otherwise.
//!
//! Flows. `single`: one run, services up. `v2-first`: HOME also holds the
//! cache AWS CLI v2 wrote in its first run (`seed`); `expect.requests` and
//! `expect.cache` describe that first v2 run, so presign, run second with
//! the services up, must print the same URL with no request and no cache
//! change. `candidate-first`: presign runs first with the services up and
//! is held to the whole `expect` (requests, and cache files equal to the
//! ones AWS CLI v2 wrote and then accepted with the services down); AWS CLI
//! v2 is not available here to read presign's files, so a second presign
//! run with every service down must print the same URL from them, with no
//! request and no cache change.
//!
//! Cases that need the machine: `binds` (the fixed link-local container and
//! IMDS addresses) and `tls` (AWS's real host names, through a bind-mounted
//! /etc/hosts under `unshare -m` and a test CA made with openssl, the server
//! on 127.0.0.1:443) run only as root in a network namespace whose only
//! interface is `lo` (CI's `unshare -n`); the harness then adds
//! 169.254.170.2 / 169.254.169.254 to lo for the case and removes them after.
//! `tty` cases (an MFA code typed at a terminal prompt) are not driven. Each
//! is otherwise skipped with its reason on the real stderr;
//! `PRESIGN_CREDS=required` fails instead of skipping.
//!
//! Beside it: `replay.py --self-check` (the servers and their SigV4 and DPoP
//! checks against AWS CLI v2's own recorded requests) and the cache view rule
//! against the files AWS CLI v2 wrote (`seed`).
//!
//! `PRESIGN_CREDS_CASE=name[,name...]` runs only those cases. The one test
//! collects every mismatch and fails listing each failing case with a short
//! diff. `cargo test --test it creds:: -- --nocapture` also shows each case's
//! verdict as it runs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::support::Presign;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/creds.json");
const REPLAY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/replay.py");
const SERVICES: [&str; 6] = ["sts", "sso", "oidc", "signin", "ecs", "imds"];
const CACHE_DIRS: [&str; 3] = [".aws/cli/cache", ".aws/sso/cache", ".aws/login/cache"];
/// The fixed addresses AWS CLI v2 reaches for `binds` cases.
const BIND_ADDRESSES: [(&str, &str); 2] = [("ecs", "169.254.170.2"), ("imds", "169.254.169.254")];
/// How long one run of the binary may take before it is killed.
const RUN_TIMEOUT: Duration = Duration::from_secs(90);

fn fixture() -> Value {
    serde_json::from_str(&fs::read_to_string(FIXTURE).expect("read creds.json"))
        .expect("creds.json is JSON")
}

/// Said on the real stderr, past libtest's capture, so that a plain `cargo
/// test` shows what did not run.
fn say(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

fn required() -> bool {
    std::env::var("PRESIGN_CREDS").as_deref() == Ok("required")
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

// ---------------------------------------------------------------------------
// The tests

#[cfg(not(unix))]
#[test]
fn creds_vectors() {
    say("creds: skipped: the harness needs Unix (file modes, namespaces, python3)");
}

#[cfg(unix)]
#[test]
fn creds_vectors() {
    let fixture = fixture();
    let frozen = frozen_rfc3339(str_of(&fixture, "frozen_utc"));
    let cases = fixture["vectors"].as_array().expect("vectors");
    let only: Option<BTreeSet<String>> = std::env::var("PRESIGN_CREDS_CASE")
        .ok()
        .filter(|s| !s.is_empty())
        .map(|s| s.split(',').map(|n| n.trim().to_owned()).collect());
    if let Some(names) = &only {
        let known: BTreeSet<String> = cases.iter().map(|c| str_of(c, "name").to_owned()).collect();
        let unknown: Vec<&String> = names.difference(&known).collect();
        assert!(
            unknown.is_empty(),
            "PRESIGN_CREDS_CASE names no case: {unknown:?}"
        );
    }
    if let Err(why) = python_works() {
        if required() {
            panic!("creds: cannot run and PRESIGN_CREDS=required: {why}");
        }
        say(&format!(
            "creds: skipped (set PRESIGN_CREDS=required to fail instead): {why}"
        ));
        return;
    }
    let machine = Machine::probe();
    let started = Instant::now();
    let (mut passed, mut skipped, mut failed) = (0, Vec::new(), Vec::new());
    for case in cases {
        let name = str_of(case, "name");
        if only.as_ref().is_some_and(|names| !names.contains(name)) {
            continue;
        }
        match run_case(case, &frozen, &machine) {
            Verdict::Pass => {
                passed += 1;
                eprintln!("creds {name}: ok");
            }
            Verdict::Skip(why) if !required() => {
                say(&format!(
                    "creds {name}: skipped (set PRESIGN_CREDS=required to fail instead): {why}"
                ));
                skipped.push(name.to_owned());
            }
            Verdict::Skip(why) => failed.push(format!(
                "{name}:\n    cannot run here and PRESIGN_CREDS=required: {why}"
            )),
            Verdict::Fail(problems) => {
                eprintln!("creds {name}: FAILED");
                failed.push(format!("{name}:\n    {}", problems.join("\n    ")));
            }
        }
    }
    let total = passed + skipped.len() + failed.len();
    let summary = format!(
        "creds: {passed}/{total} cases pass, {} fail, {} skipped ({:.1} s)",
        failed.len(),
        skipped.len(),
        started.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        say(&summary);
        return;
    }
    panic!("{summary}\n\n{}\n\n{summary}", failed.join("\n\n"));
}

/// replay.py's servers and verifiers, proved against AWS CLI v2's own
/// recorded requests (`replay.py --self-check`): every reply is the recorded
/// one, every reduced view equals `expect.requests`, tampered signatures are
/// caught and down services refuse connections.
#[cfg(unix)]
#[test]
fn replay_servers_reproduce_aws_cli_v2_views() {
    if let Err(why) = python_works() {
        if required() {
            panic!("creds self-check: cannot run and PRESIGN_CREDS=required: {why}");
        }
        say(&format!("creds self-check: skipped: {why}"));
        return;
    }
    let out = Command::new("python3")
        .args([REPLAY, "--self-check", FIXTURE])
        .stdin(Stdio::null())
        .output()
        .expect("run replay.py --self-check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "replay.py --self-check failed:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The harness's own rule for cache views, checked on the files AWS CLI v2
/// really wrote: each `seed` (v2's file, byte for byte) must map to the view
/// `expect.cache` recorded for it.
#[test]
fn cache_view_rule_maps_v2_files_to_their_recorded_views() {
    let fixture = fixture();
    let mut checked = 0;
    for case in fixture["vectors"].as_array().unwrap() {
        let Some(seed) = case.get("seed").and_then(Value::as_object) else {
            continue;
        };
        for (path, entry) in seed {
            let expected = &case["expect"]["cache"][path];
            let view = cache_view(path, str_of(entry, "text").as_bytes());
            assert_eq!(&view, &expected["view"], "{}: {path}", str_of(case, "name"));
            assert_eq!(entry["mode"], expected["mode"], "{path}");
            checked += 1;
        }
    }
    assert!(checked >= 2, "the fixture has v2-written cache files");
}

#[test]
fn cache_view_normalises_timestamps_only_when_they_are_rfc3339() {
    let text = br#"{"Credentials": {"AccessKeyId": "A", "Expiration": "2026-01-02T05:04:05.5+01:00", "Extra": 1}, "AssumedRoleUser": {}}"#;
    assert_eq!(
        cache_view(".aws/cli/cache/x.json", text),
        json!({"Credentials": {"AccessKeyId": "A", "Expiration": "2026-01-02T04:04:05.5Z"}})
    );
    let text =
        br#"{"accessToken": {"expiresAt": "tomorrow"}, "expiresAt": "2026-01-02T03:04:05+00:00"}"#;
    assert_eq!(
        cache_view(".aws/login/cache/x.json", text),
        json!({"accessToken": {"expiresAt": "tomorrow"}, "expiresAt": "2026-01-02T03:04:05Z"})
    );
    assert_eq!(
        cache_view(".aws/sso/cache/x.json", b"{not json"),
        json!({"unparsable": "{not json"})
    );
}

// ---------------------------------------------------------------------------
// One case

enum Verdict {
    Pass,
    Skip(String),
    Fail(Vec<String>),
}

/// What one run must produce.
struct Expect {
    exit: i64,
    stdout: String,
    requests: BTreeSet<String>,
    cache: Map<String, Value>,
}

impl Expect {
    fn of(case: &Value) -> Expect {
        let e = &case["expect"];
        Expect {
            exit: e["exit"].as_i64().unwrap_or(-1),
            stdout: str_of(e, "stdout").to_owned(),
            requests: e["requests"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            cache: e["cache"].as_object().cloned().unwrap_or_default(),
        }
    }

    /// The same exit and URL, with no request and no cache change.
    fn quiet(&self) -> Expect {
        Expect {
            exit: self.exit,
            stdout: self.stdout.clone(),
            requests: BTreeSet::new(),
            cache: Map::new(),
        }
    }
}

#[cfg(unix)]
fn run_case(case: &Value, frozen: &str, machine: &Machine) -> Verdict {
    if case.get("tty").and_then(Value::as_bool) == Some(true) {
        return Verdict::Skip(
            "typing the MFA code at a pseudo-terminal prompt is not driven by this harness".into(),
        );
    }
    let binds: Vec<&str> = case
        .get("binds")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !binds.is_empty() {
        if let Err(why) = machine.can_bind() {
            return Verdict::Skip(format!(
                "it reaches the fixed link-local address of {} ({why})",
                binds.join(", ")
            ));
        }
        if let Some(b) = binds.iter().find(|b| bind_address(b).is_none()) {
            return Verdict::Fail(vec![format!("harness: unknown bind {b:?}")]);
        }
    }
    let tls = case.get("tls").and_then(Value::as_bool) == Some(true);
    if tls && let Err(why) = machine.can_tls() {
        return Verdict::Skip(format!("it reaches AWS's real host names over TLS ({why})"));
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let setup = Setup {
        case,
        frozen,
        home: tmp.path().join("home"),
        tmp: tmp.path().to_owned(),
        binds,
        tls,
    };
    fs::create_dir_all(&setup.home).expect("HOME");
    let expect = Expect::of(case);
    let outcome = match str_of(case, "flow") {
        "single" => setup.phase(true, true, &expect, ""),
        "v2-first" => setup.phase(true, true, &expect.quiet(), ""),
        "candidate-first" => setup
            .phase(true, true, &expect, "")
            .and_then(|mut problems| {
                let second = setup.phase(
                    false,
                    false,
                    &expect.quiet(),
                    "second run (services down): ",
                )?;
                problems.extend(second);
                Ok(problems)
            }),
        other => Err(format!("harness: unknown flow {other:?}")),
    };
    match outcome {
        Ok(problems) if problems.is_empty() => Verdict::Pass,
        Ok(problems) => Verdict::Fail(problems),
        Err(e) => Verdict::Fail(vec![e]),
    }
}

struct Setup<'a> {
    case: &'a Value,
    frozen: &'a str,
    home: PathBuf,
    tmp: PathBuf,
    binds: Vec<&'a str>,
    tls: bool,
}

#[cfg(unix)]
impl Setup<'_> {
    /// One run of the binary against freshly started servers (up, or all
    /// down); `first` writes the case's files first. Returns the mismatches.
    fn phase(
        &self,
        up: bool,
        first: bool,
        expect: &Expect,
        label: &str,
    ) -> Result<Vec<String>, String> {
        let name = str_of(self.case, "name");
        let _addresses = if up && !self.binds.is_empty() {
            Some(LinkLocal::add(&self.binds)?)
        } else {
            None
        };
        let mut args: Vec<String> = vec![REPLAY.into(), "serve".into(), FIXTURE.into()];
        args.extend(["--case".into(), name.into()]);
        if !up {
            args.push("--all-down".into());
        }
        for b in &self.binds {
            args.extend([
                "--bind".into(),
                format!("{b}={}:80", bind_address(b).unwrap()),
            ]);
        }
        let tls_dir = self.tmp.join("tls");
        if self.tls && up {
            args.extend(["--tls-dir".into(), tls_dir.display().to_string()]);
        }
        let log = self
            .tmp
            .join(format!("replay-{}.log", if first { 1 } else { 2 }));
        let replay = Replay::start(&args, &log)?;

        let mut subst: Vec<(String, String)> = SERVICES
            .iter()
            .map(|s| {
                let port = replay.ready[*s].as_u64().unwrap_or(0);
                (
                    format!("{{{}}}", s.to_uppercase()),
                    format!("http://127.0.0.1:{port}"),
                )
            })
            .collect();
        subst.push(("{HOME}".into(), self.home.display().to_string()));
        subst.push(("{CA}".into(), tls_dir.join("ca.pem").display().to_string()));
        let fill = |text: &str| {
            subst.iter().fold(text.to_owned(), |t, (from, to)| {
                t.replace(from.as_str(), to)
            })
        };

        if first {
            self.write_files(&fill)?;
        }
        let before = snapshot(&self.home);
        let run = self.run_binary(&fill, &replay)?;
        let after = snapshot(&self.home);
        let got = replay.views()?;
        let secrets = replay.secrets()?;
        drop(replay);

        let mut problems = Vec::new();
        let mut say = |p: String| problems.push(format!("{label}{p}"));
        if run.exit != Some(expect.exit) {
            say(format!(
                "exit: expected {}, got {}",
                expect.exit,
                run.exit
                    .map_or_else(|| "a signal / timeout".to_owned(), |c| c.to_string())
            ));
        }
        if run.stdout != expect.stdout.as_bytes() {
            say(format!(
                "stdout: expected {:?}\n             got {:?}",
                expect.stdout,
                String::from_utf8_lossy(&run.stdout)
            ));
        }
        let got_set: BTreeSet<String> = got.iter().cloned().collect();
        for v in expect.requests.difference(&got_set) {
            say(format!("requests: missing    {v}"));
        }
        for v in got_set.difference(&expect.requests) {
            say(format!("requests: unexpected {v}"));
        }
        for p in cache_problems(&before, &after, &expect.cache) {
            say(format!("cache: {p}"));
        }
        let stderr = String::from_utf8_lossy(&run.stderr);
        for secret in &secrets {
            if stderr.contains(secret.as_str()) {
                say(format!(
                    "stderr shows a secret of the case ({}...)",
                    secret.chars().take(6).collect::<String>()
                ));
            }
        }
        if !problems.is_empty() {
            let shown: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
            problems.push(format!(
                "{label}(presign's stderr: {})",
                if shown.is_empty() {
                    "empty".to_owned()
                } else {
                    shown.join(" / ")
                }
            ));
        }
        Ok(problems)
    }

    fn write_files(&self, fill: &dyn Fn(&str) -> String) -> Result<(), String> {
        use std::os::unix::fs::PermissionsExt;
        let mut entries: Vec<(String, String, u32)> = Vec::new();
        if let Some(files) = self.case["files"].as_object() {
            for (path, text) in files {
                entries.push((path.clone(), text.as_str().unwrap_or("").to_owned(), 0o644));
            }
        }
        if str_of(self.case, "flow") == "v2-first" {
            for (path, entry) in self.case["seed"].as_object().into_iter().flatten() {
                let mode = u32::from_str_radix(str_of(entry, "mode").trim_start_matches("0o"), 8)
                    .map_err(|e| format!("harness: seed mode of {path}: {e}"))?;
                entries.push((path.clone(), str_of(entry, "text").to_owned(), mode));
            }
        }
        for (path, text, mode) in entries {
            let full = self.home.join(&path);
            fs::create_dir_all(full.parent().unwrap()).map_err(|e| format!("harness: {e}"))?;
            fs::write(&full, fill(&text)).map_err(|e| format!("harness: write {path}: {e}"))?;
            fs::set_permissions(&full, fs::Permissions::from_mode(mode))
                .map_err(|e| format!("harness: chmod {path}: {e}"))?;
        }
        Ok(())
    }

    fn run_binary(&self, fill: &dyn Fn(&str) -> String, replay: &Replay) -> Result<Ran, String> {
        let args: Vec<String> = self.case["args"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| fill(a.as_str().unwrap_or("")))
            .collect();
        let mut run = Presign::at_home(&self.home)
            .env("PRESIGN_NOW", self.frozen)
            .current_dir(&self.home)
            .args(&args);
        let env = self.case["env"].as_object().cloned().unwrap_or_default();
        for (k, v) in &env {
            if let Some(v) = v.as_str() {
                run = run.env(k, &fill(v));
            }
        }
        // The case's instance metadata endpoint is a loopback stand-in.
        if env.contains_key("AWS_EC2_METADATA_SERVICE_ENDPOINT")
            && !env.contains_key("AWS_EC2_METADATA_DISABLED")
        {
            run = run.env_remove("AWS_EC2_METADATA_DISABLED");
        }
        if self.tls {
            let hosts = self.tmp.join("hosts");
            let mut text = String::from("127.0.0.1 localhost\n::1 localhost\n");
            for h in replay.ready["tls_hosts"].as_array().into_iter().flatten() {
                let _ = writeln!(text, "127.0.0.1 {}", h.as_str().unwrap_or(""));
            }
            fs::write(&hosts, text).map_err(|e| format!("harness: hosts file: {e}"))?;
            // A private mount namespace in which /etc/hosts names AWS's hosts
            // 127.0.0.1; the host's own /etc/hosts is never touched.
            let mount = r#"mount --bind "$0" /etc/hosts && exec "$@""#;
            run = run.wrapped([
                "unshare".as_ref(),
                "-m".as_ref(),
                "--".as_ref(),
                "sh".as_ref(),
                "-c".as_ref(),
                mount.as_ref(),
                hosts.as_os_str(),
            ]);
        }
        let mut cmd = run.command();
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        run_with_timeout(cmd, RUN_TIMEOUT)
    }
}

fn frozen_rfc3339(frozen_utc: &str) -> String {
    // "2026-01-02 03:04:05" -> "2026-01-02T03:04:05Z"
    assert_eq!(frozen_utc.len(), 19, "frozen_utc {frozen_utc:?}");
    format!("{}Z", frozen_utc.replacen(' ', "T", 1))
}

fn bind_address(service: &str) -> Option<&'static str> {
    BIND_ADDRESSES
        .iter()
        .find(|(s, _)| *s == service)
        .map(|(_, a)| *a)
}

// ---------------------------------------------------------------------------
// Running things

struct Ran {
    exit: Option<i64>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

fn run_with_timeout(mut cmd: Command, timeout: Duration) -> Result<Ran, String> {
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("harness: cannot start {:?}: {e}", cmd.get_program()))?;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_thread = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err_thread = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    Ok(Ran {
        exit: status.and_then(|s| s.code()).map(i64::from),
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
    })
}

fn python_works() -> Result<(), String> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys; assert sys.version_info >= (3, 8), sys.version",
        ])
        .output()
        .map_err(|e| format!("python3 (3.8 or later, for {REPLAY}) cannot be run: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "python3 is older than 3.8: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A running replay.py, stopped (by its pid) when dropped, also on panic:
/// first by closing its stdin, which it takes as the order to exit, then by
/// SIGKILL if it is still there after two seconds.
struct Replay {
    child: Child,
    stdin: Option<ChildStdin>,
    ready: Value,
    log: PathBuf,
}

impl Replay {
    fn start(args: &[String], log: &Path) -> Result<Replay, String> {
        let log_file = fs::File::create(log).map_err(|e| format!("harness: {e}"))?;
        let mut child = Command::new("python3")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("harness: cannot start replay.py: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let mut replay = Replay {
            child,
            stdin,
            ready: Value::Null,
            log: log.to_owned(),
        };
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
        replay.ready = serde_json::from_str(&line).map_err(|_| {
            format!(
                "harness: replay.py did not start (ready line {line:?}); its log: {}",
                replay.log_text()
            )
        })?;
        Ok(replay)
    }

    fn log_text(&self) -> String {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .trim()
            .replace('\n', " / ")
    }

    fn control(&self, path: &str) -> Result<Value, String> {
        let port = self.ready["control"].as_u64().unwrap_or(0) as u16;
        let fail = |e: String| format!("harness: replay.py control {path}: {e}");
        let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| fail(e.to_string()))?;
        s.set_read_timeout(Some(Duration::from_secs(30))).ok();
        write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .map_err(|e| fail(e.to_string()))?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).map_err(|e| fail(e.to_string()))?;
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .ok_or_else(|| fail("no body".into()))?;
        if !head.starts_with("HTTP/1.0 200") {
            return Err(fail(head.lines().next().unwrap_or("").to_owned()));
        }
        serde_json::from_str(body).map_err(|e| fail(e.to_string()))
    }

    /// The reduced views of the requests received, in arrival order.
    fn views(&self) -> Result<Vec<String>, String> {
        let v = self.control("/views")?;
        Ok(v["requests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect())
    }

    fn secrets(&self) -> Result<Vec<String>, String> {
        let v = self.control("/secrets")?;
        Ok(v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect())
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// The machine: root, and a network namespace with nothing but loopback

struct Machine {
    root: bool,
    interfaces: Vec<String>,
    tools: BTreeMap<&'static str, bool>,
}

impl Machine {
    fn probe() -> Machine {
        let root = fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("Uid:"))
                    .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
            })
            .unwrap_or(false);
        let tools = ["ip", "unshare", "mount", "openssl"]
            .into_iter()
            .map(|t| (t, on_path(t)))
            .collect();
        Machine {
            root,
            interfaces: interfaces(),
            tools,
        }
    }

    fn isolated(&self) -> Result<(), String> {
        if !self.root {
            return Err("needs root".into());
        }
        if self.interfaces != ["lo"] {
            return Err(format!(
                "needs a network namespace with only lo (`unshare -n`), this one has {}",
                if self.interfaces.is_empty() {
                    "no /proc/net/dev".to_owned()
                } else {
                    self.interfaces.join(", ")
                }
            ));
        }
        Ok(())
    }

    fn need(&self, tools: &[&str]) -> Result<(), String> {
        let missing: Vec<&str> = tools
            .iter()
            .copied()
            .filter(|t| !self.tools.get(t).copied().unwrap_or(false))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("needs {} on PATH", missing.join(", ")))
        }
    }

    fn can_bind(&self) -> Result<(), String> {
        self.isolated()?;
        self.need(&["ip"])
    }

    fn can_tls(&self) -> Result<(), String> {
        self.isolated()?;
        self.need(&["unshare", "mount", "openssl"])
    }
}

/// The network interfaces of this process's namespace. `/proc/net/dev`
/// follows the namespace (`/sys/class/net` shows the one sysfs was mounted
/// in, which under `unshare -n` is the host's).
fn interfaces() -> Vec<String> {
    let mut names: Vec<String> = fs::read_to_string("/proc/net/dev")
        .map(|text| {
            text.lines()
                .skip(2)
                .filter_map(|l| l.split_once(':').map(|(name, _)| name.trim().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false)
}

/// Link-local addresses on lo for one case, removed when dropped. Added only
/// after checking, again, that lo is the only interface: never on a host's
/// real network.
struct LinkLocal(Vec<&'static str>);

impl LinkLocal {
    fn add(services: &[&str]) -> Result<LinkLocal, String> {
        if interfaces() != ["lo"] {
            return Err(
                "harness: refusing to add addresses outside a loopback-only namespace".into(),
            );
        }
        let mut added = LinkLocal(Vec::new());
        for s in services {
            let address = bind_address(s).unwrap();
            let out = Command::new("ip")
                .args(["addr", "add", &format!("{address}/32"), "dev", "lo"])
                .output()
                .map_err(|e| format!("harness: ip addr add: {e}"))?;
            let err = String::from_utf8_lossy(&out.stderr);
            if out.status.success() {
                added.0.push(address);
            } else if !err.contains("exists") {
                return Err(format!(
                    "harness: ip addr add {address} dev lo: {}",
                    err.trim()
                ));
            }
        }
        Ok(added)
    }
}

impl Drop for LinkLocal {
    fn drop(&mut self) {
        for address in &self.0 {
            let _ = Command::new("ip")
                .args(["addr", "del", &format!("{address}/32"), "dev", "lo"])
                .output();
        }
    }
}

// ---------------------------------------------------------------------------
// Cache files

/// Every `*.json` file under the cache directories: path under HOME -> (bytes, mode).
fn snapshot(home: &Path) -> BTreeMap<String, (Vec<u8>, u32)> {
    fn walk(home: &Path, dir: &Path, out: &mut BTreeMap<String, (Vec<u8>, u32)>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(home, &path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                let rel = path.strip_prefix(home).unwrap().display().to_string();
                let bytes = fs::read(&path).unwrap_or_default();
                out.insert(rel, (bytes, mode_of(&path)));
            }
        }
    }
    let mut out = BTreeMap::new();
    for dir in CACHE_DIRS {
        walk(home, &home.join(dir), &mut out);
    }
    out
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).map_or(0, |m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_of(_: &Path) -> u32 {
    0
}

fn cache_problems(
    before: &BTreeMap<String, (Vec<u8>, u32)>,
    after: &BTreeMap<String, (Vec<u8>, u32)>,
    expected: &Map<String, Value>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for path in before.keys().filter(|p| !after.contains_key(*p)) {
        problems.push(format!("{path}: deleted"));
    }
    let changed: BTreeMap<&String, &(Vec<u8>, u32)> = after
        .iter()
        .filter(|(p, now)| before.get(*p) != Some(now))
        .collect();
    for (path, want) in expected {
        let want_new = want["new"].as_bool().unwrap_or(true);
        let want_mode = str_of(want, "mode");
        let Some((bytes, mode)) = changed.get(path) else {
            problems.push(format!(
                "{path}: expected {} ({want_mode}) with {}; {}",
                if want_new { "a new file" } else { "an update" },
                want["view"],
                if after.contains_key(path) {
                    "left unchanged"
                } else {
                    "not written"
                }
            ));
            continue;
        };
        let is_new = !before.contains_key(path);
        if is_new != want_new {
            problems.push(format!(
                "{path}: expected {}, got {}",
                if want_new {
                    "a new file"
                } else {
                    "an update of the existing file"
                },
                if is_new { "a new file" } else { "an update" }
            ));
        }
        let got_mode = format!("0o{mode:o}");
        if got_mode != want_mode {
            problems.push(format!("{path}: mode expected {want_mode}, got {got_mode}"));
        }
        let view = cache_view(path, bytes);
        if view != want["view"] {
            problems.push(format!(
                "{path}: view expected {}\n             got {view}",
                want["view"]
            ));
        }
    }
    for path in changed
        .keys()
        .filter(|p| !expected.contains_key(p.as_str()))
    {
        let (bytes, mode) = changed[path];
        problems.push(format!(
            "{path}: {} ({:#o}) unexpectedly: {}",
            if before.contains_key(path.as_str()) {
                "changed"
            } else {
                "written"
            },
            mode,
            cache_view(path, bytes)
        ));
    }
    problems
}

/// What a check compares of a cache file (see the module comment).
fn cache_view(path: &str, bytes: &[u8]) -> Value {
    let Ok(doc) = serde_json::from_slice::<Value>(bytes) else {
        return json!({"unparsable": String::from_utf8_lossy(bytes)});
    };
    if !path.starts_with(".aws/cli/cache/") {
        return normalise_times(doc);
    }
    let mut view = Map::new();
    if let Some(creds) = doc.get("Credentials") {
        let picked = match creds.as_object() {
            Some(obj) => {
                let mut m = Map::new();
                for key in [
                    "AccessKeyId",
                    "SecretAccessKey",
                    "SessionToken",
                    "Expiration",
                    "AccountId",
                ] {
                    if let Some(v) = obj.get(key) {
                        m.insert(key.to_owned(), v.clone());
                    }
                }
                Value::Object(m)
            }
            None => creds.clone(),
        };
        view.insert("Credentials".into(), normalise_times(picked));
    }
    if let Some(p) = doc.get("ProviderType") {
        view.insert("ProviderType".into(), p.clone());
    }
    Value::Object(view)
}

fn normalise_times(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = match (&*k, v) {
                        (
                            "Expiration" | "expiresAt" | "registrationExpiresAt",
                            Value::String(s),
                        ) => Value::String(utc_z(&s).unwrap_or(s)),
                        (_, v) => normalise_times(v),
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(normalise_times).collect()),
        other => other,
    }
}

/// An RFC 3339 time as UTC `YYYY-MM-DDTHH:MM:SS[.fff]Z`.
fn utc_z(text: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let t = time::OffsetDateTime::parse(text, &Rfc3339)
        .ok()?
        .to_offset(time::UtcOffset::UTC);
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    if t.nanosecond() != 0 {
        let fraction = format!("{:09}", t.nanosecond());
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out.push('Z');
    Some(out)
}
