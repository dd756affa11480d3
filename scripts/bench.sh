#!/usr/bin/env bash
# Times whole processes and prints a Markdown table:
#  1. one URL, the whole process (hyperfine), against `aws s3 presign`;
#  2. 1,000,000 keys from stdin to stdout: URLs per second and peak memory,
#     against a boto3 generate_presigned_url loop (timed on 100,000 keys);
#  3. SigV4A (a multi-region access point, an ECDSA signature per URL):
#     100,000 keys from stdin, on one core (taskset -c 0) and on all.
# Peers that are not installed are skipped, and the table says so. Set
# PEER_PYTHON to a Python that has boto3 (default: python3) and make `aws`
# findable on PATH to include them. The in-process comparison with the
# aws-sigv4 crate is `cargo bench --bench presign`.
set -euo pipefail
cd "$(dirname "$0")/.."

lines=${LINES_TOTAL:-1000000}
python=${PEER_PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/presign

export HOME="$work" AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AWS_DEFAULT_REGION=eu-west-2
printf '[default]\ns3 =\n    signature_version = s3v4\n' > "$work/config"
export AWS_CONFIG_FILE="$work/config"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr)"
echo
echo "| measurement | presign | peer | ratio |"
echo "|---|---|---|---|"

# 1. One URL, whole process.
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 20 --runs 300 --export-json "$work/one.json" \
    "$bin s3://my-bucket/report.pdf" >/dev/null 2>&1
  ours=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median']*1000)" "$work/one.json")
  if command -v aws >/dev/null; then
    hyperfine -N --warmup 2 --runs 10 --export-json "$work/aws.json" \
      "aws s3 presign s3://my-bucket/report.pdf" >/dev/null 2>&1
    theirs=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median']*1000)" "$work/aws.json")
    version=$(aws --version 2>&1 | cut -d' ' -f1)
    printf '| one URL, whole process (median) | %.2f ms | %.0f ms (%s) | %.0fx |\n' "$ours" "$theirs" "$version" \
      "$(python3 -c "print($theirs/$ours)")"
  else
    printf '| one URL, whole process (median) | %.2f ms | aws CLI not installed: skipped | |\n' "$ours"
  fi
else
  echo "| one URL, whole process | hyperfine not installed (apt-get install hyperfine): skipped | | |"
fi

# 2. A million keys through stdin.
python3 - "$lines" > "$work/keys.txt" <<'PY'
import sys
for i in range(int(sys.argv[1])):
    print(f"s3://my-bucket/logs/2026/11/23/part-{i:07d}.json.gz")
PY
best=""
for _ in 1 2 3; do
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$bin" --from - < "$work/keys.txt" > "$work/urls.txt"
  read -r secs kib < "$work/time.txt"
  if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $secs < $best else 1)"; then best=$secs; peak=$kib; fi
done
[ "$(wc -l < "$work/urls.txt")" -eq "$lines" ] || { echo "wrong number of URLs" >&2; exit 1; }
rate=$(python3 -c "print(int($lines/max($best,0.001)))")
if "$python" -c "import boto3" 2>/dev/null; then
  boto_rate=$("$python" - <<'PY'
import time, boto3
from botocore.config import Config
s3 = boto3.client("s3", region_name="eu-west-2", config=Config(signature_version="s3v4"))
n = 100_000
start = time.perf_counter()
for i in range(n):
    s3.generate_presigned_url("get_object", Params={"Bucket": "my-bucket", "Key": f"logs/2026/11/23/part-{i:07d}.json.gz"})
print(int(n / (time.perf_counter() - start)))
PY
)
  printf '| %s keys, stdin to stdout | %s URLs/s (%.2f s) | %s URLs/s (boto3 loop) | %.0fx |\n' \
    "$lines" "$rate" "$best" "$boto_rate" "$(python3 -c "print($rate/$boto_rate)")"
else
  printf '| %s keys, stdin to stdout | %s URLs/s (%.2f s) | boto3 not importable by %s: skipped | |\n' "$lines" "$rate" "$best" "$python"
fi
printf '| peak memory, %s keys | %.1f MiB | | |\n' "$lines" "$(python3 -c "print($peak/1024)")"

# 3. SigV4A: a batch on one core and on every core (presign signs SigV4A
# chunks on as many threads as the CPU affinity mask allows).
v4a_lines=${LINES_V4A:-100000}
python3 - "$v4a_lines" > "$work/mrap.txt" <<'PY'
import sys
for i in range(int(sys.argv[1])):
    print(f"s3://arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap/logs/part-{i:07d}.json.gz")
PY
v4a_rate() {
  local best=""
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" --from - < "$work/mrap.txt" > "$work/urls.txt"
    read -r secs kib < "$work/time.txt"
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $secs < $best else 1)"; then best=$secs; fi
  done
  [ "$(wc -l < "$work/urls.txt")" -eq "$v4a_lines" ] || { echo "wrong number of SigV4A URLs" >&2; exit 1; }
  grep -c 'X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256' "$work/urls.txt" | grep -qx "$v4a_lines" \
    || { echo "not every URL is SigV4A" >&2; exit 1; }
  python3 -c "print(int($v4a_lines/max($best,0.001)))"
}
one_core=$(v4a_rate taskset -c 0 "$bin")
all_cores=$(v4a_rate "$bin")
printf '| %s SigV4A keys, stdin to stdout, one core | %s URLs/s | | |\n' "$v4a_lines" "$one_core"
printf '| %s SigV4A keys, stdin to stdout, %s cores | %s URLs/s | | %.1fx one core |\n' \
  "$v4a_lines" "$(nproc)" "$all_cores" "$(python3 -c "print($all_cores/$one_core)")"
