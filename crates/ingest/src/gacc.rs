//! China Customs (GACC) statistics-platform CSV downloads.
//!
//! The platform's CSV is not RFC 4180: every field is quoted, every line ends with a
//! trailing comma, double quotes inside a field are not escaped (`"Diamonds 1/2" thick"`),
//! numbers carry thousands separators, and there is no flow column (the folder says it).
//! Columns follow how the download was grouped, so they are found by header name, in
//! Chinese (`数据年月, 贸易伙伴编码, ...`) or English (`Date of data, Trading partner code,
//! ...`, with the platform's own spelling `Supplimentary`). The value column's header names
//! the currency: `人民币` (whole yuan), `美元` or `US dollar` (dollars).
//!
//! Optional columns may stand anywhere: customs regime (贸易方式编码 / 贸易方式), the
//! registration place of the importer or exporter (注册地编码 / 注册地名称, `Locations of
//! importers and exporters`), partner (absent: China's total with the world) and period
//! (absent in a single-month download: the file's name or folder gives the month). An
//! unknown extra column is ignored with a warning.

use std::path::Path;

pub use crate::Currency;
use crate::error::IngestError;
use crate::text::{Chunk, ChunkReader, Encoding};

mod dialect;
mod layout;
#[cfg(test)]
mod tests;

pub use dialect::{month_from_path, split_fields};
pub use layout::{GaccLayout, GaccRecord};

/// Fields longer than this are not real values.
pub const MAX_FIELD_BYTES: usize = 4096;
/// Language of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// `数据年月, 贸易伙伴编码, ...`
    Chinese,
    /// `Date of data, Trading partner code, ...`
    English,
}

/// An open China Customs download: its layout and a chunked reader over its records.
#[derive(Debug)]
pub struct GaccFile {
    reader: ChunkReader,
    layout: GaccLayout,
    header_line: u64,
}

/// China Customs downloads are UTF-8 or GB18030, never Latin-1.
const FALLBACKS: &[Encoding] = &[Encoding::Gb18030];

impl GaccFile {
    /// Opens a download and reads its header. Fails, naming the file, when the file cannot
    /// be read, is empty, is not text, its header is not a China Customs header, or it has
    /// no period column and its path names no month.
    pub fn open(path: &Path) -> Result<GaccFile, IngestError> {
        Self::open_with_chunk_size(path, crate::text::DEFAULT_CHUNK_BYTES)
    }

    /// As [`GaccFile::open`] with a chosen chunk size.
    pub fn open_with_chunk_size(path: &Path, chunk_bytes: usize) -> Result<GaccFile, IngestError> {
        Self::open_named(path, &path.to_string_lossy(), chunk_bytes)
    }

    /// As [`GaccFile::open`] with a chosen chunk size; `name` (the path under the raw
    /// folder, say) is where a download without a period column finds its month
    /// ([`month_from_path`]).
    pub fn open_named(
        path: &Path,
        name: &str,
        chunk_bytes: usize,
    ) -> Result<GaccFile, IngestError> {
        let (reader, header) = ChunkReader::open_with(path, chunk_bytes, FALLBACKS)?;
        let mut layout = GaccLayout::from_header(&header.text).map_err(|message| {
            IngestError::UnknownHeader {
                path: path.to_owned(),
                line: header.line,
                message,
            }
        })?;
        if !layout.has_period() {
            let no_month = |why: String| IngestError::NoMonth {
                path: path.to_owned(),
                message: format!(
                    "the header has no period column (数据年月 / Date of data) and {why}: \
                     name the file or its folder after the month the download covers, as in \
                     gacc/export/exports_202601.csv, gacc/export/2026-01.csv or \
                     gacc/export/2026/01/file.csv"
                ),
            };
            match month_from_path(name) {
                Ok(Some((year, month))) => layout.set_file_month(year, month),
                Ok(None) => return Err(no_month("its path names no month".into())),
                Err(why) => return Err(no_month(why)),
            }
        }
        Ok(GaccFile {
            reader,
            layout,
            header_line: header.line,
        })
    }

    /// The column layout found in the header.
    pub fn layout(&self) -> &GaccLayout {
        &self.layout
    }

    /// Line number of the header.
    pub fn header_line(&self) -> u64 {
        self.header_line
    }

    /// The encoding the file is read as (final once the last chunk is read).
    pub fn encoding(&self) -> Encoding {
        self.reader.encoding()
    }

    /// The next chunk of lines, `None` at end of file.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, IngestError> {
        self.reader.next_chunk()
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.reader.bytes_read()
    }

    /// SHA-256 of the bytes read so far (the whole file once the last chunk is read).
    pub fn content_hash(&self) -> String {
        self.reader.content_hash()
    }
}
