#!/usr/bin/env bash
# Whole-process start-up of one presign run, by credential source, as a
# Markdown table (hyperfine, median of many runs):
#  1. static keys from the environment, against the release build of
#     $BASELINE_REV (default: the last commit before network credential
#     sources), to show that they cost the static path nothing;
#  2. a role profile whose session is in ~/.aws/cli/cache (no network);
#  3. no region configured and instance metadata not disabled, off EC2: the
#     region lookup's local "is this EC2?" check instead of IMDS's timeout;
#  4. `aws s3 presign` for the cached role profile, if `aws` is on PATH.
# Nothing leaves the machine: every run is inside a network namespace with
# only loopback (unshare -n; run as root, or where user namespaces work).
set -euo pipefail
cd "$(dirname "$0")/.."

baseline_rev=${BASELINE_REV:-9856646}
work=$(mktemp -d)
trap 'rm -rf "$work"; git worktree remove --force "$work/base" 2>/dev/null || true' EXIT
command -v hyperfine >/dev/null || { echo "bench-startup: hyperfine not installed (apt-get install hyperfine)" >&2; exit 1; }

cargo build --release --quiet
bin=$PWD/target/release/presign
base_bin=""
if git rev-parse --verify --quiet "$baseline_rev^{commit}" >/dev/null; then
  git worktree add --quiet --detach "$work/base" "$baseline_rev"
  CARGO_TARGET_DIR="${BASELINE_TARGET:-$HOME/.cache/presign-bench-base}" \
    cargo build --release --quiet --manifest-path "$work/base/Cargo.toml"
  base_bin="${BASELINE_TARGET:-$HOME/.cache/presign-bench-base}/release/presign"
fi

home="$work/home"
mkdir -p "$home/.aws/cli/cache"
cat > "$home/.aws/config" <<'EOF'
[profile dev]
region = eu-west-1
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = base
EOF
printf '[base]\naws_access_key_id = AKIABASE000000000000\naws_secret_access_key = basesecret\n' > "$home/.aws/credentials"
# The session AWS CLI v2 would have cached for that profile, valid for a day:
# sha1({"RoleArn": "arn:aws:iam::123456789012:role/dev"}).
python3 - "$home/.aws/cli/cache/af854889538ac1a069a8274d5ee4dc500f8b1f91.json" <<'PY'
import datetime, json, sys
exp = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).replace(microsecond=0)
json.dump({"Credentials": {"AccessKeyId": "ASIACACHED", "SecretAccessKey": "s", "SessionToken": "t",
           "Expiration": exp.isoformat(), "AccountId": "123456789012"}}, open(sys.argv[1], "w"))
PY

netns() { unshare -n sh -c 'ip link set lo up && exec "$@"' sh "$@"; }
median() { # label command...
  local label=$1; shift
  netns hyperfine -N --warmup 20 --runs "${RUNS:-300}" --export-json "$work/r.json" "$*" >/dev/null 2>&1
  python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('%.2f ms (±%.2f)' % (r['median']*1000, r['stddev']*1000))" "$work/r.json"
}

static_env=(env -i HOME="$home" AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=secret AWS_DEFAULT_REGION=eu-west-2 AWS_EC2_METADATA_DISABLED=true)
role_env=(env -i HOME="$home" AWS_EC2_METADATA_DISABLED=true)
noregion_env=(env -i HOME="$home" AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=secret)

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr)"
echo
echo "| run | presign | baseline ($baseline_rev) / peer |"
echo "|---|---|---|"
ours=$(median static "${static_env[*]} $bin s3://my-bucket/report.pdf")
theirs="not built"
[ -n "$base_bin" ] && theirs=$(median static "${static_env[*]} $base_bin s3://my-bucket/report.pdf")
echo "| static keys from the environment | $ours | $theirs |"
ours=$(median role "${role_env[*]} $bin s3://my-bucket/report.pdf --profile dev")
echo "| role profile, session cached in ~/.aws/cli/cache | $ours | |"
ours=$(median noregion "${noregion_env[*]} $bin s3://my-bucket/report.pdf")
echo "| no region, instance metadata not disabled, off EC2 | $ours | |"
if command -v aws >/dev/null; then
  version=$(aws --version 2>&1 | cut -d' ' -f1)
  theirs=$(RUNS=10 median aws "${role_env[*]} PATH=$PATH aws s3 presign s3://my-bucket/report.pdf --profile dev")
  echo "| \`aws s3 presign\` ($version), the same cached role profile | | $theirs |"
else
  echo "| \`aws s3 presign\`, the same cached role profile | | aws not on PATH: skipped |"
fi
