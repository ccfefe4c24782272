//! Naming a damaged warehouse file. DataFusion reports a Parquet decoding error without the
//! file it read, so when a query fails that way the session reads the Parquet files of its
//! run (on this machine) again, page by page, and names the first that fails. This runs on that
//! failure path only.

use std::fs::File;
use std::path::{Path, PathBuf};

use parquet::errors::ParquetError;
use parquet::file::reader::{FileReader, SerializedFileReader};

/// The first of `files` (in path order) whose footer or pages cannot be read (or that is
/// missing), with what reading it gave; `None` when every file reads.
pub(crate) fn first_damaged(files: &[PathBuf]) -> Option<(PathBuf, ParquetError)> {
    let mut files = files.to_vec();
    files.sort();
    files
        .into_iter()
        .find_map(|file| check(&file).err().map(|e| (file, e)))
}

/// Reads every page of every column of `file` (decompressed, not decoded into values).
fn check(file: &Path) -> Result<(), ParquetError> {
    let reader = SerializedFileReader::new(File::open(file)?)?;
    for g in 0..reader.metadata().num_row_groups() {
        let group = reader.get_row_group(g)?;
        for c in 0..group.num_columns() {
            for page in group.get_column_page_reader(c)? {
                page?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_with_a_broken_page_is_named_and_a_sound_one_is_not() {
        use std::sync::Arc;

        use arrow::array::{Int64Array, RecordBatch};
        use parquet::arrow::ArrowWriter;

        let dir = tempfile::TempDir::new().unwrap();
        let batch = RecordBatch::try_from_iter([(
            "kg",
            Arc::new(Int64Array::from((0..1000).collect::<Vec<i64>>())) as _,
        )])
        .unwrap();
        for name in ["a.parquet", "b.parquet"] {
            let mut writer = ArrowWriter::try_new(
                File::create(dir.path().join(name)).unwrap(),
                batch.schema(),
                None,
            )
            .unwrap();
            writer.write(&batch).unwrap();
            writer.close().unwrap();
        }
        let files = [dir.path().join("a.parquet"), dir.path().join("b.parquet")];
        assert!(first_damaged(&files).is_none());
        // The first page header starts right after the 4-byte magic `PAR1`.
        let b = dir.path().join("b.parquet");
        let mut bytes = std::fs::read(&b).unwrap();
        bytes[4..12].fill(0xe4);
        std::fs::write(&b, bytes).unwrap();
        let (file, _) = first_damaged(&files).expect("b.parquet is damaged");
        assert_eq!(file, b);
    }
}
