//! Percent-encoding as botocore does it: UTF-8 bytes, upper-case hex, and
//! only the RFC 3986 unreserved characters `A-Z a-z 0-9 - _ . ~` left as they
//! are (botocore `auth.SigV4QueryAuth` and `utils.percent_encode`). Object keys also keep `/`, and are
//! never normalised: `//`, `./` and `../` stay.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but the unreserved characters is encoded (query keys/values).
pub const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Object keys and endpoint paths: as [`QUERY`], but `/` is kept.
pub const PATH: &AsciiSet = &QUERY.remove(b'/');

/// Appends `text` encoded for a query string.
pub fn push_query(out: &mut String, text: &str) {
    out.extend(utf8_percent_encode(text, QUERY));
}

/// Appends `text` encoded as a URL path (Python `quote(text, safe='/~')`).
pub fn push_quoted_path(out: &mut String, text: &str) {
    out.extend(utf8_percent_encode(text, PATH));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(key: &str) -> String {
        let mut s = String::new();
        push_quoted_path(&mut s, key);
        s
    }

    #[test]
    fn key_encoding_table_of_the_rulebook() {
        for (key, want) in [
            ("key with spaces.txt", "key%20with%20spaces.txt"),
            ("a+b=c&d.txt", "a%2Bb%3Dc%26d.txt"),
            ("~tilde~/x~y", "~tilde~/x~y"),
            (
                "dir/ünï/日本語.txt",
                "dir/%C3%BCn%C3%AF/%E6%97%A5%E6%9C%AC%E8%AA%9E.txt",
            ),
            ("dir//x", "dir//x"),
            ("a/../b/./c", "a/../b/./c"),
            ("100%25 sure%.txt", "100%2525%20sure%25.txt"),
            ("!$'()*,;:@[]", "%21%24%27%28%29%2A%2C%3B%3A%40%5B%5D"),
            ("a#b?c", "a%23b%3Fc"),
            ("a\\b", "a%5Cb"),
            ("\t", "%09"),
            ("😀", "%F0%9F%98%80"),
        ] {
            assert_eq!(path(key), want, "{key}");
        }
    }

    #[test]
    fn query_encoding_encodes_slash_plus_and_equals() {
        let mut s = String::new();
        push_query(&mut s, "FQoG/+=~a b");
        assert_eq!(s, "FQoG%2F%2B%3D~a%20b");
    }
}
