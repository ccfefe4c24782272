#!/usr/bin/env bash
# Builds the fuzz targets and runs each for a fixed time.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, all targets)
#
# Works on stable Rust: cargo-fuzz passes -Z flags, so RUSTC_BOOTSTRAP=1 is set.
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`).
# Environment:
#   FUZZ_SANITIZER  address|none (default none: rareflow-ingest has no unsafe code, and
#                   ASan roughly halves the executions per second)
#   FUZZ_MAX_LEN    largest input libFuzzer makes (default 8192)
#   FUZZ_NICE       nice level of builds and runs (default 10: the machine is shared)
#   FUZZ_TMPDIR     where the per-iteration input files go (default /dev/shm, else fuzz/target)
# Seeds (fuzz/seeds/<target>) are copied into the working corpus fuzz/corpus/<target>
# (git-ignored), which keeps what libFuzzer finds between runs. A crash leaves its input in
# fuzz/artifacts/<target>/; the script goes on with the other targets, then prints every
# crash (target, artifact path, how to reproduce) and exits 1. Logs: fuzz/target/fuzz-logs/.
set -uo pipefail

cd "$(dirname "$0")"
FUZZ_DIR=$(pwd)
SECONDS_PER_TARGET=${1:-60}
shift || true
ALL_TARGETS=(gacc_line gacc_file comtrade_json comtrade_csv census_json headline_csv)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
SANITIZER=${FUZZ_SANITIZER:-none}
MAX_LEN=${FUZZ_MAX_LEN:-8192}
NICE=${FUZZ_NICE:-10}
export RUSTC_BOOTSTRAP=1

case "$SECONDS_PER_TARGET" in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;;
esac
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed: cargo install cargo-fuzz --locked" >&2
  exit 2
fi

LOGS="$FUZZ_DIR/target/fuzz-logs"
# The file targets write their input to a scratch file every iteration: on tmpfs that is
# some 20 times faster than on disk (census_json: ~6000 against ~350 exec/s).
if [ -n "${FUZZ_TMPDIR:-}" ]; then
  SCRATCH="$FUZZ_TMPDIR/rareflow-fuzz-$$"
elif [ -d /dev/shm ] && [ -w /dev/shm ]; then
  SCRATCH="/dev/shm/rareflow-fuzz-$$"
else
  SCRATCH="$FUZZ_DIR/target/fuzz-tmp-$$"
fi
mkdir -p "$LOGS" "$SCRATCH"
export TMPDIR="$SCRATCH"
trap 'rm -rf "$SCRATCH"' EXIT

echo "== building ${#TARGETS[@]} target(s) (sanitizer: $SANITIZER)"
if ! nice -n "$NICE" cargo fuzz build -s "$SANITIZER" >"$LOGS/build.log" 2>&1; then
  tail -40 "$LOGS/build.log" >&2
  echo "build failed; full log: $LOGS/build.log" >&2
  exit 2
fi

SUMMARY="$LOGS/summary.txt"
printf '%-14s %10s %8s %9s %7s %8s  %s\n' target execs seconds exec/s corpus crashes result >"$SUMMARY"
CRASHES=()
for t in "${TARGETS[@]}"; do
  corpus="$FUZZ_DIR/corpus/$t"
  mkdir -p "$corpus" "$FUZZ_DIR/artifacts/$t"
  if [ -d "$FUZZ_DIR/seeds/$t" ]; then cp -n "$FUZZ_DIR/seeds/$t"/* "$corpus"/ 2>/dev/null; fi
  log="$LOGS/$t.log"
  echo "== $t: ${SECONDS_PER_TARGET}s (corpus $corpus, log $log)"
  start=$(date +%s)
  nice -n "$NICE" cargo fuzz run -s "$SANITIZER" "$t" "$corpus" -- \
    -max_total_time="$SECONDS_PER_TARGET" -max_len="$MAX_LEN" -timeout=30 \
    -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  size=$(find "$corpus" -type f | wc -l)
  if [ "$rc" -eq 0 ]; then
    result=ok; n=0
  else
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    result="CRASH rc=$rc ${artifact:-(no artifact: see log)}"; n=1
    CRASHES+=("$t: ${artifact:-no artifact} (log $log)")
    echo "!! $t crashed; artifact: ${artifact:-none}; last lines of $log:"
    grep -E "panicked at|ERROR: libFuzzer|SUMMARY|Test unit written" "$log" | head -10
  fi
  printf '%-14s %10s %8s %9s %7s %8s  %s\n' "$t" "${execs:-?}" "$secs" "${rate:-?}" "$size" "$n" "$result" | tee -a "$SUMMARY"
done

echo
cat "$SUMMARY"
if [ ${#CRASHES[@]} -gt 0 ]; then
  echo
  echo "CRASHES:"
  for c in "${CRASHES[@]}"; do echo "  $c"; done
  echo "reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run -s $SANITIZER <target> <artifact>"
  exit 1
fi
echo "no crashes"
