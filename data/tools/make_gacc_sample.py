#!/usr/bin/env python3
"""Generate rareflow's bundled sample of China Customs (GACC) rare-earth trade releases.

Writes data/raw/gacc/export/YYYY/*.csv (one file per month, 2024-01 .. 2026-03),
data/raw/gacc/import/2025/*.csv and data/raw/gacc/CHECKSUMS.txt.

The files copy the byte-level format of real downloads from GACC's online statistics
platform (see tests/fixtures/gacc-real): every field quoted, trailing comma on
every line, thousands separators in the value column, `?` / `-` for "no second unit".

  2024 months    Chinese layout, GB18030, CRLF, value column 人民币 (whole yuan)
  2025 months    English layout, UTF-8 (no BOM), LF, value column "US dollar",
                 customs-regime columns; 2025-07 has a different column order;
                 2025-03 has two rows whose first unit is "Number of item"
  2026 months    Chinese layout, UTF-8 with BOM, LF, value column 美元
  imports        2025-10 and 2025-11, Chinese layout, GB18030, LF, 人民币
  2024-11        some quantities carry thousands separators

Quantities reproduce the published figures (published-figures.md: Reuters/Bloomberg
reports of China Customs data) exactly in kilograms; everything else is filled in
deterministically (seeded PRNG, standard library only). After writing, the script
re-reads every file with an independent parser, recomputes the monthly totals,
asserts them against the targets and writes the table to CHECKSUMS.txt.

Usage:  python3 data/tools/make_gacc_sample.py
"""

import csv
import hashlib
import io
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RAW = os.path.join(ROOT, "data", "raw", "gacc")

# --------------------------------------------------------------------------------------
# Reference tables (copied verbatim from gacc_countries.csv / gacc_hs8_rare_earth.csv;
# English partner names as used by GACC's English platform)
# --------------------------------------------------------------------------------------
PARTNERS = {
    # code: (name_zh, name_en)
    106: ("缅甸", "Myanmar"),
    110: ("香港", "Hong Kong, China"),
    111: ("印度", "India"),
    112: ("印度尼西亚", "Indonesia"),
    116: ("日本", "Japan"),
    119: ("老挝", "Lao PDR"),
    122: ("马来西亚", "Malaysia"),
    129: ("菲律宾", "Philippines"),
    132: ("新加坡", "Singapore"),
    133: ("韩国", "Korea, Rep."),
    136: ("泰国", "Thailand"),
    137: ("土耳其", "Turkey"),
    141: ("越南", "Viet Nam"),
    143: ("台澎金马关税区", "Taiwan, China"),
    301: ("比利时", "Belgium"),
    303: ("英国", "United Kingdom"),
    304: ("德国", "Germany"),
    305: ("法国", "France"),
    307: ("意大利", "Italy"),
    309: ("荷兰", "Netherlands"),
    312: ("西班牙", "Spain"),
    315: ("奥地利", "Austria"),
    321: ("匈牙利", "Hungary"),
    327: ("波兰", "Poland"),
    330: ("瑞典", "Sweden"),
    334: ("爱沙尼亚", "Estonia"),
    344: ("俄罗斯联邦", "Russian Federation"),
    352: ("捷克", "Czech Republic"),
    410: ("巴西", "Brazil"),
    429: ("墨西哥", "Mexico"),
    501: ("加拿大", "Canada"),
    502: ("美国", "United States"),
}
US, DE, KR, JP, VN, IN, EE = 502, 304, 133, 116, 141, 111, 334

COMMODITIES = {
    # hs8: (name_zh, name_en)
    "25309020": ("稀土金属矿", "Ores of rare-earth metals"),
    "28053011": ("钕，未相混合或相互熔合", "Neodymium, not intermixed or interalloyed"),
    "28053012": ("镝，未相混合或相互熔合", "Dysprosium, not intermixed or interalloyed"),
    "28053013": ("铽，未相混合或相互熔合", "Terbium,not intermixed or interalloyed"),
    "28053014": ("镧，未相互混合或相互熔合", "Lanthanum, not intermixed or interalloyed"),
    "28053015": ("铈，未相互混合或相互熔合", "Cerium, not intermixed or interalloyed"),
    "28053017": ("钇，未相互混合或相互熔合", "Yttrium, not intermixed or interalloyed"),
    "28053029": ("其他稀土金属、钪及钇，已相混合或相互熔合",
                 "Rare-earth metals, scandium&yttrium, inter- mixed/alloyed, nes"),
    "28461010": ("氧化铈", "Cerium oxide"),
    "28461030": ("碳酸铈", "Cerium carbonate"),
    "28461090": ("其他铈的化合物", "Cerium compounds, nes"),
    "28469011": ("氧化钇", "Yttrium oxide"),
    "28469012": ("氧化镧", "Lanthanum oxide"),
    "28469013": ("氧化钕", "Neodymium oxide"),
    "28469014": ("氧化铕", "Eurapium oxide"),
    "28469015": ("氧化镝", "Dysprosium oxide"),
    "28469016": ("氧化铽", "Terbium oxide"),
    "28469017": ("氧化镨", "Praseodymium oxide (sesquioxide)"),
    "28469018": ("氧化镥", "Lutetium oxide (line added by 2022)"),
    "28469019": ("未列名氧化稀土", "Rare-earth oxides other than of cerium, nes"),
    "28469021": ("氯化铽", "Terbium chloride"),
    "28469022": ("氯化镝", "Dysprosium chloride"),
    "28469023": ("氯化镧", "Lanthanum chloride"),
    "28469031": ("氟化铽", "Terbium fluoride"),
    "28469032": ("氟化镝", "Dysprosium fluoride"),
    "28469033": ("氟化镧", "Lanthanum fluoride"),
    "28469041": ("碳酸镧", "Lanthanum carbonate"),
    "28469042": ("碳酸铽", "Terbium carbonate"),
    "28469043": ("碳酸镝", "Dysprosium carbonate"),
    "28469048": ("混合碳酸稀土", "Mixture of rare-earth carbonate"),
    "28469093": ("铽的其他化合物", "Other compounds of terbium"),
    "28469094": ("镝的其他化合物", "Other compounds of dysprosium"),
    "28469099": ("未列名稀土金属及其混合物的化合物", "Compounds of rare-earth metals or mixture thereof"),
    "36069011": ("已切成形可直接使用的铈铁及其他引火合金",
                 "Ferro-cerium&pyrophoric alloys, cut to shape for immediate use"),
    "36069019": ("未切成形不可直接使用的铈铁及其他引火合金",
                 "Ferro-cerium&pyrophoric alloys, not cut to shape for immediate use"),
    "72029912": ("钕铁硼磁粉", "Magnetic powder,of Nd-Fe-B alloy"),
    "72029919": ("其他钕铁硼合金", "Nd-Fe-B alloy, nes"),
    "85051110": ("稀土的永磁铁及磁化后准备制永磁铁的物品",
                 "Permanent magnets/articles going to be prmnnt magnets, of rare-earth metals"),
}
MAGNET = "85051110"
DY_LINES = ["28469015", "28053012", "28469032", "28469094", "28469022", "28469043"]
TB_LINES = ["28469016", "28053013", "28469031", "28469093", "28469021", "28469042"]


def is_headline(hs8):
    """GACC headline "rare earths" (稀土): 2805.30 metals + 2846 oxides/compounds."""
    return hs8.startswith("280530") or hs8.startswith("2846")


MONTHS = ([f"2024{m:02d}" for m in range(1, 13)] + [f"2025{m:02d}" for m in range(1, 13)]
          + [f"2026{m:02d}" for m in range(1, 4)])


def T(tonnes):
    """tonnes (possibly with one decimal) -> integer kilograms, exactly."""
    kg = round(tonnes * 1000)
    assert abs(kg - tonnes * 1000) < 1e-6
    return kg


# --------------------------------------------------------------------------------------
# Targets. P = published figure (or derived by arithmetic on published figures),
# F = filled in here (consistent with published YTD / YoY / MoM).
# --------------------------------------------------------------------------------------
# Section B: permanent magnets 85051110, total, tonnes
MAGNET_T = {
    "202401": 4350, "202402": 3850, "202403": 4647, "202404": 4775,   # F (Jan-Apr = 17,622)
    "202405": 4762,   # F: May 2025 1,238 is -74% YoY
    "202406": 5151,   # F: Jun 2025 3,188 is -38.1% YoY
    "202407": 5278, "202408": 5325,   # P (Jan-Aug 38,138 P)
    "202409": 4914,   # F: Sep 2025 5,774 is +17.5% YoY
    "202410": 4725,   # P
    "202411": 5100, "202412": 5273,   # F: FY 2024 58,150
    "202501": 6357,   # P
    "202502": 3588, "202503": 5323, "202504": 2626,   # derived (Jan-May 19,132; Mar 2026 -1.6% YoY)
    "202505": 1238, "202506": 3188, "202507": 5577, "202508": 6146, "202509": 5774,
    "202510": 5473, "202511": 6150, "202512": 5952,   # P (FY 57,392)
    "202601": 6023, "202602": 4740,   # derived split of Jan-Feb 10,763
    "202603": 5238,   # P (Q1 16,001)
}
# Section C: magnets to the United States, tonnes
MAGNET_US_T = {
    "202401": 640, "202402": 560, "202403": 600, "202404": 610,
    "202405": 657,   # F: May 2025 46 t is -93% YoY
    "202406": 640, "202407": 650, "202408": 630, "202409": 590, "202410": 600,
    "202411": 620, "202412": 647,   # F: FY 2024 7,444 (FY 2025 5,933 = -20.3%)
    "202501": 742, "202502": 431, "202503": 655, "202504": 274.5,   # F: Jan-Apr 2,102.5
    "202505": 46, "202506": 353, "202507": 619, "202508": 590, "202509": 420.5,
    "202510": 656, "202511": 582, "202512": 564,   # P (FY 5,933)
    "202601": 545, "202602": 449,   # F: Jan-Feb 994 P, Mar -9.5% MoM
    "202603": 406,   # P
}
# Section C: other destinations, tonnes (published cells only)
MAGNET_DEST_T = {
    "202505": {IN: 150},
    "202506": {DE: 764, IN: 172},
    "202507": {DE: 1116, JP: 232, IN: 418},
    "202508": {DE: 1341},
    "202509": {DE: 1288, KR: 854, JP: 228, VN: 456.5},
    "202510": {DE: 1118, KR: 569, JP: 226},
    "202511": {JP: 305, DE: 1262.35, KR: 797.64},   # JP P; DE #1 / KR #2 filled
    "202512": {DE: 1106, KR: 815, JP: 280, VN: 509},
}
# Section E: dysprosium / terbium, kg (sum over all Dy resp. Tb lines)
DYTB_KG = {
    "202401": (21400, 7350), "202402": (15820, 5120), "202403": (28600, 9900),
    "202404": (24150, 8020), "202405": (31200, 10480),
    "202406": (26037, 8590),   # P
    "202407": (22900, 7640), "202408": (27350, 9150), "202409": (19780, 6930),
    "202410": (24610, 8240), "202411": (29470, 9870), "202412": (25300, 8410),
    "202501": (23880, 8150), "202502": (17060, 5470),
    "202503": (34900, 11850),   # F: front-loading before Ann. No. 18
    "202504": (2350, 610),      # F: shipments cleared before 4 April only
    "202505": (0, 0), "202506": (1, 1200), "202507": (1400, 7000), "202508": (16700, 5500),
    "202509": (18043, 4450), "202510": (3501, 12200), "202511": (995, 4045),
    "202512": (4120, 2123),   # P
    "202601": (5360, 2780), "202602": (3920, 1950), "202603": (6480, 3310),   # F
}
# Oct 2025 published by partner (kg): {element: {partner: {line: kg}}}
DYTB_FIXED = {
    "202510": {
        "Dy": {KR: {"28469015": 2201, "28053012": 500}, EE: {"28469015": 500}, JP: {"28469015": 300}},
        "Tb": {US: {"28469016": 4800, "28053013": 1200}, JP: {"28469016": 4400, "28469031": 800},
               EE: {"28469016": 1000}},
    }
}
# Section A: headline rare earths (2805.30 + 2846), tonnes. Jan/Feb split is filled.
JANFEB_2025_T = 8511   # published "8,511"; 8,511.2 would make FY 2025 sum to 62,585.2
HEADLINE_T = {
    "202401": 4796.3, "202402": 8774 - 4796.3,   # P Jan-Feb 8,774
    "202403": 4709.5,  # derived: Jan-May 24,266.5 (Mar 2025 +20.3% YoY)
    "202404": 4566, "202405": 6217, "202406": 4829,   # P (H1 gives 29,095.5 vs P 29,095.2)
    "202407": 4924.5,  # F
    "202408": 4723,    # P
    "202409": 4432, "202410": 4514,   # F (Jul+Sep+Oct from FY 55,431)
    "202411": 4416, "202412": 3326,   # P
    "202501": 4602.4, "202502": JANFEB_2025_T - 4602.4,   # P Jan-Feb
    "202503": 5666.3, "202504": 4784.8, "202505": 5864.6, "202506": 7742.2,
    "202507": 5994.3, "202508": 5792, "202509": 4000.3, "202510": 4343.5,
    "202511": 5493.9, "202512": 4392.1,   # P
    "202601": 5618.4, "202602": 10460 - 5618.4,   # P Jan-Feb 10,460
    "202603": 5912.4,  # F
}

# CNY per USD used to turn the dollar values of the yuan files into yuan: the monthly
# averages of data/reference/fx_rates.csv (FRED EXCHUS), so a CNY->USD conversion with that
# table recovers the generator's dollar values
CNY_PER_USD = {
    "202401": 7.1679, "202402": 7.1925, "202403": 7.2034, "202404": 7.2374, "202405": 7.2327,
    "202406": 7.2547, "202407": 7.2566, "202408": 7.1510, "202409": 7.0710, "202410": 7.0881,
    "202411": 7.2063, "202412": 7.2807, "202510": 7.1800, "202511": 7.1800,
}

# --------------------------------------------------------------------------------------
# Filling rules
# --------------------------------------------------------------------------------------
MAGNET_MAJOR_SHARE = {DE: 0.185, KR: 0.115, JP: 0.055, VN: 0.075, IN: 0.06}
MAGNET_FILLERS = [  # (partner, base weight)
    (429, 6), (136, 6), (307, 5), (327, 4), (309, 4), (129, 4), (305, 3), (410, 3),
    (122, 3), (143, 3), (344, 3), (110, 2), (303, 2), (137, 2), (312, 2), (352, 2),
    (321, 1.5), (132, 1.5), (112, 1.5), (315, 1), (501, 1), (330, 1),
]
DY_SPLIT = [("28469015", 0.70), ("28053012", 0.14), ("28469032", 0.08), ("28469094", 0.04),
            ("28469022", 0.025), ("28469043", 0.015)]
TB_SPLIT = [("28469016", 0.72), ("28053013", 0.15), ("28469031", 0.07), ("28469093", 0.03),
            ("28469021", 0.02), ("28469042", 0.01)]
DYTB_PARTNERS = [(JP, 5), (KR, 2.5), (US, 2), (DE, 1.2), (EE, 1), (VN, 1), (309, 0.8),
                 (315, 0.6), (303, 0.5), (IN, 0.4)]
# other headline lines: hs8 -> (share of remainder, USD/kg, partner pool)
OTHER_HEADLINE = {
    "28469012": (0.24, 1.05, [(JP, 3), (US, 2), (309, 1.5), (307, 1), (KR, 1), (IN, 1), (122, .8), (VN, .7), (136, .5), (305, .4)]),
    "28461010": (0.13, 1.45, [(JP, 3), (US, 1.5), (KR, 1.5), (309, 1), (IN, 1), (VN, 1), (143, 1), (122, .6), (DE, .5)]),
    "28461090": (0.06, 1.9, [(JP, 2), (US, 1), (KR, 1), (309, 1), (IN, .6)]),
    "28053029": (0.12, 5.6, [(JP, 3), (VN, 2), (KR, 1.5), (US, .8), (IN, .8), (315, .5), (DE, .5)]),
    "28053014": (0.04, 4.6, [(JP, 2), (KR, 1), (US, 1), (VN, 1)]),
    "28053015": (0.045, 4.9, [(JP, 1.5), (KR, 1), (US, 1), (IN, .8), (344, .5)]),
    "28469019": (0.06, 11.0, [(JP, 2), (US, 1.5), (EE, 1.2), (315, 1), (DE, .8), (KR, .8), (305, .5)]),
    "28469099": (0.05, 7.5, [(JP, 2), (US, 1.5), (KR, 1), (DE, 1), (309, .8), (IN, .6)]),
    "28469041": (0.05, 1.25, [(JP, 2), (US, 1.5), (KR, 1), (IN, .5)]),
    "28469048": (0.03, 3.6, [(JP, 1.5), (US, 1), (EE, 1), (309, .5)]),
    "28469011": (0.06, 7.8, [(JP, 2), (KR, 1.5), (US, 1), (DE, 1), (143, 1), (305, .5)]),
    "28469013": (0.015, 58.0, [(JP, 3), (KR, 1.5), (VN, 1), (US, .5), (DE, .5)]),
    "28469017": (0.01, 56.0, [(JP, 2), (KR, 1), (VN, .8)]),
    "28053011": (0.012, 72.0, [(JP, 3), (KR, 1), (VN, 1.5), (DE, .5)]),
    "28469023": (0.025, 0.85, [(US, 1.5), (JP, 1), (IN, 1), (KR, .8), (309, .5)]),
    "28469033": (0.008, 3.1, [(JP, 1), (US, .8), (DE, .5)]),
    "28461030": (0.02, 1.35, [(JP, 1), (KR, 1), (US, .5)]),
    "28469014": (0.001, 30.0, [(JP, 1), (KR, 1), (143, .5)]),
    "28469018": (0.0004, 760.0, [(US, 1), (JP, 1), (DE, .5)]),
    "28053017": (0.003, 42.0, [(JP, 1), (KR, .5)]),
}
# Y, Lu (Ann. No. 18, 4 April 2025): Lu and Y metal stop, Y oxide collapses
# 2024 prices scaled so the headline average is close to the published $8,818/t
HEADLINE_PRICE_F = {"2024": 0.944}
CONTROLLED = {"28469011", "28469018", "28053017"}
DY_USD = {"28469015": 245, "28053012": 320, "28469032": 250, "28469094": 230, "28469022": 200, "28469043": 210}
TB_USD = {"28469016": 960, "28053013": 1180, "28469031": 1000, "28469093": 900, "28469021": 850, "28469042": 900}
# non-headline lines: hs8 -> (tonnes range, USD/kg, partner pool)
OTHER_LINES = {
    "72029919": ((150, 350), 52.0, [(JP, 3), (KR, 1.5), (VN, 1.5), (DE, .5), (136, .5)]),
    "72029912": ((20, 60), 48.0, [(JP, 2), (KR, 1), (US, 1), (136, .6)]),
    "36069011": ((20, 50), 9.5, [(US, 2), (IN, 1), (DE, 1), (410, .8), (344, .6), (137, .5), (429, .5)]),
    "36069019": ((5, 20), 6.0, [(IN, 1), (US, 1), (344, .5)]),
    "25309020": ((1, 12), 3.2, [(JP, 1), (KR, .6)]),
}


def jit(rng, lo, hi):
    return lo + (hi - lo) * rng.random()


def allocate(total, weights, minimum=1):
    """Split integer `total` into len(weights) integers >= minimum summing to total."""
    n = len(weights)
    assert n >= 1 and total >= n * minimum, (total, weights)
    s = float(sum(weights))
    raw = [total * w / s for w in weights]
    out = [max(minimum, int(r)) for r in raw]
    order = sorted(range(n), key=lambda i: -(raw[i] - int(raw[i])))
    diff = total - sum(out)
    i = 0
    while diff > 0:
        out[order[i % n]] += 1
        diff -= 1
        i += 1
    while diff < 0:
        j = max(range(n), key=lambda k: out[k])
        out[j] -= 1
        diff += 1
    assert sum(out) == total and min(out) >= minimum
    return out


def pick(rng, pool, kmin, kmax):
    """Pick between kmin and kmax distinct partners from a weighted pool (deterministic)."""
    k = min(len(pool), kmin + int(rng.random() * (kmax - kmin + 1)))
    keyed = sorted(pool, key=lambda pw: -(pw[1] * jit(rng, 0.5, 1.5)))
    return keyed[:k]


def controlled_from(ym):
    return ym >= "202504"


# --------------------------------------------------------------------------------------
# Build the logical rows: (ym, hs8, partner, kg, usd)
# --------------------------------------------------------------------------------------
def magnet_rows(ym, rng):
    total = T(MAGNET_T[ym])
    alloc = {US: T(MAGNET_US_T[ym])}
    for p, t in MAGNET_DEST_T.get(ym, {}).items():
        alloc[p] = T(t)
    for p, sh in MAGNET_MAJOR_SHARE.items():
        if p not in alloc:
            alloc[p] = round(total * sh * jit(rng, 0.85, 1.15))
    rem = total - sum(alloc.values())
    assert rem > 0.15 * total, (ym, rem, total)
    fillers = pick(rng, MAGNET_FILLERS, 11, 17)
    parts = allocate(rem, [w * jit(rng, 0.6, 1.4) for _, w in fillers])
    for (p, _), kg in zip(fillers, parts):
        alloc[p] = kg
    if ym == "202511":   # Germany #1, Korea #2
        others = [kg for p, kg in alloc.items() if p not in (DE, KR)]
        assert alloc[DE] > alloc[KR] > max(others)
    year = ym[:4]
    base = {"2024": 49.7, "2025": 45.7, "2026": 46.4}[year]
    if ym == "202408":
        base = 46.9
    rows = []
    for p, kg in alloc.items():
        f = 0.90 if (p == US and year != "2024") else (0.95 if p == US else 1.0)
        rows.append((ym, MAGNET, p, kg, round(kg * base * f * jit(rng, 0.95, 1.05))))
    return rows


def element_rows(ym, rng, element, total):
    split, usd = (DY_SPLIT, DY_USD) if element == "Dy" else (TB_SPLIT, TB_USD)
    price_f = 1.3 if controlled_from(ym) else HEADLINE_PRICE_F.get(ym[:4], 1.0)
    rows = []
    fixed = DYTB_FIXED.get(ym, {}).get(element)
    if fixed is not None:
        for p, lines in fixed.items():
            for hs8, kg in lines.items():
                rows.append((ym, hs8, p, kg, round(kg * usd[hs8] * price_f * jit(rng, 0.93, 1.07))))
        assert sum(r[3] for r in rows) == total
        return rows
    if total == 0:
        return rows
    partners = pick(rng, DYTB_PARTNERS, 3, 6)
    cells = []   # (hs8, partner, weight)
    for i, (hs8, lw) in enumerate(split):
        if i == 0:
            chosen = partners
        elif rng.random() < (0.8 if i == 1 else 0.3):
            chosen = partners[: 1 + int(rng.random() * 2)]
        else:
            continue
        for p, pw in chosen:
            cells.append((hs8, p, lw * pw * jit(rng, 0.6, 1.4)))
    cells.sort(key=lambda c: -c[2])
    cells = cells[: max(1, min(len(cells), total // 150))]
    for (hs8, p, _), kg in zip(cells, allocate(total, [c[2] for c in cells])):
        rows.append((ym, hs8, p, kg, round(kg * usd[hs8] * price_f * jit(rng, 0.93, 1.07))))
    return rows


def other_headline_rows(ym, rng, total):
    price_f = HEADLINE_PRICE_F.get(ym[:4], 1.0)
    lines = []
    for hs8, (share, usd, pool) in OTHER_HEADLINE.items():
        if controlled_from(ym) and hs8 in CONTROLLED:
            if hs8 != "28469011":
                continue
            share = share * (0.3 if ym == "202504" else 0.06)
            usd = usd * 4
        lines.append((hs8, share * jit(rng, 0.8, 1.2), usd, pool))
    line_kg = allocate(total, [l[1] for l in lines], minimum=20)
    rows = []
    for (hs8, _, usd, pool), kg in zip(lines, line_kg):
        partners = pick(rng, pool, 2, 5)
        n = max(1, min(len(partners), kg // 500))
        partners = partners[:n]
        for (p, _), pkg in zip(partners, allocate(kg, [w * jit(rng, 0.6, 1.4) for _, w in partners])):
            rows.append((ym, hs8, p, pkg, max(1, round(pkg * usd * price_f * jit(rng, 0.9, 1.1)))))
    return rows


def other_line_rows(ym, rng):
    rows = []
    m = int(ym[4:])
    for hs8, ((lo, hi), usd, pool) in OTHER_LINES.items():
        if hs8 == "25309020" and m % 4 != 3:
            continue
        if hs8 == "36069019" and m % 2 == 0:
            continue
        t = jit(rng, lo, hi)
        if hs8.startswith("7202") and ym in ("202505", "202506"):
            t *= 0.35
        kg = int(t * 1000) + int(rng.random() * 1000)
        partners = pick(rng, pool, 1, 4)
        for (p, _), pkg in zip(partners, allocate(kg, [w * jit(rng, 0.6, 1.4) for _, w in partners])):
            rows.append((ym, hs8, p, pkg, round(pkg * usd * jit(rng, 0.9, 1.1))))
    return rows


def month_rows(ym):
    rng = random.Random("rareflow-gacc-sample-" + ym)
    rows = magnet_rows(ym, rng)
    dy, tb = DYTB_KG[ym]
    rows += element_rows(ym, rng, "Dy", dy)
    rows += element_rows(ym, rng, "Tb", tb)
    rows += other_headline_rows(ym, rng, T(HEADLINE_T[ym]) - dy - tb)
    rows += other_line_rows(ym, rng)
    # one row per (line, partner): merge duplicates
    merged = {}
    for _, hs8, p, kg, usd in rows:
        k = (hs8, p)
        a = merged.get(k, (0, 0))
        merged[k] = (a[0] + kg, a[1] + usd)
    return [(ym, hs8, p, kg, usd) for (hs8, p), (kg, usd) in sorted(merged.items())]


IMPORT_ROWS = {   # China's imports (kg, USD)
    "202510": [("25309020", 106, 2841300, 8950000), ("25309020", 122, 612000, 1470000),
               ("25309020", 119, 388460, 1021000), ("28469019", 106, 1512000, 26300000),
               ("28469019", 122, 246500, 6920000), ("28469019", 119, 131200, 2160000)],
    "202511": [("25309020", 106, 3325800, 10270000), ("25309020", 119, 452300, 1184000),
               ("25309020", 502, 21000, 58600), ("28469019", 106, 1104600, 19870000),
               ("28469019", 122, 301800, 8340000), ("28469019", 119, 98400, 1610000)],
}

# --------------------------------------------------------------------------------------
# Serialisation (byte-for-byte like GACC platform downloads)
# --------------------------------------------------------------------------------------
ZH_HEADER = ["数据年月", "贸易伙伴编码", "贸易伙伴名称", "商品编码", "商品名称",
             "第一数量", "第一计量单位", "第二数量", "第二计量单位"]
EN_HEADER = ["Date of data", "Trading partner code", "Trading partner", "Commodity code",
             "Commodity", "Customs Regime code", "Customs Regime", "Quantity", "Unit",
             "Supplimentary Quantity", "Supplimentary Unit", "US dollar"]
EN_ORDER_202507 = ["Commodity code", "Commodity", "Date of data", "Trading partner code",
                   "Trading partner", "Customs Regime code", "Customs Regime", "Quantity",
                   "Unit", "Supplimentary Quantity", "Supplimentary Unit", "US dollar"]
REGIMES = {"10": "Ordinary Trade", "14": "Processing and Assembling",
           "15": "Processing with Imported Materials"}


def line(fields, eol):
    return '"' + '","'.join(fields) + '",' + eol


def money(v):
    return f"{int(v):,}"


def zh_file(rows, currency, eol, rate=None, sep_qty=False):
    out = [line(ZH_HEADER + [currency], eol)]
    for i, (ym, hs8, p, kg, usd) in enumerate(rows):
        value = round(usd * rate) if rate else usd
        qty = f"{kg:,}" if (sep_qty and i % 3 != 2) else str(kg)
        out.append(line([ym, str(p), PARTNERS[p][0], hs8, COMMODITIES[hs8][0], qty, "千克",
                         "0", "?", money(value)], eol))
    return "".join(out)


def en_file(ym, rows, rng):
    order = EN_ORDER_202507 if ym == "202507" else EN_HEADER
    idx = [EN_HEADER.index(c) for c in order]
    recs = []
    item_rows = 0
    for ym_, hs8, p, kg, usd in rows:
        base = [ym_, str(p), PARTNERS[p][1], hs8, COMMODITIES[hs8][1]]
        if ym == "202503" and hs8 == MAGNET and p in (129, 122) and item_rows < 2:
            # first unit "Number of item"; kilograms only in the supplementary quantity
            item_rows += 1
            pieces = kg * (38 if p == 129 else 52) + 17
            recs.append(base + ["10", REGIMES["10"], str(pieces), "Number of item", str(kg),
                                "Kilogram", money(usd)])
            continue
        split_p = 0.22 if hs8 == MAGNET else 0.06
        if kg >= 2000 and rng.random() < split_p:
            reg = "15" if rng.random() < 0.6 else "14"
            kg2 = int(kg * jit(rng, 0.08, 0.35))
            usd2 = round(usd * kg2 / kg)
            for code, q, v in (("10", kg - kg2, usd - usd2), (reg, kg2, usd2)):
                recs.append(base + [code, REGIMES[code], str(q), "Kilogram", "0", "-", money(v)])
        else:
            recs.append(base + ["10", REGIMES["10"], str(kg), "Kilogram", "0", "-", money(usd)])
    if ym == "202503":
        assert item_rows == 2
    out = [line(order, "\n")]
    for r in recs:
        out.append(line([r[i] for i in idx], "\n"))
    return "".join(out)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def generate():
    files = []
    for ym in MONTHS:
        rows = month_rows(ym)
        y = ym[:4]
        if y == "2024":
            name = f"export/{y}/gacc_export_{ym}_cny_zh.csv"
            text = zh_file(rows, "人民币", "\r\n", rate=CNY_PER_USD[ym], sep_qty=(ym == "202411"))
            data = text.encode("gb18030")
        elif y == "2025":
            name = f"export/{y}/gacc_export_{ym}_usd_en.csv"
            data = en_file(ym, rows, random.Random("rareflow-gacc-en-" + ym)).encode("utf-8")
        else:
            name = f"export/{y}/gacc_export_{ym}_usd_zh.csv"
            data = b"\xef\xbb\xbf" + zh_file(rows, "美元", "\n").encode("utf-8")
        write(os.path.join(RAW, name), data)
        files.append(name)
    for ym, recs in IMPORT_ROWS.items():
        rows = [(ym, hs8, p, kg, usd) for hs8, p, kg, usd in sorted(recs)]
        name = f"import/{ym[:4]}/gacc_import_{ym}_cny_zh.csv"
        write(os.path.join(RAW, name), zh_file(rows, "人民币", "\n", rate=CNY_PER_USD[ym]).encode("gb18030"))
        files.append(name)
    return files


# --------------------------------------------------------------------------------------
# Independent re-read of the written files
# --------------------------------------------------------------------------------------
COLS = {  # canonical -> accepted header names
    "month": ("数据年月", "Date of data"),
    "partner": ("贸易伙伴编码", "Trading partner code"),
    "hs8": ("商品编码", "Commodity code"),
    "q1": ("第一数量", "Quantity"),
    "u1": ("第一计量单位", "Unit"),
    "q2": ("第二数量", "Supplimentary Quantity"),
    "u2": ("第二计量单位", "Supplimentary Unit"),
}
KG_UNITS = ("千克", "Kilogram")


def decode(data):
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "UTF-8 BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "GB18030"


def num(s):
    return int(s.replace(",", ""))


def read_release(path):
    with open(path, "rb") as f:
        raw = f.read()
    text, enc = decode(raw)
    crlf = "\r\n" in text
    recs = list(csv.reader(io.StringIO(text, newline="")))
    header = recs[0]
    assert header[-1] == "", "trailing comma expected"
    pos = {}
    for key, names in COLS.items():
        hits = [i for i, h in enumerate(header) if h in names]
        assert len(hits) == 1, (path, key)
        pos[key] = hits[0]
    value_col = [h for h in header if h in ("人民币", "美元", "US dollar")]
    assert len(value_col) == 1
    out = []
    for r in recs[1:]:
        assert len(r) == len(header) and r[-1] == "", path
        if r[pos["u1"]] in KG_UNITS:
            kg = num(r[pos["q1"]])
            assert num(r[pos["q2"]]) == 0 and r[pos["u2"]] in ("?", "-")
        else:
            assert r[pos["u2"]] in KG_UNITS, (path, r)
            kg = num(r[pos["q2"]])
        assert kg > 0
        out.append((r[pos["month"]], r[pos["hs8"]], int(r[pos["partner"]]), kg))
    return out, enc, crlf, value_col[0]


def check(files):
    tot = {ym: dict(mag=0, us=0, dy=0, tb=0, head=0, rows=0) for ym in MONTHS}
    info = []
    for name in files:
        rows, enc, crlf, cur = read_release(os.path.join(RAW, name))
        info.append((name, len(rows), enc, "CRLF" if crlf else "LF", cur))
        if name.startswith("import/"):
            continue
        for ym, hs8, p, kg in rows:
            t = tot[ym]
            t["rows"] += 1
            if hs8 == MAGNET:
                t["mag"] += kg
                if p == US:
                    t["us"] += kg
            if hs8 in DY_LINES:
                t["dy"] += kg
            if hs8 in TB_LINES:
                t["tb"] += kg
            if is_headline(hs8):
                t["head"] += kg
    for ym in MONTHS:
        t = tot[ym]
        exp = dict(mag=T(MAGNET_T[ym]), us=T(MAGNET_US_T[ym]), dy=DYTB_KG[ym][0],
                   tb=DYTB_KG[ym][1], head=T(HEADLINE_T[ym]))
        for k, v in exp.items():
            assert t[k] == v, (ym, k, t[k], v)
    # published cumulative checks (kg)
    def s(key, yms):
        return sum(tot[m][key] for m in yms)
    y24 = [m for m in MONTHS if m.startswith("2024")]
    y25 = [m for m in MONTHS if m.startswith("2025")]
    assert s("mag", y24[:8]) == 38138000 and s("mag", y24) == 58150000
    assert s("mag", y25[:5]) == 19132000 and s("mag", y25[:10]) == 45290000
    assert s("mag", y25[:11]) == 51440000 and s("mag", y25) == 57392000
    assert s("mag", ["202601", "202602"]) == 10763000 and s("mag", MONTHS[-3:]) == 16001000
    assert s("us", y25) == 5933000 and s("us", ["202601", "202602"]) == 994000
    assert s("head", y24[:5]) == 24266500 and s("head", y24) == 55431000
    assert s("head", y25[:4]) == 18962100
    return tot, info


def report(tot, info, files):
    L = []
    L.append("# rareflow sample GACC releases: totals recomputed by re-reading the files")
    L.append("# generated by data/tools/make_gacc_sample.py; all quantities in kilograms")
    L.append("# magnets = 85051110; us = magnets to partner 502; dy/tb = all Dy/Tb lines;")
    L.append("# headline = GACC 'rare earths' = all 280530xx + 2846xxxx lines (exports)")
    L.append("")
    L.append(f"{'month':<7} {'rows':>5} {'magnets_kg':>12} {'magnets_us_kg':>14} {'dy_kg':>8} {'tb_kg':>8} {'headline_kg':>12}")
    for ym in MONTHS:
        t = tot[ym]
        L.append(f"{ym:<7} {t['rows']:>5} {t['mag']:>12} {t['us']:>14} {t['dy']:>8} {t['tb']:>8} {t['head']:>12}")
    for y in ("2024", "2025", "2026"):
        ms = [m for m in MONTHS if m.startswith(y)]
        L.append(f"{y + ('' if y != '2026' else 'Q1'):<7} {sum(tot[m]['rows'] for m in ms):>5} "
                 + " ".join(f"{sum(tot[m][k] for m in ms):>{w}}" for k, w in
                            (("mag", 12), ("us", 14), ("dy", 8), ("tb", 8), ("head", 12))))
    L.append("")
    L.append("# files: rows, encoding, line ending, value column, sha256")
    for name, n, enc, eol, cur in info:
        with open(os.path.join(RAW, name), "rb") as f:
            h = hashlib.sha256(f.read()).hexdigest()
        L.append(f"{name}  rows={n}  {enc}  {eol}  {cur}  sha256={h}")
    text = "\n".join(L) + "\n"
    with open(os.path.join(RAW, "CHECKSUMS.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    sys.stdout.write(text)


def main():
    files = generate()
    tot, info = check(files)
    report(tot, info, files)
    print("OK: all targets reproduced exactly")


if __name__ == "__main__":
    main()
