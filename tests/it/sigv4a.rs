//! SigV4A, for multi-region access points and S3 on Outposts access points,
//! through the real binary: the recorded AWS CLI v2 runs
//! (`fixtures/sigv4a.json`) byte for byte but the signature, every signature
//! checked by a verifier written here (the canonical request rebuilt from the
//! URL, the key pair from the `aws-sigv4` crate's SigV4A derivation, the
//! ECDSA check from `p256`), the key derivation pinned to AWS's SigV4A test
//! suite (`fixtures/sigv4a-suite.json`), AWS CLI v2's refusals and their exit
//! statuses, every mode that takes these ARNs, batches signed on every core,
//! and `inspect`.

use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::{AK, Presign, SECRET, fixture, libfaketime, text};

const FROZEN: &str = "2026-01-02T03:04:05Z";
const MRAP: &str = "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap";
const OUTPOST: &str =
    "arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-01234567890123456/accesspoint/myap";
const MRAP_HOST: &str = "mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com";

/// A run at the frozen time.
fn run() -> Presign {
    Presign::new().env("PRESIGN_NOW", FROZEN)
}

/// A run at the frozen time with the example keys.
fn keyed() -> Presign {
    run().keys()
}

// ---------------------------------------------------------------------------
// An independent verifier

/// The SigV4A public key of an access key, from the `aws-sigv4` crate's key
/// derivation.
fn sdk_public_key(access_key: &str, secret: &str) -> VerifyingKey {
    let private = aws_sigv4::sign::v4a::generate_signing_key(access_key, secret);
    *p256::ecdsa::SigningKey::from_slice(private.as_ref())
        .unwrap()
        .verifying_key()
}

/// `%XX` decoded (the URL's query is percent-encoded UTF-8).
fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Checks the SigV4A signature of a presigned URL with nothing of presign:
/// the canonical request is rebuilt from the URL as S3 rebuilds it (method,
/// path as sent, the query sorted without the signature, the signed headers,
/// `UNSIGNED-PAYLOAD`), and the signature checked against the public key
/// `aws-sigv4` derives. `headers` are the other headers the request sends.
fn verify(url: &str, method: &str, headers: &[(&str, &str)]) -> Result<(), String> {
    let rest = url.strip_prefix("https://").ok_or("not https")?;
    let (host, rest) = rest.split_at(rest.find('/').ok_or("no path")?);
    let (path, query) = rest.split_once('?').ok_or("no query")?;
    let mut pairs: Vec<(&str, &str)> = query
        .split('&')
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    let (last, signature) = pairs.pop().ok_or("empty query")?;
    if last != "X-Amz-Signature" {
        return Err(format!("the last parameter is {last}"));
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| unescape(v))
            .ok_or(format!("{name} is missing"))
    };
    if get("X-Amz-Algorithm")? != "AWS4-ECDSA-P256-SHA256" {
        return Err("not SigV4A".into());
    }
    let credential = get("X-Amz-Credential")?;
    let (access_key, scope) = credential.split_once('/').ok_or("credential")?;
    let signed_headers = get("X-Amz-SignedHeaders")?;
    let mut sorted = pairs.clone();
    sorted.sort_unstable();
    let canonical_query: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut canonical_headers = String::new();
    for name in signed_headers.split(';') {
        let value = if name == "host" {
            host.to_ascii_lowercase()
        } else {
            headers
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| *v)
                .collect::<Vec<_>>()
                .join(",")
        };
        canonical_headers.push_str(&format!("{name}:{value}\n"));
    }
    let canonical = format!(
        "{method}\n{path}\n{}\n{canonical_headers}\n{signed_headers}\nUNSIGNED-PAYLOAD",
        canonical_query.join("&")
    );
    let string_to_sign = format!(
        "AWS4-ECDSA-P256-SHA256\n{}\n{scope}\n{}",
        get("X-Amz-Date")?,
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let der = hex::decode(signature).map_err(|_| "signature is not hex")?;
    let signature = Signature::from_der(&der).map_err(|_| "signature is not DER")?;
    sdk_public_key(access_key, SECRET)
        .verify(string_to_sign.as_bytes(), &signature)
        .map_err(|_| format!("does not verify: {string_to_sign:?}"))
}

/// The URL with its signature's value cut off.
fn unsigned(url: &str) -> &str {
    &url[..url.rfind("X-Amz-Signature=").expect("a signature") + "X-Amz-Signature=".len()]
}

/// The URL of each output line.
fn urls(stdout: &str) -> Vec<&str> {
    stdout.lines().collect()
}

// ---------------------------------------------------------------------------
// The recorded AWS CLI v2 runs

fn vector_run(case: &Value) -> Presign {
    let mut run = run();
    for (rel, body) in case["files"].as_object().unwrap() {
        run = run.file(rel, body.as_str().unwrap());
    }
    for (name, value) in case["env"].as_object().unwrap() {
        run = run.env(name, value.as_str().unwrap());
    }
    let args: Vec<&str> = case["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    run.args(&args)
}

fn check_vectors(how: impl Fn(Presign) -> Presign) {
    let data = fixture("sigv4a.json");
    let cases = data["vectors"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        assert_eq!(case["secret"], SECRET, "{name}");
        let out = how(vector_run(case)).output();
        assert_eq!(out.status.code(), case["exit"].as_i64().map(|c| c as i32));
        let want = case["stdout"].as_str().unwrap();
        let got = text(&out.stdout);
        assert!(
            got.ends_with('\n') && got.lines().count() == 1,
            "{name}: {got:?}"
        );
        // Every byte but the signature's value.
        assert_eq!(unsigned(&got), unsigned(want), "{name}");
        // Both signatures verify: AWS CLI's proves the verifier right,
        // presign's the URL.
        verify(want.trim_end(), "GET", &[]).unwrap_or_else(|e| panic!("{name}, recorded: {e}"));
        verify(got.trim_end(), "GET", &[]).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The verifier is no rubber stamp: another path or key fails.
        let tampered = got.trim_end().replacen("/key.txt", "/key.txu", 1);
        if tampered != got.trim_end() {
            assert!(verify(&tampered, "GET", &[]).is_err(), "{name}");
        }
        assert!(verify(got.trim_end(), "PUT", &[]).is_err(), "{name}");
    }
}

#[test]
fn every_sigv4a_vector_matches_but_the_signature_which_verifies_independently() {
    check_vectors(|run| run);
}

/// The same runs with the clock frozen by libfaketime, as the reference was
/// recorded (skipped where libfaketime is not installed, unless the CI
/// requires it with `PRESIGN_FAKETIME=required`).
#[test]
fn every_sigv4a_vector_matches_under_a_frozen_clock() {
    if !libfaketime() {
        return;
    }
    check_vectors(|run| {
        run.env_remove("PRESIGN_NOW")
            .under_faketime("2026-01-02 03:04:05")
    });
}

#[test]
fn signatures_are_reproducible_at_a_signing_time() {
    let run = keyed().args([&format!("s3://{MRAP}/k"), "--signing-time", FROZEN]);
    let first = run.ok();
    assert_eq!(first, run.ok());
    assert!(first.contains("X-Amz-Date=20260102T030405Z&"), "{first}");
}

// ---------------------------------------------------------------------------
// AWS's SigV4A test suite

fn hex32(text: &str) -> [u8; 32] {
    hex::decode(text).unwrap().try_into().unwrap()
}

fn suite_public_key(case: &Value) -> VerifyingKey {
    let mut sec1 = vec![4u8];
    sec1.extend(hex32(case["public_key"]["x"].as_str().unwrap()));
    sec1.extend(hex32(case["public_key"]["y"].as_str().unwrap()));
    VerifyingKey::from_sec1_bytes(&sec1).unwrap()
}

#[test]
fn the_key_derivation_gives_the_test_suites_public_key() {
    let suite = fixture("sigv4a-suite.json");
    for case in suite["cases"].as_array().unwrap() {
        let creds = &case["context"]["credentials"];
        let (ak, secret) = (
            creds["access_key_id"].as_str().unwrap(),
            creds["secret_access_key"].as_str().unwrap(),
        );
        let pair = presign::internals::sign::v4a::KeyPair::derive(
            ak,
            &presign::SecretString::from(secret),
        );
        let (x, y) = pair.public_key();
        assert_eq!(hex::encode(x), case["public_key"]["x"], "{}", case["name"]);
        assert_eq!(hex::encode(y), case["public_key"]["y"], "{}", case["name"]);
        // And aws-sigv4's derivation agrees.
        assert_eq!(sdk_public_key(ak, secret), suite_public_key(case));
    }
}

/// Each stage against the suite's query cases: the canonical request of the
/// suite's request (its payload hash is the empty body's), the string to
/// sign, the parameter order of the signed request, and signatures both ways
/// (the suite's under presign's derived key, presign's under the suite's
/// published key).
#[test]
fn the_test_suites_query_cases_stage_by_stage() {
    use presign::internals::sign::{
        Algorithm, AuthParams, CanonicalRequest, SigningScope, StringToSign,
    };
    let suite = fixture("sigv4a-suite.json");
    for case in suite["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let ctx = &case["context"];
        let creds = &ctx["credentials"];
        let ak = creds["access_key_id"].as_str().unwrap();
        let secret = creds["secret_access_key"].as_str().unwrap();
        let signed = case["query_signed_request"].as_str().unwrap();
        let target = signed.lines().next().unwrap();
        let target = &target["GET ".len()..target.len() - " HTTP/1.1".len()];
        let (path, query) = target.split_once('?').unwrap();
        let encoded_path: String = {
            let mut out = String::new();
            presign::internals::sign::encode::push_quoted_path(&mut out, path);
            out
        };
        // The operation's parameters are those before X-Amz-Algorithm.
        let all: Vec<(String, String)> = query
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (unescape(k), unescape(v))
            })
            .collect();
        let first_auth = all
            .iter()
            .position(|(k, _)| k == "X-Amz-Algorithm")
            .unwrap();
        let scope = SigningScope {
            date: "20150830",
            region: None,
            service: ctx["service"].as_str().unwrap(),
        };
        let credential = format!("{ak}/{scope}");
        let auth = AuthParams {
            algorithm: Algorithm::EcdsaP256Sha256,
            credential: &credential,
            amz_date: "20150830T123600Z",
            expires: 3600,
            signed_headers: "host",
            session_token: creds["token"].as_str(),
            region_set: ctx["region"].as_str(),
            express_session: false,
        }
        .in_url_order();
        let names: Vec<&str> = all[first_auth..all.len() - 1]
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        let ours: Vec<&str> = auth.iter().map(|(k, _)| *k).collect();
        assert_eq!(names, ours, "{name}: parameter order");
        let mut pairs: Vec<(&str, &str)> = all[..first_auth]
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.extend(auth.iter().map(|(k, v)| (*k, v.as_str())));
        let creq = CanonicalRequest::new(
            "GET",
            &encoded_path,
            &pairs,
            &[("host", "example.amazonaws.com")],
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        );
        assert_eq!(
            creq.to_string(),
            case["query_canonical_request"].as_str().unwrap(),
            "{name}"
        );
        let sts = StringToSign {
            algorithm: Algorithm::EcdsaP256Sha256,
            amz_date: "20150830T123600Z",
            scope,
            canonical_request_hash: creq.hash(),
        }
        .to_string();
        assert_eq!(
            sts,
            case["query_string_to_sign"].as_str().unwrap(),
            "{name}"
        );

        let pair = presign::internals::sign::v4a::KeyPair::derive(
            ak,
            &presign::SecretString::from(secret),
        );
        let theirs = [
            case["query_signature"].as_str().unwrap(),
            signed
                .rsplit_once("X-Amz-Signature=")
                .unwrap()
                .1
                .split(' ')
                .next()
                .unwrap(),
        ];
        for signature in theirs {
            let der = hex::decode(signature).unwrap();
            assert!(pair.verifying_key().verify(&sts, &der), "{name}");
            assert!(
                !pair.verifying_key().verify(&format!("{sts}x"), &der),
                "{name}"
            );
        }
        let ours = Signature::from_der(&hex::decode(pair.sign(&sts)).unwrap()).unwrap();
        assert!(
            suite_public_key(case).verify(sts.as_bytes(), &ours).is_ok(),
            "{name}"
        );
    }
}

// ---------------------------------------------------------------------------
// Refusals, with AWS CLI v2's exit statuses

/// A case: the run, its status and a stable part of its one-line message.
fn refused(name: &str, run: Presign, status: i32, says: &str) {
    let out = run.output();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(status), "{name}: {stderr}");
    assert!(out.stdout.is_empty(), "{name}");
    assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
    assert!(stderr.starts_with("presign: error: "), "{name}: {stderr}");
    assert!(stderr.contains(says), "{name}: {says:?} not in {stderr}");
    assert!(!stderr.contains(SECRET), "{name}");
}

fn mrap() -> Presign {
    keyed().args(&[format!("s3://{MRAP}/key.txt")])
}

fn outpost() -> Presign {
    keyed().args(&[format!("s3://{OUTPOST}/key.txt")])
}

#[test]
fn multi_region_access_point_refusals() {
    let accelerate = "[default]\ns3 =\n    use_accelerate_endpoint = true\n";
    refused(
        "dual-stack",
        mrap().env("AWS_USE_DUALSTACK_ENDPOINT", "true"),
        255,
        "S3 MRAP does not support dual-stack",
    );
    refused(
        "FIPS",
        mrap().env("AWS_USE_FIPS_ENDPOINT", "true"),
        255,
        "S3 MRAP does not support FIPS",
    );
    refused(
        "accelerate",
        mrap().file(".aws/config", accelerate),
        255,
        "S3 MRAP does not support S3 Accelerate",
    );
    refused(
        "accelerate and FIPS: the rule set's first check",
        mrap()
            .file(".aws/config", accelerate)
            .env("AWS_USE_FIPS_ENDPOINT", "true"),
        255,
        "Accelerate cannot be used with FIPS",
    );
    refused(
        "accelerate and a custom endpoint",
        mrap()
            .file(".aws/config", accelerate)
            .args(["--endpoint-url", "https://s3.example.com"]),
        255,
        "A custom endpoint cannot be combined with S3 Accelerate",
    );
    refused(
        "partition of the client region",
        mrap().args(["--region", "cn-north-1"]),
        255,
        "Client was configured for partition `aws-cn` but bucket referred to partition `aws`",
    );
    refused(
        "partition of the ARN",
        keyed().args([
            "s3://arn:aws-cn:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap/k",
            "--region",
            "eu-west-2",
        ]),
        255,
        "Client was configured for partition `aws` but bucket referred to partition `aws-cn`",
    );
    refused(
        "AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS",
        mrap().env("AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS", "TRUE"),
        255,
        "Multi-Region Access Point ARNs are disabled",
    );
    refused(
        "s3 = s3_disable_multiregion_access_points",
        mrap().file(
            ".aws/config",
            "[default]\ns3 =\n    s3_disable_multiregion_access_points = true\n",
        ),
        255,
        "Multi-Region Access Point ARNs are disabled",
    );
    refused(
        "SigV2",
        mrap().args(["--signature-version", "s3"]),
        252,
        "need SigV4A",
    );
    refused(
        "SigV2 from the profile",
        mrap().file(
            ".aws/config",
            "[default]\ns3 =\n    signature_version = s3\n",
        ),
        252,
        "need SigV4A",
    );
    refused(
        "an alias that is no host name",
        keyed().args(["s3://arn:aws:s3::123456789012:accesspoint/-bad.mrap/k"]),
        255,
        "Invalid Access Point Name",
    );
    refused(
        "a POST form",
        keyed().args(["post", &format!("s3://{MRAP}/uploads/${{filename}}")]),
        255,
        "POST policies",
    );
    refused(
        "no credentials",
        run().args(&[format!("s3://{MRAP}/key.txt")]),
        253,
        "unable to locate credentials",
    );
}

#[test]
fn multi_region_settings_aws_cli_v2_does_not_read_change_nothing() {
    let plain = mrap().ok();
    for config in [
        // The environment variable wins over the profile, as botocore's
        // config chain has it.
        "[default]\ns3 =\n    s3_disable_multiregion_access_points = false\n",
        // Only the s3 section's `s3_disable_multiregion_access_points` is read.
        "[default]\ns3_disable_multiregion_access_points = true\n",
        "[default]\ns3 =\n    disable_multiregion_access_points = true\n",
    ] {
        assert_eq!(mrap().file(".aws/config", config).ok(), plain, "{config}");
    }
    let off = mrap()
        .env("AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS", "false")
        .file(
            ".aws/config",
            "[default]\ns3 =\n    s3_disable_multiregion_access_points = true\n",
        );
    assert_eq!(off.ok(), plain);
}

/// AWS CLI v2's rule set has no custom-endpoint form for a multi-region
/// access point: the URL goes to the global host, and (turned off by a
/// custom endpoint) dual-stack and FIPS do not apply. presign says so.
#[test]
fn a_custom_endpoint_is_not_used_for_multi_region_access_points() {
    let out = mrap()
        .args(["--endpoint-url", "http://127.0.0.1:9000"])
        .env("AWS_USE_DUALSTACK_ENDPOINT", "true")
        .output();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let url = text(&out.stdout);
    assert!(
        url.starts_with(&format!("https://{MRAP_HOST}/key.txt?")),
        "{url}"
    );
    verify(url.trim_end(), "GET", &[]).unwrap();
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("presign: warning: the endpoint URL is not used"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
}

#[test]
fn outposts_access_point_refusals() {
    refused(
        "dual-stack",
        outpost().env("AWS_USE_DUALSTACK_ENDPOINT", "true"),
        255,
        "S3 Outposts does not support Dual-stack",
    );
    refused(
        "FIPS",
        outpost().env("AWS_USE_FIPS_ENDPOINT", "true"),
        255,
        "S3 Outposts does not support FIPS",
    );
    refused(
        "accelerate",
        outpost().file(
            ".aws/config",
            "[default]\ns3 =\n    use_accelerate_endpoint = true\n",
        ),
        255,
        "S3 Outposts does not support S3 Accelerate",
    );
    refused(
        "use_arn_region false",
        outpost()
            .args(["--region", "eu-west-2"])
            .env("AWS_S3_USE_ARN_REGION", "false"),
        255,
        "region from ARN `us-west-2` does not match client region `eu-west-2`",
    );
    refused(
        "partition",
        outpost().args(["--region", "cn-north-1"]),
        255,
        "Client was configured for partition `aws-cn` but ARN",
    );
    refused(
        "an outpost id that is no host label",
        keyed().args([
            "s3://arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-/accesspoint/myap/k",
        ]),
        252,
        "Invalid ARN: The outpost Id may only contain",
    );
    refused(
        "an Outposts bucket ARN",
        keyed().args(["s3://arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-1/bucket/b/k"]),
        252,
        "Outpost Bucket ARNs",
    );
    refused(
        "SigV2",
        outpost().args(["--signature-version", "s3"]),
        252,
        "need SigV4A",
    );
    refused(
        "a POST form",
        keyed().args(["post", &format!("s3://{OUTPOST}/k")]),
        255,
        "POST policies",
    );
}

#[test]
fn outposts_with_a_custom_endpoint_keep_its_authority_only() {
    let url = outpost()
        .args([
            "--endpoint-url",
            "http://outposts.example:8443/ignored/path",
        ])
        .ok();
    assert!(
        url.starts_with(
            "https://myap-123456789012.op-01234567890123456.outposts.example:8443/key.txt?"
        ),
        "{url}"
    );
    assert!(url.contains("%2Fs3-outposts%2Faws4_request&"), "{url}");
    // The host signed is the one in the URL, port included.
    let out = keyed()
        .args(["inspect", url.trim_end(), "--verify"])
        .output();
    assert!(
        text(&out.stdout).contains("verification:   valid for GET"),
        "{}",
        text(&out.stdout)
    );
}

// ---------------------------------------------------------------------------
// Every mode

/// Arguments, the method they sign for, the headers the request must send,
/// and parts the URL must hold.
type ModeCase = (
    Vec<&'static str>,
    &'static str,
    Vec<(&'static str, &'static str)>,
    Vec<&'static str>,
);

#[test]
fn uploads_headers_overrides_and_parameters_are_signed() {
    let cases: Vec<ModeCase> = vec![
        (
            vec!["--method", "PUT", "--content-type", "image/png"],
            "PUT",
            vec![("content-type", "image/png")],
            vec!["X-Amz-SignedHeaders=content-type%3Bhost&"],
        ),
        (
            vec![
                "--method",
                "PUT",
                "--header",
                "x-amz-meta-owner:  Ada   Lovelace ",
            ],
            "PUT",
            vec![("x-amz-meta-owner", "Ada Lovelace")],
            vec!["X-Amz-SignedHeaders=host%3Bx-amz-meta-owner&"],
        ),
        (
            vec![
                "--response-content-disposition",
                "attachment; filename=\"r.pdf\"",
                "--response-content-type",
                "application/pdf",
                "--version-id",
                "v/1+2",
            ],
            "GET",
            vec![],
            vec![
                "?response-content-disposition=attachment%3B%20filename%3D%22r.pdf%22&response-content-type=application%2Fpdf&versionId=v%2F1%2B2&X-Amz-Algorithm=",
            ],
        ),
        (
            vec![
                "--method",
                "PUT",
                "--part-number",
                "7",
                "--upload-id",
                "up/1",
            ],
            "PUT",
            vec![],
            vec!["?partNumber=7&uploadId=up%2F1&X-Amz-Algorithm="],
        ),
        (
            vec!["--method", "DELETE", "--upload-id", "up1"],
            "DELETE",
            vec![],
            vec!["?uploadId=up1&X-Amz-Algorithm="],
        ),
        (vec!["--method", "HEAD"], "HEAD", vec![], vec![]),
    ];
    for target in [MRAP, OUTPOST] {
        for (args, method, headers, parts) in &cases {
            let url = keyed()
                .args(&[format!("s3://{target}/dir/a b.png")])
                .args(args)
                .ok();
            let url = url.trim_end();
            for part in parts {
                assert!(url.contains(part), "{args:?}: {part} in {url}");
            }
            verify(url, method, headers).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            if !headers.is_empty() {
                assert!(verify(url, method, &[]).is_err(), "{args:?}");
            }
        }
    }
    // A bucket-level request (no key) with a query.
    let url = keyed()
        .args(&[format!("s3://{MRAP}")])
        .args(["--param", "list-type=2", "--param", "prefix=logs/"])
        .ok();
    assert!(
        url.starts_with(&format!("https://{MRAP_HOST}/?list-type=2&prefix=logs%2F&")),
        "{url}"
    );
    verify(url.trim_end(), "GET", &[]).unwrap();
    refused(
        "X-Amz-Region-Set is the signer's",
        mrap().args(["--param", "X-Amz-Region-Set=eu-west-1"]),
        252,
        "set by the signer",
    );
}

#[test]
fn temporary_credentials_put_the_token_before_the_region_set() {
    let token = "IQoJb3JpZ2luX2Vj+/=token";
    let out = mrap()
        .env("AWS_SESSION_TOKEN", token)
        .args(["--debug"])
        .output();
    assert!(out.status.success());
    let url = text(&out.stdout);
    assert!(
        url.contains(
            "&X-Amz-Expires=3600&X-Amz-Security-Token=IQoJb3JpZ2luX2Vj%2B%2F%3Dtoken&X-Amz-Region-Set=%2A&X-Amz-Signature="
        ),
        "{url}"
    );
    verify(url.trim_end(), "GET", &[]).unwrap();
    // --debug shows what was signed, and never the token.
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("AWS4-ECDSA-P256-SHA256\n20260102T030405Z\n20260102/s3/aws4_request\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("auth sigv4a, service s3, region set *"),
        "{stderr}"
    );
    assert!(!stderr.contains("IQoJb3JpZ2luX2Vj"), "{stderr}");
}

#[test]
fn json_and_curl_outputs_carry_the_sigv4a_url() {
    let doc: Value = serde_json::from_str(
        &mrap()
            .args([
                "--method",
                "PUT",
                "--content-type",
                "text/plain",
                "--format",
                "json",
            ])
            .ok(),
    )
    .unwrap();
    assert_eq!(doc["method"], "PUT");
    assert_eq!(doc["uri"], format!("s3://{MRAP}/key.txt"));
    assert_eq!(doc["headers"]["content-type"], "text/plain");
    assert_eq!(doc["expires_at"], "2026-01-02T04:04:05Z");
    verify(
        doc["url"].as_str().unwrap(),
        "PUT",
        &[("content-type", "text/plain")],
    )
    .unwrap();

    let curl = outpost().args(["--method", "PUT", "--format", "curl"]).ok();
    assert!(
        curl.starts_with("curl -fsS --path-as-is -T key.txt 'https://myap-123456789012.op-"),
        "{curl}"
    );
    let url = curl
        .trim_end()
        .rsplit_once(' ')
        .unwrap()
        .1
        .trim_matches('\'');
    verify(url, "PUT", &[]).unwrap();
}

#[test]
fn no_sign_request_prints_the_bare_global_url() {
    let url = run()
        .args(&[format!("s3://{MRAP}/key.txt")])
        .args(["--no-sign-request"])
        .ok();
    assert_eq!(url, format!("https://{MRAP_HOST}/key.txt\n"));
}

// ---------------------------------------------------------------------------
// Batches

/// A batch of SigV4A, SigV4 and bad lines: every URL in input order, every
/// bad line named by its number, exactly what the one-at-a-time path
/// (`--debug` signs in order on one thread) writes, and every SigV4A URL
/// verifies.
#[test]
fn batches_sign_on_every_core_in_input_order() {
    let mut input = String::new();
    for i in 0..5000 {
        match i % 7 {
            0 => input.push_str(&format!("s3://bucket/plain-{i}\n")),
            3 => input.push_str(&format!("s3://{OUTPOST}/o-{i}\n")),
            5 if i % 1000 == 5 => input.push_str("s3://bad bucket/k\n"),
            _ => input.push_str(&format!("s3://{MRAP}/m-{i}\n")),
        }
    }
    let run = |extra: &[&str]| {
        keyed()
            .env("AWS_REGION", "eu-west-2")
            .args(["--from", "-"])
            .args(extra)
            .stdin(input.as_bytes())
            .output()
    };
    let parallel = run(&[]);
    assert_eq!(parallel.status.code(), Some(252));
    let sequential = run(&["--debug"]);
    assert_eq!(parallel.stdout, sequential.stdout);
    let errors: Vec<String> = text(&parallel.stderr).lines().map(str::to_owned).collect();
    let want: Vec<String> = (0..5000)
        .filter(|i| i % 7 == 5 && i % 1000 == 5)
        .map(|i| format!("presign: error: line {}: invalid bucket name", i + 1))
        .collect();
    assert_eq!(errors.len(), want.len(), "{errors:?}");
    for (got, want) in errors.iter().zip(&want) {
        assert!(got.starts_with(want), "{got} / {want}");
    }
    let stdout = text(&parallel.stdout);
    let lines = urls(&stdout);
    assert_eq!(lines.len(), 5000 - want.len());
    let mut expected = (0..5000).filter(|i| !(i % 7 == 5 && i % 1000 == 5));
    for line in &lines {
        let i = expected.next().unwrap();
        let name = match i % 7 {
            0 => format!("/plain-{i}?"),
            3 => format!("/o-{i}?"),
            _ => format!("/m-{i}?"),
        };
        assert!(line.contains(&name), "{name} in {line}");
    }
    for line in lines.iter().filter(|l| l.contains("ECDSA")).step_by(97) {
        verify(line, "GET", &[]).unwrap();
    }
}

#[test]
fn fail_fast_stops_a_queued_batch_at_the_first_bad_line() {
    let mut input = String::new();
    for i in 0..300 {
        input.push_str(&format!("s3://{MRAP}/m-{i}\n"));
    }
    input.push_str("s3://bad bucket/k\n");
    for i in 0..300 {
        input.push_str(&format!("s3://{MRAP}/after-{i}\n"));
    }
    let out = keyed()
        .args(["--from", "-", "--fail-fast", "--format", "json"])
        .stdin(input.as_bytes())
        .output();
    assert_eq!(out.status.code(), Some(252));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 300);
    assert!(!stdout.contains("after-"));
    assert!(text(&out.stderr).starts_with("presign: error: line 301: invalid bucket name"));
    for line in stdout.lines().step_by(50) {
        let doc: Value = serde_json::from_str(line).unwrap();
        verify(doc["url"].as_str().unwrap(), "GET", &[]).unwrap();
    }
}

#[test]
fn arguments_and_bare_keys_with_bucket_take_arns_too() {
    let out = keyed().args(["--bucket", MRAP, "a.txt", "b/c.txt"]).ok();
    let lines = urls(&out);
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with(&format!("https://{MRAP_HOST}/a.txt?")));
    assert!(lines[1].starts_with(&format!("https://{MRAP_HOST}/b/c.txt?")));
    for line in lines {
        verify(line, "GET", &[]).unwrap();
    }
}

// ---------------------------------------------------------------------------
// inspect

#[test]
fn inspect_names_the_kind_and_region_set_and_verifies_with_the_derived_key() {
    let url = mrap().args(["--expires-in", "600"]).ok();
    let url = url.trim_end();
    let out = keyed().args(["inspect", url, "--verify"]).output();
    let shown = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    for part in [
        "kind:           multi-region access point",
        "bucket:         mfzwi23gnjvgw.mrap",
        "signature:      SigV4A (AWS4-ECDSA-P256-SHA256), in the query",
        "scope:          20260102 / s3",
        "region set:     * (every region)",
        "lifetime:       600 s",
        "verification:   valid for GET",
    ] {
        assert!(shown.contains(part), "{part:?} in\n{shown}");
    }
    let doc: Value = serde_json::from_str(&text(
        &keyed()
            .args(["inspect", url, "--verify", "--format", "json"])
            .output()
            .stdout,
    ))
    .unwrap();
    assert_eq!(doc["signature_version"], "SigV4A");
    assert_eq!(doc["region_set"], "*");
    assert_eq!(doc["kind"], "multi-region access point");
    assert_eq!(doc["scope"]["service"], "s3");
    assert_eq!(doc["verification"]["valid"], true);

    // Another secret, another path or another method: invalid, status 1.
    let other = run()
        .env("AWS_ACCESS_KEY_ID", AK)
        .env("AWS_SECRET_ACCESS_KEY", "another-secret")
        .args(["inspect", url, "--verify"])
        .output();
    assert_eq!(other.status.code(), Some(1));
    assert!(text(&other.stdout).contains("verification:   INVALID for GET"));
    let moved = url.replacen("/key.txt", "/key.txu", 1);
    let out = keyed().args(["inspect", &moved, "--verify"]).output();
    assert_eq!(out.status.code(), Some(1));
    let put = keyed()
        .args(["inspect", url, "--verify", "--method", "PUT"])
        .output();
    assert_eq!(put.status.code(), Some(1));
    assert!(
        text(&put.stdout).contains("signed for GET, not PUT"),
        "{}",
        text(&put.stdout)
    );

    // Outposts: the kind and the s3-outposts scope; the recorded AWS CLI
    // URL verifies too.
    let recorded = fixture("sigv4a.json")["vectors"][2]["stdout"]
        .as_str()
        .unwrap()
        .trim_end()
        .to_owned();
    let out = keyed()
        .env("PRESIGN_NOW", "2026-01-02T03:30:00Z")
        .args(["inspect", &recorded, "--verify"])
        .output();
    let shown = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("kind:           S3 on Outposts access point"),
        "{shown}"
    );
    assert!(
        shown.contains("scope:          20260102 / s3-outposts"),
        "{shown}"
    );
}

#[test]
fn inspect_refuses_a_broken_sigv4a_url() {
    let url = mrap().ok();
    let url = url.trim_end();
    for (bad, says) in [
        (
            url.replace("%2Fs3%2Faws4_request", "%2Feu-west-1%2Fs3%2Faws4_request"),
            "KEY/DATE/SERVICE/aws4_request",
        ),
        (
            url.replace("&X-Amz-Region-Set=%2A", ""),
            "X-Amz-Region-Set is missing",
        ),
        (
            url.replace(
                "&X-Amz-Region-Set=%2A",
                "&X-Amz-Region-Set=%2A&X-Amz-Region-Set=%2A",
            ),
            "more than once",
        ),
        (format!("{url}zz"), "DER ECDSA signature"),
    ] {
        refused(says, keyed().args(["inspect", &bad]), 252, says);
    }
}

// ---------------------------------------------------------------------------
// The library

/// One key pair per run: the second and later SigV4A URLs reuse the first
/// URL's derived key pair, and the cached and general stages agree.
#[test]
fn the_key_pair_is_derived_once_and_reused() {
    use presign::{Credentials, EndpointConfig, Expiry, ObjectRequest, Presigner};
    let time = time::OffsetDateTime::from_unix_timestamp(1_767_323_045).unwrap();
    let mut presigner = Presigner::new(
        EndpointConfig::default(),
        Some(Credentials::new(AK, SECRET)),
        time,
    );
    assert!(presigner.v4a_key().is_none());
    presigner
        .presign(&ObjectRequest::get(MRAP, "a", Expiry::DEFAULT))
        .unwrap();
    let first: *const presign::internals::sign::v4a::KeyPair = presigner.v4a_key().unwrap();
    for key in ["b", "c", "d"] {
        let signed = presigner
            .presign(&ObjectRequest::get(MRAP, key, Expiry::DEFAULT))
            .unwrap();
        verify(&signed.url, "GET", &[]).unwrap();
    }
    assert!(std::ptr::eq(first, presigner.v4a_key().unwrap()));
}
