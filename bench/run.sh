#!/usr/bin/env bash
# Throughput benchmark: rareflow-etl vs DuckDB turning a China Customs release into a
# Hive-partitioned Parquet warehouse. See bench/README.md.
#
#   bench/run.sh                      # 2,000,000 rows, 3 runs per side
#   ROWS=20000 RUNS=1 bench/run.sh    # quick check
#
# Environment: ROWS (2000000), RUNS (3), SEED (1), LAYOUT (mixed),
#   RAREFLOW_ETL (use this binary instead of `cargo build --release`),
#   BENCH_OUT (bench/out), PYTHON (python3, for the venv and the generator).
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
ROWS=${ROWS:-2000000}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
LAYOUT=${LAYOUT:-mixed}
OUT=${BENCH_OUT:-$BENCH/out}
PYTHON=${PYTHON:-python3}
VENV=$BENCH/.venv
mkdir -p "$OUT"

log() { printf '== %s\n' "$*" >&2; }

# 1. DuckDB in a venv.
if ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
    log "creating $VENV with duckdb"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
    "$VENV/bin/pip" install -q duckdb
fi
PY=$VENV/bin/python
DUCKDB_VERSION=$("$PY" -c 'import duckdb; print(duckdb.__version__)')

# 2. rareflow-etl (cargo is incremental: a no-op when the binary is up to date).
if [[ -n "${RAREFLOW_ETL:-}" ]]; then
    ETL=$RAREFLOW_ETL
    log "using RAREFLOW_ETL=$ETL (not building)"
else
    log "cargo build --release --bin rareflow-etl"
    (cd "$REPO" && cargo build --release --quiet --bin rareflow-etl)
    ETL=$REPO/target/release/rareflow-etl
fi
[[ -x "$ETL" ]] || { echo "no rareflow-etl binary at $ETL" >&2; exit 1; }

# 3. The release (cached: generated once per ROWS/SEED/LAYOUT).
TAG=$ROWS
[[ "$SEED" != 1 ]] && TAG=$TAG-s$SEED
[[ "$LAYOUT" != mixed ]] && TAG=$TAG-$LAYOUT
RAW=$OUT/raw-$TAG
if [[ ! -f "$RAW/.complete" ]]; then
    log "generating $ROWS rows into $RAW"
    rm -rf "$RAW"
    "$PYTHON" "$BENCH/gen_release.py" --rows "$ROWS" --out "$RAW" --seed "$SEED" --layout "$LAYOUT"
    touch "$RAW/.complete"
fi
INPUT_BYTES=$(find "$RAW/gacc" -name '*.csv' -printf '%s\n' | awk '{s+=$1} END {print s}')
NFILES=$(find "$RAW/gacc" -name '*.csv' | wc -l)

# 4. DuckDB preparation, untimed: group files by header; UTF-8 copies of GB18030 files if
#    DuckDB cannot decode GB18030 itself (see README).
DWORK=$OUT/duckdb-work-$TAG
"$PY" "$BENCH/duckdb_load.py" prep --raw "$RAW" --work "$DWORK"

# 5. Timed runs, alternating sides, each into an empty output folder.
RUNDIR=$OUT/runs-$TAG
LOGS=$RUNDIR/logs
rm -rf "$RUNDIR"
mkdir -p "$LOGS"
RESULTS=$RUNDIR/times.txt
: >"$RESULTS"
# Read every input once so both sides start from a warm page cache.
cat "$RAW"/gacc/export/*.csv "$DWORK"/utf8/gacc/export/*.csv >/dev/null 2>&1 || true

for i in $(seq 1 "$RUNS"); do
    WH=$RUNDIR/rareflow-$i
    rm -rf "$WH" && mkdir -p "$WH"
    log "run $i/$RUNS: rareflow-etl"
    r=$("$PY" "$BENCH/timed.py" "$LOGS/rareflow-$i" -- \
        "$ETL" run --quiet --raw "$RAW" --warehouse "$WH" | tail -1)
    echo "rareflow $r" >>"$RESULTS"

    DOUT=$RUNDIR/duckdb-$i
    rm -rf "$DOUT" && mkdir -p "$DOUT"
    log "run $i/$RUNS: duckdb"
    r=$("$PY" "$BENCH/timed.py" "$LOGS/duckdb-$i" -- \
        "$PY" "$BENCH/duckdb_load.py" load --quiet --work "$DWORK" --out "$DOUT" | tail -1)
    echo "duckdb $r" >>"$RESULTS"
    # Keep only the last run's outputs (disk space).
    if [[ $i -lt $RUNS ]]; then rm -rf "$WH" "$DOUT"; fi
done

# 6. Unchanged rerun: rareflow again into the last (already loaded) warehouse.
log "rareflow-etl unchanged rerun into $RUNDIR/rareflow-$RUNS"
r=$("$PY" "$BENCH/timed.py" "$LOGS/rareflow-rerun" -- \
    "$ETL" run --quiet --raw "$RAW" --warehouse "$RUNDIR/rareflow-$RUNS" | tail -1)
echo "rerun $r" >>"$RESULTS"

# Stable names for query_bench.sh.
ln -sfn "runs-$TAG/rareflow-$RUNS" "$OUT/warehouse-$TAG"
ln -sfn "runs-$TAG/duckdb-$RUNS" "$OUT/duckdb-parquet-$TAG"

# 7. Report.
REPORT=$RUNDIR/report.txt
"$PY" - "$RESULTS" "$ROWS" "$INPUT_BYTES" "$NFILES" "$RUNS" "$DUCKDB_VERSION" "$ETL" \
    "$DWORK/manifest.json" <<'EOF' | tee "$REPORT"
import json, statistics, sys
res, rows, nbytes, nfiles, runs, dver, etl, manifest = sys.argv[1:]
t = {}
for line in open(res):
    side, secs, rss = line.split()
    t.setdefault(side, []).append((float(secs), int(rss)))
med = lambda side: statistics.median(s for s, _ in t[side])
peak = lambda side: max(r for _, r in t[side]) / 1024
rf, dd, rr = med("rareflow"), med("duckdb"), med("rerun")
mode = json.load(open(manifest))["gb18030_mode"]
mb = int(nbytes) / 1e6
print()
print(f"rareflow-etl: {etl}")
print(f"duckdb {dver}; GB18030 files read via: {mode}")
print(f"median of {runs} run(s), wall seconds (/usr/bin/time -v for peak RSS)")
print()
hdr = ["rows", "input MB", "files", "rareflow s", "duckdb s", "rareflow/duckdb",
       "rareflow MiB", "duckdb MiB", "rareflow MB/s", "duckdb MB/s"]
val = [f"{int(rows):,}", f"{mb:.1f}", nfiles, f"{rf:.2f}", f"{dd:.2f}", f"{rf / dd:.2f}",
       f"{peak('rareflow'):.0f}", f"{peak('duckdb'):.0f}", f"{mb / rf:.0f}", f"{mb / dd:.0f}"]
w = [max(len(h), len(str(v))) for h, v in zip(hdr, val)]
print("  ".join(h.rjust(x) for h, x in zip(hdr, w)))
print("  ".join(str(v).rjust(x) for v, x in zip(val, w)))
print()
print(f"rareflow unchanged rerun (same raw, same warehouse): {rr:.2f} s, "
      f"peak {peak('rerun'):.0f} MiB")
print("all runs: " + "; ".join(f"{k} " + " ".join(f"{s:.2f}s/{r // 1024}MiB" for s, r in v)
                               for k, v in t.items()))
EOF

# 8. Cross-check: both outputs read back with DuckDB.
echo
"$PY" "$BENCH/duckdb_load.py" check --rareflow "$RUNDIR/rareflow-$RUNS" \
    --duckdb "$RUNDIR/duckdb-$RUNS" | tee -a "$REPORT"
echo
echo "report: $REPORT; DuckDB statement: $DWORK/duckdb_load.sql; logs: $LOGS"
