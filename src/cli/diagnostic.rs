//! How presign speaks on stderr: `presign: error: ...`, `presign: warning:
//! ...` and, under `--debug`, `presign: debug: ...`. An error or warning is
//! one line that names the problem and, where one helps, the fix in
//! parentheses; the label is lower-case and styled as clap styles its own
//! `error:`.
//!
//! The labels always carry their style; `main` writes stderr through
//! anstream's `AutoStream`, which keeps it only when stderr is a terminal and
//! `NO_COLOR` is unset or empty (and, as clap, honours `CLICOLOR`,
//! `CLICOLOR_FORCE` and `TERM=dumb`), and strips it everywhere else.

use std::fmt;

use anstyle::{AnsiColor, Style};

/// A diagnostic's prefix, program name included: `presign: error:`.
pub(crate) struct Label {
    name: &'static str,
    style: Style,
}

pub(crate) const ERROR: Label = Label {
    name: "error",
    style: AnsiColor::Red.on_default().bold(),
};

pub(crate) const WARNING: Label = Label {
    name: "warning",
    style: AnsiColor::Yellow.on_default().bold(),
};

pub(crate) const DEBUG: Label = Label {
    name: "debug",
    style: Style::new().dimmed(),
};

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let style = self.style;
        write!(f, "presign: {style}{}:{style:#}", self.name)
    }
}

/// An error as the command line words it, escaped for the terminal: the
/// library's typed errors name the command-line option they come from and
/// its fix here, not in the library (whose callers have no flags).
pub(crate) fn message(error: &crate::Error) -> String {
    use crate::error::{Error, PostRefusal, RulesFix};
    let text = match error {
        Error::ExpiryOutOfRange {
            seconds,
            version,
            max,
        } => {
            let week = if *max == crate::sign::MAX_EXPIRES {
                " (7 days)"
            } else {
                ""
            };
            format!(
                "--expires-in {seconds} is out of range: {version} URLs last from 1 to {max} seconds{week}"
            )
        }
        Error::ExpiryNotSeconds { text } => format!(
            "--expires-in takes whole seconds from 1 to {}, not '{}'",
            crate::sign::MAX_EXPIRES,
            text.escape_debug()
        ),
        // The library's sentence, and the options that fix it.
        Error::SigningTimeOutOfRange { time, .. } => match crate::sign::utc_signing_time(*time) {
            None => format!("{error} (pick a --signing-time between)"),
            Some(_) => {
                format!("{error} (pick an earlier --signing-time or a shorter --expires-in)")
            }
        },
        Error::PostFormUnsupported { why } => match why {
            PostRefusal::DirectoryBucket => "presign signs no upload forms (POST policies) for directory buckets (S3 Express One Zone): use a presigned PUT URL instead (presign --method PUT)".to_owned(),
            PostRefusal::SigV2 => "presign post signs SigV4 policies only: drop --signature-version s3".to_owned(),
            PostRefusal::SigV4A => "S3 upload forms (POST policies) are signed with SigV4 only, and multi-region and Outposts access points accept SigV4A alone: use a presigned PUT URL instead (presign --method PUT)".to_owned(),
            PostRefusal::Unsigned => "an upload form must be signed: drop --no-sign-request".to_owned(),
        },
        Error::EndpointRules { rule, fix } => match fix {
            RulesFix::RegionInArnPartition => {
                format!("{rule} (give --region a region of the ARN's partition)")
            }
            RulesFix::RegionOfArn { region } => {
                format!("{rule} (use --region {region} or set s3 use_arn_region = true)")
            }
            RulesFix::EndpointOrAccelerate => format!(
                "{rule} (drop the endpoint (--endpoint-url or a configured endpoint_url) or s3 use_accelerate_endpoint)"
            ),
            RulesFix::Settings(_) => error.to_string(),
        },
        Error::NeedsSigV4 { needs } => format!(
            "{needs}: drop --signature-version s3 (or the profile's s3 signature_version = s3)"
        ),
        Error::EndpointWithoutScheme { url } => format!(
            "bad value for --endpoint-url \"{url}\": scheme is missing (use http://HOST/ or https://HOST/)"
        ),
        Error::ProfileNotFound { profile } => format!(
            "the config profile ({profile}) could not be found (define [profile {profile}] in the config file or [{profile}] in the credentials file, or pick another with --profile)"
        ),
        Error::NoRegion { needed_for } => format!(
            "you must specify a region to {needed_for} (set region in the profile, AWS_REGION, or --region)"
        ),
        Error::Network { .. } => crate::error::describe_network(
            error,
            "--cli-connect-timeout",
            "--cli-read-timeout",
        ),
        other => other.to_string(),
    };
    crate::escape::for_terminal(&text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_region_names_the_region_option() {
        let error = crate::error::Error::NoRegion {
            needed_for: "refresh the aws login session of profile me".to_owned(),
        };
        assert_eq!(
            error.to_string(),
            "you must specify a region to refresh the aws login session of profile me (set region in the profile or AWS_REGION)"
        );
        assert_eq!(
            message(&error),
            "you must specify a region to refresh the aws login session of profile me (set region in the profile, AWS_REGION, or --region)"
        );
    }

    /// The library says which timeout to raise; the command line names the
    /// option that raises it, for a credential service and for a directory
    /// bucket's CreateSession alike.
    #[test]
    fn timeouts_name_the_command_line_option_that_raises_them() {
        use crate::error::Error;
        use crate::http::HttpError;
        for (failure, library, cli) in [
            (
                HttpError::ConnectTimeout,
                "(check the endpoint, or raise the connect timeout)",
                "(check the endpoint, or raise --cli-connect-timeout)",
            ),
            (
                HttpError::ReadTimeout,
                "(the service is slow or down; raise the read timeout)",
                "(the service is slow or down; raise --cli-read-timeout)",
            ),
        ] {
            for bucket in [None, Some("b--usw2-az1--x-s3".to_owned())] {
                let error = Error::Network {
                    service: "STS".to_owned(),
                    url: "http://127.0.0.1:9/\u{1b}]0;x".to_owned(),
                    failure: failure.clone(),
                    bucket: bucket.clone(),
                };
                let (text, words) = (error.to_string(), message(&error));
                assert!(text.ends_with(library), "{text}");
                assert!(words.ends_with(cli), "{words}");
                assert!(!words.contains('\x1b'), "{words:?}");
                assert_eq!(
                    words.starts_with(
                        "no S3 Express session for directory bucket b--usw2-az1--x-s3: "
                    ),
                    bucket.is_some(),
                    "{words}"
                );
            }
        }
    }

    #[test]
    fn labels_are_styled_and_read_plainly_once_stripped() {
        for (label, plain) in [
            (ERROR, "presign: error:"),
            (WARNING, "presign: warning:"),
            (DEBUG, "presign: debug:"),
        ] {
            let styled = label.to_string();
            assert!(styled.contains('\x1b'), "{styled:?} carries no style");
            assert_eq!(anstream::adapter::strip_str(&styled).to_string(), plain);
        }
    }
}
