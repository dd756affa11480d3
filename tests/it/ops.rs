//! The upload and bucket modes, through the real binary: every botocore
//! vector of `tests/fixtures/ops.json` (compared as the reference checker
//! does: same scheme, host, path and set of query pairs; POST forms by their
//! fields and policy, with the signature verified independently here), then
//! the outputs and the usage errors of the new flags.

use std::collections::BTreeMap;
use std::process::Output;

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::support::{AK, Presign, SECRET, fixture, text};

const FROZEN: &str = "2026-01-02T03:04:05Z";

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    Presign::new().envs(env.iter().copied()).args(args).output()
}

fn keys() -> Vec<(&'static str, &'static str)> {
    vec![("AWS_ACCESS_KEY_ID", AK), ("AWS_SECRET_ACCESS_KEY", SECRET)]
}

/// Scheme, host, path and the sorted, decoded query pairs.
fn url_parts(u: &str) -> (String, String, String, Vec<(String, String)>) {
    let url = url::Url::parse(u.trim()).unwrap();
    let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    pairs.sort();
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap()),
        None => url.host_str().unwrap().to_owned(),
    };
    (url.scheme().to_owned(), host, url.path().to_owned(), pairs)
}

/// SigV4 over a POST policy, computed here from the hmac and sha2 crates.
fn policy_signature(secret: &str, credential: &str, policy_b64: &str) -> String {
    let parts: Vec<&str> = credential.split('/').collect();
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in [parts[1], parts[2], parts[3], "aws4_request"] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(part.as_bytes());
        key = mac.finalize().into_bytes().to_vec();
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(policy_b64.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn decode_policy(b64: &str) -> Value {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn normalized_conditions(policy: &Value) -> Vec<String> {
    let mut all: Vec<String> = policy["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.to_string().to_lowercase())
        .collect();
    all.sort();
    all
}

fn check_post(got: &Value, want: &Value, secret: &str) -> Result<(), String> {
    let trim = |v: &Value| {
        v.as_str()
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned()
    };
    if trim(&got["url"]) != trim(&want["url"]) {
        return Err(format!("url {} vs {}", got["url"], want["url"]));
    }
    let lower = |v: &Value| -> BTreeMap<String, String> {
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.to_lowercase(), v.as_str().unwrap().to_owned()))
            .collect()
    };
    let (g, w) = (lower(&got["fields"]), lower(&want["fields"]));
    if g.keys().collect::<Vec<_>>() != w.keys().collect::<Vec<_>>() {
        return Err(format!("fields {:?} vs {:?}", g.keys(), w.keys()));
    }
    for (k, v) in &w {
        if k != "policy" && k != "x-amz-signature" && &g[k] != v {
            return Err(format!("field {k}: {} vs {v}", g[k]));
        }
    }
    let (gp, wp) = (decode_policy(&g["policy"]), decode_policy(&w["policy"]));
    if gp["expiration"] != wp["expiration"]
        || normalized_conditions(&gp) != normalized_conditions(&wp)
    {
        return Err(format!("policy {gp} vs {wp}"));
    }
    if policy_signature(secret, &g["x-amz-credential"], &g["policy"]) != g["x-amz-signature"] {
        return Err("signature does not verify".to_owned());
    }
    Ok(())
}

#[test]
fn every_botocore_ops_vector_matches() {
    check_fixture("ops.json", 9);
}

/// botocore's legacy SigV2 query auth (`--signature-version s3`).
#[test]
fn every_botocore_sigv2_vector_matches() {
    check_fixture("sigv2.json", 2);
}

#[test]
fn sigv2_from_the_profile_and_beyond_a_week() {
    let run = Presign::new()
        .file(
            ".aws/config",
            "[default]\ns3 =\n    signature_version = s3\n",
        )
        .keys()
        .args(["s3://bucket/key.txt", "--region", "us-east-1"]);
    let out = run.output_with(&["--signing-time", FROZEN, "--expires-in", "1209600"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let url = text(&out.stdout);
    assert!(
        url.starts_with(
            "https://bucket.s3.amazonaws.com/key.txt?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature="
        ),
        "{url}"
    );
    assert!(
        url.trim_end()
            .ends_with(&format!("&Expires={}", 1_767_323_045 + 1_209_600)),
        "{url}"
    );
    assert!(text(&out.stderr).contains("outlives a week"));
    // The flag beats the profile.
    let out = run.output_with(&["--signature-version", "s3v4"]);
    assert!(text(&out.stdout).contains("X-Amz-Signature="));
}

/// AWS CLI v1's us-east-1 setting, from the environment, the profile's top
/// level or its `s3 =` section: SigV2 URLs (which follow v1) obey it, SigV4
/// URLs (which follow v2) ignore it, even when its value is bogus.
#[test]
fn us_east_1_regional_endpoint_moves_sigv2_urls_alone() {
    let url = |config: &str, env: &[(&str, &str)], args: &[&str]| {
        let out = Presign::new()
            .file(".aws/config", config)
            .keys()
            .envs(env.iter().copied())
            .args(["s3://bucket/k", "--region", "us-east-1"])
            .args(args)
            .output();
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let v2 = ["--signature-version", "s3"];
    let regional = "https://bucket.s3.us-east-1.amazonaws.com/k?AWSAccessKeyId=";
    let global = "https://bucket.s3.amazonaws.com/k?AWSAccessKeyId=";
    for (config, env) in [
        (
            "[default]\ns3 =\n  us_east_1_regional_endpoint = regional\n",
            vec![],
        ),
        (
            "[default]\ns3_us_east_1_regional_endpoint = regional\n",
            vec![],
        ),
        ("", vec![("AWS_S3_US_EAST_1_REGIONAL_ENDPOINT", "regional")]),
        // The environment comes first.
        (
            "[default]\ns3_us_east_1_regional_endpoint = legacy\n",
            vec![("AWS_S3_US_EAST_1_REGIONAL_ENDPOINT", "regional")],
        ),
    ] {
        let (status, out, err) = url(config, &env, &v2);
        assert_eq!(status, Some(0), "{err}");
        assert!(out.starts_with(regional), "{config} {env:?}: {out}");
    }
    for config in [
        "",
        "[default]\ns3 =\n  us_east_1_regional_endpoint = legacy\n",
    ] {
        assert!(url(config, &[], &v2).1.starts_with(global), "{config}");
    }
    // Virtual addressing does not take us-east-1 off the global endpoint.
    let virtual_style = "[default]\ns3 =\n  addressing_style = virtual\n";
    assert!(url(virtual_style, &[], &v2).1.starts_with(global));
    // A bogus value is refused for SigV2, ignored for SigV4.
    let bogus = "[default]\ns3 =\n  us_east_1_regional_endpoint = Regional\n";
    let (status, out, err) = url(bogus, &[], &v2);
    assert_eq!(status, Some(255));
    assert!(out.is_empty());
    assert!(
        err.contains(
            "option Regional is invalid (set us_east_1_regional_endpoint to legacy or regional)"
        ),
        "{err}"
    );
    let (status, out, _) = url(bogus, &[], &[]);
    assert_eq!(status, Some(0));
    assert!(
        out.starts_with("https://bucket.s3.us-east-1.amazonaws.com/k?X-Amz-Algorithm="),
        "{out}"
    );
}

#[test]
fn sigv2_signs_headers_and_subresources() {
    let url = ok(&[
        "s3://bucket/a b.bin",
        "--signature-version",
        "s3",
        "--method",
        "PUT",
        "--content-type",
        "text/plain",
        "--header",
        "x-amz-meta-owner: ada",
        "--part-number",
        "2",
        "--upload-id",
        "u1",
    ]);
    let (_, host, path, pairs) = url_parts(&url);
    assert_eq!(
        (host.as_str(), path.as_str()),
        ("bucket.s3.amazonaws.com", "/a%20b.bin")
    );
    let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "AWSAccessKeyId",
            "Expires",
            "Signature",
            "content-type",
            "partNumber",
            "uploadId",
            "x-amz-meta-owner"
        ]
    );
    // The signature is HMAC-SHA1 over the canonical string, computed here.
    let sts = format!(
        "PUT\n\ntext/plain\n{}\nx-amz-meta-owner:ada\n/bucket/a%20b.bin?partNumber=2&uploadId=u1",
        1_767_323_045 + 3600
    );
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(sts.as_bytes());
    let want = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert!(pairs.contains(&("Signature".to_owned(), want)), "{url}");
    let out = run(
        &["post", "s3://bucket/k", "--signature-version", "s3"],
        &keys(),
    );
    assert_eq!(out.status.code(), Some(252));
}

fn check_fixture(name: &str, at_least: usize) {
    let data = fixture(name);
    let cases = data["vectors"].as_array().unwrap();
    assert!(cases.len() >= at_least);
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut args: Vec<&str> = case["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        args.extend(["--signing-time", FROZEN]);
        let env: Vec<(&str, &str)> = case["env"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        let out = run(&args, &env);
        if !out.status.success() {
            failures.push(format!(
                "{name}: exit {:?}: {}",
                out.status.code(),
                text(&out.stderr)
            ));
            continue;
        }
        let stdout = text(&out.stdout);
        let outcome = if case["kind"] == "url" {
            let want = case["url"].as_str().unwrap();
            if url_parts(&stdout) == url_parts(want) {
                Ok(())
            } else {
                Err(format!("got {stdout} want {want}"))
            }
        } else {
            let got: Value = serde_json::from_str(&stdout).unwrap();
            check_post(
                &got,
                &case["post"],
                case["env"]["AWS_SECRET_ACCESS_KEY"].as_str().unwrap(),
            )
        };
        if let Err(why) = outcome {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn ok(args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["--region", "eu-west-2", "--signing-time", FROZEN]);
    let out = run(&all, &keys());
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn bucket_requests_need_a_method_or_a_query() {
    let list = ok(&[
        "s3://bucket",
        "--param",
        "list-type=2",
        "--param",
        "prefix=logs/",
    ]);
    let (_, host, path, pairs) = url_parts(&list);
    assert_eq!(
        (host.as_str(), path.as_str()),
        ("bucket.s3.eu-west-2.amazonaws.com", "/")
    );
    assert!(pairs.contains(&("prefix".to_owned(), "logs/".to_owned())));
    assert!(list.contains("?list-type=2&prefix=logs%2F&X-Amz-Algorithm="));
    let delete = ok(&["s3://bucket", "--method", "delete"]);
    assert!(delete.starts_with("https://bucket.s3.eu-west-2.amazonaws.com/?X-Amz-Algorithm="));
    let out = run(&["s3://bucket", "--region", "eu-west-2"], &keys());
    assert_eq!(out.status.code(), Some(252));
}

#[test]
fn multipart_start_complete_and_abort() {
    let start = ok(&[
        "s3://bucket/big.iso",
        "--method",
        "POST",
        "--param",
        "uploads",
    ]);
    assert!(
        start.contains("/big.iso?uploads=&X-Amz-Algorithm="),
        "{start}"
    );
    let complete = ok(&[
        "s3://bucket/big.iso",
        "--method",
        "POST",
        "--upload-id",
        "u/1",
    ]);
    assert!(
        complete.contains("/big.iso?uploadId=u%2F1&X-Amz-Algorithm="),
        "{complete}"
    );
    let abort = ok(&[
        "s3://bucket/big.iso",
        "--method",
        "DELETE",
        "--upload-id",
        "u1",
    ]);
    assert!(abort.contains("?uploadId=u1&"));
    assert_ne!(complete, abort);
}

#[test]
fn signed_headers_are_listed_and_case_insensitive() {
    let a = ok(&[
        "s3://bucket/k",
        "--method",
        "PUT",
        "--header",
        "X-Amz-Meta-Owner: ada",
        "--content-type",
        "text/plain",
    ]);
    let b = ok(&[
        "s3://bucket/k",
        "--method",
        "put",
        "--header",
        "x-amz-meta-owner:  ada  ",
        "--content-type",
        "text/plain",
    ]);
    assert!(
        a.contains("X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-meta-owner"),
        "{a}"
    );
    assert_eq!(a, b);
    let c = ok(&[
        "s3://bucket/k",
        "--method",
        "PUT",
        "--header",
        "x-amz-meta-owner: bob",
        "--content-type",
        "text/plain",
    ]);
    assert_ne!(a, c);
}

#[test]
fn json_and_curl_outputs() {
    let json: Value = serde_json::from_str(&ok(&[
        "s3://bucket/img.png",
        "--method",
        "PUT",
        "--content-type",
        "image/png",
        "--expires-in",
        "600",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["method"], "PUT");
    assert_eq!(json["headers"]["content-type"], "image/png");
    assert_eq!(json["expires_at"], "2026-01-02T03:14:05Z");
    assert!(json["url"].as_str().unwrap().contains("X-Amz-Expires=600"));

    let curl = ok(&[
        "s3://bucket/dir/img.png",
        "--method",
        "PUT",
        "--content-type",
        "image/png",
        "--format",
        "curl",
    ]);
    assert!(curl.starts_with("curl -fsS --path-as-is -T img.png -H 'content-type: image/png' 'https://bucket.s3.eu-west-2.amazonaws.com/dir/img.png?"), "{curl}");

    let form: Value = serde_json::from_str(&ok(&["post", "s3://bucket/u/${filename}"])).unwrap();
    let policy = decode_policy(form["fields"]["policy"].as_str().unwrap());
    assert!(
        policy["conditions"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["starts-with", "$key", "u/"]))
    );
    let html = ok(&["post", "s3://bucket/u/x.txt", "--format", "html"]);
    assert!(html.contains("<form action=\"https://bucket.s3.eu-west-2.amazonaws.com/\""));
    let curl = ok(&[
        "post",
        "s3://bucket/u/x.txt",
        "--field",
        "acl=private",
        "--format",
        "curl",
    ]);
    assert!(
        curl.contains(" --form-string acl=private --form-string key=u/x.txt ")
            && curl.contains(" -F file=@x.txt "),
        "{curl}"
    );
}

#[test]
fn post_form_with_session_token_signs_it_into_the_policy() {
    let mut env = keys();
    env.push(("AWS_SESSION_TOKEN", "TOKEN+/="));
    let out = run(&["post", "s3://bucket/k", "--region", "eu-west-2"], &env);
    let form: Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(form["fields"]["x-amz-security-token"], "TOKEN+/=");
    let policy = decode_policy(form["fields"]["policy"].as_str().unwrap());
    assert!(
        policy["conditions"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!({"x-amz-security-token": "TOKEN+/="}))
    );
}

#[test]
fn bad_combinations_are_usage_errors_that_say_why() {
    for (args, says) in [
        (vec!["s3://b/k", "--part-number", "3"], "needs --upload-id"),
        (
            vec![
                "s3://b/k",
                "--method",
                "PUT",
                "--part-number",
                "0",
                "--upload-id",
                "u",
            ],
            "1 to 10000",
        ),
        (vec!["s3://b/k", "--header", "Host: evil"], "host header"),
        (
            vec!["s3://b/k", "--param", "X-Amz-Signature=00"],
            "set by the signer",
        ),
        (
            vec!["s3://b/k", "--param", "x-amz-expires=9"],
            "set by the signer",
        ),
        (
            vec!["s3://b/k", "--method", "PATCH"],
            "GET, PUT, DELETE, HEAD or POST",
        ),
        (vec!["s3://b/k", "--header", "nocolon"], "'Name: value'"),
        (vec!["s3://b/k", "--output", "xml"], "xml"),
        (
            vec!["post", "s3://b/k", "--condition", "{not json"],
            "not a JSON object",
        ),
        (
            vec!["post", "s3://b/k", "--content-length-range", "10,1"],
            "MIN above MAX",
        ),
        (vec!["post", "s3://b/k", "--field", "novalue"], "NAME=VALUE"),
        (vec!["post", "s3://b"], "no object key"),
        (
            vec!["post", "s3://b/k", "--no-sign-request"],
            "must be signed",
        ),
    ] {
        let out = run(&args, &keys());
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(252), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(!stderr.contains(SECRET));
    }
}
