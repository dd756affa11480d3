//! `presign inspect URL|-`: print what a presigned URL grants and until
//! when, and with `--verify` whether S3 would accept it, offline.
//!
//! Everything printed that comes from the URL is hostile text: each value
//! passes through [`Inspected::redact`] (the session token never shows, in
//! any spelling) and then [`inspect::escape`] (no control, C1 or bidi
//! character, no line break), in text and JSON alike, so a crafted key
//! cannot add a line such as a second `verification:` or hide one. The
//! multi-line canonical request and string to sign are escaped line by line
//! and indented, so none of their lines reads as a field.

use std::io::Write;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::batch::{Line, LineReader, MAX_LINE};
use super::diagnostic::{self, ERROR};
use super::invocation::InspectRun;
use super::operation::Method;
use super::{Context, InspectOutput};
use crate::config::{self, Overrides, files::SharedFiles};
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::inspect::{self, Addressing, Auth, Cause, Inspected, Refusal, Verification};
use crate::secret::SecretString;
use crate::system::System;

/// Exit status of a URL that does not verify or has expired.
const EXIT_INVALID: i32 = 1;

pub(crate) fn execute(run: &InspectRun, cx: &mut Context) -> Result<i32> {
    let (method, headers, now, out) = (run.method, &run.headers, cx.now, &mut *cx.out);
    let mut keys = Keyring {
        run,
        sys: cx.sys,
        now,
        loaded: None,
    };
    if let Some(url) = &run.url {
        let ins = inspect::decode(url)?;
        return one(run, &ins, method, headers, &mut keys, now, out);
    }
    // The batch reader: memory bounded however long a line is, a BOM
    // dropped, a line that is not UTF-8 reported and skipped.
    let mut reader = LineReader::new(&mut *cx.stdin, MAX_LINE);
    let mut status = 0;
    loop {
        if !reader.buffered() {
            out.flush()?;
        }
        let Some(line) = reader.next_line()? else {
            return Ok(status);
        };
        let outcome = match line {
            Line::TooLong => Err(Error::Usage(format!(
                "longer than {MAX_LINE} bytes, skipped (a presigned URL is far shorter)"
            ))),
            Line::Text(text) => match std::str::from_utf8(text) {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => inspect::decode(text)
                    .and_then(|ins| one(run, &ins, method, headers, &mut keys, now, out)),
                Err(_) => Err(Error::Usage(
                    "not UTF-8 text, skipped (a presigned URL is ASCII)".to_owned(),
                )),
            },
        };
        match outcome {
            Ok(code) => {
                if status == 0 {
                    status = code;
                }
            }
            Err(e @ Error::Output(_)) => return Err(e),
            Err(e) => {
                let _ = writeln!(
                    cx.err,
                    "{ERROR} line {}: {}",
                    reader.number(),
                    diagnostic::message(&e)
                );
                if status == 0 {
                    status = e.exit_code();
                }
            }
        }
    }
}

fn one(
    args: &InspectRun,
    ins: &Inspected,
    method: Method,
    headers: &[(String, String)],
    keys: &mut Keyring,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<i32> {
    let verification = if args.verify {
        let secret = match keys.secret_for(ins.access_key_id()) {
            Err(Error::NoCredentialsFor(_)) if ins.express_session() => {
                return Err(Error::NoCredentialsFor(format!(
                    "cannot verify: the URL is signed with the S3 Express session key {} that CreateSession handed out, and its secret is the session's (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to the session's keys to verify)",
                    inspect::escape(ins.access_key_id())
                )));
            }
            other => other?,
        };
        Some(inspect::verify(
            ins,
            &secret,
            method.as_str(),
            headers,
            now,
        )?)
    } else {
        None
    };
    let status = match &verification {
        Some(v) if !v.valid() => EXIT_INVALID,
        _ => 0,
    };
    let text = if args.format == InspectOutput::Json {
        let mut doc = to_json(ins, now);
        if let Some(v) = &verification {
            doc["verification"] = json!({
                "valid": v.valid(),
                "signature_matches": v.signature_ok,
                "expired": v.expired,
                "s3_refuses": v.refusals.iter().map(|r| show(ins, &refusal_words(r))).collect::<Vec<_>>(),
                "host_covered": ins.host_covered(),
                "method": method.as_str(),
                "causes": v.causes.iter().map(|c| show(ins, &cause_words(c))).collect::<Vec<_>>(),
                "canonical_request": block(ins, &v.canonical_request, ""),
                "string_to_sign": block(ins, &v.string_to_sign, ""),
            });
        }
        format!("{doc}\n")
    } else {
        to_text(ins, now, verification.as_ref(), method)
    };
    out.write_all(text.as_bytes())?;
    Ok(status)
}

/// A refusal in the command line's words: where an option is the fix, it
/// is named.
fn refusal_words(refusal: &Refusal) -> String {
    match refusal {
        Refusal::ScopeRegion { scope, endpoint } => format!(
            "the credential scope region is {scope} but the endpoint is in {endpoint} (sign with --region {endpoint})"
        ),
        other => other.to_string(),
    }
}

/// A likely cause in the command line's words: where an option is the way
/// to verify, it is named.
fn cause_words(cause: &Cause) -> String {
    match cause {
        Cause::UnsentSignedHeaders { headers } => format!(
            "the URL signs header(s) {} that the request must send with the signed values; give them with --header 'NAME: VALUE' to verify",
            headers.join(", ")
        ),
        Cause::OtherMethod { signed, asked } => format!(
            "the URL is signed for {signed}, not {asked}: use it with {signed} (or verify with --method {signed})"
        ),
        other => other.to_string(),
    }
}

/// A value from the URL, fit to print: the session token redacted, then
/// controls, C1, bidi characters and line breaks escaped.
fn show(ins: &Inspected, value: &str) -> String {
    inspect::escape(&ins.redact(value)).into_owned()
}

/// A multi-line text (canonical request, string to sign) fit to print: each
/// line shown as [`show`] shows a value, after `indent`.
fn block(ins: &Inspected, text: &str, indent: &str) -> String {
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| format!("{indent}{}", show(ins, line)))
        .collect();
    lines.join("\n")
}

/// The credentials `--verify` may use, read once per run however many URLs
/// come in (resolving them may run a credential_process).
struct Keyring<'a> {
    run: &'a InspectRun,
    sys: &'a dyn System,
    now: OffsetDateTime,
    /// The selected credentials, both shared files, and why the default
    /// credentials could not be had (when they could not).
    loaded: Option<(Option<Credentials>, SharedFiles, Option<String>)>,
}

impl Keyring<'_> {
    /// The secret of the access key a URL names: the selected credentials
    /// when they match, else the profile of either file that has that key.
    /// Without `--profile`, a default that cannot give credentials here (an
    /// SSO profile, say) does not stop the search of the other profiles;
    /// its error is reported only when no profile has the key.
    fn secret_for(&mut self, access_key_id: &str) -> Result<SecretString> {
        let (selected, files, unusable) = match &mut self.loaded {
            Some(loaded) => loaded,
            slot => {
                let overrides = Overrides {
                    profile: self.run.profile.clone(),
                    stdin_busy: self.run.url.is_none(),
                    names: super::invocation::FLAG_NAMES,
                    ..Default::default()
                };
                let (credentials, unusable) = match config::resolve(self.sys, &overrides, self.now)
                {
                    Ok(resolved) => (resolved.credentials, None),
                    Err(e) if self.run.profile.is_none() => (None, Some(diagnostic::message(&e))),
                    Err(e) => return Err(e),
                };
                slot.insert((credentials, SharedFiles::load(self.sys)?, unusable))
            }
        };
        if let Some(c) = selected {
            if c.access_key_id == access_key_id {
                return Ok(c.secret_access_key.clone());
            }
            if let Some(profile) = &self.run.profile {
                return Err(Error::InvalidConfig(format!(
                    "profile {} has access key {}, but the URL was signed with {} (pick the profile that has it)",
                    inspect::escape(profile),
                    inspect::escape(&c.access_key_id),
                    inspect::escape(access_key_id)
                )));
            }
        }
        let sections = files
            .credentials
            .sections
            .iter()
            .chain(files.config_profiles.iter())
            .map(|(_, s)| s);
        for section in sections {
            if section.text("aws_access_key_id") == Some(access_key_id)
                && let Some(secret) = section.text("aws_secret_access_key")
            {
                return Ok(SecretString::new(secret.to_owned()));
            }
        }
        let why_not_default = unusable
            .as_deref()
            .map(|e| format!("; the default credentials cannot be used: {e}"))
            .unwrap_or_default();
        Err(Error::NoCredentialsFor(format!(
            "no credentials for access key {} (add it to a profile, pass --profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY){why_not_default}",
            inspect::escape(access_key_id)
        )))
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// "in 59m 55s" or "3d 2h ago".
fn relative(from: OffsetDateTime, to: OffsetDateTime) -> String {
    let secs = (to - from).whole_seconds();
    let span = secs.unsigned_abs();
    let (d, h, m, s) = (
        span / 86400,
        span % 86400 / 3600,
        span % 3600 / 60,
        span % 60,
    );
    let text = match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    };
    if secs >= 0 {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

fn addressing_name(a: Addressing) -> &'static str {
    match a {
        Addressing::VirtualHosted => "virtual-hosted",
        Addressing::PathStyle => "path-style",
        Addressing::PathStyleAssumed => "path-style (assumed: not an AWS host)",
    }
}

/// `{name: value}`, shown; a name that comes more than once maps to the
/// array of its values in URL order, so that none is hidden.
fn pairs_json(ins: &Inspected, pairs: &[(String, String)]) -> Value {
    let mut map = serde_json::Map::new();
    for (k, v) in pairs {
        let (k, v) = (show(ins, k), Value::String(show(ins, v)));
        match map.get_mut(&k) {
            Some(Value::Array(values)) => values.push(v),
            Some(first) => *first = Value::Array(vec![first.take(), v]),
            None => {
                map.insert(k, v);
            }
        }
    }
    Value::Object(map)
}

fn to_json(ins: &Inspected, now: OffsetDateTime) -> Value {
    let expires_at = ins.expires_at();
    let shown = |v: &str| show(ins, v);
    let mut doc = json!({
        "url": shown(&ins.redacted_url()),
        "endpoint": shown(&ins.endpoint),
        "addressing": addressing_name(ins.addressing),
        "kind": ins.kind(),
        "bucket": ins.bucket.as_deref().map(shown),
        "key": shown(&ins.key),
        "version_id": ins.version_id.as_deref().map(shown),
        "response_overrides": pairs_json(ins, &ins.overrides),
        "other_parameters": pairs_json(ins, &ins.params),
        "access_key_id": shown(ins.access_key_id()),
        "expires_at": rfc3339(expires_at),
        "seconds_left": (expires_at - now).whole_seconds(),
        "expired": now >= expires_at,
        "beyond_s3_limit": ins.beyond_s3_limit(),
        "s3_refuses": ins.s3_refusals(now).iter().map(|r| show(ins, &refusal_words(r))).collect::<Vec<_>>(),
        "covers": ins.covers(),
        "host_covered": ins.host_covered(),
    });
    match &ins.auth {
        Auth::V4 {
            region,
            date,
            service,
            signed_headers,
            signed_at,
            expires,
            session_token,
            ..
        } => {
            doc["signature_version"] = json!("SigV4");
            doc["scope"] =
                json!({ "date": shown(date), "region": shown(region), "service": shown(service) });
            doc["signed_headers"] = json!(signed_headers);
            doc["signed_at"] = json!(rfc3339(*signed_at));
            doc["expires_in"] = json!(expires);
            doc["session_token"] = json!(session_token);
            doc["s3express_session"] = json!(ins.express_session());
        }
        Auth::V4A {
            date,
            service,
            region_set,
            signed_headers,
            signed_at,
            expires,
            session_token,
            ..
        } => {
            doc["signature_version"] = json!("SigV4A");
            doc["scope"] = json!({ "date": shown(date), "service": shown(service) });
            doc["region_set"] = json!(shown(region_set));
            doc["signed_headers"] = json!(signed_headers);
            doc["signed_at"] = json!(rfc3339(*signed_at));
            doc["expires_in"] = json!(expires);
            doc["session_token"] = json!(session_token);
        }
        Auth::V2 { session_token, .. } => {
            doc["signature_version"] = json!("SigV2");
            doc["session_token"] = json!(session_token);
        }
    }
    doc
}

fn to_text(
    ins: &Inspected,
    now: OffsetDateTime,
    v: Option<&Verification>,
    method: Method,
) -> String {
    let shown = |v: &str| show(ins, v);
    let mut rows: Vec<(&str, String)> = Vec::new();
    let expires_at = ins.expires_at();
    rows.push(("endpoint", shown(&ins.endpoint)));
    rows.push(("addressing", addressing_name(ins.addressing).to_owned()));
    rows.push(("kind", ins.kind().to_owned()));
    rows.push((
        "bucket",
        ins.bucket.as_deref().map_or_else(|| "-".to_owned(), shown),
    ));
    rows.push((
        "key",
        if ins.key.is_empty() {
            "-".to_owned()
        } else {
            shown(&ins.key)
        },
    ));
    if let Some(version) = &ins.version_id {
        rows.push(("version id", shown(version)));
    }
    for (k, val) in &ins.overrides {
        rows.push(("override", format!("{}={}", shown(k), shown(val))));
    }
    for (k, val) in &ins.params {
        rows.push(("parameter", format!("{}={}", shown(k), shown(val))));
    }
    rows.push(("access key id", shown(ins.access_key_id())));
    match &ins.auth {
        Auth::V4 {
            region,
            date,
            service,
            signed_headers,
            signed_at,
            expires,
            session_token,
            ..
        } => {
            rows.push((
                "signature",
                "SigV4 (AWS4-HMAC-SHA256), in the query".to_owned(),
            ));
            rows.push((
                "scope",
                format!("{} / {} / {}", shown(date), shown(region), shown(service)),
            ));
            rows.push(("signed headers", signed_headers.join(", ")));
            rows.push(("signed at", rfc3339(*signed_at)));
            let limit = if ins.beyond_s3_limit() {
                " - beyond S3's 7-day limit: S3 refuses this URL"
            } else {
                ""
            };
            rows.push(("lifetime", format!("{expires} s{limit}")));
            if ins.express_session() {
                rows.push((
                    "session token",
                    "yes, an S3 Express session's (X-Amz-S3session-Token, from CreateSession)"
                        .to_owned(),
                ));
            } else if *session_token {
                rows.push(("session token", "yes (temporary credentials)".to_owned()));
            }
        }
        Auth::V4A {
            date,
            service,
            region_set,
            signed_headers,
            signed_at,
            expires,
            session_token,
            ..
        } => {
            rows.push((
                "signature",
                "SigV4A (AWS4-ECDSA-P256-SHA256), in the query".to_owned(),
            ));
            rows.push(("scope", format!("{} / {}", shown(date), shown(service))));
            let every = if region_set == "*" {
                " (every region)"
            } else {
                ""
            };
            rows.push(("region set", format!("{}{every}", shown(region_set))));
            rows.push(("signed headers", signed_headers.join(", ")));
            rows.push(("signed at", rfc3339(*signed_at)));
            let limit = if ins.beyond_s3_limit() {
                " - beyond S3's 7-day limit: S3 refuses this URL"
            } else {
                ""
            };
            rows.push(("lifetime", format!("{expires} s{limit}")));
            if *session_token {
                rows.push(("session token", "yes (temporary credentials)".to_owned()));
            }
        }
        Auth::V2 { session_token, .. } => {
            rows.push(("signature", "SigV2 (HMAC-SHA1), in the query".to_owned()));
            if *session_token {
                rows.push(("session token", "yes (temporary credentials)".to_owned()));
            }
        }
    }
    let mut covers = ins.covers().join(", ");
    if !ins.host_covered() {
        covers.push_str("; NOT the host: the URL works at any server that accepts the key");
    }
    rows.push(("covers", covers));
    let state = if now >= expires_at {
        "expired"
    } else {
        "valid"
    };
    rows.push((
        "expires at",
        format!(
            "{} ({state}, {})",
            rfc3339(expires_at),
            relative(now, expires_at)
        ),
    ));
    let refusals = v.map_or_else(|| ins.s3_refusals(now), |v| v.refusals.clone());
    for refusal in refusals {
        rows.push(("S3 refuses", shown(&refusal_words(&refusal))));
    }
    if let Some(v) = v {
        let m = method.as_str();
        let verdict = if v.valid() && ins.host_covered() {
            format!("valid for {m}")
        } else if v.valid() {
            format!("valid for {m}, at any host: SigV2 does not sign the host")
        } else if !v.refusals.is_empty() {
            format!("INVALID for {m}: S3 refuses this URL")
        } else if v.signature_ok {
            format!("signature matches for {m}, but the URL has expired")
        } else {
            format!("INVALID for {m}")
        };
        rows.push(("verification", verdict));
        for cause in &v.causes {
            rows.push(("likely cause", shown(&cause_words(cause))));
        }
    }
    let mut text = String::new();
    for (name, value) in rows {
        // Again over the rows that join two values of the URL ("NAME=VALUE",
        // "DATE / REGION / SERVICE"), for a token that spans the join. Only
        // those: presign's own words ("virtual-hosted", "valid for GET") are
        // no token, and redacting a short token out of them garbled them.
        let value = if matches!(name, "override" | "parameter" | "scope" | "region set") {
            ins.redact(&value)
        } else {
            value.into()
        };
        text.push_str(&format!("{:<15} {value}\n", format!("{name}:")));
    }
    if let Some(v) = v.filter(|v| !v.signature_ok) {
        if !v.canonical_request.is_empty() {
            text.push_str("canonical request (as computed here):\n");
            text.push_str(&block(ins, &v.canonical_request, "  "));
            text.push('\n');
        }
        text.push_str("string to sign (as computed here):\n");
        text.push_str(&block(ins, &v.string_to_sign, "  "));
        text.push('\n');
    }
    text
}
