//! EC2 instance metadata (IMDS): the instance role's credentials, the last
//! provider of the chain, and the region, the last step of AWS CLI v2's
//! region chain (botocore `IMDSFetcher`, `InstanceMetadataFetcher`; the
//! CLI's `IMDSRegionProvider`).
//!
//! - Settings, each from the environment, else the selected profile:
//!   `AWS_METADATA_SERVICE_TIMEOUT` / `metadata_service_timeout` (seconds
//!   for connect and for each read, default 1),
//!   `AWS_METADATA_SERVICE_NUM_ATTEMPTS` / `metadata_service_num_attempts`
//!   (default 1; both read with Python's `int()`),
//!   `AWS_EC2_METADATA_SERVICE_ENDPOINT` / `ec2_metadata_service_endpoint`,
//!   `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` /
//!   `ec2_metadata_service_endpoint_mode` (`ipv4` or `ipv6`, any case; when
//!   unset, `AWS_IMDS_USE_IPV6` / `imds_use_ipv6`), and
//!   `AWS_EC2_METADATA_V1_DISABLED` / `ec2_metadata_v1_disabled`. A
//!   non-empty endpoint beats the mode; the defaults are
//!   `http://169.254.169.254/` and `http://[fd00:ec2::254]/`. A malformed
//!   setting is an error (255), checked by [`check_settings`] on every run
//!   (credentials from elsewhere included), since AWS CLI v2 builds its
//!   IMDS client with its credential chain.
//! - `AWS_EC2_METADATA_DISABLED=true` (any case, environment only): no
//!   request at all.
//! - Each lookup first asks for an IMDSv2 token, `PUT latest/api/token`
//!   with `x-aws-ec2-metadata-token-ttl-seconds: 21600`: 200 gives the
//!   token; 403, 404, 405 mean IMDSv1 (requests without a token); 400 ends
//!   the lookup with nothing; another status or a failure to connect is
//!   tried again up to the attempts, then IMDSv1; a read timeout means
//!   IMDSv1 at once. Without a token and with IMDSv1 disabled, the lookup
//!   is an error (255).
//! - Credentials: `GET latest/meta-data/iam/security-credentials/` names
//!   the role, then `GET …/<role>` gives `AccessKeyId`, `SecretAccessKey`,
//!   `Token`, `Expiration`. A GET that answers other than 200, empty, or (for
//!   the credentials) not JSON is tried again up to the attempts; when they
//!   run out, or a field is missing, there are no credentials (the chain
//!   then ends with "unable to locate credentials", 253).
//! - Region: a token of its own, then
//!   `GET latest/meta-data/placement/availability-zone/`; the region is the
//!   zone without its last character. Running out of attempts gives no
//!   region.
//! - Proxies from the environment apply (`HTTP_PROXY`, `NO_PROXY`), as in
//!   botocore; the CA bundle settings do not.
//! - Static stability: AWS CLI v2 moves the expiry of credentials that
//!   expire within 17 to 25 minutes (expired ones too) to that far ahead and
//!   signs with them. presign keeps the real expiry, so a URL is never
//!   signed with credentials already dead, and its expiry warning (or
//!   `--strict`) speaks of the real time; `--debug` says when v2 would have
//!   extended them.
//!
//! Off EC2, AWS CLI v2 waits out the timeout, twice (token, then the GET),
//! on every run that names no region, and again when no other source has
//! credentials. presign first asks the machine itself when the endpoint is
//! the default one: on Linux the firmware's DMI strings
//! (`/sys/class/dmi/id/`) and the Xen hypervisor's UUID
//! (`/sys/hypervisor/uuid`). An EC2 instance says so there: Nitro
//! instances have `sys_vendor` "Amazon EC2" and a `board_asset_tag` that
//! is the instance id (`i-…`), Xen instances a hypervisor UUID beginning
//! with `ec2` and a `bios_version` ending in `.amazon`. When the files name
//! another vendor (a laptop, another cloud, a VM), presign skips instance
//! metadata, as AWS CLI v2 would end up doing after its timeouts. When they
//! cannot tell (no DMI, as in some micro-VMs and sandboxes; Xen without an
//! Amazon mark; macOS or Windows), presign asks IMDS as v2 does. A
//! configured endpoint is always asked. A guest that reaches an instance's
//! metadata service through a host whose firmware it does not see (a VM
//! nested on a metal instance) sets `AWS_EC2_METADATA_SERVICE_ENDPOINT=
//! http://169.254.169.254/` to be asked.

use std::time::Duration;

use serde_json::Value;

use super::{Context, network_error, timestamp};
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::escape::for_terminal;
use crate::http::{HttpError, HttpRequest, HttpResponse, Transport};
use crate::secret::SecretString;
use crate::system::System;

const DEFAULT_IPV4: &str = "http://169.254.169.254/";
const DEFAULT_IPV6: &str = "http://[fd00:ec2::254]/";
const TOKEN_PATH: &str = "latest/api/token";
const TOKEN_TTL: &str = "21600";
const TOKEN_TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const ROLE_PATH: &str = "latest/meta-data/iam/security-credentials/";

/// The role name as urllib3 puts it in a path: characters a path may not
/// hold percent-encoded, the rest (and `%XX` already there) kept, so that
/// whatever instance metadata lists is asked for, never a malformed URL.
fn path_safe(role: &str) -> String {
    let mut out = String::with_capacity(role.len());
    for &b in role.as_bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
const ZONE_PATH: &str = "latest/meta-data/placement/availability-zone/";
const FIELDS: [&str; 4] = ["AccessKeyId", "SecretAccessKey", "Token", "Expiration"];

/// The IMDS settings of the session.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Settings {
    /// The base URL requests are joined to.
    base: String,
    /// Whether `base` was configured (rather than a default).
    configured: bool,
    /// Seconds for connect and for each read (Python's `int()`; checked
    /// when a request is sent, as urllib3 checks it).
    timeout: i64,
    /// Attempts per request (none at all when below 1).
    attempts: i64,
    v1_disabled: bool,
}

/// Checks the IMDS settings, as AWS CLI v2 does when it builds its
/// credential chain (255 on a malformed one).
pub(crate) fn check_settings(cx: &Context) -> Result<()> {
    settings(cx).map(|_| ())
}

fn flag(cx: &Context, env: &str, key: &str) -> Result<bool> {
    Ok(cx
        .setting(env, key)?
        .is_some_and(|v| v.eq_ignore_ascii_case("true")))
}

fn whole_number(cx: &Context, env: &str, key: &str, default: i64) -> Result<i64> {
    match cx.setting(env, key)? {
        None => Ok(default),
        Some(v) => crate::config::chain::python_int(&v).ok_or_else(|| {
            Error::InvalidConfig(format!(
                "{key} must be a whole number, not \"{}\" (fix {key} or {env})",
                for_terminal(&v)
            ))
        }),
    }
}

fn settings(cx: &Context) -> Result<Settings> {
    let timeout = whole_number(
        cx,
        "AWS_METADATA_SERVICE_TIMEOUT",
        "metadata_service_timeout",
        1,
    )?;
    let attempts = whole_number(
        cx,
        "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
        "metadata_service_num_attempts",
        1,
    )?;
    let ipv6 = match cx.setting(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
        "ec2_metadata_service_endpoint_mode",
    )? {
        Some(mode) => match mode.to_lowercase().as_str() {
            "ipv4" => false,
            "ipv6" => true,
            _ => {
                return Err(Error::InvalidConfig(format!(
                    "invalid EC2 instance metadata endpoint mode \"{}\": the modes are ipv4 and ipv6, in any case (fix ec2_metadata_service_endpoint_mode or AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE)",
                    for_terminal(&mode)
                )));
            }
        },
        None => flag(cx, "AWS_IMDS_USE_IPV6", "imds_use_ipv6")?,
    };
    let custom = cx
        .setting(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            "ec2_metadata_service_endpoint",
        )?
        .filter(|e| !e.is_empty());
    let configured = custom.is_some();
    let base = match custom {
        Some(url) => url,
        None if ipv6 => DEFAULT_IPV6.to_owned(),
        None => DEFAULT_IPV4.to_owned(),
    };
    if !is_valid_uri(&base) {
        return Err(Error::InvalidEndpoint(format!(
            "invalid EC2 instance metadata endpoint \"{}\" (set ec2_metadata_service_endpoint or AWS_EC2_METADATA_SERVICE_ENDPOINT to a URL such as http://169.254.169.254/)",
            for_terminal(&base)
        )));
    }
    Ok(Settings {
        base,
        configured,
        timeout,
        attempts,
        v1_disabled: flag(
            cx,
            "AWS_EC2_METADATA_V1_DISABLED",
            "ec2_metadata_v1_disabled",
        )?,
    })
}

/// The scheme and host of `url` as Python's `urlsplit` gives them (both
/// lower-cased; the host without brackets, user info or port, `None` when
/// there is none).
pub(crate) fn python_urlsplit(url: &str) -> (String, Option<String>) {
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut rest = url.as_str();
    let mut scheme = String::new();
    if let Some(i) = rest.find(':')
        && i > 0
        && rest.as_bytes()[0].is_ascii_alphabetic()
        && rest[..i]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        scheme = rest[..i].to_ascii_lowercase();
        rest = &rest[i + 1..];
    }
    let Some(after) = rest.strip_prefix("//") else {
        return (scheme, None);
    };
    let netloc = &after[..after.find(['/', '?', '#']).unwrap_or(after.len())];
    let hostinfo = netloc.rsplit_once('@').map_or(netloc, |(_, h)| h);
    let host = match hostinfo.split_once('[') {
        Some((_, bracketed)) => bracketed.split_once(']').map_or(bracketed, |(h, _)| h),
        None => hostinfo.split_once(':').map_or(hostinfo, |(h, _)| h),
    };
    if host.is_empty() {
        return (scheme, None);
    }
    let host = match host.split_once('%') {
        Some((h, zone)) => format!("{}%{zone}", h.to_lowercase()),
        None => host.to_lowercase(),
    };
    (scheme, Some(host))
}

/// botocore `is_valid_uri`: a host of DNS labels, or an IPv6 literal
/// (with an optional zone), and no tab or line break anywhere.
fn is_valid_uri(url: &str) -> bool {
    if url.contains(['\t', '\r', '\n']) {
        return false;
    }
    let Some(host) = python_urlsplit(url).1 else {
        return false;
    };
    is_dns_name(&host) || is_ipv6_literal(&host)
}

fn is_dns_name(host: &str) -> bool {
    if host.len() > 255 {
        return false;
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    host.split('.').all(|label| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    })
}

fn is_ipv6_literal(host: &str) -> bool {
    let (address, zone) = match host.split_once('%') {
        Some((a, z)) => (a, Some(z.strip_prefix("25").unwrap_or(z))),
        None => (host, None),
    };
    let zone_ok = zone.is_none_or(|z| {
        !z.is_empty()
            && z.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._!-~%".contains(&b))
    });
    zone_ok && address.parse::<std::net::Ipv6Addr>().is_ok()
}

/// What this machine's firmware says about being an EC2 instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Firmware {
    /// An EC2 mark, and where it was seen.
    Ec2(String),
    /// Another vendor, and where it was seen.
    Other(String),
    /// Nothing to go by.
    Unknown,
}

const DMI: &str = "/sys/class/dmi/id/";
const HYPERVISOR_UUID: &str = "/sys/hypervisor/uuid";

fn read_trimmed(sys: &dyn System, path: &str) -> Option<String> {
    let bytes = sys.read_file(std::path::Path::new(path)).ok()??;
    let text = String::from_utf8_lossy(&bytes).trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// Whether a DMI product UUID is EC2's: it begins with `ec2`, or its
/// first group, read as little-endian bytes, does.
fn uuid_says_ec2(uuid: &str) -> bool {
    let lower = uuid.to_ascii_lowercase();
    if lower.starts_with("ec2") {
        return true;
    }
    let first = lower.split('-').next().unwrap_or("");
    if first.len() != 8 || !first.is_ascii() {
        return false;
    }
    let swapped: String = (0..4).rev().map(|i| &first[2 * i..2 * i + 2]).collect();
    swapped.starts_with("ec2")
}

/// Reads the firmware's DMI strings and the Xen hypervisor's UUID.
pub(crate) fn firmware(sys: &dyn System) -> Firmware {
    if sys.is_windows() {
        return Firmware::Unknown;
    }
    let dmi = |name: &str| read_trimmed(sys, &format!("{DMI}{name}"));
    if let Some(uuid) = read_trimmed(sys, HYPERVISOR_UUID)
        && uuid.to_ascii_lowercase().starts_with("ec2")
    {
        return Firmware::Ec2(format!("{HYPERVISOR_UUID} begins with ec2"));
    }
    if let Some(tag) = dmi("board_asset_tag")
        && tag.starts_with("i-")
    {
        return Firmware::Ec2(format!(
            "{DMI}board_asset_tag is an instance id ({})",
            for_terminal(&tag)
        ));
    }
    for name in [
        "sys_vendor",
        "bios_vendor",
        "board_vendor",
        "chassis_vendor",
        "bios_version",
        "product_version",
    ] {
        if let Some(value) = dmi(name)
            && value.to_ascii_lowercase().contains("amazon")
        {
            return Firmware::Ec2(format!("{DMI}{name} is \"{}\"", for_terminal(&value)));
        }
    }
    if let Some(uuid) = dmi("product_uuid")
        && uuid_says_ec2(&uuid)
    {
        return Firmware::Ec2(format!("{DMI}product_uuid is EC2's"));
    }
    for name in ["sys_vendor", "bios_vendor"] {
        if let Some(vendor) = dmi(name) {
            if vendor.to_ascii_lowercase().contains("xen") {
                // EC2's older instances run on Xen, whose marks above may
                // be hidden from this user: ask.
                return Firmware::Unknown;
            }
            return Firmware::Other(format!("{DMI}{name} is \"{}\"", for_terminal(&vendor)));
        }
    }
    Firmware::Unknown
}

/// Why a lookup ended.
enum Stop {
    /// With nothing: no credentials, no region.
    Empty(String),
    /// With an error.
    Fail(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Fail(e)
    }
}

type Step<T> = std::result::Result<T, Stop>;

/// A lookup's view of instance metadata.
struct Client<'c> {
    cx: &'c Context<'c>,
    settings: Settings,
}

/// `lookup` runs unless IMDS is disabled or this machine is not an EC2
/// instance (with the default endpoint).
fn open<'c>(cx: &'c Context<'c>, what: &str) -> Result<Option<Client<'c>>> {
    let settings = settings(cx)?;
    let disabled = cx
        .sys
        .var_os("AWS_EC2_METADATA_DISABLED")
        .and_then(|v| v.into_string().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if disabled {
        cx.note(format!(
            "instance metadata {what}: not asked (AWS_EC2_METADATA_DISABLED is true)"
        ));
        return Ok(None);
    }
    if !settings.configured {
        match firmware(cx.sys) {
            Firmware::Other(why) => {
                cx.note(format!(
                    "instance metadata {what}: not asked, this machine is not an EC2 instance ({why}; set AWS_EC2_METADATA_SERVICE_ENDPOINT to ask anyway)"
                ));
                return Ok(None);
            }
            Firmware::Ec2(why) => cx.note(format!("instance metadata: on EC2 ({why})")),
            Firmware::Unknown => cx.note(
                "instance metadata: the firmware does not tell whether this is an EC2 instance; asking".to_owned(),
            ),
        }
    }
    cx.note(format!(
        "instance metadata {what}: {} ({}), timeout {} s, {} attempt(s){}",
        for_terminal(&settings.base),
        if settings.configured {
            "configured"
        } else {
            "default"
        },
        settings.timeout,
        settings.attempts,
        if settings.v1_disabled {
            ", IMDSv1 disabled"
        } else {
            ""
        }
    ));
    Ok(Some(Client { cx, settings }))
}

/// `Ok(Some)` for a value, `Ok(None)` for a lookup that ended empty.
fn finish<T>(cx: &Context, what: &str, step: Step<T>) -> Result<Option<T>> {
    match step {
        Ok(value) => Ok(Some(value)),
        Err(Stop::Empty(why)) => {
            cx.note(format!("instance metadata {what}: none ({why})"));
            Ok(None)
        }
        Err(Stop::Fail(e)) => Err(e),
    }
}

/// The instance role's credentials; `Ok(None)` when instance metadata has
/// none (or is disabled, or this is not an EC2 instance), so that the chain
/// ends with "no credentials".
pub(crate) fn credentials(cx: &Context) -> Result<Option<Credentials>> {
    match open(cx, "credentials")? {
        Some(client) => finish(cx, "credentials", client.credentials()),
        None => Ok(None),
    }
}

/// The region of the instance, when nothing else names one; `None` when
/// instance metadata does not answer.
pub(crate) fn region(cx: &Context) -> Result<Option<String>> {
    match open(cx, "region")? {
        Some(client) => finish(cx, "region", client.region()),
        None => Ok(None),
    }
}

/// The text of a response as botocore decodes it: the `charset` of its
/// content type, else ISO-8859-1 for a `text/*` type, else UTF-8.
fn decode(response: &HttpResponse) -> Option<String> {
    let content_type = response.header("content-type").unwrap_or("");
    let charset = content_type.split(';').skip(1).find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_ascii_lowercase())
    });
    let utf8 = match charset.as_deref() {
        Some("utf-8" | "utf8") => true,
        Some(_) => false,
        None => !content_type.contains("text"),
    };
    if utf8 {
        String::from_utf8(response.body.clone()).ok()
    } else {
        Some(response.body.iter().map(|&b| char::from(b)).collect())
    }
}

impl Client<'_> {
    fn url(&self, path: &str) -> String {
        let sep = if self.settings.base.ends_with('/') {
            ""
        } else {
            "/"
        };
        format!("{}{sep}{path}", self.settings.base)
    }

    fn send(
        &self,
        method: &'static str,
        url: &str,
        first: Option<(&str, &str)>,
    ) -> Step<std::result::Result<HttpResponse, HttpError>> {
        let Ok(seconds) = u64::try_from(self.settings.timeout) else {
            return Err(self.bad_timeout());
        };
        if seconds == 0 {
            return Err(self.bad_timeout());
        }
        let timeout = Some(Duration::from_secs(seconds));
        let mut headers = Vec::new();
        if let Some((name, value)) = first {
            headers.push((name.to_owned(), value.to_owned()));
        }
        headers.push(("User-Agent".to_owned(), super::user_agent()));
        headers.push(("Accept-Encoding".to_owned(), "identity".to_owned()));
        let request = HttpRequest {
            method,
            url: url.to_owned(),
            headers,
            body: Vec::new(),
            transport: Transport {
                connect_timeout: timeout,
                read_timeout: timeout,
                use_proxy: true,
                ca_bundle: None,
                verify_tls: true,
            },
        };
        let outcome = self.cx.sys.http(&request);
        self.cx.note(format!(
            "instance metadata: {method} {}: {}",
            for_terminal(url),
            match &outcome {
                Ok(r) => r.status.to_string(),
                Err(e) => e.to_string(),
            }
        ));
        Ok(outcome)
    }

    fn bad_timeout(&self) -> Stop {
        Stop::Fail(Error::InvalidConfig(format!(
            "metadata_service_timeout must be more than 0 seconds, not {} (fix metadata_service_timeout or AWS_METADATA_SERVICE_TIMEOUT)",
            self.settings.timeout
        )))
    }

    fn fail(&self, url: &str, e: &HttpError) -> Stop {
        Stop::Fail(network_error("instance metadata", url, e))
    }

    fn undecodable(&self, url: &str) -> Stop {
        Stop::Fail(Error::CredentialSource(format!(
            "instance metadata at \"{}\" answered with text in no encoding it names (check the endpoint)",
            for_terminal(url)
        )))
    }

    /// The IMDSv2 token, or `None` for IMDSv1.
    fn token(&self) -> Step<Option<SecretString>> {
        let url = self.url(TOKEN_PATH);
        for _ in 0..self.settings.attempts.max(0) {
            match self.send("PUT", &url, Some((TOKEN_TTL_HEADER, TOKEN_TTL)))? {
                Ok(r) if r.status == 200 => {
                    let token = decode(&r).ok_or_else(|| self.undecodable(&url))?;
                    return Ok(Some(SecretString::new(token)));
                }
                Ok(r) if (403..=405).contains(&r.status) => return Ok(None),
                Ok(r) if r.status == 400 => {
                    return Err(Stop::Empty(format!(
                        "the token request was refused with 400 at {}",
                        for_terminal(&url)
                    )));
                }
                Ok(_) => {}
                Err(HttpError::ReadTimeout) => return Ok(None),
                Err(e) if e.is_retryable() => {}
                Err(e) => return Err(self.fail(&url, &e)),
            }
        }
        Ok(None)
    }

    /// A GET that answers 200 with a body that `good` accepts, tried up to
    /// the attempts.
    fn get(
        &self,
        path: &str,
        token: Option<&SecretString>,
        good: impl Fn(&HttpResponse) -> bool,
    ) -> Step<(String, HttpResponse)> {
        let url = self.url(path);
        if token.is_none_or(|t| t.expose().is_empty()) && self.settings.v1_disabled {
            return Err(Stop::Fail(Error::CredentialSource(format!(
                "instance metadata at \"{}\" gave no IMDSv2 token and IMDSv1 is disabled (allow IMDSv2 token requests on the instance, or unset ec2_metadata_v1_disabled / AWS_EC2_METADATA_V1_DISABLED)",
                for_terminal(&self.settings.base)
            ))));
        }
        let header = token.map(|t| (TOKEN_HEADER, t.expose()));
        for _ in 0..self.settings.attempts.max(0) {
            match self.send("GET", &url, header)? {
                Ok(r) if r.status == 200 && !r.body.is_empty() && good(&r) => return Ok((url, r)),
                Ok(_) => {}
                Err(e) if e.is_retryable() => {}
                Err(e) => return Err(self.fail(&url, &e)),
            }
        }
        Err(Stop::Empty(format!(
            "no good answer from {} after {} attempt(s)",
            for_terminal(&url),
            self.settings.attempts.max(0)
        )))
    }

    fn credentials(&self) -> Step<Credentials> {
        let token = self.token()?;
        let (url, listing) = self.get(ROLE_PATH, token.as_ref(), |_| true)?;
        let role = decode(&listing).ok_or_else(|| self.undecodable(&url))?;
        self.cx
            .note(format!("instance metadata: role {}", for_terminal(&role)));
        let is_json =
            |r: &HttpResponse| decode(r).is_some_and(|t| serde_json::from_str::<Value>(&t).is_ok());
        let path = format!("{ROLE_PATH}{}", path_safe(&role));
        let (url, answer) = self.get(&path, token.as_ref(), is_json)?;
        let doc: Value = decode(&answer)
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        let shown = for_terminal(&url).to_string();
        let doc = match doc {
            Value::Object(map) => map,
            Value::Array(_) | Value::String(_) => {
                return Err(Stop::Empty(format!("{shown} answered no JSON object")));
            }
            _ => {
                return Err(Stop::Fail(Error::CredentialSource(format!(
                    "instance metadata at \"{shown}\" answered JSON that is not an object (check the endpoint)"
                ))));
            }
        };
        if let Some(missing) = FIELDS.iter().find(|f| !doc.contains_key(**f)) {
            let code = doc
                .get("Code")
                .and_then(Value::as_str)
                .map(|c| format!(", Code {}", for_terminal(c)))
                .unwrap_or_default();
            return Err(Stop::Empty(format!(
                "{shown} answered without {missing}{code}"
            )));
        }
        let field = |name: &str| -> Step<String> {
            match doc.get(name) {
                Some(Value::String(s)) => Ok(s.clone()),
                _ => Err(Stop::Fail(Error::CredentialSource(format!(
                    "instance metadata at \"{shown}\" answered credentials whose {name} is not a string (check the endpoint)"
                )))),
            }
        };
        let access_key_id = field("AccessKeyId")?;
        let secret = SecretString::new(field("SecretAccessKey")?);
        let session_token = SecretString::new(field("Token")?);
        let expiration_text = field("Expiration")?;
        let expiration = timestamp::parse(&expiration_text).ok_or_else(|| {
            Stop::Fail(Error::CredentialSource(format!(
                "instance metadata at \"{shown}\" answered credentials whose Expiration \"{}\" is not a time (check the endpoint)",
                for_terminal(&expiration_text)
            )))
        })?;
        // botocore moves the expiry of credentials that expire within
        // 15 minutes plus 2 to 10 (random) to that far from now.
        if expiration - self.cx.now < time::Duration::minutes(25) {
            self.cx.note(format!(
                "instance metadata: these credentials expire at {}; AWS CLI v2 would sign with them anyway, moving their expiry 17 to 25 minutes ahead (static stability); presign keeps the real one",
                timestamp::zulu(expiration)
            ));
        }
        Ok(Credentials {
            access_key_id,
            secret_access_key: secret,
            session_token: Some(session_token),
            expiration: Some(expiration),
        })
    }

    fn region(&self) -> Step<String> {
        let token = self.token()?;
        let (url, answer) = self.get(ZONE_PATH, token.as_ref(), |_| true)?;
        let zone = decode(&answer).ok_or_else(|| self.undecodable(&url))?;
        let mut chars = zone.chars();
        chars.next_back();
        let region = chars.as_str().to_owned();
        self.cx.note(format!(
            "instance metadata: availability zone {}, region {}",
            for_terminal(&zone),
            for_terminal(&region)
        ));
        Ok(region)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::error::EXIT_OTHER;
    use crate::providers::replay::{Replay, Setup, header, json, text};
    use crate::system::MapSystem;

    const BASE: &str = "http://127.0.0.1:18001";
    const TOKEN: &str = "AQAEAImdsTokenForTheStub0000000000000000000000000000==";
    const ROLE: &str = "ec2-instance-role";
    const CREDS: &str = r#"{
  "Code": "Success",
  "LastUpdated": "2026-01-02T02:59:05Z",
  "Type": "AWS-HMAC",
  "AccessKeyId": "ASIA6CSPDKPAKSOCS4YY",
  "SecretAccessKey": "lYTqA045tAdjawOnzSE0Oo47vWN5k633vleB6p4p",
  "Token": "IQoJb3JpZ2luX2VjIVxPs86ef4sPm130mtWz64oo",
  "Expiration": "2026-01-02T09:04:05Z"
}"#;

    fn home() -> MapSystem {
        MapSystem::new().var("HOME", "/h")
    }

    /// IMDS at the loopback stub address.
    fn at_stub() -> MapSystem {
        home().var("AWS_EC2_METADATA_SERVICE_ENDPOINT", BASE)
    }

    fn url(path: &str) -> String {
        format!("{BASE}/{path}")
    }

    fn run<T>(
        sys: MapSystem,
        answers: Vec<std::result::Result<HttpResponse, HttpError>>,
        lookup: impl Fn(&Context) -> Result<T>,
    ) -> (Result<T>, Arc<Replay>, Vec<String>) {
        let server = Replay::with(answers);
        let sys = sys.server(server.clone());
        let setup = Setup::new(&sys, "default");
        let cx = setup.context(&sys);
        let outcome = lookup(&cx);
        let trail = cx.trail.borrow().clone();
        (outcome, server, trail)
    }

    fn v2_answers() -> Vec<std::result::Result<HttpResponse, HttpError>> {
        vec![text(200, TOKEN), text(200, ROLE), text(200, CREDS)]
    }

    #[test]
    fn an_imdsv2_token_then_the_role_then_its_credentials() {
        // The CA bundle settings are not for instance metadata.
        let sys = at_stub().var("AWS_CA_BUNDLE", "/h/ca.pem");
        let (c, server, trail) = run(sys, v2_answers(), credentials);
        let c = c.unwrap().expect("credentials");
        let shown = trail.join("\n");
        for secret in [
            TOKEN,
            "lYTqA045tAdjawOnzSE0Oo47vWN5k633vleB6p4p",
            "IQoJb3JpZ2lu",
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("role ec2-instance-role"), "{shown}");
        assert_eq!(c.access_key_id, "ASIA6CSPDKPAKSOCS4YY");
        assert_eq!(
            c.secret_access_key.expose(),
            "lYTqA045tAdjawOnzSE0Oo47vWN5k633vleB6p4p"
        );
        assert_eq!(
            c.session_token.as_ref().unwrap().expose(),
            "IQoJb3JpZ2luX2VjIVxPs86ef4sPm130mtWz64oo"
        );
        assert_eq!(
            c.expiration,
            Some(time::macros::datetime!(2026-01-02 09:04:05 UTC))
        );
        let requests = server.requests();
        assert_eq!(
            server.lines(),
            [
                format!("PUT {}", url(TOKEN_PATH)),
                format!("GET {}", url(ROLE_PATH)),
                format!("GET {}", url(&format!("{ROLE_PATH}{ROLE}"))),
            ]
        );
        assert_eq!(header(&requests[0], TOKEN_TTL_HEADER), Some("21600"));
        assert_eq!(header(&requests[0], TOKEN_HEADER), None);
        for r in &requests[1..] {
            assert_eq!(header(r, TOKEN_HEADER), Some(TOKEN));
            assert_eq!(header(r, TOKEN_TTL_HEADER), None);
        }
        for r in &requests {
            assert_eq!(
                header(r, "user-agent"),
                Some(crate::providers::user_agent().as_str())
            );
            assert!(r.body.is_empty());
            assert_eq!(r.transport.connect_timeout, Some(Duration::from_secs(1)));
            assert_eq!(r.transport.read_timeout, Some(Duration::from_secs(1)));
            assert!(r.transport.use_proxy);
            assert_eq!(r.transport.ca_bundle, None);
        }
    }

    #[test]
    fn token_refusals_403_404_405_mean_imdsv1() {
        for status in [403, 404, 405] {
            // Not tried again, however many attempts are allowed.
            let sys = at_stub().var("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3");
            let answers = vec![text(status, "no"), text(200, ROLE), text(200, CREDS)];
            let (c, server, _) = run(sys, answers, credentials);
            assert!(c.unwrap().is_some(), "{status}");
            let requests = server.requests();
            assert_eq!(requests.len(), 3, "{status}");
            assert_eq!(requests[0].method, "PUT");
            for r in &requests[1..] {
                assert_eq!(r.method, "GET");
                assert_eq!(header(r, TOKEN_HEADER), None, "{status}");
            }
        }
    }

    #[test]
    fn token_400_gives_up_on_instance_metadata() {
        let sys = at_stub().var("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3");
        let answers = vec![text(400, "bad"), text(200, ROLE), text(200, CREDS)];
        let (c, server, _) = run(sys.clone(), answers.clone(), credentials);
        assert!(c.unwrap().is_none());
        assert_eq!(server.lines(), [format!("PUT {}", url(TOKEN_PATH))]);
        let (r, server, _) = run(sys, answers, region);
        assert!(r.unwrap().is_none());
        assert_eq!(server.requests().len(), 1);
    }

    #[test]
    fn other_token_failures_are_tried_again_then_imdsv1() {
        for failure in [
            text(500, "oops"),
            Err(HttpError::Connect),
            Err(HttpError::ConnectTimeout),
        ] {
            let sys = at_stub().var("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2");
            let answers = vec![failure.clone(), failure, text(200, ROLE), text(200, CREDS)];
            let (c, server, _) = run(sys, answers, credentials);
            assert!(c.unwrap().is_some());
            let methods: Vec<_> = server.requests().iter().map(|r| r.method).collect();
            assert_eq!(methods, ["PUT", "PUT", "GET", "GET"]);
            assert!(
                server.requests()[2..]
                    .iter()
                    .all(|r| header(r, TOKEN_HEADER).is_none())
            );
        }
    }

    #[test]
    fn a_token_read_timeout_means_imdsv1_at_once() {
        let sys = at_stub().var("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3");
        let answers = vec![
            Err(HttpError::ReadTimeout),
            text(200, ROLE),
            text(200, CREDS),
        ];
        let (c, server, _) = run(sys, answers, credentials);
        assert!(c.unwrap().is_some());
        let methods: Vec<_> = server.requests().iter().map(|r| r.method).collect();
        assert_eq!(methods, ["PUT", "GET", "GET"]);
    }

    #[test]
    fn without_a_token_disabled_imdsv1_is_an_error() {
        let sys = at_stub().file(
            "/h/.aws/config",
            "[default]\nec2_metadata_v1_disabled = True\n",
        );
        let (c, server, _) = run(sys, vec![text(404, "no")], credentials);
        let err = c.unwrap_err();
        assert_eq!(err.exit_code(), EXIT_OTHER);
        assert!(err.to_string().contains("IMDSv1 is disabled"), "{err}");
        assert_eq!(server.requests().len(), 1);
        // The region lookup fails the same way (botocore does not catch it).
        let sys = at_stub().var("AWS_EC2_METADATA_V1_DISABLED", "true");
        let (r, _, _) = run(sys, vec![text(404, "no")], region);
        assert_eq!(r.unwrap_err().exit_code(), EXIT_OTHER);
        // With a token, IMDSv1 is not needed.
        let sys = at_stub().var("AWS_EC2_METADATA_V1_DISABLED", "true");
        let (c, server, _) = run(sys, v2_answers(), credentials);
        assert!(c.unwrap().is_some());
        assert_eq!(server.requests().len(), 3);
    }

    #[test]
    fn disabled_instance_metadata_sends_nothing() {
        for value in ["true", "TRUE", "True"] {
            let sys = at_stub().var("AWS_EC2_METADATA_DISABLED", value);
            let (c, server, _) = run(sys.clone(), v2_answers(), credentials);
            assert!(c.unwrap().is_none());
            let (r, server2, _) = run(sys, v2_answers(), region);
            assert!(r.unwrap().is_none());
            assert!(server.requests().is_empty() && server2.requests().is_empty());
        }
        // Anything else is not "true".
        let sys = at_stub().var("AWS_EC2_METADATA_DISABLED", "1");
        let (c, _, _) = run(sys, v2_answers(), credentials);
        assert!(c.unwrap().is_some());
    }

    #[test]
    fn each_get_is_tried_num_attempts_times() {
        // The role listing answers 500 three times: no credentials.
        let sys = at_stub().var("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3");
        let answers = vec![
            text(200, TOKEN),
            text(500, ""),
            text(500, ""),
            text(500, ""),
        ];
        let (c, server, _) = run(sys, answers, credentials);
        assert!(c.unwrap().is_none());
        assert_eq!(server.requests().len(), 4);
        // One attempt by default.
        let answers = vec![text(200, TOKEN), text(500, "")];
        let (c, server, _) = run(at_stub(), answers, credentials);
        assert!(c.unwrap().is_none());
        assert_eq!(server.requests().len(), 2);
        // An empty body and a body that is not JSON are tried again too.
        let sys = at_stub().var("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3");
        let answers = vec![
            text(200, TOKEN),
            text(200, ""),
            text(200, ROLE),
            text(200, "{not json"),
            text(200, CREDS),
        ];
        let (c, server, _) = run(sys, answers, credentials);
        assert!(c.unwrap().is_some());
        assert_eq!(server.requests().len(), 5);
        // No attempts at all: no request.
        let sys = at_stub().var("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "0");
        let (c, server, _) = run(sys, v2_answers(), credentials);
        assert!(c.unwrap().is_none());
        assert!(server.requests().is_empty());
    }

    #[test]
    fn credentials_without_every_field_are_none() {
        for field in FIELDS {
            let doc: serde_json::Map<String, Value> = serde_json::from_str(CREDS).unwrap();
            let mut doc = doc;
            doc.remove(field);
            let answers = vec![
                text(200, TOKEN),
                text(200, ROLE),
                json(200, &Value::Object(doc).to_string()),
            ];
            let (c, _, trail) = run(at_stub(), answers, credentials);
            assert!(c.unwrap().is_none(), "{field}");
            assert!(
                trail
                    .iter()
                    .any(|l| l.contains(&format!("without {field}"))),
                "{trail:?}"
            );
        }
        let failure =
            r#"{"Code": "AssumeRoleUnauthorizedAccess", "Message": "EC2 cannot assume the role"}"#;
        let answers = vec![text(200, TOKEN), text(200, ROLE), text(200, failure)];
        let (c, _, trail) = run(at_stub(), answers, credentials);
        assert!(c.unwrap().is_none());
        assert!(
            trail
                .iter()
                .any(|l| l.contains("AssumeRoleUnauthorizedAccess")),
            "{trail:?}"
        );
    }

    #[test]
    fn expired_credentials_keep_their_real_expiry() {
        let expired = CREDS.replace("2026-01-02T09:04:05Z", "2020-01-01T00:00:00Z");
        let answers = vec![text(200, TOKEN), text(200, ROLE), text(200, &expired)];
        let (c, _, trail) = run(at_stub(), answers, credentials);
        let c = c.unwrap().unwrap();
        assert_eq!(
            c.expiration,
            Some(time::macros::datetime!(2020-01-01 00:00 UTC))
        );
        assert!(
            trail.iter().any(|l| l.contains("static stability")),
            "{trail:?}"
        );
        let (_, _, trail) = run(at_stub(), v2_answers(), credentials);
        assert!(
            !trail.iter().any(|l| l.contains("static stability")),
            "{trail:?}"
        );
    }

    #[test]
    fn the_endpoint_settings() {
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: &[Case] = &[
            (
                &[(
                    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                    "http://127.0.0.1:18001/",
                )],
                "",
                "http://127.0.0.1:18001/",
            ),
            (
                &[(
                    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                    "http://127.0.0.1:18001/prefix",
                )],
                "",
                "http://127.0.0.1:18001/prefix/",
            ),
            (
                &[],
                "ec2_metadata_service_endpoint = http://localhost:1338\n",
                "http://localhost:1338/",
            ),
            (
                &[
                    ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.2:1/"),
                    ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"),
                ],
                "",
                "http://127.0.0.2:1/",
            ),
            (
                &[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")],
                "",
                DEFAULT_IPV6,
            ),
            (
                &[],
                "ec2_metadata_service_endpoint_mode = ipv4\nimds_use_ipv6 = true\n",
                DEFAULT_IPV4,
            ),
            (&[("AWS_IMDS_USE_IPV6", "TRUE")], "", DEFAULT_IPV6),
            (
                &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", "")],
                "",
                DEFAULT_IPV4,
            ),
            (&[], "", DEFAULT_IPV4),
        ];
        for (env, profile, want) in cases {
            // Firmware that says EC2, so that the default endpoints are asked.
            let mut sys = home()
                .file("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n")
                .file("/h/.aws/config", &format!("[default]\n{profile}"));
            for (k, v) in *env {
                sys = sys.var(k, v);
            }
            let (_, server, _) = run(sys, vec![text(200, TOKEN), text(200, "eu-west-2a")], region);
            assert_eq!(
                server.requests()[0].url,
                format!("{want}{TOKEN_PATH}"),
                "{env:?} {profile:?}"
            );
        }
    }

    #[test]
    fn malformed_settings_are_errors() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                "ipv5",
                "invalid EC2 instance metadata endpoint mode \"ipv5\"",
            ),
            (
                "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                "",
                "endpoint mode \"\"",
            ),
            (
                "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                "127.0.0.1:18001",
                "invalid EC2 instance metadata endpoint \"127.0.0.1:18001\"",
            ),
            (
                "AWS_METADATA_SERVICE_TIMEOUT",
                "1.5",
                "metadata_service_timeout must be a whole number, not \"1.5\"",
            ),
            (
                "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
                "two",
                "metadata_service_num_attempts must be a whole number",
            ),
        ];
        for (name, value, says) in cases {
            let sys = at_stub()
                .var(name, value)
                .var("AWS_EC2_METADATA_DISABLED", "true");
            let (c, server, _) = run(sys, v2_answers(), check_settings);
            let err = c.unwrap_err();
            assert_eq!(err.exit_code(), EXIT_OTHER, "{name}");
            assert!(err.to_string().contains(says), "{err}");
            assert!(server.requests().is_empty());
        }
        // A timeout below 1 s fails only once a request is sent.
        let sys = at_stub().var("AWS_METADATA_SERVICE_TIMEOUT", "0");
        let (c, server, _) = run(sys, v2_answers(), credentials);
        assert_eq!(c.unwrap_err().exit_code(), EXIT_OTHER);
        assert!(server.requests().is_empty());
        let sys = at_stub()
            .var("AWS_METADATA_SERVICE_TIMEOUT", " 5 ")
            .var("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "1_0");
        let (_, server, trail) = run(sys, v2_answers(), credentials);
        assert_eq!(
            server.requests()[0].transport.read_timeout,
            Some(Duration::from_secs(5))
        );
        assert!(
            trail.iter().any(|l| l.contains("10 attempt(s)")),
            "{trail:?}"
        );
    }

    #[test]
    fn the_region_is_the_availability_zone_without_its_letter() {
        let answers = vec![text(200, TOKEN), text(200, "ap-northeast-2c")];
        let (r, server, _) = run(at_stub(), answers, region);
        assert_eq!(r.unwrap().as_deref(), Some("ap-northeast-2"));
        let requests = server.requests();
        assert_eq!(
            server.lines(),
            [
                format!("PUT {}", url(TOKEN_PATH)),
                format!("GET {}", url(ZONE_PATH))
            ]
        );
        assert!(ZONE_PATH.ends_with('/'));
        assert_eq!(header(&requests[1], TOKEN_HEADER), Some(TOKEN));
        // No answer: no region, and no error.
        let (r, server, _) = run(at_stub(), vec![text(200, TOKEN), text(404, "")], region);
        assert_eq!(r.unwrap(), None);
        assert_eq!(server.requests().len(), 2);
        let (r, _, _) = run(at_stub(), vec![], region);
        assert_eq!(r.unwrap(), None);
    }

    #[test]
    fn a_region_less_run_takes_the_region_from_instance_metadata() {
        let server = Replay::with(vec![text(200, TOKEN), text(200, "eu-west-2a")]);
        let sys = at_stub()
            .var("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .var("AWS_SECRET_ACCESS_KEY", "secret")
            .server(server.clone());
        let resolved =
            crate::config::resolve(&sys, &Default::default(), crate::providers::replay::NOW)
                .unwrap();
        assert_eq!(resolved.endpoint.region.as_deref(), Some("eu-west-2"));
        assert_eq!(server.requests().len(), 2);
        // A malformed IMDS setting fails the run even when the keys are static.
        let sys = sys
            .var("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv5")
            .var("AWS_REGION", "eu-west-1");
        let err = crate::config::resolve(&sys, &Default::default(), crate::providers::replay::NOW)
            .unwrap_err();
        assert_eq!(err.exit_code(), EXIT_OTHER);
    }

    #[test]
    fn off_ec2_the_default_endpoint_is_not_asked() {
        let qemu = home().file("/sys/class/dmi/id/sys_vendor", "QEMU\n").file(
            "/sys/class/dmi/id/product_name",
            "Standard PC (Q35 + ICH9, 2009)\n",
        );
        let (c, server, trail) = run(qemu.clone(), v2_answers(), credentials);
        assert!(c.unwrap().is_none());
        let (r, server2, _) = run(qemu.clone(), v2_answers(), region);
        assert!(r.unwrap().is_none());
        assert!(server.requests().is_empty() && server2.requests().is_empty());
        assert!(
            trail.iter().any(|l| l.contains("not an EC2 instance")),
            "{trail:?}"
        );
        // A configured endpoint is asked all the same.
        let sys = qemu.var("AWS_EC2_METADATA_SERVICE_ENDPOINT", BASE);
        let (c, server, _) = run(sys, v2_answers(), credentials);
        assert!(c.unwrap().is_some());
        assert_eq!(server.requests().len(), 3);
    }

    #[test]
    fn when_the_firmware_cannot_tell_the_default_endpoint_is_asked() {
        let (c, server, _) = run(home(), v2_answers(), credentials);
        assert!(c.unwrap().is_some());
        assert_eq!(
            server.requests()[0].url,
            format!("http://169.254.169.254/{TOKEN_PATH}")
        );
        let nitro = home()
            .file("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n")
            .file("/sys/class/dmi/id/board_asset_tag", "i-0123456789abcdef0\n");
        let (r, server, _) = run(
            nitro,
            vec![text(200, TOKEN), text(200, "eu-west-2a")],
            region,
        );
        assert_eq!(r.unwrap().as_deref(), Some("eu-west-2"));
        assert_eq!(server.requests().len(), 2);
    }

    #[test]
    fn what_the_firmware_says() {
        let dmi = |pairs: &[(&str, &str)]| {
            let mut sys = MapSystem::new();
            for (name, value) in pairs {
                let path = if name.starts_with('/') {
                    (*name).to_owned()
                } else {
                    format!("{DMI}{name}")
                };
                sys = sys.file(path, value);
            }
            firmware(&sys)
        };
        let ec2 = |f: Firmware| matches!(f, Firmware::Ec2(_));
        assert!(ec2(dmi(&[
            ("sys_vendor", "Amazon EC2\n"),
            ("product_name", "m5.large\n")
        ])));
        assert!(ec2(dmi(&[
            ("sys_vendor", "QEMU"),
            ("board_asset_tag", "i-0abc\n")
        ])));
        assert!(ec2(dmi(&[
            ("sys_vendor", "Xen"),
            ("bios_version", "4.11.amazon\n")
        ])));
        assert!(ec2(dmi(&[(
            "/sys/hypervisor/uuid",
            "ec2e1916-9099-7caf-fd21-012345abcdef\n"
        )])));
        assert!(ec2(dmi(&[
            ("sys_vendor", "Xen"),
            ("product_uuid", "EC2E1916-9099-7CAF-FD21-012345ABCDEF")
        ])));
        assert!(ec2(dmi(&[
            ("sys_vendor", "Xen"),
            ("product_uuid", "45E12AEC-DCD1-B213-94ED-012345ABCDEF")
        ])));
        assert!(matches!(
            dmi(&[("sys_vendor", "QEMU\n")]),
            Firmware::Other(_)
        ));
        assert!(matches!(
            dmi(&[("sys_vendor", "Dell Inc.\n"), ("board_asset_tag", "\n")]),
            Firmware::Other(_)
        ));
        assert!(matches!(
            dmi(&[("bios_vendor", "SeaBIOS\n")]),
            Firmware::Other(_)
        ));
        assert!(matches!(
            dmi(&[("sys_vendor", "Microsoft Corporation")]),
            Firmware::Other(_)
        ));
        assert_eq!(dmi(&[]), Firmware::Unknown);
        assert_eq!(dmi(&[("sys_vendor", "\n")]), Firmware::Unknown);
        assert_eq!(
            dmi(&[("sys_vendor", "Xen"), ("product_name", "HVM domU")]),
            Firmware::Unknown
        );
        assert_eq!(
            dmi(&[("/sys/hypervisor/uuid", "6f1c-other-xen")]),
            Firmware::Unknown
        );
        let mut windows = MapSystem::new().file(format!("{DMI}sys_vendor"), "QEMU");
        windows.windows = true;
        assert_eq!(firmware(&windows), Firmware::Unknown);
    }

    #[test]
    fn endpoints_are_checked_as_botocore_checks_them() {
        // Each verdict is what botocore's is_valid_uri (Python 3.11) gives.
        let cases = [
            ("http://169.254.169.254/", true),
            ("http://[fd00:ec2::254]/", true),
            ("http://127.0.0.1:18001", true),
            ("127.0.0.1:18001", false),
            ("localhost:1338", false),
            ("http://localhost:1338/", true),
            ("http://my-imds.example.com.", true),
            ("http://-bad.example.com/", false),
            ("http://a..b/", false),
            ("http://under_score/", false),
            ("http://[::1%25eth0]/", true),
            ("http://[::1]:80", true),
            ("https://user@host:1/x", true),
            ("ftp://host/", true),
            ("http://", false),
            ("http:///x", false),
            ("http://host\n/", false),
            ("http://[zz::1]/", false),
        ];
        for (url, valid) in cases {
            assert_eq!(is_valid_uri(url), valid, "{url:?}");
        }
        let long = format!("http://{}/", "a".repeat(64));
        assert!(!is_valid_uri(&long));
    }

    #[test]
    fn no_credentials_from_instance_metadata_leave_the_chain_empty() {
        let sys = at_stub().var("AWS_REGION", "eu-west-1");
        let server = Replay::with(vec![text(200, TOKEN), text(404, "")]);
        let sys = sys.server(server.clone());
        let resolved =
            crate::config::resolve(&sys, &Default::default(), crate::providers::replay::NOW)
                .unwrap();
        assert!(resolved.credentials.is_none());
        assert_eq!(server.requests().len(), 2);
    }
}
