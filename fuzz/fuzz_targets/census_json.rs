//! US Census API JSON (array of arrays, header row first) through `census::read_census`.
//! Errors are fine; panics are crashes. Rows are numbered 1, 2, 3... whether accepted or
//! rejected; accepted rows have a real month, a digit commodity code, a country code and
//! non-negative values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rareflow_fuzz::{assert_non_negative, write_input};
use rareflow_ingest::census::read_census;

fuzz_target!(|data: &[u8]| {
    let path = write_input("json", data);
    let mut last = 0u64;
    let _ = read_census(&path, &mut |r| {
        let line = match &r {
            Ok(rec) => {
                let (year, month) = (rec.period.year(), rec.period.month().unwrap_or(12));
                assert!((1980..=2100).contains(&year) && (1..=12).contains(&month));
                assert!(
                    !rec.commodity.is_empty() && rec.commodity.bytes().all(|b| b.is_ascii_digit()),
                    "commodity {:?}",
                    rec.commodity
                );
                assert!(!rec.cty_code.trim().is_empty());
                assert_non_negative("value", Some(rec.value));
                assert_non_negative("consumption_value", rec.consumption_value);
                assert_non_negative("cif_value", rec.cif_value);
                assert_non_negative("quantity", rec.quantity);
                rec.line
            }
            Err(rej) => rej.line,
        };
        assert_eq!(line, last + 1, "rows must count 1, 2, 3...");
        last = line;
    });
});
