//! `presign inspect`: every URL presign makes reads back and verifies with the
//! right secret and only with it; the URLs recorded from AWS CLI and botocore
//! verify too; garbage is a clear error.

use std::path::Path;
use std::process::{Command, Output};

use presign::endpoint::CustomEndpoint;
use presign::inspect;
use presign::{Credentials, EndpointConfig, Expiry, ObjectRequest, Presigner, SecretString};
use proptest::prelude::*;
use serde_json::Value;
use time::OffsetDateTime;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs `presign ARGS` in a HOME holding `files`, with only `env`.
fn presign(
    args: &[&str],
    env: &serde_json::Map<String, Value>,
    files: Option<&serde_json::Map<String, Value>>,
) -> Output {
    let home = tempfile::tempdir().unwrap();
    let home_text = home.path().display().to_string();
    for (rel, body) in files.into_iter().flatten() {
        let path = home.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, body.as_str().unwrap().replace("{HOME}", &home_text)).unwrap();
    }
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_presign"));
    cmd.args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("USERPROFILE", home.path());
    for (k, v) in env {
        cmd.env(k, v.as_str().unwrap().replace("{HOME}", &home_text));
    }
    cmd.output().unwrap()
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_presign"))
        .args(["inspect", "-", "--output", "json"])
        .env_clear()
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\nhttps://x/y\n", url.trim()).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
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
        let config = EndpointConfig {
            region: Some(region),
            custom: endpoint.map(|e| CustomEndpoint::parse(&e).unwrap()),
            use_arn_region: true,
            ..Default::default()
        };
        let signed_at = OffsetDateTime::from_unix_timestamp(1_767_323_045).unwrap();
        let headers: Vec<(String, String)> = content_type.iter().map(|c| ("content-type".to_owned(), c.clone())).collect();
        let mut presigner = Presigner::new(config, Some(creds), signed_at);
        let request = ObjectRequest { method, bucket: &bucket, key: &key, params: &[], headers: &headers, expires: Expiry::new(expires.into()).unwrap() };
        let url = presigner.presign(&request).unwrap().url;

        let ins = inspect::decode(&url).unwrap();
        // Behind an endpoint with a path prefix the bucket cannot be told
        // from the prefix, so only the end of the path is the key.
        prop_assert!(ins.key == key || ins.key.ends_with(&format!("/{key}")), "{} vs {}", ins.key, key);
        let now = signed_at + time::Duration::seconds(1);
        let ok = inspect::verify(&ins, &SecretString::from(SECRET), method, &headers, now).unwrap();
        prop_assert!(ok.valid(), "{:?}", ok);
        let wrong = inspect::verify(&ins, &SecretString::from("not-it"), method, &headers, now).unwrap();
        prop_assert!(!wrong.signature_ok);

        // Change one character of the signature.
        let at = url.len() - 1;
        let flipped = if url.ends_with('0') { '1' } else { '0' };
        let tampered = format!("{}{flipped}", &url[..at]);
        let ins = inspect::decode(&tampered).unwrap();
        let v = inspect::verify(&ins, &SecretString::from(SECRET), method, &headers, now).unwrap();
        prop_assert!(!v.signature_ok);
    }
}

/// Verifying many URLs from stdin resolves credentials once: a
/// credential_process runs once per run, not once per URL.
#[cfg(unix)]
#[test]
fn credentials_are_resolved_once_per_run() {
    use std::io::Write;
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
        let mut child = Command::new(env!("CARGO_BIN_EXE_presign"))
            .args(args)
            .env_clear()
            .env("HOME", home.path())
            .env("PATH", "/usr/bin:/bin")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
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
