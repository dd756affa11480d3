//! IAM Identity Center (SSO) role credentials: `sso_session` and legacy
//! profiles, the token cache `~/.aws/sso/cache`, its refresh through
//! SSO-OIDC, and GetRoleCredentials, as AWS CLI v2 does them (botocore
//! `SSOProvider`, `SSOCredentialFetcher`, `SSOTokenProvider`,
//! `SSOTokenLoader`).
//!
//! - Configuration: `sso_session = NAME` merges `[sso-session NAME]` into
//!   the profile; a key in both with different values, an unknown session
//!   and missing required keys (`sso_role_name, sso_account_id,
//!   sso_start_url, sso_region`, and `sso_session` when used) are errors.
//! - Role credentials are cached in `~/.aws/cli/cache` (top-level profile
//!   only) under the SHA-1 of the compact sorted JSON of `accountId`,
//!   `roleName` and `sessionName` or `startUrl`, as
//!   `{"ProviderType": "sso", "Credentials": {…, "Expiration":
//!   "%Y-%m-%dT%H:%M:%SZ", "AccountId"}}`; an entry with at least 15 minutes
//!   left is used without reading the token at all.
//! - The token is `~/.aws/sso/cache/<sha1(session name | start URL)>.json`.
//!   A legacy token is never refreshed: expired, it is the "SSO session has
//!   expired" error before any call. An `sso_session` token with less than
//!   15 minutes left is refreshed through SSO-OIDC `CreateToken` (unsigned
//!   JSON POST to `/token`) when it has a refresh token, a client
//!   registration and an unexpired registration; the new token is written
//!   back in v2's 8-field layout. A refresh the service refuses, or one that
//!   cannot be tried, keeps the old token, which is then used if it has not
//!   expired; a refresh that gets no answer fails the run.
//! - GetRoleCredentials is an unsigned `GET /federation/credentials` with
//!   the token in `x-amz-sso_bearer_token`; `UnauthorizedException` is the
//!   "SSO session has expired" error, any other service error exit 254.
//! - Endpoints: `https://portal.sso.<sso_region>.<suffix>` and
//!   `https://oidc.<sso_region>.<suffix>`, unless the selected profile or
//!   the environment configures one (`AWS_ENDPOINT_URL_SSO`,
//!   `AWS_ENDPOINT_URL_SSO_OIDC`, `[services]` keys `sso`, `sso_oidc`).

use std::path::PathBuf;

use serde_json::{Map, Value};
use sha1::{Digest, Sha1};
use time::{Duration, OffsetDateTime};

use super::cache::{self, CliCache, REFRESH_WINDOW};
use super::pyjson::{self, Style};
use super::{Context, Service, timestamp};
use crate::config::ini::{Section, Value as IniValue};
use crate::credentials::Credentials;
use crate::endpoint::partition;
use crate::error::{Error, Result, RulesFix};
use crate::escape::{self, for_terminal};
use crate::http::{HttpRequest, HttpResponse};
use crate::secret::SecretString;

/// An SSO profile's settings after the merge with its `sso-session`.
struct SsoConfig {
    /// The profile's name, escaped for messages.
    profile: String,
    role_name: String,
    account_id: String,
    start_url: String,
    sso_region: String,
    /// `sso_session`, when the profile names one.
    session: Option<String>,
}

impl SsoConfig {
    /// The command that renews this profile's SSO session.
    fn fix(&self) -> String {
        format!("run aws sso login --profile {}", self.profile)
    }
}

/// The role credentials of SSO profile `name` (merged `profile`);
/// `top_level` says whether they are cached in `~/.aws/cli/cache` (only for
/// the selected profile, not for a `source_profile`, as in AWS CLI v2).
pub(crate) fn credentials(
    cx: &Context,
    name: &str,
    profile: &Section,
    top_level: bool,
) -> Result<Credentials> {
    let config = read_config(cx, name, profile)?;
    let session_key = match &config.session {
        Some(session) => ("sessionName", session.as_str()),
        None => ("startUrl", config.start_url.as_str()),
    };
    let key = cache::sso_key(&config.account_id, &config.role_name, session_key);
    let cache = CliCache::new(cx)?;
    if top_level && let Some(credentials) = cache.load(cx, &key)? {
        return Ok(credentials);
    }
    let token = match &config.session {
        Some(session) => session_token(cx, &config, session)?,
        None => legacy_token(cx, &config)?,
    };
    let (credentials, entry) = get_role_credentials(cx, &config, &token)?;
    if top_level {
        cache.store(cx, &key, &entry)?;
    }
    if credentials
        .expiration
        .is_some_and(|e| cache::still_expired(e, cx.now))
    {
        return Err(Error::CredentialSource(
            "IAM Identity Center returned role credentials that are already expired (check this machine's clock)".to_owned(),
        ));
    }
    Ok(credentials)
}

/// A config value for messages: its text, or a marker for a nested table.
fn shown(value: &IniValue) -> String {
    match value.text() {
        Some(t) => for_terminal(t).to_string(),
        None => "(a nested table)".to_owned(),
    }
}

/// botocore `SSOProvider._load_sso_config`.
fn read_config(cx: &Context, name: &str, profile: &Section) -> Result<SsoConfig> {
    let profile_name = for_terminal(name).to_string();
    let mut merged = profile.clone();
    let mut session = None;
    if let Some(value) = profile.get("sso_session") {
        let section = value
            .text()
            .and_then(|n| cx.files.sso_session_section(n).map(|s| (n, s)));
        let Some((session_name, section)) = section else {
            return Err(Error::InvalidConfig(format!(
                "the specified sso-session does not exist: \"{}\" (add an [sso-session {}] section to the config file, or fix sso_session of profile {profile_name})",
                shown(value),
                shown(value)
            )));
        };
        for key in section.keys() {
            let Some(theirs) = section.get(key) else {
                continue;
            };
            if let Some(mine) = merged.get(key)
                && mine != theirs
            {
                return Err(Error::InvalidConfig(format!(
                    "the value for {} is inconsistent between profile ({}) and sso-session ({}) (make them equal, or remove {} from profile {profile_name})",
                    for_terminal(key),
                    shown(mine),
                    shown(theirs),
                    for_terminal(key)
                )));
            }
            merged.set(key.to_owned(), theirs.clone());
        }
        session = Some(session_name.to_owned());
    }
    let mut required = vec![
        "sso_role_name",
        "sso_account_id",
        "sso_start_url",
        "sso_region",
    ];
    if session.is_some() {
        required.push("sso_session");
    }
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|k| !merged.has(k))
        .collect();
    if !missing.is_empty() {
        let place = if session.is_some() {
            "the profile or its sso-session section"
        } else {
            "the profile"
        };
        return Err(Error::InvalidConfig(format!(
            "the profile \"{profile_name}\" is configured to use SSO but is missing required configuration: {} (add them to {place}, or run aws configure sso --profile {profile_name})",
            missing.join(", ")
        )));
    }
    let text = |key: &str| -> Result<String> {
        merged.text(key).map(str::to_owned).ok_or_else(|| {
            Error::InvalidConfig(format!(
                "{key} of profile {profile_name} is a nested table, not a value (write it as {key} = VALUE)"
            ))
        })
    };
    Ok(SsoConfig {
        role_name: text("sso_role_name")?,
        account_id: text("sso_account_id")?,
        start_url: text("sso_start_url")?,
        sso_region: text("sso_region")?,
        session,
        profile: profile_name,
    })
}

/// `~/.aws/sso/cache/<sha1(name)>.json`.
fn token_path(cx: &Context, name: &str) -> Result<PathBuf> {
    let key = hex::encode(Sha1::digest(name.as_bytes()));
    Ok(cx
        .home()?
        .join(".aws")
        .join("sso")
        .join("cache")
        .join(format!("{key}.json")))
}

/// A token file, read.
struct TokenFile {
    path: PathBuf,
    doc: Map<String, Value>,
    /// `expiresAt`.
    expires_at: OffsetDateTime,
}

impl TokenFile {
    /// `accessToken`, which botocore sends as a string parameter.
    fn access_token(&self) -> Result<SecretString> {
        match self.doc.get("accessToken") {
            Some(Value::String(t)) => Ok(SecretString::new(t.clone())),
            _ => Err(Error::ParamValidation(format!(
                "invalid type for parameter accessToken: it must be text, in the SSO token file {} (run aws sso login again)",
                escape::path(&self.path)
            ))),
        }
    }
}

/// botocore `SSOTokenLoader.__call__`: the token for `name` (a session
/// name or a start URL), which must have `accessToken` and `expiresAt`.
fn load_token(cx: &Context, config: &SsoConfig, name: &str) -> Result<TokenFile> {
    let path = token_path(cx, name)?;
    let shown_path = escape::path(&path).to_string();
    let bytes = match cx.sys.read_file(&path) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return Err(Error::CredentialSource(format!(
                "error loading SSO token: token for {} does not exist ({shown_path} is missing; {})",
                for_terminal(name),
                config.fix()
            )));
        }
        Err(e) => {
            return Err(Error::CredentialSource(format!(
                "cannot read the SSO token file {shown_path}: {e} (fix its permissions, or {})",
                config.fix()
            )));
        }
    };
    let Ok(Value::Object(doc)) = serde_json::from_slice::<Value>(&bytes) else {
        return Err(Error::CredentialSource(format!(
            "the SSO token file {shown_path} is corrupt: not a JSON object (delete it and {}; AWS CLI v2 stops on it too)",
            config.fix()
        )));
    };
    if !doc.contains_key("accessToken") || !doc.contains_key("expiresAt") {
        return Err(Error::CredentialSource(format!(
            "error loading SSO token: token for {} is invalid ({shown_path} has no accessToken or expiresAt; {})",
            for_terminal(&config.start_url),
            config.fix()
        )));
    }
    let expires_at = doc
        .get("expiresAt")
        .and_then(Value::as_str)
        .and_then(timestamp::parse)
        .ok_or_else(|| {
            Error::CredentialSource(format!(
                "the SSO token file {shown_path} is corrupt: \"expiresAt\" is not a time with a zone (delete it and {})",
                config.fix()
            ))
        })?;
    Ok(TokenFile {
        path,
        doc,
        expires_at,
    })
}

/// The "SSO session has expired" error of AWS CLI v2
/// (`UnauthorizedSSOTokenError`), with its fix.
fn session_expired(config: &SsoConfig) -> Error {
    Error::CredentialSource(format!(
        "the SSO session associated with profile {} has expired or is otherwise invalid ({})",
        config.profile,
        config.fix()
    ))
}

/// A legacy profile's token: used until `expiresAt`, never refreshed.
fn legacy_token(cx: &Context, config: &SsoConfig) -> Result<SecretString> {
    let token = load_token(cx, config, &config.start_url)?;
    if token.expires_at - cx.now <= Duration::ZERO {
        cx.note(format!(
            "SSO token {}: expired at {} (legacy profile, no refresh)",
            escape::path(&token.path),
            timestamp::zulu(token.expires_at)
        ));
        return Err(session_expired(config));
    }
    cx.note(format!(
        "SSO token {}: used (expires at {})",
        escape::path(&token.path),
        timestamp::zulu(token.expires_at)
    ));
    token.access_token()
}

/// An `sso_session` profile's token, refreshed when less than 15 minutes
/// remain (botocore `SSOTokenProvider._refresher` under
/// `DeferredRefreshableToken`).
fn session_token(cx: &Context, config: &SsoConfig, session: &str) -> Result<SecretString> {
    // SSOTokenProvider reads the session section alone.
    let section = cx
        .files
        .sso_session_section(session)
        .cloned()
        .unwrap_or_default();
    let missing: Vec<String> = ["sso_start_url", "sso_region"]
        .iter()
        .filter(|k| section.text(k).is_none())
        .map(|k| format!("'{k}'"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::InvalidConfig(format!(
            "the profile \"{}\" is configured to use the SSO token provider but is missing the following configuration: [{}] (add it to [sso-session {}])",
            config.profile,
            missing.join(", "),
            for_terminal(session)
        )));
    }
    let start_url = section.text("sso_start_url").unwrap_or_default();
    let sso_region = section.text("sso_region").unwrap_or_default();
    let token = load_token(cx, config, session)?;
    let shown_path = escape::path(&token.path).to_string();
    let left = token.expires_at - cx.now;
    if left >= REFRESH_WINDOW {
        cx.note(format!(
            "SSO token {shown_path}: used (expires at {})",
            timestamp::zulu(token.expires_at)
        ));
        return token.access_token();
    }
    cx.note(format!(
        "SSO token {shown_path}: expires at {}, less than 15 minutes left; refreshing",
        timestamp::zulu(token.expires_at)
    ));
    let refreshed = refresh(cx, config, &token, start_url, sso_region)?;
    let (access_token, expires_at) = match refreshed {
        Some((doc, expires_at)) => {
            let text = pyjson::dumps(
                &Value::Object(doc.clone()),
                Style {
                    compact: false,
                    sort_keys: false,
                },
            );
            cx.sys
                .write_private_file(&token.path, text.as_bytes())
                .map_err(|e| {
                    Error::CredentialSource(format!(
                        "cannot write the SSO token file {shown_path}: {e} (check the folder's permissions)"
                    ))
                })?;
            cx.note(format!(
                "SSO token {shown_path}: refreshed, written (expires at {})",
                timestamp::zulu(expires_at)
            ));
            let t = TokenFile {
                path: token.path.clone(),
                doc,
                expires_at,
            };
            (t.access_token()?, expires_at)
        }
        None => (token.access_token()?, token.expires_at),
    };
    if expires_at - cx.now <= Duration::ZERO {
        return Err(Error::CredentialSource(format!(
            "error when retrieving token from sso: token has expired and refresh failed (the token of sso-session {} in {shown_path} expired at {}; {})",
            for_terminal(session),
            timestamp::zulu(expires_at),
            config.fix()
        )));
    }
    Ok(access_token)
}

/// A string parameter of a botocore call, taken from a token file.
fn string_param<'a>(doc: &'a Map<String, Value>, key: &str, file: &str) -> Result<&'a str> {
    doc.get(key).and_then(Value::as_str).ok_or_else(|| {
        Error::ParamValidation(format!(
            "invalid type for parameter {key}: it must be text, in the token file {file} (run the login again)"
        ))
    })
}

/// botocore `SSOTokenProvider._refresh_access_token`: `Ok(None)` when the
/// refresh cannot be tried or the service refuses it (the old token stays),
/// the new token document and its expiry otherwise.
fn refresh(
    cx: &Context,
    config: &SsoConfig,
    token: &TokenFile,
    start_url: &str,
    sso_region: &str,
) -> Result<Option<(Map<String, Value>, OffsetDateTime)>> {
    let shown_path = escape::path(&token.path).to_string();
    let doc = &token.doc;
    let missing: Vec<&str> = [
        "refreshToken",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
    ]
    .into_iter()
    .filter(|k| !doc.contains_key(*k))
    .collect();
    if !missing.is_empty() {
        cx.note(format!(
            "SSO token {shown_path}: cannot refresh, missing keys: {}",
            missing.join(", ")
        ));
        return Ok(None);
    }
    let registration = doc
        .get("registrationExpiresAt")
        .and_then(Value::as_str)
        .and_then(timestamp::parse)
        .ok_or_else(|| {
            Error::CredentialSource(format!(
                "the SSO token file {shown_path} is corrupt: \"registrationExpiresAt\" is not a time with a zone (delete it and {})",
                config.fix()
            ))
        })?;
    if registration - cx.now <= Duration::ZERO {
        cx.note(format!(
            "SSO token {shown_path}: cannot refresh, the client registration expired at {}",
            timestamp::zulu(registration)
        ));
        return Ok(None);
    }
    let client_id = string_param(doc, "clientId", &shown_path)?;
    let client_secret = string_param(doc, "clientSecret", &shown_path)?;
    let refresh_token = string_param(doc, "refreshToken", &shown_path)?;
    let base = endpoint(cx, Service::SsoOidc, sso_region)?;
    let url = join(&base, "/token", None, Service::SsoOidc)?;
    let mut body = Map::new();
    body.insert("grantType".to_owned(), Value::from("refresh_token"));
    body.insert("clientId".to_owned(), Value::from(client_id));
    body.insert("clientSecret".to_owned(), Value::from(client_secret));
    body.insert("refreshToken".to_owned(), Value::from(refresh_token));
    let body = pyjson::dumps(
        &Value::Object(body),
        Style {
            compact: false,
            sort_keys: false,
        },
    );
    let request = HttpRequest {
        method: "POST",
        url: url.clone(),
        headers: vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Accept-Encoding".to_owned(), "identity".to_owned()),
            ("User-Agent".to_owned(), super::user_agent()),
        ],
        body: body.into_bytes(),
        transport: cx.client_transport()?,
    };
    cx.note(format!(
        "SSO-OIDC CreateToken: POST {}, unsigned",
        for_terminal(&url)
    ));
    let (response, retries) = cx.send_with_retries(Service::SsoOidc, &request)?;
    if !(200..300).contains(&response.status) {
        let error = ServiceError::of(&response);
        cx.note(format!(
            "SSO-OIDC CreateToken refused after {} attempt(s): {}: {}; keeping the old token",
            retries + 1,
            for_terminal(&error.code),
            for_terminal(&error.message)
        ));
        return Ok(None);
    }
    let malformed = |what: &str| {
        Error::CredentialSource(format!(
            "IAM Identity Center OIDC answered CreateToken at {} with a document that has no {what} (check the SSO-OIDC endpoint settings)",
            for_terminal(&url)
        ))
    };
    let answer = match serde_json::from_slice::<Value>(&response.body) {
        Ok(Value::Object(m)) => m,
        _ => return Err(malformed("JSON object")),
    };
    let expires_in = answer
        .get("expiresIn")
        .and_then(seconds_of)
        .ok_or_else(|| malformed("expiresIn"))?;
    let access_token = answer
        .get("accessToken")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("accessToken"))?;
    let expires_at = cx
        .now
        .checked_add(expires_in)
        .ok_or_else(|| malformed("usable expiresIn"))?;
    let mut new = Map::new();
    new.insert("startUrl".to_owned(), Value::from(start_url));
    new.insert("region".to_owned(), Value::from(sso_region));
    new.insert("accessToken".to_owned(), Value::from(access_token));
    new.insert(
        "expiresAt".to_owned(),
        Value::from(timestamp::zulu(expires_at)),
    );
    for key in ["clientId", "clientSecret", "registrationExpiresAt"] {
        if let Some(v) = doc.get(key) {
            new.insert(key.to_owned(), v.clone());
        }
    }
    if let Some(v) = answer.get("refreshToken") {
        new.insert("refreshToken".to_owned(), v.clone());
    }
    Ok(Some((new, expires_at)))
}

/// A number of seconds (`expiresIn`), whole or not.
fn seconds_of(value: &Value) -> Option<Duration> {
    if let Some(n) = value.as_i64() {
        return Some(Duration::seconds(n));
    }
    value
        .as_f64()
        .filter(|f| f.is_finite() && f.abs() < 1e15)
        .map(Duration::seconds_f64)
}

/// The code and message of a rest-json error answer, as botocore's parser
/// reads them: `x-amzn-ErrorType`, else the body's `code`/`Code`, else its
/// `__type`, else the status code; the part before `:` and after `#`.
pub(crate) struct ServiceError {
    pub code: String,
    pub message: String,
    /// The parsed body (empty when it is not a JSON object).
    pub body: Map<String, Value>,
}

impl ServiceError {
    pub(crate) fn of(response: &HttpResponse) -> Self {
        let body = match serde_json::from_slice::<Value>(&response.body) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let field = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| body.get(*n).and_then(Value::as_str))
                .map(str::to_owned)
        };
        let code = response
            .header("x-amzn-errortype")
            .map(str::to_owned)
            .or_else(|| field(&["code", "Code"]))
            .or_else(|| field(&["__type"]))
            .unwrap_or_else(|| response.status.to_string());
        let code = code.split(':').next().unwrap_or_default();
        let code = code.rsplit('#').next().unwrap_or_default().to_owned();
        let message = field(&["message", "Message"]).unwrap_or_default();
        ServiceError {
            code,
            message,
            body,
        }
    }
}

/// Whether `AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint` (or the dual-stack
/// pair) is on for the selected profile.
pub(crate) fn flag(cx: &Context, env: &str, key: &str) -> Result<bool> {
    Ok(cx
        .setting(env, key)?
        .is_some_and(|v| v.eq_ignore_ascii_case("true")))
}

/// A service's name at the start of a phrase ("IAM Identity Center portal").
fn name_of(service: Service) -> &'static str {
    service.label().trim_start_matches("the ")
}

/// The base URL of the `sso` or `sso-oidc` client in `region` (their
/// endpoint rule sets).
fn endpoint(cx: &Context, service: Service, region: &str) -> Result<String> {
    if let Some(url) = cx.configured_endpoint(service)? {
        cx.note(format!(
            "{} endpoint: {} (configured)",
            name_of(service),
            for_terminal(&url)
        ));
        return Ok(url);
    }
    crate::config::validate_region(region)?;
    let (name, fips_name) = match service {
        Service::SsoOidc => ("oidc", "oidc-fips"),
        _ => ("portal.sso", "portal.sso-fips"),
    };
    let fips = flag(cx, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint")?;
    let dualstack = flag(cx, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint")?;
    let part = partition::of(region);
    let dual_suffix = match part.name {
        "aws-cn" => "api.amazonwebservices.com.cn",
        _ => "api.aws",
    };
    let refuse = |why: &str| Error::EndpointRules {
        rule: why.to_owned(),
        fix: RulesFix::Settings(format!(
            "for {} in sso_region {}; unset use_fips_endpoint or AWS_USE_FIPS_ENDPOINT",
            name_of(service),
            for_terminal(region)
        )),
    };
    let url = match (fips, dualstack) {
        (true, true) if part.supports_fips => format!("https://{fips_name}.{region}.{dual_suffix}"),
        (true, true) => {
            return Err(refuse(
                "FIPS and DualStack are enabled, but this partition does not support one or both",
            ));
        }
        (true, false) if !part.supports_fips => {
            return Err(refuse(
                "FIPS is enabled but this partition does not support FIPS",
            ));
        }
        (true, false) if part.name == "aws-us-gov" => {
            format!("https://{name}.{region}.amazonaws.com")
        }
        (true, false) => format!("https://{fips_name}.{region}.{}", part.dns_suffix),
        (false, true) => format!("https://{name}.{region}.{dual_suffix}"),
        (false, false) => format!("https://{name}.{region}.{}", part.dns_suffix),
    };
    cx.note(format!("{} endpoint: {url}", name_of(service)));
    Ok(url)
}

/// `base` with `path` appended to its own path (botocore `_urljoin`) and
/// `query`.
pub(crate) fn join(
    base: &str,
    path: &str,
    query: Option<&str>,
    service: Service,
) -> Result<String> {
    let invalid = |why: &str| {
        Error::InvalidEndpoint(format!(
            "the {} endpoint \"{}\" {why} (fix AWS_ENDPOINT_URL_{} or the profile's endpoint settings)",
            name_of(service),
            for_terminal(base),
            match service {
                Service::Sso => "SSO",
                Service::SsoOidc => "SSO_OIDC",
                Service::Signin => "SIGNIN",
                Service::Sts => "STS",
            }
        ))
    };
    let mut url = url::Url::parse(base).map_err(|_| invalid("is not a URL"))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("has no host"));
    }
    let joined = format!("{}{path}", url.path().trim_end_matches('/'));
    url.set_path(&joined);
    url.set_query(query);
    Ok(url.to_string())
}

/// One query value, percent-encoded as botocore encodes it.
fn query_value(out: &mut String, text: &str) {
    crate::sign::encode::push_query(out, text);
}

/// GetRoleCredentials: the role credentials and the cache entry AWS CLI v2
/// writes for them.
fn get_role_credentials(
    cx: &Context,
    config: &SsoConfig,
    token: &SecretString,
) -> Result<(Credentials, Value)> {
    let base = endpoint(cx, Service::Sso, &config.sso_region)?;
    let mut query = String::from("role_name=");
    query_value(&mut query, &config.role_name);
    query.push_str("&account_id=");
    query_value(&mut query, &config.account_id);
    let url = join(&base, "/federation/credentials", Some(&query), Service::Sso)?;
    let request = HttpRequest {
        method: "GET",
        url: url.clone(),
        headers: vec![
            (
                "x-amz-sso_bearer_token".to_owned(),
                token.expose().to_owned(),
            ),
            ("Accept-Encoding".to_owned(), "identity".to_owned()),
            ("User-Agent".to_owned(), super::user_agent()),
        ],
        body: Vec::new(),
        transport: cx.client_transport()?,
    };
    cx.note(format!(
        "SSO GetRoleCredentials: GET {}, unsigned",
        for_terminal(&url)
    ));
    let (response, retries) = cx.send_with_retries(Service::Sso, &request)?;
    if !(200..300).contains(&response.status) {
        let error = ServiceError::of(&response);
        if error.code == "UnauthorizedException" {
            return Err(session_expired(config));
        }
        let hint = match error.code.as_str() {
            "ForbiddenException" | "ResourceNotFoundException" => format!(
                "check that role {} of account {} is assigned to you",
                for_terminal(&config.role_name),
                for_terminal(&config.account_id)
            ),
            _ => String::new(),
        };
        return Err(Error::Service {
            service: "IAM Identity Center",
            operation: "GetRoleCredentials",
            code: for_terminal(&error.code).to_string(),
            message: for_terminal(&error.message).to_string(),
            attempts: retries + 1,
            hint,
        });
    }
    let malformed = || {
        Error::CredentialSource(format!(
            "IAM Identity Center answered GetRoleCredentials at {} with a document that holds no role credentials (check the SSO endpoint settings)",
            for_terminal(&url)
        ))
    };
    let body: Value = serde_json::from_slice(&response.body).map_err(|_| malformed())?;
    let c = body.get("roleCredentials").ok_or_else(malformed)?;
    let text = |name: &str| c.get(name).and_then(Value::as_str).ok_or_else(malformed);
    let millis = c
        .get("expiration")
        .and_then(|v| {
            v.as_i64()
                .map(|m| m.div_euclid(1000))
                .or_else(|| v.as_f64().map(|f| (f / 1000.0).floor() as i64))
        })
        .ok_or_else(malformed)?;
    let expiration = OffsetDateTime::from_unix_timestamp(millis).map_err(|_| malformed())?;
    let credentials = Credentials {
        access_key_id: text("accessKeyId")?.to_owned(),
        secret_access_key: SecretString::new(text("secretAccessKey")?.to_owned()),
        session_token: Some(SecretString::new(text("sessionToken")?.to_owned())),
        expiration: Some(expiration),
    };
    let mut entry = Map::new();
    entry.insert("ProviderType".to_owned(), Value::from("sso"));
    entry.insert(
        "Credentials".to_owned(),
        cache::credentials_json(
            &credentials,
            &timestamp::zulu(expiration),
            Some(&config.account_id),
        ),
    );
    Ok((credentials, Value::Object(entry)))
}

#[cfg(test)]
mod tests;
