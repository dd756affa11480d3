//! The credential provider chain of AWS CLI v2, in its order
//! (botocore `create_credential_resolver`):
//!
//! 1. environment variables, unless `--profile` named a profile;
//! 2. assume-role, 3. web identity, 4. SSO (IAM Identity Center): these call AWS, so presign stops
//!    with an error rather than silently signing with other keys;
//! 5. the credentials file's section for the profile;
//! 6. `login_session` (network, refused like 2-4);
//! 7. `credential_process`;
//! 8. the config file's profile;
//! 9. `AWS_CREDENTIAL_FILE` and 10. the boto config (legacy files);
//! 11. container credentials (network, refused). Instance metadata is not
//!     tried: it needs the network.
//!
//! The first source that has an access key id wins; a source with a key id
//! but no secret is an error, as in botocore.

use std::path::PathBuf;

use super::files::{self, SharedFiles};
use super::ini::{self, Section};
use super::process;
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::escape::{self, for_terminal};
use crate::secret::SecretString;
use crate::system::System;

/// Where credentials came from, for `--debug`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub credentials: Credentials,
    pub source: String,
}

/// What the chain needs to know about the selected profile.
pub struct ChainInput<'a> {
    /// The profile the providers look up (`default` when none was selected).
    pub profile: &'a str,
    /// Whether `--profile` named it (that removes the environment provider).
    pub from_flag: bool,
    /// The profile as merged from both files.
    pub scoped: &'a Section,
}

/// Runs the chain. `Ok(None)` means no source had credentials.
pub fn resolve(sys: &dyn System, files: &SharedFiles, input: &ChainInput) -> Result<Option<Found>> {
    if !input.from_flag
        && let Some(found) = from_environment(sys)?
    {
        return Ok(Some(found));
    }
    refuse_network_sources(sys, files, input)?;
    if let Some(section) = files.credentials_profile(input.profile)
        && let Some(credentials) = from_section(section, "shared-credentials-file")?
    {
        return Ok(Some(Found {
            credentials,
            source: format!(
                "shared credentials file {} [{}]",
                escape::path(&files.credentials_path),
                for_terminal(input.profile)
            ),
        }));
    }
    if input.scoped.has("login_session") {
        return Err(Error::NetworkCredentials {
            profile: for_terminal(input.profile).to_string(),
            what: "login_session (aws login)",
        });
    }
    if let Some(command) = input.scoped.text("credential_process") {
        let credentials = process::run(sys, command)?;
        return Ok(Some(Found {
            credentials,
            source: format!(
                "credential_process of profile {}",
                for_terminal(input.profile)
            ),
        }));
    }
    if let Some(section) = files.config_profile(input.profile)
        && let Some(credentials) = from_section(section, "config-file")?
    {
        return Ok(Some(Found {
            credentials,
            source: format!(
                "config file {} (profile {})",
                escape::path(&files.config_path),
                for_terminal(input.profile)
            ),
        }));
    }
    if let Some(found) = from_original_ec2_file(sys)? {
        return Ok(Some(found));
    }
    if let Some(found) = from_boto_config(sys)? {
        return Ok(Some(found));
    }
    let container = [
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ];
    if container.iter().any(|v| sys.var_os(v).is_some()) {
        return Err(Error::NetworkCredentials {
            profile: for_terminal(input.profile).to_string(),
            what: "the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_*)",
        });
    }
    Ok(None)
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

fn refuse_network_sources(sys: &dyn System, files: &SharedFiles, input: &ChainInput) -> Result<()> {
    let p = input.scoped;
    let refuse = |what| {
        Err(Error::NetworkCredentials {
            profile: for_terminal(input.profile).to_string(),
            what,
        })
    };
    let web_identity =
        p.has("web_identity_token_file") || sys.var_os("AWS_WEB_IDENTITY_TOKEN_FILE").is_some();
    if p.has("role_arn") && !p.has("web_identity_token_file") {
        if let Some(source) = p.text("source_profile")
            && files.merged_profile(source).is_none()
        {
            return Err(Error::InvalidConfig(format!(
                "the source_profile \"{}\" of profile \"{}\" does not exist (define it, or fix source_profile)",
                for_terminal(source),
                for_terminal(input.profile)
            )));
        }
        return refuse("role_arn (STS AssumeRole)");
    }
    if web_identity {
        return refuse("web identity (STS AssumeRoleWithWebIdentity)");
    }
    // botocore's SSO provider takes the profile when it names a role or an
    // account; `sso_session` alone only configures `aws sso login`.
    if p.has("sso_role_name") || p.has("sso_account_id") {
        return refuse("IAM Identity Center (SSO)");
    }
    Ok(())
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
