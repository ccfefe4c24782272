//! `fetch_log.csv`, the provenance of the raw folder: append-only, one row a request
//! answered (or failed after its retries) and one a file imported by hand. Rows that wrote
//! a file have its `path`; the others (unchanged, not released yet, failed, truncated and
//! split) leave `path` empty, or name the file already on disk when its bytes came again.
//! Comtrade's daily call budget is counted from it.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::FetchError;

/// The log's file name, in the raw folder.
pub const FETCH_LOG: &str = "fetch_log.csv";

/// The log's header.
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
pub struct LogRow {
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
}

/// Reads `fetch_log.csv` of `raw` (empty when there is none).
pub fn read_fetch_log(raw: &Path) -> Result<Vec<LogRow>, FetchError> {
    Ok(FetchLog::open(raw)?.rows)
}

/// The log, read once at the start and appended to as requests are answered.
#[derive(Debug)]
pub(crate) struct FetchLog {
    path: PathBuf,
    rows: Vec<LogRow>,
}

impl FetchLog {
    /// Reads the log of `raw`; a missing log is an empty one.
    pub(crate) fn open(raw: &Path) -> Result<FetchLog, FetchError> {
        let path = raw.join(FETCH_LOG);
        let bad = |message: String| FetchError::Log {
            path: path.clone(),
            message,
        };
        let mut rows = Vec::new();
        if path.exists() {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_path(&path)
                .map_err(|e| bad(e.to_string()))?;
            let header = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
            if !header.iter().eq(FETCH_LOG_COLUMNS) {
                return Err(bad(format!(
                    "header {:?} is not {:?}",
                    header.iter().collect::<Vec<_>>(),
                    FETCH_LOG_COLUMNS
                )));
            }
            for record in reader.records() {
                let r = record.map_err(|e| bad(e.to_string()))?;
                let f = |i: usize| r.get(i).unwrap_or("").to_owned();
                rows.push(LogRow {
                    path: f(0),
                    source: f(1),
                    url: f(2),
                    requested_at: f(3),
                    http_status: f(4).parse().ok(),
                    etag: f(5),
                    last_modified: f(6),
                    bytes: f(7).parse().ok(),
                    sha256: f(8),
                    periods: f(9),
                    note: f(10),
                });
            }
        }
        Ok(FetchLog { path, rows })
    }

    /// Appends a row and syncs it to disk before returning.
    pub(crate) fn append(&mut self, row: LogRow) -> Result<(), FetchError> {
        let new = std::fs::metadata(&self.path).map_or(true, |m| m.len() == 0);
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let status = row.http_status.map(|s| s.to_string()).unwrap_or_default();
        let bytes = row.bytes.map(|b| b.to_string()).unwrap_or_default();
        let io = |e: std::io::Error| FetchError::io(&self.path, e);
        let csv_err = |e: csv::Error| FetchError::Log {
            path: self.path.clone(),
            message: e.to_string(),
        };
        if new {
            writer.write_record(FETCH_LOG_COLUMNS).map_err(csv_err)?;
        }
        writer
            .write_record([
                &row.path,
                &row.source,
                &row.url,
                &row.requested_at,
                &status,
                &row.etag,
                &row.last_modified,
                &bytes,
                &row.sha256,
                &row.periods,
                &row.note,
            ])
            .map_err(csv_err)?;
        let text = writer.into_inner().map_err(|e| io(e.into_error()))?;
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(io)?;
        file.write_all(&text).map_err(io)?;
        file.sync_data().map_err(io)?;
        self.rows.push(row);
        Ok(())
    }

    /// The last row for `url` whose status is one of `statuses`.
    pub(crate) fn last_with(&self, url: &str, statuses: &[u16]) -> Option<&LogRow> {
        self.rows
            .iter()
            .rev()
            .find(|r| r.url == url && r.http_status.is_some_and(|s| statuses.contains(&s)))
    }

    /// Requests of `source` sent on `day` (`YYYY-MM-DD`, UTC).
    pub(crate) fn calls_on(&self, source: &str, day: &str) -> usize {
        self.rows
            .iter()
            .filter(|r| r.source == source && !r.url.is_empty() && r.requested_at.starts_with(day))
            .count()
    }
}

/// Query parameters whose values are secrets.
const SECRET_PARAMS: [&str; 3] = ["key", "subscription-key", "token"];

/// `url` with the value of every secret query parameter replaced by `REDACTED`.
pub(crate) fn redact(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let params: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if SECRET_PARAMS.iter().any(|s| k.eq_ignore_ascii_case(s)) => {
                format!("{k}=REDACTED")
            }
            _ => p.to_owned(),
        })
        .collect();
    format!("{base}?{}", params.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_redacted() {
        assert_eq!(
            redact("http://h/x?get=A,B&key=abc123&time=2025-11"),
            "http://h/x?get=A,B&key=REDACTED&time=2025-11"
        );
        assert_eq!(
            redact("http://h/x?subscription-key=s"),
            "http://h/x?subscription-key=REDACTED"
        );
        assert_eq!(redact("http://h/x?monkey=1"), "http://h/x?monkey=1");
    }

    #[test]
    fn appends_with_one_header_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = FetchLog::open(dir.path()).unwrap();
        let row = LogRow {
            path: "census/imports/2025/a.json".into(),
            source: "census".into(),
            url: "http://h/?key=REDACTED".into(),
            requested_at: "2026-12-01T00:00:00Z".into(),
            http_status: Some(200),
            bytes: Some(12),
            note: "a, \"quoted\" note".into(),
            ..LogRow::default()
        };
        log.append(row.clone()).unwrap();
        log.append(LogRow {
            http_status: Some(204),
            path: String::new(),
            ..row.clone()
        })
        .unwrap();
        let rows = read_fetch_log(dir.path()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], row);
        assert_eq!(
            log.last_with("http://h/?key=REDACTED", &[200])
                .unwrap()
                .path,
            row.path
        );
        assert_eq!(log.calls_on("census", "2026-12-01"), 2);
        let text = std::fs::read_to_string(dir.path().join(FETCH_LOG)).unwrap();
        assert!(text.starts_with("path,source,url,requested_at,http_status,etag,"));
        assert_eq!(text.matches("path,source").count(), 1);
    }
}
