//! The credential provider chain of AWS CLI v2, in its order
//! (botocore `create_credential_resolver`):
//!
//! 1. environment variables, unless `--profile` named a profile;
//! 2. assume role (`role_arn`), 3. web identity, 4. IAM Identity Center
//!    (SSO);
//! 5. the credentials file's section for the profile;
//! 6. `login_session` (`aws login`);
//! 7. `credential_process`;
//! 8. the config file's profile;
//! 9. `AWS_CREDENTIAL_FILE` and 10. the boto config (legacy files);
//! 11. container credentials; 12. instance metadata.
//!
//! The first provider that claims the profile decides: if it fails, the
//! run fails, with no fall-through to later providers (botocore
//! `CredentialResolver.load_credentials`). A source with a key id but no
//! secret is an error, as in botocore.
//!
//! A role profile is first read, purely, into a `RolePlan`: the hops from
//! the selected profile down its `source_profile` chain to the base source,
//! with every configuration error (a cycle, a missing source) found before
//! any call. Then the plan runs from the outermost hop inward, stopping at
//! the first hop whose session AWS CLI's cache still holds.

use std::path::PathBuf;

use super::files::{self, SharedFiles};
use super::ini::{self, Section};
use super::process;
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::escape::{self, for_terminal};
use crate::providers::{self, Context, sts};
use crate::secret::SecretString;
use crate::system::System;

/// Where credentials came from, for `--debug`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// The credentials found.
    pub credentials: Credentials,
    /// Where they came from, in words, e.g. `assume role ARN (profile NAME)`.
    pub source: String,
}

/// What the chain needs to know about the selected profile.
pub(crate) struct ChainInput<'a> {
    /// The profile the providers look up (`default` when none was selected).
    pub profile: &'a str,
    /// Whether `--profile` named it (that removes the environment provider).
    pub from_flag: bool,
    /// The profile as merged from both files.
    pub scoped: &'a Section,
}

/// Runs the chain. `Ok(None)` means no source had credentials.
pub(crate) fn resolve(cx: &Context, input: &ChainInput) -> Result<Option<Found>> {
    let sys = cx.sys;
    let files = cx.files;
    let name = for_terminal(input.profile).to_string();
    if !input.from_flag
        && let Some(found) = from_environment(sys)?
    {
        return Ok(Some(found));
    }
    let p = input.scoped;
    if p.has("role_arn") && !p.has("web_identity_token_file") {
        let plan = RolePlan::read(files, input.profile)?;
        let credentials = run_role_plan(cx, &plan)?;
        return Ok(Some(Found {
            credentials,
            source: format!(
                "assume role {} (profile {name})",
                for_terminal(&plan.hops[0].role_arn)
            ),
        }));
    }
    if let Some(web) = sts::WebIdentity::configured(cx, p, !input.from_flag)? {
        let credentials = sts::web_identity(cx, &web, true)?;
        return Ok(Some(Found {
            credentials,
            source: format!("web identity, role {}", for_terminal(&web.role_arn)),
        }));
    }
    if p.has("sso_role_name") || p.has("sso_account_id") {
        let credentials = providers::sso::credentials(cx, input.profile, p, true)?;
        return Ok(Some(Found {
            credentials,
            source: format!("IAM Identity Center (profile {name})"),
        }));
    }
    profile_providers(cx, input.profile, p, true)?
        .map(Ok)
        .or_else(|| legacy_and_instance(cx).transpose())
        .transpose()
}

/// Providers 5 to 8, which read one profile: the credentials file, login,
/// `credential_process`, the config file.
fn profile_providers(
    cx: &Context,
    profile: &str,
    merged: &Section,
    top_level: bool,
) -> Result<Option<Found>> {
    let files = cx.files;
    let name = for_terminal(profile).to_string();
    let _ = top_level;
    if let Some(section) = files.credentials_profile(profile)
        && let Some(credentials) = from_section(section, "shared-credentials-file")?
    {
        return Ok(Some(Found {
            credentials,
            source: format!(
                "shared credentials file {} [{name}]",
                escape::path(&files.credentials_path),
            ),
        }));
    }
    if let Some(session) = merged.text("login_session") {
        let credentials = providers::login::credentials(cx, profile, session)?;
        return Ok(Some(Found {
            credentials,
            source: format!("aws login session of profile {name}"),
        }));
    }
    if let Some(command) = merged.text("credential_process") {
        let credentials = process::run(cx.sys, command)?;
        return Ok(Some(Found {
            credentials,
            source: format!("credential_process of profile {name}"),
        }));
    }
    if let Some(section) = files.config_profile(profile)
        && let Some(credentials) = from_section(section, "config-file")?
    {
        return Ok(Some(Found {
            credentials,
            source: format!(
                "config file {} (profile {name})",
                escape::path(&files.config_path),
            ),
        }));
    }
    Ok(None)
}

/// Providers 9 to 12: the legacy files, the container, instance metadata.
fn legacy_and_instance(cx: &Context) -> Result<Option<Found>> {
    let sys = cx.sys;
    if let Some(found) = from_original_ec2_file(sys)? {
        return Ok(Some(found));
    }
    if let Some(found) = from_boto_config(sys)? {
        return Ok(Some(found));
    }
    if container_configured(sys) {
        let credentials = providers::container::credentials(cx)?;
        return Ok(Some(Found {
            credentials,
            source: "container credentials endpoint".to_owned(),
        }));
    }
    Ok(providers::imds::credentials(cx)?.map(|credentials| Found {
        credentials,
        source: "instance metadata (IMDS)".to_owned(),
    }))
}

/// botocore `ContainerProvider`: either variable present, even empty.
fn container_configured(sys: &dyn System) -> bool {
    [
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ]
    .iter()
    .any(|v| sys.var_os(v).is_some())
}

/// One AssumeRole call of a role chain, read from its profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleHop {
    /// The profile that names the role.
    pub profile: String,
    pub role_arn: String,
    pub role_session_name: Option<String>,
    pub external_id: Option<String>,
    pub mfa_serial: Option<String>,
    /// `duration_seconds` as Python's `int()` reads it; a value it rejects
    /// is dropped, as botocore drops it.
    pub duration_seconds: Option<i64>,
}

/// Where the innermost hop's caller credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BaseSource {
    /// `credential_source = Environment`.
    Environment,
    /// `credential_source = Ec2InstanceMetadata`.
    InstanceMetadata,
    /// `credential_source = EcsContainer`.
    Container,
    /// A `source_profile` that is not itself a role: its own providers
    /// (web identity, SSO, credentials file, login, process, config file).
    Profile(String),
    /// A role profile that is its own `source_profile` and has static keys.
    OwnKeys(String),
}

/// A role chain, outermost hop first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RolePlan {
    pub hops: Vec<RoleHop>,
    pub base: BaseSource,
}

fn has_static_keys(section: &Section) -> bool {
    section.has("aws_access_key_id") || section.has("aws_secret_access_key")
}

impl RolePlan {
    /// Reads the chain that starts at role profile `profile`
    /// (botocore `AssumeRoleProvider._load_creds_via_assume_role`).
    pub(crate) fn read(files: &SharedFiles, profile: &str) -> Result<RolePlan> {
        let mut hops = Vec::new();
        let mut visited = vec![profile.to_owned()];
        let mut current = profile.to_owned();
        loop {
            let section = files
                .merged_profile(&current)
                .ok_or_else(|| Error::ProfileNotFound {
                    profile: for_terminal(&current).to_string(),
                })?;
            let name = for_terminal(&current).to_string();
            let text = |k: &str| section.text(k).map(str::to_owned);
            hops.push(RoleHop {
                profile: current.clone(),
                role_arn: text("role_arn").unwrap_or_default(),
                role_session_name: text("role_session_name"),
                external_id: text("external_id"),
                mfa_serial: text("mfa_serial"),
                duration_seconds: text("duration_seconds").and_then(|v| python_int(&v)),
            });
            let source_profile = section.text("source_profile");
            let credential_source = section.text("credential_source");
            let source = match (source_profile, credential_source) {
                (Some(_), Some(_)) => {
                    return Err(Error::InvalidConfig(format!(
                        "the profile \"{name}\" contains both source_profile and credential_source (keep one of them)"
                    )));
                }
                (None, None) => {
                    return Err(Error::PartialCredentials {
                        source_name: "assume-role",
                        missing: "source_profile or credential_source",
                    });
                }
                (None, Some(cs)) => {
                    let base = match cs {
                        "Environment" => BaseSource::Environment,
                        "Ec2InstanceMetadata" => BaseSource::InstanceMetadata,
                        "EcsContainer" => BaseSource::Container,
                        other => {
                            return Err(Error::InvalidConfig(format!(
                                "the credential source \"{}\" referenced in profile \"{name}\" is not valid (use Environment, Ec2InstanceMetadata or EcsContainer, in that case)",
                                for_terminal(other)
                            )));
                        }
                    };
                    return Ok(RolePlan { hops, base });
                }
                (Some(sp), None) => sp.to_owned(),
            };
            let Some(source_section) = files.merged_profile(&source) else {
                return Err(Error::InvalidConfig(format!(
                    "the source_profile \"{}\" referenced in the profile \"{name}\" does not exist (define it, or fix source_profile)",
                    for_terminal(&source)
                )));
            };
            let is_self = source == current;
            let static_keys = has_static_keys(&source_section);
            if visited.contains(&source) && !(is_self && static_keys) {
                let list = visited
                    .iter()
                    .map(|v| format!("'{}'", for_terminal(v)))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(Error::InvalidConfig(format!(
                    "infinite loop in credential configuration detected: profile {} has already been visited (visited profiles: [{list}]; break the source_profile cycle)",
                    for_terminal(&source)
                )));
            }
            if is_self {
                return Ok(RolePlan {
                    hops,
                    base: BaseSource::OwnKeys(source),
                });
            }
            let source_is_role =
                source_section.has("role_arn") && !source_section.has("web_identity_token_file");
            if static_keys || !source_is_role {
                return Ok(RolePlan {
                    hops,
                    base: BaseSource::Profile(source),
                });
            }
            visited.push(source.clone());
            current = source;
        }
    }
}

/// Python's `int()` of a string: optional sign, digits and underscores
/// between digits, surrounding whitespace.
pub(crate) fn python_int(text: &str) -> Option<i64> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let value: i64 = digits.replace('_', "").parse().ok()?;
    Some(if negative { -value } else { value })
}

/// Runs `plan`: the outermost hop whose session is cached ends the walk
/// inward; the base source is asked only when no hop is cached.
fn run_role_plan(cx: &Context, plan: &RolePlan) -> Result<Credentials> {
    let cache = providers::cache::CliCache::new(cx)?;
    let mut cached = None;
    for (i, hop) in plan.hops.iter().enumerate() {
        sts::validate_hop(hop)?;
        if let Some(credentials) = cache.load(cx, &sts::cache_key(hop))? {
            cached = Some((i, credentials));
            break;
        }
    }
    let (mut next, mut credentials) = match cached {
        Some((i, credentials)) => (i, credentials),
        None => (plan.hops.len(), base_credentials(cx, &plan.base)?),
    };
    while next > 0 {
        next -= 1;
        credentials = sts::assume_role(cx, &plan.hops[next], &credentials, &cache)?;
    }
    Ok(credentials)
}

fn base_credentials(cx: &Context, base: &BaseSource) -> Result<Credentials> {
    match base {
        BaseSource::Environment => from_environment(cx.sys)?
            .map(|f| f.credentials)
            .ok_or_else(|| {
                Error::CredentialSource(
                    "credential_source = Environment found no credentials in the environment (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)".to_owned(),
                )
            }),
        BaseSource::InstanceMetadata => providers::imds::credentials(cx)?.ok_or_else(|| {
            Error::CredentialSource(
                "credential_source = Ec2InstanceMetadata found no credentials in instance metadata (run on an EC2 instance with a role, or change credential_source)".to_owned(),
            )
        }),
        BaseSource::Container => providers::container::credentials(cx),
        BaseSource::OwnKeys(profile) => {
            let section = cx.files.merged_profile(profile).unwrap_or_default();
            from_section(&section, "assume-role")?.ok_or(Error::PartialCredentials {
                source_name: "assume-role",
                missing: "aws_access_key_id",
            })
        }
        BaseSource::Profile(profile) => {
            let section = cx.files.merged_profile(profile).unwrap_or_default();
            if let Some(web) = sts::WebIdentity::configured(cx, &section, false)? {
                return sts::web_identity(cx, &web, false);
            }
            if section.has("sso_role_name") || section.has("sso_account_id") {
                return providers::sso::credentials(cx, profile, &section, false);
            }
            profile_providers(cx, profile, &section, false)?
                .map(|f| f.credentials)
                .ok_or_else(|| {
                    Error::InvalidConfig(format!(
                        "the source profile \"{}\" must have credentials (add keys, credential_process or SSO settings to it)",
                        for_terminal(profile)
                    ))
                })
        }
    }
}

fn non_empty(sys: &dyn System, name: &str) -> Result<Option<String>> {
    Ok(sys.var(name)?.filter(|v| !v.is_empty()))
}

fn from_environment(sys: &dyn System) -> Result<Option<Found>> {
    let Some(access_key_id) = non_empty(sys, "AWS_ACCESS_KEY_ID")? else {
        return Ok(None);
    };
    let secret = non_empty(sys, "AWS_SECRET_ACCESS_KEY")?.ok_or(Error::PartialCredentials {
        source_name: "env",
        missing: "AWS_SECRET_ACCESS_KEY",
    })?;
    let token = match non_empty(sys, "AWS_SECURITY_TOKEN")? {
        Some(token) => Some(token),
        None => non_empty(sys, "AWS_SESSION_TOKEN")?,
    };
    let expiration = non_empty(sys, "AWS_CREDENTIAL_EXPIRATION")?.and_then(|s| {
        time::OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339).ok()
    });
    Ok(Some(Found {
        credentials: Credentials {
            access_key_id,
            secret_access_key: SecretString::new(secret),
            session_token: token.map(SecretString::new),
            expiration,
        },
        source: "environment variables".to_owned(),
    }))
}

/// Keys of a credentials-file or config-file section. A key id without a
/// secret is an error; token keys count when present, even empty.
fn from_section(section: &Section, source_name: &'static str) -> Result<Option<Credentials>> {
    let Some(access_key_id) = section.text("aws_access_key_id") else {
        return Ok(None);
    };
    let secret = section
        .text("aws_secret_access_key")
        .ok_or(Error::PartialCredentials {
            source_name,
            missing: "aws_secret_access_key",
        })?;
    let token = section
        .text("aws_security_token")
        .or_else(|| section.text("aws_session_token"));
    Ok(Some(Credentials {
        access_key_id: access_key_id.to_owned(),
        secret_access_key: SecretString::new(secret.to_owned()),
        session_token: token.map(|t| SecretString::new(t.to_owned())),
        expiration: None,
    }))
}

/// `AWS_CREDENTIAL_FILE`: the EC2 tools' `AWSAccessKeyId=` / `AWSSecretKey=` file.
fn from_original_ec2_file(sys: &dyn System) -> Result<Option<Found>> {
    let Some(path) = sys.var_os("AWS_CREDENTIAL_FILE") else {
        return Ok(None);
    };
    let path = PathBuf::from(files::expand_user(sys, &path));
    let bytes = match sys.read_file(&path) {
        Ok(Some(bytes)) => bytes,
        _ => {
            return Err(Error::ConfigRead {
                path,
                reason: "the file named by AWS_CREDENTIAL_FILE could not be found (unset AWS_CREDENTIAL_FILE or fix the path)".to_owned(),
            });
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    let value = |name: &str| {
        text.lines()
            .filter_map(|l| l.split_once('='))
            .rfind(|(k, _)| k.trim() == name)
            .map(|(_, v)| v.trim().to_owned())
    };
    let Some(access_key_id) = value("AWSAccessKeyId") else {
        return Ok(None);
    };
    let secret = value("AWSSecretKey").ok_or(Error::PartialCredentials {
        source_name: "AWS_CREDENTIAL_FILE",
        missing: "AWSSecretKey",
    })?;
    Ok(Some(Found {
        credentials: Credentials::new(access_key_id, secret),
        source: format!("AWS_CREDENTIAL_FILE {}", escape::path(&path)),
    }))
}

/// The boto 2 config: `BOTO_CONFIG`, else `/etc/boto.cfg` then `~/.boto`,
/// section `[Credentials]`.
fn from_boto_config(sys: &dyn System) -> Result<Option<Found>> {
    let candidates = match sys.var_os("BOTO_CONFIG") {
        Some(path) => vec![path],
        None => vec!["/etc/boto.cfg".into(), "~/.boto".into()],
    };
    for candidate in candidates {
        let path = PathBuf::from(files::expand_user(
            sys,
            &files::expand_vars(sys, &candidate),
        ));
        let Ok(Some(bytes)) = sys.read_file(&path) else {
            continue;
        };
        let parse_error = |reason: String| Error::ConfigParse {
            path: path.clone(),
            reason,
            env: "BOTO_CONFIG",
        };
        let text =
            String::from_utf8(bytes).map_err(|_| parse_error("not UTF-8 text".to_owned()))?;
        let ini = ini::parse(&text).map_err(|e| parse_error(e.to_string()))?;
        if let Some(section) = ini.section("Credentials")
            && let Some(credentials) = from_section(section, "boto-config")?
        {
            return Ok(Some(Found {
                credentials: Credentials {
                    session_token: None,
                    ..credentials
                },
                source: format!("boto config {}", escape::path(&path)),
            }));
        }
    }
    Ok(None)
}
