#!/usr/bin/env python3
"""Generate a large, realistic synthetic China Customs (GACC) export release.

    python3 bench/gen_release.py --rows N --out DIR [--seed S] [--layout en|zh|mixed]
        [--partner-names zh|en] [--quoting all|minimal] [--trailing-comma|--no-trailing-comma]
        [--thousands all|million|none] [--second-unit most|some] [--names long|short]
        [--interleave] [--rows-per-file R] [--jobs J]

Writes DIR/gacc/export/export-YYYYMM-YYYYMM-partNNN-<en|zh>.csv (or
export-by-commodity-partNNN-<en|zh>.csv with --interleave). The defaults are the platform's
own dialect, as the real downloads (and the held-out 2M-row file of issue 21) have it: English
layout in UTF-8 with Chinese partner names, every field quoted, a trailing comma on every
line, thousands separators on every number from 1,000, a second quantity/unit on most lines,
full (long) commodity names. One flag per property changes it:

* `--layout en|zh|mixed` (en):
  * `en` files: English header (with the platform's spelling "Supplimentary"), the customs
    regime columns, value column `US dollar`, UTF-8, `-` for no second unit.
  * `zh` files: Chinese header, value column `人民币` (whole yuan), GB18030 bytes, `?` for no
    second unit, Chinese partner and commodity names.
  * `mixed`: alternating files, half of each (at least one of each).
* `--partner-names zh|en` (zh): the text of the `Trading partner` column of English files,
  Chinese (`美国`, as the platform writes it) or English (`United States`). Partners are
  identified by their code; the name is never joined on. Chinese files always say Chinese.
* `--quoting all|minimal` (all): every field in double quotes, or only the fields that need
  them (a comma inside: names, numbers with thousands separators), as Python's
  csv.QUOTE_MINIMAL writes them. Header included.
* `--trailing-comma` / `--no-trailing-comma` (on): every line, header included, ends with `,`
  (one more, empty, field), as the platform writes; or not.
* `--thousands all|million|none` (all): thousands separators (`1,234`) on quantities and value
  from 1,000; `million`: the value from 1,000 but quantities only from 1,000,000 (the
  generator before issue 21); `none`: no separators anywhere.
* `--second-unit most|some` (most): `most`: a second quantity and unit on most lines, fixed
  per tariff line as legal units are: kilogram lines report kilograms again (~40% of lines)
  or a count (个/台/件/双, ~35%) in the second unit, count/volume lines report kilograms,
  carats none (~75% of rows have a second unit). `some`: only count/volume lines (kilograms
  second) and ~6% of kilogram rows at random (a count); the generator before issue 21.
* `--names long|short` (long): `short`: the code table's own abbreviated names
  (`Carboxylic acids with phenol function,no othr oxygen function, derivs, nes`, 47 bytes on
  average, what the generator wrote before issue 21). `long`: the same names with their
  abbreviations spelled out as the printed schedule has them (`other`, `derivatives`, `not
  elsewhere specified`, `and` for `&`, `or` between words, `including`, `weight` ..., and a
  space after each comma), 53 bytes on average. The spelling-out is the generator's own
  (the held-out file's names are not available); with it the default shape comes to ~160
  bytes per row, the held-out file's 159. Chinese names are the table's in both modes.
* `--interleave`: a download grouped by commodity, as analysts also make them (the
  platform's multi-month downloads are sorted by month, see tests/fixtures/gacc-real/). Each
  file covers all 36 months and its own block of tariff lines (files are split by commodity
  code, so still no file revises another), and its rows are sorted by commodity, partner,
  then month: the months interleave row by row (consecutive rows are almost always in
  different months). Without it each file is one block of months, rows sorted by month,
  partner, commodity.

The generator before issue 21 is `--layout mixed --partner-names en --quoting all
--trailing-comma --thousands million --second-unit some --names short` (byte for byte).

Content: every 8-digit line of China's tariff (bench/gacc_hs8_all.csv, a copy of the
project's code table) with its real names; real GACC partner codes and names
(data/reference/countries.csv: name_en and name_zh); 36 months 2023-01..2025-12 as YYYYMM;
Zipf-skewed partners and commodities; log-normal quantities and unit prices; first unit
千克/Kilogram on most lines, count/volume units (个/台/升/双/件/辆/头/...) with kilograms in the
second unit on others, carats with no second unit on gems.

Deterministic: the same arguments (other than --jobs and --out) give the same bytes. Each
file has its own RNG seeded from (seed, file index), so --jobs does not change the bytes.
"""

import argparse
import bisect
import csv
import math
import os
import random
import re
import sys
import time
import zlib
from multiprocessing import Pool

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
HS8_CSV = os.path.join(HERE, "gacc_hs8_all.csv")
COUNTRIES_CSV = os.path.join(REPO, "data", "reference", "countries.csv")
FX_CSV = os.path.join(REPO, "data", "reference", "fx_rates.csv")

MONTHS = [(y, m) for y in (2023, 2024, 2025) for m in range(1, 13)]

EN_HEADER = ["Date of data", "Trading partner code", "Trading partner", "Commodity code",
             "Commodity", "Customs Regime code", "Customs Regime", "Quantity", "Unit",
             "Supplimentary Quantity", "Supplimentary Unit", "US dollar"]
ZH_HEADER = ["数据年月", "贸易伙伴编码", "贸易伙伴名称", "商品编码", "商品名称", "第一数量",
             "第一计量单位", "第二数量", "第二计量单位", "人民币"]

# Customs regimes (GACC trade-mode codes) and rough shares of export lines.
REGIMES = [
    ("10", "Ordinary Trade", 58), ("15", "Processing with Imported Materials", 14),
    ("14", "Processing and Assembling", 5), ("33", "Bonded Warehousing", 4),
    ("34", "Logistics Goods by Customs Special Control Area", 7), ("19", "Border Trade", 2),
    ("20", "Equipment for Processing Trade", 1), ("22", "Contracting Projects", 1),
    ("12", "Donation by Overseas Chinese", 0.2), ("11", "International Aid", 0.3),
    ("25", "Outward Processing", 0.5), ("39", "Other", 7),
]

# Units: (zh, en, kilograms per unit range or None when the line has no kg figure).
KG = ("千克", "Kilogram")
COUNT_UNITS = {
    "item": ("个", "Number of item", (0.02, 3.0)),
    "set": ("台", "Set", (2.0, 800.0)),
    "litre": ("升", "Litre", (0.8, 1.3)),
    "pair": ("双", "Pair", (0.2, 1.5)),
    "piece": ("件", "Piece", (0.1, 1.5)),
    "vehicle": ("辆", "Vehicle", (80.0, 3000.0)),
    "head": ("头", "Head", (5.0, 600.0)),
    "sqm": ("平方米", "Square metre", (0.1, 20.0)),
    "cbm": ("立方米", "Cubic metre", (400.0, 900.0)),
    "sheet": ("张", "Sheet", (0.001, 2.0)),
    "carat": ("克拉", "Carat", None),
}
# --second-unit some: a few kg rows also report a count in the second unit (kg still comes
# from the first).
KG_SECOND_COUNT = 0.06
# --second-unit most: the second unit of a kg line, fixed per line (per mille of a hash):
# kilograms again below KG_SECOND_KG, a count below KG_SECOND_ANY, else none.
KG_SECOND_KG, KG_SECOND_ANY = 400, 750
# The count a kg line reports second, by chapter (else 个/Number of item).
SECOND_COUNT_BY_CHAPTER = {61: "piece", 62: "piece", 63: "piece", 64: "pair", 84: "set",
                           85: "set", 90: "set", 94: "piece", 95: "item"}

# --names long: the code table's abbreviations spelled out as the schedule prints them
# (whole words only, case kept for the first letter).
ABBREVIATIONS = {
    "nes": "not elsewhere specified", "nesoi": "not elsewhere specified or included",
    "othr": "other", "oth": "other", "excl": "excluding", "incl": "including",
    "prep": "prepared", "prepd": "prepared", "prprd": "prepared", "rlld": "rolled",
    "wt": "weight", "thk": "thickness", "thck": "thickness", "cottn": "cotton",
    "mach": "machines", "prod": "products", "prdct": "products", "mtl": "metal",
    "fib": "fibres", "derivs": "derivatives", "nfw": "not further worked",
    "wid": "width", "flm": "film", "mfr": "manufacture", "mfd": "manufactured",
    "sim": "similar", "spp": "species", "collectn": "collections", "reciprocatng": "reciprocating",
    "vehcl": "vehicles", "igni": "ignition", "trtmnt": "treatment", "mttr": "matter",
    "saltd": "salted", "brn": "brine", "drd": "dried", "smkd": "smoked",
    "containng": "containing", "lenghwise": "lengthwise",
}

# Big partners first: these get the head of the Zipf distribution (US, HK, JP, KR, VN, IN,
# DE, NL, RU, MY, TH, ... by GACC code), the rest follow in table order.
MAJOR_PARTNERS = ["502", "110", "116", "133", "141", "129", "304", "309", "344", "122", "136",
                  "112", "143", "132", "303", "601", "301", "305", "410", "501", "307", "138",
                  "127", "130", "137", "117", "312", "315", "142", "216", "402", "139"]


def read_csv_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def zipf_cum(n, s):
    cum, t = [], 0.0
    for i in range(n):
        t += 1.0 / (i + 1) ** s
        cum.append(t)
    return cum


def unit_for(hs8):
    """Unit profile of a tariff line: fixed by the code (chapter first, then a hash)."""
    ch = int(hs8[:2])
    h = zlib.crc32(hs8.encode()) % 1000
    if ch == 1:
        return "head" if h < 800 else "kg"
    if ch == 71 and hs8[:4] in ("7102", "7103", "7104"):
        return "carat"
    if ch == 22:
        return "litre" if h < 700 else "kg"
    if ch == 64:
        return "pair" if h < 850 else "kg"
    if ch in (61, 62):
        return "piece" if h < 500 else ("item" if h < 700 else "kg")
    if ch in (84, 85):
        return "set" if h < 400 else ("item" if h < 550 else "kg")
    if ch == 87:
        return "vehicle" if h < 450 else "kg"
    if ch == 44:
        return "cbm" if h < 400 else "kg"
    if ch in (48, 49):
        return "sheet" if h < 150 else "kg"
    if ch in (57, 59):
        return "sqm" if h < 500 else "kg"
    if h < 60:
        return "item"
    return "kg"


def expand(name):
    """A table name with its abbreviations spelled out (`&` -> and, `/` -> or, `nes` ...)."""
    def word(m):
        w = m.group(1)
        full = ABBREVIATIONS.get(w.lower())
        if full is None:
            return m.group(0)
        full = full[0].upper() + full[1:] if w[0].isupper() else full
        # `prep.for` -> `prepared for`
        return full + " " if m.group(2) and m.end() < len(name) and name[m.end()].isalnum() \
            else full
    out = re.sub(r"\b([A-Za-z]+)\b(\.?)", word, name)
    out = re.sub(r"\s*&\s*", " and ", out)
    out = re.sub(r"(?<=[A-Za-z]{3})/(?=[A-Za-z]{3})", " or ", out)
    out = re.sub(r",(?=\S)", ", ", out)
    return " ".join(out.split())


def load_tables():
    hs = []
    for r in read_csv_rows(HS8_CSV):
        code = r["hs8"].strip()
        if len(code) != 8 or not code.isdigit():
            continue
        # The platform writes inner double quotes bare, which makes a field like
        # `"tyres with "herring-bone", for ..."` ambiguous for any CSV reader (rareflow
        # included). Four names have them; use apostrophes so both engines read every row.
        name_en = " ".join(r["name_en"].split()).replace('"', "'")
        name_zh = " ".join(r["name_zh"].split()).replace('"', "'")
        hs.append((code, name_zh, name_en, unit_for(code)))
    countries = [(r["gacc_code"], r["name_zh"], r["name_en"].replace('"', "'"))
                 for r in read_csv_rows(COUNTRIES_CSV)]
    # month,currency,per_usd (older copies: month,cny_per_usd).
    fx = {r["month"]: float(r.get("cny_per_usd") or r["per_usd"]) for r in read_csv_rows(FX_CSV)
          if r.get("currency", "CNY") == "CNY"}
    return hs, countries, fx


def thousands(v):
    return f"{v:,}"


def second_unit_of_kg_line(hs8):
    """--second-unit most: what a kilogram line reports second ("kg", a count unit, None)."""
    h = zlib.crc32(b"second:" + hs8.encode()) % 1000
    if h < KG_SECOND_KG:
        return "kg"
    if h < KG_SECOND_ANY:
        return SECOND_COUNT_BY_CHAPTER.get(int(hs8[:2]), "item")
    return None


def quote_all(fields):
    return '"' + '","'.join(fields) + '"'


def quote_minimal(fields):
    return ",".join('"' + f.replace('"', '""') + '"' if ("," in f or '"' in f or "\n" in f)
                    else f for f in fields)


def gen_file(task):
    index, nrows, layout, seed, out_path, months, hs_block, shape = task
    hs, countries, fx = load_tables()
    names_en = [expand(c[2]) if shape["names"] == "long" else c[2] for c in hs]
    most = shape["second_unit"] == "most"
    second_kind = [second_unit_of_kg_line(c[0]) if c[3] == "kg" else None for c in hs]
    # Fixed orderings (independent of the file) so every file shares the same skew.
    order_rng = random.Random(seed * 7919 + 17)
    hs_order = list(range(len(hs)))
    order_rng.shuffle(hs_order)
    by_code = {c[0]: i for i, c in enumerate(countries)}
    majors = [by_code[c] for c in MAJOR_PARTNERS if c in by_code]
    rest = [i for i in range(len(countries)) if i not in set(majors)]
    order_rng.shuffle(rest)
    partner_order = majors + rest
    # Per-line price level (USD per kg, log scale) and per-unit weight, fixed per code.
    price_mu = [order_rng.gauss(1.6, 1.3) for _ in hs]
    weight = []
    for code, _, _, unit in hs:
        rng_w = COUNT_UNITS.get(unit, (None, None, None))[2]
        weight.append(order_rng.uniform(*rng_w) if rng_w else 1.0)

    rng = random.Random(seed * 1_000_003 + index)
    hs_cum = zipf_cum(len(hs), 0.9)
    pa_cum = zipf_cum(len(countries), 1.1)
    # Exports grow a little over the 36 months, with a February dip (Chinese New Year).
    mo_w = [(1.0 + 0.006 * i) * (0.75 if m == 2 else 1.0) for i, (_, m) in enumerate(MONTHS)]
    mo_cum = list(__import__("itertools").accumulate(mo_w))

    n_hs, n_pa = len(hs), len(countries)
    if hs_block is None:
        # Every tariff line appears at least once in each file (when the file is big enough).
        hs_idx = list(range(n_hs)) if nrows >= 4 * n_hs else []
        extra = nrows - len(hs_idx)
        hs_idx += [hs_order[i] for i in rng.choices(range(n_hs), cum_weights=hs_cum, k=extra)]
    else:
        # This file's block of tariff lines, with the same skew as the whole tariff.
        rank = {h: r for r, h in enumerate(hs_order)}
        block = list(range(*hs_block))
        block_cum = list(__import__("itertools").accumulate(
            1.0 / (rank[h] + 1) ** 0.9 for h in block))
        hs_idx = list(block) if nrows >= 4 * len(block) else []
        hs_idx += rng.choices(block, cum_weights=block_cum, k=nrows - len(hs_idx))
    pa_idx = [partner_order[i] for i in rng.choices(range(n_pa), cum_weights=pa_cum, k=nrows)]
    # Each file is one download covering a block of months, as analysts download them: no
    # two files report the same month, so no file revises another.
    lo, hi = months
    mo_idx = rng.choices(range(lo, hi), cum_weights=[c - (mo_cum[lo - 1] if lo else 0) for c in mo_cum[lo:hi]], k=nrows)
    if hs_block is None:
        keys = sorted(mo * 10_000_000 + p * 10_000 + h for mo, p, h in zip(mo_idx, pa_idx, hs_idx))
    else:
        # Grouped by commodity, then partner, then month: months interleave row by row.
        keys = sorted((h * 1_000 + p) * 100 + mo for mo, p, h in zip(mo_idx, pa_idx, hs_idx))
        keys = [mo * 10_000_000 + p * 10_000 + h
                for h, p, mo in ((k // 100_000, k // 100 % 1_000, k % 100) for k in keys)]

    english = layout == "en"
    reg_cum = list(__import__("itertools").accumulate(w for _, _, w in REGIMES))
    regimes = rng.choices(REGIMES, cum_weights=reg_cum, k=nrows) if english else None
    periods = [f"{y}{m:02d}" for y, m in MONTHS]
    rate = [fx.get(f"{y}-{m:02d}", 7.1) for y, m in MONTHS]
    kg_unit = KG[1] if english else KG[0]
    no_unit = "-" if english else "?"
    lognorm = rng.lognormvariate
    rand = rng.random
    gauss = rng.gauss

    partner_zh = shape["partner_names"] == "zh"
    sep = shape["thousands"]
    quote = quote_all if shape["quoting"] == "all" else quote_minimal
    end = ",\n" if shape["trailing_comma"] else "\n"
    enc = "utf-8" if english else "gb18030"
    written = 0
    with open(out_path, "wb") as f:
        f.write((quote(EN_HEADER if english else ZH_HEADER) + end).encode(enc))
        lines = []
        for i, key in enumerate(keys):
            mo, rem = divmod(key, 10_000_000)
            p, h = divmod(rem, 10_000)
            code, name_zh, _, unit = hs[h]
            pcode, pname_zh, pname_en = countries[p]
            r = rand()
            if unit == "kg":
                kg = int(lognorm(7.2, 2.6)) if r > 0.001 else 0
                q1, u1 = kg, kg_unit
                if most:
                    kind = second_kind[h]
                    if kind == "kg":
                        q2, u2 = kg, kg_unit
                    elif kind is not None:
                        q2 = max(1, int(kg / (0.05 + 3 * rand())))
                        u2 = COUNT_UNITS[kind][1 if english else 0]
                    else:
                        q2, u2 = 0, no_unit
                elif rand() < KG_SECOND_COUNT:
                    q2 = max(1, int(kg / (0.05 + 3 * rand())))
                    u2 = COUNT_UNITS["item"][1 if english else 0]
                else:
                    q2, u2 = 0, no_unit
            else:
                zh_u, en_u, w_range = COUNT_UNITS[unit]
                q1 = int(lognorm(4.5, 2.4)) if r > 0.001 else 0
                u1 = en_u if english else zh_u
                if w_range is None:
                    kg = q1 * 0.0002
                    q2, u2 = 0, no_unit
                else:
                    kg = q1 * weight[h] * (0.7 + 0.6 * rand())
                    q2, u2 = int(kg), kg_unit
            usd = kg * math.exp(price_mu[h] + gauss(0.0, 0.5)) if kg > 0 else lognorm(6.0, 2.0)
            if r <= 0.001:
                usd = 0.0
            value = int(usd) if english else int(usd * rate[mo])
            if sep == "all":
                q1s, q2s, vs = thousands(q1), thousands(q2), thousands(value)
            elif sep == "million":
                q1s = thousands(q1) if q1 >= 1_000_000 else str(q1)
                q2s = thousands(q2) if q2 >= 1_000_000 else str(q2)
                vs = thousands(value)
            else:
                q1s, q2s, vs = str(q1), str(q2), str(value)
            if english:
                rc, rn, _ = regimes[i]
                lines.append(quote((periods[mo], pcode, pname_zh if partner_zh else pname_en,
                                    code, names_en[h], rc, rn, q1s, u1, q2s, u2, vs)) + end)
            else:
                lines.append(quote((periods[mo], pcode, pname_zh, code, name_zh,
                                    q1s, u1, q2s, u2, vs)) + end)
            if len(lines) >= 50_000:
                f.write("".join(lines).encode(enc))
                written += len(lines)
                lines = []
        f.write("".join(lines).encode(enc))
        written += len(lines)
    return out_path, written, os.path.getsize(out_path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--layout", choices=("en", "zh", "mixed"), default="en",
                    help="English (UTF-8) or Chinese (GB18030) files, or alternating (default en)")
    ap.add_argument("--partner-names", choices=("zh", "en"), default="zh",
                    help="partner name text in English files (default zh, as the platform)")
    ap.add_argument("--quoting", choices=("all", "minimal"), default="all",
                    help="quote every field, or only those with a comma (default all)")
    ap.add_argument("--trailing-comma", action=argparse.BooleanOptionalAction, default=True,
                    help="end every line with a comma (default on)")
    ap.add_argument("--thousands", choices=("all", "million", "none"), default="all",
                    help="thousands separators from 1,000, on quantities only from "
                         "1,000,000, or none (default all)")
    ap.add_argument("--second-unit", choices=("most", "some"), default="most",
                    help="second quantity/unit on most lines, or on count lines and a few "
                         "kg rows (default most)")
    ap.add_argument("--names", choices=("long", "short"), default="long",
                    help="full commodity names or the code table's abbreviations "
                         "(default long)")
    ap.add_argument("--rows-per-file", type=int, default=250_000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--interleave", action="store_true",
                    help="files by commodity block over all months, months interleaved")
    a = ap.parse_args(argv)
    if a.rows < 1:
        ap.error("--rows must be positive")
    # At most one file per month: larger releases get larger files.
    nfiles = min(len(MONTHS), max(1, math.ceil(a.rows / a.rows_per_file)))
    if a.layout == "mixed":
        nfiles = max(2, nfiles)
    base, rem = divmod(a.rows, nfiles)
    out_dir = os.path.join(a.out, "gacc", "export")
    os.makedirs(out_dir, exist_ok=True)
    n_codes = len(load_tables()[0])
    shape = {"partner_names": a.partner_names, "quoting": a.quoting,
             "trailing_comma": a.trailing_comma, "thousands": a.thousands,
             "second_unit": a.second_unit, "names": a.names}
    tasks = []
    for i in range(nfiles):
        layout = a.layout if a.layout != "mixed" else ("en" if i % 2 == 0 else "zh")
        n = base + (1 if i < rem else 0)
        if a.interleave:
            lo, hi = 0, len(MONTHS)
            block = (i * n_codes // nfiles, (i + 1) * n_codes // nfiles)
            name = f"export-by-commodity-part{i:03d}-{layout}.csv"
        else:
            lo, hi = i * len(MONTHS) // nfiles, (i + 1) * len(MONTHS) // nfiles
            block = None
            (y0, m0), (y1, m1) = MONTHS[lo], MONTHS[hi - 1]
            name = f"export-{y0}{m0:02d}-{y1}{m1:02d}-part{i:03d}-{layout}.csv"
        path = os.path.join(out_dir, name)
        tasks.append((i, n, layout, a.seed, path, (lo, hi), block, shape))
    t0 = time.time()
    if a.jobs > 1 and nfiles > 1:
        with Pool(min(a.jobs, nfiles)) as pool:
            results = pool.map(gen_file, tasks, chunksize=1)
    else:
        results = [gen_file(t) for t in tasks]
    rows = sum(r[1] for r in results)
    size = sum(r[2] for r in results)
    print(f"wrote {rows:,} rows in {len(results)} files, {size / 1e6:.1f} MB, to {out_dir} "
          f"in {time.time() - t0:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
