"""What the DuckDB and Polars sides of the benchmark share: the untimed preparation, the
header names, the reference tables, and the cross-check. See bench/README.md.

The job both sides do (and only that, so that they do the same work):

* read every RAW/gacc/export/**.csv (UTF-8; GB18030 files through UTF-8 copies made by `prep`),
  every column as text, columns found by header name (Chinese or English, any order), with
  or without the platform's trailing comma (one more, empty, field on every line), fields
  quoted or not;
* `YYYYMM` -> year, month, period (first day); thousands separators stripped, quantities
  and value cast to DOUBLE; `?`/`-`/empty second unit -> NULL;
* kilograms from the first unit when it is a weight (千克/公斤/Kilogram x1, 克/gram x0.001,
  吨/tonne x1000, rareflow's `kg_factor`) else from the second;
* inner join to countries.csv on the GACC partner code (iso3, English name, kind; unknown
  partners drop, as rareflow rejects them), left join to products.csv on the 8-digit code
  (product_group, element), left join to fx_rates.csv on the month (CNY -> USD);
* write the columns in OUTPUT_COLUMNS as zstd Parquet partitioned by year/month
  (Hive folders, the partition columns not repeated in the files).
"""

import codecs
import csv
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
REF = os.path.join(REPO, "data", "reference")
COUNTRIES = os.path.join(REF, "countries.csv")
PRODUCTS = os.path.join(REF, "products.csv")
FX = os.path.join(REF, "fx_rates.csv")

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

# Units with a kilogram factor (rareflow's kg_factor); compared after trim, English lower-cased.
KG_UNITS = {"千克": 1.0, "公斤": 1.0, "kilogram": 1.0, "kilograms": 1.0, "kg": 1.0,
            "克": 0.001, "gram": 0.001, "grams": 0.001, "g": 0.001,
            "吨": 1000.0, "公吨": 1000.0, "ton": 1000.0, "tons": 1000.0, "tonne": 1000.0,
            "tonnes": 1000.0, "metric ton": 1000.0, "t": 1000.0}
NO_UNIT = ("?", "-", "？", "")
# Output columns compared rounded (DOUBLE arithmetic may differ in the last bits).
MEASURES = ("quantity_kg", "quantity_native", "value_native", "value_usd")

OUTPUT_COLUMNS = [
    "source", "reporter", "flow", "partner", "partner_code", "partner_name", "partner_kind",
    "period", "year", "month", "hs_code", "hs6", "product_group", "element", "customs_regime",
    "quantity_kg", "quantity_native", "unit_native", "value_native", "currency", "value_usd",
    "source_file",
]


def split_header(line):
    """(names, trailing comma?) of a header line, quoted or not."""
    line = line.rstrip("\r\n")
    trailing = line.endswith(",")
    if trailing:
        line = line[:-1]
    return [f.strip().strip('"').strip() for f in line.split(",")], trailing


def canonical(names, first_file):
    """{canonical name: position} of a header; exits on an unknown column."""
    canon = {}
    for i, n in enumerate(names):
        key = n if n in COLUMNS else n.lower()
        if key not in COLUMNS:
            raise SystemExit(f"unknown header column {n!r} in {first_file}")
        if COLUMNS[key]:
            canon[COLUMNS[key]] = i
    return canon


def fx_rows():
    """(YYYYMM, CNY per USD) from fx_rates.csv (month,currency,per_usd or month,cny_per_usd)."""
    with open(FX, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r.get("currency", "CNY") == "CNY":
                yield r["month"].replace("-", ""), float(r.get("cny_per_usd") or r["per_usd"])


def cmd_prep(a):
    """Untimed: groups the files by header; UTF-8 copies of GB18030 files under WORK/utf8."""
    files = []
    for root, _, names in os.walk(os.path.join(a.raw, "gacc", "export")):
        files += [os.path.join(root, n) for n in names if n.lower().endswith(".csv")]
    files.sort()
    if not files:
        sys.exit(f"no CSV files under {a.raw}/gacc/export")
    os.makedirs(a.work, exist_ok=True)
    groups = {}
    t0 = time.time()
    converted = 0
    for path in files:
        with open(path, "rb") as f:
            first = f.readline()
        try:
            header = first.decode("utf-8-sig")
            read_path, base = path, os.path.abspath(a.raw)
        except UnicodeDecodeError:
            header = first.decode("gb18030")
            rel = os.path.relpath(path, a.raw)
            read_path = os.path.join(a.work, "utf8", rel)
            base = os.path.abspath(os.path.join(a.work, "utf8"))
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
        names, trailing = split_header(header)
        # Files group by header, by where their bytes are, and by the trailing comma (the
        # platform ends every line, header included, with one; a re-saved file does not).
        key = json.dumps([names, base, trailing], ensure_ascii=False)
        groups.setdefault(key, []).append(os.path.abspath(read_path))
    manifest = {
        "raw": os.path.abspath(a.raw),
        "gb18030_mode": "utf8-copies",
        "groups": [{"header": json.loads(k)[0], "encoding": "utf-8", "base": json.loads(k)[1],
                    "trailing_comma": json.loads(k)[2], "files": v}
                   for k, v in groups.items()],
    }
    with open(os.path.join(a.work, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
    print(f"prep: {len(files)} files in {len(groups)} header groups; {converted} GB18030 files "
          f"converted to UTF-8 in {time.time() - t0:.1f}s", file=sys.stderr)


def load_manifest(work):
    with open(os.path.join(work, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def totals(con, glob):
    return con.execute(
        f"SELECT count(*), sum(quantity_kg), count(quantity_kg), sum(value_native), "
        f"sum(value_usd), count(DISTINCT (year, month)) "
        f"FROM read_parquet({sql_str(glob)}, hive_partitioning=true)").fetchone()


def row_groups(con, glob):
    """(files, row groups, rows) of a Parquet dataset, from the footers."""
    return con.execute(
        f"SELECT count(DISTINCT file_name), count(DISTINCT (file_name, row_group_id)), "
        f"coalesce(sum(row_group_num_rows) FILTER (WHERE column_id = 0), 0) "
        f"FROM parquet_metadata({sql_str(glob)})").fetchone()


def cmd_check(a):
    """Row count, kg, values and months of every output, against the first (rareflow); with
    --rows also every row of OUTPUT_COLUMNS."""
    import duckdb
    con = duckdb.connect()
    # A warehouse written by one run: every file in a table folder is in its Delta log.
    outputs = [("rareflow", os.path.join(a.rareflow, "trade_flows", "*", "*", "*.parquet"))]
    outputs += [(name, os.path.join(path, "*", "*", "*.parquet"))
                for name, path in (("duckdb", a.duckdb), ("polars", a.polars)) if path]
    res = [totals(con, glob) for _, glob in outputs]
    labels = ["rows", "sum kg", "rows with kg", "sum value (native)", "sum value (USD)",
              "months"]
    ok = True
    print(f"{'cross-check':<20}" + "".join(f" {name:>24}" for name, _ in outputs))
    for j, lab in enumerate(labels):
        vals = [r[j] for r in res]
        x = vals[0]
        same = all((x == y) if isinstance(x, int) else (
            x is not None and y is not None and abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1.0))
            for y in vals[1:])
        ok &= bool(same)
        cells = "".join(f" {v:>24,}" if isinstance(v, int) else f" {v:>24,.2f}" for v in vals)
        print(f"{lab:<20}{cells}  {'ok' if same else 'DIFFERENT'}")
    if getattr(a, "rows", False):
        # Row for row: the OUTPUT_COLUMNS of every row, as a multiset (EXCEPT ALL both ways),
        # measures rounded to 4 decimals. Memory grows with the rows: small releases only.
        def rows_of(glob):
            cols = ", ".join(
                f"round({c}, 4) AS {c}" if c in MEASURES else
                f"CAST({c} AS BIGINT) AS {c}" if c in ("year", "month") else c
                for c in OUTPUT_COLUMNS)
            return f"SELECT {cols} FROM read_parquet({sql_str(glob)}, hive_partitioning=true)"
        base = rows_of(outputs[0][1])
        for name, glob in outputs[1:]:
            other = rows_of(glob)
            only = [con.execute(f"SELECT count(*) FROM ({x} EXCEPT ALL {y})").fetchone()[0]
                    for x, y in ((base, other), (other, base))]
            same = only == [0, 0]
            ok &= same
            print(f"row for row vs {name}: {only[0]:,} rows only in {outputs[0][0]}, "
                  f"{only[1]:,} only in {name}  {'ok' if same else 'DIFFERENT'}")
    print("cross-check:", "MATCH" if ok else "MISMATCH")
    if not ok:
        sys.exit(1)
