#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for a bounded time and prints how many
# inputs each one executed.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (default: 60 s, every target)
#   FUZZ_RUNS=10000000 scripts/fuzz.sh 0 [TARGET...]   (a number of inputs instead)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). Uses the nightly toolchain
# when rustup has one, else the default toolchain with RUSTC_BOOTSTRAP=1 (the
# -Z flags cargo-fuzz passes are nightly-only). Builds without a sanitizer:
# presign forbids unsafe code, so AddressSanitizer finds little and halves the
# speed; set FUZZ_SANITIZER=address to use it anyway.
#
# Corpora grow in fuzz/corpus/TARGET (not versioned); fuzz/seeds/TARGET seeds
# them. A crash stops that target, is saved in fuzz/artifacts/TARGET/, and
# makes this script exit 1 after the other targets have run. To keep a crash
# as a regression, copy it to fuzz/regressions/TARGET/ (cargo test replays
# that folder through tests/it/properties.rs).
set -euo pipefail

cd "$(dirname "$0")/../fuzz"
seconds="${1:-60}"
shift || true
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    targets=(uri ini endpoint process presign_url inspect)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
    exit 2
fi
toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
else
    export RUSTC_BOOTSTRAP=1
fi
sanitizer="${FUZZ_SANITIZER:-none}"

cargo "${toolchain[@]}" fuzz build -s "$sanitizer" >&2

status=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    log="artifacts/$t/last-run.log"
    dict=()
    [ -f "dicts/$t.dict" ] && dict=("-dict=dicts/$t.dict")
    limit=(-max_total_time="$seconds")
    [ -n "${FUZZ_RUNS:-}" ] && limit=(-runs="$FUZZ_RUNS")
    echo "== $t: ${limit[*]}" >&2
    if cargo "${toolchain[@]}" fuzz run -s "$sanitizer" "$t" "corpus/$t" "seeds/$t" -- \
        "${limit[@]}" -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
        "${dict[@]}" >"$log" 2>&1; then
        result=ok
    else
        result="CRASH (see $log and fuzz/artifacts/$t/)"
        status=1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    corpus=$(find "corpus/$t" -type f | wc -l)
    summary+=("$(printf '%-12s %12s execs  %6s corpus  %s' "$t" "${execs:-?}" "$corpus" "$result")")
    if [ "$result" != ok ]; then
        grep -m1 -A3 "panicked at" "$log" >&2 || tail -20 "$log" >&2
    fi
done
printf '%s\n' "target             executions  corpus  result" "${summary[@]}"
exit "$status"
