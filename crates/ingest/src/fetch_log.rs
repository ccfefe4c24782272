//! `fetch_log.csv`, the raw folder's provenance, written by `rareflow-etl fetch`: one row a
//! request answered (or failed after its retries) and one a file imported by hand. `fetch`
//! appends to it; `run` reads it into the warehouse table `fetch_log`. Columns are found by
//! header name, so a log written by a later version with more columns still reads.

use std::path::Path;

use crate::error::IngestError;

/// The log's file name, at the top of the raw folder.
pub const FETCH_LOG: &str = "fetch_log.csv";

/// The log's header, in the order `fetch` writes it.
pub const FETCH_LOG_COLUMNS: [&str; 11] = [
    "path",
    "source",
    "url",
    "requested_at",
    "http_status",
    "etag",
    "last_modified",
    "bytes",
    "sha256",
    "periods",
    "note",
];

/// One row of `fetch_log.csv`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchLogRow {
    /// File under the raw folder (`/`-separated) written, or already there with the same
    /// bytes; empty when the request left no file.
    pub path: String,
    /// Source (`census`, `comtrade`, `comext`, `customs`, `gacc`).
    pub source: String,
    /// URL asked, any key replaced by `REDACTED`; for a hand import, the URL given or empty.
    pub url: String,
    /// When the request was sent (or the file imported), RFC 3339 UTC.
    pub requested_at: String,
    /// HTTP status of the answer; `None` when none came (timeouts, cut connections) and for
    /// hand imports.
    pub http_status: Option<u16>,
    /// `ETag` of the answer, if sent.
    pub etag: String,
    /// `Last-Modified` of the answer, if sent.
    pub last_modified: String,
    /// Bytes of the answer's body.
    pub bytes: Option<u64>,
    /// SHA-256 of the body, lowercase hex.
    pub sha256: String,
    /// Periods the file holds (`2025-11`; several `;`-separated; a range `2025-01..2025-12`).
    pub periods: String,
    /// What happened (`unchanged`, `not yet released (204)`, `lastReleased=...`, ...).
    pub note: String,
    /// Line of the row in the file (1-based; the header is line 1); 0 for a row not read
    /// from the file.
    pub line: u64,
}

/// Reads `path` (a `fetch_log.csv`); a file that is not there is an empty log. A header
/// without one of [`FETCH_LOG_COLUMNS`], or a status or size that is not a number, is an
/// error naming the line and field.
pub fn read_fetch_log(path: &Path) -> Result<Vec<FetchLogRow>, IngestError> {
    // Small (a row a request), read whole so that lines are counted from the bytes: the
    // csv crate's record positions count CRLF files' lines one short.
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(IngestError::io(path)(e)),
    };
    let malformed = |message: String| IngestError::Malformed {
        path: path.to_path_buf(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let header = reader
        .headers()
        .map_err(|e| malformed(e.to_string()))?
        .clone();
    if header.is_empty() {
        return Ok(Vec::new());
    }
    let mut index = [0usize; 11];
    for (slot, name) in index.iter_mut().zip(FETCH_LOG_COLUMNS) {
        *slot = header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| IngestError::UnknownHeader {
                path: path.to_path_buf(),
                line: 1,
                message: format!(
                    "no column {name:?}: expected {}",
                    FETCH_LOG_COLUMNS.join(",")
                ),
            })?;
    }
    let mut rows = Vec::new();
    let (mut counted_to, mut line) = (0usize, 1u64);
    for record in reader.records() {
        let r = record.map_err(|e| malformed(e.to_string()))?;
        let mut start = r.position().map_or(counted_to, |p| p.byte() as usize);
        // A record's position may sit on the line end before it (the `\n` of a CRLF).
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let seen = bytes.get(counted_to..start).unwrap_or_default();
        line += seen.iter().filter(|&&b| b == b'\n').count() as u64;
        counted_to = start.max(counted_to);
        let f = |i: usize| r.get(index[i]).unwrap_or("").to_owned();
        let number = |i: usize| -> Result<Option<u64>, IngestError> {
            let v = f(i);
            if v.trim().is_empty() {
                return Ok(None);
            }
            v.trim().parse().map(Some).map_err(|_| {
                malformed(format!(
                    "line {line}, field {}: expected a whole number, found {v:?}",
                    FETCH_LOG_COLUMNS[i]
                ))
            })
        };
        let http_status = match number(4)? {
            Some(s) => Some(u16::try_from(s).map_err(|_| {
                malformed(format!(
                    "line {line}, field http_status: expected an HTTP status, found {s}"
                ))
            })?),
            None => None,
        };
        rows.push(FetchLogRow {
            path: f(0),
            source: f(1),
            url: f(2),
            requested_at: f(3),
            http_status,
            etag: f(5),
            last_modified: f(6),
            bytes: number(7)?,
            sha256: f(8),
            periods: f(9),
            note: f(10),
            line,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_by_header_name_and_names_the_bad_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FETCH_LOG);
        assert!(read_fetch_log(&path).unwrap().is_empty());
        std::fs::write(
            &path,
            "note,path,source,url,requested_at,http_status,etag,last_modified,bytes,sha256,periods,extra\r\n\
             \"a, note\",census/x.json,census,http://h/?key=REDACTED,2026-12-01T00:00:00Z,200,\"e1\",,12,ab,2025-11,z\r\n\
             ,,census,http://h/b,2026-12-01T00:00:01Z,204,,,,,2025-12,\r\n",
        )
        .unwrap();
        let rows = read_fetch_log(&path).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].path, "census/x.json");
        assert_eq!(rows[0].note, "a, note");
        assert_eq!(rows[0].http_status, Some(200));
        assert_eq!(rows[0].bytes, Some(12));
        assert_eq!((rows[0].line, rows[1].line), (2, 3));
        assert_eq!(rows[1].bytes, None);
        assert_eq!(rows[1].http_status, Some(204));

        std::fs::write(
            &path,
            "path,source,url,requested_at,http_status,etag,last_modified,bytes,sha256,periods,note\n\
             a,census,u,t,200,,,twelve,,,\n",
        )
        .unwrap();
        let err = read_fetch_log(&path).unwrap_err().to_string();
        assert!(
            err.contains("line 2, field bytes: expected a whole number, found \"twelve\""),
            "{err}"
        );
        std::fs::write(&path, "path,source\na,b\n").unwrap();
        let err = read_fetch_log(&path).unwrap_err().to_string();
        assert!(
            err.contains(":1: unknown header: no column \"url\""),
            "{err}"
        );
    }
}
