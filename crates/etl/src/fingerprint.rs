//! What a run's rows depend on besides the raw files: the reference tables (products,
//! partner codes, exchange rates, ...) and the normalizer itself. Each file's `ingest_log`
//! row records the fingerprint its rows were made with; a run whose fingerprint differs
//! normalizes those files again.

use arrow::csv::WriterBuilder;
use rareflow_normalize::{NORMALIZER_VERSION, Reference};
use sha2::{Digest, Sha256};

use crate::error::EtlError;

/// SHA-256 (hex) over the normalizer version and every reference table's name and rows.
pub(crate) fn reference_fingerprint(reference: &Reference) -> Result<String, EtlError> {
    let mut hasher = Sha256::new();
    hasher.update(NORMALIZER_VERSION.as_bytes());
    let mut tables = reference.tables();
    tables.sort_by_key(|(name, _)| *name);
    for (name, batch) in tables {
        let mut text = Vec::new();
        let mut writer = WriterBuilder::new().build(&mut text);
        writer.write(&batch)?;
        drop(writer);
        hasher.update(name.as_bytes());
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(&text);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
