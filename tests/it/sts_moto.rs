//! Assume role and web identity against a real STS: moto's server
//! (`moto_server`, PyPI `moto[server]`), started on a free loopback port
//! for each test and stopped by process id when the test ends, also when
//! it fails.
//!
//! Every URL comes from the real binary, run with a cleared environment:
//! a scratch HOME, PATH, `AWS_EC2_METADATA_DISABLED=true` and
//! `AWS_ENDPOINT_URL_STS` at moto. What moto saw is read back from moto
//! itself: the sessions it issued (`/moto-api/data.json`, `sts` →
//! `AssumedRole`: access key id, role ARN, session name, token) and the
//! requests it received (its recorder, `MOTO_ENABLE_RECORDING`, which logs
//! each request's headers and body to a file before it is handled).
//!
//! With `INITIAL_NO_AUTH_ACTION_COUNT=N` moto serves N requests without
//! looking at their signature, then checks every request's SigV4 signature
//! against the IAM keys and STS sessions it knows, the caller's IAM policy
//! and the role's trust policy. The signature tests make exactly N setup
//! calls (user, access key, policies, roles) and then run presign against
//! the checking server.
//!
//! Skips follow tests/it/e2e.rs: `PRESIGN_E2E` unset skips (with a printed
//! reason) when `moto_server` is missing, `PRESIGN_E2E=required` fails
//! instead, `PRESIGN_E2E=off` skips. `moto_server` is looked up in
//! `$PRESIGN_E2E_ROOT/bin` (default `~/.cache/presign-e2e/bin`, where
//! scripts/install-test-deps.sh links the pinned version), then on PATH.

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;
use sha1::{Digest, Sha1};

use crate::support::Presign;

/// The account moto puts IAM users and roles in.
const ACCOUNT: &str = "123456789012";
const OBJECT: &str = "s3://presign-moto/reports/q1.csv";

// ---------------------------------------------------------------------------
// The tests

/// (a) `role_arn` + `source_profile` with static keys: the URL carries the
/// session moto issued, the session is cached under AWS CLI v2's name, and
/// a second run uses the cache (moto is stopped by then).
#[test]
fn assume_role_with_source_profile_keys_then_from_cache() {
    let Some(bin) = moto_server("assume role, source_profile keys, cache") else {
        return;
    };
    let moto = Moto::start(&bin, None);
    let home = tempfile::tempdir().unwrap();
    let role = format!("arn:aws:iam::{ACCOUNT}:role/presign-dev");
    write_aws(
        home.path(),
        &format!("[profile dev]\nrole_arn = {role}\nsource_profile = base\nregion = us-east-1\n"),
        "[base]\naws_access_key_id = AKIDMOTOSOURCE0001\naws_secret_access_key = source/secret+1\n",
    );

    let out = presign(
        home.path(),
        &moto.endpoint(),
        &[],
        &["--profile", "dev", OBJECT],
    );
    let url = out.url();
    let key = url_access_key(&url);
    assert!(key.starts_with("ASIA"), "not a temporary key id: {url}");
    let session = moto.session(&key);
    assert_eq!(session["role_arn"], role.as_str());
    assert!(
        json_text(&session, "session_name").starts_with("botocore-session-"),
        "session name: {session}"
    );
    assert_eq!(url_token(&url), json_text(&session, "session_token"));

    // One AssumeRole call, signed with the source profile's key.
    let calls = moto.sts_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].action(), "AssumeRole");
    assert_eq!(calls[0].form("RoleArn"), role);
    assert_eq!(calls[0].signer().as_deref(), Some("AKIDMOTOSOURCE0001"));
    assert!(calls[0].header("X-Amz-Security-Token").is_none());

    // The cache file: AWS CLI v2's name (SHA-1 of the sorted JSON of the
    // configured arguments), mode 0600, holding moto's session.
    let name = format!("{}.json", sha1_hex(&format!(r#"{{"RoleArn": "{role}"}}"#)));
    let cache = home.path().join(".aws/cli/cache");
    assert_eq!(dir_names(&cache), vec![name.clone()]);
    let file = cache.join(&name);
    assert_eq!(mode(&file), 0o600);
    let entry: Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    assert_eq!(entry["Credentials"]["AccessKeyId"], key.as_str());
    assert_eq!(
        entry["Credentials"]["SessionToken"],
        session["session_token"]
    );
    assert_eq!(
        entry["Credentials"]["SecretAccessKey"],
        session["secret_access_key"]
    );

    // moto stopped: a second run can only succeed from the cache.
    let endpoint = moto.endpoint();
    drop(moto);
    let again = presign(home.path(), &endpoint, &[], &["--profile", "dev", OBJECT]);
    let again = again.url();
    assert_eq!(url_access_key(&again), key);
    assert_eq!(url_token(&again), url_token(&url));

    // Without the cache the same run needs STS, which is gone.
    fs::remove_file(&file).unwrap();
    let out = presign(home.path(), &endpoint, &[], &["--profile", "dev", OBJECT]);
    out.expect_error(None, &[&endpoint.replace("http://", "")]);
}

/// (b) moto checks the signature: the IAM user's key assumes the role; the
/// same key with a wrong secret is refused with SignatureDoesNotMatch.
#[test]
fn moto_checks_the_assume_role_signature() {
    let Some(bin) = moto_server("assume role, signature checked by moto") else {
        return;
    };
    let moto = Moto::start(&bin, Some(SETUP_CALLS));
    let user = setup_iam(&moto);
    let home = tempfile::tempdir().unwrap();
    let r1 = role_arn("presign-r1");
    let config = format!(
        "[profile r1]\nrole_arn = {r1}\nsource_profile = alice\nregion = us-east-1\n\n\
         [profile r1-wrong]\nrole_arn = {r1}\nsource_profile = wrong\nregion = us-east-1\n"
    );
    let wrong_secret = flip_last(&user.secret);
    let credentials = format!(
        "[alice]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n\
         [wrong]\naws_access_key_id = {}\naws_secret_access_key = {wrong_secret}\n",
        user.key, user.secret, user.key
    );
    write_aws(home.path(), &config, &credentials);

    // First the wrong secret: had moto still been serving free requests,
    // this would pass and the test fail.
    let out = presign(
        home.path(),
        &moto.endpoint(),
        &[],
        &["--profile", "r1-wrong", OBJECT],
    );
    out.expect_error(Some(254), &["SignatureDoesNotMatch", "AssumeRole"]);
    out.expect_no_secret(&[&user.secret, &wrong_secret]);
    assert!(moto.sessions().is_empty(), "a session was issued");

    let out = presign(
        home.path(),
        &moto.endpoint(),
        &[],
        &["--profile", "r1", OBJECT],
    );
    let url = out.url();
    let session = moto.session(&url_access_key(&url));
    assert_eq!(session["role_arn"], r1.as_str());
    assert_eq!(url_token(&url), json_text(&session, "session_token"));
    let calls = moto.sts_calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        calls
            .iter()
            .all(|c| c.signer().as_deref() == Some(&user.key))
    );
}

/// (c) A two-hop chain, role r2 assumed by r1's session: moto checks the
/// second call's signature against the session it issued for r1, and r2's
/// trust policy admits only that session (the user itself is refused).
#[test]
fn two_hop_role_chain_signed_by_the_first_hop() {
    let Some(bin) = moto_server("two-hop role chain") else {
        return;
    };
    let moto = Moto::start(&bin, Some(SETUP_CALLS));
    let user = setup_iam(&moto);
    let home = tempfile::tempdir().unwrap();
    let (r1, r2) = (role_arn("presign-r1"), role_arn("presign-r2"));
    let config = format!(
        "[profile hop2]\nrole_arn = {r2}\nsource_profile = hop1\nregion = us-east-1\n\n\
         [profile hop1]\nrole_arn = {r1}\nrole_session_name = {HOP1_SESSION}\nsource_profile = alice\n\n\
         [profile direct]\nrole_arn = {r2}\nsource_profile = alice\nregion = us-east-1\n"
    );
    let credentials = format!(
        "[alice]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        user.key, user.secret
    );
    write_aws(home.path(), &config, &credentials);

    // r2 trusts r1's session only: the user's own (valid) signature is
    // not enough.
    let out = presign(
        home.path(),
        &moto.endpoint(),
        &[],
        &["--profile", "direct", OBJECT],
    );
    out.expect_error(Some(254), &["AccessDenied", "AssumeRole"]);
    assert!(moto.sessions().is_empty());

    let out = presign(
        home.path(),
        &moto.endpoint(),
        &[],
        &["--profile", "hop2", OBJECT],
    );
    let url = out.url();
    let final_session = moto.session(&url_access_key(&url));
    assert_eq!(final_session["role_arn"], r2.as_str());
    assert_eq!(url_token(&url), json_text(&final_session, "session_token"));

    let sessions = moto.sessions();
    let first = sessions
        .iter()
        .find(|s| s["role_arn"] == r1.as_str())
        .unwrap_or_else(|| panic!("no r1 session in {sessions:?}"));
    assert_eq!(first["session_name"], HOP1_SESSION);
    let calls = moto.sts_calls();
    let [_, hop1, hop2] = &calls[..] else {
        panic!("expected three AssumeRole calls: {calls:?}")
    };
    assert_eq!(hop1.form("RoleArn"), r1);
    assert_eq!(hop1.signer().as_deref(), Some(user.key.as_str()));
    assert_eq!(hop2.form("RoleArn"), r2);
    assert_eq!(
        hop2.signer().as_deref(),
        Some(json_text(first, "access_key_id"))
    );
    assert_eq!(
        hop2.header("X-Amz-Security-Token"),
        Some(json_text(first, "session_token"))
    );

    // Both hops cached, under AWS CLI v2's names.
    let mut want = vec![
        format!("{}.json", sha1_hex(&format!(r#"{{"RoleArn": "{r2}"}}"#))),
        format!(
            "{}.json",
            sha1_hex(&format!(
                r#"{{"RoleArn": "{r1}", "RoleSessionName": "{HOP1_SESSION}"}}"#
            ))
        ),
    ];
    want.sort();
    assert_eq!(dir_names(&home.path().join(".aws/cli/cache")), want);
}

/// (d) AssumeRoleWithWebIdentity, from a profile and from the environment:
/// an unsigned call carrying the token file's contents; the URL carries
/// the session moto issued.
#[test]
fn web_identity_from_profile_and_environment() {
    let Some(bin) = moto_server("web identity") else {
        return;
    };
    let moto = Moto::start(&bin, None);
    let home = tempfile::tempdir().unwrap();
    let token_file = home.path().join("token.jwt");
    let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcmVzaWduLXRlc3QifQ.c2lnbmF0dXJl";
    fs::write(&token_file, token).unwrap();
    let web = role_arn("presign-web");
    let config = format!(
        "[profile web]\nweb_identity_token_file = {}\nrole_arn = {web}\n\
         role_session_name = web-profile\nregion = us-east-1\n",
        token_file.display()
    );
    write_aws(home.path(), &config, "");

    // The profile form.
    let out = presign(
        home.path(),
        &moto.endpoint(),
        &[],
        &["--profile", "web", OBJECT],
    );
    let url = out.url();
    out.expect_no_secret(&[token]);
    let session = moto.session(&url_access_key(&url));
    assert_eq!(session["role_arn"], web.as_str());
    assert_eq!(session["session_name"], "web-profile");
    assert_eq!(url_token(&url), json_text(&session, "session_token"));
    let calls = moto.sts_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call.action(), "AssumeRoleWithWebIdentity");
    assert_eq!(call.form("WebIdentityToken"), token);
    assert_eq!(call.form("RoleSessionName"), "web-profile");
    assert!(call.header("Authorization").is_none(), "signed: {call:?}");
    let name = sha1_hex(&format!(
        r#"{{"RoleArn": "{web}", "RoleSessionName": "web-profile"}}"#
    ));
    let cache = home.path().join(".aws/cli/cache");
    assert_eq!(dir_names(&cache), vec![format!("{name}.json")]);

    // The environment form, no profile: v2 makes up the session name.
    let env_role = role_arn("presign-web-env");
    let file = token_file.display().to_string();
    let env = [
        ("AWS_WEB_IDENTITY_TOKEN_FILE", file.as_str()),
        ("AWS_ROLE_ARN", env_role.as_str()),
        ("AWS_REGION", "eu-west-1"),
    ];
    let out = presign(home.path(), &moto.endpoint(), &env, &[OBJECT]);
    let url = out.url();
    let session = moto.session(&url_access_key(&url));
    assert_eq!(session["role_arn"], env_role.as_str());
    assert!(json_text(&session, "session_name").starts_with("botocore-session-"));
    assert_eq!(url_token(&url), json_text(&session, "session_token"));
    let calls = moto.sts_calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let call = &calls[1];
    assert_eq!(call.action(), "AssumeRoleWithWebIdentity");
    assert_eq!(call.form("RoleArn"), env_role);
    assert_eq!(call.form("WebIdentityToken"), token);
    assert!(call.header("Authorization").is_none(), "signed: {call:?}");
    assert_eq!(dir_names(&cache).len(), 2);
}

// ---------------------------------------------------------------------------
// IAM setup in moto (free calls, before moto checks signatures)

/// The number of calls [`setup_iam`] makes.
const SETUP_CALLS: usize = 6;
/// The session name of hop 1 (r2's trust policy names that session).
const HOP1_SESSION: &str = "hop-one";

struct User {
    key: String,
    secret: String,
}

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn trust(principal: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"sts:AssumeRole"}}]}}"#
    )
}

/// User alice with an access key, allowed sts:AssumeRole; role
/// presign-r1, which trusts alice and may assume roles itself; role
/// presign-r2, which trusts r1's session named [`HOP1_SESSION`] only.
fn setup_iam(moto: &Moto) -> User {
    let allow_assume = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#;
    let alice = format!("arn:aws:iam::{ACCOUNT}:user/alice");
    let r1_session = format!("arn:aws:sts::{ACCOUNT}:assumed-role/presign-r1/{HOP1_SESSION}");
    let calls: [(&str, Vec<(&str, String)>); SETUP_CALLS] = [
        ("CreateUser", vec![("UserName", "alice".into())]),
        ("CreateAccessKey", vec![("UserName", "alice".into())]),
        (
            "PutUserPolicy",
            vec![
                ("UserName", "alice".into()),
                ("PolicyName", "assume".into()),
                ("PolicyDocument", allow_assume.into()),
            ],
        ),
        (
            "CreateRole",
            vec![
                ("RoleName", "presign-r1".into()),
                ("AssumeRolePolicyDocument", trust(&alice)),
            ],
        ),
        (
            "PutRolePolicy",
            vec![
                ("RoleName", "presign-r1".into()),
                ("PolicyName", "assume".into()),
                ("PolicyDocument", allow_assume.into()),
            ],
        ),
        (
            "CreateRole",
            vec![
                ("RoleName", "presign-r2".into()),
                ("AssumeRolePolicyDocument", trust(&r1_session)),
            ],
        ),
    ];
    let mut user = None;
    for (action, params) in calls {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("Action", action)
            .append_pair("Version", "2010-05-08");
        for (k, v) in &params {
            form.append_pair(k, v);
        }
        // moto routes a request by the service of its credential scope;
        // the signature of these free calls is not looked at.
        let auth = "AWS4-HMAC-SHA256 Credential=SETUP/20200101/us-east-1/iam/aws4_request, \
                    SignedHeaders=host, Signature=0";
        let (status, body) = moto.http("POST", "/", &[("Authorization", auth)], &form.finish());
        assert_eq!(status, 200, "IAM {action}: {body}");
        if action == "CreateAccessKey" {
            user = Some(User {
                key: xml_text(&body, "AccessKeyId"),
                secret: xml_text(&body, "SecretAccessKey"),
            });
        }
    }
    user.expect("CreateAccessKey answered")
}

// ---------------------------------------------------------------------------
// moto's server

struct Moto {
    child: Child,
    port: u16,
    /// The recording file and the server's log.
    dir: tempfile::TempDir,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Starts moto's server on a free port; with `free_calls`, it checks
    /// signatures after that many requests. A server that exits at once
    /// (its port taken in the meantime) is started again on another port.
    fn start(bin: &Path, free_calls: Option<usize>) -> Moto {
        let mut attempt = 1;
        loop {
            match Moto::try_start(bin, free_calls) {
                Ok(moto) => return moto,
                Err(why) if attempt < 3 => {
                    eprintln!("moto_server did not start (try {attempt}): {why}");
                    attempt += 1;
                }
                Err(why) => panic!("moto_server did not start: {why}"),
            }
        }
    }

    fn try_start(bin: &Path, free_calls: Option<usize>) -> Result<Moto, String> {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let log = fs::File::create(dir.path().join("moto.log")).unwrap();
        let recording = dir.path().join("recording.jsonl");
        let mut cmd = Command::new(bin);
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .env("MOTO_ENABLE_RECORDING", "True")
            .env("MOTO_RECORDER_FILEPATH", &recording)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        // A pyenv shim finds its Python through these.
        for var in ["PYENV_ROOT", "PYENV_VERSION"] {
            if let Some(v) = std::env::var_os(var) {
                cmd.env(var, v);
            }
        }
        if let Some(n) = free_calls {
            cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", n.to_string());
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let mut moto = Moto { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = moto.child.try_wait() {
                return Err(format!("exited ({status}): {}", moto.log()));
            }
            // Ready when it answers and the answer is ours: our server
            // records the probe in our recording file.
            if let Some((200, _)) = moto.try_http("GET", "/moto-api/data.json", &[], "")
                && fs::metadata(&recording).is_ok_and(|m| m.len() > 0)
            {
                return Ok(moto);
            }
            if Instant::now() > deadline {
                return Err(format!("no answer on port {port} in 60 s: {}", moto.log()));
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("moto.log")).unwrap_or_default()
    }

    fn http(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        self.try_http(method, path, headers, body)
            .unwrap_or_else(|| panic!("moto did not answer {method} {path}: {}", self.log()))
    }

    /// One HTTP/1.0 exchange (the server closes the connection after it).
    fn try_http(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Option<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .ok()?;
        let mut request = format!(
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        if method == "POST" {
            request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        }
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).ok()?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).ok()?;
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let (head, body) = answer.split_once("\r\n\r\n")?;
        let status = head.split(' ').nth(1)?.parse().ok()?;
        Some((status, body.to_owned()))
    }

    /// The STS sessions moto issued.
    fn sessions(&self) -> Vec<Value> {
        let (status, body) = self.http("GET", "/moto-api/data.json", &[], "");
        assert_eq!(status, 200, "{body}");
        let data: Value = serde_json::from_str(&body).unwrap();
        data["sts"]["AssumedRole"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The session moto issued for `access_key`.
    fn session(&self, access_key: &str) -> Value {
        let sessions = self.sessions();
        sessions
            .iter()
            .find(|s| s["access_key_id"] == access_key)
            .cloned()
            .unwrap_or_else(|| panic!("moto issued no session {access_key}: {sessions:?}"))
    }

    /// The STS calls moto received, in order.
    fn sts_calls(&self) -> Vec<Recorded> {
        let text = fs::read_to_string(self.dir.path().join("recording.jsonl")).unwrap_or_default();
        text.lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap())
            .filter(|entry| entry["method"] == "POST")
            .map(|entry| {
                let body = entry["body"].as_str().unwrap_or_default();
                let body = if entry["body_encoded"] == true {
                    base64::engine::general_purpose::STANDARD
                        .decode(body)
                        .unwrap()
                } else {
                    body.as_bytes().to_vec()
                };
                let form = url::form_urlencoded::parse(&body).into_owned().collect();
                let headers = entry["headers"]
                    .as_object()
                    .map(|h| {
                        h.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                            .collect()
                    })
                    .unwrap_or_default();
                Recorded { headers, form }
            })
            .filter(|r| r.action().starts_with("AssumeRole"))
            .collect()
    }
}

/// A request as moto's recorder logged it.
#[derive(Debug)]
struct Recorded {
    headers: Vec<(String, String)>,
    form: Vec<(String, String)>,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn form(&self, name: &str) -> String {
        let found = self
            .form
            .iter()
            .filter(|(n, _)| n == name)
            .collect::<Vec<_>>();
        assert_eq!(found.len(), 1, "{name} in {:?}", self.form);
        found[0].1.clone()
    }

    fn action(&self) -> String {
        self.form
            .iter()
            .find(|(n, _)| n == "Action")
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// The access key id of the Authorization header's credential scope.
    fn signer(&self) -> Option<String> {
        let auth = self.header("Authorization")?;
        let credential = auth.split("Credential=").nth(1)?;
        let scope: Vec<&str> = credential.split(',').next()?.split('/').collect();
        assert_eq!(scope.get(3..), Some(&["sts", "aws4_request"][..]), "{auth}");
        Some(scope[0].to_owned())
    }
}

// ---------------------------------------------------------------------------
// The binary

struct Run {
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The one URL a successful run printed.
    fn url(&self) -> String {
        assert_eq!(self.status, Some(0), "presign failed: {}", self.stderr);
        assert_eq!(self.stdout.lines().count(), 1, "{}", self.stdout);
        self.stdout.trim_end().to_owned()
    }

    /// A failure: exit `status` (any non-zero if `None`), nothing on stdout,
    /// one line on stderr holding each of `words`.
    fn expect_error(&self, status: Option<i32>, words: &[&str]) {
        match status {
            Some(code) => assert_eq!(self.status, Some(code), "{}", self.stderr),
            None => assert!(
                !matches!(self.status, Some(0)),
                "expected a failure, got {}",
                self.stdout
            ),
        }
        assert_eq!(self.stdout, "", "stdout of a failure");
        assert_eq!(
            self.stderr.lines().count(),
            1,
            "not one line: {}",
            self.stderr
        );
        for word in words {
            assert!(
                self.stderr.contains(word),
                "no {word:?} in: {}",
                self.stderr
            );
        }
    }

    fn expect_no_secret(&self, secrets: &[&str]) {
        for secret in secrets {
            assert!(
                !self.stdout.contains(secret) && !self.stderr.contains(secret),
                "a secret was printed: {} / {}",
                self.stdout,
                self.stderr
            );
        }
    }
}

/// The binary with a cleared environment: HOME, PATH, no instance
/// metadata, STS at `sts`, and `env`.
fn presign(home: &Path, sts: &str, env: &[(&str, &str)], args: &[&str]) -> Run {
    let out = Presign::at_home(home)
        .env("AWS_ENDPOINT_URL_STS", sts)
        .envs(env.iter().copied())
        .args(args)
        .timeout(Duration::from_secs(90))
        .output();
    Run {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn write_aws(home: &Path, config: &str, credentials: &str) {
    let aws = home.join(".aws");
    fs::create_dir_all(&aws).unwrap();
    fs::write(aws.join("config"), config).unwrap();
    fs::write(aws.join("credentials"), credentials).unwrap();
}

// ---------------------------------------------------------------------------
// Small helpers

fn query_value(url: &str, name: &str) -> String {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let raw = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {name} in {url}"));
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

/// The access key id of the URL's X-Amz-Credential.
fn url_access_key(url: &str) -> String {
    let credential = query_value(url, "X-Amz-Credential");
    credential.split('/').next().unwrap().to_owned()
}

fn url_token(url: &str) -> String {
    query_value(url, "X-Amz-Security-Token")
}

fn json_text<'v>(value: &'v Value, name: &str) -> &'v str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("no string {name} in {value}"))
}

fn xml_text(xml: &str, tag: &str) -> String {
    let start = xml
        .find(&format!("<{tag}>"))
        .unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
        + tag.len()
        + 2;
    let end = start + xml[start..].find(&format!("</{tag}>")).unwrap();
    xml[start..end].to_owned()
}

fn sha1_hex(text: &str) -> String {
    hex::encode(Sha1::digest(text.as_bytes()))
}

fn flip_last(secret: &str) -> String {
    let (head, last) = secret.split_at(secret.len() - 1);
    format!("{head}{}", if last == "A" { "B" } else { "A" })
}

fn dir_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

// ---------------------------------------------------------------------------
// Finding moto, and skipping

/// `moto_server`, or `None` after saying why the test is skipped.
fn moto_server(test: &str) -> Option<PathBuf> {
    let required = match std::env::var("PRESIGN_E2E").unwrap_or_default().as_str() {
        "" => false,
        "required" => true,
        "off" => {
            say_skipped(&format!("sts-moto {test}: skipped: PRESIGN_E2E=off"));
            return None;
        }
        other => panic!("PRESIGN_E2E must be unset, `required` or `off`, not `{other}`"),
    };
    match find_moto() {
        Ok(bin) => Some(bin),
        Err(why) if required => {
            panic!("sts-moto {test}: not available and PRESIGN_E2E=required: {why}")
        }
        Err(why) => {
            say_skipped(&format!(
                "sts-moto {test}: skipped (set PRESIGN_E2E=required to fail instead): {why}"
            ));
            None
        }
    }
}

/// A skip is said on the real stderr, past libtest's capture.
fn say_skipped(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// `$PRESIGN_E2E_ROOT/bin/moto_server` (the pinned install), then PATH.
fn find_moto() -> Result<PathBuf, String> {
    let root = std::env::var_os("PRESIGN_E2E_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/presign-e2e")));
    if let Some(bin) = root.map(|r| r.join("bin/moto_server"))
        && bin.is_file()
    {
        return Ok(bin);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("moto_server"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "moto_server not found in $PRESIGN_E2E_ROOT/bin (default \
             $HOME/.cache/presign-e2e/bin) nor on PATH; scripts/install-test-deps.sh \
             installs it (PyPI moto[server])"
                .to_owned()
        })
}
