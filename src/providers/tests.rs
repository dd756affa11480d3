//! Assume role and web identity, in process: the chain through
//! `config::resolve` with a [`MapSystem`] whose server answers as STS did
//! for AWS CLI v2, one test per rule.

use std::sync::Arc;

use time::OffsetDateTime;
use time::macros::datetime;

use super::testkit::Script as Replay;
use crate::config::{Overrides, resolve};
use crate::error::{EXIT_OTHER, EXIT_SERVICE, EXIT_USAGE};
use crate::http::{HttpError, HttpRequest, HttpResponse};
use crate::system::MapSystem;

const NOW: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);
const HOME: &str = "/home/u";
const BASE: &str =
    "[base]\naws_access_key_id = AKIABASE000000000000\naws_secret_access_key = basesecret\n";

fn xml(status: u16, body: &str) -> Result<HttpResponse, HttpError> {
    Ok(HttpResponse {
        status,
        headers: vec![("content-type".to_owned(), "text/xml".to_owned())],
        body: body.as_bytes().to_vec(),
    })
}

fn sts_ok(action: &str, key: &str, expiration: &str) -> Result<HttpResponse, HttpError> {
    xml(
        200,
        &format!(
            "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result>\
             <AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/dev/s</Arn></AssumedRoleUser>\
             <Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>secret-of-{key}</SecretAccessKey>\
             <SessionToken>token-of-{key}</SessionToken><Expiration>{expiration}</Expiration></Credentials>\
             </{action}Result></{action}Response>"
        ),
    )
}

fn system(config: &str, credentials: &str, server: Arc<Replay>) -> MapSystem {
    MapSystem::new()
        .var("HOME", HOME)
        .var("AWS_EC2_METADATA_DISABLED", "true")
        .var("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9/")
        .file(format!("{HOME}/.aws/config"), config)
        .file(format!("{HOME}/.aws/credentials"), credentials)
        .server(server)
}

fn profile(name: &str) -> Overrides {
    Overrides {
        profile: Some(name.to_owned()),
        ..Default::default()
    }
}

fn body(request: &HttpRequest) -> String {
    String::from_utf8(request.body.clone()).unwrap()
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

const DEV: &str = "[profile dev]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\n";
/// `sha1({"RoleArn": "arn:aws:iam::123456789012:role/dev"})`, the file AWS
/// CLI v2 wrote for DEV.
const DEV_CACHE: &str = "/home/u/.aws/cli/cache/af854889538ac1a069a8274d5ee4dc500f8b1f91.json";

#[test]
fn assume_role_is_signed_by_the_source_and_cached_under_v2s_name() {
    let server = Replay::with(vec![sts_ok(
        "AssumeRole",
        "ASIADEV",
        "2026-01-02T04:04:05Z",
    )]);
    let sys = system(DEV, BASE, server.clone());
    let resolved = resolve(&sys, &profile("dev"), NOW).unwrap();
    let c = resolved.credentials.unwrap();
    assert_eq!(c.access_key_id, "ASIADEV");
    assert_eq!(c.session_token.unwrap().expose(), "token-of-ASIADEV");
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].url, "http://127.0.0.1:9/");
    assert_eq!(
        body(&seen[0]),
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdev&RoleSessionName=botocore-session-1767323045"
    );
    let auth = header(&seen[0], "Authorization").unwrap();
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIABASE000000000000/20260102/eu-west-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="),
        "{auth}"
    );
    assert_eq!(header(&seen[0], "X-Amz-Security-Token"), None);
    let written = String::from_utf8(sys.written(DEV_CACHE).expect("cache file")).unwrap();
    assert_eq!(
        written,
        "{\"Credentials\": {\"AccessKeyId\": \"ASIADEV\", \"SecretAccessKey\": \"secret-of-ASIADEV\", \"SessionToken\": \"token-of-ASIADEV\", \"Expiration\": \"2026-01-02T04:04:05+00:00\", \"AccountId\": \"123456789012\"}, \"AssumedRoleUser\": {\"AssumedRoleId\": \"AROA:s\", \"Arn\": \"arn:aws:sts::123456789012:assumed-role/dev/s\"}}"
    );
}

#[test]
fn configured_arguments_go_first_and_into_the_cache_key() {
    let config = "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/test\nsource_profile = base\nrole_session_name = my-sess\nexternal_id = ext-123\nduration_seconds = 7200\n";
    let server = Replay::with(vec![sts_ok(
        "AssumeRole",
        "ASIADEV",
        "2026-01-02T05:04:05Z",
    )]);
    let sys = system(config, BASE, server.clone());
    resolve(&sys, &profile("dev"), NOW).unwrap();
    assert_eq!(
        body(&server.requests()[0]),
        "Action=AssumeRole&Version=2011-06-15&RoleSessionName=my-sess&ExternalId=ext-123&DurationSeconds=7200&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Ftest"
    );
    assert!(
        sys.written("/home/u/.aws/cli/cache/f75e7dbeb76c6cf3c6b31af2e80c2c7673db815c.json")
            .is_some()
    );
}

#[test]
fn a_duration_python_int_rejects_is_dropped_and_leading_zeros_are_read() {
    for (value, sent) in [("1h", None), ("1.5", None), ("0900", Some("900"))] {
        let config = format!("{DEV}duration_seconds = {value}\n");
        let server = Replay::with(vec![sts_ok(
            "AssumeRole",
            "ASIADEV",
            "2026-01-02T05:04:05Z",
        )]);
        let sys = system(&config, BASE, server.clone());
        resolve(&sys, &profile("dev"), NOW).unwrap();
        let b = body(&server.requests()[0]);
        match sent {
            Some(n) => assert!(b.contains(&format!("DurationSeconds={n}&")), "{b}"),
            None => assert!(!b.contains("DurationSeconds"), "{b}"),
        }
    }
}

#[test]
fn a_two_hop_chain_signs_the_second_call_with_the_first_session() {
    let config = "[profile mid]\nrole_arn = arn:aws:iam::123456789012:role/mid\nsource_profile = base\n\
                  [profile top]\nrole_arn = arn:aws:iam::123456789012:role/top\nsource_profile = mid\nregion = eu-west-2\n";
    let server = Replay::with(vec![
        sts_ok("AssumeRole", "ASIAMID", "2026-01-02T04:04:05Z"),
        sts_ok("AssumeRole", "ASIATOP", "2026-01-02T04:04:05Z"),
    ]);
    let sys = system(config, BASE, server.clone());
    let c = resolve(&sys, &profile("top"), NOW)
        .unwrap()
        .credentials
        .unwrap();
    assert_eq!(c.access_key_id, "ASIATOP");
    let seen = server.requests();
    assert!(body(&seen[0]).contains("role%2Fmid"));
    assert!(
        header(&seen[0], "Authorization")
            .unwrap()
            .contains("AKIABASE000000000000/")
    );
    assert!(body(&seen[1]).contains("role%2Ftop"));
    assert!(
        header(&seen[1], "Authorization")
            .unwrap()
            .contains("Credential=ASIAMID/")
    );
    assert_eq!(
        header(&seen[1], "X-Amz-Security-Token"),
        Some("token-of-ASIAMID")
    );
    assert_eq!(sys.written.lock().unwrap().len(), 2, "every hop is cached");
}

fn cached(expiration: &str) -> String {
    format!(
        "{{\"Credentials\": {{\"AccessKeyId\": \"ASIACACHED\", \"SecretAccessKey\": \"s\", \"SessionToken\": \"t\", \"Expiration\": \"{expiration}\"}}}}"
    )
}

#[test]
fn a_cached_session_is_used_while_15_minutes_remain() {
    // 960 s left: used, no call. 840 s left: renewed and rewritten.
    for (expiration, calls) in [
        ("2026-01-02T03:20:05Z", 0),
        ("2026-01-02T03:18:05+00:00", 1),
    ] {
        let server = Replay::with(vec![sts_ok(
            "AssumeRole",
            "ASIANEW",
            "2026-01-02T04:04:05Z",
        )]);
        let sys = system(DEV, BASE, server.clone()).file(DEV_CACHE, &cached(expiration));
        let c = resolve(&sys, &profile("dev"), NOW)
            .unwrap()
            .credentials
            .unwrap();
        assert_eq!(server.requests().len(), calls, "{expiration}");
        let expected = if calls == 0 { "ASIACACHED" } else { "ASIANEW" };
        assert_eq!(c.access_key_id, expected);
    }
}

/// AWS CLI v2 also reads the base source eagerly (running a
/// credential_process, failing on a source without keys) before it looks
/// at the cache; presign asks the base only when no hop is cached, so a
/// cached session costs nothing (a deliberate difference, in the README).
#[test]
fn a_cached_outer_hop_means_no_call_for_any_hop() {
    let config = "[profile mid]\nrole_arn = arn:aws:iam::123456789012:role/mid\nsource_profile = nokeys\n\
                  [profile nokeys]\nregion = x\n\
                  [profile top]\nrole_arn = arn:aws:iam::123456789012:role/top\nsource_profile = mid\n";
    // sha1({"RoleArn": "arn:aws:iam::123456789012:role/top"})
    let key = crate::providers::cache::role_key(
        &[(
            "RoleArn".to_owned(),
            "arn:aws:iam::123456789012:role/top".into(),
        )]
        .into_iter()
        .collect(),
    );
    let server = Replay::with(vec![]);
    let sys = system(config, "", server.clone()).file(
        format!("{HOME}/.aws/cli/cache/{key}.json"),
        &cached("2026-01-02T05:00:00Z"),
    );
    let c = resolve(&sys, &profile("top"), NOW)
        .unwrap()
        .credentials
        .unwrap();
    assert_eq!(c.access_key_id, "ASIACACHED");
    assert!(server.requests().is_empty());
}

#[test]
fn a_corrupt_cache_entry_stops_the_run_and_names_the_file() {
    let server = Replay::with(vec![]);
    let sys = system(DEV, BASE, server.clone()).file(DEV_CACHE, "{not json");
    let err = resolve(&sys, &profile("dev"), NOW).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    assert!(
        err.to_string()
            .contains("af854889538ac1a069a8274d5ee4dc500f8b1f91.json"),
        "{err}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn sts_errors_exit_254_and_failures_to_connect_255() {
    let denied = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message></Error></ErrorResponse>";
    let server = Replay::with(vec![xml(403, denied)]);
    let sys = system(DEV, BASE, server.clone());
    let err = resolve(&sys, &profile("dev"), NOW).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_SERVICE);
    let text = err.to_string();
    assert!(
        text.contains("AccessDenied") && text.contains("not allowed"),
        "{text}"
    );
    assert_eq!(server.requests().len(), 1, "a 403 is not retried");
    assert!(sys.written.lock().unwrap().is_empty());

    // 500 three times: retried, then the service's error.
    let broken = "<ErrorResponse><Error><Code>InternalFailure</Code><Message>oops</Message></Error></ErrorResponse>";
    let server = Replay::with(vec![xml(500, broken), xml(500, broken), xml(500, broken)]);
    let sys = system(DEV, BASE, server.clone());
    let err = resolve(&sys, &profile("dev"), NOW).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_SERVICE);
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
    assert_eq!(server.requests().len(), 3);

    // Nothing answers: three attempts, then 255 naming the endpoint.
    let server = Replay::with(vec![]);
    let sys = system(DEV, BASE, server.clone());
    let err = resolve(&sys, &profile("dev"), NOW).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    assert!(err.to_string().contains("http://127.0.0.1:9/"), "{err}");
    assert_eq!(server.requests().len(), 3);

    // AWS_MAX_ATTEMPTS=1: one try.
    let server = Replay::with(vec![]);
    let sys = system(DEV, BASE, server.clone()).var("AWS_MAX_ATTEMPTS", "1");
    resolve(&sys, &profile("dev"), NOW).unwrap_err();
    assert_eq!(server.requests().len(), 1);

    // A 200 without credentials.
    let server = Replay::with(vec![xml(200, "<html>hello</html>")]);
    let sys = system(DEV, BASE, server.clone());
    let err = resolve(&sys, &profile("dev"), NOW).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    assert!(err.to_string().contains("holds no credentials"), "{err}");
}

#[test]
fn values_outside_the_api_limits_exit_252_before_any_call() {
    for (line, parameter) in [
        ("role_session_name = x", "RoleSessionName"),
        ("duration_seconds = 100", "DurationSeconds"),
        ("external_id = e", "ExternalId"),
    ] {
        let server = Replay::with(vec![]);
        let sys = system(&format!("{DEV}{line}\n"), BASE, server.clone());
        let err = resolve(&sys, &profile("dev"), NOW).unwrap_err();
        assert_eq!(err.exit_code(), EXIT_USAGE, "{line}");
        assert!(err.to_string().contains(parameter), "{err}");
        assert!(server.requests().is_empty());
    }
}

#[test]
fn role_profile_shapes_are_refused_as_botocore_refuses_them() {
    let cases = [
        // role_arn and keys but no source: the keys are not a source.
        (
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\naws_access_key_id = A\naws_secret_access_key = B\n",
            "source_profile or credential_source",
        ),
        (
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = r\n",
            "infinite loop",
        ),
        (
            "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n",
            "visited profiles: ['a', 'b']",
        ),
        (
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\ncredential_source = Environment\n",
            "both source_profile and credential_source",
        ),
        (
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = environment\n",
            "\"environment\" referenced in profile \"r\" is not valid",
        ),
        (
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = nope\n",
            "\"nope\" referenced in the profile \"r\" does not exist",
        ),
        (
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = empty\n[profile empty]\nregion = x\n",
            "source profile \"empty\" must have credentials",
        ),
    ];
    for (config, message) in cases {
        let server = Replay::with(vec![]);
        let sys = system(config, BASE, server.clone());
        let name = if config.starts_with("[profile a]") {
            "a"
        } else {
            "r"
        };
        let err = resolve(&sys, &profile(name), NOW).unwrap_err();
        assert_eq!(err.exit_code(), EXIT_OTHER, "{config}");
        assert!(err.to_string().contains(message), "{err} / {message}");
        assert!(server.requests().is_empty(), "{config}");
    }
}

#[test]
fn a_role_profile_that_is_its_own_source_uses_its_own_keys() {
    let config = "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = r\naws_access_key_id = AKIAOWN\naws_secret_access_key = own\n";
    let server = Replay::with(vec![sts_ok("AssumeRole", "ASIAR", "2026-01-02T05:00:00Z")]);
    let sys = system(config, "", server.clone());
    resolve(&sys, &profile("r"), NOW).unwrap();
    assert!(
        header(&server.requests()[0], "Authorization")
            .unwrap()
            .contains("Credential=AKIAOWN/")
    );
}

#[test]
fn credential_source_environment_signs_with_the_variables_even_with_profile() {
    let config = "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Environment\n";
    let server = Replay::with(vec![sts_ok("AssumeRole", "ASIAR", "2026-01-02T05:00:00Z")]);
    let sys = system(config, "", server.clone())
        .var("AWS_ACCESS_KEY_ID", "AKIAENV")
        .var("AWS_SECRET_ACCESS_KEY", "envsecret")
        .var("AWS_SESSION_TOKEN", "envtoken");
    resolve(&sys, &profile("r"), NOW).unwrap();
    let seen = server.requests();
    assert!(
        header(&seen[0], "Authorization")
            .unwrap()
            .contains("Credential=AKIAENV/")
    );
    assert!(
        header(&seen[0], "Authorization")
            .unwrap()
            .contains("x-amz-security-token")
    );
    assert_eq!(header(&seen[0], "X-Amz-Security-Token"), Some("envtoken"));
}

#[test]
fn the_sts_endpoint_follows_the_session_region_as_v2() {
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case; 5] = [
        (&[], "https://sts.amazonaws.com/", "us-east-1"),
        (
            &[("AWS_REGION", "eu-central-1")],
            "https://sts.eu-central-1.amazonaws.com/",
            "eu-central-1",
        ),
        (
            &[("AWS_REGION", "cn-north-1")],
            "https://sts.cn-north-1.amazonaws.com.cn/",
            "cn-north-1",
        ),
        (
            &[
                ("AWS_REGION", "us-east-2"),
                ("AWS_USE_FIPS_ENDPOINT", "true"),
            ],
            "https://sts-fips.us-east-2.amazonaws.com/",
            "us-east-2",
        ),
        (
            &[
                ("AWS_REGION", "us-east-2"),
                ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
            ],
            "https://sts.us-east-2.api.aws/",
            "us-east-2",
        ),
    ];
    let config =
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n";
    for (vars, url, region) in cases {
        let server = Replay::with(vec![sts_ok("AssumeRole", "ASIAR", "2026-01-02T05:00:00Z")]);
        let mut sys = MapSystem::new()
            .var("HOME", HOME)
            .var("AWS_EC2_METADATA_DISABLED", "true")
            .file(format!("{HOME}/.aws/config"), config)
            .file(format!("{HOME}/.aws/credentials"), BASE)
            .server(server.clone());
        for (k, v) in vars {
            sys = sys.var(k, v);
        }
        resolve(&sys, &profile("r"), NOW).unwrap();
        let seen = server.requests();
        assert_eq!(seen[0].url, url, "{vars:?}");
        let auth = header(&seen[0], "Authorization").unwrap();
        assert!(
            auth.contains(&format!("/{region}/sts/aws4_request")),
            "{auth}"
        );
    }
}

#[test]
fn the_selected_profiles_endpoint_url_also_redirects_sts_but_endpoint_flag_does_not() {
    let config = "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\nendpoint_url = http://127.0.0.1:9000\n";
    let server = Replay::with(vec![sts_ok("AssumeRole", "ASIAR", "2026-01-02T05:00:00Z")]);
    let sys = MapSystem::new()
        .var("HOME", HOME)
        .var("AWS_EC2_METADATA_DISABLED", "true")
        .file(format!("{HOME}/.aws/config"), config)
        .file(format!("{HOME}/.aws/credentials"), BASE)
        .server(server.clone());
    let overrides = Overrides {
        endpoint_url: Some("http://127.0.0.1:7777".to_owned()),
        ..profile("r")
    };
    resolve(&sys, &overrides, NOW).unwrap();
    assert_eq!(server.requests()[0].url, "http://127.0.0.1:9000/");
}

#[test]
fn mfa_codes_come_from_the_terminal_and_never_from_a_busy_stdin() {
    let config = format!("{DEV}mfa_serial = arn:aws:iam::123456789012:mfa/alice\n");
    let server = Replay::with(vec![sts_ok(
        "AssumeRole",
        "ASIAMFA",
        "2026-01-02T05:00:00Z",
    )]);
    let mut sys = system(&config, BASE, server.clone());
    sys.prompt_answer = Some("123456".to_owned());
    resolve(&sys, &profile("dev"), NOW).unwrap();
    let b = body(&server.requests()[0]);
    assert_eq!(
        b,
        "Action=AssumeRole&Version=2011-06-15&SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Falice&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdev&RoleSessionName=botocore-session-1767323045&TokenCode=123456"
    );
    // The code is not part of the cache key (v2: 52f1c7b8… style names).
    assert_eq!(sys.written.lock().unwrap().len(), 1);

    // No terminal and stdin is the batch: refused, nothing sent.
    let server = Replay::with(vec![]);
    let sys = system(&config, BASE, server.clone());
    let overrides = Overrides {
        stdin_busy: true,
        ..profile("dev")
    };
    let err = resolve(&sys, &overrides, NOW).unwrap_err();
    assert!(
        err.to_string().contains("standard input is the list"),
        "{err}"
    );
    assert!(server.requests().is_empty());

    // A code of the wrong length: 252, as botocore's validation.
    let server = Replay::with(vec![]);
    let mut sys = system(&config, BASE, server.clone());
    sys.prompt_answer = Some(String::new());
    let err = resolve(&sys, &profile("dev"), NOW).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_USAGE);
    assert!(server.requests().is_empty());
}

#[test]
fn web_identity_is_unsigned_and_sends_the_token_file_verbatim() {
    let config = "[profile web]\nrole_arn = arn:aws:iam::123456789012:role/web\nweb_identity_token_file = /t/token\nregion = eu-west-1\n";
    let server = Replay::with(vec![sts_ok(
        "AssumeRoleWithWebIdentity",
        "ASIAWEB",
        "2026-01-02T05:00:00Z",
    )]);
    let sys = system(config, "", server.clone()).file("/t/token", "eyJ.tok\n");
    let c = resolve(&sys, &profile("web"), NOW)
        .unwrap()
        .credentials
        .unwrap();
    assert_eq!(c.access_key_id, "ASIAWEB");
    let seen = server.requests();
    assert_eq!(header(&seen[0], "Authorization"), None);
    assert_eq!(header(&seen[0], "X-Amz-Date"), None);
    assert_eq!(
        body(&seen[0]),
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb&RoleSessionName=botocore-session-1767323045&WebIdentityToken=eyJ.tok%0A"
    );
    // sha1({"RoleArn": "arn:aws:iam::123456789012:role/web"}), as v2 names it.
    assert!(
        sys.written("/home/u/.aws/cli/cache/995ef64306d209e21474b69558c0b71b44774efb.json")
            .is_some()
    );
}

#[test]
fn web_identity_variables_apply_unless_profile_is_given() {
    let server = Replay::with(vec![sts_ok(
        "AssumeRoleWithWebIdentity",
        "ASIAWEB",
        "2026-01-02T05:00:00Z",
    )]);
    let sys = system("", "", server.clone())
        .file("/t/token", "tok")
        .var("AWS_WEB_IDENTITY_TOKEN_FILE", "/t/token")
        .var("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/envweb")
        .var("AWS_ROLE_SESSION_NAME", "envsess");
    resolve(&sys, &Overrides::default(), NOW).unwrap();
    assert!(body(&server.requests()[0]).contains("RoleSessionName=envsess&RoleArn="));
    assert!(
        sys.written("/home/u/.aws/cli/cache/469284c3c116152124975020ccbd6ad48cc9b3ad.json")
            .is_some()
    );

    // --profile: the variables are ignored, so nothing claims the profile.
    let server = Replay::with(vec![]);
    let sys = system("[profile p]\nregion = x\n", "", server.clone())
        .file("/t/token", "tok")
        .var("AWS_WEB_IDENTITY_TOKEN_FILE", "/t/token")
        .var("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/envweb");
    let resolved = resolve(&sys, &profile("p"), NOW).unwrap();
    assert!(resolved.credentials.is_none());
    assert!(server.requests().is_empty());

    // A token file without a role: 255 with the fix.
    let sys = system("", "", Replay::with(vec![]))
        .file("/t/token", "tok")
        .var("AWS_WEB_IDENTITY_TOKEN_FILE", "/t/token");
    let err = resolve(&sys, &Overrides::default(), NOW).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    assert!(err.to_string().contains("AWS_ROLE_ARN"), "{err}");
}

#[test]
fn no_error_or_note_shows_a_secret() {
    let denied = "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>";
    let config = "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Environment\n";
    let server = Replay::with(vec![xml(403, denied)]);
    let sys = system(config, "", server)
        .var("AWS_ACCESS_KEY_ID", "AKIAENV")
        .var("AWS_SECRET_ACCESS_KEY", "envsecret-xyz")
        .var("AWS_SESSION_TOKEN", "envtoken-xyz");
    let err = resolve(&sys, &profile("r"), NOW).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains("envsecret-xyz") && !text.contains("envtoken-xyz"),
        "{text}"
    );

    let server = Replay::with(vec![sts_ok("AssumeRole", "ASIAR", "2026-01-02T05:00:00Z")]);
    let sys = system(config, "", server)
        .var("AWS_ACCESS_KEY_ID", "AKIAENV")
        .var("AWS_SECRET_ACCESS_KEY", "envsecret-xyz")
        .var("AWS_SESSION_TOKEN", "envtoken-xyz");
    let resolved = resolve(&sys, &profile("r"), NOW).unwrap();
    let trail = resolved.trail.join("\n");
    for secret in [
        "envsecret-xyz",
        "envtoken-xyz",
        "secret-of-ASIAR",
        "token-of-ASIAR",
    ] {
        assert!(!trail.contains(secret), "{trail}");
    }
    assert!(trail.contains("STS AssumeRole"), "{trail}");
}

#[test]
fn throttling_is_retried_whatever_the_status() {
    let throttled = "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>";
    let server = Replay::with(vec![
        xml(400, throttled),
        sts_ok("AssumeRole", "ASIADEV", "2026-01-02T04:04:05Z"),
    ]);
    let sys = system(DEV, BASE, server.clone());
    let c = resolve(&sys, &profile("dev"), NOW)
        .unwrap()
        .credentials
        .unwrap();
    assert_eq!(c.access_key_id, "ASIADEV");
    assert_eq!(server.requests().len(), 2);
}

/// Without the `network` feature the library has no HTTP client: a source
/// that must call AWS fails with a line that says so, and nothing panics.
#[cfg(not(feature = "network"))]
#[test]
fn without_the_network_feature_a_call_says_the_build_has_no_http_client() {
    use crate::system::{OsSystem, System};
    let request = HttpRequest {
        method: "POST",
        url: "http://127.0.0.1:9/".to_owned(),
        headers: Vec::new(),
        body: Vec::new(),
        transport: crate::http::Transport::client_default(),
    };
    let error = OsSystem.http(&request).unwrap_err();
    assert_eq!(error, HttpError::Unsupported);
    let message = crate::providers::network_error("STS", &request.url, &error).to_string();
    assert!(message.contains("no HTTP client"), "{message}");
}
