#!/usr/bin/env python3
"""The DuckDB side of the benchmark: the job of bench/load_common.py in one SQL statement.

    duckdb_load.py prep  --raw RAW --work DIR      # untimed: classify files, make UTF-8 copies
    duckdb_load.py load  --work DIR --out OUT      # timed: ONE `COPY (...) TO OUT` statement
    duckdb_load.py check --rareflow WAREHOUSE --duckdb OUT [--polars OUT] [--rows]   # cross-check
    duckdb_load.py rowgroups DIR                   # files, row groups, rows, MB of a dataset

`prep` (shared with the Polars side) reads each RAW/gacc/export/**.csv header (first line
only), groups the files by header, and writes UTF-8 copies of the GB18030 files under DIR/utf8/
(DuckDB's CSV reader decodes GB18030 only through the `encodings` extension, Polars not at
all; both sides read the same UTF-8 bytes).

`load` builds and runs one statement (saved to DIR/duckdb_load.sql): a UNION ALL of one
read_csv per header group (all VARCHAR), the normalization of load_common.py, written with
`COPY ... (FORMAT parquet, PARTITION_BY (year, month), COMPRESSION zstd)`.
"""

import argparse
import os
import sys
import time

import duckdb

from load_common import (COUNTRIES, KG_UNITS, NO_UNIT, PRODUCTS, canonical, cmd_check,
                         cmd_prep, fx_rows, load_manifest, row_groups, sql_str)


def group_select(g):
    names = g["header"]
    canon = {c: f"c{i}" for c, i in canonical(names, g["files"][0]).items()}
    cols = [f"{sql_str(f'c{i}')}: 'VARCHAR'" for i in range(len(names))]
    # The platform's trailing comma on every line makes one more, always empty, field.
    if g.get("trailing_comma", True):
        cols.append(f"{sql_str('c_trailing')}: 'VARCHAR'")
    currency = next(k.split(":")[1] for k in canon if k.startswith("value:"))
    value = canon[f"value:{currency}"]

    def col(name):
        return canon.get(name, "NULL")

    files = "[" + ", ".join(sql_str(p) for p in g["files"]) + "]"
    return (
        f"SELECT {col('period')} AS period_text, {col('partner_code')} AS partner_code, "
        f"{col('hs_code')} AS hs_code, {col('regime_code')} AS regime_code, "
        f"{col('q1')} AS q1, {col('u1')} AS u1, {col('q2')} AS q2, {col('u2')} AS u2, "
        f"{value} AS value_text, '{currency}' AS currency, "
        f"replace(filename, {sql_str(g['base'].rstrip('/') + '/')}, '') AS source_file\n"
        f"  FROM read_csv({files}, header=true, delim=',', quote='\"', escape='\"', "
        f"auto_detect=false, columns={{{', '.join(cols)}}}, filename=true)"
    )


def kg_factor(u):
    """The kilogram factor of unit column `u` (already trimmed), NULL when not a weight."""
    whens = " ".join(f"WHEN {sql_str(k)} THEN {v}" for k, v in KG_UNITS.items())
    return f"CASE lower({u}) {whens} END"


def build_sql(manifest, out):
    unions = "\n  UNION ALL\n  ".join(group_select(g) for g in manifest["groups"])
    num = "CAST(replace(trim({}), ',', '') AS DOUBLE)"
    fx_values = ", ".join(f"({sql_str(m)}, {r!r})" for m, r in fx_rows())
    no_unit = ", ".join(sql_str(u) for u in NO_UNIT)
    no_u2 = f"(u2 IS NULL OR trim(u2) IN ({no_unit}))"
    return f"""COPY (
WITH raw AS (
  {unions}
),
countries AS (SELECT * FROM read_csv({sql_str(COUNTRIES)}, header=true, all_varchar=true)),
products AS (SELECT * FROM read_csv({sql_str(PRODUCTS)}, header=true, all_varchar=true)),
fx AS (SELECT * FROM (VALUES {fx_values}) AS t(yyyymm, cny_per_usd)),
parsed AS (
  SELECT trim(period_text) AS yyyymm,
         CAST(substr(trim(period_text), 1, 4) AS INTEGER) AS year,
         CAST(substr(trim(period_text), 5, 2) AS INTEGER) AS month,
         trim(partner_code) AS partner_code, trim(hs_code) AS hs_code,
         nullif(trim(regime_code), '') AS customs_regime,
         {num.format('q1')} AS q1, trim(u1) AS u1,
         CASE WHEN {no_u2} THEN NULL ELSE {num.format('q2')} END AS q2,
         CASE WHEN {no_u2} THEN NULL ELSE trim(u2) END AS u2,
         {num.format('value_text')} AS value, currency,
         source_file
  FROM raw
)
SELECT 'gacc' AS source, 'CHN' AS reporter, 'export' AS flow,
       c.iso3 AS partner, p.partner_code, c.name_en AS partner_name, c.partner_kind,
       make_date(p.year, p.month, 1) AS period, p.year, p.month,
       p.hs_code, substr(p.hs_code, 1, 6) AS hs6, pr.product_group, nullif(pr.element, '') AS element,
       p.customs_regime,
       coalesce(p.q1 * ({kg_factor('p.u1')}), p.q2 * ({kg_factor('p.u2')})) AS quantity_kg,
       p.q1 AS quantity_native, p.u1 AS unit_native, p.value AS value_native, p.currency,
       CASE WHEN p.currency = 'USD' THEN p.value ELSE p.value / fx.cny_per_usd END AS value_usd,
       p.source_file
FROM parsed p
JOIN countries c ON c.gacc_code = p.partner_code
LEFT JOIN products pr ON pr.hs8 = p.hs_code
LEFT JOIN fx ON fx.yyyymm = p.yyyymm
) TO {sql_str(out)} (FORMAT parquet, PARTITION_BY (year, month), COMPRESSION zstd)"""


def cmd_load(a):
    manifest = load_manifest(a.work)
    sql = build_sql(manifest, os.path.abspath(a.out))
    with open(os.path.join(a.work, "duckdb_load.sql"), "w", encoding="utf-8") as f:
        f.write(sql + ";\n")
    con = duckdb.connect()
    t0 = time.time()
    con.execute(sql)
    if not a.quiet:
        print(f"duckdb: wrote {a.out} in {time.time() - t0:.2f}s", file=sys.stderr)


def cmd_rowgroups(a):
    """Prints `files row_groups rows MB` of the Parquet files under DIR (any depth)."""
    files, groups, rows = row_groups(duckdb.connect(), os.path.join(a.dir, "**", "*.parquet"))
    size = sum(os.path.getsize(os.path.join(r, n)) for r, _, ns in os.walk(a.dir)
               for n in ns if n.endswith(".parquet"))
    print(files, groups, rows, f"{size / 1e6:.1f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prep")
    p.add_argument("--raw", required=True)
    p.add_argument("--work", required=True)
    p = sub.add_parser("load")
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--quiet", action="store_true")
    p = sub.add_parser("check")
    p.add_argument("--rareflow", required=True)
    p.add_argument("--duckdb")
    p.add_argument("--polars")
    p.add_argument("--rows", action="store_true",
                   help="also compare every row (EXCEPT ALL both ways; small releases)")
    p = sub.add_parser("rowgroups")
    p.add_argument("dir")
    a = ap.parse_args()
    {"prep": cmd_prep, "load": cmd_load, "check": cmd_check, "rowgroups": cmd_rowgroups}[a.cmd](a)


if __name__ == "__main__":
    main()
