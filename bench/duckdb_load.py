#!/usr/bin/env python3
"""The DuckDB side of the benchmark: the same job as `rareflow-etl run`, in one SQL statement.

    duckdb_load.py prep  --raw RAW --work DIR      # untimed: classify files, make UTF-8 copies
    duckdb_load.py load  --work DIR --out OUT      # timed: ONE `COPY (...) TO OUT` statement
    duckdb_load.py check --rareflow WAREHOUSE --duckdb OUT   # row count / kg / value cross-check

`prep` reads each RAW/gacc/export/**.csv header (first line only), groups the files by header
(the platform's column order follows the download, so columns are found by name, in Chinese
or English, as rareflow does), and decides how DuckDB reads each group:

* UTF-8 files are read in place.
* GB18030 files: DuckDB's CSV reader only knows utf-8, utf-16 and latin-1; GB18030 needs the
  `encodings` extension, which is downloaded from extensions.duckdb.org. If `LOAD encodings`
  works, the files are read in place with `encoding='gb18030'`; otherwise `prep` writes UTF-8
  copies under DIR/utf8/ (outside the timed section) and DuckDB reads those. The manifest
  records which happened (`gb18030_mode`).

`load` builds and runs one statement (saved to DIR/duckdb_load.sql): a UNION ALL of one
read_csv per header group (all_varchar), joined to the reference tables the way rareflow
normalizes (partner code -> country, hs8 -> product group/element, month -> CNY per USD),
month parsed from YYYYMM, thousands separators stripped, quantity/value cast to DOUBLE,
kilograms from the first unit when it is a weight else from the second, written with
`COPY ... (FORMAT parquet, PARTITION_BY (year, month), COMPRESSION zstd)`.
"""

import argparse
import codecs
import json
import os
import sys
import time

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
REF = os.path.join(REPO, "data", "reference")

# Header name -> canonical column (same names rareflow's reader accepts, see
# crates/ingest/src/gacc.rs). None = known but unused.
COLUMNS = {
    "数据年月": "period", "贸易伙伴编码": "partner_code", "贸易伙伴名称": "partner_name",
    "商品编码": "hs_code", "商品名称": "product_name", "第一数量": "q1", "第一计量单位": "u1",
    "第二数量": "q2", "第二计量单位": "u2", "人民币": "value:CNY", "美元": "value:USD",
    "贸易方式编码": "regime_code", "贸易方式名称": "regime_name",
    "注册地编码": None, "注册地名称": None, "收发货人注册地编码": None, "收发货人注册地名称": None,
    "date of data": "period", "trading partner code": "partner_code",
    "trading partner": "partner_name", "commodity code": "hs_code", "commodity": "product_name",
    "quantity": "q1", "unit": "u1", "supplimentary quantity": "q2",
    "supplementary quantity": "q2", "supplimentary unit": "u2", "supplementary unit": "u2",
    "us dollar": "value:USD", "us dollars": "value:USD", "rmb": "value:CNY",
    "renminbi yuan": "value:CNY", "renminbi": "value:CNY", "customs regime code": "regime_code",
    "customs regime": "regime_name", "registration place code": None, "registration place": None,
}


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def split_header(line):
    line = line.rstrip("\r\n")
    if line.endswith(","):
        line = line[:-1]
    return [f.strip().strip('"').strip() for f in line.split(",")]


def encodings_extension(con):
    try:
        con.execute("LOAD encodings")
        return True
    except Exception:
        try:
            con.execute("INSTALL encodings")
            con.execute("LOAD encodings")
            return True
        except Exception:
            return False


def cmd_prep(a):
    files = []
    for root, _, names in os.walk(os.path.join(a.raw, "gacc", "export")):
        files += [os.path.join(root, n) for n in names if n.lower().endswith(".csv")]
    files.sort()
    if not files:
        sys.exit(f"no CSV files under {a.raw}/gacc/export")
    con = duckdb.connect()
    has_enc = encodings_extension(con)
    os.makedirs(a.work, exist_ok=True)
    groups = {}
    t0 = time.time()
    converted = 0
    for path in files:
        with open(path, "rb") as f:
            first = f.readline()
        try:
            header = first.decode("utf-8-sig")
            enc = "utf-8"
        except UnicodeDecodeError:
            header = first.decode("gb18030")
            enc = "gb18030"
        read_path = path
        if enc == "gb18030" and not has_enc:
            rel = os.path.relpath(path, a.raw)
            read_path = os.path.join(a.work, "utf8", rel)
            os.makedirs(os.path.dirname(read_path), exist_ok=True)
            if not (os.path.exists(read_path)
                    and os.path.getmtime(read_path) >= os.path.getmtime(path)):
                with open(path, "rb") as src, open(read_path + ".tmp", "wb") as dst:
                    dec = codecs.getincrementaldecoder("gb18030")()
                    while chunk := src.read(16 << 20):
                        dst.write(dec.decode(chunk).encode("utf-8"))
                    dst.write(dec.decode(b"", final=True).encode("utf-8"))
                os.replace(read_path + ".tmp", read_path)
                converted += 1
            enc = "utf-8"
        names = split_header(header)
        base = os.path.abspath(a.raw if read_path == path else os.path.join(a.work, "utf8"))
        key = json.dumps([names, enc, base], ensure_ascii=False)
        groups.setdefault(key, []).append(os.path.abspath(read_path))
    manifest = {
        "raw": os.path.abspath(a.raw),
        "gb18030_mode": "encodings-extension" if has_enc else "utf8-copies",
        "groups": [{"header": json.loads(k)[0], "encoding": json.loads(k)[1],
                    "base": json.loads(k)[2], "files": v} for k, v in groups.items()],
    }
    with open(os.path.join(a.work, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
    print(f"duckdb prep: {len(files)} files in {len(groups)} header groups; GB18030 via "
          f"{manifest['gb18030_mode']}; {converted} converted in {time.time() - t0:.1f}s",
          file=sys.stderr)


def group_select(g):
    names = g["header"]
    canon = {}
    cols = []
    for i, n in enumerate(names):
        c = COLUMNS.get(n.lower()) if n.lower() in COLUMNS else COLUMNS.get(n)
        if n not in COLUMNS and n.lower() not in COLUMNS:
            raise SystemExit(f"unknown header column {n!r} in {g['files'][0]}")
        col = f"c{i}"
        cols.append(f"{sql_str(col)}: 'VARCHAR'")
        if c:
            canon[c] = col
    # The trailing comma on every line makes one more, always empty, field.
    cols.append(f"{sql_str('c_trailing')}: 'VARCHAR'")
    currency = next(k.split(":")[1] for k in canon if k.startswith("value:"))
    value = canon[f"value:{currency}"]

    def col(name):
        return canon.get(name, "NULL")

    files = "[" + ", ".join(sql_str(p) for p in g["files"]) + "]"
    enc = f", encoding={sql_str(g['encoding'])}" if g["encoding"] != "utf-8" else ""
    return (
        f"SELECT {col('period')} AS period_text, {col('partner_code')} AS partner_code, "
        f"{col('hs_code')} AS hs_code, {col('regime_code')} AS regime_code, "
        f"{col('q1')} AS q1, {col('u1')} AS u1, {col('q2')} AS q2, {col('u2')} AS u2, "
        f"{value} AS value_text, '{currency}' AS currency, "
        f"replace(filename, {sql_str(g['base'].rstrip('/') + '/')}, '') AS source_file\n"
        f"  FROM read_csv({files}, header=true, delim=',', quote='\"', escape='\"', "
        f"auto_detect=false, columns={{{', '.join(cols)}}}, filename=true{enc})"
    )


def kg_factor(u):
    return (f"CASE WHEN {u} IN ('千克','公斤') OR lower({u}) IN ('kilogram','kilograms','kg') THEN 1.0 "
            f"WHEN {u} = '克' OR lower({u}) IN ('gram','grams','g') THEN 0.001 "
            f"WHEN {u} IN ('吨','公吨') OR lower({u}) IN ('ton','tons','tonne','tonnes','metric ton','t') "
            f"THEN 1000.0 END")


def build_sql(manifest, out):
    unions = "\n  UNION ALL\n  ".join(group_select(g) for g in manifest["groups"])
    num = "CAST(replace(trim({}), ',', '') AS DOUBLE)"
    return f"""COPY (
WITH raw AS (
  {unions}
),
countries AS (SELECT * FROM read_csv({sql_str(os.path.join(REF, 'countries.csv'))}, header=true, all_varchar=true)),
products AS (SELECT * FROM read_csv({sql_str(os.path.join(REF, 'products.csv'))}, header=true, all_varchar=true)),
fx AS (SELECT replace(month, '-', '') AS yyyymm, CAST(cny_per_usd AS DOUBLE) AS cny_per_usd
       FROM read_csv({sql_str(os.path.join(REF, 'fx_rates.csv'))}, header=true, all_varchar=true)),
parsed AS (
  SELECT trim(period_text) AS yyyymm,
         CAST(substr(trim(period_text), 1, 4) AS INTEGER) AS year,
         CAST(substr(trim(period_text), 5, 2) AS INTEGER) AS month,
         trim(partner_code) AS partner_code, trim(hs_code) AS hs_code,
         nullif(trim(regime_code), '') AS customs_regime,
         {num.format('q1')} AS q1, trim(u1) AS u1,
         CASE WHEN trim(u2) IN ('?', '-', '？', '') THEN NULL ELSE {num.format('q2')} END AS q2,
         CASE WHEN trim(u2) IN ('?', '-', '？', '') THEN NULL ELSE trim(u2) END AS u2,
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
    with open(os.path.join(a.work, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    sql = build_sql(manifest, os.path.abspath(a.out))
    with open(os.path.join(a.work, "duckdb_load.sql"), "w", encoding="utf-8") as f:
        f.write(sql + ";\n")
    con = duckdb.connect()
    if manifest["gb18030_mode"] == "encodings-extension":
        con.execute("LOAD encodings")
    t0 = time.time()
    con.execute(sql)
    if not a.quiet:
        print(f"duckdb: wrote {a.out} in {time.time() - t0:.2f}s", file=sys.stderr)


def totals(con, glob):
    return con.execute(
        f"SELECT count(*), sum(quantity_kg), count(quantity_kg), sum(value_native), "
        f"sum(value_usd), count(DISTINCT (year, month)) "
        f"FROM read_parquet({sql_str(glob)}, hive_partitioning=true)").fetchone()


def cmd_check(a):
    con = duckdb.connect()
    r = totals(con, os.path.join(a.rareflow, "current", "trade_flows", "*", "*", "*.parquet"))
    d = totals(con, os.path.join(a.duckdb, "*", "*", "*.parquet"))
    labels = ["rows", "sum kg", "rows with kg", "sum value (native)", "sum value (USD)",
              "months"]
    ok = True
    print(f"{'cross-check':<20} {'rareflow':>24} {'duckdb':>24}  ")
    for lab, x, y in zip(labels, r, d):
        same = (x == y) if isinstance(x, int) else (
            x is not None and y is not None and abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1.0))
        ok &= bool(same)
        fx = f"{x:,}" if isinstance(x, int) else f"{x:,.2f}"
        fy = f"{y:,}" if isinstance(y, int) else f"{y:,.2f}"
        print(f"{lab:<20} {fx:>24} {fy:>24}  {'ok' if same else 'DIFFERENT'}")
    print("cross-check:", "MATCH" if ok else "MISMATCH")
    if not ok:
        sys.exit(1)


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
    p.add_argument("--duckdb", required=True)
    a = ap.parse_args()
    {"prep": cmd_prep, "load": cmd_load, "check": cmd_check}[a.cmd](a)


if __name__ == "__main__":
    main()
