//! Where a request for a bucket goes: the part of the S3 endpoint rule set
//! that AWS CLI v2 follows for presigned URLs (botocore `data/s3/2006-03-01/endpoint-rule-set-1.json`).
//!
//! Inputs are the configured region, an optional custom endpoint, the
//! addressing style and the accelerate / dual-stack / FIPS switches. The
//! output is a [`Target`]: the scheme and authority printed in the URL, the
//! path the key is appended to, the `Host` value that is signed and the
//! [`AuthScheme`] the endpoint is signed with (the rule set's
//! `authSchemes`): SigV4 with its region for buckets and access points,
//! SigV4A for multi-region access points and S3 on Outposts, and SigV2
//! where the configuration asks for it. The signer dispatches on it.
//!
//! Rules worth knowing: with no region the global `s3.amazonaws.com` is used
//! and the scope says `us-east-1`; a custom endpoint means path style unless
//! `addressing_style = virtual`; buckets that cannot be a DNS label (dots,
//! upper case, underscores, under 3 characters, IPv4-like) always go path
//! style; dual-stack and FIPS are ignored with a custom endpoint.

pub(crate) mod partition;
pub(crate) mod url;

use crate::error::{Error, Result, RulesFix};
use crate::sign::{AuthScheme, SERVICE, SERVICE_OUTPOSTS, SERVICE_S3EXPRESS};
use crate::uri::{AccessPoint, BucketRef, OutpostAccessPoint};

/// `s3 = addressing_style = ...` of the profile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AddressingStyle {
    /// Virtual-hosted when the bucket allows it (the default).
    #[default]
    Auto,
    /// Always `bucket.host`.
    Virtual,
    /// Always `host/bucket`.
    Path,
}

impl AddressingStyle {
    /// The config value that selects this style.
    pub fn name(self) -> &'static str {
        match self {
            AddressingStyle::Auto => "auto",
            AddressingStyle::Virtual => "virtual",
            AddressingStyle::Path => "path",
        }
    }

    /// Parses the config value; anything else is the error AWS CLI gives.
    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "auto" => Ok(AddressingStyle::Auto),
            "virtual" => Ok(AddressingStyle::Virtual),
            "path" => Ok(AddressingStyle::Path),
            other => Err(Error::InvalidConfig(format!(
                "S3 addressing style {other} is invalid (set s3 addressing_style to auto, virtual or path)"
            ))),
        }
    }
}

/// A custom endpoint, checked and split once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomEndpoint {
    /// The text as configured.
    pub text: String,
    scheme: String,
    authority: String,
    path: String,
    normalized_path: String,
    is_ip: bool,
    is_accelerate: bool,
}

impl CustomEndpoint {
    /// Checks `text` as botocore does (`parseURL` of the rule set, then the
    /// endpoint host check).
    pub fn parse(text: &str) -> Result<Self> {
        let not_valid = || {
            Error::InvalidEndpoint(format!(
                "custom endpoint `{}` was not a valid URI (use http://HOST[:PORT][/PATH] or https://...)",
                text.escape_debug()
            ))
        };
        if text.chars().any(|c| c.is_control()) {
            return Err(not_valid());
        }
        let split = url::split(text).map_err(|_| not_valid())?;
        if !matches!(split.scheme.as_str(), "http" | "https") || !split.query.is_empty() {
            return Err(not_valid());
        }
        // AWS CLI silently drops a fragment; a URL that quietly differs from
        // what was typed is a surprise, so presign refuses it.
        if split.fragment.is_some() {
            return Err(Error::InvalidEndpoint(format!(
                "endpoint URL `{}` has a #fragment, which S3 never sees (drop it)",
                text.escape_debug()
            )));
        }
        // AWS CLI accepts `https://user:pw@host`, but its virtual-hosted
        // URLs then put the bucket into the user info (`bucket.user:pw@host`,
        // the rule set's `{scheme}://{Bucket}.{authority}`), so the URL names
        // another host than the one signed; and every shared link would hand
        // out the password. S3 never reads user info: refuse it.
        if split.netloc.contains('@') {
            return Err(Error::InvalidEndpoint(format!(
                "endpoint URL `{}` carries user info (user:password@), which S3 never reads and every presigned URL would give away (drop it; credentials come from the profile)",
                redact_userinfo(text).escape_debug()
            )));
        }
        if split.port().is_err() {
            return Err(not_valid());
        }
        let hostname = split.hostname().unwrap_or_default();
        let host_ok = if split.is_ipv6() {
            url::is_ipv6_address(&hostname)
        } else {
            url::is_valid_hostname(&hostname)
        };
        if !host_ok {
            return Err(Error::InvalidEndpoint(format!(
                "invalid endpoint: {} (the host must be a DNS name or an IP address)",
                text.escape_debug()
            )));
        }
        let mut normalized_path = String::new();
        crate::sign::encode::push_quoted_path(
            &mut normalized_path,
            &remove_dot_segments(split.path),
        );
        if !normalized_path.ends_with('/') {
            normalized_path.push('/');
        }
        Ok(CustomEndpoint {
            text: text.to_owned(),
            is_ip: url::is_ipv4(&hostname) || split.is_ipv6(),
            is_accelerate: is_accelerate_url(&split),
            scheme: split.scheme.clone(),
            authority: split.netloc.to_owned(),
            path: split.path.to_owned(),
            normalized_path,
        })
    }
}

/// `text` with the user info of its authority replaced by `***`, so that an
/// error message does not repeat a password.
fn redact_userinfo(text: &str) -> String {
    let (head, rest) = text.split_once("//").unwrap_or(("", text));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rsplit_once('@') {
        Some((_, host)) => format!("{head}//***@{host}{}", &rest[end..]),
        None => text.to_owned(),
    }
}

/// RFC 3986 dot-segment removal as botocore does it, which also folds `//`.
fn remove_dot_segments(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let first = if path.starts_with('/') { "/" } else { "" };
    let last = if path.ends_with('/') && !out.is_empty() {
        "/"
    } else {
        ""
    };
    format!("{first}{}{last}", out.join("/"))
}

/// botocore `is_s3_accelerate_url`.
fn is_accelerate_url(url: &url::SplitUrl) -> bool {
    if !url.netloc.ends_with("amazonaws.com") || !matches!(url.scheme.as_str(), "http" | "https") {
        return false;
    }
    let parts: Vec<&str> = url.netloc.split('.').collect();
    if parts[0] != "s3-accelerate" {
        return false;
    }
    let features = parts.get(1..parts.len().saturating_sub(2)).unwrap_or(&[]);
    let unique = features
        .iter()
        .enumerate()
        .all(|(i, f)| !features[..i].contains(f));
    unique && features.iter().all(|f| *f == "dualstack")
}

/// The endpoint settings of one run. Start from [`EndpointConfig::in_region`]
/// (or `default()`, no region) and change what differs with the `with_`
/// methods or the fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointConfig {
    /// The configured region (`None` when nothing set one).
    pub region: Option<String>,
    /// A custom endpoint (`--endpoint-url` or a configured one).
    pub custom: Option<CustomEndpoint>,
    /// The profile's `s3 = addressing_style` (`auto` unless set).
    pub addressing_style: AddressingStyle,
    /// Transfer Acceleration: the profile's `s3 = use_accelerate_endpoint`.
    pub accelerate: bool,
    /// Dual-stack (IPv6) endpoints: `s3 = use_dualstack_endpoint`,
    /// `AWS_USE_DUALSTACK_ENDPOINT` or the profile's `use_dualstack_endpoint`.
    pub dualstack: bool,
    /// FIPS endpoints: `AWS_USE_FIPS_ENDPOINT`, the profile's
    /// `use_fips_endpoint`, or a FIPS pseudo-region such as `fips-us-east-1`.
    pub fips: bool,
    /// Whether an access point ARN's region may differ from the client's.
    pub use_arn_region: bool,
    /// SigV2 URLs (`signature_version = s3`): buckets get
    /// [`AuthScheme::SigV2`] and the global `s3.amazonaws.com` endpoint for
    /// AWS regions, as botocore does (its SigV2 signature does not name a
    /// region); ARNs, which need SigV4 or SigV4A, are refused.
    pub sigv2: bool,
    /// `AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS` or the profile's
    /// `s3 = s3_disable_multiregion_access_points`: multi-region access
    /// point ARNs are refused.
    pub disable_multiregion_access_points: bool,
    /// AWS CLI v1's `us_east_1_regional_endpoint = regional`: us-east-1
    /// keeps its regional endpoint. Read for SigV2 URLs only (v2 ignores
    /// the setting).
    pub us_east_1_regional: bool,
    /// `AWS_S3_DISABLE_EXPRESS_SESSION_AUTH` or the profile's
    /// `s3_disable_express_session_auth` (the rule set's
    /// `DisableS3ExpressSessionAuth`): directory buckets are signed with the
    /// plain credentials as SigV4 for `s3express`, without CreateSession.
    pub disable_express_session_auth: bool,
}

/// Where requests for one bucket go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `scheme://authority`, exactly as it is printed.
    pub origin: String,
    /// The path the object key is appended to (`""`, `/bucket`, `/p/bucket`).
    pub base_path: String,
    /// The signed `Host` header value.
    pub host: String,
    /// How requests to this endpoint are signed.
    pub auth: AuthScheme,
    /// Whether the bucket is in the host name.
    pub virtual_hosted: bool,
    /// A custom endpoint was configured but the rules do not use it (a
    /// multi-region access point goes to its global host whatever the
    /// endpoint says, as in AWS CLI v2).
    pub ignored_endpoint: bool,
}

impl Target {
    fn new(
        origin: String,
        base_path: String,
        auth: AuthScheme,
        virtual_hosted: bool,
    ) -> Result<Self> {
        let host = signed_host(&origin)?;
        Ok(Target {
            origin,
            base_path,
            host,
            auth,
            virtual_hosted,
            ignored_endpoint: false,
        })
    }

    /// Whether URLs for this target are signed with an S3 Express session
    /// (the rule set's `sigv4-s3express`).
    pub fn s3express_session(&self) -> bool {
        matches!(self.auth, AuthScheme::SigV4S3Express { .. })
    }

    /// The region of a SigV4 credential scope (`None` for SigV4A and SigV2).
    pub fn signing_region(&self) -> Option<&str> {
        self.auth.signing_region()
    }

    /// Appends an already-encoded request path (`/` + key) to the base path,
    /// as botocore's `_urljoin` does.
    pub fn join_path(&self, out: &mut String, url_path: &str) {
        if url_path.is_empty() || url_path == "/" {
            out.push_str(if self.base_path.is_empty() {
                "/"
            } else {
                &self.base_path
            });
        } else if self.base_path.ends_with('/') && url_path.starts_with('/') {
            out.push_str(&self.base_path[..self.base_path.len() - 1]);
            out.push_str(url_path);
        } else {
            out.push_str(&self.base_path);
            out.push_str(url_path);
        }
    }
}

/// The `Host` header botocore signs: the lower-cased host name (IPv6 in
/// brackets) and the port when it is not the scheme's default.
fn signed_host(origin: &str) -> Result<String> {
    let split = url::split(origin)
        .map_err(|_| Error::InvalidEndpoint(format!("invalid endpoint: {origin}")))?;
    let hostname = split.hostname().unwrap_or_default();
    let mut host = if split.is_ipv6() {
        format!("[{hostname}]")
    } else {
        hostname
    };
    let port = split
        .port()
        .map_err(|_| Error::InvalidEndpoint(format!("invalid endpoint: {origin}")))?;
    let default = match split.scheme.as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    };
    if let Some(port) = port.filter(|p| Some(*p) != default) {
        host.push(':');
        host.push_str(&port.to_string());
    }
    Ok(host)
}

/// botocore's `aws.isVirtualHostableS3Bucket` (v2: every label of a dotted
/// name must itself pass, so each is at least 3 characters).
fn virtual_hostable(bucket: &str, allow_subdomains: bool) -> bool {
    if bucket.len() < 3 || bucket.to_lowercase() != bucket || url::is_ipv4(bucket) {
        return false;
    }
    if allow_subdomains {
        return bucket
            .split('.')
            .all(|label| virtual_hostable(label, false));
    }
    url::is_host_label(bucket)
}

impl EndpointConfig {
    /// AWS's S3 endpoints of `region`, with every other setting at its
    /// default (virtual-hosted where the bucket allows it, no dual-stack,
    /// FIPS or acceleration).
    pub fn in_region(region: impl Into<String>) -> Self {
        EndpointConfig {
            region: Some(region.into()),
            ..EndpointConfig::default()
        }
    }

    /// Sends every request to `endpoint` (an S3-compatible service, or a
    /// proxy) instead of AWS's hosts, as `--endpoint-url` does.
    pub fn with_custom(mut self, endpoint: CustomEndpoint) -> Self {
        self.custom = Some(endpoint);
        self
    }

    /// Path-style or virtual-hosted URLs (`s3 = addressing_style`).
    pub fn with_addressing_style(mut self, style: AddressingStyle) -> Self {
        self.addressing_style = style;
        self
    }

    /// Transfer Acceleration endpoints (`s3-accelerate`).
    pub fn with_accelerate(mut self, on: bool) -> Self {
        self.accelerate = on;
        self
    }

    /// Dual-stack (IPv6) endpoints.
    pub fn with_dualstack(mut self, on: bool) -> Self {
        self.dualstack = on;
        self
    }

    /// FIPS endpoints.
    pub fn with_fips(mut self, on: bool) -> Self {
        self.fips = on;
        self
    }

    /// Lets an access point ARN's region differ from the configured one.
    pub fn with_use_arn_region(mut self, on: bool) -> Self {
        self.use_arn_region = on;
        self
    }

    /// The region of the credential scope for a bucket request.
    fn signing_region(&self) -> &str {
        match (self.region.as_deref(), &self.custom) {
            (None, _) => "us-east-1",
            (Some("aws-global"), None) => "us-east-1",
            (Some(region), _) => region,
        }
    }

    /// The rule set's `Region`: the configured region, or `aws-global`
    /// when none is (botocore's legacy resolver gives S3 that pseudo-region).
    fn rule_region(&self) -> &str {
        self.region.as_deref().unwrap_or("aws-global")
    }

    /// Where requests for `bucket` go, and how they are signed.
    pub fn target(&self, bucket: &BucketRef) -> Result<Target> {
        if self.dualstack
            && let Some(region) = self.region.as_deref()
            && !partition::legacy_of(region).models_s3_dualstack
        {
            return Err(rules(
                "Unable to construct a modeled endpoint with the following variant(s) ['dualstack']",
                &format!(
                    "AWS has no dual-stack S3 endpoint in partition {}: unset use_dualstack_endpoint / AWS_USE_DUALSTACK_ENDPOINT",
                    partition::legacy_of(region).name
                ),
            ));
        }
        self.client_checks()?;
        let target = match bucket {
            BucketRef::Name(name) => return self.bucket_target(name),
            BucketRef::AccessPoint(ap) if ap.region.is_empty() => self.mrap_target(ap)?,
            BucketRef::AccessPoint(ap) => self.access_point_target(ap)?,
            BucketRef::OutpostAccessPoint(op) => self.outpost_target(op)?,
        };
        if self.sigv2 {
            let needs = match target.auth {
                AuthScheme::SigV4A { .. } => {
                    "multi-region and Outposts access points need SigV4A, which S3 requires for them"
                }
                _ => "access points need SigV4, which S3 requires for them",
            };
            return Err(Error::NeedsSigV4 { needs });
        }
        Ok(target)
    }

    /// The rule set's first checks, which hold for every bucket kind. A
    /// custom endpoint turns FIPS and dual-stack off before the rules run
    /// (botocore `compute_endpoint_resolver_builtin_defaults`).
    fn client_checks(&self) -> Result<()> {
        let fips = self.fips && self.custom.is_none();
        if self.accelerate && fips {
            return Err(rules(
                "Accelerate cannot be used with FIPS",
                "turn one off: s3 use_accelerate_endpoint in the profile, or use_fips_endpoint / AWS_USE_FIPS_ENDPOINT",
            ));
        }
        if self.custom.is_some() && self.accelerate {
            return Err(rules_fix(
                "A custom endpoint cannot be combined with S3 Accelerate",
                RulesFix::EndpointOrAccelerate,
            ));
        }
        if fips && !partition::of(self.rule_region()).supports_fips {
            return Err(rules(
                "Partition does not support FIPS",
                "unset use_fips_endpoint / AWS_USE_FIPS_ENDPOINT for this region",
            ));
        }
        Ok(())
    }

    fn bucket_target(&self, bucket: &str) -> Result<Target> {
        if let Some(suffix) = directory_bucket_suffix(bucket) {
            return self.directory_bucket_target(bucket, suffix);
        }
        let custom = self.custom.as_ref();
        let accelerate = self.accelerate;
        let fips = self.fips && custom.is_none();
        let dualstack = self.dualstack && custom.is_none();
        let force_path = if accelerate {
            false
        } else if custom.is_some_and(|c| !c.is_accelerate) {
            self.addressing_style != AddressingStyle::Virtual
        } else {
            self.addressing_style == AddressingStyle::Path
        };
        let mut region = match self.region.as_deref() {
            None | Some("aws-global") => "aws-global",
            Some(r) => r,
        };
        if dualstack && region == "aws-global" && self.region.as_deref() != Some("aws-global") {
            region = "us-east-1";
        }
        // botocore (v1) for SigV2: us-east-1 is global unless configured
        // regional (`_should_force_s3_global`); presigning moves every other
        // AWS region to the global endpoint too, unless addressing is virtual
        // or path-style is needed (`_should_use_global_endpoint` and the
        // handler `customize_endpoint_resolver_builtins`).
        if self.sigv2
            && custom.is_none()
            && !dualstack
            && !fips
            && partition::legacy_of(region).name == "aws"
            && !(self.us_east_1_regional && region == "us-east-1")
            && (region == "us-east-1"
                || (self.addressing_style != AddressingStyle::Virtual
                    && url::is_host_label(bucket)
                    && !force_path))
        {
            region = "aws-global";
        }
        let partition = partition::of(region);
        let dns = partition.dns_suffix;
        let reg = if region == "aws-global" {
            "us-east-1"
        } else {
            region
        };
        let signing = if self.sigv2 {
            AuthScheme::SigV2
        } else {
            AuthScheme::s3(self.signing_region())
        };

        if custom.is_none() && !url::is_host_label(region) {
            return Err(Error::InvalidRegion(format!(
                "invalid region '{}': a region is a DNS label such as eu-west-2",
                region.escape_debug()
            )));
        }

        if !force_path && virtual_hostable(bucket, false) {
            if accelerate && partition.name == "aws-cn" {
                return Err(rules(
                    "S3 Accelerate cannot be used in this region",
                    "the aws-cn partition has no S3 Accelerate: drop s3 use_accelerate_endpoint from the profile",
                ));
            }
            let origin = match custom {
                Some(c) if c.is_ip => {
                    return Target::new(
                        format!("{}://{}", c.scheme, c.authority),
                        format!("{}{bucket}", c.normalized_path),
                        signing,
                        false,
                    );
                }
                Some(c) => {
                    return Target::new(
                        format!("{}://{bucket}.{}", c.scheme, c.authority),
                        c.path.clone(),
                        signing,
                        true,
                    );
                }
                None if dualstack && fips => {
                    format!("https://{bucket}.s3-fips.dualstack.{reg}.{dns}")
                }
                None if fips => format!("https://{bucket}.s3-fips.{reg}.{dns}"),
                None if dualstack && accelerate => {
                    if region == "aws-global" {
                        format!("https://{bucket}.s3-accelerate.dualstack.us-east-1.{dns}")
                    } else {
                        format!("https://{bucket}.s3-accelerate.dualstack.{dns}")
                    }
                }
                None if dualstack => format!("https://{bucket}.s3.dualstack.{reg}.{dns}"),
                None if accelerate => format!("https://{bucket}.s3-accelerate.{dns}"),
                None if region == "aws-global" => format!("https://{bucket}.s3.{dns}"),
                None => format!("https://{bucket}.s3.{region}.{dns}"),
            };
            return Target::new(origin, String::new(), signing, true);
        }

        // (Not on an IPv6 literal: `bucket.[::1]` is no host name.)
        if let Some(c) = custom
            && c.scheme == "http"
            && !c.authority.contains('[')
            && !force_path
            && !fips
            && !dualstack
            && !accelerate
            && virtual_hostable(bucket, true)
        {
            return Target::new(
                format!("{}://{bucket}.{}", c.scheme, c.authority),
                c.path.clone(),
                signing,
                true,
            );
        }
        if accelerate {
            return Err(rules(
                "Path-style addressing cannot be used with S3 Accelerate",
                "Accelerate needs a DNS-compatible bucket name and virtual addressing: drop s3 use_accelerate_endpoint, or addressing_style = path",
            ));
        }
        let path = format!("/{bucket}");
        let origin = match custom {
            Some(c) => {
                return Target::new(
                    format!("{}://{}", c.scheme, c.authority),
                    format!("{}{bucket}", c.normalized_path),
                    signing,
                    false,
                );
            }
            None if dualstack && fips => format!("https://s3-fips.dualstack.{reg}.{dns}"),
            None if fips => format!("https://s3-fips.{reg}.{dns}"),
            None if dualstack => format!("https://s3.dualstack.{reg}.{dns}"),
            None if region == "aws-global" => format!("https://s3.{dns}"),
            None => format!("https://s3.{region}.{dns}"),
        };
        Target::new(origin, path, signing, false)
    }

    /// A directory bucket (S3 Express One Zone): `NAME--AZID--x-s3`, or
    /// `NAME--AZID--xa-s3` (an access point of one). The rule set sends it
    /// to its zonal endpoint `BUCKET.s3express[-fips]-AZID[.dualstack].REGION.DNS`
    /// (virtual-hosted only), or with a custom endpoint to `BUCKET.AUTHORITY`,
    /// path-style `AUTHORITY/BUCKET` for an IP address; it is signed for
    /// `s3express` in the client's region, with an S3 Express session
    /// ([`AuthScheme::SigV4S3Express`]) unless session auth is disabled.
    /// Addressing style is not read.
    fn directory_bucket_target(&self, bucket: &str, suffix: usize) -> Result<Target> {
        if self.sigv2 {
            return Err(Error::NeedsSigV4 {
                needs: "directory buckets (S3 Express One Zone) take SigV4 only",
            });
        }
        if self.accelerate {
            return Err(rules(
                "S3Express does not support S3 Accelerate.",
                "drop s3 use_accelerate_endpoint from the profile for directory buckets",
            ));
        }
        let region = self.rule_region();
        let auth = if self.disable_express_session_auth {
            AuthScheme::SigV4 {
                signing_name: SERVICE_S3EXPRESS,
                region: region.to_owned(),
            }
        } else {
            AuthScheme::SigV4S3Express {
                region: region.to_owned(),
            }
        };
        let not_hostable = || {
            rules(
                "S3Express bucket name is not a valid virtual hostable name.",
                "a directory bucket name is lower-case letters, digits and `-`, 3 to 63 characters",
            )
        };
        if let Some(c) = &self.custom {
            if c.is_ip {
                let mut base = String::from("/");
                crate::sign::encode::push_query(&mut base, bucket);
                base.push_str(&c.path);
                return Target::new(format!("{}://{}", c.scheme, c.authority), base, auth, false);
            }
            if !virtual_hostable(bucket, false) {
                return Err(not_hostable());
            }
            return Target::new(
                format!("{}://{bucket}.{}", c.scheme, c.authority),
                c.path.clone(),
                auth,
                true,
            );
        }
        if !virtual_hostable(bucket, false) {
            return Err(not_hostable());
        }
        if !url::is_host_label(region) {
            return Err(Error::InvalidRegion(format!(
                "invalid region '{}': a region is a DNS label such as eu-west-2",
                region.escape_debug()
            )));
        }
        let Some(zone) = availability_zone(bucket, suffix) else {
            return Err(rules(
                "Unrecognized S3Express bucket name format.",
                "a directory bucket is named NAME--AZID--x-s3, such as mybucket--usw2-az1--x-s3",
            ));
        };
        let dns = partition::of(region).dns_suffix;
        let fips = if self.fips { "-fips" } else { "" };
        let dualstack = if self.dualstack { ".dualstack" } else { "" };
        Target::new(
            format!("https://{bucket}.s3express{fips}-{zone}{dualstack}.{region}.{dns}"),
            String::new(),
            auth,
            true,
        )
    }

    fn access_point_target(&self, ap: &AccessPoint) -> Result<Target> {
        if self.accelerate {
            return Err(rules(
                "Access Points do not support S3 Accelerate",
                "drop s3 use_accelerate_endpoint from the profile",
            ));
        }
        let client_region = match self.region.as_deref() {
            None | Some("aws-global") => "us-east-1",
            Some(r) => r,
        };
        let Some(arn_partition) = partition::named(ap.partition) else {
            return Err(rules(
                &format!("Invalid ARN: unknown partition `{}`", ap.partition),
                "check the ARN: arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME",
            ));
        };
        if !url::is_host_label(ap.region) {
            return Err(rules(
                &format!("Invalid ARN: invalid region in ARN: `{}`", ap.region),
                "check the ARN: arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME",
            ));
        }
        if !url::is_host_label(ap.name) {
            return Err(rules(
                &format!(
                    "Invalid ARN: the access point name may only contain a-z, A-Z, 0-9 and `-`: `{}`",
                    ap.name
                ),
                "check the ARN",
            ));
        }
        let client_partition = partition::of(client_region);
        if client_partition.name != arn_partition.name {
            return Err(rules_fix(
                &format!(
                    "Client was configured for partition `{}` but ARN (`{}`) has `{}`",
                    client_partition.name, ap.arn, ap.partition
                ),
                RulesFix::RegionInArnPartition,
            ));
        }
        if !self.use_arn_region && ap.region != client_region {
            return Err(rules_fix(
                &format!(
                    "Invalid configuration: region from ARN `{}` does not match client region `{}` and UseArnRegion is `false`",
                    ap.region,
                    client_region.escape_debug()
                ),
                RulesFix::RegionOfArn {
                    region: ap.region.to_string(),
                },
            ));
        }
        if self.fips && self.custom.is_none() && !arn_partition.supports_fips {
            return Err(rules(
                "Partition does not support FIPS",
                "unset use_fips_endpoint / AWS_USE_FIPS_ENDPOINT for this ARN",
            ));
        }
        let label = format!("{}-{}", ap.name, ap.account);
        if let Some(c) = &self.custom {
            return Target::new(
                format!("{}://{label}.{}", c.scheme, c.authority),
                c.path.clone(),
                AuthScheme::s3(ap.region),
                true,
            );
        }
        let fips = if self.fips { "-fips" } else { "" };
        let dualstack = if self.dualstack { ".dualstack" } else { "" };
        Target::new(
            format!(
                "https://{label}.s3-accesspoint{fips}{dualstack}.{}.{}",
                ap.region, arn_partition.dns_suffix
            ),
            String::new(),
            AuthScheme::s3(ap.region),
            true,
        )
    }

    /// A multi-region access point: `arn:PARTITION:s3::ACCOUNT:accesspoint/ALIAS`
    /// (no region), signed with SigV4A for every region (`*`). The rule set
    /// has no custom-endpoint form for it: the global host is used whatever
    /// the endpoint says, and with it dual-stack and FIPS are off.
    fn mrap_target(&self, ap: &AccessPoint) -> Result<Target> {
        if !ap.name.split('.').all(url::is_host_label) {
            return Err(rules(
                &format!("Invalid Access Point Name `{}`", ap.name),
                "a multi-region access point alias is labels of letters, digits and `-`, joined by dots, such as mfzwi23gnjvgw.mrap",
            ));
        }
        let custom = self.custom.is_some();
        if self.dualstack && !custom {
            return Err(rules(
                "S3 MRAP does not support dual-stack",
                "unset use_dualstack_endpoint / AWS_USE_DUALSTACK_ENDPOINT for multi-region access points",
            ));
        }
        if self.fips && !custom {
            return Err(rules(
                "S3 MRAP does not support FIPS",
                "unset use_fips_endpoint / AWS_USE_FIPS_ENDPOINT for multi-region access points",
            ));
        }
        if self.accelerate {
            return Err(rules(
                "S3 MRAP does not support S3 Accelerate",
                "drop s3 use_accelerate_endpoint from the profile",
            ));
        }
        if self.disable_multiregion_access_points {
            return Err(rules(
                "Invalid configuration: Multi-Region Access Point ARNs are disabled.",
                "unset AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS or the profile's s3 s3_disable_multiregion_access_points",
            ));
        }
        let client = partition::of(self.rule_region());
        if client.name != ap.partition {
            return Err(rules_fix(
                &format!(
                    "Client was configured for partition `{}` but bucket referred to partition `{}`",
                    client.name, ap.partition
                ),
                RulesFix::RegionInArnPartition,
            ));
        }
        let mut target = Target::new(
            format!(
                "https://{}.accesspoint.s3-global.{}",
                ap.name, client.dns_suffix
            ),
            String::new(),
            AuthScheme::SigV4A {
                signing_name: SERVICE,
                region_set: "*".to_owned(),
            },
            true,
        )?;
        target.ignored_endpoint = custom;
        Ok(target)
    }

    /// An S3 on Outposts access point:
    /// `arn:PARTITION:s3-outposts:REGION:ACCOUNT:outpost/ID/accesspoint/NAME`,
    /// signed with SigV4A for every region (`*`, the rule set's first auth
    /// scheme, which AWS CLI v2 picks) under the name `s3-outposts`.
    fn outpost_target(&self, op: &OutpostAccessPoint) -> Result<Target> {
        let custom = self.custom.as_ref();
        if self.dualstack && custom.is_none() {
            return Err(rules(
                "S3 Outposts does not support Dual-stack",
                "unset use_dualstack_endpoint / AWS_USE_DUALSTACK_ENDPOINT for Outposts access points",
            ));
        }
        if self.fips && custom.is_none() {
            return Err(rules(
                "S3 Outposts does not support FIPS",
                "unset use_fips_endpoint / AWS_USE_FIPS_ENDPOINT for Outposts access points",
            ));
        }
        if self.accelerate {
            return Err(rules(
                "S3 Outposts does not support S3 Accelerate",
                "drop s3 use_accelerate_endpoint from the profile",
            ));
        }
        if !url::is_host_label(op.outpost_id) {
            return Err(Error::ParamValidation(format!(
                "Invalid ARN: The outpost Id may only contain a-z, A-Z, 0-9 and `-`. Found: `{}` (it may not start or end with `-`)",
                op.outpost_id
            )));
        }
        let client_region = self.rule_region();
        if !self.use_arn_region && op.region != client_region {
            return Err(rules_fix(
                &format!(
                    "Invalid configuration: region from ARN `{}` does not match client region `{}` and UseArnRegion is `false`",
                    op.region,
                    client_region.escape_debug()
                ),
                RulesFix::RegionOfArn {
                    region: op.region.to_string(),
                },
            ));
        }
        let arn_partition = partition::of(op.region);
        let client_partition = partition::of(client_region);
        if arn_partition.name != client_partition.name {
            return Err(rules_fix(
                &format!(
                    "Client was configured for partition `{}` but ARN (`{}`) has `{}`",
                    client_partition.name, op.arn, arn_partition.name
                ),
                RulesFix::RegionInArnPartition,
            ));
        }
        if !url::is_host_label(op.region) {
            return Err(rules(
                &format!("Invalid region in ARN: `{}` (invalid DNS name)", op.region),
                "check the ARN: arn:aws:s3-outposts:REGION:ACCOUNT:outpost/ID/accesspoint/NAME",
            ));
        }
        if !url::is_host_label(op.name) {
            return Err(Error::ParamValidation(format!(
                "Invalid ARN: The access point name may only contain a-z, A-Z, 0-9 and `-`. Found: `{}` (it may not start or end with `-`)",
                op.name
            )));
        }
        let label = format!("{}-{}.{}", op.name, op.account, op.outpost_id);
        // With a custom endpoint the rule set keeps only its authority:
        // https, no path.
        let origin = match custom {
            Some(c) => format!("https://{label}.{}", c.authority),
            None => format!(
                "https://{label}.s3-outposts.{}.{}",
                op.region, arn_partition.dns_suffix
            ),
        };
        Target::new(
            origin,
            String::new(),
            AuthScheme::SigV4A {
                signing_name: SERVICE_OUTPOSTS,
                region_set: "*".to_owned(),
            },
            true,
        )
    }
}

/// The length of a directory bucket's suffix: `--x-s3` (6) or `--xa-s3`
/// (7), as the rule set tests it (its `substring`, which takes ASCII only).
pub(crate) fn directory_bucket_suffix(bucket: &str) -> Option<usize> {
    if !bucket.is_ascii() {
        None
    } else if bucket.ends_with("--x-s3") {
        Some(6)
    } else if bucket.ends_with("--xa-s3") {
        Some(7)
    } else {
        None
    }
}

/// The Availability Zone id of a directory bucket: the rule set tries the
/// id lengths 8, 9, 13, 14 and 20 (`usw2-az1`, `use1-az10`, local zones
/// `usw2-lax1-az1` ...) in that order, each before the suffix and after `--`.
fn availability_zone(bucket: &str, suffix: usize) -> Option<&str> {
    let end = bucket.len().checked_sub(suffix)?;
    [8, 9, 13, 14, 20].into_iter().find_map(|len| {
        let start = end.checked_sub(len + 2)?;
        (&bucket[start..start + 2] == "--").then(|| &bucket[start + 2..end])
    })
}

/// A refusal of the S3 endpoint rules: their own words, so that they can be
/// looked up, then what to change.
fn rules(message: &str, fix: &str) -> Error {
    rules_fix(message, RulesFix::Settings(fix.to_owned()))
}

/// As [`rules`], with a fix the command line words its own way.
fn rules_fix(message: &str, fix: RulesFix) -> Error {
    Error::EndpointRules {
        rule: message.to_owned(),
        fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(region: Option<&str>) -> EndpointConfig {
        EndpointConfig {
            region: region.map(str::to_owned),
            use_arn_region: true,
            ..Default::default()
        }
    }

    fn url_of(cfg: &EndpointConfig, bucket: &str, key_path: &str) -> (String, String, String) {
        let t = cfg.target(&BucketRef::Name(bucket)).unwrap();
        let mut s = t.origin.clone();
        t.join_path(&mut s, key_path);
        let region = t.signing_region().unwrap_or_default().to_owned();
        (s, t.host, region)
    }

    #[test]
    fn aws_hosts_by_region() {
        let (u, h, r) = url_of(&config(None), "mybucket", "/k");
        assert_eq!(
            (u.as_str(), h.as_str(), r.as_str()),
            (
                "https://mybucket.s3.amazonaws.com/k",
                "mybucket.s3.amazonaws.com",
                "us-east-1"
            )
        );
        let (u, _, r) = url_of(&config(Some("eu-west-2")), "mybucket", "/k");
        assert_eq!(
            (u.as_str(), r.as_str()),
            ("https://mybucket.s3.eu-west-2.amazonaws.com/k", "eu-west-2")
        );
        let (u, _, _) = url_of(&config(Some("cn-north-1")), "mybucket", "/k");
        assert_eq!(u, "https://mybucket.s3.cn-north-1.amazonaws.com.cn/k");
        let (u, _, r) = url_of(&config(Some("aws-global")), "mybucket", "/k");
        assert_eq!(
            (u.as_str(), r.as_str()),
            ("https://mybucket.s3.amazonaws.com/k", "us-east-1")
        );
    }

    #[test]
    fn buckets_that_cannot_be_hosts_go_path_style() {
        for bucket in [
            "my.bucket",
            "MyBucket",
            "ab",
            "my_bucket",
            "-bucket",
            "192.168.1.1",
        ] {
            let (u, _, _) = url_of(&config(Some("eu-west-2")), bucket, "/k");
            assert_eq!(u, format!("https://s3.eu-west-2.amazonaws.com/{bucket}/k"));
        }
    }

    #[test]
    fn upper_case_region_is_kept_in_the_url_and_lowered_in_host() {
        let (u, h, r) = url_of(&config(Some("EU-WEST-2")), "mybucket", "/k");
        assert_eq!(u, "https://mybucket.s3.EU-WEST-2.amazonaws.com/k");
        assert_eq!(h, "mybucket.s3.eu-west-2.amazonaws.com");
        assert_eq!(r, "EU-WEST-2");
    }

    #[test]
    fn sigv2_uses_the_global_endpoint_in_aws_regions() {
        let mut c = config(Some("eu-west-2"));
        c.sigv2 = true;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "https://mybucket.s3.amazonaws.com/k"
        );
        assert_eq!(
            url_of(&c, "MyBucket", "/k").0,
            "https://s3.amazonaws.com/MyBucket/k"
        );
        assert_eq!(
            url_of(&c, "my.bucket", "/k").0,
            "https://s3.eu-west-2.amazonaws.com/my.bucket/k"
        );
        let mut c = config(Some("cn-north-1"));
        c.sigv2 = true;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "https://mybucket.s3.cn-north-1.amazonaws.com.cn/k"
        );
        // v1 places pseudo-regions by its legacy endpoint data: in aws.
        let mut c = config(Some("aws-cn-global"));
        c.sigv2 = true;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "https://mybucket.s3.amazonaws.com/k"
        );
    }

    #[test]
    fn sigv2_in_us_east_1_is_global_unless_configured_regional() {
        let mut c = config(Some("us-east-1"));
        c.sigv2 = true;
        for style in [AddressingStyle::Auto, AddressingStyle::Virtual] {
            c.addressing_style = style;
            assert_eq!(
                url_of(&c, "mybucket", "/k").0,
                "https://mybucket.s3.amazonaws.com/k"
            );
        }
        c.us_east_1_regional = true;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "https://mybucket.s3.us-east-1.amazonaws.com/k"
        );
        // Regional concerns us-east-1 alone.
        let mut c = config(Some("eu-west-2"));
        c.sigv2 = true;
        c.us_east_1_regional = true;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "https://mybucket.s3.amazonaws.com/k"
        );
        c.addressing_style = AddressingStyle::Virtual;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "https://mybucket.s3.eu-west-2.amazonaws.com/k"
        );
    }

    #[test]
    fn variants() {
        let mut c = config(Some("eu-west-2"));
        c.dualstack = true;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "https://mybucket.s3.dualstack.eu-west-2.amazonaws.com/k"
        );
        c.fips = true;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "https://mybucket.s3-fips.dualstack.eu-west-2.amazonaws.com/k"
        );
        let mut c = config(Some("eu-west-2"));
        c.accelerate = true;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "https://mybucket.s3-accelerate.amazonaws.com/k"
        );
        c.dualstack = true;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "https://mybucket.s3-accelerate.dualstack.amazonaws.com/k"
        );
        assert!(c.target(&BucketRef::Name("my.bucket")).is_err());
        let mut c = config(None);
        c.dualstack = true;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "https://mybucket.s3.dualstack.us-east-1.amazonaws.com/k"
        );
        let mut c = config(Some("cn-north-1"));
        c.fips = true;
        assert!(c.target(&BucketRef::Name("mybucket")).is_err());
    }

    #[test]
    fn dualstack_is_refused_where_the_endpoint_data_models_none() {
        for region in ["us-isof-south-1", "eu-isoe-west-1"] {
            for custom in [false, true] {
                let mut c = config(Some(region));
                c.dualstack = true;
                if custom {
                    c.custom = Some(CustomEndpoint::parse("http://localhost:9000").unwrap());
                }
                let err = c.target(&BucketRef::Name("mybucket")).unwrap_err();
                assert_eq!(err.exit_code(), crate::error::EXIT_OTHER, "{region}");
                assert!(
                    err.to_string().contains("variant(s) ['dualstack']"),
                    "{err}"
                );
                c.dualstack = false;
                assert!(c.target(&BucketRef::Name("mybucket")).is_ok(), "{region}");
            }
        }
        // aws-iso and aws-iso-b fall back to aws's endpoint data.
        let mut c = config(Some("us-iso-east-1"));
        c.dualstack = true;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "https://mybucket.s3.dualstack.us-iso-east-1.c2s.ic.gov/k"
        );
    }

    #[test]
    fn accelerate_is_refused_in_the_china_partition() {
        for dualstack in [false, true] {
            let mut c = config(Some("cn-north-1"));
            c.accelerate = true;
            c.dualstack = dualstack;
            let err = c.target(&BucketRef::Name("mybucket")).unwrap_err();
            assert_eq!(err.exit_code(), crate::error::EXIT_OTHER);
            assert!(
                err.to_string()
                    .contains("S3 Accelerate cannot be used in this region"),
                "{err}"
            );
        }
        let mut c = config(Some("cn-north-1"));
        c.dualstack = true;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "https://mybucket.s3.dualstack.cn-north-1.amazonaws.com.cn/k"
        );
    }

    #[test]
    fn custom_endpoints() {
        let mut c = config(Some("eu-west-2"));
        c.custom = Some(CustomEndpoint::parse("http://localhost:9000").unwrap());
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "http://localhost:9000/mybucket/k"
        );
        c.fips = true;
        c.dualstack = true;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "http://localhost:9000/mybucket/k"
        );
        c.addressing_style = AddressingStyle::Virtual;
        let (u, h, _) = url_of(&c, "mybucket", "/k");
        assert_eq!(
            (u.as_str(), h.as_str()),
            (
                "http://mybucket.localhost:9000/k",
                "mybucket.localhost:9000"
            )
        );
        // v2 checks each label of a dotted bucket: `my` is too short.
        assert_eq!(
            url_of(&c, "my.bucket", "/k").0,
            "http://localhost:9000/my.bucket/k"
        );
        assert_eq!(
            url_of(&c, "abc.bucket", "/k").0,
            "http://abc.bucket.localhost:9000/k"
        );
        c.custom = Some(CustomEndpoint::parse("http://127.0.0.1:9000").unwrap());
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "http://127.0.0.1:9000/mybucket/k"
        );
    }

    #[test]
    fn custom_endpoint_paths_and_ports() {
        let mut c = config(Some("eu-west-2"));
        c.custom = Some(CustomEndpoint::parse("https://Example.COM:443/prefix/").unwrap());
        let (u, h, _) = url_of(&c, "mybucket", "/k");
        assert_eq!(u, "https://Example.COM:443/prefix/mybucket/k");
        assert_eq!(h, "example.com");
        c.custom = Some(CustomEndpoint::parse("https://h.example:8443/a/./b//c").unwrap());
        let (u, h, _) = url_of(&c, "mybucket", "/k");
        assert_eq!(u, "https://h.example:8443/a/b/c/mybucket/k");
        assert_eq!(h, "h.example:8443");
        c.custom = Some(CustomEndpoint::parse("https://h.example/base/").unwrap());
        c.addressing_style = AddressingStyle::Virtual;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "https://mybucket.h.example/base/k"
        );
        c.custom = Some(CustomEndpoint::parse("https://s3-accelerate.amazonaws.com").unwrap());
        c.addressing_style = AddressingStyle::Auto;
        assert_eq!(
            url_of(&c, "mybucket", "/k").0,
            "https://mybucket.s3-accelerate.amazonaws.com/k"
        );
    }

    #[test]
    fn bad_custom_endpoints() {
        for bad in [
            "ftp://h",
            "http://h?x=1",
            "http://h:99999",
            "http://under_score.example",
            "localhost:9000",
            "http://",
            "http://h\n",
        ] {
            assert!(CustomEndpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn endpoints_with_user_info_are_refused_without_repeating_it() {
        for bad in [
            "https://u:secret@h.example:8443/a",
            "http://secret@h.example",
            "http://u:secret@[::1]:9000",
            "http://@h.example",
        ] {
            let err = CustomEndpoint::parse(bad).unwrap_err().to_string();
            assert!(err.contains("user info"), "{bad}: {err}");
            assert!(!err.contains("secret"), "{bad}: {err}");
        }
        assert_eq!(
            redact_userinfo("https://u:pw@h.example/p@th"),
            "https://***@h.example/p@th"
        );
    }

    #[test]
    fn directory_buckets_go_to_their_zonal_endpoint_signed_for_s3express() {
        let express = |region: &str| AuthScheme::SigV4S3Express {
            region: region.to_owned(),
        };
        let mut c = config(Some("us-west-2"));
        let cases = [
            (
                "b--usw2-az1--x-s3",
                "https://b--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com",
            ),
            (
                "b--use1-az10--x-s3",
                "https://b--use1-az10--x-s3.s3express-use1-az10.us-west-2.amazonaws.com",
            ),
            (
                "b--usw2-lax1-az1--x-s3",
                "https://b--usw2-lax1-az1--x-s3.s3express-usw2-lax1-az1.us-west-2.amazonaws.com",
            ),
            (
                "b--usw2-lax1-az10--x-s3",
                "https://b--usw2-lax1-az10--x-s3.s3express-usw2-lax1-az10.us-west-2.amazonaws.com",
            ),
            (
                "b--abcdefghijklmnopqrst--x-s3",
                "https://b--abcdefghijklmnopqrst--x-s3.s3express-abcdefghijklmnopqrst.us-west-2.amazonaws.com",
            ),
            (
                "ap--usw2-az1--xa-s3",
                "https://ap--usw2-az1--xa-s3.s3express-usw2-az1.us-west-2.amazonaws.com",
            ),
        ];
        for (bucket, origin) in cases {
            let t = c.target(&BucketRef::Name(bucket)).unwrap();
            assert_eq!(t.origin, origin);
            assert_eq!(t.base_path, "");
            assert_eq!(t.auth, express("us-west-2"));
            assert!(t.s3express_session());
            assert!(t.virtual_hosted);
        }
        // Addressing style is not read; FIPS and dual-stack name the host.
        c.addressing_style = AddressingStyle::Path;
        c.fips = true;
        c.dualstack = true;
        assert_eq!(
            c.target(&BucketRef::Name("b--usw2-az1--x-s3"))
                .unwrap()
                .origin,
            "https://b--usw2-az1--x-s3.s3express-fips-usw2-az1.dualstack.us-west-2.amazonaws.com"
        );
        let mut c = config(Some("cn-north-1"));
        c.dualstack = true;
        assert_eq!(
            c.target(&BucketRef::Name("b--cnn1-az1--x-s3"))
                .unwrap()
                .origin,
            "https://b--cnn1-az1--x-s3.s3express-cnn1-az1.dualstack.cn-north-1.amazonaws.com.cn"
        );
        // Session auth off: plain SigV4 for s3express, same host.
        let mut c = config(Some("us-west-2"));
        c.disable_express_session_auth = true;
        let t = c.target(&BucketRef::Name("b--usw2-az1--x-s3")).unwrap();
        assert_eq!(
            t.auth,
            AuthScheme::SigV4 {
                signing_name: SERVICE_S3EXPRESS,
                region: "us-west-2".to_owned()
            }
        );
        assert!(!t.s3express_session());
        assert_eq!(
            t.auth.query_scheme(),
            Some(crate::sign::QueryScheme::V4 {
                region: "us-west-2",
                service: SERVICE_S3EXPRESS
            })
        );
        // Not directory buckets: the suffix must be whole.
        for bucket in ["b--usw2-az1-x-s3", "b--usw2-az1--x-s3x", "x-s3"] {
            let t = config(Some("us-west-2"))
                .target(&BucketRef::Name(bucket))
                .unwrap();
            assert_eq!(t.auth, AuthScheme::s3("us-west-2"), "{bucket}");
            assert!(!t.s3express_session());
        }
    }

    #[test]
    fn directory_buckets_with_a_custom_endpoint_and_the_rule_sets_refusals() {
        let express = AuthScheme::SigV4S3Express {
            region: "us-west-2".to_owned(),
        };
        let mut c = config(Some("us-west-2"));
        c.custom = Some(CustomEndpoint::parse("http://127.0.0.1:18555").unwrap());
        let (u, h, _) = url_of(&c, "b--usw2-az1--x-s3", "/k");
        assert_eq!(u, "http://127.0.0.1:18555/b--usw2-az1--x-s3/k");
        assert_eq!(h, "127.0.0.1:18555");
        assert_eq!(
            c.target(&BucketRef::Name("b--usw2-az1--x-s3"))
                .unwrap()
                .auth,
            express
        );
        // The rule set puts an IP endpoint's path after the bucket.
        c.custom = Some(CustomEndpoint::parse("http://10.0.0.1/base").unwrap());
        assert_eq!(
            url_of(&c, "b--usw2-az1--x-s3", "/k").0,
            "http://10.0.0.1/b--usw2-az1--x-s3/base/k"
        );
        // A named host is virtual-hosted even with addressing_style = path.
        c.custom = Some(CustomEndpoint::parse("https://s3.example:8443/p").unwrap());
        c.addressing_style = AddressingStyle::Path;
        assert_eq!(
            url_of(&c, "b--usw2-az1--x-s3", "/k").0,
            "https://b--usw2-az1--x-s3.s3.example:8443/p/k"
        );
        let refusal = |c: &EndpointConfig, bucket: &str| {
            c.target(&BucketRef::Name(bucket)).unwrap_err().to_string()
        };
        assert!(refusal(&c, "B--usw2-az1--x-s3").contains("not a valid virtual hostable name"));
        let c = config(Some("us-west-2"));
        assert!(refusal(&c, "b.c--usw2-az1--x-s3").contains("not a valid virtual hostable name"));
        assert!(refusal(&c, "bucket--x-s3").contains("Unrecognized S3Express bucket name format."));
        assert!(refusal(&c, "b--az--x-s3").contains("Unrecognized S3Express bucket name format."));
        let mut accel = config(Some("us-west-2"));
        accel.accelerate = true;
        let err = accel
            .target(&BucketRef::Name("b--usw2-az1--x-s3"))
            .unwrap_err();
        assert_eq!(err.exit_code(), crate::error::EXIT_OTHER);
        assert!(
            err.to_string()
                .contains("S3Express does not support S3 Accelerate.")
        );
        let mut v2 = config(Some("us-west-2"));
        v2.sigv2 = true;
        let err = v2
            .target(&BucketRef::Name("b--usw2-az1--x-s3"))
            .unwrap_err();
        assert_eq!(err.exit_code(), crate::error::EXIT_USAGE);
    }

    #[test]
    fn access_points() {
        let ap = AccessPoint {
            arn: "arn:aws:s3:us-west-2:123456789012:accesspoint/myap",
            partition: "aws",
            region: "us-west-2",
            account: "123456789012",
            name: "myap",
        };
        let t = config(Some("eu-west-2"))
            .target(&BucketRef::AccessPoint(ap.clone()))
            .unwrap();
        assert_eq!(
            t.origin,
            "https://myap-123456789012.s3-accesspoint.us-west-2.amazonaws.com"
        );
        assert_eq!(t.signing_region(), Some("us-west-2"));
        let mut c = config(Some("eu-west-2"));
        c.use_arn_region = false;
        assert!(c.target(&BucketRef::AccessPoint(ap)).is_err());
    }
}
