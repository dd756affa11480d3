//! presign as a dependency: what `default-features = false` compiles into a
//! user's tree, and what `cargo package` ships. Both ask cargo itself
//! (offline: the lock file and the fetched crates are enough).

use std::path::Path;
use std::process::{Command, Output};

fn cargo(args: &[&str]) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(args)
        .arg("--offline")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The crates of the normal (not dev, not build) dependency tree.
fn normal_tree(features: &[&str]) -> Vec<String> {
    let mut args = vec![
        "tree",
        "-e",
        "normal",
        "--prefix",
        "none",
        "--format",
        "{p}",
        "--no-default-features",
    ];
    args.extend_from_slice(features);
    let out = cargo(&args);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

const CLI_CRATES: [&str; 5] = [
    "clap",
    "clap_complete",
    "clap_mangen",
    "anstream",
    "anstyle",
];
const HTTP_CRATES: [&str; 4] = ["ureq", "rustls", "ring", "webpki-roots"];

#[test]
fn the_library_alone_compiles_no_cli_or_http_crate() {
    let bare = normal_tree(&[]);
    assert!(bare.iter().any(|c| c == "hmac"), "{bare:?}");
    for name in CLI_CRATES.iter().chain(&HTTP_CRATES) {
        assert!(!bare.iter().any(|c| c == name), "{name} in {bare:?}");
    }
    // The same question finds them where the features bring them in.
    let network = normal_tree(&["--features", "network"]);
    assert!(network.iter().any(|c| c == "ureq"), "{network:?}");
    assert!(!network.iter().any(|c| c == "clap"), "{network:?}");
    let cli = normal_tree(&["--features", "cli"]);
    for name in CLI_CRATES {
        assert!(cli.iter().any(|c| c == name), "{name} not in {cli:?}");
    }
}

#[test]
fn the_package_holds_the_sources_and_docs_and_nothing_that_needs_the_repository() {
    let out = cargo(&["package", "--list", "--allow-dirty"]);
    let mut listed: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    listed.sort();
    let mut expected: Vec<String> = [
        ".cargo_vcs_info.json",
        "Cargo.lock",
        "Cargo.toml",
        "Cargo.toml.orig",
        "LICENSE",
        "README.md",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(root).unwrap();
                expected.push(relative.to_str().unwrap().replace('\\', "/"));
            }
        }
    }
    expected.sort();
    // No .cargo_vcs_info.json without git (a tarball of the sources).
    if !listed.iter().any(|l| l == ".cargo_vcs_info.json") {
        expected.retain(|e| e != ".cargo_vcs_info.json");
    }
    assert_eq!(listed, expected);
}
