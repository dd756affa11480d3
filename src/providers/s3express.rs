//! S3 Express One Zone sessions: the credentials a directory bucket's
//! URLs are signed with (`CreateSession`, S3 API reference; botocore
//! `S3ExpressIdentityResolver`).
//!
//! - Request: `GET /?session` on the bucket's zonal endpoint (virtual-hosted
//!   `BUCKET.s3express-AZ.REGION.amazonaws.com`), or `GET /BUCKET?session`
//!   on a custom endpoint, signed with SigV4 in the `Authorization` header
//!   for service `s3express` by the caller's credentials (with their session
//!   token, if any), `x-amz-content-sha256` being the empty payload's hash.
//! - Answer: `CreateSessionResult/Credentials/{AccessKeyId,
//!   SecretAccessKey, SessionToken, Expiration}`; the URL then carries the
//!   session token as `X-Amz-S3session-Token`. A session lasts minutes.
//! - Failures: a service error (`AccessDenied`, `NoSuchBucket`) exits 254,
//!   no answer or nonsense 255, as AWS CLI v2.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{send_with_retries, timestamp};
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::escape::for_terminal;
use crate::http::{HttpRequest, Transport};
use crate::secret::SecretString;
use crate::sign::header::{self, HeaderRequest};
use crate::system::System;

/// How presign's calls are sent (from the selected profile's settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// Timeouts, proxies and CA bundle.
    pub transport: Transport,
    /// Attempts per call (`max_attempts`, 3 by default).
    pub max_attempts: u32,
}

/// Where a directory bucket's CreateSession goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionEndpoint {
    /// `https://HOST` or `http://HOST:PORT`, no path.
    pub origin: String,
    /// The `Host` header.
    pub host: String,
    /// `/` (virtual-hosted) or `/BUCKET` (a custom endpoint, path-style).
    pub path: String,
    /// The signing region.
    pub region: String,
}

/// Calls CreateSession for a directory bucket with `caller`'s credentials.
pub(crate) fn create_session(
    sys: &dyn System,
    client: &Client,
    endpoint: &SessionEndpoint,
    caller: &Credentials,
    now: OffsetDateTime,
) -> Result<Credentials> {
    let empty = hex::encode(Sha256::digest(b""));
    let signed = header::sign(
        &HeaderRequest {
            method: "GET",
            host: &endpoint.host,
            path: &endpoint.path,
            query: "session=",
            headers: &[("x-amz-content-sha256", &empty)],
            body: b"",
            region: &endpoint.region,
            service: "s3express",
        },
        caller,
        now,
    );
    let mut headers = vec![
        ("x-amz-content-sha256".to_owned(), empty.clone()),
        ("User-Agent".to_owned(), super::user_agent()),
    ];
    headers.extend(
        signed
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v.expose().to_owned())),
    );
    let url = format!("{}{}?session", endpoint.origin, endpoint.path);
    let request = HttpRequest {
        method: "GET",
        url: url.clone(),
        headers,
        body: Vec::new(),
        transport: client.transport.clone(),
    };
    let what = "S3 Express (CreateSession)";
    let (response, retries) = send_with_retries(sys, client.max_attempts, what, &request)?;
    let text = response.text();
    if !(200..300).contains(&response.status) {
        let code =
            super::error_code(&response).unwrap_or_else(|| format!("HTTP {}", response.status));
        let message = xml_field(&text, "Message").unwrap_or_default();
        let hint = match code.as_str() {
            "AccessDenied" => "the credentials need s3express:CreateSession on the bucket",
            "NoSuchBucket" => "check the directory bucket's name and Availability Zone",
            _ => "",
        };
        return Err(Error::Service {
            service: "S3 Express",
            operation: "CreateSession",
            code: for_terminal(&code).to_string(),
            message: for_terminal(&message).to_string(),
            attempts: retries + 1,
            hint: hint.to_owned(),
        });
    }
    parse(&text).ok_or_else(|| {
        Error::CredentialSource(format!(
            "S3 Express answered CreateSession at {} with a document that holds no session credentials (check the endpoint)",
            for_terminal(&url)
        ))
    })
}

/// `error` of a CreateSession call, naming the directory bucket it was for.
pub(crate) fn for_bucket(mut error: Error, name: &str) -> Error {
    let bucket = for_terminal(name);
    match &mut error {
        Error::Service { hint, .. } => {
            *hint = if hint.is_empty() {
                format!("directory bucket {bucket}")
            } else {
                format!("directory bucket {bucket}: {hint}")
            };
            error
        }
        Error::Network { bucket: b, .. } => {
            *b = Some(name.to_owned());
            error
        }
        Error::CredentialSource(text) => Error::CredentialSource(format!(
            "no S3 Express session for directory bucket {bucket}: {text}"
        )),
        _ => error,
    }
}

/// The same failure again, for a later URL of a bucket whose CreateSession
/// failed (a batch reports it on each of the bucket's inputs without calling
/// again).
pub(crate) fn repeat(error: &Error) -> Error {
    match error {
        Error::Service {
            service,
            operation,
            code,
            message,
            attempts,
            hint,
        } => Error::Service {
            service,
            operation,
            code: code.clone(),
            message: message.clone(),
            attempts: *attempts,
            hint: hint.clone(),
        },
        Error::InvalidConfig(text) => Error::InvalidConfig(text.clone()),
        Error::Network {
            service,
            url,
            failure,
            bucket,
        } => Error::Network {
            service: service.clone(),
            url: url.clone(),
            failure: failure.clone(),
            bucket: bucket.clone(),
        },
        other => Error::CredentialSource(other.to_string()),
    }
}

fn xml_field(text: &str, name: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(text).ok()?;
    doc.descendants()
        .find(|n| n.tag_name().name() == name)
        .and_then(|n| n.text())
        .map(str::to_owned)
}

fn parse(text: &str) -> Option<Credentials> {
    let doc = roxmltree::Document::parse(text).ok()?;
    let c = doc
        .root_element()
        .children()
        .find(|n| n.tag_name().name() == "Credentials")?;
    let field = |name: &str| {
        c.children()
            .find(|n| n.tag_name().name() == name)
            .map(|n| n.text().unwrap_or("").to_owned())
    };
    Some(Credentials {
        access_key_id: field("AccessKeyId")?,
        secret_access_key: SecretString::new(field("SecretAccessKey")?),
        session_token: Some(SecretString::new(field("SessionToken")?)),
        expiration: Some(timestamp::parse(&field("Expiration")?)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{EXIT_OTHER, EXIT_SERVICE};
    use crate::http::{HttpError, HttpResponse};
    use crate::providers::testkit::{Script, header};
    use crate::system::MapSystem;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);
    /// What S3 Express answered AWS CLI v2 in its recorded run.
    const ANSWER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CreateSessionResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Credentials><SessionToken>S3XSESSION/token+value==</SessionToken><SecretAccessKey>s3x/session+secret</SecretAccessKey><AccessKeyId>ASIAS3XSESSION000000</AccessKeyId><Expiration>2026-01-02T03:09:05Z</Expiration></Credentials></CreateSessionResult>";

    fn answer(status: u16, body: &str) -> std::result::Result<HttpResponse, HttpError> {
        Ok(HttpResponse {
            status,
            headers: vec![("content-type".to_owned(), "application/xml".to_owned())],
            body: body.as_bytes().to_vec(),
        })
    }

    fn endpoint() -> SessionEndpoint {
        SessionEndpoint {
            origin: "http://127.0.0.1:18555".to_owned(),
            host: "127.0.0.1:18555".to_owned(),
            path: "/mybucket--usw2-az1--x-s3".to_owned(),
            region: "us-west-2".to_owned(),
        }
    }

    fn client() -> Client {
        Client {
            transport: Transport::client_default(),
            max_attempts: 3,
        }
    }

    fn caller() -> Credentials {
        Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
    }

    #[test]
    fn create_session_is_a_signed_get_and_returns_the_session() {
        let server = Script::with(vec![answer(200, ANSWER)]);
        let sys = MapSystem::new().server(server.clone());
        let session = create_session(&sys, &client(), &endpoint(), &caller(), NOW).unwrap();
        assert_eq!(session.access_key_id, "ASIAS3XSESSION000000");
        assert_eq!(session.secret_access_key.expose(), "s3x/session+secret");
        assert_eq!(
            session.session_token.unwrap().expose(),
            "S3XSESSION/token+value=="
        );
        assert_eq!(session.expiration, Some(datetime!(2026-01-02 03:09:05 UTC)));
        let seen = server.requests();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].method, "GET");
        assert_eq!(
            seen[0].url,
            "http://127.0.0.1:18555/mybucket--usw2-az1--x-s3?session"
        );
        let auth = header(&seen[0], "Authorization").unwrap();
        // The scope and signed headers AWS CLI v2's call carried.
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260102/us-west-2/s3express/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="),
            "{auth}"
        );
        assert_eq!(
            header(&seen[0], "x-amz-content-sha256"),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(header(&seen[0], "X-Amz-Security-Token"), None);
    }

    #[test]
    fn a_caller_session_token_is_sent_and_signed() {
        let server = Script::with(vec![answer(200, ANSWER)]);
        let sys = MapSystem::new().server(server.clone());
        let caller = caller().with_session_token("source/token");
        create_session(&sys, &client(), &endpoint(), &caller, NOW).unwrap();
        let seen = server.requests();
        assert_eq!(
            header(&seen[0], "X-Amz-Security-Token"),
            Some("source/token")
        );
        assert!(
            header(&seen[0], "Authorization").unwrap().contains(
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token"
            )
        );
    }

    #[test]
    fn each_failure_is_one_line_with_v2s_status() {
        let denied = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
        type Answers = Vec<std::result::Result<HttpResponse, HttpError>>;
        let cases: Vec<(Answers, i32, &str, usize)> = vec![
            (vec![answer(403, denied)], EXIT_SERVICE, "AccessDenied", 1),
            (
                vec![answer(503, "<Error><Code>ServiceUnavailable</Code></Error>"); 3],
                EXIT_SERVICE,
                "after 3 attempts",
                3,
            ),
            (
                vec![answer(200, "<html/>")],
                EXIT_OTHER,
                "no session credentials",
                1,
            ),
            (vec![], EXIT_OTHER, "could not connect", 3),
        ];
        for (answers, status, needle, calls) in cases {
            let server = Script::with(answers);
            let sys = MapSystem::new().server(server.clone());
            let err = create_session(&sys, &client(), &endpoint(), &caller(), NOW).unwrap_err();
            let text = err.to_string();
            assert_eq!(err.exit_code(), status, "{text}");
            assert!(text.contains(needle), "{needle}: {text}");
            assert!(!text.contains('\n'));
            assert!(!text.contains("wJalrXUtnFEMI"), "{text}");
            assert_eq!(server.requests().len(), calls, "{needle}");
        }
    }
}
