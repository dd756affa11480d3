//! The credential sources that call AWS or read AWS CLI v2's caches: assume
//! role and web identity (STS), IAM Identity Center (SSO), `aws login`,
//! container credentials and instance metadata.
//!
//! Each provider is a function of a `Context`: the system (environment,
//! files, HTTP), the clock, and the selected profile whose settings every
//! provider client takes (botocore creates them from the same session: the
//! profile's endpoint overrides, region, CA bundle, timeouts and retries,
//! never `--endpoint-url`). Nothing here touches the network unless a
//! provider is asked for credentials and its cache cannot answer.

pub(crate) mod cache;
pub(crate) mod container;
pub(crate) mod imds;
pub(crate) mod login;
pub(crate) mod pyjson;
#[cfg(test)]
pub(crate) mod replay;
pub(crate) mod s3express;
pub(crate) mod sso;
pub(crate) mod sts;
#[cfg(test)]
pub(crate) mod testkit;
pub(crate) mod timestamp;

#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::Duration;

use time::OffsetDateTime;

use crate::config::files::{self, SharedFiles};
use crate::config::ini::Section;
use crate::error::{Error, Result};
use crate::escape::for_terminal;
use crate::http::{HttpError, HttpRequest, HttpResponse, Transport};
use crate::system::System;

/// What the command line sets for presign's own network calls (AWS CLI
/// v2's `--cli-connect-timeout` and `--cli-read-timeout`; `0` means none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NetworkOptions {
    /// `--cli-connect-timeout` in seconds.
    pub connect_timeout: Option<u64>,
    /// `--cli-read-timeout` in seconds.
    pub read_timeout: Option<u64>,
    /// `--ca-bundle`: the S3 client's CA bundle (CreateSession), before
    /// `AWS_CA_BUNDLE` and the profile's `ca_bundle`. As in AWS CLI v2, the
    /// credential providers' clients (STS, SSO) do not take it.
    pub s3_ca_bundle: Option<PathBuf>,
    /// `--no-verify-ssl`: the S3 client (CreateSession) does not check
    /// certificates; the credential providers' clients still do, as in v2.
    pub s3_no_verify_tls: bool,
}

impl NetworkOptions {
    /// Gives up connecting after `seconds` (`0`: no limit).
    pub fn with_connect_timeout(mut self, seconds: u64) -> Self {
        self.connect_timeout = Some(seconds);
        self
    }

    /// Gives up waiting for a response after `seconds` (`0`: no limit).
    pub fn with_read_timeout(mut self, seconds: u64) -> Self {
        self.read_timeout = Some(seconds);
        self
    }

    /// Trusts the certificates in this PEM file for CreateSession.
    pub fn with_s3_ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.s3_ca_bundle = Some(path.into());
        self
    }
}

/// Everything a provider needs.
pub(crate) struct Context<'a> {
    pub sys: &'a dyn System,
    pub now: OffsetDateTime,
    pub files: &'a SharedFiles,
    /// The selected profile (merged): its settings drive every client.
    pub selected: &'a Section,
    /// The session's region (`--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`,
    /// the selected profile's `region`, instance metadata).
    pub region: Option<String>,
    /// The command line's network settings.
    pub network: NetworkOptions,
    /// Standard input is the run's input, not the user's.
    pub stdin_busy: bool,
    /// Decisions for `--debug` (never a secret).
    pub trail: RefCell<Vec<String>>,
}

/// A service client of the session, as botocore builds one for a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Sts,
    Sso,
    SsoOidc,
    Signin,
}

impl Service {
    /// The suffix of `AWS_ENDPOINT_URL_<SVC>`.
    fn env_suffix(self) -> &'static str {
        match self {
            Service::Sts => "STS",
            Service::Sso => "SSO",
            Service::SsoOidc => "SSO_OIDC",
            Service::Signin => "SIGNIN",
        }
    }

    /// The key in a `[services NAME]` section.
    fn services_key(self) -> &'static str {
        match self {
            Service::Sts => "sts",
            Service::Sso => "sso",
            Service::SsoOidc => "sso_oidc",
            Service::Signin => "signin",
        }
    }

    /// The name used in messages.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Service::Sts => "STS",
            Service::Sso => "the IAM Identity Center portal",
            Service::SsoOidc => "IAM Identity Center OIDC",
            Service::Signin => "AWS Sign-In",
        }
    }
}

impl Context<'_> {
    /// Notes a decision for `--debug`.
    pub(crate) fn note(&self, line: String) {
        self.trail.borrow_mut().push(line);
    }

    /// The home folder the caches live under.
    pub(crate) fn home(&self) -> Result<PathBuf> {
        files::home_dir(self.sys).map(PathBuf::from).ok_or_else(|| {
            Error::InvalidConfig(
                "cannot find the home folder for AWS CLI's caches (set HOME)".to_owned(),
            )
        })
    }

    /// A setting: the environment variable, else the selected profile's key.
    pub(crate) fn setting(&self, env: &str, key: &str) -> Result<Option<String>> {
        Ok(match self.sys.var(env)? {
            Some(v) => Some(v),
            None => self.selected.text(key).map(str::to_owned),
        })
    }

    /// The configured endpoint of `service`, in botocore's order:
    /// `AWS_ENDPOINT_URL_<SVC>`, `AWS_ENDPOINT_URL`, the profile's
    /// `[services]` section, the profile's `endpoint_url`; none when
    /// `ignore_configured_endpoint_urls` is on.
    pub(crate) fn configured_endpoint(&self, service: Service) -> Result<Option<String>> {
        let ignore = self
            .setting(
                "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                "ignore_configured_endpoint_urls",
            )?
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if ignore {
            return Ok(None);
        }
        let env = format!("AWS_ENDPOINT_URL_{}", service.env_suffix());
        for name in [env.as_str(), "AWS_ENDPOINT_URL"] {
            if let Some(url) = self.sys.var(name)?.filter(|v| !v.is_empty()) {
                return Ok(Some(url));
            }
        }
        if let Some(name) = self.selected.text("services")
            && let Some(section) = self.files.services_section(name)
            && let Some(url) = section
                .get(service.services_key())
                .and_then(|v| v.nested("endpoint_url"))
                .filter(|u| !u.is_empty())
        {
            return Ok(Some(url.to_owned()));
        }
        Ok(self
            .selected
            .text("endpoint_url")
            .filter(|u| !u.is_empty())
            .map(str::to_owned))
    }

    /// The transport of a botocore client: `--cli-*-timeout` (60 s by
    /// default), proxies, and the CA bundle (`AWS_CA_BUNDLE`, the profile's
    /// `ca_bundle`, `REQUESTS_CA_BUNDLE`).
    pub(crate) fn client_transport(&self) -> Result<Transport> {
        let seconds = |v: Option<u64>| match v {
            Some(0) => None,
            Some(s) => Some(Duration::from_secs(s)),
            None => Some(Duration::from_secs(60)),
        };
        let bundle = match self.sys.var_os("AWS_CA_BUNDLE") {
            Some(v) => Some(v),
            None => match self.selected.text("ca_bundle") {
                Some(v) => Some(v.into()),
                None => self.sys.var_os("REQUESTS_CA_BUNDLE"),
            },
        };
        Ok(Transport {
            connect_timeout: seconds(self.network.connect_timeout),
            read_timeout: seconds(self.network.read_timeout),
            use_proxy: true,
            ca_bundle: bundle
                .filter(|b| !b.is_empty())
                .map(|b| PathBuf::from(files::expand_user(self.sys, &b))),
            verify_tls: true,
        })
    }

    /// Attempts per call in botocore's retry modes (`AWS_MAX_ATTEMPTS`,
    /// `max_attempts`, default 3); `retry_mode = legacy` is refused as v2
    /// refuses it.
    pub(crate) fn max_attempts(&self) -> Result<u32> {
        if let Some(mode) = self.setting("AWS_RETRY_MODE", "retry_mode")?
            && mode != "standard"
            && mode != "adaptive"
        {
            return Err(Error::InvalidConfig(format!(
                "invalid value provided to \"mode\": \"{}\" must be one of: \"standard\" or \"adaptive\" (fix retry_mode or AWS_RETRY_MODE)",
                for_terminal(&mode)
            )));
        }
        match self.setting("AWS_MAX_ATTEMPTS", "max_attempts")? {
            None => Ok(3),
            Some(v) => v.trim().parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                Error::InvalidConfig(format!(
                    "max_attempts must be a whole number of at least 1, not \"{}\" (fix max_attempts or AWS_MAX_ATTEMPTS)",
                    for_terminal(&v)
                ))
            }),
        }
    }

    /// Sends `request` with botocore's standard retries (see
    /// [`send_with_retries`]) and the session's `max_attempts`.
    pub(crate) fn send_with_retries(
        &self,
        service: Service,
        request: &HttpRequest,
    ) -> Result<(HttpResponse, u32)> {
        send_with_retries(self.sys, self.max_attempts()?, service.label(), request)
    }
}

/// Sends `request` with botocore's standard retries: connection errors,
/// timeouts, HTTP 500, 502, 503, 504 and throttling codes are tried again,
/// up to `attempts` in all, after `rand(0,1) × 2^attempt` seconds (at most
/// 20). The last answer is returned, even a 5xx, with the number of retries.
pub(crate) fn send_with_retries(
    sys: &dyn System,
    attempts: u32,
    what: &str,
    request: &HttpRequest,
) -> Result<(HttpResponse, u32)> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = sys.http(request);
        let retry = match &outcome {
            Ok(r) => matches!(r.status, 500 | 502 | 503 | 504) || retryable_code(r),
            Err(e) => e.is_retryable(),
        };
        if !retry || attempt >= attempts {
            return match outcome {
                Ok(response) => Ok((response, attempt - 1)),
                Err(e) => Err(network_error(what, &request.url, &e)),
            };
        }
        let mut r = [0u8; 2];
        sys.random(&mut r);
        let fraction = f64::from(u16::from_le_bytes(r)) / 65535.0;
        let delay = (fraction * f64::from(1u32 << attempt.min(5))).min(20.0);
        sys.sleep(Duration::from_secs_f64(delay));
    }
}

/// Error codes botocore's standard mode retries whatever the status
/// (`retries/standard.py`: throttling and transient codes).
const RETRYABLE_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// The error code of an answer: `x-amzn-ErrorType` (JSON services, up to
/// its first `:`), else the first `<Code>` of an XML error document.
pub(crate) fn error_code(response: &HttpResponse) -> Option<String> {
    if let Some(t) = response.header("x-amzn-errortype") {
        return Some(t.split(':').next().unwrap_or(t).to_owned());
    }
    let text = std::str::from_utf8(&response.body).ok()?;
    let start = text.find("<Code>")? + "<Code>".len();
    let end = start + text[start..].find("</Code>")?;
    Some(text[start..end].trim().to_owned())
}

fn retryable_code(response: &HttpResponse) -> bool {
    response.status >= 400
        && error_code(response).is_some_and(|c| RETRYABLE_CODES.contains(&c.as_str()))
}

/// The `User-Agent` of presign's calls to AWS services.
pub(crate) fn user_agent() -> String {
    format!("presign/{}", env!("CARGO_PKG_VERSION"))
}

/// A call that got no answer, as AWS CLI v2 reports it (exit 255).
pub(crate) fn network_error(what: &str, url: &str, error: &HttpError) -> Error {
    Error::Network {
        service: what.to_owned(),
        url: url.to_owned(),
        failure: error.clone(),
        bucket: None,
    }
}
