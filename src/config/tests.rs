//! Resolution rules, one test each, on in-memory environments.

use super::*;
use crate::error::{EXIT_OTHER, EXIT_USAGE};
use crate::system::MapSystem;

const NOW: OffsetDateTime = time::macros::datetime!(2026-01-02 03:04:05 UTC);
const AK: &str = "AKIAIOSFODNN7EXAMPLE";
const SK: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn home() -> MapSystem {
    MapSystem::new().var("HOME", "/h")
}

fn with_env_keys(sys: MapSystem) -> MapSystem {
    sys.var("AWS_ACCESS_KEY_ID", AK)
        .var("AWS_SECRET_ACCESS_KEY", SK)
}

fn config(sys: MapSystem, text: &str) -> MapSystem {
    sys.file("/h/.aws/config", text)
}

fn credentials(sys: MapSystem, text: &str) -> MapSystem {
    sys.file("/h/.aws/credentials", text)
}

fn resolve_ok(sys: &MapSystem, overrides: &Overrides) -> Resolved {
    resolve(sys, overrides, NOW).unwrap_or_else(|e| panic!("resolution failed: {e}"))
}

fn access_key(sys: &MapSystem, overrides: &Overrides) -> String {
    resolve_ok(sys, overrides)
        .credentials
        .expect("credentials")
        .access_key_id
}

fn region(sys: &MapSystem, overrides: &Overrides) -> Option<String> {
    resolve_ok(sys, overrides).endpoint.region
}

fn endpoint(sys: &MapSystem, overrides: &Overrides) -> Option<String> {
    resolve_ok(sys, overrides).endpoint.custom.map(|c| c.text)
}

fn flag_profile(name: &str) -> Overrides {
    Overrides {
        profile: Some(name.to_owned()),
        ..Default::default()
    }
}

const TWO_PROFILES: &str = "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n\
                            [dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s2\n";

#[test]
fn env_keys_win_when_no_profile_is_named() {
    let sys = with_env_keys(credentials(home(), TWO_PROFILES));
    assert_eq!(access_key(&sys, &Overrides::default()), AK);
}

#[test]
fn profile_flag_beats_environment_keys() {
    let sys = with_env_keys(credentials(home(), TWO_PROFILES));
    assert_eq!(access_key(&sys, &flag_profile("dev")), "AKIDDEV");
}

#[test]
fn aws_profile_keeps_environment_keys_but_applies_its_region() {
    let sys = with_env_keys(credentials(home(), TWO_PROFILES)).var("AWS_PROFILE", "dev");
    let sys = config(sys, "[profile dev]\nregion = ap-south-1\n");
    assert_eq!(access_key(&sys, &Overrides::default()), AK);
    assert_eq!(
        region(&sys, &Overrides::default()).as_deref(),
        Some("ap-south-1")
    );
}

#[test]
fn aws_profile_beats_aws_default_profile() {
    let sys = credentials(home(), TWO_PROFILES)
        .var("AWS_DEFAULT_PROFILE", "default")
        .var("AWS_PROFILE", "dev");
    assert_eq!(access_key(&sys, &Overrides::default()), "AKIDDEV");
    let sys = credentials(home(), TWO_PROFILES).var("AWS_DEFAULT_PROFILE", "dev");
    assert_eq!(access_key(&sys, &Overrides::default()), "AKIDDEV");
}

#[test]
fn credentials_file_beats_config_file() {
    let sys = credentials(
        home(),
        "[p]\naws_access_key_id = AKIDCREDSFILE\naws_secret_access_key = a\n",
    );
    let sys = config(
        sys,
        "[profile p]\naws_access_key_id = AKIDCONFIGFILE\naws_secret_access_key = b\n",
    );
    assert_eq!(access_key(&sys, &flag_profile("p")), "AKIDCREDSFILE");
}

#[test]
fn config_file_keys_are_used_when_the_credentials_file_has_none() {
    let sys = config(
        home(),
        "[profile p]\naws_access_key_id = AKIDCONFIGFILE\naws_secret_access_key = b\n",
    );
    assert_eq!(access_key(&sys, &flag_profile("p")), "AKIDCONFIGFILE");
}

#[test]
fn default_section_of_the_credentials_file_is_inherited() {
    let sys = credentials(
        home(),
        "[DEFAULT]\naws_secret_access_key = shared\n[p]\naws_access_key_id = AKIDP\n",
    );
    let c = resolve_ok(&sys, &flag_profile("p")).credentials.unwrap();
    assert_eq!(c.secret_access_key.expose(), "shared");
}

#[test]
fn partial_credentials_are_errors_that_name_the_missing_key() {
    let sys = home().var("AWS_ACCESS_KEY_ID", AK);
    let err = resolve(&sys, &Overrides::default(), NOW).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    assert!(err.to_string().contains("AWS_SECRET_ACCESS_KEY"), "{err}");

    // A half pair in the credentials file is an error even when the config
    // file has a whole pair.
    let sys = credentials(home(), "[default]\naws_access_key_id = A\n");
    let sys = config(
        sys,
        "[default]\naws_access_key_id = B\naws_secret_access_key = b\n",
    );
    let err = resolve(&sys, &Overrides::default(), NOW).unwrap_err();
    assert!(err.to_string().contains("shared-credentials-file"), "{err}");
}

#[test]
fn security_token_is_read_before_session_token() {
    let sys = with_env_keys(home())
        .var("AWS_SECURITY_TOKEN", "SEC")
        .var("AWS_SESSION_TOKEN", "SESS");
    let c = resolve_ok(&sys, &Overrides::default()).credentials.unwrap();
    assert_eq!(c.session_token.unwrap().expose(), "SEC");
    let sys = credentials(
        home(),
        "[default]\naws_access_key_id = A\naws_secret_access_key = b\naws_session_token = T\n",
    );
    let c = resolve_ok(&sys, &Overrides::default()).credentials.unwrap();
    assert_eq!(c.session_token.unwrap().expose(), "T");
}

#[test]
fn a_named_profile_must_exist_wherever_it_was_named() {
    for sys in [
        credentials(home(), TWO_PROFILES),
        credentials(home(), TWO_PROFILES).var("AWS_PROFILE", "nope"),
    ] {
        let overrides = if sys.vars.contains_key("AWS_PROFILE") {
            Overrides::default()
        } else {
            flag_profile("nope")
        };
        let err = resolve(&sys, &overrides, NOW).unwrap_err();
        assert_eq!(err.exit_code(), EXIT_OTHER);
        assert!(err.to_string().contains("(nope)"), "{err}");
    }
    // Without any selection, a missing [default] is simply empty.
    assert!(
        resolve_ok(&home(), &Overrides::default())
            .credentials
            .is_none()
    );
}

#[test]
fn config_section_without_profile_prefix_is_not_a_profile() {
    let sys = config(home(), "[dev]\nregion = eu-west-1\n");
    assert!(resolve(&sys, &flag_profile("dev"), NOW).is_err());
}

#[test]
fn region_precedence() {
    let base = config(home(), "[default]\nregion = from-profile-1\n");
    assert_eq!(
        region(&base, &Overrides::default()).as_deref(),
        Some("from-profile-1")
    );
    let sys = base.clone().var("AWS_DEFAULT_REGION", "ca-central-1");
    assert_eq!(
        region(&sys, &Overrides::default()).as_deref(),
        Some("ca-central-1")
    );
    let sys = sys.var("AWS_REGION", "eu-north-1");
    assert_eq!(
        region(&sys, &Overrides::default()).as_deref(),
        Some("eu-north-1")
    );
    let flag = Overrides {
        region: Some("sa-east-1".into()),
        ..Default::default()
    };
    assert_eq!(region(&sys, &flag).as_deref(), Some("sa-east-1"));
    assert_eq!(region(&home(), &Overrides::default()), None);
}

#[test]
fn region_in_the_credentials_file_is_honoured() {
    let sys = config(home(), "[default]\nregion = eu-west-1\n");
    let sys = credentials(sys, "[default]\nregion = sa-east-1\n");
    assert_eq!(
        region(&sys, &Overrides::default()).as_deref(),
        Some("sa-east-1")
    );
}

#[test]
fn invalid_and_empty_regions_are_errors() {
    for bad in [
        "",
        "eu west 2",
        "123",
        "-eu",
        "eu-",
        "eu_west_2",
        &"a".repeat(64),
    ] {
        let sys = home().var("AWS_REGION", bad);
        let err = resolve(&sys, &Overrides::default(), NOW).unwrap_err();
        assert_eq!(err.exit_code(), EXIT_OTHER, "{bad:?}");
    }
    // An empty AWS_REGION is set, so it hides AWS_DEFAULT_REGION.
    let sys = home()
        .var("AWS_REGION", "")
        .var("AWS_DEFAULT_REGION", "eu-west-1");
    assert!(resolve(&sys, &Overrides::default(), NOW).is_err());
}

#[test]
fn fips_pseudo_regions_turn_fips_on() {
    for pseudo in ["fips-us-east-1", "us-east-1-fips"] {
        let sys = home().var("AWS_REGION", pseudo);
        let r = resolve_ok(&sys, &Overrides::default());
        assert_eq!(r.endpoint.region.as_deref(), Some("us-east-1"));
        assert!(r.endpoint.fips);
    }
}

#[test]
fn endpoint_precedence() {
    let sys = config(
        home(),
        "[default]\nservices = local\nendpoint_url = http://profile:1\n[services local]\ns3 =\n  endpoint_url = http://services:2\n",
    );
    assert_eq!(
        endpoint(&sys, &Overrides::default()).as_deref(),
        Some("http://services:2")
    );
    let sys = sys.var("AWS_ENDPOINT_URL", "http://global:3");
    assert_eq!(
        endpoint(&sys, &Overrides::default()).as_deref(),
        Some("http://global:3")
    );
    let sys = sys.var("AWS_ENDPOINT_URL_S3", "http://s3env:4");
    assert_eq!(
        endpoint(&sys, &Overrides::default()).as_deref(),
        Some("http://s3env:4")
    );
    let flag = Overrides {
        endpoint_url: Some("http://flag:5".into()),
        ..Default::default()
    };
    assert_eq!(endpoint(&sys, &flag).as_deref(), Some("http://flag:5"));
    let sys = sys.var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
    assert_eq!(endpoint(&sys, &Overrides::default()), None);
    assert_eq!(endpoint(&sys, &flag).as_deref(), Some("http://flag:5"));
}

#[test]
fn profile_endpoint_url_applies_without_services() {
    let sys = config(
        home(),
        "[profile oos]\nregion = eu-west-2\nendpoint_url = https://oos.eu-west-2.outscale.com\n",
    );
    assert_eq!(
        endpoint(&sys, &flag_profile("oos")).as_deref(),
        Some("https://oos.eu-west-2.outscale.com")
    );
}

#[test]
fn missing_services_section_is_an_error() {
    let sys = config(home(), "[default]\nservices = nope\n");
    let err = resolve(&sys, &Overrides::default(), NOW).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    assert!(err.to_string().contains("nope"));
}

#[test]
fn endpoint_without_scheme_is_a_usage_error_on_the_flag() {
    let flag = Overrides {
        endpoint_url: Some("example.com".into()),
        ..Default::default()
    };
    assert_eq!(
        resolve(&home(), &flag, NOW).unwrap_err().exit_code(),
        EXIT_USAGE
    );
    let sys = home().var("AWS_ENDPOINT_URL", "localhost:9000");
    assert_eq!(
        resolve(&sys, &Overrides::default(), NOW)
            .unwrap_err()
            .exit_code(),
        EXIT_OTHER
    );
}

#[test]
fn s3_settings_come_from_the_nested_section() {
    let sys = config(
        home(),
        "[default]\ns3 =\n  addressing_style = virtual\n  use_accelerate_endpoint = TRUE\n  use_dualstack_endpoint = true\n",
    );
    let e = resolve_ok(&sys, &Overrides::default()).endpoint;
    assert_eq!(e.addressing_style, AddressingStyle::Virtual);
    assert!(e.accelerate && e.dualstack);
    let sys = config(home(), "[default]\ns3 =\n  addressing_style = bogus\n");
    let err = resolve(&sys, &Overrides::default(), NOW).unwrap_err();
    assert!(err.to_string().contains("bogus"), "{err}");
}

#[test]
fn nested_dualstack_is_any_case_of_true_and_anything_else_falls_through() {
    let nested = |value: &str, top: &str| {
        let text = format!("[default]\n{top}s3 =\n  use_dualstack_endpoint = {value}\n");
        resolve_ok(&config(home(), &text), &Overrides::default())
            .endpoint
            .dualstack
    };
    for value in ["true", "True", "TRUE", "tRuE"] {
        assert!(nested(value, ""), "{value}");
    }
    for value in ["yes", "1", "false", "on"] {
        assert!(!nested(value, ""), "{value}");
        assert!(nested(value, "use_dualstack_endpoint = true\n"), "{value}");
    }
}

#[test]
fn dualstack_and_fips_from_environment_or_profile() {
    let sys = home()
        .var("AWS_USE_DUALSTACK_ENDPOINT", "true")
        .var("AWS_USE_FIPS_ENDPOINT", "True");
    let e = resolve_ok(&sys, &Overrides::default()).endpoint;
    assert!(e.dualstack && e.fips);
    let sys = config(home(), "[default]\nuse_fips_endpoint = true\n")
        .var("AWS_USE_FIPS_ENDPOINT", "false");
    assert!(!resolve_ok(&sys, &Overrides::default()).endpoint.fips);
}

#[test]
fn a_network_source_that_claims_the_profile_and_fails_ends_the_chain() {
    for profile in [
        "[default]\nregion = eu-west-1\n[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = default\n",
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\nweb_identity_token_file = /t\n",
        "[profile r]\nsso_session = s\nsso_account_id = 1\nsso_role_name = r\n",
        "[profile r]\nsso_start_url = https://x\nsso_region = us-east-1\nsso_account_id = 1\n",
    ] {
        // Static keys in the credentials file come later in the chain.
        let sys = config(home(), profile);
        let sys = credentials(
            sys,
            "[r]\naws_access_key_id = A\naws_secret_access_key = b\n",
        );
        // No server answers here: the claiming provider fails, and the
        // keys later in the chain are not used instead (botocore).
        let err = resolve(&sys, &flag_profile("r"), NOW).unwrap_err();
        assert_eq!(err.exit_code(), EXIT_OTHER, "{err}");
    }
}

#[test]
fn a_missing_source_profile_is_named() {
    let sys = config(
        home(),
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = gone\n",
    );
    let err = resolve(&sys, &flag_profile("r"), NOW).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    assert!(err.to_string().contains("source_profile \"gone\""), "{err}");
}

#[test]
fn sso_session_alone_does_not_make_an_sso_profile() {
    let sys = config(home(), "[profile r]\nsso_session = s\n");
    let sys = credentials(
        sys,
        "[r]\naws_access_key_id = AKIDSTATIC\naws_secret_access_key = b\n",
    );
    assert_eq!(access_key(&sys, &flag_profile("r")), "AKIDSTATIC");
}

#[test]
fn empty_configured_endpoints_are_skipped() {
    let sys = config(home(), "[default]\nendpoint_url =\n").var("AWS_ENDPOINT_URL", "");
    assert_eq!(endpoint(&sys, &Overrides::default()), None);
}

#[test]
fn legacy_credential_files_come_last() {
    let sys = home()
        .var("AWS_CREDENTIAL_FILE", "/ec2creds")
        .file("/ec2creds", "AWSAccessKeyId=AKIDEC2\nAWSSecretKey=s\n");
    assert_eq!(access_key(&sys, &Overrides::default()), "AKIDEC2");
    let sys = home().var("BOTO_CONFIG", "/boto").file(
        "/boto",
        "[Credentials]\naws_access_key_id = AKIDBOTO\naws_secret_access_key = s\n",
    );
    assert_eq!(access_key(&sys, &Overrides::default()), "AKIDBOTO");
}

#[test]
fn no_sign_request_looks_up_no_credentials() {
    let sys = home().var("AWS_ACCESS_KEY_ID", AK);
    let r = resolve_ok(
        &sys,
        &Overrides {
            no_sign_request: true,
            ..Default::default()
        },
    );
    assert!(r.credentials.is_none());
}

/// A library caller's overrides are named in the trail as the fields that
/// set them, not as command-line options (the CLI passes its own names).
#[test]
fn trail_names_a_library_callers_overrides_by_field() {
    let sys = with_env_keys(home());
    let overrides = Overrides::default()
        .with_profile("dev")
        .with_region("eu-west-2")
        .with_endpoint_url("https://hb.bizmrg.com")
        .with_no_sign_request(true);
    let sys = config(sys, "[profile dev]\n");
    let trail = resolve_ok(&sys, &overrides).trail.join("\n");
    for line in [
        "profile: dev (from Overrides::profile)",
        "region: eu-west-2 (from Overrides::region)",
        "endpoint: https://hb.bizmrg.com (from Overrides::endpoint_url)",
        "credentials: none (Overrides::no_sign_request)",
    ] {
        assert!(trail.contains(line), "missing {line:?} in:\n{trail}");
    }
    let bare = resolve_ok(&with_env_keys(home()), &Overrides::default());
    let trail = bare.trail.join("\n");
    assert!(
        trail.contains("(from no Overrides::profile, AWS_PROFILE or AWS_DEFAULT_PROFILE)"),
        "{trail}"
    );
    assert!(!trail.contains(" --"), "{trail}");
}

#[test]
fn trail_never_holds_a_secret() {
    let sys = with_env_keys(home()).var("AWS_SESSION_TOKEN", "TOKENVALUE");
    let r = resolve_ok(&sys, &Overrides::default());
    let trail = r.trail.join("\n");
    assert!(trail.contains(AK));
    assert!(
        !trail.contains(SK) && !trail.contains("TOKENVALUE"),
        "{trail}"
    );
}

#[cfg(unix)]
#[test]
fn credential_process_output_is_used() {
    let sys = config(
        home(),
        "[default]\ncredential_process = /bin/sh -c 'printf \"%s\" \"{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"AKIDPROC\\\", \\\"SecretAccessKey\\\": \\\"s\\\", \\\"SessionToken\\\": \\\"t\\\"}\"'\n",
    );
    let c = resolve_ok(&sys, &Overrides::default()).credentials.unwrap();
    assert_eq!(c.access_key_id, "AKIDPROC");
    assert_eq!(c.session_token.unwrap().expose(), "t");
}

#[cfg(unix)]
#[test]
fn credential_process_failure_is_a_credentials_error() {
    let sys = config(
        home(),
        "[default]\ncredential_process = /bin/sh -c 'echo nope >&2; exit 3'\n",
    );
    let err = resolve(&sys, &Overrides::default(), NOW).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_OTHER);
    // The helper's stderr went to presign's; the error never repeats it.
    assert!(
        err.to_string().contains("status 3") && !err.to_string().contains("nope"),
        "{err}"
    );
}
