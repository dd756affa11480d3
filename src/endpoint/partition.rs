//! AWS partitions: which DNS suffix a region's endpoints live under
//! (botocore `data/partitions.json`). A region is
//! matched by name first, then by the partition's pattern; anything else,
//! including unknown or upper-case regions, falls into `aws`.

/// One partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Partition {
    /// The partition id, e.g. `aws`, `aws-cn` or `aws-us-gov`.
    pub name: &'static str,
    /// The DNS suffix of its endpoints, e.g. `amazonaws.com`.
    pub dns_suffix: &'static str,
    /// Whether the partition has FIPS endpoints (`supportsFIPS`).
    pub supports_fips: bool,
    /// Whether botocore's legacy endpoint data (`endpoints.json`) models a
    /// dual-stack S3 endpoint here. botocore checks that when it builds the
    /// client, before the endpoint rules run, custom endpoint or not
    /// (`EndpointResolver._resolve`), and refuses dual-stack where it does
    /// not. `aws-iso` and `aws-iso-b` are skipped by that check and fall back
    /// to `aws`'s data, so only `aws-iso-e` and `aws-iso-f` refuse.
    pub models_s3_dualstack: bool,
}

const AWS: Partition = Partition {
    name: "aws",
    dns_suffix: "amazonaws.com",
    supports_fips: true,
    models_s3_dualstack: true,
};

/// The partitions with their pseudo-regions and region patterns. A pattern is
/// `PREFIX-WORD-DIGITS` with the given prefix words (`us-gov` is two).
const PARTITIONS: &[(Partition, &[&str], &[&str])] = &[
    (
        AWS,
        &["aws-global"],
        &["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"],
    ),
    (
        Partition {
            name: "aws-cn",
            dns_suffix: "amazonaws.com.cn",
            supports_fips: false,
            models_s3_dualstack: true,
        },
        &["aws-cn-global"],
        &["cn"],
    ),
    (
        Partition {
            name: "aws-eusc",
            dns_suffix: "amazonaws.eu",
            supports_fips: true,
            models_s3_dualstack: true,
        },
        &[],
        &["eusc-de"],
    ),
    (
        Partition {
            name: "aws-iso",
            dns_suffix: "c2s.ic.gov",
            supports_fips: true,
            models_s3_dualstack: true,
        },
        &["aws-iso-global"],
        &["us-iso"],
    ),
    (
        Partition {
            name: "aws-iso-b",
            dns_suffix: "sc2s.sgov.gov",
            supports_fips: true,
            models_s3_dualstack: true,
        },
        &["aws-iso-b-global"],
        &["us-isob"],
    ),
    (
        Partition {
            name: "aws-iso-e",
            dns_suffix: "cloud.adc-e.uk",
            supports_fips: true,
            models_s3_dualstack: false,
        },
        &[],
        &["eu-isoe"],
    ),
    (
        Partition {
            name: "aws-iso-f",
            dns_suffix: "csp.hci.ic.gov",
            supports_fips: true,
            models_s3_dualstack: false,
        },
        &[],
        &["us-isof"],
    ),
    (
        Partition {
            name: "aws-us-gov",
            dns_suffix: "amazonaws.com",
            supports_fips: true,
            models_s3_dualstack: true,
        },
        &["aws-us-gov-global"],
        &["us-gov"],
    ),
];

/// `^PREFIX\-\w+\-\d+$` for one prefix.
fn matches_pattern(region: &str, prefix: &str) -> bool {
    let Some(rest) = region
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
    else {
        return false;
    };
    let Some((word, digits)) = rest.split_once('-') else {
        return false;
    };
    !word.is_empty()
        && word.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The partition of `region`.
pub(crate) fn of(region: &str) -> Partition {
    if let Some((p, _, _)) = PARTITIONS
        .iter()
        .find(|(_, names, _)| names.contains(&region))
    {
        return *p;
    }
    legacy_of(region)
}

/// The partition of `region` as botocore's legacy endpoint data
/// (`endpoints.json`) finds it, which AWS CLI v1 goes by: by pattern alone,
/// as that data lists no pseudo-region but `aws-global`, so
/// `aws-cn-global` and the like fall into `aws`.
pub(crate) fn legacy_of(region: &str) -> Partition {
    PARTITIONS
        .iter()
        .find(|(_, _, prefixes)| prefixes.iter().any(|pre| matches_pattern(region, pre)))
        .map_or(AWS, |(p, _, _)| *p)
}

/// The partition named `name` (as in an ARN), if AWS has one by that name.
pub(crate) fn named(name: &str) -> Option<Partition> {
    PARTITIONS
        .iter()
        .map(|(p, _, _)| *p)
        .find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_partitions() {
        for (region, want) in [
            ("eu-west-2", "aws"),
            ("us-east-1", "aws"),
            ("aws-global", "aws"),
            ("cn-north-1", "aws-cn"),
            ("cn-northwest-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("us-isof-south-1", "aws-iso-f"),
            ("eusc-de-east-1", "aws-eusc"),
            ("ru-msk", "aws"),
            ("xx-fake-9", "aws"),
            ("CN-NORTH-1", "aws"),
        ] {
            assert_eq!(of(region).name, want, "{region}");
        }
        assert_eq!(of("cn-north-1").dns_suffix, "amazonaws.com.cn");
        assert_eq!(of("aws-cn-global").name, "aws-cn");
        assert_eq!(legacy_of("aws-cn-global").name, "aws");
        assert_eq!(legacy_of("cn-north-1").name, "aws-cn");
    }
}
