//! AWS CLI v2's long-option grammar, applied before clap reads the arguments.
//!
//! AWS CLI v2 reads a command line with Python's argparse in two passes
//! (`awscli/clidriver.py`): first its global options (`awscli/data/cli.json`)
//! with `parse_known_args`, then the command's own options on what is left.
//! argparse takes any unambiguous prefix of a long option (`allow_abbrev`,
//! on by default) and `--option=value`. So with v2, `--e` is `--endpoint-url`
//! (the only global option it begins), `--ex` is `--expires-in`, and `--no`
//! is refused as ambiguous.
//!
//! presign resolves a prefix the same way: first among v2's global options,
//! then among the options of the command at hand (presign's own extensions
//! among them). Every prefix that works with v2 therefore means the same here,
//! and a prefix that v2 finds ambiguous is refused with argparse's words. An
//! argument after `--` is never an option, as in argparse.

use std::ffi::OsString;

use crate::error::{Error, Result};

/// The global options of AWS CLI v2, in `awscli/data/cli.json`'s order (the
/// order argparse names them in an "ambiguous option" error).
pub(crate) const V2_GLOBAL_OPTIONS: &[&str] = &[
    "debug",
    "endpoint-url",
    "no-verify-ssl",
    "no-paginate",
    "output",
    "query",
    "profile",
    "region",
    "version",
    "color",
    "no-sign-request",
    "ca-bundle",
    "cli-read-timeout",
    "cli-connect-timeout",
    "cli-binary-format",
    "no-cli-pager",
    "cli-auto-prompt",
    "no-cli-auto-prompt",
    "cli-error-format",
];

/// `args` (program name first) with every abbreviated long option written
/// out in full. `command_options` are the long names the command itself
/// takes (without `--`), besides v2's global options. Arguments that need no
/// change come back as they were; an ambiguous prefix is a usage error.
pub(crate) fn expand_prefixes(
    args: Vec<OsString>,
    command_options: &[&str],
) -> Result<Vec<OsString>> {
    let mut out = Vec::with_capacity(args.len());
    let mut options_end = false;
    for (i, arg) in args.into_iter().enumerate() {
        if i == 0 || options_end {
            out.push(arg);
            continue;
        }
        let Some(text) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            options_end = true;
            out.push(arg);
            continue;
        }
        match expand_one(text, command_options)? {
            Some(full) => out.push(full.into()),
            None => out.push(arg),
        }
    }
    Ok(out)
}

/// The written-out form of one argument, or `None` when it stays as it is.
fn expand_one(text: &str, command_options: &[&str]) -> Result<Option<String>> {
    let Some(body) = text.strip_prefix("--") else {
        return Ok(None);
    };
    let (name, value) = match body.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (body, None),
    };
    // argparse reads an argument with a space in it as a value, not an option.
    if name.is_empty() || text.contains(' ') {
        return Ok(None);
    }
    let known = |n: &&str| *n == name;
    if V2_GLOBAL_OPTIONS.iter().any(known) || command_options.iter().any(known) {
        return Ok(None);
    }
    let full = match unique_prefix(name, V2_GLOBAL_OPTIONS)? {
        Some(full) => full,
        None => match unique_prefix(name, command_options)? {
            Some(full) => full,
            // Unknown: clap refuses it, with a suggestion where one is near.
            None => return Ok(None),
        },
    };
    Ok(Some(match value {
        Some(value) => format!("--{full}={value}"),
        None => format!("--{full}"),
    }))
}

/// The one option of `names` that `prefix` begins, if exactly one does.
fn unique_prefix<'a>(prefix: &str, names: &[&'a str]) -> Result<Option<&'a str>> {
    let mut matching = names.iter().filter(|n| n.starts_with(prefix));
    let Some(first) = matching.next() else {
        return Ok(None);
    };
    let rest: Vec<&str> = matching.copied().collect();
    if rest.is_empty() {
        return Ok(Some(first));
    }
    let all: Vec<String> = std::iter::once(*first)
        .chain(rest)
        .map(|n| format!("--{n}"))
        .collect();
    Err(Error::Usage(format!(
        "ambiguous option: --{} could match {} (write more of the option's name)",
        prefix.escape_debug(),
        all.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRESIGN: &[&str] = &["expires-in", "method", "response-content-type", "from"];

    fn expand(args: &[&str]) -> Result<Vec<String>> {
        let args = std::iter::once("presign")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        Ok(expand_prefixes(args, PRESIGN)?
            .into_iter()
            .skip(1)
            .map(|a| a.into_string().unwrap())
            .collect())
    }

    #[test]
    fn a_prefix_of_one_global_option_is_that_option_even_where_a_command_option_shares_it() {
        // v2: `--e 60` is `--endpoint-url 60`, although --expires-in begins
        // with --e too: the global pass comes first.
        assert_eq!(expand(&["--e", "60"]).unwrap(), ["--endpoint-url", "60"]);
        assert_eq!(expand(&["--re", "x"]).unwrap(), ["--region", "x"]);
        assert_eq!(expand(&["--prof", "p"]).unwrap(), ["--profile", "p"]);
    }

    #[test]
    fn a_prefix_of_no_global_option_resolves_among_the_commands_options() {
        assert_eq!(expand(&["--exp", "60"]).unwrap(), ["--expires-in", "60"]);
        assert_eq!(expand(&["--ex=60"]).unwrap(), ["--expires-in=60"]);
        assert_eq!(expand(&["--me", "PUT"]).unwrap(), ["--method", "PUT"]);
    }

    #[test]
    fn an_ambiguous_prefix_is_refused_naming_every_candidate() {
        let e = expand(&["--no"]).unwrap_err().to_string();
        assert!(e.starts_with("ambiguous option: --no could match --no-verify-ssl, --no-paginate, --no-sign-request, --no-cli-pager, --no-cli-auto-prompt"), "{e}");
        assert!(expand(&["--cli-"]).is_err());
        assert_eq!(e.lines().count(), 1);
    }

    #[test]
    fn exact_names_values_positionals_and_everything_after_double_dash_are_kept() {
        let args = [
            "s3://b/k",
            "--expires-in",
            "60",
            "--output",
            "json",
            "--",
            "--exp",
        ];
        assert_eq!(expand(&args).unwrap(), args);
        assert_eq!(expand(&["--bogus"]).unwrap(), ["--bogus"]);
        assert_eq!(expand(&["-x", "--"]).unwrap(), ["-x", "--"]);
        assert_eq!(expand(&["--ex pires"]).unwrap(), ["--ex pires"]);
    }
}
