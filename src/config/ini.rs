//! The INI dialect of `~/.aws/config` and `~/.aws/credentials`, read as AWS CLI
//! reads it: Python's `configparser.RawConfigParser` with its defaults, then
//! botocore's `raw_config_parse`.
//!
//! What it matches, rule by rule:
//! - lines end at `\n`, `\r\n` or a lone `\r` (Python's universal newlines);
//! - `#` and `;` start a comment only as the first non-blank character of a
//!   line; there are no inline comments (`region = x # c` keeps `x # c`);
//! - `=` and `:` both separate a key from its value, at the first of either;
//!   keys are lower-cased, section names keep their case;
//! - a line indented deeper than the key line above it continues that value;
//!   blank lines inside a value are kept, trailing ones are dropped;
//! - a value that starts with a newline (`s3 =` then indented lines) is a
//!   nested table: each line splits at its first `=`, nested keys keep case;
//! - `[DEFAULT]` is not a section but defaults inherited by every section
//!   (kept once and looked up as a fallback, so parsing stays linear);
//! - strict: the same section twice, the same key twice in a section, a key
//!   before any section, a line that is neither, or a nested line without `=`
//!   make the whole file unreadable ("Unable to parse config file").
//!
//! The `configparser` crate accepts several of these files silently (see
//! `tests/it/configparser_crate.rs`), which is why this module exists.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use crate::escape::for_terminal;

/// One value of a section: plain text, or the nested table of `key =` followed
/// by indented `name = value` lines.
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    /// A value on one line, or continued on indented lines.
    Text(String),
    /// A `key =` with an empty first line and indented `name = value` lines
    /// after it (as `s3 =` takes), as (name, value) pairs in file order.
    Nested(Vec<(String, String)>),
}

impl Value {
    /// The text of a plain value; `None` for a nested table.
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            Value::Nested(_) => None,
        }
    }

    /// The value of `name` in a nested table (the last one wins, as in a
    /// Python dict); `None` for plain text.
    pub fn nested(&self, name: &str) -> Option<&str> {
        match self {
            Value::Nested(pairs) => pairs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str()),
            Value::Text(_) => None,
        }
    }
}

// Values may hold secrets: never show them.
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(_) => f.write_str("Text(..)"),
            Value::Nested(pairs) => f
                .debug_list()
                .entries(pairs.iter().map(|(k, _)| k))
                .finish(),
        }
    }
}

/// A section: its own keys, and the `[DEFAULT]` keys it inherits.
///
/// The defaults are shared, not copied: every section of a file points at
/// one `[DEFAULT]` and falls back to it on lookup, as Python's
/// `configparser` does (`ChainMap` of the section and the defaults). Copying
/// them into each section made a file of many profiles and a big
/// `[DEFAULT]` cost time and memory in their product.
#[derive(Clone, Default)]
pub struct Section {
    /// Own keys, in file order, each once.
    entries: Vec<(String, Value)>,
    /// The keys of `[DEFAULT]`, below the own ones.
    defaults: Option<Arc<Section>>,
}

impl Section {
    /// The value of key `name` (keys are stored lower-cased).
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self.entries.iter().find(|(k, _)| k == name) {
            Some((_, v)) => Some(v),
            None => self
                .defaults
                .as_deref()?
                .entries
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v),
        }
    }

    /// The plain-text value of key `name`.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::text)
    }

    /// Whether key `name` is present, whatever its value.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name`, replacing an earlier value (Python's `dict.update`).
    pub fn set(&mut self, name: String, value: Value) {
        match self.entries.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((name, value)),
        }
    }

    /// Every key of this section, each once: the inherited `[DEFAULT]` keys
    /// first, in their order, then the section's own others, in file order
    /// (the order of a copy of the defaults updated with the section).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        // `[DEFAULT]` itself inherits nothing, so its own keys are all.
        let defaults = self.defaults.as_deref().map(|d| &d.entries);
        let inherited = defaults.into_iter().flatten().map(|(k, _)| k.as_str());
        let shadowed: HashSet<&str> = inherited.clone().collect();
        let own = self
            .entries
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(move |k| !shadowed.contains(k));
        inherited.chain(own)
    }

    /// Copies every key of `other`, inherited ones too, over this
    /// section's, in time linear in both.
    pub fn update(&mut self, other: &Section) {
        let mut at: HashMap<String, usize> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (k.clone(), i))
            .collect();
        for key in other.keys() {
            let Some(value) = other.get(key) else {
                continue;
            };
            match at.get(key) {
                Some(&i) => self.entries[i].1 = value.clone(),
                None => {
                    at.insert(key.to_owned(), self.entries.len());
                    self.entries.push((key.to_owned(), value.clone()));
                }
            }
        }
    }
}

/// Two sections are equal when they hold the same keys in the same order
/// with the same values, however those are stored.
impl PartialEq for Section {
    fn eq(&self, other: &Self) -> bool {
        self.keys().eq(other.keys()) && self.keys().all(|k| self.get(k) == other.get(k))
    }
}

impl Eq for Section {}

// Keys in order, values as `Value`'s `Debug` shows them (never their text).
impl fmt::Debug for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.keys().filter_map(|k| self.get(k).map(|v| (k, v))))
            .finish()
    }
}

/// A parsed file: its sections in the order they first appear.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ini {
    /// (section name, section), in file order; a profile's section is named
    /// `profile NAME` in the config file.
    pub sections: Vec<(String, Section)>,
}

impl Ini {
    /// The section named exactly `name`.
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s)
    }
}

/// Why a file could not be parsed. It names the line but never quotes it:
/// a malformed line may be a pasted secret. The section and setting names it
/// does quote are escaped for a terminal ([`for_terminal`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ParseError {
    /// The line it fails at, counted from 1.
    pub line: usize,
    /// What is wrong with the line, in words.
    pub reason: String,
}

const DEFAULT_SECTION: &str = "DEFAULT";

/// Python's `str.isspace`, which also counts the separators U+001C..U+001F.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Splits at `\r\n`, `\r` and `\n`, as Python reads a text file.
fn file_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find(['\r', '\n']) {
            Some(i) => {
                let line = &rest[..i];
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
                Some(line)
            }
            None => {
                let line = rest;
                rest = "";
                Some(line)
            }
        }
    })
}

/// Python's `str.splitlines`, used by botocore on nested values.
fn py_splitlines(text: &str) -> impl Iterator<Item = &str> {
    const BREAKS: &[char] = &[
        '\n', '\r', '\u{0b}', '\u{0c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
        '\u{2029}',
    ];
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find(BREAKS) {
            Some(i) => {
                let line = &rest[..i];
                let skip = if rest[i..].starts_with("\r\n") {
                    2
                } else {
                    rest[i..].chars().next().map_or(1, char::len_utf8)
                };
                rest = &rest[i + skip..];
                Some(line)
            }
            None => {
                let line = rest;
                rest = "";
                Some(line)
            }
        }
    })
}

/// A section while it is being read: values still as lists of lines.
struct RawSection {
    name: String,
    /// Name, lines of the value, and the line number where it starts.
    options: Vec<(String, Vec<String>, usize)>,
    /// The names in `options`, to refuse a second one at once.
    seen: HashSet<String>,
}

impl RawSection {
    fn new(name: &str) -> Self {
        RawSection {
            name: name.to_owned(),
            options: Vec::new(),
            seen: HashSet::new(),
        }
    }
}

/// Parses the text of a config or credentials file, in time and memory
/// linear in its size: sections and settings are found through hash sets,
/// a continuation line goes to the setting being read by position, and
/// `[DEFAULT]` is kept once and shared by every section.
pub fn parse(text: &str) -> Result<Ini, ParseError> {
    let mut defaults = RawSection::new(DEFAULT_SECTION);
    let mut sections: Vec<RawSection> = Vec::new();
    let mut section_at: HashMap<String, usize> = HashMap::new();
    // Where the current section lives: None before any header, Some(None) for
    // [DEFAULT], Some(Some(i)) for sections[i].
    let mut current: Option<Option<usize>> = None;
    // The setting being read, as its index in the current section's options.
    let mut option: Option<usize> = None;
    let mut indent_level = 0usize;

    for (index, line) in file_lines(text).enumerate() {
        let lineno = index + 1;
        let stripped = py_strip(line);
        let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
        let value = if is_comment { "" } else { stripped };

        if value.is_empty() {
            // A blank line inside a value is part of it; a comment is not.
            if !is_comment && let (Some(cur), Some(at)) = (current, option) {
                let sect = match cur {
                    None => &mut defaults,
                    Some(i) => &mut sections[i],
                };
                sect.options[at].1.push(String::new());
            }
            continue;
        }

        let cur_indent = line.find(|c: char| !is_py_space(c)).unwrap_or(0);
        let cur_indent = line[..cur_indent].chars().count();
        if let (Some(cur), Some(at)) = (current, option)
            && cur_indent > indent_level
        {
            let sect = match cur {
                None => &mut defaults,
                Some(i) => &mut sections[i],
            };
            sect.options[at].1.push(value.to_owned());
            continue;
        }
        indent_level = cur_indent;

        if let Some(header) = section_header(value) {
            option = None;
            if header == DEFAULT_SECTION {
                current = Some(None);
            } else if section_at.contains_key(header) {
                return Err(ParseError {
                    line: lineno,
                    reason: format!("section [{}] appears twice", for_terminal(header)),
                });
            } else {
                section_at.insert(header.to_owned(), sections.len());
                sections.push(RawSection::new(header));
                current = Some(Some(sections.len() - 1));
            }
            continue;
        }

        let Some(cur) = current else {
            return Err(ParseError {
                line: lineno,
                reason: "a setting comes before the first [section] header".to_owned(),
            });
        };
        let Some(at) = value.find(['=', ':']) else {
            return Err(ParseError {
                line: lineno,
                reason: "expected 'name = value', a [section] header or a comment".to_owned(),
            });
        };
        let name = value[..at].trim_end_matches(is_py_space).to_lowercase();
        if name.is_empty() {
            return Err(ParseError {
                line: lineno,
                reason: "a setting has no name before its '=' or ':'".to_owned(),
            });
        }
        let sect = match cur {
            None => &mut defaults,
            Some(i) => &mut sections[i],
        };
        if !sect.seen.insert(name.clone()) {
            return Err(ParseError {
                line: lineno,
                reason: format!(
                    "setting '{}' appears twice in section [{}]",
                    for_terminal(&name),
                    for_terminal(&sect.name)
                ),
            });
        }
        let val = py_strip(&value[at + 1..]).to_owned();
        option = Some(sect.options.len());
        sect.options.push((name, vec![val], lineno));
    }

    let defaults = finish_section(defaults, None)?;
    let defaults = (!defaults.entries.is_empty()).then(|| Arc::new(defaults));
    let mut ini = Ini::default();
    for raw in sections {
        let name = raw.name.clone();
        let section = finish_section(raw, defaults.clone())?;
        ini.sections.push((name, section));
    }
    Ok(ini)
}

/// `[name]` with anything after the last `]` ignored, as Python's
/// `\[(?P<header>.+)\]` matches at the start of the line.
fn section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    (close > 0).then(|| &rest[..close])
}

fn finish_section(raw: RawSection, defaults: Option<Arc<Section>>) -> Result<Section, ParseError> {
    let mut section = Section {
        entries: Vec::with_capacity(raw.options.len()),
        defaults,
    };
    // Names are unique here (the parser refused a second one), so each is
    // pushed, not looked up.
    for (name, lines, line) in raw.options {
        let joined = lines.join("\n");
        let joined = joined.trim_end_matches(is_py_space);
        let value = if joined.starts_with('\n') {
            Value::Nested(parse_nested(joined).ok_or_else(|| ParseError {
                line,
                reason: format!(
                    "a line of the nested setting '{}' in section [{}] has no '='",
                    for_terminal(&name),
                    for_terminal(&raw.name)
                ),
            })?)
        } else {
            Value::Text(joined.to_owned())
        };
        section.entries.push((name, value));
    }
    Ok(section)
}

fn parse_nested(value: &str) -> Option<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    for line in py_splitlines(value) {
        let line = py_strip(line);
        if line.is_empty() {
            continue;
        }
        let (k, v) = line.split_once('=')?;
        pairs.push((py_strip(k).to_owned(), py_strip(v).to_owned()));
    }
    Some(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(ini: &Ini, section: &str, key: &str) -> Option<String> {
        ini.section(section)?.text(key).map(str::to_owned)
    }

    #[test]
    fn keys_are_lower_cased_and_sections_keep_case() {
        let ini = parse("[profile Dev]\nRegion = eu-west-1\n").unwrap();
        assert_eq!(
            text(&ini, "profile Dev", "region").as_deref(),
            Some("eu-west-1")
        );
        assert!(ini.section("profile dev").is_none());
    }

    #[test]
    fn colon_is_a_delimiter_and_the_first_delimiter_splits() {
        let ini = parse("[a]\nregion: eu-west-1\nk = x=y:z\nm: a=b\n").unwrap();
        assert_eq!(text(&ini, "a", "region").as_deref(), Some("eu-west-1"));
        assert_eq!(text(&ini, "a", "k").as_deref(), Some("x=y:z"));
        assert_eq!(text(&ini, "a", "m").as_deref(), Some("a=b"));
    }

    #[test]
    fn no_inline_comments() {
        let ini = parse("[a]\nregion = eu-west-2 # c\nk = a;b\n").unwrap();
        assert_eq!(text(&ini, "a", "region").as_deref(), Some("eu-west-2 # c"));
        assert_eq!(text(&ini, "a", "k").as_deref(), Some("a;b"));
    }

    #[test]
    fn full_line_comments_even_indented() {
        let ini = parse("# top\n[a]\n  ; note\nk = v\n\t# more\n").unwrap();
        assert_eq!(text(&ini, "a", "k").as_deref(), Some("v"));
    }

    #[test]
    fn crlf_and_lone_cr_end_lines() {
        let ini = parse("[a]\r\nk = v\r\nm = w\rn = x").unwrap();
        assert_eq!(text(&ini, "a", "k").as_deref(), Some("v"));
        assert_eq!(text(&ini, "a", "m").as_deref(), Some("w"));
        assert_eq!(text(&ini, "a", "n").as_deref(), Some("x"));
    }

    #[test]
    fn nested_values_keep_key_case_and_split_at_first_equals() {
        let ini = parse("[a]\ns3 =\n\taddressing_style=path\n  Endpoint_Url = http://h/?a=b\n\n  x = 1\nregion = r\n").unwrap();
        let s3 = ini.section("a").unwrap().get("s3").unwrap();
        assert_eq!(s3.nested("addressing_style"), Some("path"));
        assert_eq!(s3.nested("Endpoint_Url"), Some("http://h/?a=b"));
        assert_eq!(s3.nested("x"), Some("1"));
        assert_eq!(text(&ini, "a", "region").as_deref(), Some("r"));
    }

    #[test]
    fn continuation_of_a_plain_value_is_not_nested() {
        let ini = parse("[a]\nk = first\n  second\n").unwrap();
        assert_eq!(text(&ini, "a", "k").as_deref(), Some("first\nsecond"));
    }

    #[test]
    fn nested_line_without_equals_is_an_error() {
        assert!(parse("[a]\ns3 =\n  addressing_style\n").is_err());
    }

    #[test]
    fn default_section_is_inherited_and_overridden() {
        let ini = parse("[DEFAULT]\nregion = eu-west-3\nk = d\n[profile dev]\nk = own\n").unwrap();
        assert_eq!(
            text(&ini, "profile dev", "region").as_deref(),
            Some("eu-west-3")
        );
        assert_eq!(text(&ini, "profile dev", "k").as_deref(), Some("own"));
        assert!(ini.section("DEFAULT").is_none());
    }

    #[test]
    fn strictness_matches_raw_config_parser() {
        for bad in [
            "[a]\n[a]\n",
            "[a]\nk = 1\nk = 2\n",
            "[a]\nk = 1\nK = 2\n",
            "k = 1\n[a]\n",
            "[a]\njustaword\n",
            "\u{feff}[a]\nk = v\n",
            "[a]\n= v\n",
            "[DEFAULT]\nk = 1\n[DEFAULT]\nk = 2\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
        // Two [DEFAULT] blocks with different keys are fine, as in Python.
        assert!(parse("[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n").is_ok());
    }

    #[test]
    fn header_text_after_the_last_bracket_is_ignored() {
        let ini = parse("[default] # c\nk = v\n[a] [b]\nm = n\n").unwrap();
        assert_eq!(text(&ini, "default", "k").as_deref(), Some("v"));
        assert_eq!(text(&ini, "a] [b", "m").as_deref(), Some("n"));
    }

    #[test]
    fn errors_name_the_line_but_never_quote_it() {
        let err = parse("[a]\nk = v\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(!err.to_string().contains("EXAMPLEKEY"));
    }

    #[test]
    fn default_section_is_shared_not_copied() {
        let mut text = String::from("[DEFAULT]\n");
        for i in 0..500 {
            text.push_str(&format!("k{i} = v{i}\n"));
        }
        for i in 0..500 {
            text.push_str(&format!("[s{i}]\nown = {i}\n"));
        }
        let ini = parse(&text).unwrap();
        let first = ini.sections[0].1.defaults.as_ref().unwrap();
        for (_, section) in &ini.sections {
            assert!(Arc::ptr_eq(first, section.defaults.as_ref().unwrap()));
            assert_eq!(section.entries.len(), 1);
        }
        assert_eq!(text_of(&ini, "s499", "k250"), Some("v250"));
        assert_eq!(text_of(&ini, "s499", "own"), Some("499"));
    }

    fn text_of<'a>(ini: &'a Ini, section: &str, key: &str) -> Option<&'a str> {
        ini.section(section)?.text(key)
    }

    #[test]
    fn keys_list_defaults_first_then_own_each_once() {
        let ini = parse("[DEFAULT]\na = 1\nb = 2\n[s]\nc = 3\nb = own\n").unwrap();
        let s = ini.section("s").unwrap();
        assert_eq!(s.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(s.text("b"), Some("own"));
        // The same section written without [DEFAULT] is equal to it.
        let flat = parse("[s]\na = 1\nb = own\nc = 3\n").unwrap();
        assert_eq!(flat.section("s"), Some(s));
        assert_eq!(format!("{:?}", flat.section("s")), format!("{:?}", Some(s)));
    }

    #[test]
    fn update_lays_every_key_inherited_ones_too_over_the_section() {
        let config = parse("[DEFAULT]\nregion = a\nx = dx\n[p]\nout = json\n").unwrap();
        let creds = parse("[DEFAULT]\nx = cx\n[p]\nkey = k\n").unwrap();
        let mut merged = config.section("p").unwrap().clone();
        merged.update(creds.section("p").unwrap());
        assert_eq!(merged.text("region"), Some("a"));
        assert_eq!(merged.text("x"), Some("cx"));
        assert_eq!(merged.text("key"), Some("k"));
        assert_eq!(merged.text("out"), Some("json"));
        assert_eq!(
            merged.keys().collect::<Vec<_>>(),
            ["region", "x", "out", "key"]
        );
    }

    #[test]
    fn names_in_errors_are_escaped_for_the_terminal() {
        let err = parse("[a\u{1b}]2;x]\n[a\u{1b}]2;x]\n").unwrap_err();
        assert_eq!(err.reason, "section [a\\u{1b}]2;x] appears twice");
        let err = parse("[s]\nk\u{202e} = 1\nk\u{202e} = 2\n").unwrap_err();
        assert!(err.reason.contains("'k\\u{202e}'"), "{}", err.reason);
        let err = parse("[s\u{85}]\nn\u{9b} =\n  bare\n").unwrap_err();
        assert!(
            err.reason.contains("'n\\u{9b}' in section [s\\u{85}]"),
            "{}",
            err.reason
        );
    }

    #[test]
    fn debug_never_shows_values() {
        let ini = parse("[a]\naws_secret_access_key = hunter2\n").unwrap();
        assert!(!format!("{ini:?}").contains("hunter2"));
    }
}
