//! China Customs CSV lines: `split_fields`, `GaccLayout::from_header`, `GaccLayout::parse`,
//! `parse_number`, `parse_period`.
//!
//! Input: the first byte picks the header (0: the input's first line, 1: a fixed Chinese
//! header, 2: a fixed English header with regime columns); the rest, read as UTF-8 (lossily),
//! is lines. Every line goes through every function; nothing may panic, and what comes out
//! must hold what the types promise.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rareflow_fuzz::{assert_finite, assert_non_negative};
use rareflow_ingest::gacc::{GaccLayout, split_fields};
use rareflow_ingest::parse::{parse_number, parse_period};

const ZH: &str = r#""数据年月","贸易伙伴编码","贸易伙伴名称","商品编码","商品名称","第一数量","第一计量单位","第二数量","第二计量单位","人民币","#;
const EN: &str = r#""Date of data","Trading partner code","Trading partner","Commodity code","Commodity","Customs Regime code","Customs Regime","Quantity","Unit","Supplimentary Quantity","Supplimentary Unit","US dollar","#;

fn check_split(line: &str, spans: &mut Vec<(usize, usize)>) {
    if split_fields(line, spans).is_err() {
        return;
    }
    assert!(!spans.is_empty(), "no field in {line:?}");
    let mut prev_end: Option<usize> = None;
    for &(a, b) in spans.iter() {
        assert!(a <= b && b <= line.len(), "span {a}..{b} outside {line:?}");
        assert!(
            line.get(a..b).is_some(),
            "span {a}..{b} not on char boundaries"
        );
        if let Some(p) = prev_end {
            assert!(a > p, "spans overlap or touch in {line:?}: {spans:?}");
        }
        prev_end = Some(b);
    }
    if !line.contains('"') {
        // Without quotes the split is exactly `split(',')`, less one trailing empty field.
        let body = line.strip_suffix(',').unwrap_or(line);
        let expect: Vec<&str> = body.split(',').collect();
        let got: Vec<&str> = spans.iter().map(|&(a, b)| &line[a..b]).collect();
        assert_eq!(got, expect, "unquoted line {line:?}");
    }
}

fn check_scalars(text: &str) {
    if let Some(v) = parse_number(text) {
        assert_finite("parse_number", v);
        let plain = text.trim();
        if !plain.is_empty() && plain.len() <= 15 && plain.bytes().all(|b| b.is_ascii_digit()) {
            assert_eq!(Some(v), plain.parse::<f64>().ok(), "{text:?}");
        }
    }
    if let Some((y, m)) = parse_period(text) {
        assert!(
            (1980..=2100).contains(&y) && (1..=12).contains(&m),
            "{text:?} -> {y}-{m}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let header = match mode % 3 {
        0 => lines.next().unwrap_or(""),
        1 => ZH,
        _ => EN,
    };
    let mut spans = Vec::new();
    check_split(header, &mut spans);
    let layout = GaccLayout::from_header(header).ok();
    if let Some(layout) = &layout {
        assert_eq!(layout.width(), layout.names.len());
    }
    for line in lines {
        check_split(line, &mut spans);
        check_scalars(line);
        if split_fields(line, &mut spans).is_ok() {
            let fields: Vec<(usize, usize)> = spans.clone();
            for (a, b) in fields {
                check_scalars(&line[a..b]);
            }
        }
        let Some(layout) = &layout else { continue };
        if let Ok(rec) = layout.parse(line, &mut spans) {
            assert_eq!(spans.len(), layout.width());
            assert!((1980..=2100).contains(&rec.year) && (1..=12).contains(&rec.month));
            // No partner column means the world total; a partner code, when there is one,
            // is up to three digits.
            assert!(
                rec.partner_code.is_none_or(|c| !c.is_empty()
                    && c.len() <= 3
                    && c.bytes().all(|b| b.is_ascii_digit())),
                "partner code {:?}",
                rec.partner_code
            );
            assert!(
                rec.hs_code.len() == 8 && rec.hs_code.bytes().all(|b| b.is_ascii_digit()),
                "hs code {:?}",
                rec.hs_code
            );
            assert_non_negative("quantity1", Some(rec.quantity1));
            assert_non_negative("quantity2", rec.quantity2);
            assert_non_negative("value", Some(rec.value));
            if rec.quantity2.is_some() {
                assert!(rec.unit2.is_some(), "second quantity without a second unit");
            }
        }
    }
});
