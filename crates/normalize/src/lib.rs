//! # rareflow-normalize
//!
//! Turns records as reported into `trade_flows` rows everyone can compare: ISO 3166 partners,
//! kilograms, US dollars, first-of-month dates, HS6, and the rare-earth taxonomy.
//!
//! What this crate owns:
//! - [`source`]: the plug-in shape of a source ([`Source`]), and [`registry`]: the one list
//!   of sources and of the tables they write ([`tables`]). [`output`] builds the rows of a
//!   piece of work (dollars set in one place); [`piece`] is its error, naming the file.
//!   One module per source maps its records to rows and rejects: [`gacc`] (China Customs
//!   platform downloads), [`headline`] (China's headline tables to `headline_series`,
//!   year-to-date differencing), [`comtrade`] (UN Comtrade) and [`census`] (US Census),
//!   [`comext`] (Eurostat Comext bulk files), [`comext_sdmx`] (Eurostat Comext SDMX-CSV).
//! - [`reference`](mod@reference): the reference tables (countries, products, policy
//!   events), compiled in from `data/reference/*.csv`; [`codes`]: the partner code systems
//!   of the other sources, one declaration each; [`taxonomy`]: product lines of any
//!   classification to the rare-earth taxonomy; [`fx`]: exchange rates, which a run may
//!   read from a file so that they can be updated without a rebuild; [`refdata`]: what
//!   these tables share (their error, CSV records, Arrow batches).
//! - [`schema`]: the columns of every warehouse table, each with its description.
//! - [`units`] and [`period`]: unit conversion and calendar arithmetic shared by all sources
//!   (the [`Period`] a figure covers is `rareflow_ingest::Period`).

pub mod batcher;
pub mod census;
pub mod codes;
pub mod comext;
pub mod comext_sdmx;
pub mod comtrade;
pub mod fx;
pub mod gacc;
pub mod headline;
pub mod output;
pub mod period;
pub mod piece;
pub mod refdata;
pub mod reference;
pub mod registry;
pub mod rows;
pub mod schema;
pub mod source;
pub mod tables;
pub mod taxonomy;
pub mod units;

/// The normalizer's version, part of the fingerprint each file's rows are recorded with:
/// bump the revision after `+` whenever the same raw file would give other rows, so the
/// next run normalizes every file again.
pub const NORMALIZER_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "+1");

pub use piece::PieceError;
pub use rareflow_ingest::Period;
pub use refdata::ReferenceError;
pub use reference::Reference;
pub use registry::Registry;
pub use rows::{RejectRows, Release, TradeFlowRows};
pub use source::{FileFacts, Normalized, Source, SourceFile, Work, WorkSink};
pub use tables::TableDef;
