//! AWS STS: AssumeRole (`role_arn`) and AssumeRoleWithWebIdentity, as
//! AWS CLI v2 calls them (botocore `AssumeRoleCredentialFetcher`,
//! `AssumeRoleWithWebIdentityCredentialFetcher`).
//!
//! - Endpoint: the session's region, always regional in v2
//!   (`https://sts.REGION.amazonaws.com`, FIPS and dual-stack forms; no
//!   region: `https://sts.amazonaws.com`, signed for `us-east-1`), unless the
//!   selected profile or the environment configures one
//!   (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, `[services]` key `sts`,
//!   `endpoint_url`); `--endpoint-url` is for S3 only.
//! - Request: `POST` of a form, `Action=…&Version=2011-06-15&` then the
//!   parameters in botocore's order; AssumeRole is signed with SigV4 in the
//!   `Authorization` header for service `sts`, web identity is unsigned.
//! - Limits of the API model are checked before the call (252).
//! - Answers: `Credentials` under `<Action>Result` of the XML; a service
//!   error (`ErrorResponse/Error/Code`) is exit 254, a failure to connect 255.
//! - Cache: `~/.aws/cli/cache`, keyed by the configured arguments (see
//!   [`super::cache`]).

use serde_json::Value;

use super::cache::{self, CliCache};
use super::{Context, Service, timestamp};
use crate::config::chain::RoleHop;
use crate::config::ini::Section;
use crate::credentials::Credentials;
use crate::endpoint::partition;
use crate::error::{Error, Result};
use crate::escape::{self, for_terminal};
use crate::http::{HttpRequest, form_encode};
use crate::secret::SecretString;
use crate::sign::header::{self, HeaderRequest};

const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// `botocore-session-<unix seconds>`, the session name v2 makes up.
fn default_session_name(cx: &Context) -> String {
    format!("botocore-session-{}", cx.now.unix_timestamp())
}

/// A length limit of the STS API model, as botocore's validator words it.
fn check_length(
    parameter: &str,
    value: &str,
    min: usize,
    max: usize,
    setting: &str,
    profile: &str,
) -> Result<()> {
    let n = value.chars().count();
    let bound = if n < min {
        format!("valid min length: {min}")
    } else if n > max {
        format!("valid max length: {max}")
    } else {
        return Ok(());
    };
    Err(Error::ParamValidation(format!(
        "invalid length for parameter {parameter}, value: {n}, {bound} (fix {setting} of profile {})",
        for_terminal(profile)
    )))
}

/// The model's limits on the configured values of `hop`.
pub(crate) fn validate_hop(hop: &RoleHop) -> Result<()> {
    let p = &hop.profile;
    check_length("RoleArn", &hop.role_arn, 20, 2048, "role_arn", p)?;
    if let Some(name) = &hop.role_session_name {
        check_length("RoleSessionName", name, 2, 64, "role_session_name", p)?;
    }
    if let Some(id) = &hop.external_id {
        check_length("ExternalId", id, 2, 1224, "external_id", p)?;
    }
    if let Some(serial) = &hop.mfa_serial {
        check_length("SerialNumber", serial, 9, 256, "mfa_serial", p)?;
    }
    if let Some(d) = hop.duration_seconds {
        let bound = if d < 900 {
            "valid min value: 900"
        } else if d > 43200 {
            "valid max value: 43200"
        } else {
            return Ok(());
        };
        return Err(Error::ParamValidation(format!(
            "invalid value for parameter DurationSeconds, value: {d}, {bound} (fix duration_seconds of profile {})",
            for_terminal(p)
        )));
    }
    Ok(())
}

/// The configured arguments of `hop`, in botocore's order.
fn configured_args(hop: &RoleHop) -> serde_json::Map<String, Value> {
    let mut args = serde_json::Map::new();
    if let Some(name) = &hop.role_session_name {
        args.insert("RoleSessionName".to_owned(), Value::from(name.as_str()));
    }
    if let Some(id) = &hop.external_id {
        args.insert("ExternalId".to_owned(), Value::from(id.as_str()));
    }
    if let Some(serial) = &hop.mfa_serial {
        args.insert("SerialNumber".to_owned(), Value::from(serial.as_str()));
    }
    if let Some(d) = hop.duration_seconds {
        args.insert("DurationSeconds".to_owned(), Value::from(d));
    }
    args.insert("RoleArn".to_owned(), Value::from(hop.role_arn.as_str()));
    args
}

/// The cache file name of `hop`'s session.
pub(crate) fn cache_key(hop: &RoleHop) -> String {
    cache::role_key(&configured_args(hop))
}

/// The STS endpoint URL and signing region of the session.
fn endpoint(cx: &Context) -> Result<(String, String)> {
    let region = cx.region.clone();
    if let Some(url) = cx.configured_endpoint(Service::Sts)? {
        cx.note(format!("STS endpoint: {} (configured)", for_terminal(&url)));
        return Ok((url, region.unwrap_or_else(|| "us-east-1".to_owned())));
    }
    let flag = |env: &str, key: &str| -> Result<bool> {
        Ok(cx
            .setting(env, key)?
            .is_some_and(|v| v.eq_ignore_ascii_case("true")))
    };
    let fips = flag("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint")?;
    let dualstack = flag("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint")?;
    let (url, signing) = match region.as_deref() {
        None | Some("aws-global") if !fips && !dualstack => (
            "https://sts.amazonaws.com".to_owned(),
            "us-east-1".to_owned(),
        ),
        _ => {
            let r = match region.as_deref() {
                None | Some("aws-global") => "us-east-1",
                Some(r) => r,
            };
            crate::config::validate_region(r)?;
            let part = partition::of(r);
            let dual_suffix = match part.name {
                "aws-cn" => "api.amazonwebservices.com.cn",
                _ => "api.aws",
            };
            let suffix = if dualstack {
                dual_suffix
            } else {
                part.dns_suffix
            };
            let name = if fips { "sts-fips" } else { "sts" };
            (format!("https://{name}.{r}.{suffix}"), r.to_owned())
        }
    };
    cx.note(format!("STS endpoint: {url}, signing region {signing}"));
    Ok((url, signing))
}

/// One STS call: `params` after `Action` and `Version`; `signer` signs it.
/// Returns the credentials and the cache entry AWS CLI v2 writes for them.
fn call(
    cx: &Context,
    action: &'static str,
    params: &[(&str, &str)],
    signer: Option<&Credentials>,
) -> Result<(Credentials, Value)> {
    let (base, region) = endpoint(cx)?;
    let url = url::Url::parse(&base).map_err(|_| {
        Error::InvalidEndpoint(format!(
            "the STS endpoint \"{}\" is not a URL (fix AWS_ENDPOINT_URL_STS or the profile's endpoint settings)",
            for_terminal(&base)
        ))
    })?;
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => {
            return Err(Error::InvalidEndpoint(format!(
                "the STS endpoint \"{}\" has no host (fix AWS_ENDPOINT_URL_STS or the profile's endpoint settings)",
                for_terminal(&base)
            )));
        }
    };
    let mut pairs = vec![("Action", action), ("Version", "2011-06-15")];
    pairs.extend_from_slice(params);
    let body = form_encode(&pairs);
    let mut headers = vec![
        ("Content-Type".to_owned(), FORM.to_owned()),
        ("Accept-Encoding".to_owned(), "identity".to_owned()),
        ("User-Agent".to_owned(), super::user_agent()),
    ];
    if let Some(credentials) = signer {
        let signed = header::sign(
            &HeaderRequest {
                method: "POST",
                host: &host,
                path: url.path(),
                query: "",
                headers: &[("content-type", FORM)],
                body: body.as_bytes(),
                region: &region,
                service: "sts",
            },
            credentials,
            cx.now,
        );
        headers.extend(
            signed
                .into_iter()
                .map(|(n, v)| (n.to_owned(), v.expose().to_owned())),
        );
    }
    let request = HttpRequest {
        method: "POST",
        url: url.to_string(),
        headers,
        body: body.into_bytes(),
        transport: cx.client_transport()?,
    };
    cx.note(format!(
        "STS {action}: POST {}{}",
        for_terminal(url.as_str()),
        match signer {
            Some(c) => format!(", signed by {}", for_terminal(&c.access_key_id)),
            None => ", unsigned".to_owned(),
        }
    ));
    let (response, retries) = cx.send_with_retries(Service::Sts, &request)?;
    let text = response.text();
    if !(200..300).contains(&response.status) {
        let (code, message) =
            error_of(&text).unwrap_or_else(|| (format!("HTTP {}", response.status), String::new()));
        let hint = match code.as_str() {
            "AccessDenied" => {
                "check the role's trust policy and the caller's sts:AssumeRole permission"
            }
            "ExpiredToken" | "InvalidClientTokenId" => {
                "the caller's credentials are not valid; renew them"
            }
            "InvalidIdentityToken" | "ExpiredTokenException" => {
                "the web identity token is not valid; renew it"
            }
            _ => "",
        };
        return Err(Error::Service {
            service: "STS",
            operation: action,
            code: for_terminal(&code).to_string(),
            message: for_terminal(&message).to_string(),
            attempts: retries + 1,
            hint: hint.to_owned(),
        });
    }
    let answer = parse_answer(&text, action).ok_or_else(|| {
        Error::CredentialSource(format!(
            "STS answered {action} at {} with a document that holds no credentials (check the STS endpoint settings)",
            for_terminal(url.as_str())
        ))
    })?;
    if answer
        .credentials
        .expiration
        .is_some_and(|e| cache::still_expired(e, cx.now))
    {
        return Err(Error::CredentialSource(format!(
            "STS returned credentials for {action} that are already expired (check this machine's clock)"
        )));
    }
    let entry = cache_entry(&answer);
    Ok((answer.credentials, entry))
}

/// What STS answered.
struct Answer {
    credentials: Credentials,
    expiration_text: String,
    account_id: Option<String>,
    assumed_role: Option<(String, String)>,
}

/// The `Credentials` and `AssumedRoleUser` of an STS answer (namespaces
/// and the root element's name are ignored, as botocore ignores them).
fn parse_answer(text: &str, action: &str) -> Option<Answer> {
    let doc = roxmltree::Document::parse(text).ok()?;
    let result_name = format!("{action}Result");
    let result = doc
        .root_element()
        .children()
        .find(|n| n.tag_name().name() == result_name)?;
    fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
        node.children().find(|n| n.tag_name().name() == name)
    }
    let text_of = |node: roxmltree::Node<'_, '_>, name: &str| {
        child(node, name).map(|n| n.text().unwrap_or("").to_owned())
    };
    let c = child(result, "Credentials")?;
    let expiration_text = text_of(c, "Expiration")?;
    let expiration = timestamp::parse(&expiration_text)?;
    let user = child(result, "AssumedRoleUser");
    let arn = user.and_then(|u| text_of(u, "Arn"));
    let account_id = arn
        .as_deref()
        .and_then(|a| a.split(':').nth(4))
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    let assumed_role = user.and_then(|u| Some((text_of(u, "AssumedRoleId")?, text_of(u, "Arn")?)));
    Some(Answer {
        credentials: Credentials {
            access_key_id: text_of(c, "AccessKeyId")?,
            secret_access_key: SecretString::new(text_of(c, "SecretAccessKey")?),
            session_token: Some(SecretString::new(text_of(c, "SessionToken")?)),
            expiration: Some(expiration),
        },
        expiration_text,
        account_id,
        assumed_role,
    })
}

/// `Error/Code` and `Error/Message` of an STS error document.
fn error_of(text: &str) -> Option<(String, String)> {
    let doc = roxmltree::Document::parse(text).ok()?;
    let error = doc.descendants().find(|n| n.tag_name().name() == "Error")?;
    let field = |name: &str| {
        error
            .children()
            .find(|n| n.tag_name().name() == name)
            .and_then(|n| n.text())
            .unwrap_or("")
            .to_owned()
    };
    Some((field("Code"), field("Message")))
}

/// The cache entry AWS CLI v2 writes for an STS answer: `Credentials` with
/// `Expiration` as Python's `isoformat()` and the role's account, and
/// `AssumedRoleUser`.
fn cache_entry(answer: &Answer) -> Value {
    let expiration = answer
        .credentials
        .expiration
        .map(timestamp::isoformat)
        .unwrap_or_else(|| answer.expiration_text.clone());
    let mut entry = serde_json::Map::new();
    entry.insert(
        "Credentials".to_owned(),
        cache::credentials_json(
            &answer.credentials,
            &expiration,
            answer.account_id.as_deref(),
        ),
    );
    if let Some((id, arn)) = &answer.assumed_role {
        let mut user = serde_json::Map::new();
        user.insert("AssumedRoleId".to_owned(), Value::from(id.as_str()));
        user.insert("Arn".to_owned(), Value::from(arn.as_str()));
        entry.insert("AssumedRoleUser".to_owned(), Value::Object(user));
    }
    Value::Object(entry)
}

/// Assumes `hop`'s role with `source`, and caches the session.
pub(crate) fn assume_role(
    cx: &Context,
    hop: &RoleHop,
    source: &Credentials,
    cache: &CliCache,
) -> Result<Credentials> {
    let generated;
    let duration;
    let mut params: Vec<(&str, &str)> = Vec::new();
    if let Some(name) = &hop.role_session_name {
        params.push(("RoleSessionName", name));
    }
    if let Some(id) = &hop.external_id {
        params.push(("ExternalId", id));
    }
    if let Some(serial) = &hop.mfa_serial {
        params.push(("SerialNumber", serial));
    }
    if let Some(d) = hop.duration_seconds {
        duration = d.to_string();
        params.push(("DurationSeconds", &duration));
    }
    params.push(("RoleArn", &hop.role_arn));
    if hop.role_session_name.is_none() {
        generated = default_session_name(cx);
        params.push(("RoleSessionName", &generated));
    }
    let code;
    if let Some(serial) = &hop.mfa_serial {
        code = mfa_code(cx, serial, &hop.profile)?;
        params.push(("TokenCode", code.expose()));
    }
    let (credentials, entry) = call(cx, "AssumeRole", &params, Some(source))?;
    cache.store(cx, &cache_key(hop), &entry)?;
    Ok(credentials)
}

/// The MFA code for `serial`: typed at the terminal, never read from a
/// standard input that carries the batch of keys.
fn mfa_code(cx: &Context, serial: &str, profile: &str) -> Result<SecretString> {
    let prompt = format!("Enter MFA code for {}: ", for_terminal(serial));
    let code = cx.sys.prompt_secret(&prompt).map_err(|e| {
        Error::CredentialSource(format!(
            "no MFA code for profile {} ({e}); run again and type the code",
            for_terminal(profile)
        ))
    })?;
    let code = match code {
        Some(code) => code,
        None if cx.stdin_busy => {
            return Err(Error::CredentialSource(format!(
                "profile {} needs an MFA code for {}, and standard input is the list being read, so it cannot be typed there (run presign or aws once in a terminal to cache the role session, then run this again)",
                for_terminal(profile),
                for_terminal(serial)
            )));
        }
        // No terminal: one line of standard input, as AWS CLI v2 reads it.
        None => cx
            .sys
            .prompt_stdin(&prompt)
            .ok()
            .flatten()
            .ok_or_else(|| {
                Error::CredentialSource(format!(
                    "no MFA code for {} of profile {}: standard input ended (type the code, or pipe it in)",
                    for_terminal(serial),
                    for_terminal(profile)
                ))
            })?,
    };
    check_length("TokenCode", &code, 6, 6, "the MFA code typed", profile)?;
    Ok(SecretString::new(code))
}

/// A web identity configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WebIdentity {
    pub token_file: String,
    pub role_arn: String,
    pub session_name: Option<String>,
}

impl WebIdentity {
    /// botocore `AssumeRoleWithWebIdentityProvider`: each setting from the
    /// environment (unless `--profile` was given: `use_env` false), else
    /// the profile. Claims the profile when a token file is named.
    pub(crate) fn configured(
        cx: &Context,
        profile: &Section,
        use_env: bool,
    ) -> Result<Option<WebIdentity>> {
        let get = |env: &str, key: &str| -> Result<Option<String>> {
            if use_env && let Some(v) = cx.sys.var(env)? {
                return Ok(Some(v));
            }
            Ok(profile.text(key).map(str::to_owned))
        };
        let Some(token_file) = get("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file")?
            .filter(|t| !t.is_empty())
        else {
            return Ok(None);
        };
        let Some(role_arn) = get("AWS_ROLE_ARN", "role_arn")?.filter(|r| !r.is_empty()) else {
            return Err(Error::CredentialSource(
                "web identity is configured (a token file) but no role ARN is (set role_arn in the profile or AWS_ROLE_ARN)".to_owned(),
            ));
        };
        let session_name = get("AWS_ROLE_SESSION_NAME", "role_session_name")?;
        Ok(Some(WebIdentity {
            token_file,
            role_arn,
            session_name,
        }))
    }

    fn cache_args(&self) -> serde_json::Map<String, Value> {
        let mut args = serde_json::Map::new();
        if let Some(name) = &self.session_name {
            args.insert("RoleSessionName".to_owned(), Value::from(name.as_str()));
        }
        args.insert("RoleArn".to_owned(), Value::from(self.role_arn.as_str()));
        args
    }
}

/// AssumeRoleWithWebIdentity; `top_level` caches the session in
/// `~/.aws/cli/cache` (v2 caches only the selected profile's).
pub(crate) fn web_identity(
    cx: &Context,
    web: &WebIdentity,
    top_level: bool,
) -> Result<Credentials> {
    let key = cache::role_key(&web.cache_args());
    let cache = CliCache::new(cx)?;
    if top_level && let Some(credentials) = cache.load(cx, &key)? {
        return Ok(credentials);
    }
    if let Some(name) = &web.session_name {
        check_length(
            "RoleSessionName",
            name,
            2,
            64,
            "role_session_name",
            "(web identity)",
        )?;
    }
    check_length(
        "RoleArn",
        &web.role_arn,
        20,
        2048,
        "role_arn",
        "(web identity)",
    )?;
    let path = std::path::PathBuf::from(crate::config::files::expand_user(
        cx.sys,
        std::ffi::OsStr::new(&web.token_file),
    ));
    let token = match cx.sys.read_file(&path) {
        Ok(Some(bytes)) => String::from_utf8(bytes).map_err(|_| {
            Error::CredentialSource(format!(
                "the web identity token file {} is not UTF-8 text (fix the file the token comes from)",
                escape::path(&path)
            ))
        })?,
        _ => {
            return Err(Error::CredentialSource(format!(
                "cannot read the web identity token file {} (fix web_identity_token_file or AWS_WEB_IDENTITY_TOKEN_FILE)",
                escape::path(&path)
            )));
        }
    };
    let token = SecretString::new(token);
    let generated;
    let mut params: Vec<(&str, &str)> = Vec::new();
    if let Some(name) = &web.session_name {
        params.push(("RoleSessionName", name));
    }
    params.push(("RoleArn", &web.role_arn));
    if web.session_name.is_none() {
        generated = default_session_name(cx);
        params.push(("RoleSessionName", &generated));
    }
    params.push(("WebIdentityToken", token.expose()));
    let (credentials, entry) = call(cx, "AssumeRoleWithWebIdentity", &params, None)?;
    if top_level {
        cache.store(cx, &key, &entry)?;
    }
    Ok(credentials)
}
