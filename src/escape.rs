//! Text from outside presign (file names, profile names, config values, a
//! helper's command line) made safe to put in a one-line message.
//!
//! A terminal obeys what it is sent: a newline would split presign's one-line
//! error in two (and let a file forge a second `presign: error:` line), a
//! carriage return or ESC/OSC sequence can rewrite what the user already sees
//! or retitle the window, C1 controls (U+0080..U+009F) are the 8-bit forms of
//! those sequences, and bidirectional overrides (U+202A..U+202E,
//! U+2066..U+2069, "Trojan Source", CVE-2021-42574) reorder what is read.
//! [`for_terminal`] writes every such character as a visible `\u{..}` escape
//! (`\n`, `\r`, `\t` as themselves) and everything else unchanged.
//!
//! The output holds none of the characters it escapes, so escaping twice
//! changes nothing more than escaping once would show: a message may be
//! escaped at any depth without being garbled. A backslash is kept as it is,
//! so Windows paths read naturally.

use std::fmt;
use std::path::Path;

/// Whether `c` must not reach a terminal as it is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() // C0, DEL and C1
        || matches!(
            c,
            '\u{061c}' // Arabic letter mark
            | '\u{200e}' | '\u{200f}' // left-to-right / right-to-left marks
            | '\u{202a}'..='\u{202e}' // embeddings and overrides
            | '\u{2066}'..='\u{2069}' // isolates
            | '\u{2028}' | '\u{2029}' // line and paragraph separators
        )
}

/// `text`, with every character a terminal would act on written as an
/// escape. Allocates nothing; use it straight in `format!`.
pub fn for_terminal(text: &str) -> ForTerminal<'_> {
    ForTerminal(text)
}

/// A path shown as [`for_terminal`] shows text (a path that is not Unicode
/// shows U+FFFD where its bytes are not).
pub fn path(path: &Path) -> impl fmt::Display + '_ {
    PathForTerminal(path)
}

/// See [`for_terminal`].
#[derive(Clone, Copy)]
pub struct ForTerminal<'a>(&'a str);

impl fmt::Display for ForTerminal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(is_unsafe) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                _ => write!(f, "\\u{{{:x}}}", u32::from(c))?,
            }
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

impl fmt::Debug for ForTerminal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

struct PathForTerminal<'a>(&'a Path);

impl fmt::Display for PathForTerminal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.to_str() {
            Some(text) => for_terminal(text).fmt(f),
            None => for_terminal(&self.0.to_string_lossy()).fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_c1_and_bidi_become_visible_escapes() {
        let shown = for_terminal("a\nb\rc\td\x1b]0;x\x07e\u{9b}f\u{202e}g\u{2066}h\u{7f}i\u{2028}")
            .to_string();
        assert_eq!(
            shown,
            "a\\nb\\rc\\td\\u{1b}]0;x\\u{7}e\\u{9b}f\\u{202e}g\\u{2066}h\\u{7f}i\\u{2028}"
        );
        assert!(!shown.chars().any(is_unsafe));
    }

    #[test]
    fn ordinary_text_and_backslashes_are_kept() {
        for text in [
            "C:\\Users\\Zoë Q\\.aws\\config",
            "profile 日本",
            "",
            "a'b\"c",
        ] {
            assert_eq!(for_terminal(text).to_string(), text);
        }
    }

    #[test]
    fn escaping_twice_shows_nothing_unsafe_either() {
        let once = for_terminal("x\u{1b}[2Jy\n").to_string();
        let twice = for_terminal(&once).to_string();
        assert_eq!(once, twice);
    }

    #[test]
    fn paths_are_escaped_too() {
        assert_eq!(path(Path::new("/tmp/a\nb")).to_string(), "/tmp/a\\nb");
    }
}
