#!/usr/bin/env bash
# Runs the comparison (src/main.rs) with static keys in the environment and
# an empty HOME, then counts the crates each library compiles into a user's
# build (cargo tree, normal dependencies, this crate's features).
set -euo pipefail
cd "$(dirname "$0")"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
cargo build --release --quiet
env -i PATH="$PATH" HOME="$home" AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE \
  AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AWS_REGION=eu-west-2 \
  AWS_EC2_METADATA_DISABLED=true "${CARGO_TARGET_DIR:-target}/release/presign-comparison"
echo "crates compiled (cargo tree -e normal, with this crate's features):"
for lib in presign aws-sdk-s3 aws-config object_store; do
  n=$(cargo tree -e normal --prefix none -p "$lib" | sed 's/ (\*)$//' | sort -u | wc -l)
  echo "  $lib | $n"
done
