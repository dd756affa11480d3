//! Finding and reading the shared config and credentials files, and turning
//! their sections into profiles (AWS-CLI-PRESIGN.md, sections 2.1 and 2.3).
//!
//! - Paths: `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`, else
//!   `~/.aws/config` / `~/.aws/credentials`; `$VAR`, `${VAR}` and a leading `~`
//!   are expanded. A missing file, or a directory, reads as empty.
//! - Config file: `[default]` and `[profile NAME]` are profiles (NAME split as
//!   a shell word, exactly two words); `[services NAME]` are service sections;
//!   anything else is ignored. When both `[default]` and `[profile default]`
//!   exist, the later one wins whole.
//! - Credentials file: every section is a profile, named verbatim.
//! - A profile present in both files is the config one with the credentials
//!   file's keys laid over it.

use std::path::{Path, PathBuf};

use super::ini::{self, Ini, Section};
use super::shlex;
use crate::error::{Error, Result};
use crate::system::System;

/// Environment variable naming the config file.
pub const CONFIG_FILE_ENV: &str = "AWS_CONFIG_FILE";
/// Environment variable naming the credentials file.
pub const CREDENTIALS_FILE_ENV: &str = "AWS_SHARED_CREDENTIALS_FILE";

/// Both shared files, parsed.
#[derive(Debug, Clone, Default)]
pub struct SharedFiles {
    /// Where the config file was looked for.
    pub config_path: PathBuf,
    /// Whether it was there.
    pub config_found: bool,
    /// Where the credentials file was looked for.
    pub credentials_path: PathBuf,
    /// Whether it was there.
    pub credentials_found: bool,
    /// Profiles of the config file, by profile name.
    pub config_profiles: Vec<(String, Section)>,
    /// `[services NAME]` sections of the config file.
    pub services: Vec<(String, Section)>,
    /// Sections of the credentials file, by profile name.
    pub credentials: Ini,
}

impl SharedFiles {
    /// Locates, reads and parses both files.
    pub fn load(sys: &dyn System) -> Result<Self> {
        let config_path = file_path(sys, CONFIG_FILE_ENV, "config");
        let credentials_path = file_path(sys, CREDENTIALS_FILE_ENV, "credentials");
        let config = read_ini(sys, &config_path, CONFIG_FILE_ENV)?;
        let credentials = read_ini(sys, &credentials_path, CREDENTIALS_FILE_ENV)?;
        let mut files = SharedFiles {
            config_path,
            config_found: config.is_some(),
            credentials_path,
            credentials_found: credentials.is_some(),
            credentials: credentials.unwrap_or_default(),
            ..Default::default()
        };
        for (name, section) in config.unwrap_or_default().sections {
            if name.starts_with("profile") {
                if let Some(profile) = second_word(&name) {
                    put(&mut files.config_profiles, profile, section);
                }
            } else if name.starts_with("sso-session") {
                // Only SSO reads these, and presign does not do SSO.
            } else if name.starts_with("services") {
                if let Some(service) = second_word(&name) {
                    put(&mut files.services, service, section);
                }
            } else if name == "default" {
                put(&mut files.config_profiles, "default".to_owned(), section);
            }
        }
        Ok(files)
    }

    /// The profile of the config file alone.
    pub fn config_profile(&self, name: &str) -> Option<&Section> {
        find(&self.config_profiles, name)
    }

    /// The section of the credentials file alone.
    pub fn credentials_profile(&self, name: &str) -> Option<&Section> {
        self.credentials.section(name)
    }

    /// The `[services NAME]` section.
    pub fn services_section(&self, name: &str) -> Option<&Section> {
        find(&self.services, name)
    }

    /// The profile as AWS CLI sees it: config keys, then credentials keys on
    /// top. `None` when neither file defines it.
    pub fn merged_profile(&self, name: &str) -> Option<Section> {
        let config = self.config_profile(name);
        let credentials = self.credentials_profile(name);
        if config.is_none() && credentials.is_none() {
            return None;
        }
        let mut merged = config.cloned().unwrap_or_default();
        if let Some(creds) = credentials {
            merged.update(creds);
        }
        Some(merged)
    }
}

fn find<'a>(list: &'a [(String, Section)], name: &str) -> Option<&'a Section> {
    list.iter().find(|(n, _)| n == name).map(|(_, s)| s)
}

fn put(list: &mut Vec<(String, Section)>, name: String, section: Section) {
    match list.iter_mut().find(|(n, _)| *n == name) {
        Some(slot) => slot.1 = section,
        None => list.push((name, section)),
    }
}

/// `NAME` of `profile NAME` when the header is exactly two shell words.
fn second_word(header: &str) -> Option<String> {
    let mut words = shlex::split(header).ok()?;
    (words.len() == 2).then(|| words.swap_remove(1))
}

fn file_path(sys: &dyn System, env: &str, default_name: &str) -> PathBuf {
    match sys.var(env) {
        Some(path) => PathBuf::from(expand_user(sys, &expand_vars(sys, &path))),
        None => {
            let default = format!("~/.aws/{default_name}");
            PathBuf::from(expand_user(sys, &default))
        }
    }
}

fn read_ini(sys: &dyn System, path: &Path, env: &'static str) -> Result<Option<Ini>> {
    let bytes = match sys.read_file(path) {
        Ok(Some(bytes)) => bytes,
        // Python's configparser silently skips files it cannot open.
        Ok(None) | Err(_) => return Ok(None),
    };
    let parse_error = |reason: String| Error::ConfigParse {
        path: path.to_owned(),
        reason,
        env,
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        parse_error(format!(
            "not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    ini::parse(&text)
        .map(Some)
        .map_err(|e| parse_error(e.to_string()))
}

/// The home directory as Python's `os.path.expanduser` finds it: `HOME`, or
/// on Windows `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`.
pub fn home_dir(sys: &dyn System) -> Option<String> {
    if sys.is_windows() {
        if let Some(profile) = sys.var("USERPROFILE") {
            return Some(profile);
        }
        let path = sys.var("HOMEPATH")?;
        let drive = sys.var("HOMEDRIVE").unwrap_or_default();
        return Some(format!("{drive}{path}"));
    }
    sys.var("HOME")
}

/// Expands a leading `~` (alone or before a separator) to the home directory.
pub fn expand_user(sys: &dyn System, path: &str) -> String {
    let Some(rest) = path.strip_prefix('~') else {
        return path.to_owned();
    };
    let at_separator =
        rest.is_empty() || rest.starts_with('/') || (sys.is_windows() && rest.starts_with('\\'));
    match home_dir(sys) {
        Some(home) if at_separator => {
            let home = home.trim_end_matches('/');
            let home = if home.is_empty() { "/" } else { home };
            if home == "/" && rest.starts_with('/') {
                rest.to_owned()
            } else {
                format!("{home}{rest}")
            }
        }
        _ => path.to_owned(),
    }
}

/// Expands `$NAME` and `${NAME}` of variables that are set; leaves the rest.
pub fn expand_vars(sys: &dyn System, path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match sys.var(name) {
            Some(value) if !name.is_empty() => out.push_str(&value),
            _ => out.push_str(&rest[at..at + 1 + consumed]),
        }
        rest = &rest[at + 1 + consumed..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::MapSystem;

    #[test]
    fn default_paths_are_under_home() {
        let sys = MapSystem::new().var("HOME", "/home/u");
        let files = SharedFiles::load(&sys).unwrap();
        assert_eq!(files.config_path, PathBuf::from("/home/u/.aws/config"));
        assert_eq!(
            files.credentials_path,
            PathBuf::from("/home/u/.aws/credentials")
        );
        assert!(!files.config_found && !files.credentials_found);
    }

    #[test]
    fn windows_home_is_userprofile_then_homedrive_homepath() {
        let mut sys = MapSystem::new()
            .var("HOME", "/ignored")
            .var("HOMEDRIVE", "D:")
            .var("HOMEPATH", "\\Users\\u");
        sys.windows = true;
        assert_eq!(home_dir(&sys).as_deref(), Some("D:\\Users\\u"));
        let sys = sys.var("USERPROFILE", "C:\\Users\\Zoë Q");
        assert_eq!(home_dir(&sys).as_deref(), Some("C:\\Users\\Zoë Q"));
        assert_eq!(
            expand_user(&sys, "~/.aws/config"),
            "C:\\Users\\Zoë Q/.aws/config"
        );
    }

    #[test]
    fn env_paths_expand_variables_and_tilde() {
        let sys = MapSystem::new().var("HOME", "/h").var("DIR", "/etc/x");
        assert_eq!(expand_vars(&sys, "$DIR/config"), "/etc/x/config");
        assert_eq!(expand_vars(&sys, "${DIR}c"), "/etc/xc");
        assert_eq!(expand_vars(&sys, "$NOPE/c$"), "$NOPE/c$");
        assert_eq!(expand_user(&sys, "~/c"), "/h/c");
        assert_eq!(expand_user(&sys, "~other/c"), "~other/c");
    }

    #[test]
    fn profiles_follow_aws_cli_naming() {
        let sys = MapSystem::new()
            .var("HOME", "/h")
            .file(
                "/h/.aws/config",
                "[profile \"my prof\"]\nregion = a\n[dev]\nregion = b\n[profilefoo]\nregion = c\n\
                 [profile x y]\nregion = d\n[services s]\ns3 =\n  endpoint_url = http://e\n",
            )
            .file(
                "/h/.aws/credentials",
                "[profile dev]\naws_access_key_id = K\n",
            );
        let files = SharedFiles::load(&sys).unwrap();
        assert_eq!(
            files.config_profile("my prof").unwrap().text("region"),
            Some("a")
        );
        assert!(files.config_profile("dev").is_none());
        assert!(files.config_profile("profilefoo").is_none());
        assert!(files.config_profile("foo").is_none());
        assert!(files.services_section("s").is_some());
        assert!(files.merged_profile("profile dev").is_some());
        assert!(files.merged_profile("dev").is_none());
    }

    #[test]
    fn later_of_default_and_profile_default_wins_whole() {
        for (text, want) in [
            (
                "[default]\nregion = a\nk = 1\n[profile default]\nregion = b\n",
                "b",
            ),
            (
                "[profile default]\nregion = b\nk = 1\n[default]\nregion = a\n",
                "a",
            ),
        ] {
            let sys = MapSystem::new()
                .var("HOME", "/h")
                .file("/h/.aws/config", text);
            let files = SharedFiles::load(&sys).unwrap();
            let p = files.merged_profile("default").unwrap();
            assert_eq!(p.text("region"), Some(want));
            assert!(!p.has("k"));
        }
    }

    #[test]
    fn credentials_keys_override_config_keys() {
        let sys = MapSystem::new()
            .var("HOME", "/h")
            .file("/h/.aws/config", "[profile p]\nregion = a\noutput = json\n")
            .file("/h/.aws/credentials", "[p]\nregion = b\n");
        let p = SharedFiles::load(&sys)
            .unwrap()
            .merged_profile("p")
            .unwrap();
        assert_eq!(p.text("region"), Some("b"));
        assert_eq!(p.text("output"), Some("json"));
    }

    #[test]
    fn broken_file_names_its_path_and_variable() {
        let sys = MapSystem::new()
            .var("AWS_CONFIG_FILE", "/x/cfg")
            .file("/x/cfg", "[a]\n[a]\n");
        let err = SharedFiles::load(&sys).unwrap_err().to_string();
        assert!(
            err.contains("/x/cfg") && err.contains("AWS_CONFIG_FILE"),
            "{err}"
        );
    }
}
