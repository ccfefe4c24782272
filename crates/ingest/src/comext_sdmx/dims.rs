//! SDMX-CSV dimension values as codes or labels: frequency, flow, indicator, period, and
//! the code part of `CODE: label` cells.

use crate::Flow;
use crate::Period;
use crate::error::RowError;

/// Which figure an observation row gives (`indicators`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indicator {
    /// `VALUE_IN_EUROS`.
    ValueInEuros = 0,
    /// `QUANTITY_IN_100KG`: units of 100 kg.
    QuantityIn100Kg = 1,
    /// `SUPPLEMENTARY_QUANTITY`: in the product's supplementary unit.
    SupplementaryQuantity = 2,
}

impl Indicator {
    /// The SDMX code.
    pub fn code(self) -> &'static str {
        match self {
            Indicator::ValueInEuros => "VALUE_IN_EUROS",
            Indicator::QuantityIn100Kg => "QUANTITY_IN_100KG",
            Indicator::SupplementaryQuantity => "SUPPLEMENTARY_QUANTITY",
        }
    }
}

/// `freq`: monthly or annual.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Freq {
    Monthly,
    Annual,
}

/// Whether `text` looks like a code (`DE`, `EU27_2020`, `85051110`, `VALUE_IN_EUROS`) rather
/// than a label (`Germany (incl. ...)`, `Monthly`).
fn is_code(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// The code of a cell: the cell itself when it is a code, the part before `:` of
/// `CODE: label` (codes and labels), else the label as written. The flag says a label.
pub(super) fn code_part(text: &str) -> (&str, bool) {
    if let Some((code, _)) = text.split_once(':').filter(|(c, _)| is_code(c.trim())) {
        return (code.trim(), false);
    }
    (text, !is_code(text))
}

/// Lower-case letters and digits only: `Quantity in 100 kg` -> `quantityin100kg`.
fn squash(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

pub(super) fn parse_flow(text: &str) -> Result<(Flow, bool), RowError> {
    let (code, label) = code_part(text);
    match squash(code).as_str() {
        "1" | "import" | "imports" => Ok((Flow::Import, label)),
        "2" | "export" | "exports" => Ok((Flow::Export, label)),
        _ => Err(RowError::BadCode {
            field: "flow".to_owned(),
            expected: "1 or IMPORT (import), 2 or EXPORT (export)",
            value: text.to_owned(),
        }),
    }
}

pub(super) fn parse_indicator(text: &str) -> Result<(Indicator, bool), RowError> {
    let (code, label) = code_part(text);
    match squash(code).as_str() {
        "valueineuros" | "valueineuro" => Ok((Indicator::ValueInEuros, label)),
        "quantityin100kg" => Ok((Indicator::QuantityIn100Kg, label)),
        "supplementaryquantity" => Ok((Indicator::SupplementaryQuantity, label)),
        _ => Err(RowError::BadCode {
            field: "indicators".to_owned(),
            expected: "VALUE_IN_EUROS, QUANTITY_IN_100KG or SUPPLEMENTARY_QUANTITY",
            value: text.to_owned(),
        }),
    }
}

pub(super) fn parse_freq(text: &str) -> Result<(Freq, bool), RowError> {
    let (code, label) = code_part(text);
    match squash(code).as_str() {
        "m" | "monthly" => Ok((Freq::Monthly, label)),
        "a" | "annual" => Ok((Freq::Annual, label)),
        _ => Err(RowError::BadCode {
            field: "freq".to_owned(),
            expected: "M or Monthly, A or Annual",
            value: text.to_owned(),
        }),
    }
}

/// `YYYY-MM` (a month) or `YYYY` (a year), agreeing with `freq` when given.
pub(super) fn parse_time_period(text: &str, freq: Option<Freq>) -> Result<Period, RowError> {
    let bad = || RowError::BadMonth {
        field: "TIME_PERIOD".to_owned(),
        value: text.to_owned(),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let year = |s: &str| -> Result<i32, RowError> {
        if s.len() != 4 || !digits(s) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    let period = match text.split_once('-') {
        Some((y, m)) if m.len() == 2 && digits(m) => match m.parse::<u32>() {
            Ok(m @ 1..=12) => Period::Month(year(y)?, m),
            _ => return Err(bad()),
        },
        Some(_) => return Err(bad()),
        None => Period::Year(year(text)?),
    };
    match (freq, period) {
        (Some(Freq::Monthly), Period::Year(_)) | (Some(Freq::Annual), Period::Month(..)) => {
            Err(RowError::BadCode {
                field: "TIME_PERIOD".to_owned(),
                expected: "YYYY-MM for freq M (Monthly), YYYY for freq A (Annual)",
                value: text.to_owned(),
            })
        }
        _ => Ok(period),
    }
}
