//! `presign post`'s options for a form's conditions (`--content-length-range`,
//! `--condition`, `--field`), read into the values of a `PostSpec`.

use serde_json::Value;

use crate::error::{Error, Result};

/// Parses `MIN,MAX` of `--content-length-range`.
pub(crate) fn length_range(text: &str) -> Result<(u64, u64)> {
    let bad = || {
        Error::Usage(format!(
            "--content-length-range {} is not MIN,MAX in bytes (e.g. 1,10485760)",
            text.escape_debug()
        ))
    };
    let (min, max) = text.split_once(',').ok_or_else(bad)?;
    let min: u64 = min.trim().parse().map_err(|_| bad())?;
    let max: u64 = max.trim().parse().map_err(|_| bad())?;
    if min > max {
        return Err(Error::Usage(format!(
            "--content-length-range {min},{max} has MIN above MAX (swap them)"
        )));
    }
    Ok((min, max))
}

/// Parses one `--condition` (a JSON object or array).
pub(crate) fn condition(text: &str) -> Result<Value> {
    match serde_json::from_str::<Value>(text) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => Ok(v),
        _ => Err(Error::Usage(format!(
            "--condition {} is not a JSON object or array (e.g. '[\"starts-with\", \"$Content-Type\", \"image/\"]')",
            text.escape_debug()
        ))),
    }
}

/// Parses one `--field NAME=VALUE`.
pub(crate) fn field(text: &str) -> Result<(String, String)> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(Error::Usage(format!(
            "--field {} is not NAME=VALUE",
            text.escape_debug()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_range_and_conditions_are_checked() {
        assert_eq!(length_range("1,10485760").unwrap(), (1, 10485760));
        for bad in ["10,1", "1", "a,b", "-1,5"] {
            let err = length_range(bad).unwrap_err();
            assert_eq!(err.exit_code(), crate::error::EXIT_USAGE, "{bad}");
        }
        assert!(condition(r#"["starts-with", "$key", "u/"]"#).is_ok());
        for bad in ["not json", "42", "\"text\""] {
            assert!(condition(bad).is_err(), "{bad}");
        }
        assert!(field("=v").is_err());
        assert_eq!(
            field("acl=private").unwrap(),
            ("acl".to_owned(), "private".to_owned())
        );
    }
}
