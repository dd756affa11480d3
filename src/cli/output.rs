//! Printing a presigned request for people and programs: JSON, a ready curl
//! command, or an HTML upload form.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::operation::Method;
use crate::post::{FILENAME_PLACEHOLDER, PostForm};

/// Quotes `text` for a POSIX shell.
pub(crate) fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The local file name a key suggests: its last segment, or `FILE` where
/// that segment could not be typed back safely (control characters) or
/// names no file. A name that starts with `-` gets `./`, so that curl reads
/// a file and not an option or standard input (`-T -`).
fn local_name(key: &str) -> Cow<'_, str> {
    let base = key.rsplit('/').next().unwrap_or("");
    if base.is_empty()
        || base == "."
        || base == ".."
        || base.contains(FILENAME_PLACEHOLDER)
        || base.chars().any(crate::escape::is_unsafe)
    {
        Cow::Borrowed("FILE")
    } else if base.starts_with('-') {
        Cow::Owned(format!("./{base}"))
    } else {
        Cow::Borrowed(base)
    }
}

/// `{"uri", "url", "method", "headers", "expires_at"}` and a newline.
pub(crate) fn url_json(
    out: &mut String,
    bucket: &str,
    key: &str,
    url: &str,
    method: Method,
    headers: &[(String, String)],
    expires_at: OffsetDateTime,
) {
    let headers: Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let expires_at = expires_at
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default();
    let doc = json!({
        "uri": if key.is_empty() { format!("s3://{bucket}") } else { format!("s3://{bucket}/{key}") },
        "url": url,
        "method": method.as_str(),
        "headers": headers,
        "expires_at": expires_at,
    });
    out.push_str(&doc.to_string());
    out.push('\n');
}

/// A curl command that performs the request, and a newline.
pub(crate) fn url_curl(
    out: &mut String,
    url: &str,
    method: Method,
    headers: &[(String, String)],
    key: &str,
    body: CurlBody,
) {
    let file = shell_quote(&local_name(key));
    if let CurlBody::Part { number, size } = body {
        // Only this part's bytes: S3 stores each part as sent, and a part
        // PUT of the whole file would be the whole file. A file and not
        // `-T -`: S3 needs a Content-Length, which curl sends for a file.
        let part = shell_quote(&format!("{}.part{number}", local_name(key)));
        let _ = write!(
            out,
            "dd if={file} of={part} bs={size} skip={} count=1 status=none && ",
            number - 1
        );
        out.push_str("curl -fsS --path-as-is -T ");
        out.push_str(&part);
        // The ETag, which completing the upload needs.
        out.push_str(" -o /dev/null -w '%header{etag}\\n'");
    } else {
        // --path-as-is: the signature covers the path as S3 stores the key;
        // curl would otherwise remove `.` and `..` segments and ask for
        // another object (RFC 3986 section 5.2.4).
        out.push_str("curl -fsS --path-as-is");
        match (method, body) {
            (Method::Get, _) if !key.is_empty() => {
                out.push_str(" -o ");
                out.push_str(&file);
            }
            (Method::Get, _) => {}
            (Method::Head, _) => out.push_str(" -I"),
            (Method::Put, CurlBody::File) => {
                out.push_str(" -T ");
                out.push_str(&file);
            }
            (_, CurlBody::CompleteParts) => {
                out.push_str(" -X POST -H 'Content-Type:' --data-binary @parts.xml");
            }
            (other, _) => {
                out.push_str(" -X ");
                out.push_str(other.as_str());
            }
        }
    }
    for (name, value) in headers {
        out.push_str(" -H ");
        out.push_str(&shell_quote(&format!("{name}: {value}")));
    }
    out.push(' ');
    out.push_str(&shell_quote(url));
    if body == CurlBody::CompleteParts {
        out.push_str(COMPLETE_NOTE);
    }
    out.push('\n');
}

/// What completing a multipart upload needs that presign cannot know: the
/// ETag each part upload printed. A shell comment, so the line still runs.
const COMPLETE_NOTE: &str = "  # parts.xml: <CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>ETAG-1</ETag></Part>...</CompleteMultipartUpload>, each ETag as its part command printed it";

/// What a printed curl command sends as the request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CurlBody {
    /// Nothing.
    None,
    /// The local file named after the key.
    File,
    /// Bytes `(number - 1) * size` to `number * size` of that file.
    Part { number: u32, size: u64 },
    /// `parts.xml`, the part list that completes a multipart upload.
    CompleteParts,
}

/// A curl command that uploads a file with the form, and a newline.
pub(crate) fn post_curl(out: &mut String, form: &PostForm, key: &str) {
    out.push_str("curl -fsS");
    // --form-string: curl's -F would read `;type=`, `;filename=`, a leading
    // `@` or `<` in a value as instructions, and send something else.
    for (name, value) in &form.fields {
        out.push_str(" --form-string ");
        out.push_str(&shell_quote(&format!("{name}={value}")));
    }
    out.push_str(" -F ");
    out.push_str(&shell_quote(&format!("file=@{}", local_name(key))));
    out.push(' ');
    out.push_str(&shell_quote(&form.url));
    out.push('\n');
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A minimal HTML page with the upload form.
pub(crate) fn post_html(out: &mut String, form: &PostForm) {
    out.push_str("<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>Upload</title></head>\n<body>\n");
    out.push_str(&format!(
        "<form action=\"{}\" method=\"post\" enctype=\"multipart/form-data\">\n",
        html_escape(&form.url)
    ));
    for (name, value) in &form.fields {
        out.push_str(&format!(
            "  <input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
            html_escape(name),
            html_escape(value)
        ));
    }
    out.push_str("  <input type=\"file\" name=\"file\">\n  <input type=\"submit\" value=\"Upload\">\n</form>\n</body>\n</html>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting_survives_quotes_and_spaces() {
        assert_eq!(shell_quote("report.pdf"), "report.pdf");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("https://h/k?a=b&c=d"), "'https://h/k?a=b&c=d'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn curl_commands_fit_the_method() {
        let mut s = String::new();
        let h = [("content-type".to_owned(), "image/png".to_owned())];
        url_curl(
            &mut s,
            "https://h/img.png?x",
            Method::Put,
            &h,
            "dir/img.png",
            CurlBody::File,
        );
        assert_eq!(
            s,
            "curl -fsS --path-as-is -T img.png -H 'content-type: image/png' 'https://h/img.png?x'\n"
        );
        s.clear();
        url_curl(
            &mut s,
            "https://h/b?x",
            Method::Put,
            &[],
            "",
            CurlBody::None,
        );
        assert_eq!(s, "curl -fsS --path-as-is -X PUT 'https://h/b?x'\n");
        s.clear();
        url_curl(
            &mut s,
            "https://h/k?x",
            Method::Get,
            &[],
            "k",
            CurlBody::None,
        );
        assert_eq!(s, "curl -fsS --path-as-is -o k 'https://h/k?x'\n");
    }

    #[test]
    fn a_local_name_is_never_read_as_an_option_or_standard_input() {
        assert_eq!(local_name("dir/-"), "./-");
        assert_eq!(local_name("-rf"), "./-rf");
        assert_eq!(local_name("a/../b.txt"), "b.txt");
        assert_eq!(local_name("a/.."), "FILE");
        assert_eq!(local_name("evil\nname"), "FILE");
        assert_eq!(local_name("x\u{1b}]0;t\u{7}"), "FILE");
    }

    #[test]
    fn html_form_escapes_values() {
        let form = PostForm {
            url: "https://b.s3.amazonaws.com/".to_owned(),
            fields: vec![("key".to_owned(), "a\"<b>&".to_owned())],
        };
        let mut s = String::new();
        post_html(&mut s, &form);
        assert!(s.contains("value=\"a&quot;&lt;b&gt;&amp;\""));
        assert!(s.contains("enctype=\"multipart/form-data\""));
    }
}
