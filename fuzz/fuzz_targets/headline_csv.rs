//! China Customs monthly headline tables (title line, unit line, header, rows; UTF-8 or
//! GB18030) through `headline::read_headline`. Errors are fine; panics are crashes. A
//! release that comes out names a real period and a positive scale; rows have a name, at
//! least one figure, non-negative quantities and values, and line numbers that go up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rareflow_fuzz::{assert_finite, assert_non_negative, write_input};
use rareflow_ingest::headline::read_headline;

fuzz_target!(|data: &[u8]| {
    let path = write_input("csv", data);
    let mut last = 0u64;
    let result = read_headline(&path, &mut |r| {
        let line = match &r {
            Ok(row) => {
                assert!(!row.series.is_empty());
                assert!(
                    row.month_quantity.is_some()
                        || row.month_value.is_some()
                        || row.ytd_quantity.is_some()
                        || row.ytd_value.is_some()
                );
                assert_non_negative("month_quantity", row.month_quantity);
                assert_non_negative("month_value", row.month_value);
                assert_non_negative("ytd_quantity", row.ytd_quantity);
                assert_non_negative("ytd_value", row.ytd_value);
                for v in [row.ytd_quantity_yoy_pct, row.ytd_value_yoy_pct]
                    .into_iter()
                    .flatten()
                {
                    assert_finite("yoy %", v);
                }
                row.line
            }
            Err(rej) => rej.line,
        };
        assert!(line > last, "line numbers must go up: {last} then {line}");
        last = line;
    });
    if let Ok(release) = result {
        assert!((1990..=2100).contains(&release.year));
        assert!(1 <= release.first_month && release.first_month <= release.last_month);
        assert!(release.last_month <= 12);
        assert!(release.value_scale > 0.0);
    }
});
