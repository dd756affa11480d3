#!/usr/bin/env bash
# What publishing the library needs, beyond the test suite (`cargo test`
# checks the dependency tree and the package list itself, tests/it/package.rs):
#
#   - the library's own tests without the default features (no CLI, no HTTP);
#   - the docs as docs.rs builds them (all features), with no warning and
#     no undocumented public item;
#   - `cargo publish --dry-run` (builds the packaged crate alone; it asks
#     the crates.io index, so it needs the network);
#   - the fuzz crate builds (it is its own workspace, outside `cargo test`).
#
#   scripts/release-check.sh            (the GitHub workflow's `library` job)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '== %s\n' "$*" >&2; }

step "cargo test --no-default-features"
cargo test --locked --no-default-features

step "docs, all features, -D warnings -D missing_docs"
RUSTDOCFLAGS="-D warnings -D missing_docs" cargo doc --locked --no-deps --all-features

step "cargo publish --dry-run"
cargo publish --locked --dry-run --allow-dirty

step "the fuzz crate builds"
cargo build --locked --manifest-path fuzz/Cargo.toml

step "all passed"
