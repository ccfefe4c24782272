//! UN Comtrade CSV (v1 field names or the legacy v0 header; UTF-8 or ISO-8859-1) through `comtrade::read_comtrade` (the file is named `input.csv`).
//! Errors are fine; panics are crashes. Records that come out must have a real period,
//! a digit commodity code (or TOTAL), non-negative qty/netWgt/primaryValue, and line
//! numbers that only go up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rareflow_fuzz::{assert_finite, assert_non_negative, write_input};
use rareflow_ingest::comtrade::{ComtradeRecord, Frequency, read_comtrade};

fn check(r: &ComtradeRecord) {
    assert!((1960..=2100).contains(&r.year), "year {}", r.year);
    match r.frequency {
        Frequency::Monthly => assert!(r.month.is_some_and(|m| (1..=12).contains(&m))),
        Frequency::Annual => assert_eq!(r.month, None),
    }
    assert!(
        r.cmd_code == "TOTAL" || r.cmd_code.bytes().all(|b| b.is_ascii_digit()),
        "cmdCode {:?}",
        r.cmd_code
    );
    assert!(!r.reporter_code.is_empty() && !r.partner_code.is_empty());
    assert_non_negative("qty", r.qty);
    assert_non_negative("netWgt", r.net_wgt);
    assert_non_negative("primaryValue", r.primary_value);
    for v in [r.cif_value, r.fob_value].into_iter().flatten() {
        assert_finite("cif/fob", v);
    }
}

fuzz_target!(|data: &[u8]| {
    let path = write_input("csv", data);
    let mut last = 0u64;
    let _ = read_comtrade(&path, &mut |r| {
        let line = match &r {
            Ok(rec) => {
                check(rec);
                rec.line
            }
            Err(rej) => rej.line,
        };
        assert!(
            line == 0 || line >= last,
            "line numbers went back: {last} then {line}"
        );
        last = line;
    });
});
