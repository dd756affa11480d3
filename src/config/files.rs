//! Finding and reading the shared config and credentials files, and turning
//! their sections into profiles (botocore `configloader` and `session`).
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

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use super::ini::{self, Ini, Section};
use super::shlex;
use crate::error::{Error, Result};
use crate::system::System;

/// Environment variable naming the config file.
pub(crate) const CONFIG_FILE_ENV: &str = "AWS_CONFIG_FILE";
/// Environment variable naming the credentials file.
pub(crate) const CREDENTIALS_FILE_ENV: &str = "AWS_SHARED_CREDENTIALS_FILE";

/// Both shared files, parsed.
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedFiles {
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
    /// `[sso-session NAME]` sections of the config file.
    pub sso_sessions: Vec<(String, Section)>,
    /// Sections of the credentials file, by profile name.
    pub credentials: Ini,
}

impl SharedFiles {
    /// Locates, reads and parses both files.
    pub(crate) fn load(sys: &dyn System) -> Result<Self> {
        let config_path = file_path(sys, CONFIG_FILE_ENV, "config");
        let credentials_path = file_path(sys, CREDENTIALS_FILE_ENV, "credentials");
        // Profile lookups while loading go through an index, so that a file
        // of many profiles loads in linear time.
        let mut profile_at = HashMap::new();
        let mut service_at = HashMap::new();
        let mut sso_at = HashMap::new();
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
                    put(
                        &mut files.config_profiles,
                        &mut profile_at,
                        profile,
                        section,
                    );
                }
            } else if name.starts_with("sso-session") {
                if let Some(session) = second_word(&name) {
                    put(&mut files.sso_sessions, &mut sso_at, session, section);
                }
            } else if name.starts_with("services") {
                if let Some(service) = second_word(&name) {
                    put(&mut files.services, &mut service_at, service, section);
                }
            } else if name == "default" {
                put(
                    &mut files.config_profiles,
                    &mut profile_at,
                    "default".to_owned(),
                    section,
                );
            }
        }
        Ok(files)
    }

    /// The profile of the config file alone.
    pub(crate) fn config_profile(&self, name: &str) -> Option<&Section> {
        find(&self.config_profiles, name)
    }

    /// The section of the credentials file alone.
    pub(crate) fn credentials_profile(&self, name: &str) -> Option<&Section> {
        self.credentials.section(name)
    }

    /// The `[sso-session NAME]` section.
    pub(crate) fn sso_session_section(&self, name: &str) -> Option<&Section> {
        find(&self.sso_sessions, name)
    }

    /// The `[services NAME]` section.
    pub(crate) fn services_section(&self, name: &str) -> Option<&Section> {
        find(&self.services, name)
    }

    /// The profile as AWS CLI sees it: config keys, then credentials keys on
    /// top. `None` when neither file defines it.
    pub(crate) fn merged_profile(&self, name: &str) -> Option<Section> {
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

fn put(
    list: &mut Vec<(String, Section)>,
    at: &mut HashMap<String, usize>,
    name: String,
    section: Section,
) {
    match at.get(&name) {
        Some(&i) => list[i].1 = section,
        None => {
            at.insert(name.clone(), list.len());
            list.push((name, section));
        }
    }
}

/// `NAME` of `profile NAME` when the header is exactly two shell words.
fn second_word(header: &str) -> Option<String> {
    let mut words = shlex::split(header).ok()?;
    (words.len() == 2).then(|| words.swap_remove(1))
}

/// The path a variable names (read as it is, Unicode or not, as Python's
/// `os.environ` hands botocore any bytes), else `~/.aws/NAME`.
fn file_path(sys: &dyn System, env: &str, default_name: &str) -> PathBuf {
    match sys.var_os(env) {
        Some(path) => PathBuf::from(expand_user(sys, &expand_vars(sys, &path))),
        None => {
            let default = format!("~/.aws/{default_name}");
            PathBuf::from(expand_user(sys, OsStr::new(&default)))
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
pub(crate) fn home_dir(sys: &dyn System) -> Option<OsString> {
    if sys.is_windows() {
        if let Some(profile) = sys.var_os("USERPROFILE") {
            return Some(profile);
        }
        let path = sys.var_os("HOMEPATH")?;
        let mut home = sys.var_os("HOMEDRIVE").unwrap_or_default();
        home.push(path);
        return Some(home);
    }
    sys.var_os("HOME")
}

/// A path's code units, on which `~` and `$` are found: bytes on Unix,
/// where a path is any bytes; elsewhere the UTF-8 of a path that is Unicode
/// (`None` for one that is not, which is then used as it is).
fn units(path: &OsStr) -> Option<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(path.as_bytes().to_vec())
    }
    #[cfg(not(unix))]
    {
        path.to_str().map(|s| s.as_bytes().to_vec())
    }
}

/// The inverse of [`units`].
fn from_units(units: Vec<u8>) -> Option<OsString> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(OsString::from_vec(units))
    }
    #[cfg(not(unix))]
    {
        String::from_utf8(units).ok().map(OsString::from)
    }
}

/// Expands a leading `~` (alone or before a separator) to the home directory.
pub(crate) fn expand_user(sys: &dyn System, path: &OsStr) -> OsString {
    let Some(bytes) = units(path) else {
        return path.to_owned();
    };
    let Some(rest) = bytes.strip_prefix(b"~") else {
        return path.to_owned();
    };
    let at_separator =
        rest.is_empty() || rest.starts_with(b"/") || (sys.is_windows() && rest.starts_with(b"\\"));
    let home = home_dir(sys).and_then(|h| units(&h));
    match home {
        Some(home) if at_separator => {
            let mut home = home.as_slice();
            while let Some(shorter) = home.strip_suffix(b"/") {
                home = shorter;
            }
            let home: &[u8] = if home.is_empty() { b"/" } else { home };
            let joined = if home == b"/" && rest.starts_with(b"/") {
                rest.to_vec()
            } else {
                [home, rest].concat()
            };
            from_units(joined).unwrap_or_else(|| path.to_owned())
        }
        _ => path.to_owned(),
    }
}

/// Expands `$NAME` and `${NAME}` of variables that are set; leaves the rest.
pub(crate) fn expand_vars(sys: &dyn System, path: &OsStr) -> OsString {
    let Some(bytes) = units(path) else {
        return path.to_owned();
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes.as_slice();
    while let Some(at) = rest.iter().position(|&b| b == b'$') {
        out.extend_from_slice(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, consumed) = if let Some(braced) = after.strip_prefix(b"{") {
            match braced.iter().position(|&b| b == b'}') {
                Some(end) => (&braced[..end], end + 2),
                None => (&b""[..], 0),
            }
        } else {
            let end = after
                .iter()
                .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        let value = std::str::from_utf8(name)
            .ok()
            .filter(|n| !n.is_empty())
            .and_then(|n| sys.var_os(n))
            .and_then(|v| units(&v));
        match value {
            Some(value) => out.extend_from_slice(&value),
            None => out.extend_from_slice(&rest[at..at + 1 + consumed]),
        }
        rest = &rest[at + 1 + consumed..];
    }
    out.extend_from_slice(rest);
    from_units(out).unwrap_or_else(|| path.to_owned())
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
        assert_eq!(home_dir(&sys), Some("D:\\Users\\u".into()));
        let sys = sys.var("USERPROFILE", "C:\\Users\\Zoë Q");
        assert_eq!(home_dir(&sys), Some("C:\\Users\\Zoë Q".into()));
        assert_eq!(
            expand_user(&sys, "~/.aws/config".as_ref()),
            "C:\\Users\\Zoë Q/.aws/config"
        );
    }

    #[test]
    fn env_paths_expand_variables_and_tilde() {
        let sys = MapSystem::new().var("HOME", "/h").var("DIR", "/etc/x");
        let vars = |p: &str| expand_vars(&sys, p.as_ref());
        let user = |p: &str| expand_user(&sys, p.as_ref());
        assert_eq!(vars("$DIR/config"), "/etc/x/config");
        assert_eq!(vars("${DIR}c"), "/etc/xc");
        assert_eq!(vars("$NOPE/c$"), "$NOPE/c$");
        assert_eq!(vars("${DIR"), "${DIR");
        assert_eq!(user("~/c"), "/h/c");
        assert_eq!(user("~other/c"), "~other/c");
        assert_eq!(user("~"), "/h");
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

    #[cfg(unix)]
    #[test]
    fn paths_that_are_not_unicode_are_used_byte_for_byte() {
        use std::os::unix::ffi::OsStrExt;
        let home = OsStr::from_bytes(b"/h\xff");
        let sys = MapSystem::new()
            .var_os("HOME", home)
            .var_os("AWS_CONFIG_FILE", OsStr::from_bytes(b"~/c\xfe$D"))
            .var_os("D", OsStr::from_bytes(b"\xfd"))
            .file(
                PathBuf::from(OsStr::from_bytes(b"/h\xff/c\xfe\xfd")),
                "[default]\nregion = eu-west-3\n",
            );
        let files = SharedFiles::load(&sys).unwrap();
        assert!(files.config_found);
        assert_eq!(
            files.config_profile("default").unwrap().text("region"),
            Some("eu-west-3")
        );
        assert_eq!(
            files.credentials_path,
            Path::new(OsStr::from_bytes(b"/h\xff/.aws/credentials"))
        );
    }

    #[test]
    fn many_profiles_load_and_the_later_duplicate_wins() {
        let mut text = String::new();
        for i in 0..5000 {
            text.push_str(&format!("[profile p{i}]\nregion = r{i}\n"));
        }
        text.push_str("[profile \"p7\"]\nregion = late\n");
        let sys = MapSystem::new()
            .var("HOME", "/h")
            .file("/h/.aws/config", &text);
        let files = SharedFiles::load(&sys).unwrap();
        assert_eq!(files.config_profiles.len(), 5000);
        assert_eq!(
            files.config_profile("p4999").unwrap().text("region"),
            Some("r4999")
        );
        assert_eq!(
            files.config_profile("p7").unwrap().text("region"),
            Some("late")
        );
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
