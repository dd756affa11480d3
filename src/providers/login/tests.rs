//! `aws login` session rules, each against the in-process server, with the
//! files, requests and answers AWS CLI v2 2.36.7 read, sent and got in the
//! recorded cases `login-valid`, `login-refresh` and
//! `interop-login-refresh-candidate-first`.

use std::sync::Arc;

use p256::ecdsa::VerifyingKey;
use p256::ecdsa::signature::Verifier;
use time::macros::datetime;

use super::*;
use crate::error::{EXIT_CONFIG, EXIT_OTHER, EXIT_SERVICE};
use crate::providers::testkit::{self, HOME, Script, header, with_context, written};
use crate::system::MapSystem;

const NOW: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);
const SESSION: &str = "arn:aws:iam::123456789012:user/alice";
const CONFIG: &str =
    "[profile me]\nregion = eu-west-3\nlogin_session = arn:aws:iam::123456789012:user/alice\n";
/// `sha256(SESSION)`: the file v2 read and wrote.
const TOKEN_FILE: &str =
    ".aws/login/cache/b7d71d383b9557a9bad4c3346c50365819226484c6824a0fdef66637be339db0.json";
const SIGNIN: &str = "http://127.0.0.1:9003";
/// The test key of the recorded cases (SEC1 PEM, as `aws login` writes it).
const PEM: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEICXQB7RwT0odOufWY8i4m5+IaUuDQAhAyMhJjX9rUDpgoAoGCCqGSM49\nAwEHoUQDQgAEcKJQBD4zdvNwSMjxqJTx17CPModHO68ePPxq3Um0XoqP0wtDQJqk\n66e+fX3OOM6w9gKlqehXF3SC18Sli4/5sg==\n-----END EC PRIVATE KEY-----\n";
/// CreateOAuth2Token as Sign-In answered v2 (`login-refresh`).
const ANSWER: &str = r#"{"accessToken": {"accessKeyId": "ASIASM3NV7RFZ76C4Y76", "secretAccessKey": "6DUVVVhd8lHd2yeB7Kghw55kSWSWsSQpPHxAje5v", "sessionToken": "IQoJb3JpZ2luX2Vjuv1PElhZUQszCa736pD4/5APVYQIfAXNPNp/AE8Wun66/U8SWFlRCzMJrvfqkPj/kA9VhAh8Bc082n8ATxa6frr9TxJYWVELMwmu9+qQ+P+QD1WECHwFzTzafwBPFrp+"}, "tokenType": "aws_sigv4", "expiresIn": 900, "refreshToken": "arfvfiUpwTVAO81k_cGNRXlQbj4CVpcXVTYnQUdnE9KU1M"}"#;

/// The token file of the recorded cases, with `expiresAt`.
fn token(expires_at: &str) -> String {
    token_with_key(expires_at, PEM)
}

fn token_with_key(expires_at: &str, pem: &str) -> String {
    let mut doc = Map::new();
    doc.insert(
        "accessToken".to_owned(),
        serde_json::json!({
            "accessKeyId": "ASIALOGIN00000000000",
            "secretAccessKey": "loginsecret/0000",
            "sessionToken": "login+session/token==",
            "accountId": "123456789012",
            "expiresAt": expires_at,
        }),
    );
    doc.insert("tokenType".to_owned(), Value::from("aws_sigv4"));
    doc.insert(
        "clientId".to_owned(),
        Value::from("arn:aws:signin:::devtools/same-device"),
    );
    doc.insert("refreshToken".to_owned(), Value::from("login-refresh-1"));
    doc.insert("idToken".to_owned(), Value::from("eyJ.eyJ.sig"));
    doc.insert("dpopKey".to_owned(), Value::from(pem));
    serde_json::to_string(&Value::Object(doc)).unwrap()
}

fn system(files: &[(&str, &str)], server: &Arc<Script>) -> MapSystem {
    testkit::system(files)
        .var("AWS_ENDPOINT_URL_SIGNIN", SIGNIN)
        .server(server.clone())
}

fn run_notes(sys: &MapSystem, profile: &str) -> (Result<Credentials>, Vec<String>) {
    with_context(sys, profile, NOW, |cx| {
        let section = cx.files.merged_profile(profile).unwrap_or_default();
        let session = section.text("login_session").unwrap_or_default().to_owned();
        credentials(cx, profile, &session)
    })
}

fn run(sys: &MapSystem) -> Result<Credentials> {
    run_notes(sys, "me").0
}

fn b64(part: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(part).unwrap()
}

/// Checks a DPoP JWT with the public key of [`PEM`] (read by p256's own
/// PEM parser) and returns its header and payload.
fn verify_dpop(jwt: &str) -> (Value, Value) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    for part in &parts {
        assert!(
            !part.contains('=') && !part.contains('+') && !part.contains('/'),
            "base64url without padding: {part}"
        );
    }
    let public = p256::SecretKey::from_sec1_pem(PEM).unwrap().public_key();
    let verifying = VerifyingKey::from(&public);
    let raw = b64(parts[2]);
    assert_eq!(raw.len(), 64, "raw r||s");
    let signature = Signature::from_slice(&raw).unwrap();
    verifying
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the DPoP signature verifies");
    let header: Value = serde_json::from_slice(&b64(parts[0])).unwrap();
    let payload: Value = serde_json::from_slice(&b64(parts[1])).unwrap();
    (header, payload)
}

#[test]
fn token_with_15_minutes_or_more_is_used_without_a_call() {
    // `login-valid`, and the edge of the window.
    for expires in ["2026-01-02T04:00:00Z", "2026-01-02T03:19:05Z"] {
        let server = Script::new();
        let t = token(expires);
        let sys = system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)], &server);
        let c = run(&sys).unwrap();
        assert_eq!(c.access_key_id, "ASIALOGIN00000000000");
        assert_eq!(c.secret_access_key.expose(), "loginsecret/0000");
        assert_eq!(c.session_token.unwrap().expose(), "login+session/token==");
        assert_eq!(c.expiration, timestamp::parse(expires));
        assert!(server.requests().is_empty());
        assert_eq!(written(&sys, TOKEN_FILE), None);
    }
}

#[test]
fn token_with_more_than_5_minutes_left_is_kept_as_it_is() {
    let server = Script::new();
    let t = token("2026-01-02T03:09:06Z");
    let sys = system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)], &server);
    assert_eq!(run(&sys).unwrap().access_key_id, "ASIALOGIN00000000000");
    assert!(server.requests().is_empty());
    // Exactly 5 minutes: refreshed.
    let server = Script::new();
    server.json(ANSWER);
    let t = token("2026-01-02T03:09:05Z");
    let sys = system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)], &server);
    assert_eq!(run(&sys).unwrap().access_key_id, "ASIASM3NV7RFZ76C4Y76");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn refresh_posts_to_v1_token_with_a_dpop_proof_and_writes_the_file_back_as_v2() {
    // `login-refresh`.
    let server = Script::new();
    server.json(ANSWER);
    let t = token("2026-01-02T02:50:00Z");
    let sys = system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)], &server);
    let c = run(&sys).unwrap();
    assert_eq!(c.access_key_id, "ASIASM3NV7RFZ76C4Y76");
    assert_eq!(
        c.secret_access_key.expose(),
        "6DUVVVhd8lHd2yeB7Kghw55kSWSWsSQpPHxAje5v"
    );
    assert_eq!(c.expiration, Some(datetime!(2026-01-02 03:19:05 UTC)));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.url, format!("{SIGNIN}/v1/token"));
    assert_eq!(header(r, "content-type"), Some("application/json"));
    assert_eq!(
        header(r, "authorization"),
        None,
        "CreateOAuth2Token is unsigned"
    );
    assert_eq!(
        String::from_utf8(r.body.clone()).unwrap(),
        r#"{"clientId": "arn:aws:signin:::devtools/same-device", "refreshToken": "login-refresh-1", "grantType": "refresh_token"}"#
    );
    // The file as v2 wrote it back: accessToken replaced (accountId kept,
    // expiresAt = now + 900 s), refreshToken replaced, the rest kept.
    assert_eq!(
        written(&sys, TOKEN_FILE).as_deref(),
        Some(concat!(
            r#"{"accessToken": {"accessKeyId": "ASIASM3NV7RFZ76C4Y76", "secretAccessKey": "6DUVVVhd8lHd2yeB7Kghw55kSWSWsSQpPHxAje5v", "sessionToken": "IQoJb3JpZ2luX2Vjuv1PElhZUQszCa736pD4/5APVYQIfAXNPNp/AE8Wun66/U8SWFlRCzMJrvfqkPj/kA9VhAh8Bc082n8ATxa6frr9TxJYWVELMwmu9+qQ+P+QD1WECHwFzTzafwBPFrp+", "accountId": "123456789012", "expiresAt": "2026-01-02T03:19:05Z"}, "#,
            r#""tokenType": "aws_sigv4", "clientId": "arn:aws:signin:::devtools/same-device", "refreshToken": "arfvfiUpwTVAO81k_cGNRXlQbj4CVpcXVTYnQUdnE9KU1M", "idToken": "eyJ.eyJ.sig", "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEICXQB7RwT0odOufWY8i4m5+IaUuDQAhAyMhJjX9rUDpgoAoGCCqGSM49\nAwEHoUQDQgAEcKJQBD4zdvNwSMjxqJTx17CPModHO68ePPxq3Um0XoqP0wtDQJqk\n66e+fX3OOM6w9gKlqehXF3SC18Sli4/5sg==\n-----END EC PRIVATE KEY-----\n"}"#
        ))
    );
}

#[test]
fn dpop_proof_is_an_es256_jwt_over_the_request_signed_with_the_files_key() {
    // The verifier accepts the proof v2 sent in `login-refresh`...
    let recorded = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6ImNLSlFCRDR6ZHZOd1NNanhxSlR4MTdDUE1vZEhPNjhlUFB4cTNVbTBYb28iLCJ5IjoiajlNTFEwQ2FwT3Vudm4xOXpqak9zUFlDcGFub1Z4ZDBndGZFcFl1UC1iSSIsImNydiI6IlAtMjU2In19.eyJodG0iOiJQT1NUIiwiaHR1IjoiaHR0cDovLzEyNy4wLjAuMTozODYxNy92MS90b2tlbiIsImlhdCI6MTc2NzMyMzA0NSwianRpIjoiOGM0MWE4NTgtZGUwMy00Zjc5LWFhYTItMzNmNzlmMzVkZWI0In0.cXu5i8hF9l7kH9VX9BuvWUBF-25h7lLc7MKRN_eecqXMY-ih1rW-nKYr20lkgBza_q6LI4JNrHbCW4YKlrl0CA";
    let (v2_header, _) = verify_dpop(recorded);
    // ...and presign's.
    let server = Script::new();
    server.json(ANSWER);
    let t = token("2026-01-02T02:50:00Z");
    let sys = system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)], &server);
    run(&sys).unwrap();
    let jwt = header(&server.requests()[0], "dpop").unwrap().to_owned();
    let (header_json, payload) = verify_dpop(&jwt);
    assert_eq!(header_json, v2_header);
    assert_eq!(
        String::from_utf8(b64(jwt.split('.').next().unwrap())).unwrap(),
        r#"{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","x":"cKJQBD4zdvNwSMjxqJTx17CPModHO68ePPxq3Um0Xoo","y":"j9MLQ0CapOunvn19zjjOsPYCpanoVxd0gtfEpYuP-bI","crv":"P-256"}}"#,
        "compact JSON in botocore's key order, the key's public point"
    );
    let keys: Vec<&String> = payload.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["htm", "htu", "iat", "jti"]);
    assert_eq!(payload["htm"], "POST");
    assert_eq!(payload["htu"], format!("{SIGNIN}/v1/token"));
    assert_eq!(payload["iat"], 1767323045);
    let jti = payload["jti"].as_str().unwrap();
    let groups: Vec<usize> = jti.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{jti}");
    assert_eq!(&jti[14..15], "4", "version 4: {jti}");
    assert!("89ab".contains(&jti[19..20]), "RFC 4122 variant: {jti}");
}

fn denied(error: &str) -> Error {
    let server = Script::new();
    server.reply(
        401,
        &[("x-amzn-ErrorType", "AccessDeniedException")],
        &format!(r#"{{"error": "{error}", "message": "stub denied"}}"#),
    );
    let t = token("2026-01-02T02:50:00Z");
    let sys = system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)], &server);
    let err = run(&sys).unwrap_err();
    assert_eq!(server.requests().len(), 1);
    assert_eq!(written(&sys, TOKEN_FILE), None);
    assert_eq!(err.exit_code(), EXIT_OTHER, "{err}");
    err
}

#[test]
fn refresh_denials_are_v2s_login_errors() {
    let cases = [
        ("TOKEN_EXPIRED", "your aws login session has expired"),
        (
            "USER_CREDENTIALS_CHANGED",
            "because of a change in your password",
        ),
        (
            "INSUFFICIENT_PERMISSIONS",
            "missing permission for the 'signin:CreateOAuth2Token' action",
        ),
        ("AUTHCODE_EXPIRED", "an unspecified error happened"),
    ];
    for (error, says) in cases {
        let text = denied(error).to_string();
        assert!(
            text.contains(says) && text.contains("aws login --profile me"),
            "{error}: {text}"
        );
    }
}

#[test]
fn other_refresh_errors_are_service_errors() {
    let server = Script::new();
    server.reply(
        400,
        &[("x-amzn-ErrorType", "ValidationException")],
        r#"{"message": "bad grant"}"#,
    );
    let t = token("2026-01-02T02:50:00Z");
    let sys = system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)], &server);
    let err = run(&sys).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_SERVICE);
    assert!(
        err.to_string()
            .contains("CreateOAuth2Token call: ValidationException: bad grant"),
        "{err}"
    );
    let server = Script::new();
    for _ in 0..3 {
        server.reply(500, &[], "");
    }
    let sys = system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)], &server);
    let err = run(&sys).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_SERVICE);
    assert!(err.to_string().contains("(after 3 attempts)"), "{err}");
    assert_eq!(server.requests().len(), 3);
    assert_eq!(written(&sys, TOKEN_FILE), None);
}

#[test]
fn refresh_that_gets_no_answer_or_a_malformed_one_is_exit_255() {
    let t = token("2026-01-02T02:50:00Z");
    let server = Script::new();
    let sys = system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)], &server);
    let err = run(&sys).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    assert!(err.to_string().contains("could not connect"), "{err}");
    assert_eq!(server.requests().len(), 3);
    for body in [
        "not json",
        "{}",
        r#"{"accessToken": {"accessKeyId": "A"}, "expiresIn": 900, "refreshToken": "r"}"#,
        r#"{"accessToken": {"accessKeyId": "A", "secretAccessKey": "s", "sessionToken": "t"}, "expiresIn": 900}"#,
    ] {
        let server = Script::new();
        server.json(body);
        let sys = system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)], &server);
        let err = run(&sys).unwrap_err();
        assert_eq!(err.exit_code(), EXIT_OTHER, "{body}");
        assert!(err.to_string().contains("CreateOAuth2Token"), "{err}");
        assert_eq!(written(&sys, TOKEN_FILE), None);
    }
}

#[test]
fn refreshed_credentials_that_are_already_expired_are_refused() {
    let server = Script::new();
    server.json(&ANSWER.replace("\"expiresIn\": 900", "\"expiresIn\": 0"));
    let t = token("2026-01-02T02:50:00Z");
    let sys = system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)], &server);
    let err = run(&sys).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    assert!(err.to_string().contains("still expired"), "{err}");
    // The spent refresh token was replaced on disk all the same.
    assert!(
        written(&sys, TOKEN_FILE)
            .unwrap()
            .contains("arfvfiUpwTVAO81k_cGNRXlQbj4CVpcXVTYnQUdnE9KU1M")
    );
}

#[test]
fn refresh_without_a_region_is_no_region_253() {
    let server = Script::new();
    let t = token("2026-01-02T02:50:00Z");
    let config = "[profile me]\nlogin_session = arn:aws:iam::123456789012:user/alice\n";
    let sys = system(&[(".aws/config", config), (TOKEN_FILE, &t)], &server);
    let err = run(&sys).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_CONFIG);
    assert!(
        err.to_string().contains("you must specify a region"),
        "{err}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn default_endpoint_is_the_regions_sign_in_host() {
    let t = token("2026-01-02T02:50:00Z");
    let cases = [
        (
            "eu-west-3",
            "https://eu-west-3.signin.aws.amazon.com/v1/token",
        ),
        (
            "cn-north-1",
            "https://cn-north-1.signin.amazonaws.cn/v1/token",
        ),
        (
            "us-gov-east-1",
            "https://us-gov-east-1.signin.amazonaws-us-gov.com/v1/token",
        ),
    ];
    for (region, url) in cases {
        let server = Script::new();
        server.json(ANSWER);
        // The session's region: AWS_REGION before the profile's.
        let sys = testkit::system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)])
            .var("AWS_REGION", region)
            .server(server.clone());
        run(&sys).unwrap();
        let r = &server.requests()[0];
        assert_eq!(r.url, url);
        let (_, payload) = verify_dpop(header(r, "dpop").unwrap());
        assert_eq!(payload["htu"], url, "htu is the URL sent to");
    }
    // `[services]` key `signin`.
    let server = Script::new();
    server.json(ANSWER);
    let config = format!(
        "{CONFIG}services = loop\n[services loop]\nsignin =\n  endpoint_url = http://127.0.0.1:7003\n"
    );
    let sys = testkit::system(&[(".aws/config", &config), (TOKEN_FILE, &t)]).server(server.clone());
    run(&sys).unwrap();
    assert_eq!(server.requests()[0].url, "http://127.0.0.1:7003/v1/token");
}

#[test]
fn cache_directory_is_aws_login_cache_directory_with_vars_and_tilde_expanded() {
    let server = Script::new();
    let t = token("2026-01-02T04:00:00Z");
    let name = TOKEN_FILE.rsplit('/').next().unwrap();
    assert_eq!(
        name,
        format!("{}.json", hex::encode(Sha256::digest(SESSION)))
    );
    let sys = testkit::system(&[(".aws/config", CONFIG)])
        .var("AWS_LOGIN_CACHE_DIRECTORY", "~/$SUB/login")
        .var("SUB", "elsewhere")
        .file(format!("{HOME}/elsewhere/login/{name}"), &t)
        .server(server.clone());
    assert_eq!(run(&sys).unwrap().access_key_id, "ASIALOGIN00000000000");
    // The default folder is not looked at then.
    let sys = testkit::system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)])
        .var("AWS_LOGIN_CACHE_DIRECTORY", "/nowhere")
        .server(server.clone());
    let err = run(&sys).unwrap_err();
    assert!(
        err.to_string().contains(&format!("/nowhere/{name}")),
        "{err}"
    );
}

#[test]
fn token_file_missing_corrupt_or_incomplete_names_the_file_and_the_fix() {
    let path = format!("{HOME}/{TOKEN_FILE}");
    let without = |key: &str| {
        let mut doc: Map<String, Value> =
            serde_json::from_str(&token("2026-01-02T04:00:00Z")).unwrap();
        doc.remove(key);
        serde_json::to_string(&doc).unwrap()
    };
    let no_account = token("2026-01-02T04:00:00Z").replace(r#""accountId":"123456789012","#, "");
    assert!(!no_account.contains("accountId"));
    let naive = token("2026-01-02T04:00:00");
    let cases: Vec<(Option<String>, &str)> = vec![
        (
            None,
            "unable to load an existing login session for session arn:aws:iam::123456789012:user/alice",
        ),
        (Some("[]".to_owned()), "is corrupt: not a JSON object"),
        (
            Some(without("dpopKey")),
            "missing one or more of accessToken, refreshToken, dpopKey, clientId",
        ),
        (Some(without("clientId")), "missing one or more of"),
        (Some(no_account), "missing accessToken.accountId"),
        (
            Some(naive),
            "\"accessToken.expiresAt\" is not a time with a zone",
        ),
    ];
    for (content, says) in cases {
        let server = Script::new();
        let mut files = vec![(".aws/config", CONFIG.to_owned())];
        if let Some(c) = content {
            files.push((TOKEN_FILE, c));
        }
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let sys = system(&files, &server);
        let err = run(&sys).unwrap_err();
        assert_eq!(err.exit_code(), EXIT_OTHER);
        let text = err.to_string();
        assert!(
            text.contains(says) && text.contains(&path) && text.contains("aws login --profile me"),
            "{text}"
        );
        assert!(server.requests().is_empty());
    }
}

#[test]
fn unusable_dpop_key_fails_only_inside_the_mandatory_window() {
    let bad = "-----BEGIN EC PRIVATE KEY-----\nbm90IGEga2V5\n-----END EC PRIVATE KEY-----\n";
    // 12 minutes left: botocore's advisory refresh fails quietly.
    let server = Script::new();
    let t = token_with_key("2026-01-02T03:16:05Z", bad);
    let sys = system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)], &server);
    let (result, notes) = run_notes(&sys, "me");
    assert_eq!(result.unwrap().access_key_id, "ASIALOGIN00000000000");
    assert!(notes.iter().any(|n| n.contains("advisory")), "{notes:?}");
    // 8 minutes left: the error stands, before any call.
    let t = token_with_key("2026-01-02T03:12:05Z", bad);
    let sys = system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)], &server);
    let err = run(&sys).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    assert!(
        err.to_string()
            .contains("unable to load private key from cached token"),
        "{err}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn no_secret_appears_in_errors_notes_or_debug_output() {
    const SECRETS: [&str; 6] = [
        "SECRET-LOGIN-KEY",
        "SECRET-LOGIN-SESSION",
        "SECRET-LOGIN-REFRESH",
        "SECRET-NEW-KEY",
        "SECRET-NEW-SESSION",
        "SECRET-NEW-REFRESH",
    ];
    let t = token("2026-01-02T02:50:00Z")
        .replace("loginsecret/0000", "SECRET-LOGIN-KEY")
        .replace("login+session/token==", "SECRET-LOGIN-SESSION")
        .replace("login-refresh-1", "SECRET-LOGIN-REFRESH");
    let answer = ANSWER
        .replace("6DUVVVhd8lHd2yeB7Kghw55kSWSWsSQpPHxAje5v", "SECRET-NEW-KEY")
        .replace(
            "IQoJb3JpZ2luX2Vjuv1PElhZUQszCa736pD4/5APVYQIfAXNPNp/AE8Wun66/U8SWFlRCzMJrvfqkPj/kA9VhAh8Bc082n8ATxa6frr9TxJYWVELMwmu9+qQ+P+QD1WECHwFzTzafwBPFrp+",
            "SECRET-NEW-SESSION",
        )
        .replace("arfvfiUpwTVAO81k_cGNRXlQbj4CVpcXVTYnQUdnE9KU1M", "SECRET-NEW-REFRESH");
    let check = |shown: &str| {
        for secret in SECRETS {
            assert!(!shown.contains(secret), "shows {secret}: {shown}");
        }
        assert!(
            !shown.contains("MHcCAQEE"),
            "shows the private key: {shown}"
        );
    };
    let failures: [&dyn Fn(&Script); 5] = [
        &|s| {
            s.reply(
                401,
                &[("x-amzn-ErrorType", "AccessDeniedException")],
                r#"{"error": "TOKEN_EXPIRED"}"#,
            );
        },
        &|s| {
            s.reply(400, &[("x-amzn-ErrorType", "ValidationException")], "{}");
        },
        &|_| {},
        &|s| {
            s.json("not json");
        },
        &|s| {
            s.json(r#"{"accessToken": {"accessKeyId": "A", "secretAccessKey": "SECRET-NEW-KEY", "sessionToken": "SECRET-NEW-SESSION"}, "expiresIn": 0, "refreshToken": "SECRET-NEW-REFRESH"}"#);
        },
    ];
    for setup in failures {
        let server = Script::new();
        setup(&server);
        let sys = system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)], &server);
        let (result, notes) = run_notes(&sys, "me");
        let err = result.unwrap_err();
        check(&format!("{err} {err:?} {}", notes.join("\n")));
    }
    let server = Script::new();
    server.json(&answer);
    let sys = system(&[(".aws/config", CONFIG), (TOKEN_FILE, &t)], &server);
    let (result, notes) = run_notes(&sys, "me");
    let shown = format!("{:?} {}", result.unwrap(), notes.join("\n"));
    assert!(shown.contains("refreshed"), "{shown}");
    check(&shown);
}
