//! UN Comtrade CSV (v1 field names or the legacy v0 header; UTF-8 or ISO-8859-1) through `comtrade::read_comtrade` (the file is named `input.csv`).
//! Errors are fine; panics are crashes. Records that come out must have a real period,
//! a digit commodity code (or TOTAL), non-negative qty/netWgt/primaryValue, and line
//! numbers that only go up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rareflow_fuzz::{check_comtrade_record, write_input};
use rareflow_ingest::comtrade::read_comtrade;

fuzz_target!(|data: &[u8]| {
    let path = write_input("csv", data);
    let mut last = 0u64;
    let _ = read_comtrade(&path, &mut |r| {
        let line = match &r {
            Ok(rec) => {
                check_comtrade_record(rec);
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
