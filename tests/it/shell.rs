//! Completion scripts and man pages come from the same clap definition as
//! the parser; these tests make sure every flag of every mode reaches them.

use clap::{CommandFactory, Parser};
use presign::cli::args::Cli;

use crate::support::Presign;

fn presign(args: &[&str]) -> String {
    Presign::new().args(args).ok()
}

/// Every long flag of the command and of its subcommands (but help/version).
fn all_flags() -> Vec<String> {
    let cmd = Cli::command();
    let mut flags = Vec::new();
    let mut collect = |c: &clap::Command| {
        for arg in c.get_arguments() {
            // AWS CLI v2's global options are taken but hidden.
            if let Some(long) = arg.get_long()
                && !arg.is_hide_set()
                && !flags.contains(&long.to_owned())
            {
                flags.push(long.to_owned());
            }
        }
    };
    collect(&cmd);
    for sub in cmd.get_subcommands() {
        collect(sub);
    }
    assert!(flags.len() >= 29, "{flags:?}");
    flags
}

#[test]
fn completion_scripts_generate_and_know_every_flag() {
    let flags = all_flags();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = presign(&["completions", shell]);
        for flag in &flags {
            let known = match shell {
                // fish names long options without the dashes.
                "fish" => script.contains(&format!("-l {flag}")),
                _ => script.contains(&format!("--{flag}")),
            };
            assert!(known, "{shell} completion lacks --{flag}");
        }
        for sub in ["post", "inspect", "completions", "man"] {
            assert!(script.contains(sub), "{shell} completion lacks {sub}");
        }
    }
}

#[test]
fn man_pages_generate_and_mention_every_flag() {
    let pages = [
        presign(&["man"]),
        presign(&["man", "post"]),
        presign(&["man", "inspect"]),
    ];
    for page in &pages {
        assert!(page.contains(".TH "), "not roff");
    }
    let all = pages.concat();
    for flag in all_flags() {
        let roff = format!("\\-\\-{}", flag.replace('-', "\\-"));
        assert!(all.contains(&roff), "the man pages lack --{flag}");
    }
    assert!(
        pages[1].contains(".TH presign\\-post") || pages[1].contains(".TH presign-post"),
        "{}",
        &pages[1][..200]
    );
}

/// `presign --help` with the terminal `columns` wide.
fn help_at(columns: usize) -> String {
    Presign::new()
        .env("COLUMNS", &columns.to_string())
        .arg("--help")
        .ok()
}

/// The `presign ...` example lines of a text (after its `Examples:` or
/// `.SH EXAMPLES` line), as a user would copy them.
fn example_commands(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| *l != "Examples:" && *l != ".SH EXAMPLES")
        .map(str::trim)
        .filter(|l| l.starts_with("presign "))
        .map(str::to_owned)
        .collect()
}

/// Each example splits as a shell splits it and parses into presign's
/// arguments, as pasting it would run it.
fn assert_parses(example: &str) {
    let words = presign::internals::shlex::split(example).unwrap();
    if let Err(e) = Cli::try_parse_from(&words) {
        panic!("{example}: {e}");
    }
}

#[test]
fn help_examples_are_never_wrapped_and_parse_back() {
    let wide = example_commands(&help_at(200));
    assert!(wide.len() >= 6, "{wide:?}");
    for columns in [60, 80, 200] {
        let help = help_at(columns);
        // clap wraps its own text at the width; the examples stay whole,
        // though several are longer than 60 or 80 columns.
        assert_eq!(example_commands(&help), wide, "at {columns} columns");
        if columns < 110 {
            assert!(wide.iter().any(|l| l.len() > columns));
        }
    }
    for example in &wide {
        assert_parses(example);
    }
}

#[test]
fn man_page_examples_use_ascii_hyphens_and_parse_back() {
    let page = presign(&["man"]);
    let start = page
        .find(".SH EXAMPLES\n.nf\n")
        .expect("an EXAMPLES section");
    let body = &page[start..];
    let body = &body[..body.find(".fi\n").expect("the no-fill block ends")];
    // A plain '-' is a hyphen (U+2010) to groff: every one must be "\-".
    for (i, _) in body.match_indices('-') {
        assert_eq!(&body[i - 1..i], "\\", "a bare '-' in: {body}");
    }
    let typed: String = body
        .replace("\\-", "-")
        .replace("\\e", "\\")
        .replace("\\&", "");
    let examples = example_commands(&typed);
    assert_eq!(examples, example_commands(&help_at(200)));
    for example in &examples {
        assert_parses(example);
    }
}
