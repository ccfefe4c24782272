#!/usr/bin/env python3
"""The Polars side of the benchmark: the job of bench/load_common.py as one lazy query,
streamed to zstd Parquet partitioned by year/month.

    polars_load.py load --work DIR --out OUT [--quiet]   # timed

DIR is the folder `duckdb_load.py prep` made (manifest.json, UTF-8 copies of GB18030 files):
both sides read the same bytes and do the same work (see load_common.py).
"""

import argparse
import os
import sys
import time

import polars as pl

from load_common import COUNTRIES, KG_UNITS, NO_UNIT, PRODUCTS, canonical, fx_rows, load_manifest


def group_frame(g):
    """The files of one header group, with the canonical raw columns (all text)."""
    names = g["header"]
    canon = canonical(names, g["files"][0])
    cols = [f"c{i}" for i in range(len(names))]
    # The platform's trailing comma on every line makes one more, always empty, field.
    if g.get("trailing_comma", True):
        cols.append("c_trailing")
    currency = next(k.split(":")[1] for k in canon if k.startswith("value:"))
    lf = pl.scan_csv(g["files"], has_header=False, skip_rows=1,
                     schema={c: pl.String for c in cols},
                     quote_char='"', include_file_paths="path")

    def col(name):
        i = canon.get(name)
        return pl.col(f"c{i}") if i is not None else pl.lit(None, dtype=pl.String)

    base = g["base"].rstrip("/") + "/"
    return lf.select(
        col("period").alias("period_text"), col("partner_code").alias("partner_code"),
        col("hs_code").alias("hs_code"), col("regime_code").alias("regime_code"),
        col("q1").alias("q1"), col("u1").alias("u1"), col("q2").alias("q2"),
        col("u2").alias("u2"), col(f"value:{currency}").alias("value_text"),
        pl.lit(currency).alias("currency"),
        pl.col("path").str.strip_prefix(base).alias("source_file"),
    )


def number(c):
    return pl.col(c).str.strip_chars().str.replace_all(",", "", literal=True).cast(pl.Float64)


def kg_factor(c):
    return pl.col(c).str.to_lowercase().replace_strict(KG_UNITS, default=None,
                                                      return_dtype=pl.Float64)


def build(manifest):
    raw = pl.concat([group_frame(g) for g in manifest["groups"]], how="vertical")
    no_u2 = pl.col("u2").is_null() | pl.col("u2").str.strip_chars().is_in(list(NO_UNIT))
    period = pl.col("period_text").str.strip_chars()
    parsed = raw.select(
        period.alias("yyyymm"),
        period.str.slice(0, 4).cast(pl.Int32).alias("year"),
        period.str.slice(4, 2).cast(pl.Int32).alias("month"),
        pl.col("partner_code").str.strip_chars(),
        pl.col("hs_code").str.strip_chars(),
        pl.col("regime_code").str.strip_chars().replace("", None).alias("customs_regime"),
        number("q1").alias("q1"),
        pl.col("u1").str.strip_chars(),
        pl.when(no_u2).then(None).otherwise(number("q2")).alias("q2"),
        pl.when(no_u2).then(None).otherwise(pl.col("u2").str.strip_chars()).alias("u2"),
        number("value_text").alias("value"),
        "currency", "source_file",
    )
    countries = pl.scan_csv(COUNTRIES, infer_schema=False).select(
        pl.col("gacc_code").alias("partner_code"), pl.col("iso3").alias("partner"),
        pl.col("name_en").alias("partner_name"), "partner_kind")
    products = pl.scan_csv(PRODUCTS, infer_schema=False).select(
        pl.col("hs8").alias("hs_code"), "product_group", "element")
    months, rates = zip(*fx_rows())
    fx = pl.LazyFrame({"yyyymm": list(months), "cny_per_usd": list(rates)})
    joined = (parsed.join(countries, on="partner_code", how="inner")
              .join(products, on="hs_code", how="left")
              .join(fx, on="yyyymm", how="left"))
    return joined.select(
        pl.lit("gacc").alias("source"), pl.lit("CHN").alias("reporter"),
        pl.lit("export").alias("flow"), "partner", "partner_code", "partner_name",
        "partner_kind", pl.date("year", "month", 1).alias("period"), "year", "month",
        "hs_code", pl.col("hs_code").str.slice(0, 6).alias("hs6"), "product_group",
        pl.col("element").replace("", None), "customs_regime",
        pl.coalesce(pl.col("q1") * kg_factor("u1"), pl.col("q2") * kg_factor("u2"))
        .alias("quantity_kg"),
        pl.col("q1").alias("quantity_native"), pl.col("u1").alias("unit_native"),
        pl.col("value").alias("value_native"), "currency",
        pl.when(pl.col("currency") == "USD").then(pl.col("value"))
        .otherwise(pl.col("value") / pl.col("cny_per_usd")).alias("value_usd"),
        "source_file",
    )


def cmd_load(a):
    manifest = load_manifest(a.work)
    t0 = time.time()
    build(manifest).sink_parquet(
        pl.PartitionBy(os.path.abspath(a.out), key=["year", "month"], include_key=False),
        compression="zstd", mkdir=True)
    if not a.quiet:
        print(f"polars: wrote {a.out} in {time.time() - t0:.2f}s", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("load")
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    {"load": cmd_load}[a.cmd](a)


if __name__ == "__main__":
    main()
