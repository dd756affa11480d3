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

/// `major.minor[.patch]` as numbers, for comparing Rust versions.
fn rust_version(text: &str) -> [u64; 3] {
    let mut parts = [0; 3];
    for (part, n) in parts.iter_mut().zip(text.split('.')) {
        *part = n
            .parse()
            .unwrap_or_else(|_| panic!("not a version: {text}"));
    }
    parts
}

/// The crates a user's build compiles with every feature, as `name version`.
fn normal_tree_with_versions() -> Vec<(String, String)> {
    let out = cargo(&[
        "tree",
        "-e",
        "normal",
        "--prefix",
        "none",
        "--format",
        "{p}",
        "--all-features",
    ]);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((
                words.next()?.to_owned(),
                words.next()?.trim_start_matches('v').to_owned(),
            ))
        })
        .collect()
}

/// `rust-version` is the oldest Rust that builds presign: no crate a user's
/// build compiles (every feature on) declares a newer one, and the GitHub
/// workflow's MSRV job builds with exactly that toolchain. (Language
/// features are the compiler's to check, which that job does; the standard
/// library's APIs are checked here by clippy's `incompatible_msrv`, which
/// reads the same field.)
#[test]
fn no_dependency_needs_a_newer_rust_than_rust_version() {
    let out = cargo(&["metadata", "--format-version", "1", "--locked"]);
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let ours = packages
        .iter()
        .find(|p| p["name"] == "presign")
        .and_then(|p| p["rust_version"].as_str())
        .expect("presign states a rust-version");
    let tree = normal_tree_with_versions();
    assert!(tree.len() > 20, "{tree:?}");
    let mut newer = Vec::new();
    for (name, version) in &tree {
        let package = packages
            .iter()
            .find(|p| p["name"] == name.as_str() && p["version"] == version.as_str())
            .unwrap_or_else(|| panic!("{name} {version} is not in cargo metadata"));
        if let Some(needs) = package["rust_version"].as_str()
            && rust_version(needs) > rust_version(ours)
        {
            newer.push(format!("{name} {version} needs Rust {needs}"));
        }
    }
    assert!(newer.is_empty(), "rust-version is {ours}, but {newer:?}");
    let workflow = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/ci.yml"),
    )
    .unwrap();
    assert!(
        workflow.contains(&format!("dtolnay/rust-toolchain@{ours}\n")),
        "the msrv job must build with Rust {ours}"
    );
}
