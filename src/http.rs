//! One HTTP exchange, as the credential providers see it: a request value in,
//! a response value out, through [`System::http`](crate::system::System::http).
//!
//! The providers build requests and read responses; how bytes reach the
//! network (TLS, proxies, the CA bundle) is the system's business, so every
//! provider is tested in process against recorded exchanges, and nothing of
//! HTTP or TLS is set up when a run needs no network call.

use std::path::PathBuf;
use std::time::Duration;

/// A request to a credential service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `PUT` or `POST`.
    pub method: &'static str,
    /// The full URL.
    pub url: String,
    /// Headers in order (names as AWS CLI v2 sends them). May hold a bearer
    /// token: never print a request's headers.
    pub headers: Vec<(String, String)>,
    /// The body (may hold a token or a refresh token: never print it).
    pub body: Vec<u8>,
    /// How the request is sent.
    pub transport: Transport,
}

/// The connection settings of one request, as AWS CLI v2 applies them to
/// each kind of call (botocore clients, the container fetcher, IMDS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transport {
    /// Time allowed to connect (`None`: no limit).
    pub connect_timeout: Option<Duration>,
    /// Time allowed for each read (`None`: no limit).
    pub read_timeout: Option<Duration>,
    /// Whether `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` apply (not to the
    /// container endpoint, as in botocore).
    pub use_proxy: bool,
    /// The PEM bundle that replaces the built-in roots (`AWS_CA_BUNDLE`,
    /// `ca_bundle`, `REQUESTS_CA_BUNDLE`).
    pub ca_bundle: Option<PathBuf>,
    /// Whether the server's certificate is checked (`--no-verify-ssl`
    /// turns it off for the S3 client's own calls, as in AWS CLI v2).
    pub verify_tls: bool,
}

impl Transport {
    /// A botocore client's defaults: 60 s connect and read, proxies on.
    pub fn client_default() -> Self {
        Transport {
            connect_timeout: Some(Duration::from_secs(60)),
            read_timeout: Some(Duration::from_secs(60)),
            use_proxy: true,
            ca_bundle: None,
            verify_tls: true,
        }
    }
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text, lossily (for parsing only, never for printing raw).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why no response came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// Nothing answered (refused, unreachable, name not found).
    #[error("could not connect")]
    Connect,
    /// Connecting took longer than allowed.
    #[error("connect timeout")]
    ConnectTimeout,
    /// A read took longer than allowed.
    #[error("read timeout")]
    ReadTimeout,
    /// The TLS handshake failed (an untrusted certificate, say).
    #[error("TLS: {0}")]
    Tls(String),
    /// The proxy refused or failed.
    #[error("proxy: {0}")]
    Proxy(String),
    /// This system cannot make HTTP requests.
    #[error("no HTTP client in this build")]
    Unsupported,
    /// Anything else (a malformed answer, an unreadable CA bundle).
    #[error("{0}")]
    Other(String),
}

impl HttpError {
    /// Whether botocore's standard retry mode tries again after this.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            HttpError::Connect | HttpError::ConnectTimeout | HttpError::ReadTimeout
        )
    }
}

/// `application/x-www-form-urlencoded` as Python's `urlencode` writes it:
/// UTF-8, `A-Za-z0-9_.-~` kept, space as `+`, every other byte `%XX`.
pub(crate) fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        form_component(&mut out, name);
        out.push('=');
        form_component(&mut out, value);
    }
    out
}

fn form_component(out: &mut String, text: &str) {
    for &b in text.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push_str(&format!("{b:02X}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_is_pythons_urlencode() {
        assert_eq!(
            form_encode(&[
                ("RoleSessionName", "jörg"),
                ("ExternalId", "a\"b\\c/d"),
                ("x", "a b~"),
            ]),
            "RoleSessionName=j%C3%B6rg&ExternalId=a%22b%5Cc%2Fd&x=a+b~"
        );
    }
}
