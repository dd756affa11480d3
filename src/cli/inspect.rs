//! `presign inspect URL|-`: print what a presigned URL grants and until
//! when, and with `--verify` whether its signature holds, offline.

use std::io::{BufRead, Write};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::diagnostic::ERROR;
use super::{InspectArgs, InspectOutput};
use crate::config::{self, Overrides, files::SharedFiles};
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::inspect::{self, Addressing, Auth, Inspected, Verification};
use crate::operation::{Method, Operation, OperationSpec};
use crate::secret::{SecretString, redact};
use crate::system::System;

/// Exit status of a URL that does not verify or has expired.
const EXIT_INVALID: i32 = 1;

pub fn execute(
    args: &InspectArgs,
    sys: &dyn System,
    now: OffsetDateTime,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let method = Method::parse(args.method.as_deref().unwrap_or("GET"))?;
    let headers = Operation::build(&OperationSpec {
        method,
        headers: args.headers.clone(),
        ..Default::default()
    })?
    .headers;
    let mut keys = Keyring {
        args,
        sys,
        loaded: None,
    };
    if args.url != "-" {
        let ins = inspect::decode(&args.url)?;
        return one(args, &ins, method, &headers, &mut keys, now, out);
    }
    let mut status = 0;
    let mut line = String::new();
    let mut number = 0;
    loop {
        line.clear();
        if stdin.read_line(&mut line)? == 0 {
            return Ok(status);
        }
        number += 1;
        if line.trim().is_empty() {
            continue;
        }
        let outcome = inspect::decode(&line)
            .and_then(|ins| one(args, &ins, method, &headers, &mut keys, now, out));
        match outcome {
            Ok(code) => {
                if status == 0 {
                    status = code;
                }
            }
            Err(e @ Error::Output(_)) => return Err(e),
            Err(e) => {
                let _ = writeln!(err, "{ERROR} line {number}: {e}");
                if status == 0 {
                    status = e.exit_code();
                }
            }
        }
    }
}

fn one(
    args: &InspectArgs,
    ins: &Inspected,
    method: Method,
    headers: &[(String, String)],
    keys: &mut Keyring,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<i32> {
    let verification = if args.verify {
        let secret = keys.secret_for(ins.access_key_id())?;
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
    let text = if args.output == InspectOutput::Json {
        let mut doc = to_json(ins, now);
        if let Some(v) = &verification {
            doc["verification"] = json!({
                "valid": v.valid(),
                "signature_matches": v.signature_ok,
                "expired": v.expired,
                "method": method.as_str(),
                "causes": v.causes,
                "canonical_request": v.canonical_request,
                "string_to_sign": v.string_to_sign,
            });
        }
        format!("{doc}\n")
    } else {
        to_text(ins, now, verification.as_ref(), method)
    };
    // The URL carries its session token; what is printed about it does not.
    let text = redact(&text, ins.session_token().unwrap_or_default());
    out.write_all(text.as_bytes())?;
    Ok(status)
}

/// The credentials `--verify` may use, read once per run however many URLs
/// come in (resolving them may run a credential_process).
struct Keyring<'a> {
    args: &'a InspectArgs,
    sys: &'a dyn System,
    /// The selected credentials and both shared files.
    loaded: Option<(Option<Credentials>, SharedFiles)>,
}

impl Keyring<'_> {
    /// The secret of the access key a URL names: the selected credentials
    /// when they match, else the profile of either file that has that key.
    fn secret_for(&mut self, access_key_id: &str) -> Result<SecretString> {
        let (selected, files) = match &mut self.loaded {
            Some(loaded) => loaded,
            slot => {
                let overrides = Overrides {
                    profile: self.args.profile.clone(),
                    ..Default::default()
                };
                let resolved = config::resolve(self.sys, &overrides)?;
                slot.insert((resolved.credentials, SharedFiles::load(self.sys)?))
            }
        };
        if let Some(c) = selected {
            if c.access_key_id == access_key_id {
                return Ok(c.secret_access_key.clone());
            }
            if let Some(profile) = &self.args.profile {
                return Err(Error::InvalidConfig(format!(
                    "profile {profile} has access key {}, but the URL was signed with {access_key_id} (pick the profile that has it)",
                    c.access_key_id
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
        Err(Error::InvalidConfig(format!(
            "no credentials for access key {access_key_id} (add it to a profile, pass --profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
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

fn pairs_json(pairs: &[(String, String)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

fn to_json(ins: &Inspected, now: OffsetDateTime) -> Value {
    let expires_at = ins.expires_at();
    let mut doc = json!({
        "url": ins.url,
        "endpoint": ins.endpoint,
        "addressing": addressing_name(ins.addressing),
        "bucket": ins.bucket,
        "key": ins.key,
        "version_id": ins.version_id,
        "response_overrides": pairs_json(&ins.overrides),
        "other_parameters": pairs_json(&ins.params),
        "access_key_id": ins.access_key_id(),
        "expires_at": rfc3339(expires_at),
        "seconds_left": (expires_at - now).whole_seconds(),
        "expired": now >= expires_at,
        "beyond_s3_limit": ins.beyond_s3_limit(),
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
            doc["scope"] = json!({ "date": date, "region": region, "service": service });
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
    let mut rows: Vec<(&str, String)> = Vec::new();
    let expires_at = ins.expires_at();
    rows.push(("endpoint", ins.endpoint.clone()));
    rows.push(("addressing", addressing_name(ins.addressing).to_owned()));
    rows.push((
        "bucket",
        ins.bucket.clone().unwrap_or_else(|| "-".to_owned()),
    ));
    rows.push((
        "key",
        if ins.key.is_empty() {
            "-".to_owned()
        } else {
            ins.key.clone()
        },
    ));
    if let Some(version) = &ins.version_id {
        rows.push(("version id", version.clone()));
    }
    for (k, val) in &ins.overrides {
        rows.push(("override", format!("{k}={val}")));
    }
    for (k, val) in &ins.params {
        rows.push(("parameter", format!("{k}={val}")));
    }
    rows.push(("access key id", ins.access_key_id().to_owned()));
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
            rows.push(("scope", format!("{date} / {region} / {service}")));
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
    if let Some(v) = v {
        let verdict = if v.valid() {
            format!("valid for {}", method.as_str())
        } else if v.signature_ok {
            format!(
                "signature matches for {}, but the URL has expired",
                method.as_str()
            )
        } else {
            format!("INVALID for {}", method.as_str())
        };
        rows.push(("verification", verdict));
        for cause in &v.causes {
            rows.push(("likely cause", cause.clone()));
        }
    }
    let mut text = String::new();
    for (name, value) in rows {
        text.push_str(&format!("{:<15} {value}\n", format!("{name}:")));
    }
    if let Some(v) = v.filter(|v| !v.signature_ok) {
        if !v.canonical_request.is_empty() {
            text.push_str("canonical request (as computed here):\n");
            text.push_str(&v.canonical_request);
            text.push('\n');
        }
        text.push_str("string to sign (as computed here):\n");
        text.push_str(&v.string_to_sign);
        text.push('\n');
    }
    text
}
