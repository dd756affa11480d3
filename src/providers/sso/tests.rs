//! IAM Identity Center rules, each against the in-process server, with the
//! files, requests and answers AWS CLI v2 2.36.7 read, sent and got in the
//! recorded cases `sso-session`, `sso-legacy`, `sso-session-refresh`,
//! `sso-session-expired-no-refresh-token`, `sso-legacy-expired`,
//! `sso-role-cache-valid` and `interop-sso-v2-first`.

use std::sync::Arc;

use time::macros::datetime;

use super::*;
use crate::error::{EXIT_OTHER, EXIT_SERVICE, EXIT_USAGE};
use crate::providers::testkit::{self, Script, header, with_context, written};
use crate::system::MapSystem;

const NOW: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);

const SESSION_CONFIG: &str = "[profile sso]\nregion = eu-west-1\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n[sso-session corp]\nsso_start_url = https://d-9067642ac7.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n";
const LEGACY_CONFIG: &str = "[profile legacy]\nregion = us-east-2\nsso_start_url = https://d-9067642ac7.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 444455556666\nsso_role_name = PowerUser\n";

/// `sha1("corp")` and `sha1(start URL)`: the token files v2 read.
const SESSION_TOKEN: &str = ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json";
const LEGACY_TOKEN: &str = ".aws/sso/cache/9e104e67bc03709422c341f8e7b917448969b3a1.json";
/// The role-credential cache files v2 wrote for the two profiles.
const SESSION_ROLE_CACHE: &str = ".aws/cli/cache/ef7c0373a8420e194e9d028ad5acc50a222b4714.json";
const LEGACY_ROLE_CACHE: &str = ".aws/cli/cache/16224c73bf4c910a40fe93bb4197f378b3990b81.json";

const SSO: &str = "http://127.0.0.1:9001";
const OIDC: &str = "http://127.0.0.1:9002";

/// GetRoleCredentials as the portal answered v2 (`sso-session`).
const ROLE_ANSWER: &str = r#"{"roleCredentials": {"accessKeyId": "ASIA3IGNAMR7GUFZXRI3", "secretAccessKey": "19jcYzYY4rtMY0WC7QkVKXwq7iJ4PMavGmAIIQm7", "sessionToken": "IQoJb3JpZ2luX2VjERo6pH1l0YmlwXAP9fabRV+h8Zlvn6xrbvyZOaZAeTgRGjqkfWXRiaXBcA/19ptFX6HxmW+frGtu/Jk5pkB5OBEaOqR9ZdGJpcFwD/X2m0VfofGZb5+sa278mTmmQHk4", "expiration": 1767326645000}}"#;
/// The cache file v2 wrote for that answer, byte for byte
/// (`interop-sso-v2-first`).
const ROLE_CACHE_TEXT: &str = r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIA3IGNAMR7GUFZXRI3", "SecretAccessKey": "19jcYzYY4rtMY0WC7QkVKXwq7iJ4PMavGmAIIQm7", "SessionToken": "IQoJb3JpZ2luX2VjERo6pH1l0YmlwXAP9fabRV+h8Zlvn6xrbvyZOaZAeTgRGjqkfWXRiaXBcA/19ptFX6HxmW+frGtu/Jk5pkB5OBEaOqR9ZdGJpcFwD/X2m0VfofGZb5+sa278mTmmQHk4", "Expiration": "2026-01-02T04:04:05Z", "AccountId": "111122223333"}}"#;
/// CreateToken as SSO-OIDC answered v2 (`sso-session-refresh`).
const CREATE_TOKEN_ANSWER: &str = r#"{"accessToken": "aoa5bXD_J4hQ3wCFpVXJhUwy_pXW60BU_al7trxz3NLYqc", "tokenType": "Bearer", "expiresIn": 28800, "refreshToken": "aorOUEACENp75Sy1IFHKHyopQblM36-HCrmjDSN3ZvvXak"}"#;

fn plain_token(access: &str, expires_at: &str) -> String {
    format!(
        r#"{{"startUrl": "https://d-9067642ac7.awsapps.com/start", "region": "eu-west-1", "accessToken": "{access}", "expiresAt": "{expires_at}"}}"#
    )
}

/// A token `aws sso login` wrote for an sso-session: refreshable.
fn refreshable_token(expires_at: &str, registration_expires_at: &str) -> String {
    format!(
        r#"{{"startUrl": "https://d-9067642ac7.awsapps.com/start", "region": "eu-west-1", "accessToken": "sso-access-old", "expiresAt": "{expires_at}", "clientId": "oidc-client-id-1", "clientSecret": "oidc-client-secret-1", "registrationExpiresAt": "{registration_expires_at}", "refreshToken": "refresh-1"}}"#
    )
}

/// A system with the endpoints overridden to the in-process server.
fn system(files: &[(&str, &str)], server: &Arc<Script>) -> MapSystem {
    testkit::system(files)
        .var("AWS_ENDPOINT_URL_SSO", SSO)
        .var("AWS_ENDPOINT_URL_SSO_OIDC", OIDC)
        .server(server.clone())
}

fn run_as(sys: &MapSystem, profile: &str, top_level: bool) -> (Result<Credentials>, Vec<String>) {
    with_context(sys, profile, NOW, |cx| {
        let section = cx.files.merged_profile(profile).unwrap_or_default();
        credentials(cx, profile, &section, top_level)
    })
}

fn run(sys: &MapSystem, profile: &str) -> Result<Credentials> {
    run_as(sys, profile, true).0
}

fn role_url(role: &str, account: &str) -> String {
    format!("{SSO}/federation/credentials?role_name={role}&account_id={account}")
}

#[test]
fn sso_session_profile_gets_role_credentials_with_the_token_and_caches_them_as_v2() {
    let server = Script::new();
    server.json(ROLE_ANSWER);
    let token = plain_token("sso-access-valid", "2026-01-02T11:00:00Z");
    let sys = system(
        &[(".aws/config", SESSION_CONFIG), (SESSION_TOKEN, &token)],
        &server,
    );
    let c = run(&sys, "sso").unwrap();
    assert_eq!(c.access_key_id, "ASIA3IGNAMR7GUFZXRI3");
    assert_eq!(
        c.secret_access_key.expose(),
        "19jcYzYY4rtMY0WC7QkVKXwq7iJ4PMavGmAIIQm7"
    );
    assert!(
        c.session_token
            .as_ref()
            .unwrap()
            .expose()
            .starts_with("IQoJb3JpZ2luX2VjERo6")
    );
    assert_eq!(c.expiration, Some(datetime!(2026-01-02 04:04:05 UTC)));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.url, role_url("ReadOnly", "111122223333"));
    assert_eq!(
        header(r, "x-amz-sso_bearer_token"),
        Some("sso-access-valid")
    );
    assert_eq!(
        header(r, "authorization"),
        None,
        "GetRoleCredentials is unsigned"
    );
    assert_eq!(header(r, "content-type"), None);
    assert!(r.body.is_empty());
    assert_eq!(
        written(&sys, SESSION_ROLE_CACHE).as_deref(),
        Some(ROLE_CACHE_TEXT)
    );
    assert_eq!(
        written(&sys, SESSION_TOKEN),
        None,
        "a valid token is not rewritten"
    );
}

#[test]
fn legacy_profile_reads_the_token_and_keys_the_cache_by_start_url() {
    let server = Script::new();
    server.json(r#"{"roleCredentials": {"accessKeyId": "ASIA7GYRYLW2XA6PO3E6", "secretAccessKey": "TedRn8flxkvQnzpXuPGzirURy13GDf8W8acYXGi3", "sessionToken": "IQoJb3JpZ2luX2Vjh2eX", "expiration": 1767326645999}}"#);
    let token = plain_token("sso-access-valid", "2026-01-02T11:00:00Z");
    let sys = system(
        &[(".aws/config", LEGACY_CONFIG), (LEGACY_TOKEN, &token)],
        &server,
    );
    let c = run(&sys, "legacy").unwrap();
    assert_eq!(c.access_key_id, "ASIA7GYRYLW2XA6PO3E6");
    let r = &server.requests()[0];
    assert_eq!(r.url, role_url("PowerUser", "444455556666"));
    // Milliseconds are dropped, as v2 drops them.
    assert_eq!(
        written(&sys, LEGACY_ROLE_CACHE).as_deref(),
        Some(
            r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIA7GYRYLW2XA6PO3E6", "SecretAccessKey": "TedRn8flxkvQnzpXuPGzirURy13GDf8W8acYXGi3", "SessionToken": "IQoJb3JpZ2luX2Vjh2eX", "Expiration": "2026-01-02T04:04:05Z", "AccountId": "444455556666"}}"#
        )
    );
}

#[test]
fn legacy_token_is_used_until_expires_at_and_never_refreshed() {
    // 60 s left: used (E12).
    let server = Script::new();
    server.json(ROLE_ANSWER);
    let token = plain_token("legacy-token-60s", "2026-01-02T03:05:05Z");
    let sys = system(
        &[(".aws/config", LEGACY_CONFIG), (LEGACY_TOKEN, &token)],
        &server,
    );
    run(&sys, "legacy").unwrap();
    assert_eq!(
        header(&server.requests()[0], "x-amz-sso_bearer_token"),
        Some("legacy-token-60s")
    );
    // Expired, or expiring now, even with everything a refresh needs: the
    // expired-session error before any call (`sso-legacy-expired`).
    for expires in ["2026-01-02T02:00:00Z", "2026-01-02T03:04:05Z"] {
        let server = Script::new();
        let token = refreshable_token(expires, "2026-03-01T00:00:00Z");
        let sys = system(
            &[(".aws/config", LEGACY_CONFIG), (LEGACY_TOKEN, &token)],
            &server,
        );
        let err = run(&sys, "legacy").unwrap_err();
        assert_eq!(err.exit_code(), EXIT_OTHER);
        let text = err.to_string();
        assert!(
            text.contains(
                "SSO session associated with profile legacy has expired or is otherwise invalid"
            ) && text.contains("aws sso login --profile legacy"),
            "{text}"
        );
        assert!(server.requests().is_empty());
        assert_eq!(written(&sys, LEGACY_TOKEN), None);
    }
}

#[test]
fn role_cache_with_15_minutes_left_is_used_without_reading_the_token() {
    // `sso-role-cache-valid`, and E13 sso4: no token file at all.
    let cached = |expiration: &str| {
        format!(
            r#"{{"ProviderType": "sso", "Credentials": {{"AccessKeyId": "ASIACACHEDSSO0000000", "SecretAccessKey": "ssocached", "SessionToken": "sso/cached+token", "Expiration": "{expiration}", "AccountId": "111122223333"}}}}"#
        )
    };
    for expiration in ["2026-01-02T04:00:00Z", "2026-01-02T03:19:05Z"] {
        let server = Script::new();
        let entry = cached(expiration);
        let sys = system(
            &[
                (".aws/config", SESSION_CONFIG),
                (SESSION_ROLE_CACHE, &entry),
            ],
            &server,
        );
        let c = run(&sys, "sso").unwrap();
        assert_eq!(c.access_key_id, "ASIACACHEDSSO0000000");
        assert_eq!(c.session_token.unwrap().expose(), "sso/cached+token");
        assert!(server.requests().is_empty());
    }
    // 14:59 left: renewed, which needs the token.
    let server = Script::new();
    server.json(ROLE_ANSWER);
    let entry = cached("2026-01-02T03:19:04Z");
    let token = plain_token("sso-access-valid", "2026-01-02T11:00:00Z");
    let sys = system(
        &[
            (".aws/config", SESSION_CONFIG),
            (SESSION_ROLE_CACHE, &entry),
            (SESSION_TOKEN, &token),
        ],
        &server,
    );
    assert_eq!(
        run(&sys, "sso").unwrap().access_key_id,
        "ASIA3IGNAMR7GUFZXRI3"
    );
    assert_eq!(server.requests().len(), 1);
    assert_eq!(
        written(&sys, SESSION_ROLE_CACHE).as_deref(),
        Some(ROLE_CACHE_TEXT)
    );
}

#[test]
fn sso_as_a_source_profile_neither_reads_nor_writes_the_role_cache() {
    let server = Script::new();
    server.json(ROLE_ANSWER);
    let entry = r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIACACHEDSSO0000000", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2026-01-02T09:00:00Z"}}"#;
    let token = plain_token("sso-access-valid", "2026-01-02T11:00:00Z");
    let sys = system(
        &[
            (".aws/config", SESSION_CONFIG),
            (SESSION_ROLE_CACHE, entry),
            (SESSION_TOKEN, &token),
        ],
        &server,
    );
    let (c, _) = run_as(&sys, "sso", false);
    assert_eq!(c.unwrap().access_key_id, "ASIA3IGNAMR7GUFZXRI3");
    assert_eq!(server.requests().len(), 1);
    assert_eq!(written(&sys, SESSION_ROLE_CACHE), None);
}

#[test]
fn session_token_with_less_than_15_minutes_is_refreshed_and_written_back_as_v2() {
    // `sso-session-refresh`: expired an hour ago, registration valid.
    let server = Script::new();
    server.json(CREATE_TOKEN_ANSWER).json(ROLE_ANSWER);
    let token = refreshable_token("2026-01-02T02:00:00Z", "2026-03-01T00:00:00Z");
    let sys = system(
        &[(".aws/config", SESSION_CONFIG), (SESSION_TOKEN, &token)],
        &server,
    );
    assert_eq!(
        run(&sys, "sso").unwrap().access_key_id,
        "ASIA3IGNAMR7GUFZXRI3"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let create = &requests[0];
    assert_eq!(create.method, "POST");
    assert_eq!(create.url, format!("{OIDC}/token"));
    assert_eq!(header(create, "content-type"), Some("application/json"));
    assert_eq!(
        header(create, "authorization"),
        None,
        "CreateToken is unsigned"
    );
    assert_eq!(
        String::from_utf8(create.body.clone()).unwrap(),
        r#"{"grantType": "refresh_token", "clientId": "oidc-client-id-1", "clientSecret": "oidc-client-secret-1", "refreshToken": "refresh-1"}"#
    );
    assert_eq!(
        header(&requests[1], "x-amz-sso_bearer_token"),
        Some("aoa5bXD_J4hQ3wCFpVXJhUwy_pXW60BU_al7trxz3NLYqc")
    );
    // The file v2 wrote back: 8 fields, expiresAt = now + 28800 s.
    assert_eq!(
        written(&sys, SESSION_TOKEN).as_deref(),
        Some(
            r#"{"startUrl": "https://d-9067642ac7.awsapps.com/start", "region": "eu-west-1", "accessToken": "aoa5bXD_J4hQ3wCFpVXJhUwy_pXW60BU_al7trxz3NLYqc", "expiresAt": "2026-01-02T11:04:05Z", "clientId": "oidc-client-id-1", "clientSecret": "oidc-client-secret-1", "registrationExpiresAt": "2026-03-01T00:00:00Z", "refreshToken": "aorOUEACENp75Sy1IFHKHyopQblM36-HCrmjDSN3ZvvXak"}"#
        )
    );
    assert_eq!(
        written(&sys, SESSION_ROLE_CACHE).as_deref(),
        Some(ROLE_CACHE_TEXT)
    );
}

#[test]
fn refreshed_token_keeps_no_refresh_token_the_service_did_not_return_and_drops_other_fields() {
    let server = Script::new();
    server
        .json(r#"{"accessToken": "new-access", "expiresIn": 3600}"#)
        .json(ROLE_ANSWER);
    let token = r#"{"startUrl": "https://stale.example/start", "region": "eu-west-1", "accessToken": "old", "expiresAt": "2026-01-02T03:10:00Z", "clientId": "cid", "clientSecret": "csecret", "registrationExpiresAt": "2026-03-01T00:00:00Z", "refreshToken": "old-refresh", "extra": 1}"#;
    let sys = system(
        &[(".aws/config", SESSION_CONFIG), (SESSION_TOKEN, token)],
        &server,
    );
    run(&sys, "sso").unwrap();
    assert_eq!(
        written(&sys, SESSION_TOKEN).as_deref(),
        Some(
            r#"{"startUrl": "https://d-9067642ac7.awsapps.com/start", "region": "eu-west-1", "accessToken": "new-access", "expiresAt": "2026-01-02T04:04:05Z", "clientId": "cid", "clientSecret": "csecret", "registrationExpiresAt": "2026-03-01T00:00:00Z"}"#
        )
    );
}

#[test]
fn session_token_with_15_minutes_or_more_is_not_refreshed() {
    let server = Script::new();
    server.json(ROLE_ANSWER);
    let token = refreshable_token("2026-01-02T03:19:05Z", "2026-03-01T00:00:00Z");
    let sys = system(
        &[(".aws/config", SESSION_CONFIG), (SESSION_TOKEN, &token)],
        &server,
    );
    run(&sys, "sso").unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        header(&requests[0], "x-amz-sso_bearer_token"),
        Some("sso-access-old")
    );
    // One second less: refreshed.
    let server = Script::new();
    server.json(CREATE_TOKEN_ANSWER).json(ROLE_ANSWER);
    let token = refreshable_token("2026-01-02T03:19:04Z", "2026-03-01T00:00:00Z");
    let sys = system(
        &[(".aws/config", SESSION_CONFIG), (SESSION_TOKEN, &token)],
        &server,
    );
    run(&sys, "sso").unwrap();
    assert_eq!(server.requests()[0].url, format!("{OIDC}/token"));
}

#[test]
fn refresh_is_not_tried_without_its_fields_or_with_an_expired_registration() {
    let incomplete = r#"{"startUrl": "https://d-9067642ac7.awsapps.com/start", "region": "eu-west-1", "accessToken": "still-10-min", "expiresAt": "2026-01-02T03:14:05Z", "clientId": "cid", "registrationExpiresAt": "2026-03-01T00:00:00Z", "refreshToken": "r"}"#;
    let expired_registration = r#"{"startUrl": "https://d-9067642ac7.awsapps.com/start", "region": "eu-west-1", "accessToken": "still-10-min", "expiresAt": "2026-01-02T03:14:05Z", "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": "2026-01-02T03:04:05Z", "refreshToken": "r"}"#;
    for token in [incomplete, expired_registration] {
        let server = Script::new();
        server.json(ROLE_ANSWER);
        let sys = system(
            &[(".aws/config", SESSION_CONFIG), (SESSION_TOKEN, token)],
            &server,
        );
        run(&sys, "sso").unwrap();
        let requests = server.requests();
        assert_eq!(requests.len(), 1, "no CreateToken call");
        assert_eq!(
            header(&requests[0], "x-amz-sso_bearer_token"),
            Some("still-10-min")
        );
        assert_eq!(written(&sys, SESSION_TOKEN), None);
    }
    // `sso-session-expired-no-refresh-token`: expired and not refreshable.
    let server = Script::new();
    let token = plain_token("sso-access-old", "2026-01-02T02:00:00Z");
    let sys = system(
        &[(".aws/config", SESSION_CONFIG), (SESSION_TOKEN, &token)],
        &server,
    );
    let err = run(&sys, "sso").unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    let text = err.to_string();
    assert!(
        text.contains("token has expired and refresh failed")
            && text.contains("aws sso login --profile sso"),
        "{text}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn refresh_the_service_refuses_keeps_an_unexpired_token_and_fails_an_expired_one() {
    let refused = |s: &Script| {
        s.reply(
            400,
            &[("x-amzn-ErrorType", "InvalidGrantException:http://internal")],
            r#"{"error": "invalid_grant", "error_description": "stub refused"}"#,
        );
    };
    // 10 minutes left + 400: success with the old token (E13).
    let server = Script::new();
    refused(&server);
    server.json(ROLE_ANSWER);
    let token = refreshable_token("2026-01-02T03:14:05Z", "2026-03-01T00:00:00Z");
    let sys = system(
        &[(".aws/config", SESSION_CONFIG), (SESSION_TOKEN, &token)],
        &server,
    );
    run(&sys, "sso").unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        header(&requests[1], "x-amz-sso_bearer_token"),
        Some("sso-access-old")
    );
    assert_eq!(written(&sys, SESSION_TOKEN), None);
    // Expired + 400: exit 255, no GetRoleCredentials.
    let server = Script::new();
    refused(&server);
    let token = refreshable_token("2026-01-02T02:00:00Z", "2026-03-01T00:00:00Z");
    let sys = system(
        &[(".aws/config", SESSION_CONFIG), (SESSION_TOKEN, &token)],
        &server,
    );
    let err = run(&sys, "sso").unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    assert!(err.to_string().contains("refresh failed"), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn refresh_answered_5xx_is_retried_then_counts_as_refused() {
    let server = Script::new();
    for _ in 0..3 {
        server.reply(500, &[], "{}");
    }
    server.json(ROLE_ANSWER);
    let token = refreshable_token("2026-01-02T03:14:05Z", "2026-03-01T00:00:00Z");
    let sys = system(
        &[(".aws/config", SESSION_CONFIG), (SESSION_TOKEN, &token)],
        &server,
    );
    run(&sys, "sso").unwrap();
    let urls: Vec<String> = server.requests().into_iter().map(|r| r.url).collect();
    assert_eq!(
        urls,
        [
            format!("{OIDC}/token"),
            format!("{OIDC}/token"),
            format!("{OIDC}/token"),
            role_url("ReadOnly", "111122223333")
        ]
    );
}

#[test]
fn refresh_that_gets_no_answer_fails_the_run() {
    let server = Script::new();
    server.down().down().down();
    let token = refreshable_token("2026-01-02T03:14:05Z", "2026-03-01T00:00:00Z");
    let sys = system(
        &[(".aws/config", SESSION_CONFIG), (SESSION_TOKEN, &token)],
        &server,
    );
    let err = run(&sys, "sso").unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    let text = err.to_string();
    assert!(
        text.contains("could not connect") && text.contains("http://127.0.0.1:9002/token"),
        "{text}"
    );
    assert_eq!(server.requests().len(), 3, "connection errors are retried");
}

#[test]
fn malformed_refresh_answer_fails_the_run() {
    for body in ["not json", "{}", r#"{"expiresIn": 60}"#] {
        let server = Script::new();
        server.json(body);
        let token = refreshable_token("2026-01-02T03:14:05Z", "2026-03-01T00:00:00Z");
        let sys = system(
            &[(".aws/config", SESSION_CONFIG), (SESSION_TOKEN, &token)],
            &server,
        );
        let err = run(&sys, "sso").unwrap_err();
        assert_eq!(err.exit_code(), EXIT_OTHER, "{body}");
        assert!(err.to_string().contains("CreateToken"), "{err}");
        assert_eq!(server.requests().len(), 1);
        assert_eq!(written(&sys, SESSION_TOKEN), None);
    }
}

fn valid_session(server: &Arc<Script>) -> MapSystem {
    let token = plain_token("sso-access-valid", "2026-01-02T11:00:00Z");
    system(
        &[(".aws/config", SESSION_CONFIG), (SESSION_TOKEN, &token)],
        server,
    )
}

#[test]
fn get_role_credentials_unauthorized_is_the_expired_session_error() {
    let server = Script::new();
    server.reply(
        401,
        &[("x-amzn-ErrorType", "UnauthorizedException")],
        r#"{"message": "Session token not found or invalid"}"#,
    );
    let sys = valid_session(&server);
    let err = run(&sys, "sso").unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    let text = err.to_string();
    assert!(
        text.contains("has expired or is otherwise invalid")
            && text.contains("aws sso login --profile sso"),
        "{text}"
    );
    assert_eq!(server.requests().len(), 1, "401 is not retried");
    assert_eq!(written(&sys, SESSION_ROLE_CACHE), None);
}

#[test]
fn get_role_credentials_other_errors_are_service_errors() {
    let server = Script::new();
    server.reply(
        403,
        &[],
        r#"{"__type": "com.amazonaws.switchboard.portal#ForbiddenException", "message": "No access"}"#,
    );
    let err = run(&valid_session(&server), "sso").unwrap_err();
    assert_eq!(err.exit_code(), EXIT_SERVICE);
    let text = err.to_string();
    assert!(
        text.contains("GetRoleCredentials")
            && text.contains("ForbiddenException: No access")
            && text.contains("role ReadOnly of account 111122223333"),
        "{text}"
    );
    let server = Script::new();
    for _ in 0..3 {
        server.reply(503, &[], "Service Unavailable");
    }
    let err = run(&valid_session(&server), "sso").unwrap_err();
    assert_eq!(err.exit_code(), EXIT_SERVICE);
    assert!(err.to_string().contains("(after 3 attempts): 503"), "{err}");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn get_role_credentials_that_gets_no_answer_is_exit_255() {
    let server = Script::new();
    let sys = valid_session(&server);
    let err = run(&sys, "sso").unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    assert!(err.to_string().contains("could not connect"), "{err}");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn malformed_role_credentials_are_exit_255() {
    for body in [
        "garbage",
        r#"{"roleCredentials": {}}"#,
        r#"{"roleCredentials": {"accessKeyId": "A", "secretAccessKey": "s", "sessionToken": "t"}}"#,
    ] {
        let server = Script::new();
        server.json(body);
        let sys = valid_session(&server);
        let err = run(&sys, "sso").unwrap_err();
        assert_eq!(err.exit_code(), EXIT_OTHER, "{body}");
        assert!(err.to_string().contains("no role credentials"), "{err}");
        assert_eq!(written(&sys, SESSION_ROLE_CACHE), None);
    }
}

#[test]
fn role_credentials_already_expired_are_cached_then_refused() {
    let server = Script::new();
    server.json(r#"{"roleCredentials": {"accessKeyId": "ASIAOLD", "secretAccessKey": "s", "sessionToken": "t", "expiration": 1767322985000}}"#);
    let sys = valid_session(&server);
    let err = run(&sys, "sso").unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    assert!(err.to_string().contains("already expired"), "{err}");
    assert!(
        written(&sys, SESSION_ROLE_CACHE)
            .unwrap()
            .contains(r#""Expiration": "2026-01-02T03:03:05Z""#)
    );
}

fn config_error(config: &str, profile: &str) -> Error {
    let server = Script::new();
    let token = plain_token("sso-access-valid", "2026-01-02T11:00:00Z");
    let sys = system(&[(".aws/config", config), (SESSION_TOKEN, &token)], &server);
    let err = run(&sys, profile).unwrap_err();
    assert!(server.requests().is_empty());
    assert_eq!(err.exit_code(), EXIT_OTHER, "{err}");
    err
}

#[test]
fn sso_session_that_does_not_exist_is_an_error() {
    let err = config_error(
        "[profile s]\nsso_session = nosuch\nsso_account_id = 1\nsso_role_name = R\n",
        "s",
    );
    assert!(
        err.to_string()
            .starts_with("the specified sso-session does not exist: \"nosuch\" ("),
        "{err}"
    );
}

#[test]
fn values_in_both_profile_and_sso_session_must_be_equal() {
    let err = config_error(
        &format!(
            "{SESSION_CONFIG}[profile s]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\nsso_start_url = https://other.awsapps.com/start\n"
        ),
        "s",
    );
    assert!(
        err.to_string().starts_with(
            "the value for sso_start_url is inconsistent between profile (https://other.awsapps.com/start) and sso-session (https://d-9067642ac7.awsapps.com/start) ("
        ),
        "{err}"
    );
    // Equal values are fine.
    let server = Script::new();
    server.json(ROLE_ANSWER);
    let token = plain_token("sso-access-valid", "2026-01-02T11:00:00Z");
    let config = format!(
        "{SESSION_CONFIG}[profile same]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nsso_region = eu-west-1\n"
    );
    let sys = system(
        &[(".aws/config", &config), (SESSION_TOKEN, &token)],
        &server,
    );
    run(&sys, "same").unwrap();
}

#[test]
fn missing_required_configuration_is_listed_in_v2s_order() {
    let err = config_error("[profile bad3]\nsso_account_id = 1\n", "bad3");
    assert!(
        err.to_string().starts_with(
            "the profile \"bad3\" is configured to use SSO but is missing required configuration: sso_role_name, sso_start_url, sso_region ("
        ),
        "{err}"
    );
    let err = config_error(
        "[profile s]\nsso_session = half\nsso_role_name = R\n[sso-session half]\nsso_start_url = https://x/start\n",
        "s",
    );
    assert!(
        err.to_string()
            .contains("missing required configuration: sso_account_id, sso_region ("),
        "{err}"
    );
}

#[test]
fn token_file_missing_corrupt_or_incomplete_names_the_file_and_the_fix() {
    let path = format!("{}/{SESSION_TOKEN}", testkit::HOME);
    let cases: [(Option<&str>, &str); 4] = [
        (None, "token for corp does not exist"),
        (Some("{not json"), "is corrupt: not a JSON object"),
        (
            Some(r#"{"accessToken": "a"}"#),
            "token for https://d-9067642ac7.awsapps.com/start is invalid",
        ),
        (
            Some(r#"{"accessToken": "a", "expiresAt": "2026-01-02T11:00:00"}"#),
            "\"expiresAt\" is not a time with a zone",
        ),
    ];
    for (content, says) in cases {
        let server = Script::new();
        let mut files = vec![(".aws/config", SESSION_CONFIG)];
        if let Some(c) = content {
            files.push((SESSION_TOKEN, c));
        }
        let sys = system(&files, &server);
        let err = run(&sys, "sso").unwrap_err();
        assert_eq!(err.exit_code(), EXIT_OTHER);
        let text = err.to_string();
        assert!(
            text.contains(says)
                && text.contains(&path)
                && text.contains("aws sso login --profile sso"),
            "{text}"
        );
        assert!(server.requests().is_empty());
    }
    // A token that is not text is a parameter of the wrong type (252).
    let server = Script::new();
    let sys = system(
        &[
            (".aws/config", SESSION_CONFIG),
            (
                SESSION_TOKEN,
                r#"{"accessToken": 5, "expiresAt": "2026-01-02T11:00:00Z"}"#,
            ),
        ],
        &server,
    );
    assert_eq!(run(&sys, "sso").unwrap_err().exit_code(), EXIT_USAGE);
}

#[test]
fn corrupt_role_cache_file_stops_the_run() {
    let server = Script::new();
    let token = plain_token("sso-access-valid", "2026-01-02T11:00:00Z");
    let sys = system(
        &[
            (".aws/config", SESSION_CONFIG),
            (SESSION_TOKEN, &token),
            (SESSION_ROLE_CACHE, "{not json"),
        ],
        &server,
    );
    let err = run(&sys, "sso").unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    assert!(err.to_string().contains(SESSION_ROLE_CACHE), "{err}");
    assert!(server.requests().is_empty());
}

#[test]
fn default_endpoints_follow_sso_region_not_the_profile_region() {
    let server = Script::new();
    server.json(CREATE_TOKEN_ANSWER).json(ROLE_ANSWER);
    let token = refreshable_token("2026-01-02T02:00:00Z", "2026-03-01T00:00:00Z");
    let config = SESSION_CONFIG.replace(
        "region = eu-west-1\nsso_session",
        "region = us-east-2\nsso_session",
    );
    let sys = testkit::system(&[(".aws/config", &config), (SESSION_TOKEN, &token)])
        .server(server.clone());
    run(&sys, "sso").unwrap();
    let urls: Vec<String> = server.requests().into_iter().map(|r| r.url).collect();
    assert_eq!(
        urls,
        [
            "https://oidc.eu-west-1.amazonaws.com/token",
            "https://portal.sso.eu-west-1.amazonaws.com/federation/credentials?role_name=ReadOnly&account_id=111122223333",
        ]
    );
    // China: the partition's suffix.
    let server = Script::new();
    server.json(ROLE_ANSWER);
    let config = LEGACY_CONFIG.replace("sso_region = us-east-1", "sso_region = cn-north-1");
    let token = plain_token("t", "2026-01-02T11:00:00Z");
    let sys =
        testkit::system(&[(".aws/config", &config), (LEGACY_TOKEN, &token)]).server(server.clone());
    run(&sys, "legacy").unwrap();
    assert!(
        server.requests()[0]
            .url
            .starts_with("https://portal.sso.cn-north-1.amazonaws.com.cn/federation/credentials?"),
        "{:?}",
        server.requests()[0].url
    );
}

#[test]
fn services_section_keys_sso_and_sso_oidc_override_the_endpoints() {
    let server = Script::new();
    server.json(CREATE_TOKEN_ANSWER).json(ROLE_ANSWER);
    let token = refreshable_token("2026-01-02T02:00:00Z", "2026-03-01T00:00:00Z");
    let config = format!(
        "{SESSION_CONFIG}[profile via]\nservices = loop\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n[services loop]\nsso =\n  endpoint_url = http://127.0.0.1:7001/base/\nsso_oidc =\n  endpoint_url = http://127.0.0.1:7002\n"
    );
    let sys = testkit::system(&[(".aws/config", &config), (SESSION_TOKEN, &token)])
        .server(server.clone());
    run(&sys, "via").unwrap();
    let urls: Vec<String> = server.requests().into_iter().map(|r| r.url).collect();
    assert_eq!(
        urls,
        [
            "http://127.0.0.1:7002/token",
            "http://127.0.0.1:7001/base/federation/credentials?role_name=ReadOnly&account_id=111122223333",
        ]
    );
}

#[test]
fn role_and_account_are_percent_encoded_in_the_query() {
    let server = Script::new();
    server.json(ROLE_ANSWER);
    let config = LEGACY_CONFIG.replace("sso_role_name = PowerUser", "sso_role_name = a b/ö+");
    let token = plain_token("t", "2026-01-02T11:00:00Z");
    let sys = system(&[(".aws/config", &config), (LEGACY_TOKEN, &token)], &server);
    run(&sys, "legacy").unwrap();
    assert_eq!(
        server.requests()[0].url,
        role_url("a%20b%2F%C3%B6%2B", "444455556666")
    );
}

#[test]
fn no_secret_appears_in_errors_notes_or_debug_output() {
    const SECRETS: [&str; 7] = [
        "SECRET-ACCESS-TOKEN",
        "SECRET-CLIENT-SECRET",
        "SECRET-REFRESH",
        "SECRET-NEW-ACCESS",
        "SECRET-NEW-REFRESH",
        "SECRET-KEY",
        "SECRET-SESSION",
    ];
    let token = |expires: &str| {
        format!(
            r#"{{"startUrl": "https://d-9067642ac7.awsapps.com/start", "region": "eu-west-1", "accessToken": "SECRET-ACCESS-TOKEN", "expiresAt": "{expires}", "clientId": "cid", "clientSecret": "SECRET-CLIENT-SECRET", "registrationExpiresAt": "2026-03-01T00:00:00Z", "refreshToken": "SECRET-REFRESH"}}"#
        )
    };
    let new_token = r#"{"accessToken": "SECRET-NEW-ACCESS", "expiresIn": 3600, "refreshToken": "SECRET-NEW-REFRESH"}"#;
    let role = r#"{"roleCredentials": {"accessKeyId": "ASIAX", "secretAccessKey": "SECRET-KEY", "sessionToken": "SECRET-SESSION", "expiration": 1767322985000}}"#;
    type Setup = fn(&Script);
    let setups: [(&str, Setup); 7] = [
        ("2026-01-02T11:00:00Z", |s| {
            s.reply(401, &[("x-amzn-ErrorType", "UnauthorizedException")], "{}");
        }),
        ("2026-01-02T11:00:00Z", |s| {
            s.reply(403, &[], r#"{"__type": "ForbiddenException"}"#);
        }),
        ("2026-01-02T11:00:00Z", |s| {
            s.down().down().down();
        }),
        ("2026-01-02T02:00:00Z", |s| {
            s.reply(400, &[("x-amzn-ErrorType", "InvalidGrantException")], "{}");
        }),
        ("2026-01-02T02:00:00Z", |s| {
            s.json("not json");
        }),
        ("2026-01-02T02:00:00Z", |s| {
            s.down().down().down();
        }),
        ("2026-01-02T02:00:00Z", |_| {}),
    ];
    let mut checked = 0;
    for (i, (expires, setup)) in setups.iter().enumerate() {
        let server = Script::new();
        if i == 6 {
            // Refresh works, the role credentials come back expired.
            server.json(new_token).json(role);
        } else {
            setup(&server);
        }
        let token = token(expires);
        let sys = system(
            &[(".aws/config", SESSION_CONFIG), (SESSION_TOKEN, &token)],
            &server,
        );
        let (result, notes) = run_as(&sys, "sso", true);
        let err = result.unwrap_err();
        let shown = format!("{err} {err:?} {}", notes.join("\n"));
        for secret in SECRETS {
            assert!(!shown.contains(secret), "case {i} shows {secret}: {shown}");
        }
        checked += 1;
    }
    assert_eq!(checked, setups.len());
    // Success: the notes and the credentials' Debug show no secret either.
    let server = Script::new();
    server.json(new_token).json(
        r#"{"roleCredentials": {"accessKeyId": "ASIAX", "secretAccessKey": "SECRET-KEY", "sessionToken": "SECRET-SESSION", "expiration": 1767326645000}}"#,
    );
    let token = token("2026-01-02T02:00:00Z");
    let sys = system(
        &[(".aws/config", SESSION_CONFIG), (SESSION_TOKEN, &token)],
        &server,
    );
    let (result, notes) = run_as(&sys, "sso", true);
    let shown = format!("{:?} {}", result.unwrap(), notes.join("\n"));
    assert!(shown.contains("refreshed"), "{shown}");
    for secret in SECRETS {
        assert!(!shown.contains(secret), "shows {secret}: {shown}");
    }
}
