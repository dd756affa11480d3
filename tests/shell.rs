//! Completion scripts and man pages come from the same clap definition as
//! the parser; these tests make sure every flag of every mode reaches them.

use std::process::Command;

use clap::CommandFactory;
use presign::cli::Cli;

fn presign(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_presign"))
        .args(args)
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
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
