//! Splitting an endpoint URL the way Python's `urllib.parse.urlsplit` does, so
//! that the printed URL keeps the endpoint exactly as typed (case, userinfo,
//! `:443`) while the signed `Host` is normalised (botocore `awsrequest` and the S3 endpoint rules,
//! §6.2). The `url` crate cannot serve here: it rewrites what it parses
//! (lower-cases the host, drops default ports), which AWS CLI does not; see
//! `tests/it/url_crate.rs`.

/// The parts of a URL, borrowed from the text (the scheme lower-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitUrl<'a> {
    /// The scheme, lower-cased, e.g. `https`; empty when there is none.
    pub scheme: String,
    /// What follows `//` up to the path, query or fragment:
    /// `[user@]host[:port]`, as typed; empty without `//`.
    pub netloc: &'a str,
    /// The path, as typed, from its `/` (may be empty).
    pub path: &'a str,
    /// The query, without its `?` (empty when there is none).
    pub query: &'a str,
    /// The fragment, without its `#`; `None` when there is no `#`.
    pub fragment: Option<&'a str>,
}

/// Why an endpoint cannot be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SplitError {
    /// The host has a `[` without a `]` (or the reverse), or text around the
    /// brackets other than userinfo before and `:PORT` after (Python's
    /// "Invalid IPv6 URL").
    UnbalancedBrackets,
}

/// The port is not a number from 0 to 65535.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadPort;

fn is_scheme_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')
}

/// `urlsplit(text)`; the caller has already refused control characters.
pub(crate) fn split(text: &str) -> Result<SplitUrl<'_>, SplitError> {
    let mut rest = text;
    let mut scheme = String::new();
    if let Some(colon) = rest.find(':') {
        let candidate = &rest[..colon];
        if colon > 0
            && candidate.starts_with(|c: char| c.is_ascii_alphabetic())
            && candidate.chars().all(is_scheme_char)
        {
            scheme = candidate.to_ascii_lowercase();
            rest = &rest[colon + 1..];
        }
    }
    let mut netloc = "";
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = &after[..end];
        rest = &after[end..];
        if netloc.contains('[') != netloc.contains(']') {
            return Err(SplitError::UnbalancedBrackets);
        }
        // Python 3.11's `_check_bracketed_netloc`: nothing before the `[`,
        // and after the first `]` only `:PORT` (`[::1]1]` is refused).
        let host_port = netloc.rsplit_once('@').map_or(netloc, |(_, hp)| hp);
        if let Some((before, bracketed)) = host_port.split_once('[') {
            let after = bracketed.split_once(']').map_or("", |(_, after)| after);
            if !before.is_empty() || (!after.is_empty() && !after.starts_with(':')) {
                return Err(SplitError::UnbalancedBrackets);
            }
        }
    }
    let mut fragment = None;
    if let Some((before, frag)) = rest.split_once('#') {
        rest = before;
        fragment = Some(frag);
    }
    let mut query = "";
    if let Some((before, q)) = rest.split_once('?') {
        rest = before;
        query = q;
    }
    Ok(SplitUrl {
        scheme,
        netloc,
        path: rest,
        query,
        fragment,
    })
}

impl<'a> SplitUrl<'a> {
    /// The netloc without userinfo.
    fn host_port(&self) -> &'a str {
        self.netloc
            .rsplit_once('@')
            .map_or(self.netloc, |(_, hp)| hp)
    }

    /// Python's `.hostname`: lower-cased, brackets removed, `None` if empty.
    pub(crate) fn hostname(&self) -> Option<String> {
        let hp = self.host_port();
        let host = if let Some(inner) = hp.strip_prefix('[') {
            inner.split_once(']').map_or(inner, |(h, _)| h)
        } else {
            hp.split_once(':').map_or(hp, |(h, _)| h)
        };
        (!host.is_empty()).then(|| host.to_lowercase())
    }

    /// The raw port text after the host, if any (`None` when absent or empty).
    fn port_text(&self) -> Option<&'a str> {
        let hp = self.host_port();
        let port = match hp.strip_prefix('[') {
            Some(inner) => inner
                .split_once(']')
                .and_then(|(_, rest)| rest.split_once(':'))
                .map(|(_, port)| port),
            None => hp.split_once(':').map(|(_, port)| port),
        };
        port.filter(|p| !p.is_empty())
    }

    /// Python's `.port`: `Ok(None)` without a port, `Err` when it is not a
    /// number from 0 to 65535.
    pub(crate) fn port(&self) -> Result<Option<u16>, BadPort> {
        match self.port_text() {
            None => Ok(None),
            Some(text) if text.bytes().all(|b| b.is_ascii_digit()) => {
                let n: u64 = text.parse().map_err(|_| BadPort)?;
                u16::try_from(n).map(Some).map_err(|_| BadPort)
            }
            Some(_) => Err(BadPort),
        }
    }

    /// Whether the host is an IPv6 literal (written in brackets).
    pub(crate) fn is_ipv6(&self) -> bool {
        self.host_port().starts_with('[')
    }
}

/// Whether `host` is a dotted-quad IPv4 address.
pub(crate) fn is_ipv4(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `host` is an IPv6 address (without brackets, with an optional
/// `%zone`).
pub(crate) fn is_ipv6_address(host: &str) -> bool {
    let addr = host.split_once('%').map_or(host, |(a, _)| a);
    addr.parse::<std::net::Ipv6Addr>().is_ok()
}

/// Whether `host` is a DNS name botocore accepts for an endpoint: labels of 1
/// to 63 letters, digits and hyphens, not starting or ending with a hyphen.
pub(crate) fn is_valid_hostname(host: &str) -> bool {
    if host.len() > 255 {
        return false;
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty() && host.split('.').all(is_host_label)
}

/// One DNS label: 1 to 63 of `[A-Za-z0-9-]`, no leading or trailing hyphen.
pub(crate) fn is_host_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_urlsplit() {
        let u = split("HTTPS://User:pw@MinIO.Example.COM:0443/Pre/fix?x#f").unwrap();
        assert_eq!(u.scheme, "https");
        assert_eq!(u.netloc, "User:pw@MinIO.Example.COM:0443");
        assert_eq!(u.path, "/Pre/fix");
        assert_eq!(u.query, "x");
        assert_eq!(u.fragment, Some("f"));
        assert_eq!(u.hostname().as_deref(), Some("minio.example.com"));
        assert_eq!(u.port(), Ok(Some(443)));
    }

    #[test]
    fn host_without_scheme_is_a_scheme() {
        let u = split("localhost:9000").unwrap();
        assert_eq!(u.scheme, "localhost");
        assert_eq!(u.netloc, "");
        let u = split("example.com").unwrap();
        assert_eq!(u.scheme, "");
        assert_eq!(u.hostname(), None);
    }

    #[test]
    fn ipv6_and_ports() {
        let u = split("http://[::1]:9000/").unwrap();
        assert_eq!(u.hostname().as_deref(), Some("::1"));
        assert_eq!(u.port(), Ok(Some(9000)));
        assert!(u.is_ipv6());
        assert_eq!(split("http://h:99999").unwrap().port(), Err(BadPort));
        assert_eq!(split("http://h:x").unwrap().port(), Err(BadPort));
        assert_eq!(split("http://h:").unwrap().port(), Ok(None));
        assert!(split("http://[::1/").is_err());
        assert!(split("http://[::1]x:9000/").is_err());
    }

    #[test]
    fn hostnames_and_addresses() {
        assert!(is_valid_hostname("oos.eu-west-2.outscale.com"));
        assert!(is_valid_hostname("hb.bizmrg.com."));
        assert!(!is_valid_hostname("under_score.example.com"));
        assert!(!is_valid_hostname("-x.example.com"));
        assert!(!is_valid_hostname("a..b"));
        assert!(is_ipv4("127.0.0.1"));
        assert!(!is_ipv4("127.0.0"));
        assert!(is_ipv6_address("::1"));
        assert!(is_ipv6_address("fe80::1%eth0"));
    }
}
