#!/usr/bin/env bash
# Every saved query on the local engine and on Ballista (in-process scheduler + 2 executors),
# same binary, same warehouse: what sending a query through Ballista costs on one machine.
#
#   cargo build --features ballista --bin rareflow-query        # or --release (slow: ~40 min cold)
#   ROWS=10000000 bench/run.sh                                  # makes bench/out/warehouse-10000000-platform
#   QBIN=target/debug/rareflow-query WAREHOUSE=bench/out/warehouse-10000000-platform bench/ballista_bench.sh
#
# Environment: QBIN (target/release/rareflow-query), WAREHOUSE (bench/out/warehouse-10000000-platform),
#   RUNS (1), TIMEOUT (300 s per process; FAILED after it), SCHEDULER (df://HOST:PORT of a running cluster instead of the in-process one),
#   PROCESSES=1: start `rareflow-query cluster scheduler` and EXECUTORS (2) `cluster executor` processes
#   on loopback (SLOTS task slots each, default 1) and send every query to them, as an operator runs it.
# Prints one line per query: rows, local seconds, Ballista seconds, ratio, and whether both
# engines printed the same CSV.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
QBIN=${QBIN:-$REPO/target/release/rareflow-query}
WAREHOUSE=${WAREHOUSE:-$BENCH/out/warehouse-10000000-platform}
RUNS=${RUNS:-1}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ballista=(--engine ballista)
if [[ "${PROCESSES:-0}" == 1 ]]; then
    port=$((40000 + RANDOM % 20000))
    pids=()
    trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
    "$QBIN" --warehouse "$WAREHOUSE" cluster scheduler --bind "127.0.0.1:$port" 2>"$TMP/scheduler.log" &
    pids+=($!)
    sleep 2
    for i in $(seq "${EXECUTORS:-2}"); do
        mkdir -p "$TMP/executor-$i"
        "$QBIN" --warehouse "$WAREHOUSE" cluster executor --scheduler "127.0.0.1:$port" \
            --slots "${SLOTS:-1}" --port $((port + 2 * i)) --grpc-port $((port + 2 * i + 1)) \
            --work-dir "$TMP/executor-$i" 2>"$TMP/executor-$i.log" &
        pids+=($!)
    done
    sleep 3
    SCHEDULER="df://127.0.0.1:$port"
    echo "cluster: scheduler $SCHEDULER, ${EXECUTORS:-2} executor processes with ${SLOTS:-1} slot(s) each"
fi
[[ -n "${SCHEDULER:-}" ]] && ballista+=(--scheduler "$SCHEDULER")

# Median of RUNS wall times of one command (output of the last run kept in $out).
timed() {
    local out=$1; shift
    local times=()
    for _ in $(seq "$RUNS"); do
        local t0 t1
        t0=$(date +%s.%N)
        timeout "${TIMEOUT:-300}" "$@" >"$out" 2>"$out.err" || { echo "FAILED"; return; }
        t1=$(date +%s.%N)
        times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'
}

echo "binary $QBIN; warehouse $WAREHOUSE; median of $RUNS run(s), wall seconds, one process per query"
printf '%-32s %8s %9s %11s %7s %s\n' query rows "local s" "Ballista s" ratio same
for sql in "$REPO"/sql/*.sql; do
    name=$(basename "$sql" .sql)
    l=$(timed "$TMP/local.csv" "$QBIN" --warehouse "$WAREHOUSE" run "$name" -f csv)
    b=$(timed "$TMP/ballista.csv" "$QBIN" --warehouse "$WAREHOUSE" "${ballista[@]}" run "$name" -f csv)
    rows=$(($(wc -l <"$TMP/local.csv") - 1))
    same=no
    cmp -s "$TMP/local.csv" "$TMP/ballista.csv" && same=yes
    ratio=-
    [[ $l != FAILED && $b != FAILED ]] && ratio=$(awk -v l="$l" -v b="$b" 'BEGIN {printf "%.1fx", b / l}')
    printf '%-32s %8s %9s %11s %7s %s\n' "$name" "$rows" "$l" "$b" "$ratio" "$same"
done
