#!/usr/bin/env python3
"""Writes the bad-input corpus: malformed raw files of every source format.

Each file must give rejects with reasons or a clear file-level error, never a panic, and
rows read = loaded + rejected. Deterministic; rerun after changing it:
    python3 tests/corpus/make_corpus.py
"""
import json, os, random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20251120)
ZH = '"数据年月","贸易伙伴编码","贸易伙伴名称","商品编码","商品名称","第一数量","第一计量单位","第二数量","第二计量单位","人民币",'
EN = '"Date of data","Trading partner code","Trading partner","Commodity code","Commodity","Customs Regime code","Customs Regime","Quantity","Unit","Supplimentary Quantity","Supplimentary Unit","US dollar",'
GOOD = '"202511","502","美国","85051110","磁铁","1,000","千克","0","?","45,000",'
GOOD_EN = '"202511","502","United States","85051110","Magnets","10","Ordinary Trade","1,000","Kilogram","0","-","45,000",'


def write(rel, data):
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def gb(text):
    return text.encode("gb18030")


# --- China Customs platform CSV -------------------------------------------------------
write("gacc/random_bytes.csv", bytes(rng.randrange(256) for _ in range(4096)))
write("gacc/random_bytes_after_header.csv", gb(ZH + "\n") + bytes(rng.randrange(256) for _ in range(4096)))
write("gacc/truncated_quote.csv", gb(ZH + "\n" + GOOD + "\n" + '"202511","502","美国","85051110","磁铁,"1'))
write("gacc/wrong_encoding_gbk_header_utf8_rows.csv", gb(ZH + "\n") + (GOOD + "\n").encode("utf-8"))
write("gacc/latin1_english.csv", (EN + "\n" + GOOD_EN.replace("United States", "Côte d'Ivoire") + "\n").encode("latin-1"))
write("gacc/utf16.csv", (ZH + "\n" + GOOD + "\n").encode("utf-16"))
# Huge fields and lines without line breaks are made by the test itself (tests/it/corpus.rs),
# so that megabytes of filler are not kept in the repository.
write("gacc/header_only.csv", gb(ZH + "\n"))
write("gacc/header_only_no_newline.csv", gb(ZH))
write("gacc/duplicated_header.csv", gb(ZH + "\n" + ZH + "\n" + GOOD + "\n"))
write("gacc/duplicated_column.csv", gb(ZH.replace('"第二数量"', '"第一数量"') + "\n" + GOOD + "\n"))
write("gacc/impossible_months.csv", gb(ZH + "\n" + "\n".join(GOOD.replace("202511", m) for m in ["202500", "202513", "199912", "2025-11", "20251", "abcdef", ""]) + "\n"))
write("gacc/negative_and_non_numeric.csv", gb(ZH + "\n" + "\n".join(GOOD.replace('"1,000"', q) for q in ['"-5"', '"abc"', '"1,2,3"', '"1e9"', '"NaN"', '"inf"', '""', '"1.5.5"', '"--1"']) + "\n"))
write("gacc/unknown_codes.csv", gb(ZH + "\n" + "\n".join([GOOD.replace('"502"', '"999"'), GOOD.replace('"502"', '"5020"'), GOOD.replace('"85051110"', '"8505111X"'), GOOD.replace('"85051110"', '"850511"')]) + "\n"))
write("gacc/rows_too_short_and_long.csv", gb(ZH + "\n" + '"202511","502"\n' + GOOD + '"extra","fields",\n' + '"202511"\n' + "\n\n\n"))
write("gacc/crlf_mixed_blank_lines.csv", gb(ZH + "\r\n\r\n" + GOOD + "\r\n\n" + GOOD + "\r"))
write("gacc/only_blank_lines.csv", b"\r\n\n\n   \n")
write("gacc/empty.csv", b"")
write("gacc/nul_bytes.csv", gb(ZH + "\n") + b"\x00\x00\x00" + gb(GOOD + "\n"))
write("gacc/bom_then_garbage.csv", b"\xef\xbb\xbf" + bytes(rng.randrange(32, 127) for _ in range(300)) + b"\n1,2,3\n")
write("gacc/many_random_rows.csv", gb(ZH + "\n") + b"\n".join(
    ",".join('"' + "".join(rng.choice('0123456789,.-"?千克 ') for _ in range(rng.randrange(0, 12))) + '"' for _ in range(rng.randrange(1, 14))).encode("gb18030")
    for _ in range(300)) + b"\n")

# --- China Customs headline table ------------------------------------------------------
HEAD = "商品名称,计量单位,当月数量,当月金额,累计数量,累计金额,累计比去年同期±%数量,累计比去年同期±%金额"
write("gacc-headline/no_title.csv", HEAD + "\n稀土,吨,1,2,3,4,5,6\n")
write("gacc-headline/bad_title_month.csv", "2025年13月出口主要商品量值表（美元值）\n单位：万美元\n" + HEAD + "\n稀土,吨,1,2,3,4,5,6\n")
write("gacc-headline/bad_unit.csv", "2025年11月出口主要商品量值表（美元值）\n单位：吨\n" + HEAD + "\n稀土,吨,1,2,3,4,5,6\n")
write("gacc-headline/bad_rows.csv", "2025年11月出口主要商品量值表（美元值）\n单位：万美元\n" + HEAD + "\n稀土,吨,abc,2,3,4,5,6\n稀土永磁,吨,-1,2,3,4,5,6\n,吨,1,2,3,4,5,6\n钢材,万吨\n汽车,辆,,,,,,\n")
write("gacc-headline/title_only.csv", "2025年11月出口主要商品量值表（美元值）\n")
write("gacc-headline/random_bytes.csv", bytes(rng.randrange(256) for _ in range(2048)))

# --- UN Comtrade -----------------------------------------------------------------------
rec = {"freqCode": "M", "refMonth": 11, "period": "202511", "reporterCode": 392, "reporterISO": "JPN", "flowCode": "M",
       "partnerCode": 156, "partnerISO": "CHN", "classificationCode": "H6", "cmdCode": "850511", "qty": 1, "netWgt": 1, "primaryValue": 1}
def bad(**kw):
    r = dict(rec); r.update(kw); return r
write("comtrade/bad_records.json", json.dumps({"elapsedTime": "0", "count": 9, "data": [
    rec, bad(period="202513"), bad(period=None), bad(cmdCode="85X511"), bad(netWgt=-5), bad(primaryValue="abc"),
    bad(flowCode="Q"), bad(partnerCode=12345, partnerISO=None), 42, [1, 2], bad(reporterCode=99999, reporterISO=None)], "error": ""}))
write("comtrade/error_response.json", json.dumps({"elapsedTime": "0", "count": 0, "data": None, "error": "Too many requests"}))
write("comtrade/truncated.json", json.dumps({"count": 1, "data": [rec, rec]})[:-20])
write("comtrade/not_json.json", "<html><body>502 Bad Gateway</body></html>")
write("comtrade/empty.json", "")
write("comtrade/no_data_key.json", json.dumps({"count": 0, "error": ""}))
write("comtrade/array_top.json", json.dumps([rec]))
write("comtrade/unknown_header.csv", "a,b,c\n1,2,3\n")
write("comtrade/short_rows.csv", ",".join(rec.keys()) + "\n" + "M,11\n" + ",".join(str(v) for v in rec.values()) + "\n" + ",".join(str(v) for v in rec.values()) + ",extra\n")

# --- US Census -------------------------------------------------------------------------
H = ["I_COMMODITY", "CTY_CODE", "CTY_NAME", "GEN_VAL_MO", "GEN_QY1_MO", "UNIT_QY1", "time"]
row = ["8505110070", "5700", "CHINA", "100", "10", "KG", "2025-11"]
def crow(**kw):
    r = list(row)
    for k, v in kw.items():
        r[H.index(k)] = v
    return r
write("census/bad_rows.json", json.dumps([H, row, crow(time="2025-13"), crow(GEN_VAL_MO="x"), crow(GEN_VAL_MO="-3"),
                                          crow(CTY_CODE="9999"), crow(I_COMMODITY="85X5"), row[:3], row + ["extra"], crow(GEN_VAL_MO=None)]))
write("census/no_commodity_column.json", json.dumps([["CTY_CODE", "time"], ["5700", "2025-11"]]))
write("census/header_only.json", json.dumps([H]))
write("census/empty_array.json", "[]")
write("census/object.json", json.dumps({"error": "unknown variable"}))
write("census/truncated.json", json.dumps([H, row, row])[:-7])
write("census/numbers_not_strings.json", json.dumps([H, ["8505110070", 5700, "CHINA", 100, 10, "KG", "2025-11"]]))
print("corpus written")
