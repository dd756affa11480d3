//! POSIX word splitting as Python's `shlex.split` does it, which botocore uses
//! twice: on `[profile NAME]` section names (so `[profile "my prof"]` names
//! `my prof`) and on `credential_process` command lines.
//!
//! Rules: words are separated by space, tab, CR and LF; single quotes keep
//! everything literally; inside double quotes a backslash escapes only `"` and
//! `\`; outside quotes a backslash escapes any character. An unclosed quote or
//! a trailing backslash is an error, as in Python.

/// Why a string could not be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// A quote is opened and never closed.
    #[error("no closing quotation")]
    NoClosingQuotation,
    /// The text ends with a backslash that escapes nothing.
    #[error("no escaped character")]
    NoEscapedCharacter,
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Between,
    Word,
    Quoted(char),
    Escaped { resume: Resume },
}

#[derive(Clone, Copy, PartialEq)]
enum Resume {
    Word,
    DoubleQuoted,
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Splits `text` into words.
pub fn split(text: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word that had quotes is kept even when empty (`''`).
    let mut quoted = false;
    let mut state = State::Between;

    for c in text.chars() {
        state = match state {
            State::Between | State::Word if is_separator(c) => {
                if state == State::Word || quoted {
                    words.push(std::mem::take(&mut word));
                    quoted = false;
                }
                State::Between
            }
            State::Between | State::Word => match c {
                '\\' => State::Escaped {
                    resume: Resume::Word,
                },
                '\'' | '"' => {
                    quoted = true;
                    State::Quoted(c)
                }
                _ => {
                    word.push(c);
                    State::Word
                }
            },
            State::Quoted(q) if c == q => State::Word,
            State::Quoted('"') if c == '\\' => State::Escaped {
                resume: Resume::DoubleQuoted,
            },
            State::Quoted(q) => {
                word.push(c);
                State::Quoted(q)
            }
            State::Escaped { resume } => {
                if resume == Resume::DoubleQuoted && c != '"' && c != '\\' {
                    word.push('\\');
                }
                word.push(c);
                match resume {
                    Resume::Word => State::Word,
                    Resume::DoubleQuoted => State::Quoted('"'),
                }
            }
        };
    }
    match state {
        State::Quoted(_) => Err(SplitError::NoClosingQuotation),
        State::Escaped { .. } => Err(SplitError::NoEscapedCharacter),
        State::Word => {
            words.push(word);
            Ok(words)
        }
        State::Between => {
            if quoted {
                words.push(word);
            }
            Ok(words)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Vec<String> {
        split(text).unwrap()
    }

    #[test]
    fn splits_like_python_shlex() {
        assert_eq!(s("profile dev"), ["profile", "dev"]);
        assert_eq!(s("  profile   dev  "), ["profile", "dev"]);
        assert_eq!(s("profile \"my prof\""), ["profile", "my prof"]);
        assert_eq!(s("profile 'a \"b\"'"), ["profile", "a \"b\""]);
        assert_eq!(s("profile \"a\\\"b\\\\c\\d\""), ["profile", "a\"b\\c\\d"]);
        assert_eq!(s("a\\ b c"), ["a b", "c"]);
        assert_eq!(s("profile ''"), ["profile", ""]);
        assert_eq!(s("pro\"file x\"y"), ["profile xy"]);
        assert_eq!(s(""), Vec::<String>::new());
        assert_eq!(s("a#b"), ["a#b"]);
    }

    #[test]
    fn unbalanced_input_is_an_error() {
        assert_eq!(split("profile \"dev"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split("profile 'dev"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split("profile dev\\"), Err(SplitError::NoEscapedCharacter));
    }
}
