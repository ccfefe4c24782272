//! Errors: file-level ([`IngestError`], the run stops) and row-level ([`RowError`], the row is rejected).

use std::path::PathBuf;

/// A file that cannot be read at all. The run stops and the warehouse stays as it was.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The operating system refused to open or read the file.
    #[error("{path}: cannot read file")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file has no header line (empty, or only blank lines).
    #[error("{path}: file is empty: expected a header line")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The header is not one this reader knows.
    #[error("{path}:{line}: unknown header: {message}")]
    UnknownHeader {
        /// The file.
        path: PathBuf,
        /// Line of the header (1-based).
        line: u64,
        /// What was missing or wrong, and what was expected.
        message: String,
    },
    /// The file's structure is broken beyond single records (JSON that does not parse, say).
    #[error("{path}: {message}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong, with position where known.
        message: String,
    },
    /// The file is not text in any supported encoding (binary data, say).
    #[error("{path}: not a CSV text file: {message}")]
    NotText {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The file has no period column and its name or folder does not say the month.
    #[error("{path}: no month: {message}")]
    NoMonth {
        /// The file.
        path: PathBuf,
        /// What was looked for, and how to name the file.
        message: String,
    },
}

impl IngestError {
    /// Wraps an I/O error on `path`: `File::open(path).map_err(IngestError::io(path))`.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> IngestError {
        let path = path.into();
        move |source| IngestError::Io { path, source }
    }
}

/// Why one record was rejected. The rest of the file still loads.
///
/// [`RowError::code`] is a stable short name for grouping rejects; `Display` is the message
/// for a person, naming the field and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RowError {
    /// Fewer fields than the header has.
    #[error("too few fields: expected {expected}, found {found}")]
    TooFewFields {
        /// Fields in the header.
        expected: usize,
        /// Fields in this record.
        found: usize,
    },
    /// More fields than the header has.
    #[error("too many fields: expected {expected}, found {found}")]
    TooManyFields {
        /// Fields in the header.
        expected: usize,
        /// Fields in this record.
        found: usize,
    },
    /// A quoted field that never closes.
    #[error("unterminated quoted field {field}")]
    UnterminatedQuote {
        /// 1-based field position.
        field: usize,
    },
    /// Bytes that are not valid in the file's encoding.
    #[error("bytes not valid {encoding}")]
    BadEncoding {
        /// The encoding the file was read as.
        encoding: &'static str,
    },
    /// A number field that does not parse.
    #[error(
        "unparsable number in field {field}: expected a number like 1,234 or 12.5, found {value:?}"
    )]
    BadNumber {
        /// Header name of the field.
        field: String,
        /// The raw text.
        value: String,
    },
    /// A quantity or value below zero.
    #[error("negative quantity in field {field}: {value}")]
    NegativeQuantity {
        /// Header name of the field.
        field: String,
        /// The raw text.
        value: String,
    },
    /// A period that is not a real month.
    #[error("impossible month in field {field}: expected YYYYMM with month 01-12, found {value:?}")]
    BadMonth {
        /// Header name of the field.
        field: String,
        /// The raw text.
        value: String,
    },
    /// A code of the wrong shape (HS code, partner code).
    #[error("malformed code in field {field}: expected {expected}, found {value:?}")]
    BadCode {
        /// Header name of the field.
        field: String,
        /// What shape was expected.
        expected: &'static str,
        /// The raw text.
        value: String,
    },
    /// A well-formed code missing from the reference tables.
    #[error("unknown code in field {field}: {value:?} is not in {table}")]
    UnknownCode {
        /// Header name of the field.
        field: String,
        /// Which reference table was searched.
        table: &'static str,
        /// The raw text.
        value: String,
    },
    /// A required field is empty or absent.
    #[error("missing value in field {field}")]
    Missing {
        /// Name of the field.
        field: String,
    },
    /// An exact repeat of an earlier record of the same file (a second copy, not a second figure).
    #[error("exact duplicate of line {first_line}: the figure is loaded once, from that line")]
    Duplicate {
        /// 1-based line (or record) of the first copy.
        first_line: u64,
    },
    /// A second, different figure for a key and field already read (SDMX-CSV: two
    /// `VALUE_IN_EUROS` observations of one reporter, partner, product, flow and period).
    #[error(
        "conflicting second value in field {field}: line {first_line} already gave this key another figure; expected one observation per key and indicator"
    )]
    Conflicting {
        /// Name of the field (the indicator).
        field: String,
        /// 1-based line of the first figure.
        first_line: u64,
    },
    /// A year-to-date total of a month before December: not a monthly figure, and not the year.
    #[error(
        "field {field} is a year-to-date total through month {month}: only December's (the whole year) loads, into trade_flows_annual; ask the API for the monthly variable (GEN_VAL_MO, CON_VAL_MO, ALL_VAL_MO)"
    )]
    YearToDate {
        /// Header name of the field.
        field: String,
        /// The month the total runs to.
        month: u32,
    },
    /// A field longer than any real value (a sign of a broken file).
    #[error("field {field} is {len} bytes long, more than the {max} allowed")]
    FieldTooLong {
        /// 1-based field position.
        field: usize,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
}

impl RowError {
    /// The one negative-number check: `Ok(value)` when `value` is zero or more, else a
    /// [`RowError::NegativeQuantity`] naming `field` with the raw `text`.
    pub fn non_negative(field: &str, text: &str, value: f64) -> Result<f64, RowError> {
        if value < 0.0 {
            Err(RowError::NegativeQuantity {
                field: field.to_owned(),
                value: text.to_owned(),
            })
        } else {
            Ok(value)
        }
    }

    /// Stable short name of the reason, for grouping rejects in SQL.
    pub fn code(&self) -> &'static str {
        match self {
            RowError::TooFewFields { .. } => "too_few_fields",
            RowError::TooManyFields { .. } => "too_many_fields",
            RowError::UnterminatedQuote { .. } => "unterminated_quote",
            RowError::BadEncoding { .. } => "bad_encoding",
            RowError::BadNumber { .. } => "bad_number",
            RowError::NegativeQuantity { .. } => "negative_quantity",
            RowError::BadMonth { .. } => "bad_month",
            RowError::BadCode { .. } => "bad_code",
            RowError::UnknownCode { .. } => "unknown_code",
            RowError::FieldTooLong { .. } => "field_too_long",
            RowError::Missing { .. } => "missing_value",
            RowError::Duplicate { .. } => "duplicate",
            RowError::Conflicting { .. } => "conflicting",
            RowError::YearToDate { .. } => "year_to_date",
        }
    }
}

/// A record that did not pass: where it was, why, and its raw text.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// 1-based line (CSV) or record number (JSON).
    pub line: u64,
    /// Why.
    pub error: RowError,
    /// The record as it was in the file (cut to a readable length by the writer).
    pub raw: String,
}
