//! # rareflow-ingest
//!
//! Reads raw customs releases as they really come and hands out their records, with
//! provenance (file and line), without interpreting them. One module per source format:
//!
//! - [`gacc`]: China Customs (GACC) statistics-platform CSV downloads, Chinese or English layout.
//! - [`headline`]: China Customs monthly headline tables (year-to-date, January-February combined).
//! - [`comtrade`]: UN Comtrade v1 JSON and CSV, and the legacy v0 CSV.
//! - [`census`]: US Census international trade API JSON arrays.
//! - [`comext`]: Eurostat Comext monthly bulk files (`full_v2` and older `full`), plain or `.7z`.
//! - [`comext_sdmx`]: Eurostat Comext SDMX-CSV (API and data browser), codes or labels.
//! - [`headline_html`]: China Customs English monthly tables (static HTML) to headline rows.
//! - [`fetch_log`]: the raw folder's provenance, `fetch_log.csv`, as `rareflow-etl fetch` writes it.
//!
//! What this crate owns: byte-level decoding ([`text`]), the parsers every reader shares
//! (numbers, year-months, digit codes: [`parse`]), the record dialect of each format,
//! mapping header names to fields, and per-row format errors ([`RowError`]). What it does not
//! own: codes, units, currencies and periods — those are `rareflow-normalize`'s job.
//!
//! Every reader streams, so memory does not grow with the file, in one of two ways: the
//! China Customs platform reader ([`gacc`]) hands out [`Chunk`]s of whole lines of bounded
//! size; the others read through a buffered stream ([`text::open_text`] for the CSV
//! readers, serde_json's streaming deserializer for JSON, the file or its 7z entry for
//! Comext) and call back once per record or reject.

pub mod census;
pub mod comext;
pub mod comext_sdmx;
pub mod comtrade;
pub mod error;
pub mod fetch_log;
pub mod gacc;
pub mod headline;
pub mod headline_html;
pub mod parse;
pub mod period;
pub mod text;

pub use error::{IngestError, Rejected, RowError};
pub use gacc::{GaccFile, GaccLayout, GaccRecord, Language};
pub use period::Period;
pub use text::{Chunk, ChunkReader, Encoding};

/// Currency of a China Customs value column (platform downloads and headline tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Currency {
    /// Yuan (`人民币`).
    Cny,
    /// US dollars (`美元`, `US dollar`).
    Usd,
}

impl Currency {
    /// ISO 4217 code.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Cny => "CNY",
            Currency::Usd => "USD",
        }
    }
}

/// Trade direction as the reporter sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    /// Goods leaving the reporter.
    Export,
    /// Goods arriving at the reporter.
    Import,
}

impl Flow {
    /// The lower-case name stored in the warehouse (`export` / `import`).
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Export => "export",
            Flow::Import => "import",
        }
    }
}

impl std::fmt::Display for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
