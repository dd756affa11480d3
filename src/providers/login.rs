//! `aws login` sessions (`login_session`): the token cache
//! `~/.aws/login/cache` and its refresh through AWS Sign-In with a DPoP
//! (ES256) proof, as AWS CLI v2 does them (botocore `LoginProvider`,
//! `LoginCredentialFetcher`, `build_dpop_header`).
//!
//! - File: `<dir>/<sha256(login_session)>.json`, `<dir>` being
//!   `AWS_LOGIN_CACHE_DIRECTORY` (`$VAR` and `~` expanded) or
//!   `~/.aws/login/cache`. It must hold `accessToken` (with `accessKeyId`,
//!   `secretAccessKey`, `sessionToken`, `accountId`, `expiresAt`),
//!   `refreshToken`, `dpopKey` and `clientId`.
//! - The cached credentials are used while 15 minutes or more remain; with
//!   less, botocore's refresh re-reads the file and keeps it while more than
//!   5 minutes remain; at 5 minutes or less it calls `CreateOAuth2Token`:
//!   `POST /v1/token` on `https://<region>.signin.aws.amazon.com` (the
//!   session's region; other partitions have their own hosts), JSON body
//!   `{"clientId", "refreshToken", "grantType": "refresh_token"}`, unsigned,
//!   with a `DPoP` header: an ES256 JWT over `{"htm", "htu", "iat", "jti"}`
//!   signed with the file's `dpopKey` and carrying its public key.
//! - The answer replaces `accessToken` (keeping `accountId`, `expiresAt =
//!   now + expiresIn`) and `refreshToken`; every other field of the file
//!   stays, and the file is written back, since the old refresh token is
//!   spent.
//! - A refresh failure between 10 and 15 minutes before expiry keeps the
//!   cached credentials (botocore's advisory window); from 10 minutes on it
//!   fails the run.

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use super::cache::{self, REFRESH_WINDOW};
use super::pyjson::{self, Style};
use super::sso::{ServiceError, flag, join};
use super::{Context, Service, timestamp};
use crate::config::files;
use crate::credentials::Credentials;
use crate::endpoint::partition;
use crate::error::{Error, Result, RulesFix};
use crate::escape::{self, for_terminal};
use crate::http::HttpRequest;
use crate::secret::SecretString;

/// botocore `LoginCredentialFetcher._REFRESH_THRESHOLD`.
const REFRESH_THRESHOLD: Duration = Duration::minutes(5);

/// botocore's mandatory refresh window: a failed refresh is an error.
const MANDATORY_WINDOW: Duration = Duration::minutes(10);

/// The credentials of login session `session` (profile `name`).
pub(crate) fn credentials(cx: &Context, name: &str, session: &str) -> Result<Credentials> {
    let login = Login {
        profile: for_terminal(name).to_string(),
        session: session.to_owned(),
        path: token_path(cx, session)?,
    };
    let doc = login.load(cx)?;
    let cached = login.credentials_of(&doc)?;
    let expires_at = cached.expiration.unwrap_or(cx.now);
    let left = expires_at - cx.now;
    let shown_path = escape::path(&login.path).to_string();
    if left >= REFRESH_WINDOW {
        cx.note(format!(
            "login session token {shown_path}: used (expires at {})",
            timestamp::zulu(expires_at)
        ));
        return Ok(cached);
    }
    match login.refresh(cx, doc, left) {
        Ok(Some(credentials)) => {
            if credentials
                .expiration
                .is_some_and(|e| cache::still_expired(e, cx.now))
            {
                return Err(Error::CredentialSource(
                    "credentials were refreshed, but the refreshed credentials are still expired (check this machine's clock)".to_owned(),
                ));
            }
            Ok(credentials)
        }
        Ok(None) => {
            cx.note(format!(
                "login session token {shown_path}: used (expires at {}, more than 5 minutes left)",
                timestamp::zulu(expires_at)
            ));
            Ok(cached)
        }
        Err(e) if left >= MANDATORY_WINDOW => {
            cx.note(format!(
                "login session token {shown_path}: refresh failed in the advisory window ({e}); using the cached credentials"
            ));
            Ok(cached)
        }
        Err(e) => Err(e),
    }
}

/// The login cache folder (botocore `get_login_token_cache_directory`).
fn cache_dir(cx: &Context) -> Result<PathBuf> {
    match cx.sys.var_os("AWS_LOGIN_CACHE_DIRECTORY") {
        Some(dir) => Ok(PathBuf::from(files::expand_user(
            cx.sys,
            &files::expand_vars(cx.sys, &dir),
        ))),
        None => Ok(cx.home()?.join(".aws").join("login").join("cache")),
    }
}

/// `<dir>/<sha256(session)>.json`.
fn token_path(cx: &Context, session: &str) -> Result<PathBuf> {
    let key = hex::encode(Sha256::digest(session.as_bytes()));
    Ok(cache_dir(cx)?.join(format!("{key}.json")))
}

/// One login session of one profile.
struct Login {
    /// The profile, escaped for messages.
    profile: String,
    session: String,
    path: PathBuf,
}

impl Login {
    fn fix(&self) -> String {
        format!("run aws login --profile {}", self.profile)
    }

    fn shown_path(&self) -> String {
        escape::path(&self.path).to_string()
    }

    /// botocore `load_cached_credentials`: the file, with its required
    /// fields.
    fn load(&self, cx: &Context) -> Result<Map<String, Value>> {
        let bytes = match cx.sys.read_file(&self.path) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                return Err(Error::CredentialSource(format!(
                    "error loading login session token: unable to load an existing login session for session {} ({} is missing; {})",
                    for_terminal(&self.session),
                    self.shown_path(),
                    self.fix()
                )));
            }
            Err(e) => {
                return Err(Error::CredentialSource(format!(
                    "cannot read the login session token file {}: {e} (fix its permissions, or {})",
                    self.shown_path(),
                    self.fix()
                )));
            }
        };
        let Ok(Value::Object(doc)) = serde_json::from_slice::<Value>(&bytes) else {
            return Err(Error::CredentialSource(format!(
                "the login session token file {} is corrupt: not a JSON object (delete it and {}; AWS CLI v2 stops on it too)",
                self.shown_path(),
                self.fix()
            )));
        };
        if !["accessToken", "refreshToken", "dpopKey", "clientId"]
            .iter()
            .all(|k| doc.contains_key(*k))
        {
            return Err(
                self.incomplete("one or more of accessToken, refreshToken, dpopKey, clientId")
            );
        }
        Ok(doc)
    }

    fn incomplete(&self, what: &str) -> Error {
        Error::CredentialSource(format!(
            "error loading login session token: failed to load access token from token cache, missing {what} (in {}; {})",
            self.shown_path(),
            self.fix()
        ))
    }

    /// botocore `_token_to_credentials`.
    fn credentials_of(&self, doc: &Map<String, Value>) -> Result<Credentials> {
        let token = doc.get("accessToken");
        let field = |name: &str| {
            token
                .and_then(|t| t.get(name))
                .and_then(Value::as_str)
                .ok_or_else(|| self.incomplete(&format!("accessToken.{name}")))
        };
        let access_key_id = field("accessKeyId")?;
        let secret = field("secretAccessKey")?;
        let session_token = field("sessionToken")?;
        field("accountId")?;
        let expires_at = timestamp::parse(field("expiresAt")?).ok_or_else(|| {
            Error::CredentialSource(format!(
                "the login session token file {} is corrupt: \"accessToken.expiresAt\" is not a time with a zone (delete it and {})",
                self.shown_path(),
                self.fix()
            ))
        })?;
        Ok(Credentials {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: SecretString::new(secret.to_owned()),
            session_token: Some(SecretString::new(session_token.to_owned())),
            expiration: Some(expires_at),
        })
    }

    /// botocore `_load_private_key`: the PEM's base64 body, decoded as a
    /// SEC1 `ECPrivateKey` on P-256.
    fn private_key(&self, doc: &Map<String, Value>) -> Result<SigningKey> {
        let bad = |why: &str| {
            Error::CredentialSource(format!(
                "error loading login session token: unable to load private key from cached token: {why} (the dpopKey of {}; {})",
                self.shown_path(),
                self.fix()
            ))
        };
        let pem = doc
            .get("dpopKey")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("dpopKey is not text"))?;
        let body: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----BEGIN") && !l.starts_with("-----END"))
            .collect::<String>()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let der = zeroize::Zeroizing::new(
            STANDARD
                .decode(body.as_bytes())
                .map_err(|_| bad("not base64"))?,
        );
        let secret = p256::SecretKey::from_sec1_der(&der)
            .map_err(|_| bad("not a SEC1 EC P-256 private key"))?;
        Ok(SigningKey::from(&secret))
    }

    /// botocore `refresh_credentials`: `Ok(None)` when more than 5 minutes
    /// remain (the file is kept as it is), else the refreshed credentials,
    /// written back.
    fn refresh(
        &self,
        cx: &Context,
        mut doc: Map<String, Value>,
        left: Duration,
    ) -> Result<Option<Credentials>> {
        let key = self.private_key(&doc)?;
        if left > REFRESH_THRESHOLD {
            return Ok(None);
        }
        let Some(region) = cx.region.clone() else {
            return Err(Error::NoRegion {
                needed_for: format!("refresh the aws login session of profile {}", self.profile),
            });
        };
        let base = endpoint(cx, &region)?;
        let url = join(&base, "/v1/token", None, Service::Signin)?;
        let param = |k: &str| -> Result<Value> {
            match doc.get(k) {
                Some(Value::String(s)) => Ok(Value::from(s.as_str())),
                _ => Err(Error::ParamValidation(format!(
                    "invalid type for parameter tokenInput.{k}: it must be text, in the login session token file {} ({})",
                    self.shown_path(),
                    self.fix()
                ))),
            }
        };
        let mut input = Map::new();
        input.insert("clientId".to_owned(), param("clientId")?);
        input.insert("refreshToken".to_owned(), param("refreshToken")?);
        input.insert("grantType".to_owned(), Value::from("refresh_token"));
        let body = pyjson::dumps(
            &Value::Object(input),
            Style {
                compact: false,
                sort_keys: false,
            },
        );
        let proof = dpop(&key, &url, cx.now.unix_timestamp(), &uuid4(cx));
        let request = HttpRequest {
            method: "POST",
            url: url.clone(),
            headers: vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("DPoP".to_owned(), proof),
                ("Accept-Encoding".to_owned(), "identity".to_owned()),
                ("User-Agent".to_owned(), super::user_agent()),
            ],
            body: body.into_bytes(),
            transport: cx.client_transport()?,
        };
        cx.note(format!(
            "AWS Sign-In CreateOAuth2Token: POST {}, unsigned, with a DPoP proof",
            for_terminal(&url)
        ));
        let (response, retries) = cx.send_with_retries(Service::Signin, &request)?;
        if !(200..300).contains(&response.status) {
            let error = ServiceError::of(&response);
            if error.code == "AccessDeniedException" {
                let kind = error
                    .body
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let p = &self.profile;
                let message = match kind {
                    "TOKEN_EXPIRED" => format!(
                        "your aws login session has expired (reauthenticate: aws login --profile {p})"
                    ),
                    "USER_CREDENTIALS_CHANGED" => format!(
                        "unable to refresh login credentials because of a change in your password (reauthenticate with your new password: aws login --profile {p})"
                    ),
                    "INSUFFICIENT_PERMISSIONS" => format!(
                        "unable to create or refresh login credentials due to insufficient permissions; you may be missing permission for the 'signin:CreateOAuth2Token' action (get it granted, then run aws login --profile {p})"
                    ),
                    _ => format!(
                        "an unspecified error happened when refreshing the aws login session of profile {p} (AWS Sign-In denied access; run aws login --profile {p})"
                    ),
                };
                return Err(Error::CredentialSource(message));
            }
            return Err(Error::Service {
                service: "AWS Sign-In",
                operation: "CreateOAuth2Token",
                code: for_terminal(&error.code).to_string(),
                message: for_terminal(&error.message).to_string(),
                attempts: retries + 1,
                hint: String::new(),
            });
        }
        let malformed = |what: &str| {
            Error::CredentialSource(format!(
                "AWS Sign-In answered CreateOAuth2Token at {} with a document that has no {what} (check the Sign-In endpoint settings)",
                for_terminal(&url)
            ))
        };
        let answer = match serde_json::from_slice::<Value>(&response.body) {
            Ok(Value::Object(m)) => m,
            _ => return Err(malformed("JSON object")),
        };
        let expires_in = answer
            .get("expiresIn")
            .and_then(|v| {
                v.as_i64().map(Duration::seconds).or_else(|| {
                    v.as_f64()
                        .filter(|f| f.is_finite() && f.abs() < 1e15)
                        .map(Duration::seconds_f64)
                })
            })
            .ok_or_else(|| malformed("expiresIn"))?;
        let issued = answer
            .get("accessToken")
            .ok_or_else(|| malformed("accessToken"))?;
        let field = |name: &str| {
            issued
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| malformed(&format!("accessToken.{name}")))
        };
        let access_key_id = field("accessKeyId")?;
        let secret = field("secretAccessKey")?;
        let session_token = field("sessionToken")?;
        let refresh_token = answer
            .get("refreshToken")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("refreshToken"))?;
        let expires_at: OffsetDateTime = cx
            .now
            .checked_add(expires_in)
            .ok_or_else(|| malformed("usable expiresIn"))?;
        let account_id = doc
            .get("accessToken")
            .and_then(|t| t.get("accountId"))
            .cloned()
            .unwrap_or(Value::Null);
        let mut token = Map::new();
        token.insert("accessKeyId".to_owned(), Value::from(access_key_id));
        token.insert("secretAccessKey".to_owned(), Value::from(secret));
        token.insert("sessionToken".to_owned(), Value::from(session_token));
        token.insert("accountId".to_owned(), account_id);
        token.insert(
            "expiresAt".to_owned(),
            Value::from(timestamp::zulu(expires_at)),
        );
        doc.insert("accessToken".to_owned(), Value::Object(token));
        doc.insert("refreshToken".to_owned(), Value::from(refresh_token));
        let text = pyjson::dumps(
            &Value::Object(doc.clone()),
            Style {
                compact: false,
                sort_keys: false,
            },
        );
        cx.sys
            .write_private_file(&self.path, text.as_bytes())
            .map_err(|e| {
                Error::CredentialSource(format!(
                    "cannot write the login session token file {}: {e} (check the folder's permissions)",
                    self.shown_path()
                ))
            })?;
        cx.note(format!(
            "login session token {}: refreshed, written (expires at {})",
            self.shown_path(),
            timestamp::zulu(expires_at)
        ));
        self.credentials_of(&doc).map(Some)
    }
}

/// The Sign-In endpoint of `region` (its endpoint rule set for
/// `CreateOAuth2Token`), unless one is configured.
fn endpoint(cx: &Context, region: &str) -> Result<String> {
    if let Some(url) = cx.configured_endpoint(Service::Signin)? {
        cx.note(format!(
            "AWS Sign-In endpoint: {} (configured)",
            for_terminal(&url)
        ));
        return Ok(url);
    }
    crate::config::validate_region(region)?;
    let fips = flag(cx, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint")?;
    let dualstack = flag(cx, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint")?;
    let part = partition::of(region);
    let dual_suffix = match part.name {
        "aws-cn" => "api.amazonwebservices.com.cn",
        _ => "api.aws",
    };
    let refuse = |why: &str| Error::EndpointRules {
        rule: why.to_owned(),
        fix: RulesFix::Settings(format!(
            "for AWS Sign-In in region {}; unset use_fips_endpoint or AWS_USE_FIPS_ENDPOINT",
            for_terminal(region)
        )),
    };
    let url = match (fips, dualstack) {
        (false, false) => {
            let host = match part.name {
                "aws" => "signin.aws.amazon.com",
                "aws-cn" => "signin.amazonaws.cn",
                "aws-us-gov" => "signin.amazonaws-us-gov.com",
                "aws-iso" => "signin.c2shome.ic.gov",
                "aws-iso-b" => "signin.sc2shome.sgov.gov",
                "aws-iso-f" => "signin.csphome.hci.ic.gov",
                "aws-iso-e" => "signin.csphome.adc-e.uk",
                "aws-eusc" => "signin.amazonaws-eusc.eu",
                _ => "",
            };
            if host.is_empty() {
                format!("https://{region}.signin.{}", part.dns_suffix)
            } else {
                format!("https://{region}.{host}")
            }
        }
        (true, false) if region == "us-gov-west-1" => {
            "https://signin-fips.amazonaws-us-gov.com".to_owned()
        }
        (true, false) if part.name == "aws-us-gov" => {
            format!("https://{region}.signin-fips.amazonaws-us-gov.com")
        }
        (true, true) if part.supports_fips => format!("https://signin-fips.{region}.{dual_suffix}"),
        (true, true) => {
            return Err(refuse(
                "FIPS and DualStack are enabled, but this partition does not support one or both",
            ));
        }
        (true, false) if part.supports_fips => {
            format!("https://signin-fips.{region}.{}", part.dns_suffix)
        }
        (true, false) => {
            return Err(refuse(
                "FIPS is enabled but this partition does not support FIPS",
            ));
        }
        (false, true) => format!("https://signin.{region}.{dual_suffix}"),
    };
    cx.note(format!("AWS Sign-In endpoint: {url}"));
    Ok(url)
}

/// A random (version 4) UUID, as Python's `str(uuid.uuid4())`.
fn uuid4(cx: &Context) -> String {
    let mut b = [0u8; 16];
    cx.sys.random(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// botocore `build_dpop_header`: `header.payload.signature`, each base64url
/// without padding; header and payload compact JSON in botocore's key
/// order; the signature the raw 64-byte `r‖s` of ECDSA P-256 SHA-256 over
/// `header.payload`.
fn dpop(key: &SigningKey, url: &str, iat: i64, jti: &str) -> String {
    let point = key.verifying_key().to_sec1_point(false);
    let coordinate = |c: Option<&[u8]>| URL_SAFE_NO_PAD.encode(c.unwrap_or_default());
    let mut jwk = Map::new();
    jwk.insert("kty".to_owned(), Value::from("EC"));
    jwk.insert(
        "x".to_owned(),
        Value::from(coordinate(point.x().map(|x| x.as_slice()))),
    );
    jwk.insert(
        "y".to_owned(),
        Value::from(coordinate(point.y().map(|y| y.as_slice()))),
    );
    jwk.insert("crv".to_owned(), Value::from("P-256"));
    let mut header = Map::new();
    header.insert("typ".to_owned(), Value::from("dpop+jwt"));
    header.insert("alg".to_owned(), Value::from("ES256"));
    header.insert("jwk".to_owned(), Value::Object(jwk));
    let mut payload = Map::new();
    payload.insert("htm".to_owned(), Value::from("POST"));
    payload.insert("htu".to_owned(), Value::from(url));
    payload.insert("iat".to_owned(), Value::from(iat));
    payload.insert("jti".to_owned(), Value::from(jti));
    let compact = Style {
        compact: true,
        sort_keys: false,
    };
    let encode =
        |m: Map<String, Value>| URL_SAFE_NO_PAD.encode(pyjson::dumps(&Value::Object(m), compact));
    let signing_input = format!("{}.{}", encode(header), encode(payload));
    let signature: Signature = key.sign(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    )
}

#[cfg(test)]
mod tests;
