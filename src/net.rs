//! The real HTTP client behind [`OsSystem`](crate::system::OsSystem): ureq
//! over rustls, built for one request at a time and only when a credential
//! source needs the network, so that a run with static keys or a cache hit
//! never sets up TLS.
//!
//! Proxies are chosen as CPython's `urllib.request` chooses them (which is
//! what botocore uses): lower-case `https_proxy` before `HTTPS_PROXY`, the
//! `http` one for `http://` URLs, and `no_proxy` / `NO_PROXY` entries that
//! match the host or a parent domain (leading dot optional, `host:port`
//! too, `*` for everything, no CIDR).

use std::io::Read;

use crate::http::{HttpError, HttpRequest, HttpResponse};

/// The most a credential service may answer: its documents are a few KiB.
const MAX_BODY: u64 = 1024 * 1024;

/// Sends `request`; `var` reads the environment (for proxies).
pub(crate) fn send(
    request: &HttpRequest,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<HttpResponse, HttpError> {
    let url = url::Url::parse(&request.url).map_err(|e| HttpError::Other(e.to_string()))?;
    let proxy = if request.transport.use_proxy {
        proxy_for(&url, var)
    } else {
        None
    };
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(bundle) = &request.transport.ca_bundle {
        let pem = std::fs::read(bundle).map_err(|e| {
            HttpError::Other(format!(
                "cannot read the CA bundle {}: {e}",
                crate::escape::path(bundle)
            ))
        })?;
        let certs: Vec<_> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c.to_owned()),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(HttpError::Other(format!(
                "the CA bundle {} holds no PEM certificate",
                crate::escape::path(bundle)
            )));
        }
        tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
    }
    if !request.transport.verify_tls {
        tls = tls.disable_verification(true);
    }
    let proxy = match proxy {
        Some(p) => Some(ureq::Proxy::new(&p).map_err(|e| HttpError::Proxy(e.to_string()))?),
        None => None,
    };
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(proxy)
        .tls_config(tls.build())
        .timeout_connect(request.transport.connect_timeout)
        .timeout_recv_response(request.transport.read_timeout)
        .timeout_recv_body(request.transport.read_timeout)
        .user_agent(ureq::config::AutoHeaderValue::None)
        .accept(ureq::config::AutoHeaderValue::None)
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let mut builder = ureq::http::Request::builder()
        .method(request.method)
        .uri(&request.url);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let built = builder
        .body(request.body.clone())
        .map_err(|e| HttpError::Other(e.to_string()))?;
    let response = agent.run(built).map_err(classify)?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(MAX_BODY)
        .read_to_end(&mut body)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::TimedOut => HttpError::ReadTimeout,
            _ => HttpError::Other(e.to_string()),
        })?;
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

fn classify(error: ureq::Error) -> HttpError {
    use ureq::Error as E;
    match error {
        E::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => HttpError::ConnectTimeout,
        E::Timeout(_) => HttpError::ReadTimeout,
        E::HostNotFound | E::ConnectionFailed => HttpError::Connect,
        E::Io(e) => match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => HttpError::ReadTimeout,
            std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::NotConnected
            | std::io::ErrorKind::AddrNotAvailable
            | std::io::ErrorKind::HostUnreachable
            | std::io::ErrorKind::NetworkUnreachable
            | std::io::ErrorKind::UnexpectedEof => HttpError::Connect,
            _ => HttpError::Other(e.to_string()),
        },
        E::Rustls(e) => HttpError::Tls(e.to_string()),
        E::Tls(e) => HttpError::Tls(e.to_owned()),
        E::InvalidProxyUrl => HttpError::Proxy("invalid proxy URL".to_owned()),
        E::ConnectProxyFailed(why) => HttpError::Proxy(why),
        other => HttpError::Other(other.to_string()),
    }
}

/// The proxy for `url`, as CPython's `getproxies()` and `proxy_bypass()`.
pub(crate) fn proxy_for(url: &url::Url, var: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let scheme = url.scheme();
    let lower = format!("{scheme}_proxy");
    let upper = lower.to_ascii_uppercase();
    let proxy = var(&lower)
        .or_else(|| var(&upper))
        .filter(|p| !p.is_empty())?;
    let host = url
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let no_proxy = var("no_proxy")
        .or_else(|| var("NO_PROXY"))
        .unwrap_or_default();
    if bypassed(host, url.port_or_known_default(), &no_proxy) {
        return None;
    }
    Some(proxy)
}

fn bypassed(host: &str, port: Option<u16>, no_proxy: &str) -> bool {
    if no_proxy.trim() == "*" {
        return true;
    }
    let host = host.to_ascii_lowercase();
    let with_port = port.map(|p| format!("{host}:{p}"));
    no_proxy
        .split(',')
        .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .any(|entry| {
            let matches = |h: &str| h == entry || h.ends_with(&format!(".{entry}"));
            matches(&host) || with_port.as_deref().is_some_and(matches)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn lower_case_proxy_variables_win_and_no_proxy_matches_parent_domains() {
        let url = url::Url::parse("https://sts.eu-west-1.amazonaws.com/").unwrap();
        let vars = [
            ("https_proxy", "http://lower:1"),
            ("HTTPS_PROXY", "http://upper:2"),
        ];
        assert_eq!(
            proxy_for(&url, &env(&vars)).as_deref(),
            Some("http://lower:1")
        );
        for no_proxy in [
            "amazonaws.com",
            ".amazonaws.com",
            "*",
            "x, sts.eu-west-1.amazonaws.com",
        ] {
            let vars = [("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", no_proxy)];
            assert_eq!(proxy_for(&url, &env(&vars)), None, "{no_proxy}");
        }
        let vars = [
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", "zonaws.com,10.0.0.0/8"),
        ];
        assert!(proxy_for(&url, &env(&vars)).is_some());
        let http = url::Url::parse("http://127.0.0.1:8080/x").unwrap();
        let vars = [("HTTPS_PROXY", "http://p:1")];
        assert_eq!(proxy_for(&http, &env(&vars)), None);
        let vars = [("HTTP_PROXY", "http://p:1"), ("no_proxy", "127.0.0.1:8080")];
        assert_eq!(proxy_for(&http, &env(&vars)), None);
    }
}
