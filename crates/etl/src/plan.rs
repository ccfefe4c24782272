//! Planning an incremental run: which raw files are unchanged since the previous snapshot
//! (reused as they are), which are new or changed (new releases), which are gone.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rareflow_ingest::text::sha256_file;
use rareflow_normalize::Release;
use rareflow_warehouse::ManifestEntry;

use crate::discover::RawFile;
use crate::error::EtlError;
use crate::summary::{FileOutcome, FileSummary};

/// What a run will do with each raw file.
pub(crate) struct Plan {
    pub(crate) files: Vec<PlannedFile>,
    /// Files of the previous snapshot that are gone from the raw folder.
    pub(crate) removed: Vec<ManifestEntry>,
}

impl Plan {
    /// Nothing to read, nothing gone: an incremental run has nothing to write.
    pub(crate) fn is_quiet(&self) -> bool {
        self.removed.is_empty() && self.files.iter().all(PlannedFile::is_quiet)
    }
}

pub(crate) struct PlannedFile {
    pub(crate) raw: RawFile,
    /// Identity of the release (carried over when the content was seen before).
    pub(crate) release: Release,
    /// The previous snapshot's entry when the file is unchanged.
    pub(crate) unchanged: Option<ManifestEntry>,
    /// The previous entry at the same path when the content changed (or when the same
    /// content is normalized again).
    pub(crate) replaces: Option<ManifestEntry>,
    /// Same content as the previous entry, read again because the reference data or the
    /// normalizer changed since (the release keeps its identity).
    pub(crate) renormalize: bool,
    /// Another raw file with the same bytes, loaded in its place (one release).
    pub(crate) same_as: Option<String>,
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
            outcome: FileOutcome::Unchanged,
            warnings: Vec::new(),
        }
    }

    /// The summary of a file that is not read: unchanged, or a copy of another.
    pub(crate) fn quiet_summary(&self) -> FileSummary {
        match &self.same_as {
            Some(twin) => FileSummary {
                file: self.raw.relative.clone(),
                source: self.raw.source.to_owned(),
                bytes: self.raw.bytes,
                outcome: FileOutcome::SameAs { file: twin.clone() },
                ..FileSummary::default()
            },
            None => self.unchanged_summary(),
        }
    }

    /// Nothing to read and nothing that changed: unchanged, or a copy of another file that
    /// replaces nothing.
    pub(crate) fn is_quiet(&self) -> bool {
        self.unchanged.is_some() || (self.same_as.is_some() && self.replaces.is_none())
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
/// numbered after every release seen before. A file normalized with other reference data
/// (`fingerprint`) is read again as the same release; a file with the same bytes as another
/// is that release, loaded once.
pub(crate) fn plan_files(
    files: &[RawFile],
    manifest: &[ManifestEntry],
    loaded_at: Option<i64>,
    fingerprint: &str,
) -> Result<Plan, EtlError> {
    let now = loaded_at.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64)
    });
    let by_path: HashMap<&str, &ManifestEntry> =
        manifest.iter().map(|e| (e.file.as_str(), e)).collect();
    let mut next_seq = manifest.iter().map(|e| e.release_seq).max().unwrap_or(0) + 1;
    let mut planned: Vec<PlannedFile> = Vec::with_capacity(files.len());
    for raw in files {
        let previous = by_path.get(raw.relative.as_str()).copied();
        let modified = modified_ns(&raw.path);
        let same_stat =
            previous.is_some_and(|e| e.bytes == raw.bytes as i64 && e.modified_ns == modified);
        let same_content = match previous {
            Some(e) if same_stat => Some(e.clone()),
            Some(e) if e.bytes == raw.bytes as i64 && sha256_file(&raw.path)? == e.sha256 => {
                Some(e.clone())
            }
            _ => None,
        };
        let renormalize = same_content
            .as_ref()
            .is_some_and(|e| e.reference_fingerprint.as_deref() != Some(fingerprint));
        let release = match &same_content {
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
        let (unchanged, replaces) = match same_content {
            Some(e) if renormalize => (None, Some(e)),
            Some(e) => (Some(e), None),
            None => (None, previous.cloned()),
        };
        planned.push(PlannedFile {
            raw: raw.clone(),
            release,
            unchanged,
            replaces,
            renormalize,
            same_as: None,
        });
    }
    find_copies(&mut planned)?;
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

/// Marks files to read whose bytes equal another file's (a copy, or a second path through a
/// link): the same release, loaded once. Only files of equal size are hashed, so a run
/// without copies reads nothing more.
fn find_copies(planned: &mut [PlannedFile]) -> Result<(), EtlError> {
    let mut by_size: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, p) in planned.iter().enumerate() {
        by_size.entry(p.raw.bytes).or_default().push(i);
    }
    let mut hashes: HashMap<usize, String> = HashMap::new();
    let mut hash = |planned: &[PlannedFile], i: usize| -> Result<String, EtlError> {
        if let Some(h) = hashes.get(&i) {
            return Ok(h.clone());
        }
        let h = match &planned[i].unchanged {
            Some(e) => e.sha256.clone(),
            None => sha256_file(&planned[i].raw.path)?,
        };
        hashes.insert(i, h.clone());
        Ok(h)
    };
    for i in 0..planned.len() {
        let group = &by_size[&planned[i].raw.bytes];
        if planned[i].unchanged.is_some() || group.len() < 2 {
            continue;
        }
        let mine = hash(planned, i)?;
        // A twin already in the warehouse first, else the first file read in this run.
        let mut twin = None;
        for &j in group.iter().filter(|&&j| j != i) {
            let loaded = planned[j].unchanged.is_some();
            let read_before = j < i && planned[j].same_as.is_none();
            if (loaded || read_before) && hash(planned, j)? == mine {
                twin = Some(j);
                if loaded {
                    break;
                }
            }
        }
        if let Some(j) = twin {
            planned[i].same_as = Some(planned[j].raw.relative.clone());
        }
    }
    Ok(())
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
