//! UN Comtrade v1 API JSON through `comtrade::read_comtrade` (the file is named `input.json`).
//! Errors are fine; panics are crashes. Records that come out must have a real period,
//! a digit commodity code (or TOTAL), non-negative qty/netWgt/primaryValue, and line
//! numbers that only go up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rareflow_fuzz::{check_comtrade_record, write_input};
use rareflow_ingest::comtrade::read_comtrade;

fuzz_target!(|data: &[u8]| {
    let path = write_input("json", data);
    let mut last = 0u64;
    let _ = read_comtrade(&path, &mut |r| {
        let line = match &r {
            Ok(rec) => {
                check_comtrade_record(rec);
                rec.line
            }
            Err(rej) => rej.line,
        };
        assert_eq!(line, last + 1, "JSON record numbers must count 1, 2, 3...");
        last = line;
    });
});
