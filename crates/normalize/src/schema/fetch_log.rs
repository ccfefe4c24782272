//! The schema of the `fetch_log` table (the raw folder's provenance), apart from the
//! tables the pipeline fills.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Schema, SchemaRef};

use super::{field, loaded_at_type, text};

/// `fetch_log`: the raw folder's `fetch_log.csv` as of the run, one row a request
/// `rareflow-etl fetch` sent (or a file it imported by hand). A loaded file's fetch is
/// `ingest_log JOIN fetch_log ON source_file = path AND content_sha256 = sha256`.
pub static FETCH_LOG_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    use DataType::{Int32, Int64};
    Arc::new(Schema::new(vec![
        text(
            "path",
            true,
            "file written under the raw folder (ingest_log.source_file); NULL when the request left none",
        ),
        text(
            "source",
            false,
            "census, comtrade, comext, customs or gacc (imported by hand)",
        ),
        text(
            "url",
            true,
            "URL asked, keys replaced by REDACTED; for a hand import, the URL given",
        ),
        field(
            "requested_at",
            loaded_at_type(),
            false,
            "when the request was sent or the file imported, UTC",
        ),
        field(
            "http_status",
            Int32,
            true,
            "HTTP status; NULL when no answer came and for hand imports",
        ),
        text("etag", true, "ETag of the answer, if sent"),
        text(
            "last_modified",
            true,
            "Last-Modified of the answer, if sent",
        ),
        field("bytes", Int64, true, "bytes of the answer's body"),
        text(
            "sha256",
            true,
            "SHA-256 of the body (ingest_log.content_sha256 of the file it wrote)",
        ),
        text(
            "periods",
            true,
            "periods the file holds: 2025-11, several ;-separated, or a range 2025-01..2025-12",
        ),
        text(
            "note",
            true,
            "what happened: unchanged, not yet released (204), split, imported by hand, ...",
        ),
        field("line", Int64, false, "line of the row in fetch_log.csv"),
    ]))
});
