//! China's headline tables to `headline_series`, from either shape they come in under
//! `gacc-headline/`: the Chinese CSV tables (`*.csv`) or the English monthly table pages of
//! `english.customs.gov.cn` saved as they were served (`*.html`, [`english`]). Both are one
//! source: `headline_series` is built from all releases together (year-to-date differencing
//! runs across both shapes), and English series are named as the Chinese ones. Monthly figures from the month columns,
//! or by differencing consecutive year-to-date totals where a month is missing. The
//! January-February release stays one two-month period (`months` = 2), never February alone.
//! Where a month column and the difference of year-to-date totals disagree beyond rounding
//! (a revision), both are kept and the row says so.
//!
//! Values in yuan become `value_usd` at the covered months' rate: for a period of several
//! months (January-February), the mean of those months' rates, each month weighted alike
//! ([`crate::fx::FxRates::mean_per_usd`]), since the release does not split the figure by
//! month; NULL when any covered month has no rate. Never the last month's rate alone.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{
    BooleanBuilder, Date32Builder, Float64Builder, Int32Builder, Int64Builder, RecordBatch,
    StringBuilder,
};
use arrow::error::ArrowError;
use rareflow_ingest::headline::{HeadlineRelease, HeadlineRow};
use rareflow_ingest::{Currency, IngestError};

use crate::period::month_start;
use crate::piece::PieceError;
use crate::reference::Reference;
use crate::rows::RejectRows;
use crate::schema::HEADLINE_SERIES;
use crate::source::{FileFacts, FilePattern, Gatherer, Normalized, Source, SourceFile, WorkSink};
use crate::tables::TableDef;

mod english;
mod gather;
pub use gather::HEADLINE_READ;

/// Source name of the headline tables.
pub const SOURCE: &str = "gacc-headline";

/// The table the headline source builds.
pub const HEADLINE_TABLE: &str = "headline_series";

/// Figures are published to one decimal: two rounded year-to-date totals and a rounded
/// month differ by up to 0.15 without any revision.
const ROUNDING: f64 = 0.15;

/// One release file and its rows.
#[derive(Debug, Clone)]
pub struct HeadlineInput {
    /// File, relative to the raw folder.
    pub file: String,
    /// What the title and unit lines say.
    pub release: HeadlineRelease,
    /// Commodity rows.
    pub rows: Vec<HeadlineRow>,
}

/// China Customs monthly headline tables under `gacc-headline/`. Year-to-date
/// differencing needs every release, so the rows are gathered and `headline_series` is
/// built at the end of the run, from unchanged files too.
#[derive(Debug, Default)]
pub struct GaccHeadline;

impl Source for GaccHeadline {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn files(&self) -> FilePattern {
        FilePattern::new("gacc-headline", &["csv", "html", "htm"])
    }

    fn read(
        &self,
        file: &SourceFile<'_>,
        sink: &mut dyn WorkSink,
    ) -> Result<FileFacts, IngestError> {
        let mut rows = Vec::new();
        let mut rejects = RejectRows::default();
        let mut read = 0u64;
        let shape = english::Shape::of(file.path);
        let table = shape.read(file.path, &mut |r| {
            read += 1;
            match r {
                Ok(row) => rows.push(row),
                Err(r) => rejects.push(
                    SOURCE,
                    file.relative,
                    r.line,
                    r.error.code(),
                    &r.error.to_string(),
                    &r.raw,
                ),
            }
        })?;
        shape.name_series(&mut rows);
        let facts = FileFacts {
            encoding: table.encoding.to_owned(),
            layout: shape.layout().to_owned(),
            flow: Some(flow_of(&table.title).to_owned()),
            ..FileFacts::default()
        };
        let first = month_start(table.year, table.first_month);
        let last = month_start(table.year, table.last_month);
        let input = HeadlineInput {
            file: file.relative.to_owned(),
            release: table,
            rows,
        };
        sink.send(Box::new(move || {
            let in_file = || PieceError::in_file(&input.file);
            let mut out = Normalized::empty();
            out.rejects = rejects.finish().map_err(in_file())?;
            out.rows_read = read;
            out.rows_gathered = input.rows.len() as u64;
            out.periods = Some((first, last));
            out.gathered = Some(gather::to_batch(&input).map_err(in_file())?);
            Ok(out)
        }));
        Ok(facts)
    }

    fn reread_unchanged(&self) -> bool {
        true
    }

    fn gatherer(&self) -> Option<Box<dyn Gatherer>> {
        Some(Box::new(HeadlineGatherer::default()))
    }

    fn tables(&self) -> Vec<TableDef> {
        vec![TableDef::new(
            HEADLINE_TABLE,
            "trade",
            "China's headline table by month (Jan-Feb one period), with revisions",
            HEADLINE_SERIES.clone(),
        )]
    }
}

#[derive(Default)]
struct HeadlineGatherer {
    inputs: Vec<HeadlineInput>,
}

impl Gatherer for HeadlineGatherer {
    fn add(&mut self, file: &str, part: RecordBatch) -> Result<(), PieceError> {
        let input = gather::from_batch(&part).map_err(PieceError::in_file(file))?;
        self.inputs.extend(input);
        Ok(())
    }

    fn finish(
        self: Box<Self>,
        reference: &Reference,
    ) -> Result<Vec<(&'static str, RecordBatch)>, ArrowError> {
        Ok(vec![(
            HEADLINE_TABLE,
            headline_series(reference, &self.inputs)?,
        )])
    }
}

fn flow_of(title: &str) -> &'static str {
    if title.contains("进口") || title.to_ascii_lowercase().contains("import commodities") {
        "import"
    } else {
        "export"
    }
}

/// English names of the commodities analysts follow.
fn series_en(series: &str) -> Option<&'static str> {
    Some(match series {
        "稀土" => "rare earths",
        "稀土永磁" => "rare-earth permanent magnets",
        "钢材" => "steel products",
        "未锻轧铝及铝材" => "unwrought aluminium and aluminium products",
        "集成电路" => "integrated circuits",
        "汽车" | "汽车（包括底盘）" => "motor vehicles",
        _ => return None,
    })
}

/// Published unit to (normalized unit, factor).
fn normalize_unit(unit: &str) -> (&str, f64) {
    match unit.trim() {
        "吨" | "公吨" => ("tonnes", 1.0),
        "万吨" => ("tonnes", 1e4),
        "千克" => ("tonnes", 1e-3),
        other => english::unit(other).unwrap_or((other, 1.0)),
    }
}

/// (flow, series, year, last month of the release).
type YtdKey<'a> = (&'a str, &'a str, i32, u32);

/// Builds `headline_series` from every headline release.
pub fn headline_series(
    reference: &Reference,
    inputs: &[HeadlineInput],
) -> Result<RecordBatch, ArrowError> {
    // Year-to-date totals by (flow, series, year, last month): the base for differencing.
    let mut ytd: BTreeMap<YtdKey, (Option<f64>, Option<f64>)> = BTreeMap::new();
    for input in inputs {
        let r = &input.release;
        for row in &input.rows {
            ytd.insert(
                (flow_of(&r.title), row.series.as_str(), r.year, r.last_month),
                (row.ytd_quantity, row.ytd_value),
            );
        }
    }
    let n: usize = inputs.iter().map(|i| i.rows.len()).sum();
    let s = || StringBuilder::with_capacity(n, n * 8);
    let (mut source, mut reporter, mut flow_b, mut series, mut series_en_b) =
        (s(), s(), s(), s(), s());
    let mut period = Date32Builder::with_capacity(n);
    let mut months = Int32Builder::with_capacity(n);
    let mut quantity = Float64Builder::with_capacity(n);
    let mut unit_b = s();
    let mut value_usd = Float64Builder::with_capacity(n);
    let mut method = s();
    let mut quantity_ytd = Float64Builder::with_capacity(n);
    let mut quantity_from_ytd = Float64Builder::with_capacity(n);
    let mut revised = BooleanBuilder::with_capacity(n);
    let mut note = s();
    let (mut release, mut title) = (s(), s());
    let mut line = Int64Builder::with_capacity(n);

    for input in inputs {
        let r = &input.release;
        let flow = flow_of(&r.title);
        let currency = match r.currency {
            Currency::Usd => "USD",
            Currency::Cny => "CNY",
        };
        let rate = reference
            .fx()
            .mean_per_usd(currency, r.year, r.first_month..=r.last_month);
        for row in &input.rows {
            let previous = (r.first_month > 1)
                .then(|| ytd.get(&(flow, row.series.as_str(), r.year, r.first_month - 1)))
                .flatten();
            let from_ytd = |now: Option<f64>, before: Option<f64>| -> Option<f64> {
                if r.first_month == 1 {
                    now
                } else {
                    Some(now? - before?)
                }
            };
            let q_from_ytd = from_ytd(row.ytd_quantity, previous.and_then(|p| p.0));
            let v_from_ytd = from_ytd(row.ytd_value, previous.and_then(|p| p.1));
            let (q, how) = match (row.month_quantity, q_from_ytd) {
                (Some(m), _) => (Some(m), "month_column"),
                (None, Some(d)) if r.first_month == 1 => (Some(d), "year_to_date"),
                (None, Some(d)) => (Some(d), "ytd_difference"),
                (None, None) => (None, "missing"),
            };
            let v = row.month_value.or(v_from_ytd);
            let is_revision = matches!((row.month_quantity, q_from_ytd), (Some(m), Some(d)) if (m - d).abs() > ROUNDING);
            let (unit, factor) = normalize_unit(&row.unit);
            let round1 = |x: f64| (x * 10.0).round() / 10.0;

            source.append_value(SOURCE);
            reporter.append_value("CHN");
            flow_b.append_value(flow);
            series.append_value(&row.series);
            series_en_b.append_option(series_en(&row.series));
            period.append_value(month_start(r.year, r.first_month));
            months.append_value((r.last_month - r.first_month + 1) as i32);
            quantity.append_option(q.map(|x| round1(x * factor)));
            unit_b.append_value(unit);
            value_usd.append_option(
                v.zip(rate)
                    .map(|(v, rate)| (v * r.value_scale / rate).round()),
            );
            method.append_value(how);
            quantity_ytd.append_option(row.ytd_quantity.map(|x| round1(x * factor)));
            quantity_from_ytd.append_option(q_from_ytd.map(|x| round1(x * factor)));
            revised.append_value(is_revision);
            note.append_option(match (how, is_revision) {
                (_, true) => {
                    let (m, d) = (row.month_quantity.unwrap_or_default(), q_from_ytd.unwrap_or_default());
                    Some(format!(
                        "revision: month column {m} but year-to-date totals give {d:.1} ({:+.1}); the month column is kept as quantity",
                        d - m
                    ))
                }
                ("ytd_difference", _) => Some("month column empty: year-to-date total minus the previous release's".to_owned()),
                ("year_to_date", _) if r.last_month > r.first_month => {
                    Some(format!("January-{} published together: one {}-month period", r.last_month, r.last_month - r.first_month + 1))
                }
                ("missing", _) => Some("no month figure and no previous release to difference".to_owned()),
                _ => None,
            });
            release.append_value(&input.file);
            title.append_value(&r.title);
            line.append_value(row.line as i64);
        }
    }
    RecordBatch::try_new(
        HEADLINE_SERIES.clone(),
        vec![
            Arc::new(source.finish()),
            Arc::new(reporter.finish()),
            Arc::new(flow_b.finish()),
            Arc::new(series.finish()),
            Arc::new(series_en_b.finish()),
            Arc::new(period.finish()),
            Arc::new(months.finish()),
            Arc::new(quantity.finish()),
            Arc::new(unit_b.finish()),
            Arc::new(value_usd.finish()),
            Arc::new(method.finish()),
            Arc::new(quantity_ytd.finish()),
            Arc::new(quantity_from_ytd.finish()),
            Arc::new(revised.finish()),
            Arc::new(note.finish()),
            Arc::new(release.finish()),
            Arc::new(title.finish()),
            Arc::new(line.finish()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use arrow::array::{AsArray, Float64Array, StringArray};
    use arrow::datatypes::{Float64Type, Int32Type};

    use super::*;

    fn release(first: u32, last: u32) -> HeadlineRelease {
        HeadlineRelease {
            year: 2025,
            first_month: first,
            last_month: last,
            currency: Currency::Usd,
            value_scale: 10_000.0,
            title: format!("2025年{first}-{last}月出口主要商品量值表（美元值）"),
            encoding: "UTF-8",
        }
    }

    fn row(month: Option<f64>, ytd: f64) -> HeadlineRow {
        HeadlineRow {
            line: 4,
            series: "稀土".into(),
            unit: "吨".into(),
            month_quantity: month,
            month_value: None,
            ytd_quantity: Some(ytd),
            ytd_value: None,
            ytd_quantity_yoy_pct: None,
            ytd_value_yoy_pct: None,
            raw: String::new(),
        }
    }

    #[test]
    fn january_february_stays_one_period_and_gaps_are_differenced() {
        let inputs = [
            HeadlineInput {
                file: "a.csv".into(),
                release: release(1, 2),
                rows: vec![row(None, 9_000.0)],
            },
            // March's month column is empty: 12,500 - 9,000 = 3,500 t by difference.
            HeadlineInput {
                file: "b.csv".into(),
                release: release(3, 3),
                rows: vec![row(None, 12_500.0)],
            },
            // April publishes 4,000 but the totals give 16,512 - 12,500 = 4,012: a revision of +12.
            HeadlineInput {
                file: "c.csv".into(),
                release: release(4, 4),
                rows: vec![row(Some(4_000.0), 16_512.0)],
            },
        ];
        let b = headline_series(&Reference::bundled().unwrap(), &inputs).unwrap();
        let months = b
            .column_by_name("months")
            .unwrap()
            .as_primitive::<Int32Type>();
        assert_eq!(months.values().to_vec(), vec![2, 1, 1]);
        let q = b
            .column_by_name("quantity")
            .unwrap()
            .as_primitive::<Float64Type>();
        assert_eq!(q, &Float64Array::from(vec![9_000.0, 3_500.0, 4_000.0]));
        let method = b
            .column_by_name("quantity_method")
            .unwrap()
            .as_string::<i32>();
        assert_eq!(
            method,
            &StringArray::from(vec!["year_to_date", "ytd_difference", "month_column"])
        );
        let note = b.column_by_name("note").unwrap().as_string::<i32>();
        assert_eq!(
            note.value(2),
            "revision: month column 4000 but year-to-date totals give 4012.0 (+12.0); the month column is kept as quantity"
        );
        let revised = b.column_by_name("revised").unwrap().as_boolean();
        assert_eq!((revised.value(1), revised.value(2)), (false, true));
    }

    #[test]
    fn a_january_february_yuan_figure_converts_at_the_mean_of_both_rates() {
        let fx = crate::fx::FxRates::parse(
            "month,currency,per_usd,source\n\
             2025-01,CNY,7.0,t\n2025-02,CNY,7.2,t\n2025-03,CNY,7.5,t\n2026-02,CNY,7.2,t\n",
            "t",
        )
        .unwrap();
        let reference = Reference::bundled().unwrap().with_fx(fx);
        let yuan = |year: i32, first: u32, last: u32, ytd_value: f64| HeadlineInput {
            file: format!("{year}-{last}.csv"),
            release: HeadlineRelease {
                year,
                currency: Currency::Cny,
                title: format!("{year}年{first}-{last}月出口主要商品量值表（人民币值）"),
                ..release(first, last)
            },
            rows: vec![HeadlineRow {
                ytd_value: Some(ytd_value),
                ..row(None, 1.0)
            }],
        };
        let inputs = [
            // 71,000 万元 = 710,000,000 yuan over January-February at (7.0 + 7.2) / 2 = 7.1:
            // 100,000,000 dollars (at February's 7.2 alone it would be 98,611,111).
            yuan(2025, 1, 2, 71_000.0),
            // March alone: (93,500 - 71,000) 万元 = 225,000,000 yuan / 7.5 = 30,000,000.
            yuan(2025, 3, 3, 93_500.0),
            // 2026: no January rate, so no dollars, although February has one.
            yuan(2026, 1, 2, 71_000.0),
        ];
        let b = headline_series(&reference, &inputs).unwrap();
        let usd = b
            .column_by_name("value_usd")
            .unwrap()
            .as_primitive::<Float64Type>();
        assert_eq!(
            usd,
            &Float64Array::from(vec![Some(100_000_000.0), Some(30_000_000.0), None])
        );
    }

    #[test]
    fn gathered_rows_travel_as_a_batch_and_another_schema_is_refused() {
        let input = HeadlineInput {
            file: "gacc-headline/2025-04.csv".into(),
            release: release(4, 4),
            rows: vec![row(Some(4_000.0), 16_512.0), row(None, 20.5)],
        };
        let mut gatherer = HeadlineGatherer::default();
        let batch = gather::to_batch(&input).unwrap();
        gatherer.add(&input.file, batch).unwrap();
        let back = &gatherer.inputs[0];
        assert_eq!(
            (back.file.as_str(), back.release.first_month),
            (input.file.as_str(), 4)
        );
        let quantities: Vec<_> = back
            .rows
            .iter()
            .map(|r| (r.month_quantity, r.ytd_quantity))
            .collect();
        assert_eq!(
            quantities,
            vec![(Some(4_000.0), Some(16_512.0)), (None, Some(20.5))]
        );
        let wrong = Normalized::empty().rejects;
        let err = gatherer.add("gacc-headline/x.csv", wrong).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("gacc-headline/x.csv: Schema error"),
            "{err}"
        );
        assert_eq!(gatherer.inputs.len(), 1);
    }
}
