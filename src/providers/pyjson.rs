//! JSON written exactly as Python's `json.dumps` writes it, because AWS CLI
//! v2 names its cache files after the SHA-1 of such text and writes the
//! files themselves with it: `ensure_ascii` (every non-ASCII character as a
//! lower-case `\uXXXX`, astral characters as surrogate pairs), the default
//! separators `", "` and `": "` or the compact `","` and `":"`, and keys in
//! insertion order or sorted by code point (`sort_keys=True`).

use serde_json::Value;

/// How [`dumps`] lays the text out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Style {
    /// `separators=(",", ":")` instead of the default `(", ", ": ")`.
    pub compact: bool,
    /// `sort_keys=True`.
    pub sort_keys: bool,
}

/// `json.dumps(value, ...)` with `style`.
pub(crate) fn dumps(value: &Value, style: Style) -> String {
    let mut out = String::new();
    write(&mut out, value, style);
    out
}

fn write(out: &mut String, value: &Value, style: Style) {
    let (item, colon) = if style.compact {
        (",", ":")
    } else {
        (", ", ": ")
    };
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item);
                }
                write(out, v, style);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if style.sort_keys {
                // Python compares str by code point; UTF-8 byte order is the same.
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(item);
                }
                string(out, k);
                out.push_str(colon);
                write(out, v, style);
            }
            out.push('}');
        }
    }
}

fn string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SORTED: Style = Style {
        compact: false,
        sort_keys: true,
    };

    #[test]
    fn escapes_as_python_with_ensure_ascii() {
        // AWS CLI v2 hashed exactly this text for a role profile with these
        // settings (its cache file aa1424ce….json).
        let args = json!({
            "RoleArn": "arn:aws:iam::123456789012:role/test",
            "RoleSessionName": "jörg",
            "ExternalId": "a\"b\\c/d",
            "SerialNumber": "arn:aws:iam::123456789012:mfa/jörg",
            "DurationSeconds": 900,
        });
        assert_eq!(
            dumps(&args, SORTED),
            r#"{"DurationSeconds": 900, "ExternalId": "a\"b\\c/d", "RoleArn": "arn:aws:iam::123456789012:role/test", "RoleSessionName": "j\u00f6rg", "SerialNumber": "arn:aws:iam::123456789012:mfa/j\u00f6rg"}"#
        );
        assert_eq!(
            dumps(&json!(["\u{1F600}\u{1}\u{7f}"]), SORTED),
            r#"["\ud83d\ude00\u0001\u007f"]"#
        );
    }

    #[test]
    fn compact_separators_and_insertion_order() {
        let v = json!({"b": 1, "a": [true, null]});
        let style = Style {
            compact: true,
            sort_keys: false,
        };
        assert_eq!(dumps(&v, style), r#"{"b":1,"a":[true,null]}"#);
        let style = Style {
            compact: true,
            sort_keys: true,
        };
        assert_eq!(dumps(&v, style), r#"{"a":[true,null],"b":1}"#);
    }
}
