//! S3 URIs: `s3://BUCKET/KEY`, or `BUCKET/KEY` without the scheme, split as
//! AWS CLI's `find_bucket_key` does (`awscli/customizations/s3/utils.py`): at the first
//! `/`, except that an access point ARN (multi-region ones among them) or
//! an S3 on Outposts access point ARN is kept whole as the bucket. Bucket
//! names are checked against botocore's `VALID_BUCKET` and `VALID_S3_ARN`
//! patterns.

use crate::error::{Error, Result};

/// The prefix AWS CLI strips (lower case only: `S3://` is not stripped).
pub const SCHEME: &str = "s3://";

/// A parsed S3 URI. The key may be empty (`s3://bucket` or `s3://bucket/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Uri {
    /// The bucket: a name, or an access point ARN kept whole.
    pub bucket: String,
    /// The object key, as given (not percent-encoded); empty for a bucket.
    pub key: String,
}

/// What the bucket part names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BucketRef<'a> {
    /// A bucket by name.
    Name(&'a str),
    /// An S3 access point, by ARN; a multi-region access point when the
    /// region is empty.
    AccessPoint(AccessPoint<'a>),
    /// An S3 on Outposts access point, by ARN.
    OutpostAccessPoint(OutpostAccessPoint<'a>),
}

/// The parts of
/// `arn:PARTITION:s3-outposts:REGION:ACCOUNT:outpost/ID/accesspoint/NAME`
/// (`/` or `:` between the resource parts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutpostAccessPoint<'a> {
    /// The whole ARN, as given.
    pub arn: &'a str,
    /// The ARN's partition: `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: &'a str,
    /// The region of the Outpost, e.g. `us-west-2`.
    pub region: &'a str,
    /// The 12-digit AWS account id that owns the access point.
    pub account: &'a str,
    /// The Outpost id, e.g. `op-01ac5d28a6a232904`.
    pub outpost_id: &'a str,
    /// The access point name.
    pub name: &'a str,
}

/// The parts of `arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME`; the
/// region is empty for a multi-region access point, whose name is its alias
/// (`mfzwi23gnjvgw.mrap`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPoint<'a> {
    /// The whole ARN, as given.
    pub arn: &'a str,
    /// The ARN's partition: `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: &'a str,
    /// The access point's region; empty for a multi-region access point.
    pub region: &'a str,
    /// The 12-digit AWS account id that owns the access point.
    pub account: &'a str,
    /// The access point name, or a multi-region access point's alias.
    pub name: &'a str,
}

impl S3Uri {
    /// Splits `text` into bucket and key; never fails (validation is
    /// [`S3Uri::bucket_ref`] and [`S3Uri::require_key`]).
    pub fn parse(text: &str) -> S3Uri {
        let (bucket, key) = split(text);
        S3Uri {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        }
    }

    /// The key, or a usage error naming the URI when it is empty.
    pub fn require_key(&self) -> Result<&str> {
        require_key(&self.bucket, &self.key)?;
        Ok(&self.key)
    }

    /// Validates the bucket and says what it names.
    pub fn bucket_ref(&self) -> Result<BucketRef<'_>> {
        bucket_ref(&self.bucket)
    }
}

/// A usage error naming the URI when `key` is empty: only bucket requests
/// may leave it out.
pub fn require_key(bucket: &str, key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::InvalidUri(format!(
            "s3://{}/ names no object key (give s3://BUCKET/KEY)",
            bucket.escape_debug()
        )));
    }
    Ok(())
}

/// Splits `text` into bucket and key without copying (see [`S3Uri::parse`]).
pub fn split(text: &str) -> (&str, &str) {
    let path = text.strip_prefix(SCHEME).unwrap_or(text);
    if let Some(parts) = split_access_point(path) {
        return parts;
    }
    for kind in ["accesspoint", "bucket"] {
        if let Some(parts) = split_outpost_resource(path, kind) {
            return parts;
        }
    }
    path.split_once('/').unwrap_or((path, ""))
}

/// Validates a bucket name or access point ARN.
pub fn bucket_ref(bucket: &str) -> Result<BucketRef<'_>> {
    if bucket.starts_with("arn:") {
        if bucket.contains(":s3-object-lambda:") {
            return Err(Error::InvalidUri(
                "S3 Object Lambda access points are not supported (use the supporting access point or bucket)".to_owned(),
            ));
        }
        if let Some(op) = parse_outpost_access_point(bucket) {
            return Ok(BucketRef::OutpostAccessPoint(op));
        }
        if is_outpost_bucket_arn(bucket) {
            return Err(Error::InvalidUri(
                "s3 commands do not support Outpost Bucket ARNs (use an Outposts access point ARN: arn:aws:s3-outposts:REGION:ACCOUNT:outpost/ID/accesspoint/NAME)".to_owned(),
            ));
        }
        if let Some(ap) = parse_access_point(bucket) {
            return Ok(BucketRef::AccessPoint(ap));
        }
    }
    let valid = (1..=255).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if !valid {
        return Err(Error::InvalidUri(format!(
            "invalid bucket name \"{}\": a bucket name is 1 to 255 letters, digits, '.', '-' or '_', or an access point ARN",
            bucket.escape_debug()
        )));
    }
    Ok(BucketRef::Name(bucket))
}

/// `arn:aws...:s3:REGION:ACCOUNT:accesspoint[:/]NAME` followed by `/KEY` or
/// nothing: returns the ARN and the key.
fn split_access_point(path: &str) -> Option<(&str, &str)> {
    let ap = parse_access_point_prefix(path)?;
    let arn = &path[..ap];
    let rest = &path[ap..];
    Some((arn, rest.strip_prefix('/').unwrap_or(rest)))
}

/// The length of a leading access point ARN (its name runs to the next `/`).
fn parse_access_point_prefix(path: &str) -> Option<usize> {
    let mut fields = path.splitn(6, ':');
    let (arn, partition, service, region, account, resource) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    let ok = arn == "arn"
        && partition.starts_with("aws")
        && service == "s3"
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit());
    let name = resource
        .strip_prefix("accesspoint/")
        .or_else(|| resource.strip_prefix("accesspoint:"))?;
    let name_len = name.find('/').unwrap_or(name.len());
    (ok && name_len > 0).then(|| path.len() - name.len() + name_len)
}

fn parse_access_point(bucket: &str) -> Option<AccessPoint<'_>> {
    if parse_access_point_prefix(bucket)? != bucket.len() {
        return None;
    }
    let fields: Vec<&str> = bucket.splitn(6, ':').collect();
    let name = &fields[5]["accesspoint".len() + 1..];
    let name_ok = (1..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'));
    name_ok.then_some(AccessPoint {
        arn: bucket,
        partition: fields[1],
        region: fields[3],
        account: fields[4],
        name,
    })
}

/// The fields of `arn:aws...:s3-outposts:REGION:ACCOUNT:RESOURCE`, when
/// the partition starts with `aws`, the region is `[a-z0-9-]+` and the
/// account 12 digits (botocore's outposts patterns).
fn outpost_fields(path: &str) -> Option<(&str, &str, &str, &str)> {
    let mut fields = path.splitn(6, ':');
    let (arn, partition, service, region, account, resource) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    let ok = arn == "arn"
        && partition.starts_with("aws")
        && service == "s3-outposts"
        && !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit());
    ok.then_some((partition, region, account, resource))
}

/// `[a-zA-Z0-9-]`, the characters of an outpost id and access point name.
fn outpost_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// `outpost[/:]ID[/:]KIND[/:]` of an Outposts resource: the id and what
/// follows the kind's separator.
fn outpost_resource<'a>(resource: &'a str, kind: &str) -> Option<(&'a str, &'a str)> {
    let rest = resource.strip_prefix("outpost")?;
    let rest = rest.strip_prefix(['/', ':'])?;
    let id_len = rest.bytes().take_while(|b| outpost_name_byte(*b)).count();
    if !(1..=63).contains(&id_len) {
        return None;
    }
    let (id, rest) = rest.split_at(id_len);
    let rest = rest.strip_prefix(['/', ':'])?.strip_prefix(kind)?;
    Some((id, rest.strip_prefix(['/', ':'])?))
}

/// AWS CLI's `_S3_OUTPOST_TO_BUCKET_KEY_REGEX` (`kind` `accesspoint`) and
/// `_S3_OUTPOST_BUCKET_ARN_TO_BUCKET_KEY_REGEX` (`bucket`, which is split
/// so that the whole ARN is refused): the name is up to 63 of
/// `[a-zA-Z0-9-]`, then an optional `/` or `:` and the key.
fn split_outpost_resource<'a>(path: &'a str, kind: &str) -> Option<(&'a str, &'a str)> {
    let (_, _, _, resource) = outpost_fields(path)?;
    let (_, after) = outpost_resource(resource, kind)?;
    let name_len = after
        .bytes()
        .take_while(|b| outpost_name_byte(*b))
        .count()
        .min(63);
    if name_len == 0 {
        return None;
    }
    let end = path.len() - after.len() + name_len;
    let rest = &path[end..];
    Some((&path[..end], rest.strip_prefix(['/', ':']).unwrap_or(rest)))
}

/// botocore's `VALID_S3_ARN` for Outposts access points, read into parts.
fn parse_outpost_access_point(bucket: &str) -> Option<OutpostAccessPoint<'_>> {
    let (partition, region, account, resource) = outpost_fields(bucket)?;
    let (outpost_id, name) = outpost_resource(resource, "accesspoint")?;
    let name_ok = (1..=63).contains(&name.len()) && name.bytes().all(outpost_name_byte);
    name_ok.then_some(OutpostAccessPoint {
        arn: bucket,
        partition,
        region,
        account,
        outpost_id,
        name,
    })
}

/// AWS CLI's `_S3_OUTPOST_BUCKET_ARN_TO_BUCKET_KEY_REGEX`: an Outposts
/// bucket, which only S3 Control takes.
fn is_outpost_bucket_arn(bucket: &str) -> bool {
    outpost_fields(bucket).is_some_and(|(_, _, _, resource)| {
        outpost_resource(resource, "bucket")
            .is_some_and(|(_, name)| name.bytes().take_while(|b| outpost_name_byte(*b)).count() > 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> (String, String) {
        let u = S3Uri::parse(text);
        (u.bucket, u.key)
    }

    #[test]
    fn splits_at_the_first_slash() {
        assert_eq!(split("s3://b/k"), ("b".into(), "k".into()));
        assert_eq!(split("b/dir/k"), ("b".into(), "dir/k".into()));
        assert_eq!(split("s3://b//lead"), ("b".into(), "/lead".into()));
        assert_eq!(split("s3://b"), ("b".into(), "".into()));
        assert_eq!(split("s3://b/"), ("b".into(), "".into()));
        assert_eq!(split("S3://b/k"), ("S3:".into(), "/b/k".into()));
    }

    #[test]
    fn access_point_arns_stay_whole() {
        let u = S3Uri::parse("s3://arn:aws:s3:us-west-2:123456789012:accesspoint/myap/dir/key.txt");
        assert_eq!(
            u.bucket,
            "arn:aws:s3:us-west-2:123456789012:accesspoint/myap"
        );
        assert_eq!(u.key, "dir/key.txt");
        let BucketRef::AccessPoint(ap) = u.bucket_ref().unwrap() else {
            panic!("not an access point");
        };
        assert_eq!(
            (ap.region, ap.account, ap.name),
            ("us-west-2", "123456789012", "myap")
        );
    }

    #[test]
    fn outpost_access_point_arns_stay_whole() {
        let arn = "arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-01234567890123456/accesspoint/myap";
        for (text, key) in [
            (format!("s3://{arn}/dir/key.txt"), "dir/key.txt"),
            (format!("{arn}:key.txt"), "key.txt"),
            (arn.to_owned(), ""),
            (format!("{arn}/"), ""),
        ] {
            assert_eq!(split(&text), (arn.to_owned(), key.to_owned()), "{text}");
        }
        let u = S3Uri::parse(&format!("{arn}/k"));
        let BucketRef::OutpostAccessPoint(op) = u.bucket_ref().unwrap() else {
            panic!("not an Outposts access point");
        };
        assert_eq!(
            (op.partition, op.region, op.account, op.outpost_id, op.name),
            (
                "aws",
                "us-west-2",
                "123456789012",
                "op-01234567890123456",
                "myap"
            )
        );
        // `[a-zA-Z0-9-]{1,63}` takes at most 63 characters of the name;
        // the rest is the key, as AWS CLI's regular expression splits it.
        let long = format!("{}{}", &arn[..arn.len() - 4], "a".repeat(70));
        let (bucket, key) = split(&long);
        assert_eq!(key, "a".repeat(7));
        assert!(bucket.ends_with(&"a".repeat(63)));
    }

    #[test]
    fn outpost_bucket_arns_are_refused_as_aws_cli_refuses_them() {
        let arn = "arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-1/bucket/b";
        let u = S3Uri::parse(&format!("s3://{arn}/dir/k"));
        assert_eq!((u.bucket.as_str(), u.key.as_str()), (arn, "dir/k"));
        let err = u.bucket_ref().unwrap_err();
        assert_eq!(err.exit_code(), crate::error::EXIT_USAGE);
        assert!(err.to_string().contains("Outpost Bucket ARNs"), "{err}");
    }

    #[test]
    fn multi_region_access_point_arns_have_no_region() {
        let u = S3Uri::parse("s3://arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap/a/b");
        assert_eq!(u.key, "a/b");
        let BucketRef::AccessPoint(ap) = u.bucket_ref().unwrap() else {
            panic!("not an access point");
        };
        assert_eq!((ap.region, ap.name), ("", "mfzwi23gnjvgw.mrap"));
    }

    #[test]
    fn bucket_names_follow_botocore() {
        for good in ["b", "my.bucket", "My_Bucket-1", "192.168.1.1"] {
            assert!(bucket_ref(good).is_ok(), "{good}");
        }
        for bad in ["", "my bucket", "S3:", "b/c", "é", &"a".repeat(256)] {
            let err = bucket_ref(bad).unwrap_err();
            assert_eq!(err.exit_code(), crate::error::EXIT_USAGE, "{bad}");
        }
    }

    #[test]
    fn empty_key_is_a_usage_error() {
        let err = S3Uri::parse("s3://bucket").require_key().unwrap_err();
        assert_eq!(err.exit_code(), crate::error::EXIT_USAGE);
        assert!(err.to_string().contains("s3://BUCKET/KEY"));
    }
}
