#!/usr/bin/env python3
"""Saved queries (sql/*.sql): rareflow-query vs DuckDB over the same warehouse files.

    query_bench.py --warehouse W --query-bin rareflow-query [--sql-dir sql] [--runs 3]
                   [--only NAME ...]

rareflow side: `rareflow-query --warehouse W run NAME -f csv` (parameter defaults), one process
per run; its wall time includes process start, catalog open and printing.

DuckDB side: a fresh in-process connection per run with views named like the warehouse
tables (trade_flows over W/trade_flows/*/*/*.parquet with hive_partitioning, the
others over W/<table>/*.parquet), the query text with every `$name` replaced by its
default as a literal (month -> DATE 'YYYY-MM-01', date -> DATE '...', text -> '...', numbers
as written), then fetchall(). Timed: connect + views + query + fetch.

Queries DuckDB cannot run are skipped and reported. Row counts of both answers are compared.
"""

import argparse
import csv
import io
import os
import re
import statistics
import subprocess
import sys
import time

import duckdb

PARAM = re.compile(r"^--\s*param:\s*(\w+)\s+(\w+)\s*=\s*(.*?)\s*(?::\s.*)?$")


def parse_params(text):
    params = {}
    for line in text.splitlines():
        m = PARAM.match(line.strip())
        if m:
            params[m.group(1)] = (m.group(2).lower(), m.group(3).strip())
    return params


def literal(kind, value):
    if kind == "month":
        v = value if len(value) > 7 else value + "-01"
        return f"DATE '{v}'"
    if kind == "date":
        return f"DATE '{value}'"
    if kind in ("int", "integer", "bigint", "float", "double", "number", "real"):
        float(value)
        return value
    if kind in ("bool", "boolean"):
        return "TRUE" if value.lower() in ("true", "1", "yes") else "FALSE"
    return "'" + value.replace("'", "''") + "'"


def substitute(sql, params):
    # Longest names first, and whole names only ($month must not touch $months).
    for name in sorted(params, key=len, reverse=True):
        kind, default = params[name]
        sql = re.sub(r"\$" + re.escape(name) + r"\b", lambda _: literal(kind, default), sql)
    return sql


def views(con, wh):
    # A warehouse written by one run: every file in a table folder is in its Delta log.
    cur = wh
    for t in sorted(os.listdir(cur)):
        d = os.path.join(cur, t)
        if not os.path.isdir(d) or t.startswith("_"):
            continue
        if t in ("trade_flows", "trade_flows_superseded"):
            pattern = f"{d}/*/*/*.parquet"
            src = f"read_parquet('{pattern}', hive_partitioning=true)"
        else:
            pattern = f"{d}/*.parquet"
            src = f"read_parquet('{pattern}')"
        if not __import__("glob").glob(pattern):
            # No revisions yet: an empty table with the columns of trade_flows.
            con.execute(f'CREATE VIEW "{t}" AS SELECT * FROM trade_flows LIMIT 0')
            continue
        con.execute(f'CREATE VIEW "{t}" AS SELECT * FROM {src}')


def run_duckdb(wh, sql):
    t0 = time.perf_counter()
    con = duckdb.connect()
    views(con, wh)
    rows = con.execute(sql).fetchall()
    dt = time.perf_counter() - t0
    con.close()
    return dt, len(rows)


def run_rareflow(binary, wh, sql_dir, name):
    t0 = time.perf_counter()
    p = subprocess.run([binary, "--warehouse", wh, "--sql-dir", sql_dir, "run", name,
                        "-f", "csv"], capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else
                           f"exit {p.returncode}")
    n = max(0, len(list(csv.reader(io.StringIO(p.stdout)))) - 1)
    return dt, n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--query-bin", required=True)
    ap.add_argument("--sql-dir", default=os.path.join(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))), "sql"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", nargs="*")
    a = ap.parse_args()
    wh = os.path.realpath(a.warehouse)
    names = sorted(f[:-4] for f in os.listdir(a.sql_dir) if f.endswith(".sql"))
    if a.only:
        names = [n for n in names if n in a.only]

    # Process-start floor of the rareflow side: `tables` opens the catalog and prints.
    base = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        subprocess.run([a.query_bin, "--warehouse", wh, "tables"], capture_output=True)
        base.append(time.perf_counter() - t0)

    rows_out, skipped = [], []
    for name in names:
        text = open(os.path.join(a.sql_dir, name + ".sql"), encoding="utf-8").read()
        sql = substitute(text, parse_params(text))
        r_times, d_times, r_n, d_n, r_err, d_err = [], [], None, None, None, None
        for _ in range(a.runs):
            try:
                t, r_n = run_rareflow(a.query_bin, wh, a.sql_dir, name)
                r_times.append(t)
            except Exception as e:  # noqa: BLE001 - report and move on
                r_err = str(e)
                break
        for _ in range(a.runs):
            try:
                t, d_n = run_duckdb(wh, sql)
                d_times.append(t)
            except Exception as e:  # noqa: BLE001
                d_err = str(e).splitlines()[0]
                break
        if d_err:
            skipped.append((name, "duckdb", d_err))
        if r_err:
            skipped.append((name, "rareflow", r_err))
        rows_out.append((name,
                         statistics.median(r_times) if r_times and not r_err else None,
                         statistics.median(d_times) if d_times and not d_err else None,
                         r_n, d_n))

    print(f"warehouse {wh}; median of {a.runs} run(s), wall seconds")
    print(f"rareflow-query process floor (`tables`): {statistics.median(base):.3f} s")
    w = max(len(n) for n in names) if names else 10
    print(f"{'query':<{w}}  {'rareflow s':>10}  {'duckdb s':>9}  {'ratio':>6}  "
          f"{'rows rf':>7}  {'rows dd':>7}")
    fmt = lambda x: f"{x:.3f}" if x is not None else "-"
    for name, r, d, rn, dn in rows_out:
        ratio = f"{r / d:.1f}" if r and d else "-"
        flag = "" if rn is None or dn is None or rn == dn else "  ROWS DIFFER"
        print(f"{name:<{w}}  {fmt(r):>10}  {fmt(d):>9}  {ratio:>6}  "
              f"{rn if rn is not None else '-':>7}  {dn if dn is not None else '-':>7}{flag}")
    if skipped:
        print("\nskipped:")
        for name, side, err in skipped:
            print(f"  {name} ({side} cannot run it): {err[:200]}")


if __name__ == "__main__":
    main()
