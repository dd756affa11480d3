//! Container credentials (ECS tasks, CodeBuild, EKS Pod Identity), as
//! AWS CLI v2 fetches them (botocore `ContainerProvider`,
//! `ContainerMetadataFetcher`).
//!
//! - Endpoint: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (which wins when
//!   both are set) is appended as it is to `http://169.254.170.2`; else
//!   `AWS_CONTAINER_CREDENTIALS_FULL_URI` is the URL. Over `https` any host
//!   will do; over anything else the host (as Python's `urlsplit` reads it)
//!   must be a loopback address (`127.0.0.0/8`, `::1`) or one of
//!   `169.254.170.2`, `169.254.170.23`, `fd00:ec2::23`, `localhost`.
//! - Authorization: the contents of the file named by
//!   `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, as they are (a trailing
//!   newline included), read at each lookup, else
//!   `AWS_CONTAINER_AUTHORIZATION_TOKEN`; sent as the `Authorization`
//!   header. A line break in it is an error, as it is in v2. The token is
//!   never shown.
//! - Request: `GET` with `Accept: application/json`, 2 s to connect and to
//!   read, no proxy and only the built-in CA roots (the container endpoint
//!   is local; botocore gives it no proxies and no CA bundle).
//! - Attempts: 3, with a 1 s sleep after each failed one; a status other
//!   than 200, a body that is not JSON, a timeout or a failure to connect
//!   is tried again. The final error names the endpoint (255).
//! - Answer: `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration`
//!   required. Credentials within 15 minutes of their expiry are fetched
//!   once more, as botocore refreshes them before first use; within 10
//!   minutes that second fetch must succeed, and credentials still expired
//!   after it are an error (255).

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use super::{Context, imds, network_error, timestamp};
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::escape::{self, for_terminal};
use crate::http::{HttpError, HttpRequest, Transport};
use crate::secret::{self, SecretString};

const RELATIVE: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
const FULL: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
const TOKEN: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
const TOKEN_FILE: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
const HOST: &str = "169.254.170.2";
const ALLOWED_HOSTS: [&str; 4] = [HOST, "169.254.170.23", "fd00:ec2::23", "localhost"];
const TIMEOUT: Duration = Duration::from_secs(2);
const ATTEMPTS: u32 = 3;
const SLEEP: Duration = Duration::from_secs(1);
const FIELDS: [&str; 4] = ["AccessKeyId", "SecretAccessKey", "Token", "Expiration"];
/// The most of an error body a message quotes.
const QUOTED_BODY: usize = 200;

/// Where the endpoint came from.
struct Endpoint {
    url: String,
    variable: &'static str,
}

/// Fetches the container's credentials.
pub(crate) fn credentials(cx: &Context) -> Result<Credentials> {
    let endpoint = endpoint(cx)?;
    check_host(&endpoint)?;
    let token = authorization(cx)?;
    cx.note(format!(
        "container credentials: GET {} (from {}){}",
        shown(&endpoint.url),
        endpoint.variable,
        match &token {
            Some((_, from)) => format!(", Authorization from {from}"),
            None => String::new(),
        }
    ));
    let token = token.map(|(t, _)| t);
    let first = fetch(cx, &endpoint, token.as_ref())?;
    let Some(expiration) = first.expiration else {
        return Ok(first);
    };
    let remaining = expiration - cx.now;
    if remaining >= super::cache::REFRESH_WINDOW {
        return Ok(first);
    }
    // botocore refreshes credentials this close to their expiry before it
    // first uses them; a failure counts only in the last 10 minutes.
    let mandatory = remaining < time::Duration::minutes(10);
    cx.note(format!(
        "container credentials: they expire at {}; fetching again, as AWS CLI v2 does",
        timestamp::zulu(expiration)
    ));
    let credentials = match fetch(cx, &endpoint, token.as_ref()) {
        Ok(again) => again,
        Err(e) if mandatory => return Err(e),
        Err(_) => first,
    };
    if credentials
        .expiration
        .is_some_and(|e| super::cache::still_expired(e, cx.now))
    {
        return Err(Error::CredentialSource(format!(
            "the container credentials endpoint {} returned credentials that are already expired, twice (check the endpoint and this machine's clock)",
            shown(&endpoint.url)
        )));
    }
    Ok(credentials)
}

fn endpoint(cx: &Context) -> Result<Endpoint> {
    if let Some(relative) = cx.sys.var(RELATIVE)? {
        return Ok(Endpoint {
            url: format!("http://{HOST}{relative}"),
            variable: RELATIVE,
        });
    }
    match cx.sys.var(FULL)? {
        Some(url) => Ok(Endpoint {
            url,
            variable: FULL,
        }),
        None => Err(Error::CredentialSource(format!(
            "container credentials are asked for (credential_source = EcsContainer) but neither {RELATIVE} nor {FULL} is set (run in the container, or change credential_source)"
        ))),
    }
}

/// The URL for messages: user info, if any, left out.
fn shown(url: &str) -> String {
    let cut = url.find("://").map(|i| {
        let start = i + 3;
        let end = url[start..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |j| start + j);
        (start, url[start..end].rfind('@').map(|j| start + j + 1))
    });
    let text = match cut {
        Some((start, Some(at))) => format!("{}{}", &url[..start], &url[at..]),
        _ => url.to_owned(),
    };
    format!("\"{}\"", for_terminal(&text))
}

/// botocore `_validate_allowed_url`.
fn check_host(endpoint: &Endpoint) -> Result<()> {
    let (scheme, host) = imds::python_urlsplit(&endpoint.url);
    if scheme == "https" {
        return Ok(());
    }
    let loopback = host.as_deref().is_some_and(|h| {
        let address = h.split_once('%').map_or(h, |(a, _)| a);
        match address.parse::<std::net::IpAddr>() {
            Ok(ip) => ip.is_loopback(),
            Err(_) => false,
        }
    });
    if loopback || host.as_deref().is_some_and(|h| ALLOWED_HOSTS.contains(&h)) {
        return Ok(());
    }
    Err(Error::CredentialSource(format!(
        "unsupported host '{}' in {}: container credentials over http come only from a loopback address or one of {} (use https, or one of those hosts)",
        host.as_deref()
            .map_or_else(|| "None".to_owned(), |h| for_terminal(h).to_string()),
        endpoint.variable,
        ALLOWED_HOSTS.join(", ")
    )))
}

/// The `Authorization` value and where it came from.
fn authorization(cx: &Context) -> Result<Option<(SecretString, String)>> {
    let (token, from) = if let Some(path) = cx.sys.var_os(TOKEN_FILE) {
        let path = PathBuf::from(path);
        let from = format!("the file {} ({TOKEN_FILE})", escape::path(&path));
        let bytes = match cx.sys.read_file(&path) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                return Err(Error::CredentialSource(format!(
                    "cannot read the container authorization token file {} (fix {TOKEN_FILE})",
                    escape::path(&path)
                )));
            }
            Err(e) => {
                return Err(Error::CredentialSource(format!(
                    "cannot read the container authorization token file {}: {e} (fix {TOKEN_FILE})",
                    escape::path(&path)
                )));
            }
        };
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::CredentialSource(format!(
                "the container authorization token file {} is not UTF-8 text (fix the file or {TOKEN_FILE})",
                escape::path(&path)
            ))
        })?;
        (SecretString::new(text), from)
    } else if let Some(token) = cx.sys.var(TOKEN)? {
        (SecretString::new(token), TOKEN.to_owned())
    } else {
        return Ok(None);
    };
    if token.expose().contains(['\r', '\n']) {
        return Err(Error::CredentialSource(format!(
            "the container authorization token from {from} is not a legal header value: it holds a line break (remove it, such as a newline at the end of a file)"
        )));
    }
    Ok(Some((token, from)))
}

/// Why one attempt failed.
enum Failure {
    /// Worth another attempt: what went wrong, in v2's words.
    Retry(String),
    /// Not worth one.
    Fatal(Error),
}

/// One lookup: up to [`ATTEMPTS`] requests, then the answer's credentials.
fn fetch(cx: &Context, endpoint: &Endpoint, token: Option<&SecretString>) -> Result<Credentials> {
    let mut last = String::new();
    for attempt in 1..=ATTEMPTS {
        match attempt_once(cx, &endpoint.url, token) {
            Ok(doc) => return parse(&doc, endpoint),
            Err(Failure::Fatal(e)) => return Err(e),
            Err(Failure::Retry(why)) => {
                cx.note(format!("container credentials: attempt {attempt}: {why}"));
                cx.sys.sleep(SLEEP);
                last = why;
            }
        }
    }
    Err(Error::CredentialSource(format!(
        "error retrieving container credentials from {} after {ATTEMPTS} attempts: {last} (check {} and the authorization token)",
        shown(&endpoint.url),
        endpoint.variable
    )))
}

fn attempt_once(
    cx: &Context,
    url: &str,
    token: Option<&SecretString>,
) -> std::result::Result<Value, Failure> {
    let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
    if let Some(token) = token {
        headers.push(("Authorization".to_owned(), token.expose().to_owned()));
    }
    headers.push(("User-Agent".to_owned(), super::user_agent()));
    headers.push(("Accept-Encoding".to_owned(), "identity".to_owned()));
    let request = HttpRequest {
        method: "GET",
        url: url.to_owned(),
        headers,
        body: Vec::new(),
        transport: Transport {
            connect_timeout: Some(TIMEOUT),
            read_timeout: Some(TIMEOUT),
            use_proxy: false,
            ca_bundle: None,
            verify_tls: true,
        },
    };
    let response = match cx.sys.http(&request) {
        Ok(r) => r,
        Err(e @ (HttpError::Connect | HttpError::ConnectTimeout | HttpError::ReadTimeout)) => {
            return Err(Failure::Retry(format!(
                "received error when attempting to retrieve container metadata: {e}"
            )));
        }
        Err(e) => {
            return Err(Failure::Fatal(network_error(
                "the container credentials endpoint",
                url,
                &e,
            )));
        }
    };
    let Ok(text) = String::from_utf8(response.body) else {
        return Err(Failure::Fatal(Error::CredentialSource(format!(
            "the container credentials endpoint {} answered text that is not UTF-8 (check the endpoint)",
            shown(url)
        ))));
    };
    if response.status != 200 {
        let body = match token {
            Some(t) => secret::redact(&text, t.expose()),
            None => text,
        };
        let quoted: String = body.chars().take(QUOTED_BODY).collect();
        return Err(Failure::Retry(format!(
            "received non 200 response {} from container metadata: {}",
            response.status,
            for_terminal(&quoted)
        )));
    }
    serde_json::from_str(&text).map_err(|_| {
        Failure::Retry("unable to parse JSON returned from container metadata services".to_owned())
    })
}

fn parse(doc: &Value, endpoint: &Endpoint) -> Result<Credentials> {
    let at = shown(&endpoint.url);
    let Some(map) = doc.as_object() else {
        return Err(Error::CredentialSource(format!(
            "the container credentials endpoint {at} answered JSON that is not an object (check {})",
            endpoint.variable
        )));
    };
    let field = |name: &str| -> Result<String> {
        match map.get(name) {
            Some(Value::String(s)) => Ok(s.clone()),
            None => Err(Error::CredentialSource(format!(
                "the container credentials endpoint {at} answered without '{name}' (it must answer {}; check {})",
                FIELDS.join(", "),
                endpoint.variable
            ))),
            Some(_) => Err(Error::CredentialSource(format!(
                "the container credentials endpoint {at} answered a '{name}' that is not a string (check {})",
                endpoint.variable
            ))),
        }
    };
    let access_key_id = field("AccessKeyId")?;
    let secret_access_key = SecretString::new(field("SecretAccessKey")?);
    let session_token = SecretString::new(field("Token")?);
    let expiration_text = field("Expiration")?;
    let expiration = timestamp::parse(&expiration_text).ok_or_else(|| {
        Error::CredentialSource(format!(
            "the container credentials endpoint {at} answered an Expiration \"{}\" that is not a time with a zone (check {})",
            for_terminal(&expiration_text),
            endpoint.variable
        ))
    })?;
    Ok(Credentials {
        access_key_id,
        secret_access_key,
        session_token: Some(session_token),
        expiration: Some(expiration),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::error::EXIT_OTHER;
    use crate::http::HttpResponse;
    use crate::providers::replay::{Replay, Setup, Sleepy, header, json};
    use crate::system::MapSystem;

    const SECRET: &str = "dK1b0eWg8W41lLrW5sg55ew6zIHmv/h6e8a/z82V";
    const SESSION: &str = "IQoJb3JpZ2luX2Vjg0f5DRktvAFr36B1eUmRLZLJ";

    fn answer(expiration: &str) -> String {
        format!(
            r#"{{"AccessKeyId": "ASIA37QK3Y4ID6AGNFM2", "SecretAccessKey": "{SECRET}", "Token": "{SESSION}", "Expiration": "{expiration}", "RoleArn": "arn:aws:iam::123456789012:role/ecs-task-role"}}"#
        )
    }

    fn ok() -> std::result::Result<HttpResponse, HttpError> {
        json(200, &answer("2026-01-02T09:04:05Z"))
    }

    fn full(url: &str) -> MapSystem {
        MapSystem::new().var("HOME", "/h").var(FULL, url)
    }

    struct Outcome {
        result: Result<Credentials>,
        server: Arc<Replay>,
        sleeps: Vec<Duration>,
        trail: Vec<String>,
    }

    fn run(sys: MapSystem, answers: Vec<std::result::Result<HttpResponse, HttpError>>) -> Outcome {
        let server = Replay::with(answers);
        let sys = Sleepy::new(sys.server(server.clone()));
        let setup = Setup::new(&sys, "default");
        let cx = setup.context(&sys);
        let result = credentials(&cx);
        let trail = cx.trail.borrow().clone();
        Outcome {
            result,
            server,
            sleeps: sys.sleeps.borrow().clone(),
            trail,
        }
    }

    #[test]
    fn a_full_uri_is_asked_with_accept_json_and_no_proxy() {
        let sys = full("http://127.0.0.1:18001/get-credentials").var("AWS_CA_BUNDLE", "/h/ca.pem");
        let out = run(sys, vec![ok()]);
        let c = out.result.unwrap();
        assert_eq!(c.access_key_id, "ASIA37QK3Y4ID6AGNFM2");
        assert_eq!(c.secret_access_key.expose(), SECRET);
        assert_eq!(c.session_token.unwrap().expose(), SESSION);
        assert_eq!(
            c.expiration,
            Some(time::macros::datetime!(2026-01-02 09:04:05 UTC))
        );
        let requests = out.server.requests();
        assert_eq!(
            out.server.lines(),
            ["GET http://127.0.0.1:18001/get-credentials"]
        );
        let r = &requests[0];
        assert_eq!(header(r, "accept"), Some("application/json"));
        assert_eq!(header(r, "authorization"), None);
        assert_eq!(r.transport.connect_timeout, Some(Duration::from_secs(2)));
        assert_eq!(r.transport.read_timeout, Some(Duration::from_secs(2)));
        assert!(!r.transport.use_proxy);
        assert_eq!(r.transport.ca_bundle, None);
        assert!(out.sleeps.is_empty());
    }

    #[test]
    fn a_relative_uri_goes_to_the_task_endpoint_verbatim_and_wins() {
        let sys = full("http://127.0.0.1:18001/loses").var(RELATIVE, "/v2/credentials/7f3a9c?x=1");
        let out = run(sys, vec![ok()]);
        assert!(out.result.is_ok());
        assert_eq!(
            out.server.lines(),
            ["GET http://169.254.170.2/v2/credentials/7f3a9c?x=1"]
        );
        // No slash is added: the value decides the host, and is checked.
        let sys = MapSystem::new().var(RELATIVE, "@evil.example/x");
        let out = run(sys, vec![ok()]);
        let err = out.result.unwrap_err();
        assert!(
            err.to_string().contains("unsupported host 'evil.example'"),
            "{err}"
        );
        assert!(out.server.requests().is_empty());
    }

    #[test]
    fn over_http_only_loopback_and_the_container_hosts() {
        let allowed = [
            "http://127.0.0.1:1/x",
            "http://127.200.3.4/x",
            "http://[::1]:8080/x",
            "http://LocalHost:9/x",
            "http://169.254.170.2/x",
            "http://169.254.170.23/v1/credentials",
            "http://[fd00:ec2::23]/x",
            "http://user:pw@127.0.0.2/x",
            "https://example.com/creds",
            "HTTPS://example.com/creds",
        ];
        for url in allowed {
            let out = run(full(url), vec![ok()]);
            assert!(out.result.is_ok(), "{url}: {:?}", out.result.err());
            assert_eq!(out.server.requests().len(), 1, "{url}");
        }
        let refused = [
            ("http://example.com/x", "example.com"),
            ("http://127.1/x", "127.1"),
            ("http://169.254.170.3/x", "169.254.170.3"),
            ("http://[::ffff:127.0.0.1]/x", "::ffff:127.0.0.1"),
            ("http://169.254.170.2@evil.com/x", "evil.com"),
            ("http:///x", "None"),
            ("", "None"),
        ];
        for (url, host) in refused {
            let out = run(full(url), vec![ok()]);
            let err = out.result.unwrap_err();
            assert_eq!(err.exit_code(), EXIT_OTHER);
            let text = err.to_string();
            assert!(
                text.contains(&format!("unsupported host '{host}'")),
                "{text}"
            );
            assert!(
                text.contains("169.254.170.2, 169.254.170.23, fd00:ec2::23, localhost"),
                "{text}"
            );
            assert!(out.server.requests().is_empty(), "{url}");
        }
    }

    #[test]
    fn the_token_file_beats_the_token_variable() {
        let sys = full("http://127.0.0.1:1/v1/credentials")
            .var(TOKEN, "env-token-loses")
            .var(TOKEN_FILE, "/h/eks/token")
            .file("/h/eks/token", "eks-pod-identity-token");
        let out = run(sys, vec![ok()]);
        assert!(out.result.is_ok());
        let r = &out.server.requests()[0];
        assert_eq!(header(r, "authorization"), Some("eks-pod-identity-token"));
        let sys = full("http://127.0.0.1:1/x").var(TOKEN, "Basic c3R1Yjp0b2tlbg==");
        let out = run(sys, vec![ok()]);
        assert_eq!(
            header(&out.server.requests()[0], "authorization"),
            Some("Basic c3R1Yjp0b2tlbg==")
        );
        // An empty token is still sent.
        let out = run(full("http://127.0.0.1:1/x").var(TOKEN, ""), vec![ok()]);
        assert_eq!(header(&out.server.requests()[0], "authorization"), Some(""));
    }

    #[test]
    fn a_line_break_in_the_token_is_refused_before_any_request() {
        let cases = [
            full("http://127.0.0.1:1/x")
                .var(TOKEN_FILE, "/h/token")
                .file("/h/token", "s3cr3t-token\n"),
            full("http://127.0.0.1:1/x").var(TOKEN, "s3cr3t\rtoken"),
        ];
        for sys in cases {
            let out = run(sys, vec![ok()]);
            let err = out.result.unwrap_err();
            assert_eq!(err.exit_code(), EXIT_OTHER);
            let text = err.to_string();
            assert!(text.contains("not a legal header value"), "{text}");
            assert!(!text.contains("s3cr3t"), "{text}");
            assert!(out.server.requests().is_empty());
        }
        let sys = full("http://127.0.0.1:1/x").var(TOKEN_FILE, "/h/missing");
        let out = run(sys, vec![ok()]);
        let err = out.result.unwrap_err();
        assert!(
            err.to_string()
                .contains("cannot read the container authorization token file"),
            "{err}"
        );
        assert!(out.server.requests().is_empty());
    }

    #[test]
    fn three_attempts_with_a_second_of_sleep_after_each_failure() {
        let sys = full("http://127.0.0.1:18001/container/x").var(TOKEN, "tok-abc");
        let out = run(
            sys,
            vec![
                json(500, "nope tok-abc"),
                json(500, "nope tok-abc"),
                json(500, "nope tok-abc"),
                ok(),
            ],
        );
        let err = out.result.unwrap_err();
        assert_eq!(err.exit_code(), EXIT_OTHER);
        let text = err.to_string();
        assert!(
            text.contains("\"http://127.0.0.1:18001/container/x\""),
            "{text}"
        );
        assert!(
            text.contains("received non 200 response 500 from container metadata: nope"),
            "{text}"
        );
        assert!(!text.contains("tok-abc"), "{text}");
        assert_eq!(out.server.requests().len(), 3);
        assert_eq!(out.sleeps, [Duration::from_secs(1); 3]);
        assert!(
            out.trail.iter().all(|l| !l.contains("tok-abc")),
            "{:?}",
            out.trail
        );

        let sys = full("http://127.0.0.1:18001/container/x");
        let out = run(sys, vec![json(200, "{not json"), ok()]);
        assert!(out.result.is_ok());
        assert_eq!(out.server.requests().len(), 2);
        assert_eq!(out.sleeps, [Duration::from_secs(1)]);

        let failures = vec![
            Err(HttpError::ReadTimeout),
            Err(HttpError::Connect),
            Err(HttpError::ConnectTimeout),
        ];
        let out = run(full("http://127.0.0.1:18001/c"), failures);
        let err = out.result.unwrap_err();
        assert!(err.to_string().contains("connect timeout"), "{err}");
        assert_eq!(out.server.requests().len(), 3);

        let out = run(full("http://127.0.0.1:18001/c"), vec![json(200, "[1]"); 3]);
        assert!(
            out.result
                .unwrap_err()
                .to_string()
                .contains("not an object")
        );
        let out = run(
            full("http://127.0.0.1:18001/c"),
            vec![Err(HttpError::Other("bad".into()))],
        );
        assert_eq!(out.result.unwrap_err().exit_code(), EXIT_OTHER);
        assert_eq!(out.server.requests().len(), 1);
    }

    #[test]
    fn every_field_is_required() {
        for field in FIELDS {
            let mut doc: serde_json::Map<String, Value> =
                serde_json::from_str(&answer("2026-01-02T09:04:05Z")).unwrap();
            doc.remove(field);
            let out = run(
                full("http://127.0.0.1:18001/c"),
                vec![json(200, &Value::Object(doc).to_string())],
            );
            let err = out.result.unwrap_err();
            assert_eq!(err.exit_code(), EXIT_OTHER);
            assert!(
                err.to_string().contains(&format!("without '{field}'")),
                "{err}"
            );
            assert_eq!(out.server.requests().len(), 1);
        }
    }

    #[test]
    fn credentials_near_their_expiry_are_fetched_again() {
        // 20 minutes left: one fetch.
        let out = run(
            full("http://127.0.0.1:1/c"),
            vec![json(200, &answer("2026-01-02T03:24:05Z"))],
        );
        assert!(out.result.is_ok());
        assert_eq!(out.server.requests().len(), 1);
        // 12 minutes left: fetched again; a failure then keeps the first.
        let soon = json(200, &answer("2026-01-02T03:16:05Z"));
        let out = run(
            full("http://127.0.0.1:1/c"),
            vec![soon.clone(), json(500, ""), json(500, ""), json(500, "")],
        );
        assert!(out.result.is_ok());
        assert_eq!(out.server.requests().len(), 4);
        // 5 minutes left: the second fetch must succeed.
        let sooner = json(200, &answer("2026-01-02T03:09:05Z"));
        let later = json(200, &answer("2026-01-02T09:04:05Z"));
        let out = run(full("http://127.0.0.1:1/c"), vec![sooner.clone(), later]);
        assert_eq!(
            out.result.unwrap().expiration,
            Some(time::macros::datetime!(2026-01-02 09:04:05 UTC))
        );
        let out = run(
            full("http://127.0.0.1:1/c"),
            vec![sooner, json(500, ""), json(500, ""), json(500, "")],
        );
        assert_eq!(out.result.unwrap_err().exit_code(), EXIT_OTHER);
        // Expired twice: an error.
        let expired = json(200, &answer("2026-01-02T02:04:05Z"));
        let out = run(full("http://127.0.0.1:1/c"), vec![expired.clone(), expired]);
        let err = out.result.unwrap_err();
        assert!(err.to_string().contains("already expired"), "{err}");
        assert_eq!(out.server.requests().len(), 2);
    }

    #[test]
    fn without_either_variable_there_is_no_endpoint() {
        let out = run(MapSystem::new(), vec![ok()]);
        let err = out.result.unwrap_err();
        assert_eq!(err.exit_code(), EXIT_OTHER);
        assert!(
            err.to_string()
                .contains("neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
            "{err}"
        );
        assert!(out.server.requests().is_empty());
    }
}
