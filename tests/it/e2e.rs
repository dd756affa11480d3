//! End-to-end proof against real S3 servers: the URLs and forms the
//! `presign` binary prints are accepted by Ceph radosgw, Garage and s3s-fs,
//! and forged ones are refused.
//!
//! Each server is one test (they run in parallel): it is started on free
//! loopback ports with fresh data under `$TMPDIR/presign-e2e/`, given a user
//! and a bucket, checked, and stopped by process id, also when a check fails.
//! Every URL under test comes from the real binary, run with a cleared
//! environment; every request is made with `curl -g -sS`; assertions are on
//! status classes (200 vs 400/401/403), on the bytes downloaded and on
//! response headers. Fixtures are put in place with presigned PUTs made by
//! the library.
//!
//! Beyond downloads: PUT (with signed Content-Type and x-amz-meta headers),
//! response overrides, HEAD, DELETE, bucket create/list/delete, multipart
//! uploads, `presign post` browser forms, SigV2 URLs, and the commands
//! `--format curl` prints, run through `sh -c`. Where a server departs from
//! S3 its `Quirks` say how and why, and the check expects that (or skips).
//! On radosgw, which has STS: temporary credentials (GetSessionToken) and a
//! role created in radosgw and assumed by the binary itself (`role_arn` +
//! `source_profile`, STS and S3 both at the profile's `endpoint_url`).
//!
//! `PRESIGN_E2E` unset: a server whose binaries are missing is skipped with a
//! printed reason. `PRESIGN_E2E=required`: a missing server fails its test.
//! `PRESIGN_E2E=off`: all three are skipped. Binaries are looked up on PATH,
//! and Garage and s3s-fs also in `$PRESIGN_E2E_ROOT/bin` (by default
//! `~/.cache/presign-e2e/bin`), where `scripts/install-test-deps.sh` builds
//! them. Ceph needs the Debian packages ceph-mon ceph-osd radosgw
//! ceph-common; `tests/e2e/ceph-start.sh` sets up its throw-away cluster.
//!
//! Run with `cargo test --test it e2e:: -- --nocapture` to see each check.

use std::fmt::Write as _;
use std::fs;
use std::io::Read;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use presign::CustomEndpoint;
use presign::internals::sign::SigningKey;
use presign::{Credentials, EndpointConfig, Expiry, ObjectRequest, Presigner, SecretString};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::support::Presign;

const BUCKET: &str = "presign-e2e";
/// How long a server may take to come up before the test gives up.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------
// The three tests

#[test]
fn ceph_radosgw() {
    run_server("ceph", start_ceph);
}

#[test]
fn garage() {
    run_server("garage", start_garage);
}

#[test]
fn s3s_fs() {
    run_server("s3s-fs", start_s3s_fs);
}

/// What a server's start function hands back: a running, provisioned server,
/// or the reason it cannot run here.
enum Start {
    Running(Box<Running>),
    Missing(String),
}

fn run_server(name: &'static str, start: fn(&Path) -> Result<Start, String>) {
    let mode = std::env::var("PRESIGN_E2E").unwrap_or_default();
    let required = match mode.as_str() {
        "" => false,
        "required" => true,
        "off" => {
            say_skipped(&format!("e2e {name}: skipped: PRESIGN_E2E=off"));
            return;
        }
        other => panic!("PRESIGN_E2E must be unset, `required` or `off`, not `{other}`"),
    };
    if let Err(missing) = find_program("curl") {
        return skip_or_fail(name, required, &missing);
    }
    let t0 = Instant::now();
    let root = state_root();
    reap_stragglers(&root);
    let state = tempfile::Builder::new()
        .prefix(&format!("{name}-"))
        .tempdir_in(&root)
        .expect("temp dir for the server");
    fs::write(
        state.path().join("owner.pid"),
        std::process::id().to_string(),
    )
    .unwrap();
    for sub in ["run", "log", "work"] {
        fs::create_dir_all(state.path().join(sub)).unwrap();
    }
    let running = match start(state.path()) {
        Ok(Start::Running(r)) => *r,
        Ok(Start::Missing(why)) => return skip_or_fail(name, required, &why),
        Err(e) => panic!("e2e {name}: the server did not start: {e}"),
    };
    let startup = t0.elapsed();
    eprintln!(
        "e2e {name}: up on {} after {:.1} s",
        running.server.endpoint(),
        startup.as_secs_f64()
    );
    let mut report = Report::new(name);
    let ctx = Ctx::new(&running.server, &state.path().join("work"));
    run_checks(&ctx, &mut report);
    let checks = t0.elapsed() - startup;
    drop(running); // stops the server
    let total = t0.elapsed();
    drop(state);
    report.finish(&format!(
        "startup {:.1} s, checks {:.1} s, total {:.1} s",
        startup.as_secs_f64(),
        checks.as_secs_f64(),
        total.as_secs_f64()
    ));
}

/// A skip is said on the real stderr, past libtest's capture, so that a plain
/// `cargo test` shows what did not run (a captured `eprintln!` is shown only
/// for failing tests or with `--nocapture`).
fn say_skipped(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{message}");
}

fn skip_or_fail(name: &str, required: bool, why: &str) {
    if required {
        panic!("e2e {name}: not available and PRESIGN_E2E=required: {why}");
    }
    say_skipped(&format!(
        "e2e {name}: skipped (set PRESIGN_E2E=required to fail instead): {why}"
    ));
}

// ---------------------------------------------------------------------------
// Servers

/// A server under test, as the checks see it.
struct Server {
    name: &'static str,
    port: u16,
    /// The region the server wants in the credential scope.
    region: String,
    access_key: String,
    secret_key: String,
    /// An access key id of the right shape that the server does not know.
    unknown_key: String,
    /// Whether the server refuses a URL signed for another region.
    checks_region: bool,
    /// Whether the server issues temporary credentials (STS GetSessionToken).
    sts: bool,
    /// The longest key the server stores (S3's limit is 1,024 bytes), and why.
    max_key: usize,
    key_limit_note: &'static str,
    /// Where the server departs from S3 in the requests beyond GET.
    quirks: Quirks,
    /// Logs whose tails explain a failure to start.
    logs: Vec<PathBuf>,
}

impl Server {
    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_tail(&self) -> String {
        let mut out = String::new();
        for log in &self.logs {
            let _ = write!(out, "\n--- tail of {}:\n{}", log.display(), tail(log, 20));
        }
        out
    }
}

/// How a server departs from S3 in the requests beyond GET: each is the
/// reason a check expects the server's answer instead of S3's (or is
/// skipped). `None` everywhere is S3's behaviour.
#[derive(Default)]
struct Quirks {
    /// Legacy SigV2 query URLs are refused.
    refuses_sigv2: Option<&'static str>,
    /// A GET is answered without the response-* overrides.
    ignores_overrides: Option<&'static str>,
    /// No browser form uploads (POST Object).
    no_post_object: Option<&'static str>,
    /// DELETE of a bucket that is not empty deletes it.
    deletes_nonempty_bucket: Option<&'static str>,
    /// A form key's `${filename}` is kept as it is.
    keeps_filename_literal: Option<&'static str>,
    /// A part for an aborted upload is 403 AccessDenied, not 404.
    aborted_upload_forbidden: Option<&'static str>,
    /// A form upload's Content-Disposition field is not stored.
    post_drops_content_disposition: Option<&'static str>,
    /// The x-amz-* query parameters of a SigV2 URL stand in for the headers:
    /// the request must not send them (S3 otherwise: the header is needed).
    sigv2_query_amz_headers: Option<&'static str>,
}

/// A server and what stops it: `guard` is dropped first, so the processes
/// are gone before the state directory is removed.
struct Running {
    server: Server,
    _guard: Box<dyn Send>,
}

/// Child processes killed (by pid) and reaped on drop.
struct ChildGuard(Vec<Child>);

impl ChildGuard {
    /// How a child that is no longer running ended, if one is not.
    fn exited(&mut self) -> Option<String> {
        self.0.iter_mut().find_map(|c| match c.try_wait() {
            Ok(Some(status)) => Some(format!("exited ({status})")),
            _ => None,
        })
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Ceph's daemons fork away from us: stopped through their pid files.
struct CephGuard(PathBuf);

impl Drop for CephGuard {
    fn drop(&mut self) {
        let stop = e2e_script("ceph-stop.sh");
        let status = run_with_timeout(
            clean_command("bash").arg(&stop).arg(&self.0),
            Duration::from_secs(30),
        );
        if !matches!(&status, Ok(o) if o.ok) {
            eprintln!("e2e ceph: ceph-stop.sh failed ({status:?}); killing by pid file");
            kill_from_pid_files(&self.0);
        }
    }
}

fn start_s3s_fs(state: &Path) -> Result<Start, String> {
    let bin = match find_server_binary("s3s-fs") {
        Ok(bin) => bin,
        Err(why) => return Ok(Start::Missing(why)),
    };
    let port = free_ports(1)[0];
    let data = state.join("data");
    fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let log = state.join("log/s3s-fs.log");
    let server = Server {
        name: "s3s-fs",
        port,
        region: "us-east-1".into(),
        access_key: "AKIDS3SFSE2E".into(),
        secret_key: "s3sfsE2eSecretKey123".into(),
        unknown_key: "AKIDS3SFSNOBODY".into(),
        checks_region: false,
        sts: false,
        // s3s-fs 0.14.1 keeps an object's metadata in a file named
        // `.bucket-B64(bucket).object-B64(key).internal.json`, which must fit in
        // a 255-byte file name: 157 bytes of key with this bucket.
        max_key: 150,
        key_limit_note: "s3s-fs 0.14.1 names a metadata file after base64(key), and a longer key \
                         fails with 500 InternalError (File name too long)",
        quirks: Quirks {
            deletes_nonempty_bucket: Some(
                "s3s-fs 0.14.1 deletes a bucket that still holds objects (204), \
                 where S3 answers 409 BucketNotEmpty",
            ),
            keeps_filename_literal: Some(
                "s3s-fs 0.14.1 does not replace ${filename} in a form's key: the \
                 object is stored as req/up/${filename}",
            ),
            aborted_upload_forbidden: Some(
                "s3s-fs 0.14.1 answers a part for an aborted upload with 403 \
                 AccessDenied instead of 404 NoSuchUpload",
            ),
            ..Quirks::default()
        },
        logs: vec![log.clone()],
    };
    let child = spawn_logged(
        Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--access-key",
                &server.access_key,
                "--secret-key",
                &server.secret_key,
            ])
            // With the port: s3s compares the Host header literally.
            .args(["--domain", &format!("localhost:{port}")])
            .arg(&data),
        &log,
    )?;
    fs::write(state.join("run/s3s-fs.pid"), child.id().to_string()).map_err(|e| e.to_string())?;
    let mut guard = ChildGuard(vec![child]);
    wait_for_port(&server, &mut guard)?;
    create_bucket_over_s3(&server)?;
    wait_until_serving(&server, Some(&mut guard))?;
    Ok(Start::Running(Box::new(Running {
        server,
        _guard: Box::new(guard),
    })))
}

fn start_garage(state: &Path) -> Result<Start, String> {
    let bin = match find_server_binary("garage") {
        Ok(bin) => bin,
        Err(why) => return Ok(Start::Missing(why)),
    };
    let [rpc, s3] = free_ports(2)[..] else {
        unreachable!()
    };
    let config = state.join("garage.toml");
    let log = state.join("log/garage.log");
    let root = state.display();
    fs::write(
        &config,
        format!(
            r#"metadata_dir = "{root}/meta"
data_dir = "{root}/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:{rpc}"
rpc_public_addr = "127.0.0.1:{rpc}"
rpc_secret = "6e2e6e2e0123456789abcdef0123456789abcdef0123456789abcdef6e2e6e2e"

[s3_api]
s3_region = "garage-region"
api_bind_addr = "127.0.0.1:{s3}"
root_domain = ".localhost"
"#
        ),
    )
    .map_err(|e| e.to_string())?;
    let server = Server {
        name: "garage",
        port: s3,
        region: "garage-region".into(),
        // Garage's key format: GK + 24 hex digits, a secret of 64 hex digits.
        access_key: "GK0123456789abcdef01e2e2e2".into(),
        secret_key: "e2e0f1e2d3c4b5a69788796a5b4c3d2e1f0e2e0f1e2d3c4b5a69788796a5b4c3".into(),
        unknown_key: "GKfedcba9876543210fedcba98".into(),
        checks_region: true,
        sts: false,
        max_key: 1024,
        key_limit_note: "",
        quirks: Quirks {
            refuses_sigv2: Some(
                "Garage supports SigV4 only (shared/S3-SERVERS.md: it answers a \
                 SigV2 URL with 403 \"Garage does not support anonymous access yet\")",
            ),
            ..Quirks::default()
        },
        logs: vec![log.clone()],
    };
    let child = spawn_logged(
        Command::new(&bin).arg("-c").arg(&config).arg("server"),
        &log,
    )?;
    fs::write(state.join("run/garage.pid"), child.id().to_string()).map_err(|e| e.to_string())?;
    let mut guard = ChildGuard(vec![child]);

    let garage = |args: &[&str]| -> Result<String, String> {
        let out = run_with_timeout(
            clean_command(&bin).arg("-c").arg(&config).args(args),
            Duration::from_secs(30),
        )?;
        if out.ok {
            Ok(out.stdout_text())
        } else {
            Err(format!("garage {}: {}", args.join(" "), out.describe()))
        }
    };
    let what = "garage to answer `garage node id`";
    let id = wait_until(
        &server,
        Some(&mut guard),
        what,
        Duration::from_millis(100),
        || garage(&["node", "id", "-q"]),
    )?;
    let node = id.trim().split('@').next().unwrap_or_default().to_owned();
    // `node id` reads the node's key from disk and can answer before the
    // RPC port listens; `layout assign` then fails with "Connection
    // refused" on a loaded machine. Wait for the port itself.
    wait_until(
        &server,
        Some(&mut guard),
        "garage's RPC port to accept connections",
        Duration::from_millis(50),
        || {
            std::net::TcpStream::connect(("127.0.0.1", rpc))
                .map(drop)
                .map_err(|e| e.to_string())
        },
    )?;
    let provision = || -> Result<(), String> {
        garage(&["layout", "assign", "-z", "dc1", "-c", "1G", &node])?;
        garage(&["layout", "apply", "--version", "1"])?;
        garage(&[
            "key",
            "import",
            "--yes",
            "-n",
            "e2e",
            &server.access_key,
            &server.secret_key,
        ])?;
        garage(&["bucket", "create", BUCKET])?;
        garage(&[
            "bucket", "allow", "--read", "--write", "--owner", BUCKET, "--key", "e2e",
        ])?;
        // CreateBucket over S3 needs this permission.
        garage(&["key", "allow", "--create-bucket", "e2e"])?;
        Ok(())
    };
    provision().map_err(|e| format!("{e}{}", server.log_tail()))?;
    wait_for_port(&server, &mut guard)?;
    wait_until_serving(&server, Some(&mut guard))?;
    Ok(Start::Running(Box::new(Running {
        server,
        _guard: Box::new(guard),
    })))
}

fn start_ceph(state: &Path) -> Result<Start, String> {
    let needed = [
        "ceph-mon",
        "ceph-osd",
        "radosgw",
        "radosgw-admin",
        "monmaptool",
        "ceph",
        "bash",
    ];
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|p| find_program(p).is_err())
        .collect();
    if !missing.is_empty() {
        return Ok(Start::Missing(format!(
            "{} not on PATH (Debian: apt-get install ceph-mon ceph-osd radosgw ceph-common)",
            missing.join(", ")
        )));
    }
    let [mon, rgw] = free_ports(2)[..] else {
        unreachable!()
    };
    let server = Server {
        name: "ceph",
        port: rgw,
        region: "us-east-1".into(),
        access_key: "AKIDRGWE2ETESTER0001".into(),
        secret_key: "rgwE2eSecretKey1234567890".into(),
        unknown_key: "AKIDRGWE2ENOBODY0001".into(),
        checks_region: false,
        sts: true,
        max_key: 1024,
        key_limit_note: "",
        quirks: Quirks {
            post_drops_content_disposition: Some(
                "radosgw 16.2 accepts a form's Content-Disposition field but \
                 does not store it: a GET has no Content-Disposition",
            ),
            sigv2_query_amz_headers: Some(
                "radosgw 16.2 reads the x-amz-meta-owner=ada of a SigV2 URL's \
                 query as the header: sent as a header too, it is counted twice \
                 and the signature fails (403 AccessDenied)",
            ),
            ..Quirks::default()
        },
        logs: ["log/client.rgw.a.log", "log/osd.0.log", "log/mon.a.log"]
            .iter()
            .map(|l| state.join(l))
            .collect(),
    };
    let guard = CephGuard(state.to_owned());
    let out = run_with_timeout(
        clean_command("bash")
            .arg(e2e_script("ceph-start.sh"))
            .arg(state)
            .args([mon.to_string(), rgw.to_string()])
            .args([&server.access_key, &server.secret_key]),
        Duration::from_secs(180),
    )?;
    if !out.ok {
        return Err(format!("ceph-start.sh: {}", out.describe()));
    }
    create_bucket_over_s3(&server)?;
    wait_until_serving(&server, None)?;
    Ok(Start::Running(Box::new(Running {
        server,
        _guard: Box::new(guard),
    })))
}

/// Calls `attempt` every `pause` until it succeeds; gives up after
/// READY_TIMEOUT, or at once when one of `children` has exited, with the last
/// error and the server's log tails.
fn wait_until<T>(
    server: &Server,
    mut children: Option<&mut ChildGuard>,
    what: &str,
    pause: Duration,
    mut attempt: impl FnMut() -> Result<T, String>,
) -> Result<T, String> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        let error = match attempt() {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        if let Some(exit) = children.as_deref_mut().and_then(ChildGuard::exited) {
            return Err(format!(
                "{} {exit} while waiting for {what}: {error}{}",
                server.name,
                server.log_tail()
            ));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "gave up waiting for {what} after {} s: {error}{}",
                READY_TIMEOUT.as_secs(),
                server.log_tail()
            ));
        }
        thread::sleep(pause);
    }
}

fn wait_for_port(server: &Server, children: &mut ChildGuard) -> Result<(), String> {
    let what = format!("{} to listen on 127.0.0.1:{}", server.name, server.port);
    wait_until(
        server,
        Some(children),
        &what,
        Duration::from_millis(20),
        || {
            TcpStream::connect(("127.0.0.1", server.port))
                .map(drop)
                .map_err(|e| e.to_string())
        },
    )
}

/// CreateBucket through a presigned PUT of key "" (made by the library).
fn create_bucket_over_s3(server: &Server) -> Result<(), String> {
    wait_until(
        server,
        None,
        "CreateBucket",
        Duration::from_millis(200),
        || {
            let url = library_url(server, "PUT", "")?;
            let resp = curl_put(&url, b"", None)?;
            match resp.status {
                200 => Ok(()),
                _ => Err(resp.describe(&url)),
            }
        },
    )
}

/// Waits until a signed GET of a missing key answers 404: the server is up,
/// knows the key and has the bucket.
fn wait_until_serving(server: &Server, children: Option<&mut ChildGuard>) -> Result<(), String> {
    let what = "a signed GET of a missing key to answer 404";
    wait_until(server, children, what, Duration::from_millis(100), || {
        let url = library_url(server, "GET", "no-such-key-ready-probe")?;
        let resp = curl_get(&url, None)?;
        match resp.status {
            404 => Ok(()),
            _ => Err(resp.describe(&url)),
        }
    })
}

// ---------------------------------------------------------------------------
// The checks

/// The awkward keys: label, key. Each goes up with a presigned PUT and comes
/// back through the binary's URL, path-style and virtual-hosted.
fn keys(max_key: usize) -> Vec<(String, String)> {
    let long = long_key(max_key);
    assert_eq!(long.len(), max_key);
    [
        ("plain", "plain/object.txt"),
        ("spaces", "with space/file name.txt"),
        ("plus", "plus/a+b+c.txt"),
        ("tilde", "tilde/~user~x.txt"),
        ("percent", "pct/100%25 sure%.txt"),
        ("= & ? #", "eq=amp&/q?x#y.txt"),
        ("unicode", "ünïcødé/日本語.txt"),
        ("double slash", "double//slash//key.txt"),
        ("punctuation", "punct/!'()*,;:@$[]{}.txt"),
    ]
    .iter()
    .map(|(label, key)| (label.to_string(), key.to_string()))
    .chain([(format!("{max_key} bytes long"), long)])
    .collect()
}

/// A key of `len` bytes: letters with a `/` every 200 bytes (a file system
/// caps a name at 255 bytes, and s3s-fs stores keys as paths), then `.txt`.
fn long_key(len: usize) -> String {
    let mut key: String = (0..len - 4)
        .map(|i| {
            if i % 200 == 199 {
                '/'
            } else {
                char::from(b'a' + (i / 200) as u8)
            }
        })
        .collect();
    key.push_str(".txt");
    key
}

/// Bytes that show a download is exact: the key, then every byte value.
fn body_for(key: &str) -> Vec<u8> {
    let mut body = format!("object {key}\r\n").into_bytes();
    body.extend(0..=255u8);
    body
}

fn run_checks(ctx: &Ctx, report: &mut Report) {
    let s = ctx.server;
    let base = "checks/base.txt";
    let other = "checks/other.txt";
    let setup = || -> Result<(), String> {
        ctx.upload(base, &body_for(base))?;
        ctx.upload(other, &body_for(other))
    };
    if let Err(e) = setup() {
        report.fail("setup: upload checks/base.txt and checks/other.txt", &e);
        return;
    }

    // Made first and used last, so that the wait for it to expire overlaps
    // the other checks.
    let expiring = ctx.presign_url(&ctx.creds(), &[&ctx.s3_uri(base), "--expires-in", "1"]);
    let expiring_made = Instant::now();

    report.check("unsigned GET of a private object is refused", || {
        let url = format!("{}/{BUCKET}/{base}", s.endpoint());
        expect_refused(&ctx.get(&url)?, &url)
    });

    if s.max_key < 1024 {
        report.skip(
            "1024-byte key",
            &format!(
                "this server stores keys of at most {} bytes: {}",
                s.max_key, s.key_limit_note
            ),
        );
    }
    for (label, key) in keys(s.max_key) {
        let body = body_for(&key);
        report.check(
            format!("key {label}: path-style GET returns the bytes"),
            || {
                ctx.upload(&key, &body)?;
                let url = ctx.url(&key, &[])?;
                expect_path_style(&url)?;
                expect_bytes(&ctx.get(&url)?, &body, &url)
            },
        );
        report.check(
            format!("key {label}: virtual-hosted GET returns the bytes"),
            || {
                let url = ctx.vhost_url(&key)?;
                let origin = format!("http://{BUCKET}.localhost:{}/", s.port);
                if !url.starts_with(&origin) {
                    return Err(format!(
                        "expected a virtual-hosted URL under {origin}, got {url}"
                    ));
                }
                expect_bytes(&ctx.get(&url)?, &body, &url)
            },
        );
    }

    report.check(
        "one hex character of X-Amz-Signature changed: refused",
        || {
            let url = ctx.url(base, &[])?;
            expect_bytes(&ctx.get(&url)?, &body_for(base), &url)?;
            let forged = tamper_signature(&url)?;
            expect_refused(&ctx.get(&forged)?, &forged)
        },
    );

    report.check("virtual-hosted, signature changed: refused", || {
        let url = ctx.vhost_url(base)?;
        expect_bytes(&ctx.get(&url)?, &body_for(base), &url)?;
        let forged = tamper_signature(&url)?;
        expect_refused(&ctx.get(&forged)?, &forged)
    });

    report.check("X-Amz-Expires changed (3600 -> 7200): refused", || {
        let url = ctx.url(base, &[])?;
        let forged = replace_once(&url, "&X-Amz-Expires=3600&", "&X-Amz-Expires=7200&")?;
        expect_refused(&ctx.get(&forged)?, &forged)
    });

    report.check("X-Amz-Date moved one second: refused", || {
        let url = ctx.url(base, &[])?;
        let date = query_value(&url, "X-Amz-Date")?;
        let (head, sec) = date.split_at(13);
        let sec: u32 = sec[..2]
            .parse()
            .map_err(|_| format!("bad X-Amz-Date {date}"))?;
        let moved = format!("{head}{:02}Z", (sec + 1) % 60);
        let forged = replace_once(
            &url,
            &format!("X-Amz-Date={date}"),
            &format!("X-Amz-Date={moved}"),
        )?;
        expect_refused(&ctx.get(&forged)?, &forged)
    });

    report.check(
        "URL with its path swapped to another existing key: refused",
        || {
            let own = ctx.url(other, &[])?;
            expect_bytes(&ctx.get(&own)?, &body_for(other), &own)?;
            let url = ctx.url(base, &[])?;
            let forged = replace_once(
                &url,
                &format!("/{BUCKET}/{base}?"),
                &format!("/{BUCKET}/{other}?"),
            )?;
            expect_refused(&ctx.get(&forged)?, &forged)
        },
    );

    report.check("GET URL used for a PUT: refused, object unchanged", || {
        let url = ctx.url(base, &[])?;
        let resp = curl_put(&url, b"overwritten by a GET URL\n", None)?;
        expect_refused(&resp, &url)?;
        let check = ctx.url(base, &[])?;
        expect_bytes(&ctx.get(&check)?, &body_for(base), &check)
    });

    report.check("URL signed with the wrong secret: refused", || {
        let wrong = format!("{}x", &s.secret_key[..s.secret_key.len() - 1]);
        let url = ctx.presign_url(&ctx.creds_for(&s.access_key, &wrong), &[&ctx.s3_uri(base)])?;
        expect_refused(&ctx.get(&url)?, &url)
    });

    report.check("URL with an unknown access key id: refused", || {
        let url = ctx.presign_url(
            &ctx.creds_for(&s.unknown_key, &s.secret_key),
            &[&ctx.s3_uri(base)],
        )?;
        expect_refused(&ctx.get(&url)?, &url)
    });

    report.check(
        "--expires-in 604800 (7 days, the maximum): accepted",
        || {
            let url = ctx.url(base, &["--expires-in", "604800"])?;
            expect_bytes(&ctx.get(&url)?, &body_for(base), &url)
        },
    );

    report.check(
        "--signing-time 60 s ago, --expires-in 3600: accepted",
        || {
            let url = ctx.url(base, &["--signing-time", &rfc3339_ago(60)])?;
            expect_bytes(&ctx.get(&url)?, &body_for(base), &url)
        },
    );

    report.check(
        "--signing-time 2 h ago, --expires-in 3600 (expired): refused",
        || {
            let url = ctx.url(base, &["--signing-time", &rfc3339_ago(7200)])?;
            expect_refused(&ctx.get(&url)?, &url)
        },
    );

    if s.checks_region {
        report.check("URL signed for another region (eu-west-3): refused", || {
            let args = [
                ctx.s3_uri(base),
                "--endpoint-url".into(),
                s.endpoint(),
                "--region".into(),
                "eu-west-3".into(),
            ];
            let url = ctx.presign_raw(&ctx.creds(), &args)?;
            expect_scope_region(&url, "eu-west-3")?;
            expect_refused(&ctx.get(&url)?, &url)
        });
    } else {
        report.skip(
            "URL signed for another region: refused",
            "this server does not check the region of the credential scope \
             (shared/S3-SERVERS.md)",
        );
    }

    if s.sts {
        session_token_checks(ctx, report, base);
        assume_role_checks(ctx, report, base);
    } else {
        report.skip(
            "session token (temporary credentials)",
            "this server has no STS: it cannot issue temporary credentials",
        );
        report.skip(
            "assume role (role_arn + source_profile)",
            "this server has no STS: it has no roles to assume",
        );
    }

    // Garage checks the region: there both provider shapes use Garage's own
    // region instead of eu-west-2 / ru-msk.
    let outscale_region = if s.checks_region {
        s.region.as_str()
    } else {
        "eu-west-2"
    };
    let vk_region = if s.checks_region {
        s.region.as_str()
    } else {
        "ru-msk"
    };

    let name = format!(
        "Outscale shape: s3://B/O --profile P --expires-in 3600 --endpoint URL \
         (profile in ~/.aws files, region {outscale_region})"
    );
    report.check(name, || {
        let home = ctx.work.join("home-outscale");
        let aws = home.join(".aws");
        fs::create_dir_all(&aws).map_err(|e| e.to_string())?;
        let credentials = format!(
            "[default]\naws_access_key_id = AKIDNOTTHISONE\naws_secret_access_key = notthisone\n\n\
             [P]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            s.access_key, s.secret_key
        );
        let config =
            format!("[default]\nregion = ap-south-1\n\n[profile P]\nregion = {outscale_region}\n");
        fs::write(aws.join("credentials"), credentials).map_err(|e| e.to_string())?;
        fs::write(aws.join("config"), config).map_err(|e| e.to_string())?;
        let args = [
            format!("s3://{BUCKET}/{base}"),
            "--profile".into(),
            "P".into(),
            "--expires-in".into(),
            "3600".into(),
            "--endpoint".into(),
            s.endpoint(),
        ];
        let url = presign_cli(&home, &[], &args)?;
        let prefix = format!("{}/{BUCKET}/{base}?", s.endpoint());
        if !url.starts_with(&prefix) || !url.contains("&X-Amz-Expires=3600&") {
            return Err(format!("unexpected URL shape: {url}"));
        }
        expect_scope_region(&url, outscale_region)?;
        expect_credential(&url, &s.access_key)?;
        expect_bytes(&ctx.get(&url)?, &body_for(base), &url)
    });

    let name = format!("VK Cloud shape: s3://B/K --endpoint-url URL --region {vk_region}");
    report.check(name, || {
        let args = [
            ctx.s3_uri(base),
            "--endpoint-url".into(),
            s.endpoint(),
            "--region".into(),
            vk_region.into(),
        ];
        let url = ctx.presign_raw(&ctx.creds(), &args)?;
        expect_path_style(&url)?;
        expect_scope_region(&url, vk_region)?;
        expect_bytes(&ctx.get(&url)?, &body_for(base), &url)
    });

    request_checks(ctx, report, base);

    report.check("--expires-in 1, used 2.5 s later: refused", || {
        let url = expiring.clone()?;
        let wait = Duration::from_millis(2500).saturating_sub(expiring_made.elapsed());
        thread::sleep(wait);
        expect_refused(&ctx.get(&url)?, &url)
    });
}

// ---------------------------------------------------------------------------
// Requests beyond a download: uploads, signed headers, response overrides,
// DELETE and HEAD, buckets, multipart uploads, POST forms, SigV2, and the
// printed curl commands. Every URL and form comes from the binary.

fn request_checks(ctx: &Ctx, report: &mut Report, base: &str) {
    let s = ctx.server;

    report.check(
        "PUT URL (--method PUT): curl -T uploads, a GET URL returns the bytes",
        || {
            let key = "req/put.bin";
            let body = body_for(key);
            let put = ctx.url(key, &["--method", "PUT"])?;
            expect_2xx(&ctx.put_file(&put, &body, &[])?, &put)?;
            let get = ctx.url(key, &[])?;
            expect_bytes(&ctx.get(&get)?, &body, &get)
        },
    );

    report.check(
        "PUT --content-type image/png: refused without a Content-Type and with \
         image/jpeg; accepted with image/png, which GET then answers with",
        || {
            let key = "req/typed.png";
            let body = body_for(key);
            let put = ctx.url(key, &["--method", "PUT", "--content-type", "image/png"])?;
            if !put.contains("&X-Amz-SignedHeaders=content-type%3Bhost&") {
                return Err(format!("content-type is not a signed header: {put}"));
            }
            let none = ctx.put_file(&put, &body, &[])?;
            expect_refused(&none, &format!("{put} (sent without Content-Type)"))?;
            let jpeg = ctx.put_file(&put, &body, &["-H", "Content-Type: image/jpeg"])?;
            expect_refused(&jpeg, &format!("{put} (sent with image/jpeg)"))?;
            ctx.expect_missing(BUCKET, key)?;
            let png = ctx.put_file(&put, &body, &["-H", "Content-Type: image/png"])?;
            expect_2xx(&png, &put)?;
            let get = ctx.url(key, &[])?;
            let resp = ctx.get(&get)?;
            expect_bytes(&resp, &body, &get)?;
            expect_header(&resp, "Content-Type", "image/png", &get)
        },
    );

    report.check(
        "PUT --header 'x-amz-meta-owner: ada' --format json: refused without the \
         header and with owner eve; accepted with the JSON's headers; HEAD shows it",
        || {
            let key = "req/owned.txt";
            let body = body_for(key);
            let args = [
                ctx.s3_uri(key),
                "--method".into(),
                "PUT".into(),
                "--header".into(),
                "x-amz-meta-owner: ada".into(),
                "--format".into(),
                "json".into(),
            ];
            let json = ctx.presign_json(&args.iter().map(String::as_str).collect::<Vec<_>>())?;
            let url = json_str(&json, "url")?;
            if json_str(&json, "method")? != "PUT" {
                return Err(format!("expected \"method\":\"PUT\": {json}"));
            }
            let headers = json
                .get("headers")
                .and_then(|h| h.as_object())
                .ok_or_else(|| format!("no \"headers\" object: {json}"))?;
            let sent: Vec<String> = headers
                .iter()
                .map(|(n, v)| format!("{n}: {}", v.as_str().unwrap_or_default()))
                .collect();
            if sent != ["x-amz-meta-owner: ada"] {
                return Err(format!(
                    "expected the one header x-amz-meta-owner: ada: {json}"
                ));
            }
            let none = ctx.put_file(url, &body, &[])?;
            expect_refused(&none, &format!("{url} (sent without x-amz-meta-owner)"))?;
            let eve = ctx.put_file(url, &body, &["-H", "x-amz-meta-owner: eve"])?;
            expect_refused(&eve, &format!("{url} (sent with x-amz-meta-owner: eve)"))?;
            ctx.expect_missing(BUCKET, key)?;
            let mut extra = Vec::new();
            for header in &sent {
                extra.extend(["-H", header.as_str()]);
            }
            expect_2xx(&ctx.put_file(url, &body, &extra)?, url)?;
            let head = ctx.url(key, &["--method", "HEAD"])?;
            let resp = ctx.send(&["-I", &head])?;
            if resp.status != 200 {
                return Err(format!("HEAD: expected 200, {}", resp.describe(&head)));
            }
            expect_header(&resp, "x-amz-meta-owner", "ada", &head)
        },
    );

    let disposition = r#"attachment; filename="r.pdf""#;
    report.check_or_skip(
        "GET --response-content-disposition 'attachment; filename=\"r.pdf\"' \
         --response-content-type application/pdf: answered with both; the \
         override changed in the URL is refused",
        || {
            let url = ctx.url(
                base,
                &[
                    "--response-content-disposition",
                    disposition,
                    "--response-content-type",
                    "application/pdf",
                ],
            )?;
            let resp = ctx.get(&url)?;
            expect_bytes(&resp, &body_for(base), &url)?;
            let forged = replace_once(&url, "r.pdf", "r.exe")?;
            if let Some(why) = s.quirks.ignores_overrides {
                if resp.header("Content-Disposition").is_some() {
                    return Err(format!(
                        "this server is listed as ignoring response overrides ({why}), \
                         but it answered with them: {url}"
                    ));
                }
                return Ok(Some(why.to_owned()));
            }
            expect_header(&resp, "Content-Disposition", disposition, &url)?;
            expect_header(&resp, "Content-Type", "application/pdf", &url)?;
            expect_refused(&ctx.get(&forged)?, &forged)?;
            Ok(None)
        },
    );

    report.check(
        "HEAD URL: 200, Content-Length, no body; the HEAD URL used for a GET is refused",
        || {
            let body = body_for(base);
            let head = ctx.url(base, &["--method", "HEAD"])?;
            let resp = ctx.send(&["-I", &head])?;
            if resp.status != 200 {
                return Err(format!("expected 200, {}", resp.describe(&head)));
            }
            expect_header(&resp, "Content-Length", &body.len().to_string(), &head)?;
            // With -I curl prints the headers and stops: no body bytes follow.
            if !resp.body.ends_with(b"\r\n\r\n") {
                return Err(format!(
                    "HEAD printed more than headers: {}",
                    resp.describe(&head)
                ));
            }
            expect_refused(&ctx.get(&head)?, &format!("{head} (used for a GET)"))
        },
    );

    report.check(
        "DELETE URL: a GET URL used for DELETE is refused; the DELETE URL answers \
         204 and a GET is then 404",
        || {
            let key = "req/delete-me.txt";
            ctx.upload(key, &body_for(key))?;
            let get = ctx.url(key, &[])?;
            expect_refused(
                &ctx.send(&["-X", "DELETE", &get])?,
                &format!("{get} (DELETE)"),
            )?;
            expect_bytes(&ctx.get(&get)?, &body_for(key), &get)?;
            let delete = ctx.url(key, &["--method", "DELETE"])?;
            let resp = ctx.send(&["-X", "DELETE", &delete])?;
            if resp.status != 204 {
                return Err(format!("expected 204, {}", resp.describe(&delete)));
            }
            ctx.expect_missing(BUCKET, key)
        },
    );

    let bucket = "presign-e2e-made";
    report.check(
        "bucket: s3://NEW --method PUT creates it; list-type=2 (and prefix=) \
         names the keys put there",
        || create_and_list_bucket(ctx, bucket),
    );
    report.check_or_skip(
        "bucket: DELETE s3://NEW refused (409) while not empty, 204 once \
         emptied with DELETE URLs; then listing it is 404",
        || delete_bucket(ctx, bucket),
    );

    report.check(
        "multipart: POST ?uploads starts, PUT parts 1 (5 MiB) and 2, POST \
         ?uploadId completes, GET returns both; a part URL with another \
         partNumber is refused",
        || multipart_upload(ctx),
    );

    report.check(
        "multipart by the printed --format curl commands: three parts cut out of \
         one file by dd, each printing its ETag, then the printed complete command \
         with parts.xml; the object reads back whole",
        || printed_multipart_commands(ctx),
    );
    report.check(
        "multipart: a part goes up, DELETE ?uploadId aborts (204), a part for \
         it is then refused (404 NoSuchUpload) and no object appears",
        || multipart_abort(ctx),
    );

    post_form_checks(ctx, report);

    if let Some(why) = s.quirks.refuses_sigv2 {
        let name = format!("SigV2 (--signature-version s3) GET URL: refused ({why})");
        report.check(name, || {
            let url = ctx.url(base, &["--signature-version", "s3"])?;
            if !url.contains("?AWSAccessKeyId=") {
                return Err(format!("not a SigV2 URL: {url}"));
            }
            expect_refused(&ctx.get(&url)?, &url)
        });
    } else {
        sigv2_checks(ctx, report);
    }

    report.check(
        "PUT --content-type text/plain --format curl: the printed command, run by \
         sh -c in a directory holding the file, uploads it",
        || {
            let key = "req/curl out+1.txt";
            let args = ["--method", "PUT", "--content-type", "text/plain"];
            printed_put_command(ctx, key, &args)
        },
    );
    report.check(
        "the printed curl command of a key named '-' uploads the file '-', and of a \
         key with a '..' segment uploads to exactly that key (--path-as-is)",
        || {
            let args = ["--method", "PUT", "--content-type", "text/plain"];
            printed_put_command(ctx, "req/-", &args)?;
            printed_put_command(ctx, "req/a/../dot segment.txt", &args)
        },
    );
}

/// Runs a printed curl `command` through `sh` in a fresh directory holding
/// `body` under the last segment of `key`, the file name presign prints.
fn run_printed_command(ctx: &Ctx, key: &str, command: &str, body: &[u8]) -> Result<(), String> {
    let file_name = key.rsplit('/').next().unwrap_or_default();
    let dir = tempfile::tempdir_in(&ctx.work).map_err(|e| e.to_string())?;
    fs::write(dir.path().join(file_name), body).map_err(|e| e.to_string())?;
    let out = run_with_timeout(
        clean_command("sh")
            .arg("-c")
            .arg(command)
            .current_dir(dir.path()),
        Duration::from_secs(30),
    )?;
    if !out.ok {
        return Err(format!("sh -c {command}: {}", out.describe()));
    }
    Ok(())
}

/// Runs the `--format curl` command of a PUT for `key` in a fresh directory
/// holding the file it names; checks the object then comes back.
fn printed_put_command(ctx: &Ctx, key: &str, args: &[&str]) -> Result<(), String> {
    let body = body_for(key);
    let mut all = args.to_vec();
    all.extend(["--format", "curl"]);
    let command = ctx.url(key, &all)?;
    run_printed_command(ctx, key, &command, &body)?;
    let get = ctx.url(key, args_signature(args))?;
    let resp = ctx.get(&get)?;
    expect_bytes(&resp, &body, &get)?;
    expect_header(&resp, "Content-Type", "text/plain", &get)
}

/// The `--signature-version` part of `args`, for a GET signed the same way.
fn args_signature<'a>(args: &'a [&'a str]) -> &'a [&'a str] {
    match args.iter().position(|a| *a == "--signature-version") {
        Some(i) if i + 1 < args.len() => &args[i..i + 2],
        _ => &[],
    }
}

/// The keys the bucket checks put in the new bucket.
const LISTED: [&str; 2] = ["listed/one.txt", "other/two.txt"];

fn create_and_list_bucket(ctx: &Ctx, bucket: &str) -> Result<(), String> {
    let uri = format!("s3://{bucket}");
    let create = ctx.presign_args(&[&uri, "--method", "PUT"])?;
    if !create.contains(&format!("/{bucket}?")) {
        return Err(format!("expected a URL for the bucket itself: {create}"));
    }
    // As the printed curl command does: -X PUT, no body.
    let resp = ctx.send(&["-X", "PUT", &create])?;
    expect_2xx(&resp, &create).map_err(|e| format!("create: {e}"))?;
    for key in LISTED {
        let put = ctx.presign_args(&[&format!("{uri}/{key}"), "--method", "PUT"])?;
        expect_2xx(&ctx.put_file(&put, &body_for(key), &[])?, &put)?;
    }
    let all = ctx.list(bucket, "")?;
    if all != LISTED {
        return Err(format!("expected the listing {LISTED:?}, got {all:?}"));
    }
    let some = ctx.list(bucket, "listed/")?;
    if some != LISTED[..1] {
        return Err(format!(
            "prefix=listed/: expected [{:?}], got {some:?}",
            LISTED[0]
        ));
    }
    Ok(())
}

fn delete_bucket(ctx: &Ctx, bucket: &str) -> Result<Option<String>, String> {
    let uri = format!("s3://{bucket}");
    let delete = ctx.presign_args(&[&uri, "--method", "DELETE"])?;
    let gone = || -> Result<(), String> {
        let url = ctx.presign_args(&[&uri, "--param", "list-type=2"])?;
        let resp = ctx.send(&[&url])?;
        if resp.status == 404 && String::from_utf8_lossy(&resp.body).contains("NoSuchBucket") {
            Ok(())
        } else {
            Err(format!(
                "listing a deleted bucket: expected 404 NoSuchBucket, {}",
                resp.describe(&url)
            ))
        }
    };
    let resp = ctx.send(&["-X", "DELETE", &delete])?;
    if let Some(why) = ctx.server.quirks.deletes_nonempty_bucket {
        if resp.status != 204 {
            return Err(format!("expected 204 ({why}), {}", resp.describe(&delete)));
        }
        gone()?;
        return Ok(Some(why.to_owned()));
    }
    if resp.status != 409 || !String::from_utf8_lossy(&resp.body).contains("BucketNotEmpty") {
        return Err(format!(
            "DELETE of a bucket that is not empty: expected 409 BucketNotEmpty, {}",
            resp.describe(&delete)
        ));
    }
    for key in LISTED {
        let url = ctx.presign_args(&[&format!("{uri}/{key}"), "--method", "DELETE"])?;
        expect_2xx(&ctx.send(&["-X", "DELETE", &url])?, &url)?;
    }
    let resp = ctx.send(&["-X", "DELETE", &delete])?;
    if resp.status != 204 {
        return Err(format!(
            "DELETE bucket: expected 204, {}",
            resp.describe(&delete)
        ));
    }
    gone()?;
    Ok(None)
}

/// Starts a multipart upload of `key` (POST ?uploads); returns its UploadId.
fn start_multipart(ctx: &Ctx, key: &str) -> Result<String, String> {
    let url = ctx.url(key, &["--method", "POST", "--param", "uploads"])?;
    let resp = ctx.send(&["-X", "POST", &url])?;
    if resp.status != 200 {
        return Err(format!("start: expected 200, {}", resp.describe(&url)));
    }
    let xml = String::from_utf8_lossy(&resp.body);
    xml_text(&xml, "UploadId").ok_or_else(|| format!("start: no <UploadId> in {xml}"))
}

/// Bytes for a multipart part: `len` bytes that differ from part to part.
fn part_bytes(part: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u64 * 7 + u64::from(part) * 13) as u8 ^ (i >> 12) as u8)
        .collect()
}

/// Runs a printed `command` through `sh -c` in `dir`; its stdout.
fn sh_in(dir: &Path, command: &str) -> Result<String, String> {
    let out = run_with_timeout(
        clean_command("sh").arg("-c").arg(command).current_dir(dir),
        Duration::from_secs(60),
    )?;
    if !out.ok {
        return Err(format!("sh -c {command}: {}", out.describe()));
    }
    Ok(out.stdout_text())
}

fn printed_multipart_commands(ctx: &Ctx) -> Result<(), String> {
    let key = "req/printed multi.bin";
    let part_size = 5 * 1024 * 1024;
    let body = part_bytes(9, 2 * part_size + 4321);
    let dir = tempfile::tempdir_in(&ctx.work).map_err(|e| e.to_string())?;
    fs::write(dir.path().join("printed multi.bin"), &body).map_err(|e| e.to_string())?;
    let id = start_multipart(ctx, key)?;
    let size = part_size.to_string();
    let mut parts = String::from("<CompleteMultipartUpload>");
    for n in 1..=3 {
        let number = n.to_string();
        let command = ctx.url(
            key,
            &[
                "--method",
                "PUT",
                "--part-number",
                &number,
                "--upload-id",
                &id,
                "--part-size",
                &size,
                "--format",
                "curl",
            ],
        )?;
        let etag = sh_in(dir.path(), &command)?;
        let etag = etag.trim();
        if etag.is_empty() {
            return Err(format!("part {n}: the printed command printed no ETag"));
        }
        let _ = write!(
            parts,
            "<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
        );
    }
    parts.push_str("</CompleteMultipartUpload>");
    fs::write(dir.path().join("parts.xml"), parts).map_err(|e| e.to_string())?;
    let command = ctx.url(
        key,
        &["--method", "POST", "--upload-id", &id, "--format", "curl"],
    )?;
    let answer = sh_in(dir.path(), &command)?;
    if !answer.contains("CompleteMultipartUploadResult") {
        return Err(format!("complete: no result in {answer}"));
    }
    let get = ctx.url(key, &[])?;
    expect_bytes(&ctx.get(&get)?, &body, &get)
}

fn multipart_upload(ctx: &Ctx) -> Result<(), String> {
    let key = "req/multi part.bin";
    let id = start_multipart(ctx, key)?;
    let parts = [part_bytes(1, 5 * 1024 * 1024), part_bytes(2, 1000)];
    let mut etags = Vec::new();
    for (n, bytes) in (1..).zip(&parts) {
        let number = n.to_string();
        let url = ctx.url(
            key,
            &[
                "--method",
                "PUT",
                "--part-number",
                &number,
                "--upload-id",
                &id,
            ],
        )?;
        if n == 2 {
            let forged = replace_once(&url, "partNumber=2&", "partNumber=3&")?;
            let resp = ctx.put_file(&forged, bytes, &[])?;
            expect_refused(&resp, &format!("{forged} (partNumber changed)"))?;
        }
        let resp = ctx.put_file(&url, bytes, &[])?;
        expect_2xx(&resp, &url).map_err(|e| format!("part {n}: {e}"))?;
        let etag = resp
            .header("ETag")
            .ok_or_else(|| format!("part {n}: no ETag header: {}", resp.describe(&url)))?;
        etags.push(etag.to_owned());
    }
    let mut complete = String::from("<CompleteMultipartUpload>");
    for (n, etag) in (1..).zip(&etags) {
        let _ = write!(
            complete,
            "<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
        );
    }
    complete.push_str("</CompleteMultipartUpload>");
    let file = ctx.file("complete.xml", complete.as_bytes())?;
    let url = ctx.url(key, &["--method", "POST", "--upload-id", &id])?;
    let data = format!("@{}", file.display());
    // --data-binary would add a form Content-Type: none is signed, none is sent.
    let resp = ctx.send(&[
        "-X",
        "POST",
        "-H",
        "Content-Type:",
        "--data-binary",
        &data,
        &url,
    ])?;
    if resp.status != 200
        || !String::from_utf8_lossy(&resp.body).contains("CompleteMultipartUploadResult")
    {
        return Err(format!(
            "complete: expected 200 and a result, {}",
            resp.describe(&url)
        ));
    }
    let get = ctx.url(key, &[])?;
    expect_bytes(&ctx.get(&get)?, &parts.concat(), &get)
}

fn multipart_abort(ctx: &Ctx) -> Result<(), String> {
    let key = "req/aborted.bin";
    let id = start_multipart(ctx, key)?;
    let part = |n: &str| {
        ctx.url(
            key,
            &["--method", "PUT", "--part-number", n, "--upload-id", &id],
        )
    };
    // The same kind of URL works before the abort: a refusal after it is
    // the abort's doing, not the URL's.
    let first = part("1")?;
    expect_2xx(&ctx.put_file(&first, b"in time", &[])?, &first)?;
    let abort = ctx.url(key, &["--method", "DELETE", "--upload-id", &id])?;
    let resp = ctx.send(&["-X", "DELETE", &abort])?;
    if resp.status != 204 {
        return Err(format!("abort: expected 204, {}", resp.describe(&abort)));
    }
    let second = part("2")?;
    let resp = ctx.put_file(&second, b"too late", &[])?;
    let body = String::from_utf8_lossy(&resp.body);
    let quirk = ctx.server.quirks.aborted_upload_forbidden;
    let refused = match quirk {
        None => resp.status == 404 && body.contains("NoSuchUpload"),
        // A 403 that is not about the signature.
        Some(_) => resp.status == 403 && body.contains("<Code>AccessDenied</Code>"),
    };
    if !refused {
        return Err(format!(
            "a part for an aborted upload: expected {}, {}",
            quirk.unwrap_or("404 NoSuchUpload"),
            resp.describe(&second)
        ));
    }
    ctx.expect_missing(BUCKET, key)
}

/// `presign post` forms, uploaded with `curl -F`.
fn post_form_checks(ctx: &Ctx, report: &mut Report) {
    let s = ctx.server;
    if let Some(why) = s.quirks.no_post_object {
        report.skip("POST form uploads (presign post)", why);
        return;
    }
    report.check(
        "POST form (presign post, JSON): curl -F fields, then file=@, uploads (2xx) \
         and GET returns the bytes; the form with x-amz-signature changed is refused",
        || {
            let key = "req/form.txt";
            let body = body_for(key);
            let form = ctx.post_form(key, &[])?;
            let file = ctx.file("form.txt", &body)?;
            let forged = {
                let mut f = form.clone();
                let sig = f
                    .fields
                    .iter_mut()
                    .find(|(n, _)| n == "x-amz-signature")
                    .ok_or_else(|| format!("no x-amz-signature field: {:?}", form.fields))?;
                let last = sig.1.pop().unwrap_or('0');
                sig.1.push(if last == '0' { '1' } else { '0' });
                f
            };
            expect_refused(
                &ctx.post_upload(&forged, &file)?,
                &format!("{} (forged)", form.url),
            )?;
            ctx.expect_missing(BUCKET, key)?;
            expect_2xx(&ctx.post_upload(&form, &file)?, &form.url)?;
            let get = ctx.url(key, &[])?;
            expect_bytes(&ctx.get(&get)?, &body, &get)
        },
    );
    report.check(
        "POST form --content-length-range 1,10: 10 bytes accepted, 11 bytes refused",
        || {
            let key = "req/small.txt";
            let form = ctx.post_form(key, &["--content-length-range", "1,10"])?;
            let big = ctx.file("eleven.txt", b"0123456789A")?;
            expect_refused(
                &ctx.post_upload(&form, &big)?,
                &format!("{} (11 bytes)", form.url),
            )?;
            ctx.expect_missing(BUCKET, key)?;
            let ten = ctx.file("ten.txt", b"0123456789")?;
            expect_2xx(&ctx.post_upload(&form, &ten)?, &form.url)?;
            let get = ctx.url(key, &[])?;
            expect_bytes(&ctx.get(&get)?, b"0123456789", &get)
        },
    );
    report.check_or_skip(
        "POST form for req/up/${filename}: the object is named after the uploaded file",
        || {
            let form = ctx.post_form("req/up/${filename}", &[])?;
            let body = body_for("named by the form");
            let file = ctx.file("picked name.txt", &body)?;
            expect_2xx(&ctx.post_upload(&form, &file)?, &form.url)?;
            let (stored, skip) = match s.quirks.keeps_filename_literal {
                None => ("req/up/picked name.txt", None),
                Some(why) => ("req/up/${filename}", Some(why.to_owned())),
            };
            let get = ctx.url(stored, &[])?;
            expect_bytes(&ctx.get(&get)?, &body, &get).map_err(|e| {
                let listing = ctx.list(BUCKET, "req/up/");
                format!("{e}; the keys under req/up/: {listing:?}")
            })?;
            Ok(skip)
        },
    );
    report.check(
        "POST form --content-type text/plain: the form with Content-Type \
         text/html is refused; the printed --format curl command, run by sh in \
         a directory holding the file, uploads it as text/plain",
        || {
            let key = "req/printed-form.txt";
            let args = ["--content-type", "text/plain"];
            let mut form = ctx.post_form(key, &args)?;
            let field = form
                .fields
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                .ok_or_else(|| format!("no Content-Type field in {:?}", form.url))?;
            field.1 = "text/html".into();
            let file = ctx.file("printed-form.txt", &body_for(key))?;
            let resp = ctx.post_upload(&form, &file)?;
            expect_refused(&resp, &format!("{} (Content-Type text/html)", form.url))?;
            ctx.expect_missing(BUCKET, key)?;
            printed_post_command(ctx, key, &args, &[("Content-Type", "text/plain")])
        },
    );
    let disposition = r#"attachment; filename="f.txt""#;
    let field = format!("Content-Disposition={disposition}");
    report.check(
        "POST form --field 'Content-Disposition=attachment; filename=\"f.txt\"': \
         uploaded field by field it is stored; the printed --format curl command \
         uploads it too",
        || {
            let args = ["--field", field.as_str()];
            let key = "req/disposed-fields.txt";
            let form = ctx.post_form(key, &args)?;
            let file = ctx.file("disposed.txt", &body_for(key))?;
            // The policy holds the field: another value is refused.
            let mut inline = form.clone();
            for (name, value) in &mut inline.fields {
                if name == "Content-Disposition" {
                    *value = "inline".into();
                }
            }
            let resp = ctx.post_upload(&inline, &file)?;
            expect_refused(&resp, &format!("{} (Content-Disposition inline)", form.url))?;
            expect_2xx(&ctx.post_upload(&form, &file)?, &form.url)?;
            let stored: &[(&str, &str)] = match s.quirks.post_drops_content_disposition {
                None => &[("Content-Disposition", disposition)],
                Some(_) => &[],
            };
            let get = ctx.url(key, &[])?;
            let resp = ctx.get(&get)?;
            expect_bytes(&resp, &body_for(key), &get)?;
            for (name, value) in stored {
                expect_header(&resp, name, value, &get)?;
            }
            printed_post_command(ctx, "req/disposed-printed.txt", &args, stored)
        },
    );
}

/// Runs the `presign post --format curl` command for `key` in a fresh
/// directory holding the file it names (the key's last segment); checks the
/// object then comes back with `headers`.
fn printed_post_command(
    ctx: &Ctx,
    key: &str,
    args: &[&str],
    headers: &[(&str, &str)],
) -> Result<(), String> {
    let body = body_for(key);
    let uri = ctx.s3_uri(key);
    let mut all = vec!["post", uri.as_str()];
    all.extend(args);
    all.extend(["--format", "curl"]);
    let command = ctx.presign_args(&all)?;
    run_printed_command(ctx, key, &command, &body)?;
    let get = ctx.url(key, &[])?;
    let resp = ctx.get(&get)?;
    expect_bytes(&resp, &body, &get)?;
    for (name, value) in headers {
        expect_header(&resp, name, value, &get)?;
    }
    Ok(())
}

/// Legacy SigV2 query URLs (`AWSAccessKeyId`, `Expires`, `Signature`).
fn sigv2_checks(ctx: &Ctx, report: &mut Report) {
    let v2 = ["--signature-version", "s3"];
    let key = "sigv2/a b+c ünï~.txt";
    report.check(
        "SigV2 GET of `sigv2/a b+c ünï~.txt`: the bytes; Signature or Expires \
         changed: refused",
        || {
            let body = body_for(key);
            ctx.upload(key, &body)?;
            let url = ctx.url(key, &v2)?;
            if !url.contains("?AWSAccessKeyId=") || url.contains("X-Amz-") {
                return Err(format!("not a SigV2 URL: {url}"));
            }
            expect_bytes(&ctx.get(&url)?, &body, &url)?;
            let sig = query_value(&url, "Signature")?;
            let changed = if sig.starts_with('A') { "B" } else { "A" };
            let forged = replace_once(
                &url,
                &format!("Signature={sig}"),
                &format!("Signature={changed}{}", &sig[1..]),
            )?;
            expect_refused(&ctx.get(&forged)?, &forged)?;
            let expires = query_value(&url, "Expires")?;
            let later: u64 = expires
                .parse()
                .map_err(|_| format!("bad Expires in {url}"))?;
            let forged = replace_once(
                &url,
                &format!("Expires={expires}"),
                &format!("Expires={}", later + 1),
            )?;
            expect_refused(&ctx.get(&forged)?, &forged)
        },
    );
    // A path-style bucket request signs the path it sends, `/BUCKET`, as
    // S3's SigV2 does; botocore signs `/BUCKET/` there, and radosgw refuses
    // its URL (README, "Where presign differs").
    report.check(
        "SigV2 bucket requests, path-style: GET lists the bucket, HEAD finds it",
        || {
            let uri = format!("s3://{BUCKET}");
            let list = ctx.presign_args(&[&uri, "--method", "GET", "--signature-version", "s3"])?;
            let resp = ctx.send(&[&list])?;
            if resp.status != 200
                || !String::from_utf8_lossy(&resp.body).contains("ListBucketResult")
            {
                return Err(format!(
                    "expected 200 and a listing, {}",
                    resp.describe(&list)
                ));
            }
            let head =
                ctx.presign_args(&[&uri, "--method", "HEAD", "--signature-version", "s3"])?;
            expect_2xx(&ctx.send(&["-I", &head])?, &head)
        },
    );
    report.check(
        "SigV2 PUT --content-type text/plain: refused with text/html; accepted \
         with text/plain, which GET then answers with",
        || {
            let key = "sigv2/typed put.txt";
            let body = body_for(key);
            let mut args = v2.to_vec();
            args.extend(["--method", "PUT", "--content-type", "text/plain"]);
            let put = ctx.url(key, &args)?;
            let html = ctx.put_file(&put, &body, &["-H", "Content-Type: text/html"])?;
            expect_refused(&html, &format!("{put} (sent with text/html)"))?;
            ctx.expect_missing(BUCKET, key)?;
            let plain = ctx.put_file(&put, &body, &["-H", "Content-Type: text/plain"])?;
            expect_2xx(&plain, &put)?;
            let get = ctx.url(key, &v2)?;
            let resp = ctx.get(&get)?;
            expect_bytes(&resp, &body, &get)?;
            expect_header(&resp, "Content-Type", "text/plain", &get)
        },
    );
    report.check(
        "SigV2 PUT --content-type text/plain --format curl: the printed command \
         uploads the file",
        || {
            let mut args = v2.to_vec();
            args.extend(["--method", "PUT", "--content-type", "text/plain"]);
            printed_put_command(ctx, "sigv2/printed+v2 é.txt", &args)
        },
    );
    report.check(
        "SigV2 GET --response-content-disposition, --response-content-type: \
         answered with both",
        || {
            let disposition = r#"attachment; filename="r.pdf""#;
            let mut args = v2.to_vec();
            args.extend([
                "--response-content-disposition",
                disposition,
                "--response-content-type",
                "application/pdf",
            ]);
            let url = ctx.url(key, &args)?;
            let resp = ctx.get(&url)?;
            expect_bytes(&resp, &body_for(key), &url)?;
            expect_header(&resp, "Content-Disposition", disposition, &url)?;
            expect_header(&resp, "Content-Type", "application/pdf", &url)
        },
    );
    // A SigV2 URL carries the signed x-amz-* headers in its query too (as
    // botocore's do); the servers disagree on whether they stand in for the
    // headers.
    let name = match ctx.server.quirks.sigv2_query_amz_headers {
        None => "SigV2 PUT --header 'x-amz-meta-owner: ada': refused without the \
                 header and with owner eve; accepted with it; HEAD shows it"
            .to_owned(),
        Some(why) => format!(
            "SigV2 PUT --header 'x-amz-meta-owner: ada': accepted without the \
             header, refused with it and with owner eve ({why}); HEAD shows it"
        ),
    };
    report.check(name, || {
        let key = "sigv2/owned.txt";
        let body = body_for(key);
        let mut args = v2.to_vec();
        args.extend(["--method", "PUT", "--header", "x-amz-meta-owner: ada"]);
        let put = ctx.url(key, &args)?;
        if !put.contains("&x-amz-meta-owner=ada&") {
            return Err(format!("expected x-amz-meta-owner=ada in the query: {put}"));
        }
        let eve = ctx.put_file(&put, &body, &["-H", "x-amz-meta-owner: eve"])?;
        expect_refused(&eve, &format!("{put} (sent with x-amz-meta-owner: eve)"))?;
        let (refused, accepted): (&[&str], &[&str]) =
            match ctx.server.quirks.sigv2_query_amz_headers {
                None => (&[], &["-H", "x-amz-meta-owner: ada"]),
                Some(_) => (&["-H", "x-amz-meta-owner: ada"], &[]),
            };
        let resp = ctx.put_file(&put, &body, refused)?;
        expect_refused(&resp, &format!("{put} (sent with {refused:?})"))?;
        ctx.expect_missing(BUCKET, key)?;
        let resp = ctx.put_file(&put, &body, accepted)?;
        expect_2xx(&resp, &format!("{put} (sent with {accepted:?})"))?;
        let mut args = v2.to_vec();
        args.extend(["--method", "HEAD"]);
        let head = ctx.url(key, &args)?;
        let resp = ctx.send(&["-I", &head])?;
        if resp.status != 200 {
            return Err(format!("HEAD: expected 200, {}", resp.describe(&head)));
        }
        expect_header(&resp, "x-amz-meta-owner", "ada", &head)
    });
}

fn expect_2xx(resp: &Resp, url: &str) -> Result<(), String> {
    if (200..300).contains(&resp.status) {
        Ok(())
    } else {
        Err(format!("expected 2xx, {}", resp.describe(url)))
    }
}

fn expect_header(resp: &Resp, name: &str, want: &str, url: &str) -> Result<(), String> {
    match resp.header(name) {
        Some(v) if v == want => Ok(()),
        got => Err(format!(
            "expected `{name}: {want}`, got {got:?} (headers {:?}) for {url}",
            resp.headers
        )),
    }
}

fn json_str<'j>(json: &'j serde_json::Value, name: &str) -> Result<&'j str, String> {
    json.get(name)
        .and_then(|v| v.as_str())
        .ok_or_else(|| format!("no string \"{name}\" in {json}"))
}

/// A browser upload form as `presign post` prints it.
#[derive(Clone)]
struct Form {
    url: String,
    fields: Vec<(String, String)>,
}

/// Ceph only: temporary credentials from STS GetSessionToken.
fn session_token_checks(ctx: &Ctx, report: &mut Report, base: &str) {
    let s = ctx.server;
    let temp = match get_session_token(s) {
        Ok(t) => t,
        Err(e) => {
            report.fail("session token: GetSessionToken", &e);
            return;
        }
    };
    let (ak, sk, token) = (&temp.0, &temp.1, &temp.2);
    report.check(
        "session token: URL with X-Amz-Security-Token is accepted",
        || {
            let mut env = ctx.creds_for(ak, sk);
            env.push(("AWS_SESSION_TOKEN", token.clone()));
            let url = ctx.presign_url(&env, &[&ctx.s3_uri(base)])?;
            if !url.contains("&X-Amz-Security-Token=") {
                return Err(format!("no X-Amz-Security-Token in {url}"));
            }
            expect_bytes(&ctx.get(&url)?, &body_for(base), &url)
        },
    );
    report.check(
        "session token: temporary key without its token is refused",
        || {
            let url = ctx.presign_url(&ctx.creds_for(ak, sk), &[&ctx.s3_uri(base)])?;
            expect_refused(&ctx.get(&url)?, &url)
        },
    );
    report.check("session token: a changed token is refused", || {
        let mut env = ctx.creds_for(ak, sk);
        let mut forged = token.clone();
        let first = forged.remove(0);
        forged.insert(0, if first == 'A' { 'B' } else { 'A' });
        env.push(("AWS_SESSION_TOKEN", forged));
        let url = ctx.presign_url(&env, &[&ctx.s3_uri(base)])?;
        expect_refused(&ctx.get(&url)?, &url)
    });
}

/// Lets the user allow itself sts:GetSessionToken (IAM PutUserPolicy), then
/// gets temporary credentials. Both are header-signed SigV4 form POSTs.
fn get_session_token(s: &Server) -> Result<(String, String, String), String> {
    let policy = concat!(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","#,
        r#""Action":["sts:GetSessionToken","s3:*"],"Resource":"*"}]}"#
    );
    let mut body = String::from("Action=PutUserPolicy&Version=2010-05-08");
    body.push_str("&PolicyName=e2e-sts&UserName=tester&PolicyDocument=");
    presign::internals::sign::encode::push_query(&mut body, policy);
    let resp = signed_form_post(s, "iam", &body)?;
    if resp.status != 200 {
        return Err(format!("PutUserPolicy: {}", resp.describe("POST /")));
    }
    let resp = signed_form_post(
        s,
        "sts",
        "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900",
    )?;
    if resp.status != 200 {
        return Err(format!("GetSessionToken: {}", resp.describe("POST /")));
    }
    let xml = String::from_utf8_lossy(&resp.body);
    let field = |tag: &str| {
        xml_text(&xml, tag)
            .ok_or_else(|| format!("no <{tag}> in the GetSessionToken answer: {xml}"))
    };
    Ok((
        field("AccessKeyId")?,
        field("SecretAccessKey")?,
        field("SessionToken")?,
    ))
}

/// The role the assume-role checks create in radosgw, and its policies: the
/// test user may assume it (trust policy), and it may do anything to the
/// test bucket (permission policy).
const ROLE_NAME: &str = "presign-e2e-role";

/// Ceph only: a role created in radosgw (IAM CreateRole, PutRolePolicy),
/// assumed by the binary through radosgw's STS from a profile with
/// `role_arn`, `source_profile` (the user's keys) and `endpoint_url` (which
/// serves both STS and S3).
fn assume_role_checks(ctx: &Ctx, report: &mut Report, base: &str) {
    let s = ctx.server;
    let arn = match create_role(s) {
        Ok(arn) => arn,
        Err(e) => {
            report.fail("assume role: CreateRole and PutRolePolicy", &e);
            return;
        }
    };
    let home = ctx.work.join("home-role");
    let setup = || -> Result<(), String> {
        let aws = home.join(".aws");
        fs::create_dir_all(&aws).map_err(|e| e.to_string())?;
        let config = format!(
            "[profile rgw-role]\nrole_arn = {arn}\nsource_profile = rgw-user\n\
             region = {}\nendpoint_url = {}\n",
            s.region,
            s.endpoint()
        );
        let credentials = format!(
            "[rgw-user]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            s.access_key, s.secret_key
        );
        fs::write(aws.join("config"), config).map_err(|e| e.to_string())?;
        fs::write(aws.join("credentials"), credentials).map_err(|e| e.to_string())
    };
    if let Err(e) = setup() {
        report.fail("assume role: profile files", &e);
        return;
    }
    let run = || {
        let args = ["--profile".into(), "rgw-role".into(), ctx.s3_uri(base)];
        presign_cli(&home, &[("AWS_EC2_METADATA_DISABLED", "true")], &args)
    };
    let mut session_key = None;
    report.check(
        "assume role: URL signed with the role's session returns the bytes",
        || {
            let url = run()?;
            expect_path_style(&url)?;
            let credential = query_value(&url, "X-Amz-Credential")?;
            let key = credential.split("%2F").next().unwrap_or_default();
            if key == s.access_key {
                return Err(format!("signed with the user's own key: {url}"));
            }
            query_value(&url, "X-Amz-Security-Token")?;
            session_key = Some(key.to_owned());
            expect_bytes(&ctx.get(&url)?, &body_for(base), &url)
        },
    );
    report.check(
        "assume role: the session is in ~/.aws/cli/cache under v2's name, and reused",
        || {
            let name = hex::encode(sha1::Sha1::digest(
                format!(r#"{{"RoleArn": "{arn}"}}"#).as_bytes(),
            ));
            let file = home.join(format!(".aws/cli/cache/{name}.json"));
            let entry: serde_json::Value = serde_json::from_slice(
                &fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?,
            )
            .map_err(|e| e.to_string())?;
            let cached = entry["Credentials"]["AccessKeyId"].as_str();
            if cached.is_none() || cached != session_key.as_deref() {
                return Err(format!("cache holds {cached:?}, the URL {session_key:?}"));
            }
            let url = run()?;
            expect_credential(&url, cached.unwrap_or_default())
        },
    );
    report.check("assume role: signature changed: refused", || {
        let url = run()?;
        expect_bytes(&ctx.get(&url)?, &body_for(base), &url)?;
        let forged = tamper_signature(&url)?;
        expect_refused(&ctx.get(&forged)?, &forged)
    });
    report.check("assume role: session token left out: refused", || {
        let url = run()?;
        expect_bytes(&ctx.get(&url)?, &body_for(base), &url)?;
        let token = query_value(&url, "X-Amz-Security-Token")?;
        let forged = replace_once(&url, &format!("&X-Amz-Security-Token={token}"), "")?;
        expect_refused(&ctx.get(&forged)?, &forged)
    });
}

/// Creates [`ROLE_NAME`] through radosgw's IAM API (the user has the
/// `roles` cap): trusted by the test user, allowed `s3:*` on the bucket.
/// Returns the role's ARN as radosgw forms it (`arn:aws:iam:::role/NAME`,
/// no account, the tenant being empty).
fn create_role(s: &Server) -> Result<String, String> {
    let trust = concat!(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","#,
        r#""Principal":{"AWS":["arn:aws:iam:::user/tester"]},"Action":["sts:AssumeRole"]}]}"#
    );
    let mut body = String::from("Action=CreateRole&Version=2010-05-08&Path=%2F&RoleName=");
    body.push_str(ROLE_NAME);
    body.push_str("&AssumeRolePolicyDocument=");
    presign::internals::sign::encode::push_query(&mut body, trust);
    let resp = signed_form_post(s, "iam", &body)?;
    if resp.status != 200 {
        return Err(format!("CreateRole: {}", resp.describe("POST /")));
    }
    let xml = String::from_utf8_lossy(&resp.body);
    let arn =
        xml_text(&xml, "Arn").ok_or_else(|| format!("no <Arn> in CreateRole's answer: {xml}"))?;
    let want = format!("arn:aws:iam:::role/{ROLE_NAME}");
    if arn != want {
        return Err(format!(
            "CreateRole answered the ARN {arn}, expected {want}"
        ));
    }
    let permissions = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::{BUCKET}","arn:aws:s3:::{BUCKET}/*"]}}]}}"#
    );
    let mut body =
        String::from("Action=PutRolePolicy&Version=2010-05-08&PolicyName=e2e-s3&RoleName=");
    body.push_str(ROLE_NAME);
    body.push_str("&PolicyDocument=");
    presign::internals::sign::encode::push_query(&mut body, &permissions);
    let resp = signed_form_post(s, "iam", &body)?;
    if resp.status != 200 {
        return Err(format!("PutRolePolicy: {}", resp.describe("POST /")));
    }
    Ok(arn)
}

/// A SigV4 header-signed POST of a form to `/` (STS and IAM calls).
fn signed_form_post(s: &Server, service: &str, body: &str) -> Result<Resp, String> {
    let now = OffsetDateTime::now_utc();
    let amz_date = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let date = &amz_date[..8];
    let host = format!("127.0.0.1:{}", s.port);
    let payload = hex::encode(Sha256::digest(body.as_bytes()));
    let signed_headers = "content-type;host;x-amz-content-sha256;x-amz-date";
    let canonical = format!(
        "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:{host}\n\
         x-amz-content-sha256:{payload}\nx-amz-date:{amz_date}\n\n{signed_headers}\n{payload}"
    );
    let scope = format!("{date}/{}/{service}/aws4_request", s.region);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let key = SigningKey::derive(
        &SecretString::new(s.secret_key.clone()),
        date,
        &s.region,
        service,
    );
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={}",
        s.access_key,
        key.sign(&to_sign)
    );
    curl(
        &[
            "-X",
            "POST",
            "-H",
            "Content-Type: application/x-www-form-urlencoded",
            "-H",
            &format!("X-Amz-Date: {amz_date}"),
            "-H",
            &format!("X-Amz-Content-Sha256: {payload}"),
            "-H",
            &format!("Authorization: {auth}"),
            "--data-binary",
            body,
            &format!("{}/", s.endpoint()),
        ],
        None,
    )
}

fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..end].to_owned())
}

// ---------------------------------------------------------------------------
// Running the binary

/// What the checks of one server share: the server, a scratch directory and
/// the HOME and config files the binary is run with.
struct Ctx<'a> {
    server: &'a Server,
    work: PathBuf,
    /// An empty HOME: no ~/.aws files of the developer are ever read.
    home: PathBuf,
    /// `addressing_style = virtual`, given as AWS_CONFIG_FILE.
    vhost_config: PathBuf,
}

type Env = Vec<(&'static str, String)>;

impl<'a> Ctx<'a> {
    fn new(server: &'a Server, work: &Path) -> Self {
        let home = work.join("home");
        fs::create_dir_all(&home).unwrap();
        let vhost_config = work.join("config-virtual");
        fs::write(
            &vhost_config,
            "[default]\ns3 =\n    addressing_style = virtual\n",
        )
        .unwrap();
        Ctx {
            server,
            work: work.to_owned(),
            home,
            vhost_config,
        }
    }

    fn s3_uri(&self, key: &str) -> String {
        format!("s3://{BUCKET}/{key}")
    }

    fn creds(&self) -> Env {
        self.creds_for(&self.server.access_key, &self.server.secret_key)
    }

    fn creds_for(&self, access_key: &str, secret_key: &str) -> Env {
        vec![
            ("AWS_ACCESS_KEY_ID", access_key.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", secret_key.to_owned()),
        ]
    }

    /// `presign ARGS... --endpoint-url http://127.0.0.1:PORT --region R`.
    fn presign_url(&self, env: &Env, args: &[&str]) -> Result<String, String> {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.extend(["--endpoint-url".into(), self.server.endpoint()]);
        all.extend(["--region".into(), self.server.region.clone()]);
        self.presign_raw(env, &all)
    }

    fn presign_raw(&self, env: &Env, args: &[String]) -> Result<String, String> {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        presign_cli(&self.home, &env, args)
    }

    /// A path-style URL for `key` with the server's own credentials.
    fn url(&self, key: &str, extra: &[&str]) -> Result<String, String> {
        let mut args = vec![self.s3_uri(key)];
        args.extend(extra.iter().map(|a| a.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.presign_url(&self.creds(), &args)
    }

    /// A virtual-hosted URL (`http://BUCKET.localhost:PORT/KEY`).
    fn vhost_url(&self, key: &str) -> Result<String, String> {
        let mut env = self.creds();
        env.push(("AWS_CONFIG_FILE", self.vhost_config.display().to_string()));
        let args = [
            self.s3_uri(key),
            "--endpoint-url".into(),
            format!("http://localhost:{}", self.server.port),
            "--region".into(),
            self.server.region.clone(),
        ];
        self.presign_raw(&env, &args)
    }

    /// GET with curl; virtual-hosted names are resolved to 127.0.0.1.
    fn get(&self, url: &str) -> Result<Resp, String> {
        curl_get(url, Some(self.server.port))
    }

    /// `presign ARGS --endpoint-url ... --region ...` with the server's keys.
    fn presign_args(&self, args: &[&str]) -> Result<String, String> {
        self.presign_url(&self.creds(), args)
    }

    /// The binary's `--format json` line, parsed.
    fn presign_json(&self, args: &[&str]) -> Result<serde_json::Value, String> {
        let line = self.presign_args(args)?;
        serde_json::from_str(&line).map_err(|e| format!("not JSON ({e}): {line}"))
    }

    /// A file under the work directory holding `body`.
    fn file(&self, name: &str, body: &[u8]) -> Result<PathBuf, String> {
        let dir = self.work.join("files");
        fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let path = dir.join(name);
        fs::write(&path, body).map_err(|e| e.to_string())?;
        Ok(path)
    }

    /// `curl ARGS` against the server (path-style URLs).
    fn send(&self, args: &[&str]) -> Result<Resp, String> {
        curl(args, None)
    }

    /// `curl EXTRA... -T FILE URL`, FILE holding `body`.
    fn put_file(&self, url: &str, body: &[u8], extra: &[&str]) -> Result<Resp, String> {
        let file = tempfile::NamedTempFile::new_in(&self.work).map_err(|e| e.to_string())?;
        fs::write(file.path(), body).map_err(|e| e.to_string())?;
        let path = file.path().display().to_string();
        let mut args = extra.to_vec();
        args.extend(["-T", &path, url]);
        self.send(&args)
    }

    /// A GET URL from the binary answers 404: the object is not there.
    fn expect_missing(&self, bucket: &str, key: &str) -> Result<(), String> {
        let url = self.presign_args(&[&format!("s3://{bucket}/{key}")])?;
        let resp = self.send(&[&url])?;
        if resp.status == 404 {
            Ok(())
        } else {
            Err(format!(
                "expected 404 (no such object), {}",
                resp.describe(&url)
            ))
        }
    }

    /// The keys under `prefix` (ListObjectsV2 through the binary's URL).
    fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, String> {
        let uri = format!("s3://{bucket}");
        let prefix = format!("prefix={prefix}");
        let url = self.presign_args(&[&uri, "--param", "list-type=2", "--param", &prefix])?;
        let resp = self.send(&[&url])?;
        if resp.status != 200 {
            return Err(format!("list: expected 200, {}", resp.describe(&url)));
        }
        let xml = String::from_utf8_lossy(&resp.body);
        Ok(xml
            .split("<Key>")
            .skip(1)
            .filter_map(|part| part.split_once("</Key>").map(|(k, _)| k.to_owned()))
            .collect())
    }

    /// `presign post s3://BUCKET/KEY EXTRA...`, parsed.
    fn post_form(&self, key: &str, extra: &[&str]) -> Result<Form, String> {
        let uri = self.s3_uri(key);
        let mut args = vec!["post", uri.as_str()];
        args.extend(extra);
        let json = self.presign_json(&args)?;
        let url = json_str(&json, "url")?.to_owned();
        let fields = json
            .get("fields")
            .and_then(|f| f.as_object())
            .ok_or_else(|| format!("no \"fields\" object: {json}"))?
            .iter()
            .map(|(n, v)| (n.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        Ok(Form { url, fields })
    }

    /// A browser form upload: every field, then `file=@PATH`. Fields go as
    /// `--form-string`, which takes the value literally (`-F` would read a
    /// value starting with `@` or `<` as a file).
    fn post_upload(&self, form: &Form, file: &Path) -> Result<Resp, String> {
        let mut args: Vec<String> = Vec::new();
        for (name, value) in &form.fields {
            args.extend(["--form-string".into(), format!("{name}={value}")]);
        }
        args.extend(["-F".into(), format!("file=@{}", file.display())]);
        args.push(form.url.clone());
        self.send(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// Puts an object in place with a presigned PUT made by the library.
    fn upload(&self, key: &str, body: &[u8]) -> Result<(), String> {
        let url = library_url(self.server, "PUT", key)?;
        let resp = curl_put(&url, body, None)?;
        if (200..300).contains(&resp.status) {
            Ok(())
        } else {
            Err(format!(
                "presigned PUT (library) failed: {}",
                resp.describe(&url)
            ))
        }
    }
}

/// Runs the binary in `home` with `env`; returns its one line.
fn presign_cli(home: &Path, env: &[(&str, &str)], args: &[String]) -> Result<String, String> {
    let mut cmd = Presign::at_home(home)
        .envs(env.iter().copied())
        .args(args)
        .command();
    let out = run_with_timeout(&mut cmd, Duration::from_secs(30))?;
    let text = out.stdout_text();
    if !out.ok || text.lines().count() != 1 {
        return Err(format!("presign {}: {}", args.join(" "), out.describe()));
    }
    Ok(text.trim_end().to_owned())
}

/// A presigned URL made by the library (for uploads and readiness probes).
fn library_url(s: &Server, method: &str, key: &str) -> Result<String, String> {
    let endpoint = EndpointConfig::in_region(s.region.clone())
        .with_custom(CustomEndpoint::parse(&s.endpoint()).map_err(|e| e.to_string())?)
        .with_use_arn_region(true);
    let credentials = Credentials::new(s.access_key.clone(), s.secret_key.clone());
    let mut presigner = Presigner::new(endpoint, Some(credentials), OffsetDateTime::now_utc());
    let request = ObjectRequest {
        method,
        bucket: BUCKET,
        key,
        params: &[],
        headers: &[],
        expires: Expiry::new(600).map_err(|e| e.to_string())?,
    };
    presigner
        .presign(&request)
        .map(|s| s.url)
        .map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------
// Expectations on URLs and answers

fn expect_bytes(resp: &Resp, want: &[u8], url: &str) -> Result<(), String> {
    if resp.status != 200 {
        return Err(format!("expected 200, {}", resp.describe(url)));
    }
    if resp.body != want {
        return Err(format!(
            "200 but the body differs ({} bytes, expected {}): {}",
            resp.body.len(),
            want.len(),
            url
        ));
    }
    Ok(())
}

/// Refused: 400, 401 or 403, never a 2xx.
fn expect_refused(resp: &Resp, url: &str) -> Result<(), String> {
    if matches!(resp.status, 400 | 401 | 403) {
        Ok(())
    } else {
        Err(format!(
            "expected a refusal (400/401/403), {}",
            resp.describe(url)
        ))
    }
}

fn expect_path_style(url: &str) -> Result<(), String> {
    if url.starts_with("http://127.0.0.1:") && url.contains(&format!("/{BUCKET}/")) {
        Ok(())
    } else {
        Err(format!("expected a path-style URL on 127.0.0.1, got {url}"))
    }
}

fn expect_scope_region(url: &str, region: &str) -> Result<(), String> {
    let credential = query_value(url, "X-Amz-Credential")?;
    if credential.contains(&format!("%2F{region}%2Fs3%2Faws4_request")) {
        Ok(())
    } else {
        Err(format!(
            "expected region {region} in the credential scope: {url}"
        ))
    }
}

fn expect_credential(url: &str, access_key: &str) -> Result<(), String> {
    let credential = query_value(url, "X-Amz-Credential")?;
    if credential.starts_with(&format!("{access_key}%2F")) {
        Ok(())
    } else {
        Err(format!("expected access key {access_key} in {url}"))
    }
}

fn query_value<'u>(url: &'u str, name: &str) -> Result<&'u str, String> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .ok_or_else(|| format!("no {name} in {url}"))
}

fn replace_once(url: &str, from: &str, to: &str) -> Result<String, String> {
    if url.matches(from).count() != 1 {
        return Err(format!("expected `{from}` once in {url}"));
    }
    Ok(url.replacen(from, to, 1))
}

/// Changes the last hex digit of X-Amz-Signature.
fn tamper_signature(url: &str) -> Result<String, String> {
    let sig = query_value(url, "X-Amz-Signature")?;
    if sig.len() != 64 || !url.ends_with(sig) {
        return Err(format!("unexpected X-Amz-Signature in {url}"));
    }
    let last = sig.chars().last().unwrap_or('0');
    let changed = if last == '0' { '1' } else { '0' };
    Ok(format!("{}{changed}", &url[..url.len() - 1]))
}

fn rfc3339_ago(seconds: i64) -> String {
    let t = OffsetDateTime::now_utc() - time::Duration::seconds(seconds);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

// ---------------------------------------------------------------------------
// curl

struct Resp {
    status: u16,
    /// The headers of the final response (after any `100 Continue`).
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn describe(&self, url: &str) -> String {
        let body = String::from_utf8_lossy(&self.body);
        let body: String = body.chars().take(400).collect();
        format!("got {} for {url}: {body}", self.status)
    }

    /// A response header's value; the name is matched case-insensitively.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// `curl -g -sS ARGS`, with the status code written after the body and the
/// response headers dumped to a file (`-D`).
/// `vhost_port` adds `--resolve BUCKET.localhost:PORT:127.0.0.1`.
fn curl(args: &[&str], vhost_port: Option<u16>) -> Result<Resp, String> {
    let dump = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    let mut cmd = clean_command("curl");
    // -q first: no ~/.curlrc.
    // --path-as-is: send the path that was signed (`.`/`..` segments kept).
    cmd.args([
        "-q",
        "-g",
        "-sS",
        "--path-as-is",
        "--noproxy",
        "*",
        "--max-time",
        "20",
    ]);
    if let Some(port) = vhost_port {
        cmd.args(["--resolve", &format!("{BUCKET}.localhost:{port}:127.0.0.1")]);
    }
    cmd.arg("-D").arg(dump.path());
    cmd.args(["-w", "\n%{http_code}"]).args(args);
    let out = run_with_timeout(&mut cmd, Duration::from_secs(30))?;
    if !out.ok {
        return Err(format!("curl {}: {}", args.join(" "), out.describe()));
    }
    let split = out
        .stdout
        .iter()
        .rposition(|&b| b == b'\n')
        .ok_or("curl printed no status")?;
    let status = String::from_utf8_lossy(&out.stdout[split + 1..])
        .trim()
        .parse()
        .map_err(|_| format!("curl printed no status: {}", out.describe()))?;
    let dumped = fs::read(dump.path()).map_err(|e| e.to_string())?;
    Ok(Resp {
        status,
        headers: parse_headers(&String::from_utf8_lossy(&dumped)),
        body: out.stdout[..split].to_vec(),
    })
}

/// The header lines of the last response in a `curl -D` dump.
fn parse_headers(dump: &str) -> Vec<(String, String)> {
    let last = dump
        .split("\r\n\r\n")
        .filter(|block| block.starts_with("HTTP/"))
        .last()
        .unwrap_or_default();
    last.lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn curl_get(url: &str, port: Option<u16>) -> Result<Resp, String> {
    curl(&[url], port)
}

/// `curl -T FILE URL`: a PUT with Content-Length and no Content-Type.
fn curl_put(url: &str, body: &[u8], port: Option<u16>) -> Result<Resp, String> {
    let file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    fs::write(file.path(), body).map_err(|e| e.to_string())?;
    curl(&["-T", &file.path().display().to_string(), url], port)
}

// ---------------------------------------------------------------------------
// Processes

struct Output {
    ok: bool,
    status: String,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Output {
    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    fn describe(&self) -> String {
        format!(
            "{}; stdout: {}; stderr: {}",
            self.status,
            String::from_utf8_lossy(&self.stdout).trim(),
            String::from_utf8_lossy(&self.stderr).trim()
        )
    }
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Runs `cmd` to completion, killing it after `limit`. Output goes through
/// files, not pipes, so that daemons it forks cannot hold us up.
fn run_with_timeout(cmd: &mut Command, limit: Duration) -> Result<Output, String> {
    let mut out = tempfile::tempfile().map_err(|e| e.to_string())?;
    let mut err = tempfile::tempfile().map_err(|e| e.to_string())?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out.try_clone().map_err(|e| e.to_string())?)
        .stderr(err.try_clone().map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    let deadline = Instant::now() + limit;
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{cmd:?} timed out after {} s", limit.as_secs()));
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    };
    let read = |f: &mut fs::File| -> Vec<u8> {
        use std::io::Seek;
        let mut buf = Vec::new();
        let _ = f.seek(std::io::SeekFrom::Start(0));
        let _ = f.read_to_end(&mut buf);
        buf
    };
    Ok(Output {
        ok: status.success(),
        status: status.to_string(),
        stdout: read(&mut out),
        stderr: read(&mut err),
    })
}

/// A command with a cleared environment: PATH and HOME (a scratch one) only.
fn clean_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir());
    cmd
}

fn spawn_logged(cmd: &mut Command, log: &Path) -> Result<Child, String> {
    let file = fs::File::create(log).map_err(|e| e.to_string())?;
    let program = cmd.get_program().to_owned();
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(file.try_clone().map_err(|e| e.to_string())?)
        .stderr(file)
        .spawn()
        .map_err(|e| format!("cannot start {program:?}: {e}"))
}

fn find_program(name: &str) -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("{name} not found on PATH"))
}

/// PATH first, then `$PRESIGN_E2E_ROOT/bin` (by default
/// `$HOME/.cache/presign-e2e/bin`, where scripts/install-test-deps.sh puts them).
fn find_server_binary(name: &str) -> Result<PathBuf, String> {
    if let Ok(p) = find_program(name) {
        return Ok(p);
    }
    let root = std::env::var_os("PRESIGN_E2E_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/presign-e2e")));
    match root.map(|r| r.join("bin").join(name)) {
        Some(p) if p.is_file() => Ok(p),
        _ => Err(format!(
            "{name} not found on PATH nor in $PRESIGN_E2E_ROOT/bin (default \
             $HOME/.cache/presign-e2e/bin); scripts/install-test-deps.sh builds it"
        )),
    }
}

fn e2e_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e")
        .join(name)
}

/// Free loopback ports, all distinct (the listeners are held until all are
/// picked).
fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

fn tail(path: &Path, lines: usize) -> String {
    let text = fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

// ---------------------------------------------------------------------------
// Stragglers: servers left by a test process that died (killed, or aborted)

fn state_root() -> PathBuf {
    let root = std::env::temp_dir().join("presign-e2e");
    fs::create_dir_all(&root).expect("create $TMPDIR/presign-e2e");
    root
}

fn process_alive(pid: &str) -> bool {
    Path::new("/proc").join(pid).exists()
}

/// The command line of `pid`, if it is running.
fn cmdline(pid: &str) -> Option<String> {
    let raw = fs::read(Path::new("/proc").join(pid).join("cmdline")).ok()?;
    (!raw.is_empty()).then(|| String::from_utf8_lossy(&raw).replace('\0', " "))
}

/// Kills the processes named in `dir/run/*.pid` that still run with `dir`
/// in their command line (a reused pid is left alone).
fn kill_from_pid_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir.join("run")) else {
        return;
    };
    let marker = dir.display().to_string();
    for entry in entries.flatten() {
        if entry.path().extension().is_none_or(|e| e != "pid") {
            continue;
        }
        let pid = fs::read_to_string(entry.path())
            .unwrap_or_default()
            .trim()
            .to_owned();
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if cmdline(&pid).is_some_and(|c| c.contains(&marker)) {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
    }
}

/// Stops servers whose test process is gone and removes their directories.
fn reap_stragglers(root: &Path) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        let owner = fs::read_to_string(dir.join("owner.pid")).unwrap_or_default();
        let owner = owner.trim();
        if owner.is_empty() || process_alive(owner) {
            continue;
        }
        kill_from_pid_files(&dir);
        let _ = fs::remove_dir_all(&dir);
    }
}

// ---------------------------------------------------------------------------
// The report

struct Report {
    server: &'static str,
    passed: usize,
    failed: Vec<String>,
    skipped: usize,
}

impl Report {
    fn new(server: &'static str) -> Self {
        Report {
            server,
            passed: 0,
            failed: Vec::new(),
            skipped: 0,
        }
    }

    fn check(&mut self, name: impl Into<String>, f: impl FnOnce() -> Result<(), String>) {
        self.check_or_skip(name, || f().map(|()| None));
    }

    /// A check that may end as a skip: `Ok(Some(reason))` is recorded as
    /// skipped (the server lacks the feature), `Ok(None)` as passed.
    fn check_or_skip(
        &mut self,
        name: impl Into<String>,
        f: impl FnOnce() -> Result<Option<String>, String>,
    ) {
        let name = name.into();
        let outcome = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("panicked: {msg}"))
        });
        match outcome {
            Ok(None) => {
                self.passed += 1;
                eprintln!("e2e {}: ok     {name}", self.server);
            }
            Ok(Some(why)) => self.skip(&name, &why),
            Err(e) => self.fail(&name, &e),
        }
    }

    fn fail(&mut self, name: &str, why: &str) {
        eprintln!("e2e {}: FAILED {name}: {why}", self.server);
        self.failed.push(format!("{name}: {why}"));
    }

    fn skip(&mut self, name: &str, why: &str) {
        self.skipped += 1;
        eprintln!("e2e {}: skip   {name}: {why}", self.server);
    }

    fn finish(self, timing: &str) {
        let summary = format!("e2e {}: {} checks passed", self.server, self.passed);
        if self.failed.is_empty() {
            // Straight to the process's stderr, past the test harness's
            // capture, so that every run (CI's too) shows the counts.
            let _ = writeln!(
                std::io::stderr(),
                "{summary} ({} skipped; {timing})",
                self.skipped
            );
            return;
        }
        panic!(
            "{summary}, {} failed ({} skipped; {timing}):\n  - {}",
            self.failed.len(),
            self.skipped,
            self.failed.join("\n  - ")
        );
    }
}
