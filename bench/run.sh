#!/usr/bin/env bash
# Throughput benchmark: rareflow-etl vs DuckDB vs Polars turning a China Customs release into
# a Hive-partitioned Parquet warehouse, for input sorted by month and input with its months
# interleaved row by row, in one or more file shapes. See bench/README.md.
#
#   bench/run.sh                                   # 2M and 10M rows, both orders, 3 runs each
#   ROWS=20000 RUNS=1 bench/run.sh                 # quick check
#   ROWS=2000000 ORDERS=interleaved bench/run.sh   # one case
#   SHAPES="platform minimal-quotes generated-v1" ROWS=20000 RUNS=1 bench/run.sh
#
# Environment: ROWS ("2000000 10000000", a list), ORDERS ("sorted interleaved"), RUNS (3),
#   SHAPES ("platform", a list of the presets below), SEED (1), LAYOUT (unset: each preset's;
#   en|zh|mixed overrides it in every preset), TOOLS ("rareflow duckdb polars"),
#   RAREFLOW_ETL (use this binary instead of `cargo build --release`),
#   BENCH_OUT (bench/out), PYTHON (python3, for the venv and the generator).
#
# Shapes (gen_release.py flags; each preset is the defaults, as the platform writes its
# downloads, with ONE flag changed, except generated-v1):
#   platform            (none: en layout, Chinese partner names, all quoted, trailing comma,
#                        separators from 1,000, second unit on most lines, long names)
#   en-names            --partner-names en
#   minimal-quotes      --quoting minimal
#   no-trailing-comma   --no-trailing-comma
#   million-separators  --thousands million
#   no-separators       --thousands none
#   one-unit            --second-unit some
#   short-names         --names short
#   mixed-layout        --layout mixed        (alternate English UTF-8 / Chinese GB18030 files)
#   generated-v1        the generator before issue 21, byte for byte: --layout mixed
#                       --partner-names en --thousands million --second-unit some --names short
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
ROWS_LIST=${ROWS:-2000000 10000000}
ORDERS=${ORDERS:-sorted interleaved}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
LAYOUT=${LAYOUT:-}
SHAPES=${SHAPES:-platform}
TOOLS=${TOOLS:-rareflow duckdb polars}
OUT=${BENCH_OUT:-$BENCH/out}
PYTHON=${PYTHON:-python3}
VENV=$BENCH/.venv
# Pinned: the versions the README's figures were measured with.
PINS="duckdb==2.0.1 polars==2.1.0 pyarrow==26.0.1"
mkdir -p "$OUT"

log() { printf '== %s\n' "$*" >&2; }

# gen_release.py flags of a shape preset (see the list above).
shape_flags() {
    case $1 in
        platform) echo "" ;;
        en-names) echo "--partner-names en" ;;
        minimal-quotes) echo "--quoting minimal" ;;
        no-trailing-comma) echo "--no-trailing-comma" ;;
        million-separators) echo "--thousands million" ;;
        no-separators) echo "--thousands none" ;;
        one-unit) echo "--second-unit some" ;;
        short-names) echo "--names short" ;;
        mixed-layout) echo "--layout mixed" ;;
        generated-v1) echo "--layout mixed --partner-names en --quoting all --trailing-comma --thousands million --second-unit some --names short" ;;
        *) return 1 ;;
    esac
}
for shape in $SHAPES; do
    shape_flags "$shape" >/dev/null || { echo "unknown shape '$shape' in SHAPES" >&2; exit 2; }
done
case $LAYOUT in ""|en|zh|mixed) ;; *) echo "LAYOUT must be en, zh or mixed" >&2; exit 2 ;; esac

# 1. DuckDB, Polars and pyarrow in a venv.
if ! "$VENV/bin/python" -c 'import duckdb, polars, pyarrow' 2>/dev/null; then
    log "creating $VENV with $PINS"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
    # shellcheck disable=SC2086
    "$VENV/bin/pip" install -q $PINS
fi
PY=$VENV/bin/python
VERSIONS=$("$PY" -c 'import duckdb, polars; print(f"duckdb {duckdb.__version__}, polars {polars.__version__}")')

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

RESULTS=$OUT/results-$(date +%Y%m%d-%H%M%S).txt
: >"$RESULTS"

# One (shape, rows, order) case: generate (cached), prepare, time every tool RUNS times
# alternating.
run_case() {
    local shape=$1 rows=$2 order=$3
    local tag=$rows-$shape
    [[ "$SEED" != 1 ]] && tag=$tag-s$SEED
    [[ -n "$LAYOUT" ]] && tag=$tag-$LAYOUT
    [[ "$order" == interleaved ]] && tag=$tag-interleaved
    local raw=$OUT/raw-$tag
    if [[ ! -f "$raw/.complete" ]]; then
        log "generating $rows rows, shape $shape ($order) into $raw"
        rm -rf "$raw"
        local flags
        read -r -a flags <<<"$(shape_flags "$shape")"
        [[ -n "$LAYOUT" ]] && flags+=(--layout "$LAYOUT")
        [[ "$order" == interleaved ]] && flags+=(--interleave)
        "$PYTHON" "$BENCH/gen_release.py" --rows "$rows" --out "$raw" --seed "$SEED" \
            "${flags[@]}"
        # What made it, for the record.
        echo "gen_release.py --rows $rows --seed $SEED${flags[*]:+ ${flags[*]}}" >"$raw/.shape"
        touch "$raw/.complete"
    fi
    local mb files bpr
    mb=$(find "$raw/gacc" -name '*.csv' -printf '%s\n' | awk '{s+=$1} END {printf "%.1f", s/1e6}')
    bpr=$(find "$raw/gacc" -name '*.csv' -printf '%s\n' |
        awk -v rows="$rows" '{s+=$1} END {printf "%.1f", s/rows}')
    files=$(find "$raw/gacc" -name '*.csv' | wc -l)
    # Every results line starts with the case: SHAPE ROWS ORDER INPUT_MB BYTES_PER_ROW FILES.
    local case_="$shape $rows $order $mb $bpr $files"

    # Untimed, shared by DuckDB and Polars: header groups, UTF-8 copies of GB18030 files.
    local work=$OUT/work-$tag
    "$PY" "$BENCH/duckdb_load.py" prep --raw "$raw" --work "$work"

    local rundir=$OUT/runs-$tag
    rm -rf "$rundir"
    mkdir -p "$rundir/logs"
    # Read every input once so all sides start from a warm page cache.
    find "$raw/gacc" "$work/utf8" -name '*.csv' -exec cat {} + >/dev/null 2>&1 || true

    local i tool dest r
    for i in $(seq 1 "$RUNS"); do
        for tool in $TOOLS; do
            dest=$rundir/$tool-$i
            rm -rf "$dest" && mkdir -p "$dest"
            log "$shape $rows $order, run $i/$RUNS: $tool"
            case $tool in
                rareflow) cmd=("$ETL" run --quiet --raw "$raw" --warehouse "$dest") ;;
                duckdb) cmd=("$PY" "$BENCH/duckdb_load.py" load --quiet --work "$work" --out "$dest") ;;
                polars) cmd=("$PY" "$BENCH/polars_load.py" load --quiet --work "$work" --out "$dest") ;;
                *) echo "unknown tool $tool" >&2; exit 2 ;;
            esac
            r=$("$PY" "$BENCH/timed.py" "$rundir/logs/$tool-$i" -- "${cmd[@]}" | tail -1)
            echo "$case_ $tool run $r" >>"$RESULTS"
            # Keep only the last run's outputs (disk space).
            if [[ $i -lt $RUNS ]]; then rm -rf "$dest"; fi
        done
    done
    # Row groups and size of what each tool wrote (last run).
    for tool in $TOOLS; do
        dest=$rundir/$tool-$RUNS
        [[ $tool == rareflow ]] && dest=$dest/trade_flows
        echo "$case_ $tool rowgroups $("$PY" "$BENCH/duckdb_load.py" rowgroups "$dest")" >>"$RESULTS"
    done
    if [[ " $TOOLS " == *" rareflow "* ]]; then
        log "rareflow-etl unchanged rerun"
        r=$("$PY" "$BENCH/timed.py" "$rundir/logs/rareflow-rerun" -- \
            "$ETL" run --quiet --raw "$raw" --warehouse "$rundir/rareflow-$RUNS" | tail -1)
        echo "$case_ rareflow rerun $r" >>"$RESULTS"
        # Stable names for query_bench.sh.
        ln -sfn "runs-$tag/rareflow-$RUNS" "$OUT/warehouse-$tag"
        local check=(--rareflow "$rundir/rareflow-$RUNS")
        # Row for row too on small releases (EXCEPT ALL holds every row in memory).
        [[ $rows -le 200000 ]] && check+=(--rows)
        [[ " $TOOLS " == *" duckdb "* ]] && check+=(--duckdb "$rundir/duckdb-$RUNS")
        [[ " $TOOLS " == *" polars "* ]] && check+=(--polars "$rundir/polars-$RUNS")
        "$PY" "$BENCH/duckdb_load.py" check "${check[@]}" | tee "$rundir/check.txt"
        echo "$case_ all check $(tail -1 "$rundir/check.txt" | awk '{print $2}')" >>"$RESULTS"
    fi
}

for shape in $SHAPES; do
    for rows in $ROWS_LIST; do
        for order in $ORDERS; do
            run_case "$shape" "$rows" "$order"
        done
    done
done

REPORT=${RESULTS%.txt}.report.txt
{
    echo "rareflow-etl: $ETL; $VERSIONS; shapes $SHAPES${LAYOUT:+ (layout $LAYOUT)}; median of $RUNS run(s)"
    "$PY" "$BENCH/report.py" "$RESULTS"
} | tee "$REPORT"
echo "report: $REPORT; raw results: $RESULTS"
