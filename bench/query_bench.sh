#!/usr/bin/env bash
# Saved queries (sql/*.sql): rareflow-query vs DuckDB over the benchmark warehouse.
#
#   bench/query_bench.sh                      # warehouse from `bench/run.sh` with ROWS rows
#   ORDER=interleaved bench/query_bench.sh    # the one written from the interleaved input
#   SHAPE=generated-v1 bench/query_bench.sh   # the one written from that shape (run.sh SHAPES)
#   WAREHOUSE=/path/to/wh bench/query_bench.sh
#
# Environment: ROWS (2000000), SHAPE (platform), ORDER (sorted|interleaved: picks
#   bench/out/warehouse-<ROWS>-<SHAPE>[-interleaved] made by run.sh), WAREHOUSE,
#   RUNS (3), RAREFLOW_QUERY (use this binary instead of `cargo build --release`),
#   BENCH_OUT (bench/out). Extra arguments go to query_bench.py (e.g. --only NAME).
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
ROWS=${ROWS:-2000000}
RUNS=${RUNS:-3}
OUT=${BENCH_OUT:-$BENCH/out}
ORDER=${ORDER:-sorted}
SHAPE=${SHAPE:-platform}
SUFFIX=
[[ "$ORDER" == interleaved ]] && SUFFIX=-interleaved
WAREHOUSE=${WAREHOUSE:-$OUT/warehouse-$ROWS-$SHAPE$SUFFIX}
VENV=$BENCH/.venv

if [[ ! -d "$WAREHOUSE/_rareflow/runs" ]]; then
    echo "no warehouse at $WAREHOUSE: run 'SHAPES=$SHAPE ROWS=$ROWS ORDERS=$ORDER bench/run.sh' first (or set WAREHOUSE)" >&2
    exit 1
fi
if ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
    "${PYTHON:-python3}" -m venv "$VENV"
    "$VENV/bin/pip" install -q duckdb==2.0.1 polars==2.1.0 pyarrow==26.0.1
fi
if [[ -n "${RAREFLOW_QUERY:-}" ]]; then
    QBIN=$RAREFLOW_QUERY
else
    (cd "$REPO" && cargo build --release --quiet --bin rareflow-query)
    QBIN=$REPO/target/release/rareflow-query
fi

"$VENV/bin/python" "$BENCH/query_bench.py" --warehouse "$WAREHOUSE" --query-bin "$QBIN" \
    --sql-dir "$REPO/sql" --runs "$RUNS" "$@"
