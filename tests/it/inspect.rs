//! `presign inspect`: every URL presign makes reads back and verifies with the
//! right secret and only with it; the URLs recorded from AWS CLI and botocore
//! verify too; garbage is a clear error.

use std::process::Output;

use presign::CustomEndpoint;
use presign::Inspected;
use presign::{Credentials, EndpointConfig, Expiry, ObjectRequest, Presigner, SecretString};
use proptest::prelude::*;
use serde_json::Value;
use time::OffsetDateTime;

use crate::support::{Presign, SECRET, fixture};

/// Runs `presign ARGS` in a HOME holding `files`, with `env` (`{HOME}`
/// filled in in both).
fn presign(
    args: &[&str],
    env: &serde_json::Map<String, Value>,
    files: Option<&serde_json::Map<String, Value>>,
) -> Output {
    let mut run = Presign::new().args(args);
    for (rel, body) in files.into_iter().flatten() {
        run = run.file(rel, body.as_str().unwrap());
    }
    for (k, v) in env {
        run = run.env(k, v.as_str().unwrap());
    }
    run.output()
}

fn verdict(out: &Output) -> Value {
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&out.stderr)));
    doc["verification"].clone()
}

#[test]
fn recorded_aws_cli_and_botocore_urls_verify() {
    let mut checked = 0;
    for (file, field) in [
        ("cli.json", "stdout"),
        ("ops.json", "url"),
        ("sigv2.json", "url"),
    ] {
        let data = fixture(file);
        for case in data["vectors"].as_array().unwrap() {
            if !case["exit_ok"].as_bool().unwrap() || case.get(field).is_none() {
                continue;
            }
            let url = case[field].as_str().unwrap().trim();
            let env = case["env"].as_object().unwrap();
            let files = case.get("files").and_then(Value::as_object);
            let method = case["args"]
                .as_array()
                .unwrap()
                .windows(2)
                .find(|w| w[0] == "--method")
                .map_or("GET", |w| w[1].as_str().unwrap());
            let mut args = vec![
                "inspect", url, "--verify", "--output", "json", "--method", method,
            ];
            let content_type = case["args"]
                .as_array()
                .unwrap()
                .windows(2)
                .find(|w| w[0] == "--content-type")
                .map(|w| format!("content-type: {}", w[1].as_str().unwrap()));
            if let Some(h) = &content_type {
                args.extend(["--header", h]);
            }
            let out = presign(&args, env, files);
            let v = verdict(&out);
            assert_eq!(v["signature_matches"], true, "{file} {}: {v}", case["name"]);
            // They were signed on 2026-01-02: by now they have expired.
            assert_eq!(out.status.code(), Some(1), "{}", case["name"]);
            checked += 1;

            let mut wrong = env.clone();
            if wrong.contains_key("AWS_SECRET_ACCESS_KEY") {
                wrong.insert(
                    "AWS_SECRET_ACCESS_KEY".into(),
                    Value::from("not-the-secret"),
                );
                let v = verdict(&presign(&args, &wrong, files));
                assert_eq!(v["signature_matches"], false, "{}", case["name"]);
            }
        }
    }
    assert!(checked >= 24, "only {checked} recorded URLs checked");
}

#[test]
fn a_fresh_url_is_valid_and_exits_zero() {
    let env: serde_json::Map<String, Value> = serde_json::from_str(
        r#"{"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_REGION": "eu-west-2"}"#,
    )
    .unwrap();
    let out = presign(
        &["s3://bucket/report 2026.pdf", "--expires-in", "600"],
        &env,
        None,
    );
    let url = String::from_utf8(out.stdout).unwrap();
    let out = presign(&["inspect", url.trim(), "--verify"], &env, None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for part in [
        "bucket:         bucket",
        "key:            report 2026.pdf",
        "verification:   valid for GET",
        "lifetime:       600 s",
    ] {
        assert!(text.contains(part), "{part:?} in\n{text}");
    }
    // Another URL on stdin, one of them broken.
    let out = Presign::new()
        .args(["inspect", "-", "--output", "json"])
        .stdin(format!("{}\nhttps://x/y\n", url.trim()))
        .output();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2: not a presigned URL"));
    assert_eq!(out.status.code(), Some(252));
}

#[test]
fn the_session_token_is_never_printed() {
    let env: serde_json::Map<String, Value> = serde_json::from_str(
        r#"{"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_SESSION_TOKEN": "SeSsIoNtOkEn+/=", "AWS_REGION": "eu-west-2"}"#,
    )
    .unwrap();
    for extra in [&[][..], &["--signature-version", "s3"][..]] {
        let mut args = vec!["s3://bucket/k"];
        args.extend(extra);
        let url = String::from_utf8(presign(&args, &env, None).stdout).unwrap();
        for output in ["text", "json"] {
            for method in ["GET", "PUT"] {
                let out = presign(
                    &[
                        "inspect",
                        url.trim(),
                        "--verify",
                        "--output",
                        output,
                        "--method",
                        method,
                    ],
                    &env,
                    None,
                );
                let all = format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                assert!(!all.contains("SeSsIoNtOkEn"), "{all}");
                if output == "json" || method == "PUT" {
                    // The URL (JSON) or the texts it was checked against
                    // (a failed check) are shown, with the token marked.
                    assert!(all.contains("(session token, redacted)"), "{all}");
                }
            }
        }
    }
}

#[test]
fn garbage_urls_are_one_line_usage_errors() {
    let none = serde_json::Map::new();
    for bad in [
        "not a url",
        "https://bucket.s3.amazonaws.com/k",
        "https://h/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=A%2F2026",
        "https://h/%ZZ?AWSAccessKeyId=a&Expires=1&Signature=x",
        "https://h/k?AWSAccessKeyId=a&Expires=soon&Signature=x",
        &format!(
            "https://h/{}?X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "k".repeat(70_000)
        ),
    ] {
        let out = presign(&["inspect", bad], &none, None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(252), "{bad:.80}: {stderr}");
        assert!(out.stdout.is_empty());
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("presign: error: not a presigned URL"),
            "{stderr}"
        );
    }
}

fn endpoint() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("http://127.0.0.1:9000".to_owned())),
        Just(Some("https://oos.eu-west-2.outscale.com".to_owned())),
        Just(Some(
            "https://hb.ru-msk.vkcloud-storage.ru:8443/prefix/".to_owned()
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever presign signs, inspect verifies with the right secret, and
    /// refuses with a wrong one or one changed character of the URL.
    #[test]
    fn every_presigned_url_round_trips(
        bucket in "[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]",
        key in "(?s).{1,40}",
        region in "(us|eu|ap|ru)-[a-z]{2,8}-[1-9]",
        endpoint in endpoint(),
        method in prop::sample::select(vec!["GET", "PUT", "DELETE", "HEAD", "POST"]),
        expires in 1u32..=604_800,
        content_type in prop::option::of("[a-z]{1,10}/[a-z0-9.+-]{1,12}"),
        token in prop::option::of("[A-Za-z0-9+/=]{8,40}"),
    ) {
        let mut creds = Credentials::new("AKIDPROPTEST", SECRET);
        if let Some(t) = &token {
            creds = creds.with_session_token(t.clone());
        }
        let mut config = EndpointConfig::in_region(region).with_use_arn_region(true);
        config.custom = endpoint.map(|e| CustomEndpoint::parse(&e).unwrap());
        let signed_at = OffsetDateTime::from_unix_timestamp(1_767_323_045).unwrap();
        let headers: Vec<(String, String)> = content_type.iter().map(|c| ("content-type".to_owned(), c.clone())).collect();
        let mut presigner = Presigner::new(config, Some(creds), signed_at);
        let request = ObjectRequest { method, bucket: &bucket, key: &key, params: &[], headers: &headers, expires: Expiry::new(expires.into()).unwrap() };
        let url = presigner.presign(&request).unwrap().url;

        let ins = Inspected::parse(&url).unwrap();
        let now = signed_at + time::Duration::seconds(1);
        // A `.` or `..` segment is signed as written (as AWS CLI signs it), but
        // browsers and curl remove it before sending: inspect reads the path a
        // client sends, so such a URL cannot be valid.
        if key.split('/').any(|segment| segment == "." || segment == "..") {
            let v = ins.verify(&SecretString::from(SECRET), method, &headers, now).unwrap();
            prop_assert!(!v.valid(), "{:?}", v);
            return Ok(());
        }
        // Behind an endpoint with a path prefix the bucket cannot be told
        // from the prefix, so only the end of the path is the key.
        prop_assert!(ins.key == key || ins.key.ends_with(&format!("/{key}")), "{} vs {}", ins.key, key);
        let ok = ins.verify(&SecretString::from(SECRET), method, &headers, now).unwrap();
        prop_assert!(ok.valid(), "{:?}", ok);
        let wrong = ins.verify(&SecretString::from("not-it"), method, &headers, now).unwrap();
        prop_assert!(!wrong.signature_ok);

        // Change one character of the signature.
        let at = url.len() - 1;
        let flipped = if url.ends_with('0') { '1' } else { '0' };
        let tampered = format!("{}{flipped}", &url[..at]);
        let ins = Inspected::parse(&tampered).unwrap();
        let v = ins.verify(&SecretString::from(SECRET), method, &headers, now).unwrap();
        prop_assert!(!v.signature_ok);
    }
}

/// Verifying many URLs from stdin resolves credentials once: a
/// credential_process runs once per run, not once per URL.
#[cfg(unix)]
#[test]
fn credentials_are_resolved_once_per_run() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let script = home.path().join("creds");
    let count = home.path().join("count");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho run >> '{}'\necho '{{\"Version\": 1, \"AccessKeyId\": \"AKIAIOSFODNN7EXAMPLE\", \"SecretAccessKey\": \"{SECRET}\"}}'\n",
            count.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        format!(
            "[default]\nregion = eu-west-2\ncredential_process = {}\n",
            script.display()
        ),
    )
    .unwrap();
    let run = |args: &[&str], input: &str| {
        Presign::at_home(home.path())
            .env("PATH", "/usr/bin:/bin")
            .args(args)
            .stdin(input)
            .output()
    };
    let urls = run(
        &["--from", "-"],
        "s3://bucket/a\ns3://bucket/b\ns3://bucket/c\n",
    );
    assert!(
        urls.status.success(),
        "{}",
        String::from_utf8_lossy(&urls.stderr)
    );
    std::fs::remove_file(&count).unwrap();
    let out = run(
        &["inspect", "-", "--verify"],
        &String::from_utf8(urls.stdout).unwrap(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("verification:   valid for GET").count(),
        3,
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&count).unwrap().lines().count(), 1);
}

// ---------------------------------------------------------------------------
// Hostile URLs: each is signed for real by the binary, then tampered with.

const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";

fn creds() -> serde_json::Map<String, Value> {
    let mut env = serde_json::Map::new();
    env.insert("AWS_ACCESS_KEY_ID".into(), KEY_ID.into());
    env.insert("AWS_SECRET_ACCESS_KEY".into(), SECRET.into());
    env.insert("AWS_REGION".into(), "eu-west-2".into());
    env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
    env
}

/// `presign ARGS` with [`creds`]: the URL it prints.
fn signed(args: &[&str], env: &serde_json::Map<String, Value>) -> String {
    let out = presign(args, env, None);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// `url` with the value of query parameter `name` replaced by `value`.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let (head, query) = url.split_once('?').unwrap();
    let query: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if k == name => format!("{k}={value}"),
            _ => p.to_owned(),
        })
        .collect();
    format!("{head}?{}", query.join("&"))
}

/// `url` signed again with [`SECRET`] after tampering, so that its SigV4
/// signature is real: the string to sign inspect computes (checked against
/// AWS CLI's own URLs by `recorded_aws_cli_and_botocore_urls_verify`),
/// signed with the scope's derived key.
fn resigned(url: &str) -> String {
    let ins = Inspected::parse(url).unwrap();
    let secret = SecretString::from(SECRET);
    let now = OffsetDateTime::from_unix_timestamp(0).unwrap();
    let v = ins.verify(&secret, "GET", &[], now).unwrap();
    let presign::Auth::V4 {
        date,
        region,
        service,
        ..
    } = &ins.auth
    else {
        panic!("not SigV4: {url}")
    };
    let key = presign::internals::sign::SigningKey::derive(&secret, date, region, service);
    with_param(url, "X-Amz-Signature", &key.sign(&v.string_to_sign))
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&out.stderr)))
}

/// A character no terminal should receive from a URL.
fn hostile(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

#[test]
fn inspect_escapes_controls_so_the_verdict_cannot_be_forged() {
    let env = creds();
    // A newline and a fake verdict, an escape sequence that hides what
    // follows (SGR 8, "conceal"), the same through C1 CSI, and a right-to-left
    // override.
    let key = "evil.exe\nverification:   valid for GET\x1b[8m\u{9b}8m\u{202e}exe.txt";
    let url = signed(
        &["s3://bucket/".to_owned() + key][..]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        &env,
    );
    let mut wrong = env.clone();
    wrong.insert("AWS_SECRET_ACCESS_KEY".into(), "not-the-secret".into());
    let out = presign(&["inspect", &url, "--verify"], &wrong, None);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let verdicts: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("verification:"))
        .collect();
    assert_eq!(verdicts, ["verification:   INVALID for GET"], "{text}");
    assert!(!text.chars().any(hostile), "{text:?}");
    assert!(
        text.contains(r"key:            evil.exe\nverification:   valid for GET\u{1b}[8m\u{9b}8m\u{202e}exe.txt"),
        "{text}"
    );
    // Every line is a field or a line of the indented computed texts.
    for line in text.lines() {
        assert!(
            line.starts_with("  ") || line.contains(": ") || line.ends_with("(as computed here):"),
            "{line:?}"
        );
    }

    let out = presign(
        &["inspect", &url, "--verify", "--output", "json"],
        &wrong,
        None,
    );
    let raw = stdout(&out);
    assert_eq!(raw.lines().count(), 1);
    assert!(!raw.chars().any(hostile), "{raw:?}");
    let doc = json(&out);
    assert_eq!(doc["verification"]["valid"], false);
    // What `jq -r .key` would print: escaped, no control left.
    let shown = doc["key"].as_str().unwrap();
    assert!(!shown.chars().any(|c| hostile(c) || c == '\n'), "{shown:?}");
    assert!(shown.starts_with(r"evil.exe\nverification:"), "{shown}");
}

#[test]
fn inspect_refuses_backslash_and_userinfo_in_the_authority() {
    let env = creds();
    let url = signed(&["s3://my-bucket/k"], &env);
    let rest = url.strip_prefix("https://").unwrap();
    assert!(
        rest.starts_with("my-bucket.s3.eu-west-2.amazonaws.com/"),
        "{url}"
    );
    for (hostile, says) in [
        // Python's urlsplit reads my-bucket... as the host; browsers (WHATWG)
        // read `\` as `/` and go to evil.example.
        (format!("https://evil.example\\@{rest}"), "backslash"),
        (format!("https://evil.example@{rest}"), "user info"),
        (format!("https://user:pass@{rest}"), "user info"),
        (format!("https://@{rest}"), "user info"),
        (
            format!("https://{}", rest.replacen('/', "\\", 1)),
            "backslash",
        ),
    ] {
        let out = presign(&["inspect", &hostile, "--verify"], &env, None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(252), "{hostile}: {stderr}");
        assert!(out.stdout.is_empty());
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("presign: error: not a presigned URL") && stderr.contains(says),
            "{hostile}: {stderr}"
        );
    }
    // What a browser sends is what is verified: an upper-case host is
    // lower-cased, as WHATWG and S3 do, and still verifies ...
    let upper = format!(
        "https://MY-BUCKET.S3.EU-WEST-2.AMAZONAWS.COM/{}",
        rest.split_once('/').unwrap().1
    );
    let out = presign(&["inspect", &upper, "--verify"], &env, None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // ... and a host a browser reads as another one does not.
    let elsewhere = url.replace(
        "my-bucket.s3.eu-west-2.amazonaws.com",
        "my-bucket.s3.eu-west-2.amazonaws.com.evil.example",
    );
    let out = presign(&["inspect", &elsewhere, "--verify"], &env, None);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}

#[test]
fn inspect_sigv2_says_the_host_is_not_covered() {
    let env = creds();
    let url = signed(
        &[
            "s3://bucket/k",
            "--signature-version",
            "s3",
            "--endpoint-url",
            "http://127.0.0.1:9000",
        ],
        &env,
    );
    let moved = url.replace("http://127.0.0.1:9000", "https://elsewhere.example");
    let out = presign(&["inspect", &moved, "--verify"], &env, None);
    let text = stdout(&out);
    // It does verify (SigV2 signs /bucket/key, not the host), and says so.
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("verification:   valid for GET, at any host: SigV2 does not sign the host"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("covers:") && l.contains("NOT the host")),
        "{text}"
    );
    let doc = json(&presign(
        &["inspect", &moved, "--verify", "--output", "json"],
        &env,
        None,
    ));
    assert_eq!(doc["host_covered"], false);
    assert_eq!(doc["verification"]["host_covered"], false);
    assert!(
        !doc["covers"]
            .as_array()
            .unwrap()
            .contains(&Value::from("host"))
    );
    // SigV4 does cover it.
    let v4 = signed(&["s3://bucket/k"], &env);
    let doc = json(&presign(&["inspect", &v4, "--output", "json"], &env, None));
    assert_eq!(doc["host_covered"], true);
    assert!(
        doc["covers"]
            .as_array()
            .unwrap()
            .contains(&Value::from("host"))
    );
}

/// Runs `inspect URL --verify` in text and JSON: the text, and the verdict.
fn verify_both(url: &str, env: &serde_json::Map<String, Value>) -> (String, Value) {
    let out = presign(&["inspect", url, "--verify"], env, None);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    let out = presign(&["inspect", url, "--verify", "--output", "json"], env, None);
    assert_eq!(out.status.code(), Some(1));
    (text, json(&out)["verification"].clone())
}

#[test]
fn inspect_refuses_expiry_over_seven_days() {
    let env = creds();
    let url = signed(&["s3://bucket/k", "--expires-in", "604800"], &env);
    let out = presign(&["inspect", &url, "--verify"], &env, None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let url = resigned(&with_param(&url, "X-Amz-Expires", "604801"));
    let (text, v) = verify_both(&url, &env);
    assert_eq!(v["signature_matches"], true, "{v}");
    assert_eq!(v["valid"], false);
    assert!(
        v["s3_refuses"][0].as_str().unwrap().contains("604800"),
        "{v}"
    );
    assert!(
        text.contains("verification:   INVALID for GET: S3 refuses this URL"),
        "{text}"
    );
    assert!(
        text.contains("S3 refuses:     X-Amz-Expires is 604801 s"),
        "{text}"
    );
}

#[test]
fn inspect_refuses_scope_date_mismatch() {
    let env = creds();
    let url = signed(&["s3://bucket/k", "--expires-in", "604800"], &env);
    let ins = Inspected::parse(&url).unwrap();
    let presign::Auth::V4 { signed_at, .. } = ins.auth else {
        unreachable!()
    };
    // Signed a day earlier than the scope says (and so still unexpired).
    let earlier = signed_at - time::Duration::days(1);
    let amz = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        earlier.year(),
        u8::from(earlier.month()),
        earlier.day(),
        earlier.hour(),
        earlier.minute(),
        earlier.second()
    );
    let url = resigned(&with_param(&url, "X-Amz-Date", &amz));
    let (text, v) = verify_both(&url, &env);
    assert_eq!(v["signature_matches"], true, "{v}");
    assert_eq!(v["valid"], false);
    assert!(
        text.contains("S3 refuses:     the credential scope date"),
        "{text}"
    );

    // The scope's service and region are checked too.
    let url = signed(&["s3://my-bucket/k"], &env);
    for (from, to, says) in [
        ("%2Fs3%2F", "%2Fs4%2F", "service is s4"),
        (
            "%2Feu-west-2%2F",
            "%2Fus-east-1%2F",
            // The CLI names the option that fixes it.
            "S3 refuses:     the credential scope region is us-east-1 but the endpoint is in eu-west-2 (sign with --region eu-west-2)\n",
        ),
    ] {
        let url = resigned(&url.replace(from, to));
        let (text, v) = verify_both(&url, &env);
        assert_eq!(v["signature_matches"], true, "{v}");
        assert!(text.contains(says), "{text}");
    }
}

#[test]
fn inspect_refuses_future_signing_time() {
    let env = creds();
    let url = signed(
        &["s3://bucket/k", "--signing-time", "2099-01-01T00:00:00Z"],
        &env,
    );
    let (text, v) = verify_both(&url, &env);
    assert_eq!(v["signature_matches"], true, "{v}");
    assert_eq!(v["expired"], false);
    assert!(
        text.contains(
            "S3 refuses:     X-Amz-Date 2099-01-01T00:00:00Z is more than 15 minutes after now"
        ),
        "{text}"
    );
    // Within S3's 15 minutes of clock skew a URL is still good.
    let soon = OffsetDateTime::now_utc() + time::Duration::minutes(5);
    let soon = soon
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let url = signed(&["s3://bucket/k", "--signing-time", &soon], &env);
    let out = presign(&["inspect", &url, "--verify"], &env, None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn inspect_refuses_duplicated_signature() {
    let env = creds();
    let url = signed(&["s3://bucket/k"], &env);
    let real = url.rsplit_once('=').unwrap().1.to_owned();
    let zero = "0".repeat(64);
    let (head, _) = url.rsplit_once("&X-Amz-Signature=").unwrap();
    for hostile in [
        format!("{url}&X-Amz-Signature={zero}"),
        format!("{head}&X-Amz-Signature={zero}&X-Amz-Signature={real}"),
        format!("{url}&x-amz-signature={zero}"),
        format!("{url}&X-Amz-Date=20260102T030405Z"),
        format!("{url}&X-Amz-Credential=AKIDOTHER%2F20260102%2Feu-west-2%2Fs3%2Faws4_request"),
    ] {
        let out = presign(&["inspect", &hostile, "--verify"], &env, None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(252), "{hostile}: {}", stdout(&out));
        assert!(out.stdout.is_empty());
        assert!(stderr.contains("appears more than once"), "{stderr}");
    }
}

#[test]
fn inspect_verify_searches_other_profiles_when_default_is_unusable() {
    let mut files = serde_json::Map::new();
    files.insert(
        ".aws/config".into(),
        Value::from(
            "[default]\nregion = eu-west-2\nsso_start_url = https://example.awsapps.com/start\nsso_region = eu-west-2\nsso_account_id = 123456789012\nsso_role_name = Reader\n\n[profile other]\nregion = eu-west-2\n",
        ),
    );
    files.insert(
        ".aws/credentials".into(),
        Value::from(format!(
            "[other]\naws_access_key_id = AKIDOTHERPROFILE\naws_secret_access_key = {SECRET}\n"
        )),
    );
    let env = serde_json::Map::new();
    let out = presign(&["s3://bucket/k", "--profile", "other"], &env, Some(&files));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = String::from_utf8(out.stdout).unwrap();
    let out = presign(&["inspect", url.trim(), "--verify"], &env, Some(&files));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout(&out).contains("verification:   valid for GET"));
    // A key no profile has: the error says why the default did not serve.
    let other = url.replace("AKIDOTHERPROFILE", "AKIDNOBODYHAS");
    let out = presign(&["inspect", other.trim(), "--verify"], &env, Some(&files));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(253), "{stderr}");
    assert!(
        stderr.contains("no credentials for access key AKIDNOBODYHAS"),
        "{stderr}"
    );
    assert!(
        stderr.contains("default credentials cannot be used"),
        "{stderr}"
    );
}

#[test]
fn inspect_json_never_shows_a_lower_case_hex_token() {
    let mut env = creds();
    let token = "SeSsIoN+tOkEn/wItH=";
    env.insert("AWS_SESSION_TOKEN".into(), token.into());
    for extra in [&[][..], &["--signature-version", "s3"][..]] {
        let mut args = vec!["s3://bucket/k"];
        args.extend(extra);
        let url = signed(&args, &env);
        assert!(url.contains("SeSsIoN%2BtOkEn%2FwItH%3D"), "{url}");
        // The same URL with lower-case escapes: S3 decodes both alike.
        let lower = url.replace("SeSsIoN%2BtOkEn%2FwItH%3D", "SeSsIoN%2btOkEn%2fwItH%3d");
        for output in ["json", "text"] {
            for method in ["GET", "PUT"] {
                let out = presign(
                    &[
                        "inspect", &lower, "--verify", "--output", output, "--method", method,
                    ],
                    &env,
                    None,
                );
                let all = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
                assert!(
                    !all.to_ascii_lowercase().contains("session%2btoken"),
                    "{all}"
                );
                assert!(!all.to_ascii_lowercase().contains("token%2fwith"), "{all}");
                assert!(!all.contains("tOkEn"), "{all}");
                if output == "json" {
                    let doc = json(&out);
                    assert!(
                        doc["url"]
                            .as_str()
                            .unwrap()
                            .contains("(session token, redacted)")
                    );
                    assert_eq!(
                        doc["verification"]["signature_matches"],
                        method == "GET",
                        "{doc}"
                    );
                }
            }
        }
    }
}

#[test]
fn inspect_verifies_the_path_a_browser_sends() {
    // AWS CLI signs a key with `..` segments as written; browsers and curl
    // remove the segments (the URL Standard), so S3 gets another path.
    let env = creds();
    let url = signed(&["s3://bucket/k/../x"], &env);
    assert!(url.contains("/k/../x?"), "{url}");
    let out = presign(&["inspect", &url, "--verify"], &env, None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("key:            x\n"), "{text}");
    assert!(
        text.contains("likely cause:   the signature is for the path as written, /k/../x, but browsers and curl send /x"),
        "{text}"
    );
}

#[test]
fn inspect_expiry_and_dates_at_the_edge_of_time_do_not_panic() {
    let env = creds();
    let url = signed(
        &["s3://bucket/k", "--signing-time", "2026-01-02T03:04:05Z"],
        &env,
    );
    for url in [
        resigned(&with_param(&url, "X-Amz-Expires", "315537897599")),
        with_param(&url, "X-Amz-Expires", "18446744073709551615"),
        with_param(&url, "X-Amz-Date", "99991231T235959Z"),
        with_param(&url, "X-Amz-Date", "00000101T000000Z"),
    ] {
        for format in ["text", "json"] {
            let out = presign(
                &["inspect", &url, "--verify", "--output", format],
                &env,
                None,
            );
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!err.contains("internal error"), "{url}: {err}");
            assert!(
                matches!(out.status.code(), Some(1 | 252)),
                "{url} {format}: {:?} {err}",
                out.status.code()
            );
        }
    }
}

#[test]
fn inspect_stdin_skips_over_long_and_non_utf8_lines_by_number() {
    let env = creds();
    let url = signed(&["s3://bucket/k"], &env);
    let mut input = b"\xef\xbb\xbf".to_vec();
    input.extend_from_slice(url.as_bytes());
    input.push(b'\n');
    input.extend(std::iter::repeat_n(b'a', 1 << 20));
    input.extend_from_slice(b"\n\xff\xfe\n");
    input.extend_from_slice(url.as_bytes());
    input.push(b'\n');
    let out = Presign::new()
        .envs(env.iter().map(|(k, v)| (k, v.as_str().unwrap())))
        .args(["inspect", "-", "--verify"])
        .stdin(input)
        .output();
    let (text, err) = (stdout(&out), String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        text.matches("verification:   valid for GET").count(),
        2,
        "{text}"
    );
    let errors: Vec<&str> = err.lines().collect();
    assert_eq!(errors.len(), 2, "{err}");
    assert!(
        errors[0].starts_with("presign: error: line 2: longer than"),
        "{err}"
    );
    assert!(
        errors[1].starts_with("presign: error: line 3: not UTF-8"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(252));
}

/// The likely causes whose fix is an option of `inspect` name it: the
/// library words them without options, and the command line adds them.
#[test]
fn inspect_causes_name_the_option_that_verifies() {
    let env = creds();
    let url = signed(
        &[
            "s3://bucket/k",
            "--method",
            "PUT",
            "--content-type",
            "text/plain",
        ],
        &env,
    );
    // The signed content type was not given.
    let out = presign(
        &["inspect", &url, "--verify", "--method", "PUT"],
        &env,
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(
            "likely cause:   the URL signs header(s) content-type that the request must send with the signed values; give them with --header 'NAME: VALUE' to verify\n"
        ),
        "{}",
        stdout(&out)
    );
    // Given, it verifies; for another method it names the one it is for.
    let ok = presign(
        &[
            "inspect",
            &url,
            "--verify",
            "--method",
            "PUT",
            "--header",
            "Content-Type: text/plain",
        ],
        &env,
        None,
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    let get = presign(
        &[
            "inspect",
            &url,
            "--verify",
            "--header",
            "Content-Type: text/plain",
        ],
        &env,
        None,
    );
    assert_eq!(get.status.code(), Some(1));
    assert!(
        stdout(&get).contains(
            "likely cause:   the URL is signed for PUT, not GET: use it with PUT (or verify with --method PUT)\n"
        ),
        "{}",
        stdout(&get)
    );
}
