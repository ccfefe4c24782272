//! The two shapes of China's headline table: the Chinese CSV (`*.csv`) and the English
//! monthly table page (`*.html`, `*.htm`) of `english.customs.gov.cn`. An English page's
//! series are named as the Chinese table names them (`Rare earth` is `稀土`), so a month
//! has one series whichever shape it came in, and year-to-date differencing runs across
//! both; a commodity not known here keeps its English name.

use std::path::Path;

use rareflow_ingest::headline::{HeadlineRelease, HeadlineRow, read_headline};
use rareflow_ingest::headline_html::read_headline_html;
use rareflow_ingest::{IngestError, Rejected};

/// Which shape a headline file has, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// The Chinese CSV table.
    Csv,
    /// The English monthly HTML page.
    Html,
}

impl Shape {
    pub(super) fn of(path: &Path) -> Shape {
        let html = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
        if html { Shape::Html } else { Shape::Csv }
    }

    /// Layout name stored in `ingest_log`.
    pub(super) fn layout(self) -> &'static str {
        match self {
            Shape::Csv => "gacc-headline-table",
            Shape::Html => "gacc-headline-english-html",
        }
    }

    pub(super) fn read(
        self,
        path: &Path,
        each: &mut dyn FnMut(Result<HeadlineRow, Rejected>),
    ) -> Result<HeadlineRelease, IngestError> {
        match self {
            Shape::Csv => read_headline(path, each),
            Shape::Html => read_headline_html(path, each),
        }
    }

    /// Names an English page's series as the Chinese table does.
    pub(super) fn name_series(self, rows: &mut [HeadlineRow]) {
        if self == Shape::Html {
            for row in rows {
                if let Some(zh) = series_zh(&row.series) {
                    row.series = zh.to_owned();
                }
            }
        }
    }
}

/// Lower-case letters only.
fn squash(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The Chinese table's name of an English series (`Rare earth`, `Rare-earths`, `Rare-earth
/// ore, metals, compounds` are `稀土`; names drift between years, so compared squashed).
fn series_zh(english: &str) -> Option<&'static str> {
    let s = squash(english);
    Some(if s.starts_with("rareearth") {
        if s.contains("magnet") {
            "稀土永磁"
        } else {
            "稀土"
        }
    } else if s.starts_with("steelproducts") || s == "steel" || s == "rolledsteel" {
        "钢材"
    } else if s.starts_with("unwroughtaluminium") {
        "未锻轧铝及铝材"
    } else if s.starts_with("integratedcircuit") {
        "集成电路"
    } else if s.starts_with("motorvehicles") || s.starts_with("automobiles") {
        "汽车（包括底盘）"
    } else if s.starts_with("mobilephones") || s.starts_with("mobiletelephones") {
        "手机"
    } else {
        return None;
    })
}

/// English units of the English tables: (normalized unit, factor).
pub(super) fn unit(unit: &str) -> Option<(&'static str, f64)> {
    let lower = unit.to_ascii_lowercase().replace(',', "");
    let tonnes = [
        "t",
        "ton",
        "tons",
        "tonne",
        "tonnes",
        "metric ton",
        "metric tons",
    ];
    Some(if tonnes.contains(&lower.as_str()) {
        ("tonnes", 1.0)
    } else if [
        "10000 tons",
        "10000 tonnes",
        "10 thousand tons",
        "10 thousand tonnes",
    ]
    .contains(&lower.as_str())
    {
        ("tonnes", 1e4)
    } else if ["kg", "kilogram", "kilograms"].contains(&lower.as_str()) {
        ("tonnes", 1e-3)
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use arrow::array::{Array, AsArray, RecordBatch};
    use arrow::datatypes::{Date32Type, Float64Type, Int32Type};

    use super::*;
    use crate::reference::Reference;

    const CSV: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/raw/gacc-headline/2025/export_major_commodities_202511.csv"
    );
    const HTML: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../ingest/tests/data/gacc_english_monthly_202511.html"
    );

    fn input(path: &str, file: &str) -> super::super::HeadlineInput {
        let shape = Shape::of(Path::new(path));
        let mut rows = Vec::new();
        let release = shape
            .read(Path::new(path), &mut |r| rows.extend(r.ok()))
            .unwrap();
        shape.name_series(&mut rows);
        super::super::HeadlineInput {
            file: file.to_owned(),
            release,
            rows,
        }
    }

    /// The rare-earth row of `headline_series` whose `release` is `file`, as text.
    fn rare_earth(b: &RecordBatch, file: &str) -> String {
        let s = |c: &str| b.column_by_name(c).unwrap().as_string::<i32>().clone();
        let f = |c: &str| {
            b.column_by_name(c)
                .unwrap()
                .as_primitive::<Float64Type>()
                .clone()
        };
        let (series, release, series_en, unit, flow) = (
            s("series"),
            s("release"),
            s("series_en"),
            s("unit"),
            s("flow"),
        );
        let (quantity, value) = (f("quantity"), f("value_usd"));
        let period = b
            .column_by_name("period")
            .unwrap()
            .as_primitive::<Date32Type>()
            .clone();
        let months = b
            .column_by_name("months")
            .unwrap()
            .as_primitive::<Int32Type>()
            .clone();
        let i = (0..b.num_rows())
            .find(|&i| release.value(i) == file && series.value(i) == "稀土")
            .unwrap();
        assert!(!value.is_null(i));
        format!(
            "{} {} {} {} {} {} {} {}",
            flow.value(i),
            series.value(i),
            series_en.value(i),
            period.value(i),
            months.value(i),
            quantity.value(i),
            unit.value(i),
            value.value(i)
        )
    }

    #[test]
    fn the_english_page_and_the_csv_table_agree_for_the_same_month() {
        let inputs = [
            input(
                CSV,
                "gacc-headline/2025/export_major_commodities_202511.csv",
            ),
            input(HTML, "gacc-headline/2025/monthly_202511.html"),
        ];
        assert!(inputs[1].release.title.contains("11.2025"));
        let b = super::super::headline_series(&Reference::bundled().unwrap(), &inputs).unwrap();
        let csv = rare_earth(&b, &inputs[0].file);
        let html = rare_earth(&b, &inputs[1].file);
        // 2025-11-01 is day 20393; 3,678.5 万美元 = 36,785 thousand dollars.
        assert_eq!(
            csv,
            "export 稀土 rare earths 20393 1 5493.9 tonnes 36785000"
        );
        assert_eq!(html, csv);
    }

    #[test]
    fn english_series_and_units() {
        assert_eq!(series_zh("Rare earth"), Some("稀土"));
        assert_eq!(series_zh("Rare-earths"), Some("稀土"));
        assert_eq!(series_zh("Rare-earth ore, metals, compounds"), Some("稀土"));
        assert_eq!(series_zh("Rare-earth permanent magnets"), Some("稀土永磁"));
        assert_eq!(series_zh("Footwear"), None);
        assert_eq!(unit("Tonne"), Some(("tonnes", 1.0)));
        assert_eq!(unit("10,000 tonnes"), Some(("tonnes", 1e4)));
        assert_eq!(unit("Unit"), None);
        assert_eq!(Shape::of(Path::new("a/monthly.HTML")), Shape::Html);
        assert_eq!(Shape::of(Path::new("a/b.csv")), Shape::Csv);
    }
}
