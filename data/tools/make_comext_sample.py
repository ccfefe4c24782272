#!/usr/bin/env python3
"""Writes the bundled Eurostat Comext sample, data/raw/comext/2025/full_v2_2025MM.dat.

ILLUSTRATIVE figures, not a Eurostat release (no EU figure for these lines is in the
project's published-figures notes). Python 3.11, standard library only, deterministic.

- Imports (FLOW 1) of rare-earth magnets, CN8 85051110, 2025-01 to 2025-11, by Germany,
  France, Italy, the Netherlands, Poland and Spain from China, Japan, Viet Nam and the
  United States, in the `full_v2` layout (18 columns, comma-separated, LF).
- Imports from China: China's exports of 85051110 to that member in the PREVIOUS month, as
  in the bundled China Customs sample (data/raw/gacc; December 2024 for January), times a
  factor drawn from 0.85-1.05 (shipping takes about a month; EU declarations differ).
  Germany's are split into STAT_PROCEDURE 1 (about 93%) and 2 (inward processing).
- Other origins: fixed monthly tonnages per member (JP, VN, US) times a factor 0.8-1.2.
- Values: kilograms times a unit value in US dollars per kg (CN 45, JP 95, VN 40, US 110,
  times 0.95-1.05) converted to euros at the month's rate of data/reference/fx_rates.csv.
- EU27 totals: REPORTER EU27_2020 rows per origin = the six members' sum plus 12% for the
  other 21 members, and an EXT_EU27_2020 (all extra-EU origins) row = those plus 4% for
  origins not listed.
"""

import csv
import glob
import io
import os
import random

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
MONTHS = [f"2025{m:02d}" for m in range(1, 12)]
MEMBERS = {"DE": "304", "FR": "305", "IT": "307", "NL": "309", "PL": "327", "ES": "312"}
# Other origins, tonnes per month before the random factor.
OTHER_T = {
    "DE": {"JP": 28.0, "VN": 35.0, "US": 6.0},
    "FR": {"JP": 6.0, "VN": 4.0, "US": 2.5},
    "IT": {"JP": 5.0, "VN": 9.0, "US": 1.5},
    "NL": {"JP": 7.0, "VN": 12.0, "US": 3.0},
    "PL": {"JP": 2.0, "VN": 6.0, "US": 0.8},
    "ES": {"JP": 1.5, "VN": 3.0, "US": 0.6},
}
USD_PER_KG = {"CN": 45.0, "JP": 95.0, "VN": 40.0, "US": 110.0}
HEADER = (
    "REPORTER,PARTNER,TRADE_TYPE,PRODUCT_NC,PRODUCT_SITC,PRODUCT_CPA21,PRODUCT_CPA22,"
    "PRODUCT_BEC,PRODUCT_BEC5,PRODUCT_SECTION,FLOW,STAT_PROCEDURE,SUPPL_UNIT,PERIOD,"
    "VALUE_EUR,VALUE_NAC,QUANTITY_KG,QUANTITY_SUPPL_UNIT"
)
# National currency per euro for VALUE_NAC (2025 averages, rounded; not read by rareflow,
# which uses VALUE_EUR): Poland's zloty, the others use the euro.
NAC_PER_EUR = {"PL": 4.25}


def eur_per_usd():
    rates = {}
    with open(os.path.join(ROOT, "data/reference/fx_rates.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["currency"] == "EUR":
                rates[row["month"].replace("-", "")] = float(row["per_usd"])
    return rates


def china_exports_kg():
    """China's 85051110 exports by (YYYYMM, GACC partner code), kg, from data/raw/gacc."""
    out = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "data/raw/gacc/export/*/*.csv"))):
        raw = open(path, "rb").read()
        text = raw.decode("gb18030") if "_zh" in path and "2024" in path else raw.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        head = [h.strip() for h in rows[0]]
        for r in rows[1:]:
            d = dict(zip(head, r))
            code = d.get("Commodity code") or d.get("商品编码")
            if code != "85051110":
                continue
            month = d.get("Date of data") or d.get("数据年月")
            partner = d.get("Trading partner code") or d.get("贸易伙伴编码")
            unit = d.get("Unit") or d.get("第一计量单位")
            qty = d.get("Quantity") or d.get("第一数量")
            if unit not in ("Kilogram", "千克"):
                qty = d.get("Supplimentary Quantity") or d.get("第二数量")
            out[(month, partner)] = out.get((month, partner), 0.0) + float(qty.replace(",", ""))
    return out


def line(reporter, partner, trade_type, flow, procedure, period, eur, kg):
    nac = round(eur * NAC_PER_EUR.get(reporter, 1.0))
    return (
        f"{reporter},{partner},{trade_type},85051110,77881,279011,279011,42,411,XVI,{flow},"
        f"{procedure},,{period},{eur},{nac},{kg},0"
    )


def main():
    rates = eur_per_usd()
    china = china_exports_kg()
    out_dir = os.path.join(ROOT, "data/raw/comext/2025")
    os.makedirs(out_dir, exist_ok=True)
    for i, month in enumerate(MONTHS):
        rng = random.Random(f"comext-{month}")
        previous = "202412" if i == 0 else MONTHS[i - 1]
        rate = rates[month]
        lines = [HEADER]
        totals = {}

        def add(reporter, partner, kg, procedure=1):
            usd = kg * USD_PER_KG[partner] * rng.uniform(0.95, 1.05)
            eur = round(usd * rate)
            lines.append(line(reporter, partner, "E", 1, procedure, month, eur, kg))
            t = totals.setdefault(partner, [0, 0])
            t[0] += kg
            t[1] += eur

        for member, gacc_code in MEMBERS.items():
            shipped = china.get((previous, gacc_code), 0.0)
            kg = round(shipped * rng.uniform(0.85, 1.05))
            if kg > 0:
                if member == "DE":
                    inward = round(kg * 0.07)
                    add(member, "CN", kg - inward, 1)
                    add(member, "CN", inward, 2)
                else:
                    add(member, "CN", kg)
            for origin, tonnes in OTHER_T[member].items():
                add(member, origin, round(tonnes * 1000 * rng.uniform(0.8, 1.2)))
        extra_kg = extra_eur = 0
        for origin in ("CN", "JP", "VN", "US"):
            kg, eur = (round(v * 1.12) for v in totals[origin])
            lines.append(line("EU27_2020", origin, "E", 1, 1, month, eur, kg))
            extra_kg += kg
            extra_eur += eur
        extra_kg, extra_eur = round(extra_kg * 1.04), round(extra_eur * 1.04)
        lines.append(line("EU27_2020", "EXT_EU27_2020", "E", 1, 1, month, extra_eur, extra_kg))
        with open(os.path.join(out_dir, f"full_v2_{month}.dat"), "w", newline="\n") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
