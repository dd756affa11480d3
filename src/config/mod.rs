//! Configuration resolution as AWS CLI v2 does it: which profile, which
//! credentials, which region, which endpoint (botocore `session`, `credentials`, `regions`).
//!
//! Precedence, highest first:
//! - profile: `--profile`, `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `default`;
//! - credentials: see [`chain`];
//! - region: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's
//!   `region`; none at all means the global endpoint, scope `us-east-1`;
//! - endpoint: `--endpoint-url`, then (unless `ignore_configured_endpoint_urls`)
//!   `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's `services`
//!   section `s3 = endpoint_url`, the profile's `endpoint_url`.
//!
//! Every decision is written to a trail that `--debug` prints; the trail never
//! holds a secret.

pub(crate) mod chain;
pub(crate) mod files;
pub mod ini;
pub mod process;
pub mod shlex;

use std::cell::RefCell;

use time::OffsetDateTime;

use crate::credentials::Credentials;
use crate::endpoint::{AddressingStyle, CustomEndpoint, EndpointConfig, url};
use crate::error::{Error, Result};
use crate::escape::{self, for_terminal};
use crate::providers::Context;
use crate::system::System;
use files::SharedFiles;
use ini::Section;

/// What the command line says, above every other source. `default()` is
/// a bare `aws` command: the environment and the files decide everything;
/// the `with_` methods add what a flag would.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Overrides {
    /// `--profile`.
    pub profile: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--endpoint-url` / `--endpoint`.
    pub endpoint_url: Option<String>,
    /// `--no-sign-request`: no credentials are looked up.
    pub no_sign_request: bool,
    /// `--cli-connect-timeout` and `--cli-read-timeout`, for the calls
    /// credential sources make.
    pub network: crate::providers::NetworkOptions,
    /// Standard input carries the run's input (`--from -`, `inspect -`):
    /// an MFA code must not be read from it.
    pub stdin_busy: bool,
    /// How the trail names the source of an overridden setting: these
    /// fields by default, the options that set them on the command line.
    pub(crate) names: OverrideNames,
}

/// The names the trail gives the overrides, as their source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OverrideNames {
    pub(crate) profile: &'static str,
    pub(crate) region: &'static str,
    pub(crate) endpoint_url: &'static str,
    pub(crate) no_sign_request: &'static str,
}

impl Default for OverrideNames {
    fn default() -> Self {
        OverrideNames {
            profile: "Overrides::profile",
            region: "Overrides::region",
            endpoint_url: "Overrides::endpoint_url",
            no_sign_request: "Overrides::no_sign_request",
        }
    }
}

impl Overrides {
    /// Uses this profile (`--profile`), above `AWS_PROFILE`.
    pub fn with_profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// Uses this region (`--region`), above every configured one.
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Uses this endpoint (`--endpoint-url`), above every configured one.
    pub fn with_endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Looks up no credentials: URLs are unsigned (`--no-sign-request`).
    pub fn with_no_sign_request(mut self, on: bool) -> Self {
        self.no_sign_request = on;
        self
    }

    /// Timeouts and TLS settings for the calls credential sources and
    /// CreateSession make.
    pub fn with_network(mut self, network: crate::providers::NetworkOptions) -> Self {
        self.network = network;
        self
    }
}

/// The outcome of resolution.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Resolved {
    /// The selected profile, if one was selected.
    pub profile: Option<String>,
    /// The credentials, or `None` when no source had any (or unsigned).
    pub credentials: Option<Credentials>,
    /// Where the credentials came from (for messages; never a secret).
    pub credentials_source: String,
    /// Where every setting came from, one line each, for `--debug`.
    pub trail: Vec<String>,
    /// The endpoint settings.
    pub endpoint: EndpointConfig,
    /// The profile's `s3 = signature_version` (nested only, as botocore
    /// reads it), e.g. `s3` for legacy SigV2.
    pub s3_signature_version: Option<String>,
    /// AWS CLI v1's `us_east_1_regional_endpoint` (botocore's order:
    /// `AWS_S3_US_EAST_1_REGIONAL_ENDPOINT`, then the profile's
    /// `s3_us_east_1_regional_endpoint`, then its `s3 =` section). v2 ignores
    /// it; SigV2 URLs follow v1 and read it.
    pub s3_us_east_1_regional_endpoint: Option<String>,
    /// How CreateSession is called for directory buckets: the session's
    /// timeouts, proxies, CA bundle and attempts, or why its settings are
    /// wrong (reported when a directory bucket needs a session).
    pub s3express_client: std::result::Result<crate::providers::s3express::Client, String>,
}

/// Resolves profile, credentials, region and endpoint from `sys`, at `now`
/// (the clock that judges cached credentials and names role sessions).
pub fn resolve(sys: &dyn System, overrides: &Overrides, now: OffsetDateTime) -> Result<Resolved> {
    resolve_traced(sys, overrides, now, &mut Vec::new())
}

/// [`resolve`], writing each decision to `trail` as it is made, so that
/// `--debug` can show how far resolution got when it fails (which provider
/// claimed the profile, which endpoint it called, which cache file it read).
pub(crate) fn resolve_traced(
    sys: &dyn System,
    overrides: &Overrides,
    now: OffsetDateTime,
    trail: &mut Vec<String>,
) -> Result<Resolved> {
    let files = SharedFiles::load(sys)?;
    let found = |f: bool| if f { "read" } else { "not found" };
    trail.push(format!(
        "config file: {} ({})",
        escape::path(&files.config_path),
        found(files.config_found)
    ));
    trail.push(format!(
        "credentials file: {} ({})",
        escape::path(&files.credentials_path),
        found(files.credentials_found)
    ));

    let names = overrides.names;
    let (profile, profile_source) = match &overrides.profile {
        Some(p) => (Some(p.clone()), names.profile.to_owned()),
        None => match sys.var("AWS_PROFILE")? {
            Some(p) => (Some(p), "AWS_PROFILE".to_owned()),
            None => match sys.var("AWS_DEFAULT_PROFILE")? {
                Some(p) => (Some(p), "AWS_DEFAULT_PROFILE".to_owned()),
                None => (
                    None,
                    format!("no {}, AWS_PROFILE or AWS_DEFAULT_PROFILE", names.profile),
                ),
            },
        },
    };
    let scoped = match &profile {
        Some(name) => files
            .merged_profile(name)
            .ok_or_else(|| Error::ProfileNotFound {
                profile: for_terminal(name).to_string(),
            })?,
        None => files.merged_profile("default").unwrap_or_default(),
    };
    let provider_profile = profile.as_deref().unwrap_or("default");
    trail.push(format!(
        "profile: {} (from {profile_source})",
        for_terminal(provider_profile)
    ));

    // The session's region, which the S3 URL and every credential service
    // client (STS, Sign-In) share; instance metadata is its last step.
    let configured_region = match &overrides.region {
        Some(r) => Some(r.clone()),
        None => match sys.var("AWS_REGION")? {
            Some(r) => Some(r),
            None => match sys.var("AWS_DEFAULT_REGION")? {
                Some(r) => Some(r),
                None => scoped.text("region").map(str::to_owned),
            },
        },
    };
    let mut cx = Context {
        sys,
        now,
        files: &files,
        selected: &scoped,
        region: configured_region.clone(),
        network: overrides.network.clone(),
        stdin_busy: overrides.stdin_busy,
        trail: RefCell::new(Vec::new()),
    };
    // AWS CLI v2 builds its instance metadata client with the credential
    // chain, on every run: a malformed IMDS setting fails every run.
    crate::providers::imds::check_settings(&cx)?;
    let imds_region = match configured_region {
        Some(_) => None,
        None => crate::providers::imds::region(&cx)?,
    };
    if imds_region.is_some() {
        cx.region = imds_region.clone();
    }

    let mut credentials_source = String::from("nowhere");
    let credentials = if overrides.no_sign_request {
        trail.push(format!("credentials: none ({})", names.no_sign_request));
        None
    } else {
        let input = chain::ChainInput {
            profile: provider_profile,
            from_flag: overrides.profile.is_some(),
            scoped: &scoped,
        };
        let outcome = chain::resolve(&cx, &input);
        trail.append(&mut cx.trail.borrow_mut());
        match outcome? {
            Some(found) => {
                trail.push(format!(
                    "credentials: access key {} from {}{}",
                    for_terminal(&found.credentials.access_key_id),
                    found.source,
                    if found.credentials.session_token.is_some() {
                        ", with a session token"
                    } else {
                        ""
                    }
                ));
                credentials_source = found.source;
                Some(found.credentials)
            }
            None => {
                trail.push("credentials: none found".to_owned());
                None
            }
        }
    };

    let endpoint = endpoint_config(sys, overrides, &files, &scoped, imds_region, trail)?;
    let s3express_client = (|| {
        Ok::<_, Error>(crate::providers::s3express::Client {
            transport: {
                // The command's own client, which v2 builds with
                // `--ca-bundle` and `--no-verify-ssl`.
                let mut transport = cx.client_transport()?;
                if let Some(bundle) = &overrides.network.s3_ca_bundle {
                    transport.ca_bundle = Some(bundle.clone());
                }
                transport.verify_tls = !overrides.network.s3_no_verify_tls;
                transport
            },
            max_attempts: cx.max_attempts()?,
        })
    })()
    .map_err(|e| e.to_string());
    let s3_signature_version = scoped
        .get("s3")
        .and_then(|v| v.nested("signature_version"))
        .map(str::to_owned);
    let s3_us_east_1_regional_endpoint =
        sys.var("AWS_S3_US_EAST_1_REGIONAL_ENDPOINT")?.or_else(|| {
            scoped
                .text("s3_us_east_1_regional_endpoint")
                .or_else(|| {
                    scoped
                        .get("s3")
                        .and_then(|v| v.nested("us_east_1_regional_endpoint"))
                })
                .map(str::to_owned)
        });
    Ok(Resolved {
        s3express_client,
        s3_signature_version,
        s3_us_east_1_regional_endpoint,
        profile,
        credentials,
        credentials_source,
        trail: trail.clone(),
        endpoint,
    })
}

/// botocore's `ensure_boolean` on a string: `true` in any case.
fn boolean(value: &str) -> bool {
    value.eq_ignore_ascii_case("true")
}

/// An environment variable, else a profile key, as a boolean.
fn env_or_profile_flag(sys: &dyn System, scoped: &Section, env: &str, key: &str) -> Result<bool> {
    Ok(match sys.var(env)? {
        Some(v) => boolean(&v),
        None => scoped.text(key).is_some_and(boolean),
    })
}

fn endpoint_config(
    sys: &dyn System,
    overrides: &Overrides,
    files: &SharedFiles,
    scoped: &Section,
    imds_region: Option<String>,
    trail: &mut Vec<String>,
) -> Result<EndpointConfig> {
    let s3 = scoped.get("s3");
    let s3_key = |k: &str| s3.and_then(|v| v.nested(k));

    // Region.
    let region_sources = [
        (overrides.names.region, overrides.region.clone()),
        ("AWS_REGION", sys.var("AWS_REGION")?),
        ("AWS_DEFAULT_REGION", sys.var("AWS_DEFAULT_REGION")?),
        (
            "the profile's region",
            scoped.text("region").map(str::to_owned),
        ),
        ("instance metadata", imds_region),
    ];
    let (mut region, region_source) = region_sources
        .into_iter()
        .find_map(|(source, value)| value.map(|v| (Some(v), source)))
        .unwrap_or((None, "nowhere: global endpoint, scope us-east-1"));

    let mut fips = env_or_profile_flag(sys, scoped, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint")?;
    if let Some(r) = &region {
        validate_region(r)?;
        // A FIPS pseudo-region (`fips-us-east-1`, `us-east-1-fips`) turns
        // FIPS on and names the real region.
        let normal = r.replace("fips-", "").replace("-fips", "");
        if normal != *r {
            fips = true;
            region = Some(normal);
        }
    }
    trail.push(format!(
        "region: {} (from {region_source})",
        region.as_deref().unwrap_or("(none)")
    ));

    // Custom endpoint.
    let ignore_configured = match sys.var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")? {
        Some(v) => boolean(&v),
        None => scoped
            .text("ignore_configured_endpoint_urls")
            .is_some_and(boolean),
    };
    let custom = if let Some(url) = &overrides.endpoint_url {
        if url::split(url).is_ok_and(|u| u.scheme.is_empty()) {
            return Err(Error::EndpointWithoutScheme {
                url: for_terminal(url).to_string(),
            });
        }
        Some((url.clone(), overrides.names.endpoint_url.to_owned()))
    } else if ignore_configured {
        trail.push("configured endpoints ignored (ignore_configured_endpoint_urls)".to_owned());
        None
    } else {
        configured_endpoint(sys, files, scoped)?
    };
    let custom = match custom {
        Some((url, source)) => {
            trail.push(format!("endpoint: {} (from {source})", for_terminal(&url)));
            Some(CustomEndpoint::parse(&url)?)
        }
        None => {
            trail.push("endpoint: AWS's, from the region".to_owned());
            None
        }
    };

    let addressing_style = match s3_key("addressing_style") {
        Some(v) => AddressingStyle::parse(v)?,
        None => AddressingStyle::Auto,
    };
    let accelerate = s3_key("use_accelerate_endpoint").is_some_and(boolean);
    // botocore turns the s3 section's flags into booleans in place
    // (`SectionConfigProvider` with `ensure_boolean`) before it reads them, so
    // any case of "true" counts, and anything else falls through to the
    // top-level setting (AWS CLI 1.46.3 observed: TRUE, tRuE dual-stack).
    let dualstack = s3_key("use_dualstack_endpoint").is_some_and(boolean)
        || env_or_profile_flag(
            sys,
            scoped,
            "AWS_USE_DUALSTACK_ENDPOINT",
            "use_dualstack_endpoint",
        )?;
    let use_arn_region = match sys.var("AWS_S3_USE_ARN_REGION")? {
        Some(v) => boolean(&v),
        None => scoped
            .text("s3_use_arn_region")
            .or_else(|| s3_key("use_arn_region"))
            .is_none_or(boolean),
    };
    // botocore's `s3_disable_multiregion_access_points` config chain: the
    // environment variable, else the profile's `s3` section key of that
    // very name (`ensure_boolean`); a top-level profile key or another
    // spelling is not read.
    let disable_multiregion_access_points =
        match sys.var("AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS")? {
            Some(v) => boolean(&v),
            None => s3_key("s3_disable_multiregion_access_points").is_some_and(boolean),
        };
    // botocore's `s3_disable_express_session_auth` config variable: the
    // environment variable, else the profile's top-level key; a value that
    // is not a boolean fails every S3 client (`InvalidConfigError`).
    let (express_setting, express_source) = match sys.var("AWS_S3_DISABLE_EXPRESS_SESSION_AUTH")? {
        Some(v) => (Some(v), "AWS_S3_DISABLE_EXPRESS_SESSION_AUTH"),
        None => (
            scoped
                .text("s3_disable_express_session_auth")
                .map(str::to_owned),
            "the profile's s3_disable_express_session_auth",
        ),
    };
    let disable_express_session_auth = match express_setting.as_deref() {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) => {
            return Err(Error::InvalidConfig(format!(
                "Invalid value \"{}\" for s3_disable_express_session_auth. Value must be a boolean (set {express_source} to true or false)",
                for_terminal(v)
            )));
        }
    };
    if disable_express_session_auth {
        trail.push(format!(
            "S3 Express session auth: disabled (from {express_source}): directory buckets are signed without CreateSession"
        ));
    }
    trail.push(format!(
        "addressing style: {}; accelerate: {accelerate}; dual-stack: {dualstack}; FIPS: {fips}{}",
        addressing_style.name(),
        if disable_multiregion_access_points {
            "; multi-region access points disabled"
        } else {
            ""
        }
    ));
    Ok(EndpointConfig {
        region,
        custom,
        addressing_style,
        accelerate,
        dualstack,
        fips,
        use_arn_region,
        sigv2: false,
        disable_multiregion_access_points,
        us_east_1_regional: false,
        disable_express_session_auth,
    })
}

/// The configured endpoint (not `--endpoint-url`) and where it came from.
fn configured_endpoint(
    sys: &dyn System,
    files: &SharedFiles,
    scoped: &Section,
) -> Result<Option<(String, String)>> {
    for env in ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"] {
        if let Some(url) = sys.var(env)?.filter(|v| !v.is_empty()) {
            return Ok(Some((url, env.to_owned())));
        }
    }
    if let Some(services) = scoped.text("services") {
        let section = files
            .services_section(services)
            .filter(|s| s.keys().next().is_some())
            .ok_or_else(|| {
                Error::InvalidConfig(format!(
                    "the profile uses the services section \"{0}\", which does not exist (add [services {0}] to the config file)",
                    for_terminal(services)
                ))
            })?;
        let url = section.get("s3").and_then(|v| v.nested("endpoint_url"));
        if let Some(url) = url.filter(|u| !u.is_empty()) {
            return Ok(Some((
                url.to_owned(),
                format!("[services {}] s3 endpoint_url", for_terminal(services)),
            )));
        }
    }
    Ok(scoped
        .text("endpoint_url")
        .filter(|url| !url.is_empty())
        .map(|url| (url.to_owned(), "the profile's endpoint_url".to_owned())))
}

/// botocore `validate_region_name`: `^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{,63}(?<!-)$`,
/// and presign also refuses the empty region AWS CLI later chokes on.
pub(crate) fn validate_region(region: &str) -> Result<()> {
    let ok = !region.is_empty()
        && region.len() <= 63
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !region.bytes().all(|b| b.is_ascii_digit())
        && !region.starts_with('-')
        && !region.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidRegion(format!(
            "provided region_name '{}' doesn't match a supported format (a region looks like eu-west-2)",
            for_terminal(region)
        )))
    }
}

#[cfg(test)]
mod tests;
