//! S3 URIs: `s3://BUCKET/KEY`, or `BUCKET/KEY` without the scheme, split as
//! AWS CLI's `find_bucket_key` does (`awscli/customizations/s3/utils.py`): at the first
//! `/`, except that an access point ARN is kept whole as the bucket. Bucket
//! names are checked against botocore's `VALID_BUCKET` pattern.

use crate::error::{Error, Result};

/// The prefix AWS CLI strips (lower case only: `S3://` is not stripped).
pub const SCHEME: &str = "s3://";

/// A parsed S3 URI. The key may be empty (`s3://bucket` or `s3://bucket/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Uri {
    pub bucket: String,
    pub key: String,
}

/// What the bucket part names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BucketRef<'a> {
    /// A bucket by name.
    Name(&'a str),
    /// An S3 access point, by ARN.
    AccessPoint(AccessPoint<'a>),
}

/// The parts of `arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPoint<'a> {
    pub arn: &'a str,
    pub partition: &'a str,
    pub region: &'a str,
    pub account: &'a str,
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
        if bucket.contains(":s3-outposts:") {
            return Err(Error::InvalidUri(
                "S3 on Outposts access points are not supported (they need network calls to sign)"
                    .to_owned(),
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
