//! Presigning: a request description in, a signed URL out. This ties the
//! endpoint rules to the signer and is what every mode of the command line
//! calls, once per URL.

use time::OffsetDateTime;

use crate::credentials::Credentials;
use crate::endpoint::{EndpointConfig, Target};
use crate::error::{Error, PostRefusal, Result};
use crate::post::{self, PostForm, PostSpec};
use crate::providers::s3express;
use crate::sign::{
    self, AuthScheme, Pending, QuerySigner, SignRequest, Signed, Trace, encode, v2, v4a,
};
use crate::system::System;
use crate::uri;

/// How long a URL stays valid: 1 second to 7 days, the SigV4 limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry(u32);

impl Expiry {
    /// AWS CLI's default, one hour.
    pub const DEFAULT: Expiry = Expiry(3600);

    /// Checks `seconds` against the SigV4 limits.
    ///
    /// ```
    /// use presign::{Error, Expiry};
    ///
    /// assert_eq!(Expiry::new(600)?.seconds(), 600);
    /// assert!(matches!(
    ///     Expiry::new(8 * 24 * 3600),
    ///     Err(Error::ExpiryOutOfRange { seconds: 691_200, version: "SigV4", max: 604_800 })
    /// ));
    /// assert!(matches!(Expiry::parse("1.5"), Err(Error::ExpiryNotSeconds { .. })));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn new(seconds: i64) -> Result<Self> {
        match u32::try_from(seconds) {
            Ok(s) if (1..=sign::MAX_EXPIRES).contains(&s) => Ok(Expiry(s)),
            _ => Err(Error::ExpiryOutOfRange {
                seconds,
                version: "SigV4",
                max: sign::MAX_EXPIRES,
            }),
        }
    }

    /// Parses the text of `--expires-in` (a whole number of seconds) within
    /// the SigV4 limits.
    pub fn parse(text: &str) -> Result<Self> {
        match whole_seconds(text) {
            Some(n) => Expiry::new(n),
            None => Err(not_seconds(text)),
        }
    }

    /// Parses `--expires-in` for SigV2, which has no 7-day limit: 1 second
    /// to 2^32-1 (136 years).
    pub fn parse_sigv2(text: &str) -> Result<Self> {
        match whole_seconds(text) {
            Some(n) => u32::try_from(n).ok().filter(|s| *s >= 1).map(Expiry).ok_or(
                Error::ExpiryOutOfRange {
                    seconds: n,
                    version: "SigV2",
                    max: u32::MAX,
                },
            ),
            None => Err(not_seconds(text)),
        }
    }

    /// The number of seconds.
    pub fn seconds(self) -> u32 {
        self.0
    }
}

/// The first code point of every run of ten Unicode decimal digits (general
/// category Nd, Unicode 14, as Python 3.11's `int()` reads them: `６０` is 60).
const DECIMAL_ZEROS: &[u32] = &[
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

fn decimal_value(c: char) -> Option<u32> {
    let cp = c as u32;
    DECIMAL_ZEROS
        .iter()
        .find(|&&zero| (zero..zero + 10).contains(&cp))
        .map(|zero| cp - zero)
}

/// An integer option's value as AWS CLI v2 reads it: Python's `int(text)`
/// (`cli_type_name: integer`). White space around it, a sign, leading zeros,
/// single underscores between digits and any Unicode decimal digits are
/// accepted; anything else (`1.5`, `1e3`, `0x10`, ``) is not an integer.
/// Values beyond `i64` saturate: they are out of every range presign takes.
pub(crate) fn whole_seconds(text: &str) -> Option<i64> {
    let text = text.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c));
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut value: i64 = 0;
    let mut seen_digit = false;
    let mut after_underscore = false;
    for c in digits.chars() {
        if c == '_' {
            if !seen_digit || after_underscore {
                return None;
            }
            after_underscore = true;
            continue;
        }
        let d = decimal_value(c)?;
        value = value.saturating_mul(10).saturating_add(i64::from(d));
        seen_digit = true;
        after_underscore = false;
    }
    if !seen_digit || after_underscore {
        return None;
    }
    Some(if negative { -value } else { value })
}

fn not_seconds(text: &str) -> Error {
    Error::ExpiryNotSeconds {
        text: text.to_owned(),
    }
}

/// One request to presign.
#[derive(Debug, Clone, Copy)]
pub struct ObjectRequest<'a> {
    /// The HTTP method, upper case (`GET` for downloads).
    pub method: &'a str,
    /// A bucket name or access point ARN.
    pub bucket: &'a str,
    /// The object key, verbatim (empty for bucket-level requests).
    pub key: &'a str,
    /// Operation query parameters, raw, in URL order.
    pub params: &'a [(String, String)],
    /// Headers the client must send, lower-case names and trimmed values.
    pub headers: &'a [(String, String)],
    /// How long the URL lasts.
    pub expires: Expiry,
}

impl<'a> ObjectRequest<'a> {
    /// A download (`GET`) of `bucket`/`key`: what `aws s3 presign` makes.
    pub fn get(bucket: &'a str, key: &'a str, expires: Expiry) -> Self {
        ObjectRequest {
            method: "GET",
            bucket,
            key,
            params: &[],
            headers: &[],
            expires,
        }
    }

    /// A request with `method` (upper case: `PUT`, `DELETE`, `HEAD`,
    /// `POST`) for `bucket`/`key`.
    pub fn new(method: &'a str, bucket: &'a str, key: &'a str, expires: Expiry) -> Self {
        ObjectRequest {
            method,
            ..ObjectRequest::get(bucket, key, expires)
        }
    }

    /// The request with headers the client must send (lower-case names,
    /// trimmed values), signed into the URL.
    pub fn with_headers(self, headers: &'a [(String, String)]) -> Self {
        ObjectRequest { headers, ..self }
    }

    /// The request with operation query parameters (raw, in URL order),
    /// signed into the URL.
    pub fn with_params(self, params: &'a [(String, String)]) -> Self {
        ObjectRequest { params, ..self }
    }
}

enum Signing {
    /// Credentials for SigV4, SigV4A and SigV2, whichever the endpoint's
    /// auth scheme asks for.
    Signed(Box<QuerySigner>),
    Unsigned,
    NoCredentials,
    /// The signing time is outside the years SigV4 can write
    /// ([`sign::utc_signing_time`]); every request fails.
    TimeOutOfRange,
}

/// Makes presigned URLs with one configuration at one instant.
///
/// The endpoint rules say how each request is signed ([`Target::auth`]):
/// SigV4 for buckets and access points, SigV4A for multi-region and
/// Outposts access points, SigV2 when the configuration asks for it; the
/// presigner dispatches on that. A directory bucket (S3 Express One Zone,
/// [`AuthScheme::SigV4S3Express`]) is signed with the keys of an S3 Express
/// session, which [`Presigner::express_session`] gets with one CreateSession
/// call per bucket; the other kinds never touch the network.
///
/// ```
/// use presign::{Credentials, EndpointConfig, ObjectRequest, Presigner, Expiry};
/// use time::macros::datetime;
///
/// let endpoint = EndpointConfig::in_region("eu-west-2");
/// let creds = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
/// let mut presigner = Presigner::new(endpoint, Some(creds), datetime!(2026-01-02 03:04:05 UTC));
/// let url = presigner.presign(&ObjectRequest::get("bucket", "key.txt", Expiry::DEFAULT))?.url;
/// assert!(url.starts_with("https://bucket.s3.eu-west-2.amazonaws.com/key.txt?X-Amz-Algorithm="));
/// assert!(url.ends_with("X-Amz-Signature=23c87ef3bd9be85e9372cf6ebe8cf657f30da49b318adc28fa6512dda4d8b54d"));
/// # Ok::<(), presign::Error>(())
/// ```
pub struct Presigner {
    endpoint: EndpointConfig,
    signing: Signing,
    time: OffsetDateTime,
    path: String,
    key_path: String,
    express: Express,
}

/// S3 Express One Zone: how CreateSession is called, and the sessions of
/// this run, one signer per directory bucket (botocore keeps one session
/// per bucket in its `S3ExpressIdentityCache`).
struct Express {
    /// The client of CreateSession calls (`Err`: why the settings make none).
    client: std::result::Result<s3express::Client, String>,
    /// The clock CreateSession requests are signed at.
    now: OffsetDateTime,
    sessions: Vec<(String, Box<QuerySigner>)>,
    /// Buckets whose CreateSession failed, and how: not called again.
    failed: Vec<(String, Error)>,
}

/// What [`Presigner::express_session`] did for a bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionUse {
    /// The bucket needs no session (no S3 Express session auth, or URLs
    /// are not signed).
    NotNeeded,
    /// CreateSession was called at `url`; the session lasts until `expires`.
    Created {
        /// The CreateSession URL: the bucket's endpoint and `?session`.
        url: String,
        /// When the session's credentials expire, if the answer said.
        expires: Option<OffsetDateTime>,
    },
    /// The session of an earlier URL of this run was used again.
    Reused {
        /// When the session's credentials expire, if known.
        expires: Option<OffsetDateTime>,
    },
}

impl Presigner {
    /// A presigner signing as of `time`. Without credentials it fails each
    /// request with [`Error::NoCredentials`]; see [`Presigner::unsigned`].
    /// A `time` outside the years 1970 to 9999 in UTC, or a request whose
    /// URL would outlive 9999, fails with [`Error::Usage`].
    pub fn new(
        endpoint: EndpointConfig,
        credentials: Option<Credentials>,
        time: OffsetDateTime,
    ) -> Self {
        let signing = match credentials {
            Some(c) => QuerySigner::new(c, time)
                .map_or(Signing::TimeOutOfRange, |s| Signing::Signed(Box::new(s))),
            None => Signing::NoCredentials,
        };
        Presigner::with(endpoint, signing, time)
    }

    /// A presigner that signs buckets with legacy SigV2 (`signature_version
    /// = s3`): [`EndpointConfig::sigv2`] set.
    pub fn sigv2(
        endpoint: EndpointConfig,
        credentials: Option<Credentials>,
        time: OffsetDateTime,
    ) -> Self {
        Presigner::new(
            EndpointConfig {
                sigv2: true,
                ..endpoint
            },
            credentials,
            time,
        )
    }

    fn with(endpoint: EndpointConfig, signing: Signing, time: OffsetDateTime) -> Self {
        let signing = match sign::utc_signing_time(time) {
            Some(_) => signing,
            None => Signing::TimeOutOfRange,
        };
        Presigner {
            endpoint,
            signing,
            time,
            path: String::new(),
            key_path: String::new(),
            express: Express {
                client: Ok(s3express::Client {
                    transport: crate::http::Transport::client_default(),
                    max_attempts: 3,
                }),
                now: time,
                sessions: Vec::new(),
                failed: Vec::new(),
            },
        }
    }

    /// Sets how CreateSession is called for directory buckets (S3 Express
    /// One Zone) and the clock its requests are signed at; `client` is the
    /// reason there is none when the settings are wrong (the error of the
    /// first directory bucket). By default: no proxy settings read, three
    /// attempts, signed at the signing time.
    pub fn with_express_client(
        mut self,
        client: std::result::Result<s3express::Client, String>,
        now: OffsetDateTime,
    ) -> Self {
        self.express.client = client;
        self.express.now = now;
        self
    }

    /// Makes sure a directory bucket's URLs can be signed: calls
    /// CreateSession for `bucket` at `target` (its endpoint, from
    /// [`Presigner::target`]) with this presigner's credentials, once per
    /// bucket, and keeps the session for every later URL of the bucket.
    /// Nothing happens for other buckets, unsigned URLs, or without
    /// credentials (the URL then fails as any other would).
    pub fn express_session(
        &mut self,
        sys: &dyn System,
        bucket: &str,
        target: &Target,
    ) -> Result<SessionUse> {
        let AuthScheme::SigV4S3Express { region } = &target.auth else {
            return Ok(SessionUse::NotNeeded);
        };
        let Signing::Signed(signer) = &self.signing else {
            return Ok(SessionUse::NotNeeded);
        };
        if let Some((_, s)) = self.express.sessions.iter().find(|(b, _)| b == bucket) {
            return Ok(SessionUse::Reused {
                expires: s.credentials().expiration,
            });
        }
        if let Some((_, error)) = self.express.failed.iter().find(|(b, _)| b == bucket) {
            return Err(s3express::repeat(error));
        }
        let client = self
            .express
            .client
            .as_ref()
            .map_err(|why| Error::InvalidConfig(why.clone()))?;
        let mut path = String::new();
        target.join_path(&mut path, "");
        let endpoint = s3express::SessionEndpoint {
            origin: target.origin.clone(),
            host: target.host.clone(),
            path,
            region: region.to_owned(),
        };
        let session = match s3express::create_session(
            sys,
            client,
            &endpoint,
            signer.credentials(),
            self.express.now,
        ) {
            Ok(session) => session,
            Err(e) => {
                let e = s3express::for_bucket(e, bucket);
                self.express
                    .failed
                    .push((bucket.to_owned(), s3express::repeat(&e)));
                return Err(e);
            }
        };
        let expires = session.expiration;
        let Some(session_signer) = QuerySigner::new(session, self.time) else {
            return Err(sign::time_out_of_range(self.time, 0));
        };
        self.express
            .sessions
            .push((bucket.to_owned(), Box::new(session_signer)));
        Ok(SessionUse::Created {
            url: format!("{}{}?session", endpoint.origin, endpoint.path),
            expires,
        })
    }

    /// The S3 Express session credentials of `bucket`, once
    /// [`Presigner::express_session`] has made them.
    pub fn express_credentials(&self, bucket: &str) -> Option<&Credentials> {
        self.express
            .sessions
            .iter()
            .find(|(b, _)| b == bucket)
            .map(|(_, s)| s.credentials())
    }

    /// A presigner that prints plain, unsigned URLs (`--no-sign-request`).
    pub fn unsigned(endpoint: EndpointConfig, time: OffsetDateTime) -> Self {
        Presigner::with(endpoint, Signing::Unsigned, time)
    }

    /// Whether URLs are signed at all.
    pub fn is_unsigned(&self) -> bool {
        matches!(self.signing, Signing::Unsigned)
    }

    /// The signing instant.
    pub fn time(&self) -> OffsetDateTime {
        self.time
    }

    /// The clock of the run (CreateSession calls are signed at it).
    pub fn clock(&self) -> OffsetDateTime {
        self.express.now
    }

    /// The credentials in use, if any.
    pub fn credentials(&self) -> Option<&Credentials> {
        match &self.signing {
            Signing::Signed(s) => Some(s.credentials()),
            _ => None,
        }
    }

    /// The SigV4A key pair, once a SigV4A URL has been signed (so derived
    /// once per run): what a batch signs deferred URLs with.
    pub fn v4a_key(&self) -> Option<&v4a::KeyPair> {
        match &self.signing {
            Signing::Signed(s) => s.derived_v4a_key(),
            _ => None,
        }
    }

    /// Where requests for `bucket` go, and how they are signed.
    pub fn target(&self, bucket: &str) -> Result<Target> {
        self.endpoint.target(&uri::bucket_ref(bucket)?)
    }

    /// Presigns `req`.
    pub fn presign(&mut self, req: &ObjectRequest) -> Result<Signed> {
        let target = self.target(req.bucket)?;
        self.presign_at(&target, req)
    }

    /// Signs a browser upload form for `bucket`/`key` (SigV4 POST policy).
    pub fn presign_post(
        &mut self,
        bucket: &str,
        key: &str,
        expires: Expiry,
        spec: &PostSpec,
    ) -> Result<PostForm> {
        let target = self.target(bucket)?;
        self.path.clear();
        target.join_path(&mut self.path, "");
        let url = format!("{}{}", target.origin, self.path);
        let region = match &target.auth {
            AuthScheme::SigV4S3Express { .. }
            | AuthScheme::SigV4 {
                signing_name: sign::SERVICE_S3EXPRESS,
                ..
            } => {
                return Err(Error::PostFormUnsupported {
                    why: PostRefusal::DirectoryBucket,
                });
            }
            AuthScheme::SigV4 { region, .. } => region.clone(),
            AuthScheme::SigV2 => {
                return Err(Error::PostFormUnsupported {
                    why: PostRefusal::SigV2,
                });
            }
            // botocore has no SigV4A POST signer (`s3v4a-presign-post` is
            // no signature version it knows), and S3 documents POST
            // policies with SigV4 only.
            AuthScheme::SigV4A { .. } => {
                return Err(Error::PostFormUnsupported {
                    why: PostRefusal::SigV4A,
                });
            }
        };
        let signer = match &mut self.signing {
            Signing::Signed(signer) => signer,
            Signing::Unsigned => {
                return Err(Error::PostFormUnsupported {
                    why: PostRefusal::Unsigned,
                });
            }
            Signing::NoCredentials => return Err(Error::NoCredentials),
            Signing::TimeOutOfRange => {
                return Err(sign::time_out_of_range(self.time, expires.seconds()));
            }
        };
        let Some(expiration) = sign::expiry_end(self.time, expires.seconds()) else {
            return Err(sign::time_out_of_range(self.time, expires.seconds()));
        };
        let amz_date = signer.amz_date().to_owned();
        let token = signer
            .credentials()
            .session_token
            .as_ref()
            .map(|t| t.expose().to_owned());
        let signing = post::PostSigning {
            bucket,
            key,
            expiration,
            amz_date: &amz_date,
            credential: signer.credential(&region),
            session_token: token.as_deref(),
        };
        Ok(post::build(spec, signing, url, |policy| {
            signer.sign_text(&region, policy)
        }))
    }

    /// Presigns `req` for an already-resolved target.
    pub fn presign_at(&mut self, target: &Target, req: &ObjectRequest) -> Result<Signed> {
        let mut url = String::new();
        let mut trace = Trace::default();
        self.presign_into(target, req, &mut url, Some(&mut trace))?;
        Ok(Signed {
            url,
            canonical_request: trace.canonical_request,
            string_to_sign: trace.string_to_sign,
        })
    }

    /// Appends the URL of `req` to `url`, reusing this presigner's buffers;
    /// the texts it was signed from go to `trace` when asked (the batch path
    /// asks only under `--debug`).
    pub fn presign_into(
        &mut self,
        target: &Target,
        req: &ObjectRequest,
        url: &mut String,
        trace: Option<&mut Trace>,
    ) -> Result<()> {
        if let Pending::Ecdsa(digest) = self.presign_deferred(target, req, url, trace)? {
            let Signing::Signed(signer) = &mut self.signing else {
                unreachable!("only a signer defers a signature");
            };
            signer.v4a_key().sign_digest_into(&digest, url);
        }
        Ok(())
    }

    /// As [`Presigner::presign_into`], but a SigV4A URL is left ending in
    /// `X-Amz-Signature=`, and the digest to sign with
    /// [`Presigner::v4a_key`] is returned ([`Pending::Ecdsa`]).
    pub fn presign_deferred(
        &mut self,
        target: &Target,
        req: &ObjectRequest,
        url: &mut String,
        trace: Option<&mut Trace>,
    ) -> Result<Pending> {
        // Two comparisons per URL: no URL may outlive 9999-12-31T23:59:59Z,
        // the last instant an expiry can be written in (and checked by S3).
        let seconds = req.expires.seconds();
        if self.time.unix_timestamp() + i64::from(seconds) > sign::LAST_UNIX_SECOND {
            return Err(sign::time_out_of_range(self.time, seconds));
        }
        self.key_path.clear();
        if !req.key.is_empty() {
            self.key_path.push('/');
            encode::push_quoted_path(&mut self.key_path, req.key);
        }
        self.path.clear();
        target.join_path(&mut self.path, &self.key_path);
        let signer = match &mut self.signing {
            Signing::Signed(_) if target.s3express_session() => {
                match self
                    .express
                    .sessions
                    .iter_mut()
                    .find(|(b, _)| b == req.bucket)
                {
                    Some((_, session)) => session,
                    None => {
                        return Err(Error::Unsupported(format!(
                            "directory bucket {} needs an S3 Express session first (Presigner::express_session)",
                            crate::escape::for_terminal(req.bucket)
                        )));
                    }
                }
            }
            Signing::Signed(signer) => signer,
            Signing::Unsigned => {
                url.push_str(&target.origin);
                url.push_str(&self.path);
                return Ok(Pending::Done);
            }
            Signing::NoCredentials => return Err(Error::NoCredentials),
            Signing::TimeOutOfRange => return Err(sign::time_out_of_range(self.time, seconds)),
        };
        let Some(scheme) = target.auth.query_scheme() else {
            // SigV2. The resource is /bucket/key whatever the addressing.
            let mut resource = String::with_capacity(req.bucket.len() + self.key_path.len() + 2);
            resource.push('/');
            resource.push_str(req.bucket);
            if !self.key_path.is_empty() {
                resource.push_str(&self.key_path);
            } else if target.virtual_hosted {
                resource.push('/');
            }
            let sts = v2::presign_into(
                signer.credentials(),
                &v2::V2Request {
                    method: req.method,
                    origin: &target.origin,
                    path: &self.path,
                    resource: &resource,
                    params: req.params,
                    headers: req.headers,
                    expires_at: self.time.unix_timestamp() + i64::from(seconds),
                },
                url,
            );
            if let Some(trace) = trace {
                trace.string_to_sign = sts;
            }
            return Ok(Pending::Done);
        };
        Ok(signer.presign_deferred(
            &SignRequest {
                method: req.method,
                origin: &target.origin,
                path: &self.path,
                host: &target.host,
                scheme,
                params: req.params,
                headers: req.headers,
                expires: seconds,
            },
            url,
            trace,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_bucket_is_signed_with_one_session_per_bucket() {
        use crate::providers::testkit::Script;
        use crate::system::MapSystem;
        use time::macros::datetime;
        // AWS CLI v2's recorded run: the session it was given, the URL it
        // printed.
        const ANSWER: &str = "<CreateSessionResult><Credentials><SessionToken>S3XSESSION/token+value==</SessionToken><SecretAccessKey>s3x/session+secret</SecretAccessKey><AccessKeyId>ASIAS3XSESSION000000</AccessKeyId><Expiration>2026-01-02T03:09:05Z</Expiration></Credentials></CreateSessionResult>";
        const URL: &str = "http://127.0.0.1:18555/mybucket--usw2-az1--x-s3/key.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAS3XSESSION000000%2F20260102%2Fus-west-2%2Fs3express%2Faws4_request&X-Amz-Date=20260102T030405Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-S3session-Token=S3XSESSION%2Ftoken%2Bvalue%3D%3D&X-Amz-Signature=3f11c30eaf6d11f063ca97d1ae4d2cbef826987384df211c7c38989a4880d9a6";
        let server = Script::new();
        server.reply(200, &[], ANSWER);
        let sys = MapSystem::new().server(server.clone());
        let now = datetime!(2026-01-02 03:04:05 UTC);
        let endpoint = EndpointConfig {
            region: Some("us-west-2".into()),
            custom: Some(crate::endpoint::CustomEndpoint::parse("http://127.0.0.1:18555").unwrap()),
            ..Default::default()
        };
        let creds = Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        .with_session_token("source-token");
        let mut p = Presigner::new(endpoint, Some(creds), now);
        let bucket = "mybucket--usw2-az1--x-s3";
        let target = p.target(bucket).unwrap();
        let req = ObjectRequest::get(bucket, "key.txt", Expiry::DEFAULT);
        // Without a session there is no URL.
        assert!(p.presign_at(&target, &req).is_err());
        let used = p.express_session(&sys, bucket, &target).unwrap();
        assert_eq!(
            used,
            SessionUse::Created {
                url: "http://127.0.0.1:18555/mybucket--usw2-az1--x-s3?session".to_owned(),
                expires: Some(datetime!(2026-01-02 03:09:05 UTC)),
            }
        );
        assert_eq!(p.presign_at(&target, &req).unwrap().url, URL);
        assert!(matches!(
            p.express_session(&sys, bucket, &target).unwrap(),
            SessionUse::Reused { .. }
        ));
        assert_eq!(server.requests().len(), 1);
        // The uncached signer gives the same bytes.
        let session = p.express_credentials(bucket).unwrap().clone();
        let signer = QuerySigner::new(session, now).unwrap();
        let mut path = String::new();
        target.join_path(&mut path, "/key.txt");
        let uncached = signer.presign_uncached(&SignRequest {
            method: "GET",
            origin: &target.origin,
            path: &path,
            host: &target.host,
            scheme: target.auth.query_scheme().unwrap(),
            params: &[],
            headers: &[],
            expires: 3600,
        });
        assert_eq!(uncached.url, URL);
        // Other buckets need no session and make no call.
        let plain = p.target("plain-bucket").unwrap();
        assert_eq!(
            p.express_session(&sys, "plain-bucket", &plain).unwrap(),
            SessionUse::NotNeeded
        );
        assert_eq!(server.requests().len(), 1);
    }

    #[test]
    fn expiry_limits_are_sigv4s() {
        assert_eq!(Expiry::parse("3600").unwrap().seconds(), 3600);
        assert_eq!(Expiry::parse("604800").unwrap().seconds(), 604_800);
        assert_eq!(Expiry::parse("1").unwrap().seconds(), 1);
        assert_eq!(Expiry::parse("+5").unwrap().seconds(), 5);
        for bad in [
            "0",
            "-1",
            "604801",
            "99999999999999999999999",
            "1.5",
            "abc",
            "",
            "1e3",
        ] {
            let err = Expiry::parse(bad).unwrap_err();
            // AWS CLI v2: 255 for what Python's int() refuses, and presign's
            // own range check is a usage error.
            let want = if whole_seconds(bad).is_some() {
                crate::error::EXIT_USAGE
            } else {
                crate::error::EXIT_OTHER
            };
            assert_eq!(err.exit_code(), want, "{bad}");
            match err {
                Error::ExpiryOutOfRange { max, .. } => assert_eq!(max, 604_800, "{bad}"),
                Error::ExpiryNotSeconds { text } => assert_eq!(text, bad),
                other => panic!("{bad}: {other}"),
            }
        }
    }

    #[test]
    fn integers_are_read_as_python_int_reads_them() {
        for (text, want) in [
            ("60", Some(60)),
            (" 60", Some(60)),
            ("60 ", Some(60)),
            ("+60", Some(60)),
            ("060", Some(60)),
            ("1_000", Some(1000)),
            ("-1", Some(-1)),
            ("\u{ff16}\u{ff10}", Some(60)),
            ("\u{966}\u{967}", Some(1)),
            ("99999999999999999999", Some(i64::MAX)),
            ("", None),
            (" ", None),
            ("abc", None),
            ("1e3", None),
            ("60.0", None),
            ("0x10", None),
            ("_1", None),
            ("1_", None),
            ("1__0", None),
            ("- 1", None),
            ("+", None),
        ] {
            assert_eq!(whole_seconds(text), want, "{text:?}");
        }
    }
}
