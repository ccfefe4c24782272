//! `.7z` archives as Eurostat publishes them: each data entry is decompressed as a stream
//! into the text reader, never extracted to disk nor held whole.

use std::path::Path;

use sevenz_rust2::{ArchiveReader, EntryDecision, Password};

use super::{ComextFile, ComextRecord, read_text};
use crate::error::{IngestError, Rejected};

fn is_data_entry(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, ext)| {
        ["dat", "csv", "txt"]
            .iter()
            .any(|e| ext.eq_ignore_ascii_case(e))
    })
}

pub(super) fn read_archive(
    path: &Path,
    each: &mut dyn FnMut(Result<ComextRecord, Rejected>),
) -> Result<ComextFile, IngestError> {
    let malformed = |e: sevenz_rust2::Error| IngestError::Malformed {
        path: path.to_owned(),
        message: format!("not a readable 7z archive: {e}"),
    };
    let mut archive = ArchiveReader::open(path, Password::empty()).map_err(malformed)?;
    // The pipeline has its own workers; one decoder thread per file is enough.
    archive.set_thread_count(1);
    let mut found: Option<ComextFile> = None;
    let mut failed: Option<IngestError> = None;
    let mut skipped = Vec::new();
    let mut lines = 0u64;
    archive
        .for_each_entries_with_decision(|entry, reader| {
            if entry.is_directory() {
                return Ok(EntryDecision::Continue);
            }
            if !is_data_entry(entry.name()) {
                skipped.push(entry.name().to_owned());
                return Ok(EntryDecision::Continue);
            }
            let offset = lines;
            match read_text(path, reader, offset, &mut lines, each) {
                Ok((layout, warnings)) => {
                    let f = found.get_or_insert_with(|| ComextFile {
                        layout,
                        entries: Vec::new(),
                        warnings: Vec::new(),
                    });
                    if f.layout != layout {
                        failed = Some(IngestError::Malformed {
                            path: path.to_owned(),
                            message: format!(
                                "archive entry {} has layout {}, an earlier entry {}",
                                entry.name(),
                                layout.name(),
                                f.layout.name()
                            ),
                        });
                        return Ok(EntryDecision::Stop);
                    }
                    f.entries.push(entry.name().to_owned());
                    f.warnings.extend(
                        warnings
                            .into_iter()
                            .map(|w| format!("{}: {w}", entry.name())),
                    );
                    Ok(EntryDecision::Continue)
                }
                Err(e) => {
                    failed = Some(e);
                    Ok(EntryDecision::Stop)
                }
            }
        })
        .map_err(malformed)?;
    if let Some(e) = failed {
        return Err(e);
    }
    let mut file = found.ok_or_else(|| IngestError::Malformed {
        path: path.to_owned(),
        message: "7z archive holds no .dat, .csv or .txt file".into(),
    })?;
    if file.entries.len() > 1 {
        file.warnings.push(format!(
            "archive holds {} data files, read in order with lines counted on: {}",
            file.entries.len(),
            file.entries.join(", ")
        ));
    }
    for name in skipped {
        file.warnings
            .push(format!("archive entry {name} is not a data file: not read"));
    }
    Ok(file)
}
