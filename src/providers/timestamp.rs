//! Timestamps in the forms the credential services and AWS CLI's caches use.
//!
//! AWS CLI v2 reads cache expiry times with `dateutil`, which takes any
//! ISO 8601 / RFC 3339 form with a zone (`Z`, `+00:00`, fractional seconds,
//! a space for the `T`, a `UTC` suffix) and RFC 1123 dates; a time without a
//! zone is an error there, and here. It writes `%Y-%m-%dT%H:%M:%SZ` (SSO,
//! login) or Python's `isoformat()` (`+00:00`, assume role).

use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::{OffsetDateTime, UtcOffset};

/// Parses `text` as a zoned timestamp.
pub(crate) fn parse(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc2822) {
        return Some(t);
    }
    // `2030-01-01 00:00:00+01:00`, `2030-01-01T00:00:00UTC`, `…00 GMT`.
    let mut fixed = text.to_owned();
    if fixed.len() > 10 && fixed.as_bytes()[10] == b' ' {
        fixed.replace_range(10..11, "T");
    }
    for zone in ["UTC", "GMT"] {
        if let Some(stripped) = fixed.strip_suffix(zone) {
            fixed = format!("{}+00:00", stripped.trim_end());
        }
    }
    OffsetDateTime::parse(&fixed, &Rfc3339).ok()
}

/// `%Y-%m-%dT%H:%M:%SZ` in UTC.
pub(crate) fn zulu(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Python's `datetime.isoformat()` of an aware UTC time: `+00:00`, and
/// microseconds only when there are any.
pub(crate) fn isoformat(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let micros = t.microsecond();
    let fraction = if micros == 0 {
        String::new()
    } else {
        format!(".{micros:06}")
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{fraction}+00:00",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn zoned_forms_dateutil_reads_are_read_and_naive_ones_refused() {
        let at = datetime!(2030-01-01 00:00:00 UTC);
        for text in [
            "2030-01-01T00:00:00Z",
            "2030-01-01T00:00:00+00:00",
            "2030-01-01T00:00:00.000Z",
            "2030-01-01T00:00:00UTC",
            "2030-01-01 01:00:00+01:00",
            "Tue, 01 Jan 2030 00:00:00 GMT",
        ] {
            assert_eq!(parse(text), Some(at), "{text}");
        }
        for text in ["2030-01-01T00:00:00", "1893456000", "garbage", ""] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn written_as_aws_cli_writes_them() {
        let t = datetime!(2030-01-01 00:00:00.5 UTC);
        assert_eq!(zulu(t), "2030-01-01T00:00:00Z");
        assert_eq!(isoformat(t), "2030-01-01T00:00:00.500000+00:00");
        assert_eq!(
            isoformat(datetime!(2030-01-01 00:00:00 UTC)),
            "2030-01-01T00:00:00+00:00"
        );
    }
}
