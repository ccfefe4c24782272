//! Helpers shared by the fuzz targets.
//!
//! The file readers of `rareflow-ingest` take a path, so each iteration writes the fuzz
//! input to a file in a per-process scratch directory (created once, under `$TMPDIR`, named
//! with the process id) and hands that path to the reader. `run.sh` points `TMPDIR` at
//! `fuzz/target/fuzz-tmp` and removes it afterwards.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();

fn scratch_dir() -> &'static Path {
    DIR.get_or_init(|| {
        tempfile::Builder::new()
            .prefix(&format!("rareflow-fuzz-{}-", std::process::id()))
            .tempdir()
            .expect("create fuzz scratch directory")
    })
    .path()
}

/// Writes `bytes` to `input.<ext>` in the scratch directory and returns its path.
pub fn write_input(ext: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch_dir().join(format!("input.{ext}"));
    std::fs::write(&path, bytes).expect("write fuzz input file");
    path
}

/// A value that came out of a parser must be a real number.
pub fn assert_finite(what: &str, v: f64) {
    assert!(v.is_finite(), "{what} = {v} is not finite");
}

/// A quantity or value that passed the negative check must not be below zero.
pub fn assert_non_negative(what: &str, v: Option<f64>) {
    if let Some(v) = v {
        assert_finite(what, v);
        assert!(v >= 0.0, "{what} = {v} is negative but was accepted");
    }
}

/// What every accepted Comtrade record promises, whichever layout it came from.
pub fn check_comtrade_record(r: &rareflow_ingest::comtrade::ComtradeRecord) {
    let year = r.period.year();
    assert!((1960..=2100).contains(&year), "year {year}");
    if let Some(month) = r.period.month() {
        assert!((1..=12).contains(&month), "month {month}");
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
