//! Planning an incremental run: which raw files are unchanged since the previous snapshot
//! (reused as they are), which are new or changed (new releases), which are gone.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rareflow_ingest::text::sha256_file;
use rareflow_normalize::Release;
use rareflow_warehouse::ManifestEntry;

use crate::discover::RawFile;
use crate::error::EtlError;
use crate::summary::FileSummary;

/// What a run will do with each raw file.
pub(crate) struct Plan {
    pub(crate) files: Vec<PlannedFile>,
    /// Files of the previous snapshot that are gone from the raw folder.
    pub(crate) removed: Vec<ManifestEntry>,
}

pub(crate) struct PlannedFile {
    pub(crate) raw: RawFile,
    /// Identity of the release (carried over when the content was seen before).
    pub(crate) release: Release,
    /// The previous snapshot's entry when the file is unchanged.
    pub(crate) unchanged: Option<ManifestEntry>,
    /// The previous entry at the same path when the content changed.
    pub(crate) replaces: Option<ManifestEntry>,
}

impl PlannedFile {
    /// The summary of an unchanged file, from its log row.
    pub(crate) fn unchanged_summary(&self) -> FileSummary {
        let entry = self.unchanged.as_ref();
        let count = |name: &str| -> u64 {
            entry
                .and_then(|e| e.row.column_by_name(name).cloned())
                .and_then(|c| {
                    c.as_any()
                        .downcast_ref::<arrow::array::Int64Array>()
                        .map(|a| a.value(0).max(0) as u64)
                })
                .unwrap_or(0)
        };
        FileSummary {
            file: self.raw.relative.clone(),
            source: self.raw.source.to_owned(),
            rows_read: count("rows_read"),
            rows_loaded: count("rows_loaded"),
            rows_rejected: count("rows_rejected"),
            rows_without_usd: count("rows_without_usd"),
            bytes: self.raw.bytes,
            sha256: entry.map(|e| e.sha256.clone()).unwrap_or_default(),
            unchanged: true,
            warnings: Vec::new(),
            skipped: None,
        }
    }
}

/// Modification time in nanoseconds (0 when unknown).
pub(crate) fn modified_ns(path: &Path) -> i64 {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64)
}

/// Matches raw files against the previous manifest: same path, size and modification time
/// (or, failing that, same content hash) is unchanged; anything else is a new release,
/// numbered after every release seen before.
pub(crate) fn plan_files(
    files: &[RawFile],
    manifest: &[ManifestEntry],
    loaded_at: Option<i64>,
) -> Result<Plan, EtlError> {
    let now = loaded_at.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64)
    });
    let by_path: HashMap<&str, &ManifestEntry> =
        manifest.iter().map(|e| (e.file.as_str(), e)).collect();
    let mut next_seq = manifest.iter().map(|e| e.release_seq).max().unwrap_or(0) + 1;
    let mut planned = Vec::with_capacity(files.len());
    for raw in files {
        let previous = by_path.get(raw.relative.as_str()).copied();
        let modified = modified_ns(&raw.path);
        let same_stat =
            previous.is_some_and(|e| e.bytes == raw.bytes as i64 && e.modified_ns == modified);
        let unchanged = match previous {
            Some(e) if same_stat => Some(e.clone()),
            Some(e) if e.bytes == raw.bytes as i64 && sha256_file(&raw.path)? == e.sha256 => {
                Some(e.clone())
            }
            _ => None,
        };
        let release = match &unchanged {
            Some(e) => Release {
                seq: e.release_seq,
                loaded_at: e.loaded_at,
            },
            None => {
                let seq = next_seq;
                next_seq += 1;
                Release {
                    seq,
                    loaded_at: now,
                }
            }
        };
        planned.push(PlannedFile {
            raw: raw.clone(),
            release,
            replaces: previous.filter(|_| unchanged.is_none()).cloned(),
            unchanged,
        });
    }
    let present: HashSet<&str> = files.iter().map(|f| f.relative.as_str()).collect();
    let removed = manifest
        .iter()
        .filter(|e| !present.contains(e.file.as_str()))
        .cloned()
        .collect();
    Ok(Plan {
        files: planned,
        removed,
    })
}

/// Every month from `first` to `last` (Date32 first days), as (year, month).
pub(crate) fn months_between(first: Option<i32>, last: Option<i32>) -> Vec<(i32, i32)> {
    let (Some(first), Some(last)) = (first, last) else {
        return Vec::new();
    };
    let ym = |days: i32| {
        let (y, m, _) = rareflow_normalize::period::civil_from_days(days);
        y * 12 + m as i32 - 1
    };
    (ym(first)..=ym(last))
        .map(|i| (i.div_euclid(12), i.rem_euclid(12) + 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::months_between;
    use rareflow_normalize::period::month_start;

    #[test]
    fn months_across_a_year_end() {
        let got = months_between(Some(month_start(2024, 11)), Some(month_start(2025, 2)));
        assert_eq!(got, vec![(2024, 11), (2024, 12), (2025, 1), (2025, 2)]);
        assert!(months_between(None, Some(0)).is_empty());
    }
}
