#!/usr/bin/env bash
# Installs what the full test suite needs on a Debian/Ubuntu machine (as root):
#  - libfaketime, to run the recorded AWS CLI vectors under their frozen clock;
#  - curl and the three S3 servers of the end-to-end suite: Ceph radosgw
#    (Debian packages), Garage and s3s-fs (crates.io, built once and cached in
#    $PRESIGN_E2E_ROOT, default ~/.cache/presign-e2e; Garage takes ~10 minutes);
#  - check-jsonschema (PyPI), for the GitHub workflow files;
#  - moto's server (PyPI moto[server], pinned), the real STS that
#    tests/it/sts_moto.rs assumes roles through.
# Safe to run again: whatever is already there is kept.
set -euo pipefail

# Under sudo, HOME and PATH are root's: the servers belong in the invoking
# user's cache (where that user's `cargo test` looks for them), and cargo is
# the one in that user's ~/.cargo/bin.
user_home="$HOME"
if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
  user_home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
  # rustup's cargo finds its toolchains through these.
  export RUSTUP_HOME="${RUSTUP_HOME:-$user_home/.rustup}" CARGO_HOME="${CARGO_HOME:-$user_home/.cargo}"
fi
root="${PRESIGN_E2E_ROOT:-$user_home/.cache/presign-e2e}"
cargo=$(command -v cargo || true)
for candidate in "${CARGO_HOME:-}/bin/cargo" "$user_home/.cargo/bin/cargo" "$HOME/.cargo/bin/cargo"; do
  [ -n "$cargo" ] && break
  [ -x "$candidate" ] && cargo=$candidate
done
if [ -z "$cargo" ]; then
  echo "install-test-deps: cargo not found on PATH nor in ~/.cargo/bin (install Rust with rustup first)" >&2
  exit 1
fi
packages=()
[ -f /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] || packages+=(faketime)
command -v curl >/dev/null || packages+=(curl)
command -v openssl >/dev/null || packages+=(openssl)
for tool in ceph-mon ceph-osd radosgw; do
  command -v "$tool" >/dev/null || { packages+=(ceph-mon ceph-osd radosgw ceph-common); break; }
done
if [ "${#packages[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

install_crate() { # name version [features]
  local name=$1 version=$2 features=${3:-}
  if [ -x "$root/bin/$name" ] && "$root/bin/$name" --version 2>/dev/null | grep -q "$version"; then
    return
  fi
  echo "building $name $version from crates.io into $root (cached for next time)"
  CARGO_TARGET_DIR="$root/target" "$cargo" install "$name" --version "$version" --locked --root "$root" \
    ${features:+--features "$features"} --quiet
}
install_crate s3s-fs 0.14.1 binary
install_crate garage 2.5.0
rm -rf "$root/target"

# check-jsonschema (PyPI), which checks the GitHub workflows against the
# schema it bundles.
if [ ! -x "$root/bin/check-jsonschema" ]; then
  echo "installing check-jsonschema from PyPI into $root/venv"
  python3 -m venv "$root/venv"
  "$root/venv/bin/pip" install --quiet check-jsonschema
  mkdir -p "$root/bin"
  ln -sf "$root/venv/bin/check-jsonschema" "$root/bin/check-jsonschema"
fi
# moto's server, in a venv of its own at a pinned version (the STS answers
# and signature checks of tests/it/sts_moto.rs are moto's), linked into
# $root/bin where the test looks first.
moto_version=5.2.5
if ! "$root/moto-venv/bin/python" -c "import sys, moto; sys.exit(moto.__version__ != '$moto_version')" 2>/dev/null; then
  echo "installing moto[server] $moto_version from PyPI into $root/moto-venv"
  python3 -m venv "$root/moto-venv"
  "$root/moto-venv/bin/pip" install --quiet "moto[server]==$moto_version"
fi
mkdir -p "$root/bin"
ln -sf "$root/moto-venv/bin/moto_server" "$root/bin/moto_server"
# What was built as root for another user stays that user's.
if [ "$user_home" != "$HOME" ]; then
  chown -R "$SUDO_USER": "$root"
fi
echo "test dependencies ready; servers in $root/bin"
