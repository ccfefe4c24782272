//! # rareflow-normalize
//!
//! Turns records as reported into `trade_flows` rows everyone can compare: ISO 3166 partners,
//! kilograms, US dollars, first-of-month dates, HS6, and the rare-earth taxonomy.
//!
//! What this crate owns:
//! - [`reference`]: the reference tables (countries, products/taxonomy, FX rates, policy
//!   events). They are data (`data/reference/*.csv`), compiled into the binaries.
//! - [`schema`]: the columns of every warehouse table.
//! - [`gacc`]: the mapping from China Customs records to `trade_flows` rows and rejects.
//! - [`sources`]: the same for UN Comtrade and US Census records.
//! - [`headline`]: China's headline tables to `headline_series` (year-to-date differencing).
//! - [`units`] and [`period`]: unit conversion and calendar arithmetic shared by all sources.

pub mod gacc;
pub mod headline;
pub mod period;
pub mod reference;
pub mod rows;
pub mod schema;
pub mod sources;
pub mod units;

pub use gacc::{FileContext, NormalizedChunk, normalize_gacc_chunk};
pub use reference::{Reference, ReferenceError};
pub use rows::{RejectRows, Release, TradeFlowRows};
