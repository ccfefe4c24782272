//! Charts: `-- chart:` headers, SVG content (title, event markers in range, one line per
//! series), PNG size and content, and `rareflow-query run --chart`.

use std::process::Command;

use rareflow_normalize::period::days_from_civil;
use rareflow_present::chart::{Chart, ChartKind, ChartSpec, PolicyEvent, unit_of};
use rareflow_query::table::{Cell, ColumnKind, Table};
use rareflow_query::{QuerySession, SavedQuery};

use crate::support::{bundled_warehouse, repo};

fn day(y: i32, m: u32, d: u32) -> i32 {
    days_from_civil(y, m, d)
}

fn event(date: i32, reference: &str) -> PolicyEvent {
    PolicyEvent {
        date,
        authority: "MOFCOM".into(),
        reference: reference.into(),
        description: String::new(),
    }
}

/// Monthly tonnes to `partners`, January to June 2025; each partner's values differ.
fn monthly_by_partner(partners: &[&str]) -> Table {
    let mut rows = Vec::new();
    for (p, partner) in partners.iter().enumerate() {
        for m in 1..=6 {
            rows.push(vec![
                Cell::Date(day(2025, m, 1)),
                Cell::Text((*partner).into()),
                Cell::Number(100.0 * (p as f64 + 1.0) + m as f64),
            ]);
        }
    }
    Table {
        columns: vec!["period".into(), "partner".into(), "tonnes".into()],
        kinds: vec![ColumnKind::Date, ColumnKind::Text, ColumnKind::Number],
        rows,
    }
}

/// The data lines of an SVG chart: polylines drawn 2 px wide (axis ticks are 1 px).
fn data_lines(svg: &str) -> usize {
    svg.split("<polyline")
        .skip(1)
        .filter(|tag| {
            tag.split('>')
                .next()
                .unwrap_or("")
                .contains(r#"stroke-width="2""#)
        })
        .count()
}

#[test]
fn chart_headers_parse() {
    let spec = ChartSpec::parse("line x=period y=tonnes series=partner").unwrap();
    assert_eq!(spec.kind, ChartKind::Line);
    assert_eq!(spec.x.as_deref(), Some("period"));
    assert_eq!(spec.y, vec!["tonnes".to_owned()]);
    assert_eq!(spec.series.as_deref(), Some("partner"));

    let spec = ChartSpec::parse(r#"bar x=partner y=tonnes highlight=USA title="Magnets, 2025-11""#)
        .unwrap();
    assert_eq!(spec.kind, ChartKind::Bar);
    assert_eq!(spec.highlight.as_deref(), Some("USA"));
    assert_eq!(spec.title.as_deref(), Some("Magnets, 2025-11"));

    let spec = ChartSpec::parse("line x=period y=a_t,b_t").unwrap();
    assert_eq!(spec.y, vec!["a_t".to_owned(), "b_t".to_owned()]);

    for bad in [
        "pie x=a y=b",
        "",
        "line x",
        "line colour=red",
        "line title=\"open",
        "line y=",
    ] {
        assert!(ChartSpec::parse(bad).is_err(), "{bad:?} should be refused");
    }

    let sql = "-- description: x\n-- param: month month = 2025-11\n-- chart: bar x=partner y=tonnes\nSELECT 1\n-- chart: line\n";
    let spec = ChartSpec::from_sql(sql).unwrap().unwrap();
    assert_eq!(spec.kind, ChartKind::Bar);
    assert!(
        ChartSpec::from_sql("-- description: x\nSELECT 1 -- chart: line\n")
            .unwrap()
            .is_none()
    );
    assert!(ChartSpec::from_sql("-- chart: donut\nSELECT 1").is_err());
}

#[test]
fn saved_queries_declare_charts_that_parse() {
    for (name, kind) in [
        ("magnets_total_monthly", ChartKind::Line),
        ("magnets_by_destination", ChartKind::Bar),
        ("element_exports_monthly", ChartKind::Line),
        ("mirror_magnets_us", ChartKind::Line),
        ("headline_monthly", ChartKind::Line),
    ] {
        let saved = SavedQuery::resolve(name, &repo().join("sql")).unwrap();
        let spec = ChartSpec::from_sql(&saved.sql).unwrap();
        assert_eq!(spec.map(|s| s.kind), Some(kind), "{name}");
    }
}

#[test]
fn default_chart_follows_column_types() {
    let table = monthly_by_partner(&["USA", "DEU"]);
    let spec = ChartSpec::infer(&table).unwrap();
    assert_eq!(spec.kind, ChartKind::Line);
    assert_eq!(spec.x.as_deref(), Some("period"));
    // periods repeat (one row per partner), so the text column splits the series
    assert_eq!(spec.series.as_deref(), Some("partner"));

    let bars = Table {
        columns: vec!["partner".into(), "tonnes".into()],
        kinds: vec![ColumnKind::Text, ColumnKind::Number],
        rows: vec![vec![Cell::Text("USA".into()), Cell::Number(582.0)]],
    };
    let spec = ChartSpec::infer(&bars).unwrap();
    assert_eq!(
        (spec.kind, spec.x.as_deref()),
        (ChartKind::Bar, Some("partner"))
    );

    let text_only = Table {
        columns: vec!["partner".into()],
        kinds: vec![ColumnKind::Text],
        rows: vec![vec![Cell::Text("USA".into())]],
    };
    assert!(ChartSpec::infer(&text_only).is_err());
}

#[test]
fn units_come_from_column_names() {
    assert_eq!(unit_of("tonnes"), Some("t"));
    assert_eq!(unit_of("us_reports_next_month_t"), Some("t"));
    assert_eq!(unit_of("kg"), Some("kg"));
    assert_eq!(unit_of("usd_million"), Some("US$ m"));
    assert_eq!(unit_of("china_fob_usd_m"), Some("US$ m"));
    assert_eq!(unit_of("usd_per_kg"), Some("US$/kg"));
    assert_eq!(unit_of("gap_lag1_pct"), Some("%"));
    assert_eq!(unit_of("destinations"), None);
}

#[test]
fn svg_has_title_one_line_per_series_and_only_events_in_range() {
    let table = monthly_by_partner(&["USA", "DEU"]);
    let spec = ChartSpec::parse("line x=period y=tonnes series=partner").unwrap();
    let events = [
        event(day(2023, 7, 3), "Announcement No. 23 of 2023"),
        event(day(2025, 4, 4), "Announcement No. 18"),
        // inside June, after its first day: the range runs to the end of the last month
        event(day(2025, 6, 20), "Announcement No. 99"),
        event(day(2025, 7, 1), "Announcement No. 100"),
    ];
    let chart = Chart::build(&table, &spec, "Magnets by partner", &events).unwrap();
    let svg = chart.to_svg((900, 500)).unwrap();
    assert!(svg.contains("Magnets by partner"), "title missing");
    assert_eq!(data_lines(&svg), 2, "one polyline per series");
    assert!(svg.contains("2025-04-04 Ann. No. 18"));
    assert!(svg.contains("2025-06-20 Ann. No. 99"));
    assert!(!svg.contains("2023-07-03"), "event before the range drawn");
    assert!(!svg.contains("Ann. No. 100"), "event after the range drawn");
    // month ticks and the unit
    assert!(svg.contains("2025-03"));
    assert!(svg.contains("tonnes (t)"));
    // legend names the two partners
    assert!(svg.contains(">\nUSA\n</text>") && svg.contains(">\nDEU\n</text>"));
}

#[test]
fn many_series_keep_the_top_ones_and_sum_the_rest_as_other() {
    // 12 partners: partner i has 100*(i+1)+month, so the 7 largest are the last seven
    let names = [
        "P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08", "P09", "P10", "P11", "P12",
    ];
    let table = monthly_by_partner(&names);
    let spec = ChartSpec::parse("line x=period y=tonnes series=partner").unwrap();
    let chart = Chart::build(&table, &spec, "Many", &[]).unwrap();
    let svg = chart.to_svg((900, 500)).unwrap();
    assert_eq!(data_lines(&svg), 8);
    assert!(svg.contains("other (5)"));
    assert!(svg.contains("P12") && svg.contains("P06"));
    assert!(
        !svg.contains("P05"),
        "P05 is among the five summed as other"
    );
    // "other" in January: P01..P05 = 101+201+301+401+501
    let rareflow_present::chart::ChartBody::Lines(series) = &chart.body else {
        panic!("expected lines");
    };
    let other = series.iter().find(|s| s.name == "other (5)").unwrap();
    assert_eq!(other.points[0], (day(2025, 1, 1), 1505.0));
}

#[test]
fn png_decodes_to_the_requested_size_and_is_not_blank() {
    let table = monthly_by_partner(&["USA", "DEU"]);
    let spec = ChartSpec::parse("line x=period y=tonnes series=partner").unwrap();
    let events = [event(day(2025, 4, 4), "Announcement No. 18")];
    let chart = Chart::build(&table, &spec, "Magnets", &events).unwrap();
    let png = chart.to_png((640, 360)).unwrap();
    let img = image::load_from_memory(&png).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (640, 360));
    let non_white = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
    let total = 640 * 360;
    assert!(non_white > total / 100, "only {non_white} drawn pixels");
    assert!(
        non_white < total / 2,
        "{non_white} drawn pixels: background missing"
    );
    // the series colours are there (first two of the palette)
    assert!(img.pixels().any(|p| p.0 == [31, 119, 180]));
    assert!(img.pixels().any(|p| p.0 == [255, 127, 14]));
}

#[test]
fn bad_input_gives_errors_not_panics() {
    let table = monthly_by_partner(&["USA"]);
    let no_column = ChartSpec::parse("line x=period y=nope").unwrap();
    assert!(Chart::build(&table, &no_column, "t", &[]).is_err());
    let wrong_kind = ChartSpec::parse("line x=partner y=tonnes").unwrap();
    assert!(Chart::build(&table, &wrong_kind, "t", &[]).is_err());
    let empty = Table {
        rows: Vec::new(),
        ..monthly_by_partner(&["USA"])
    };
    let spec = ChartSpec::parse("line x=period y=tonnes").unwrap();
    assert!(Chart::build(&empty, &spec, "t", &[]).is_err());
    let chart = Chart::build(&table, &spec, "t", &[]).unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    assert!(chart.write(&dir.path().join("x.jpg"), (300, 200)).is_err());
    assert!(chart.to_png((0, 0)).is_err());
}

#[test]
fn warehouse_events_mark_the_magnet_series() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let svg = rt.block_on(async {
        let session = QuerySession::open(bundled_warehouse()).await.unwrap();
        let events = rareflow_present::chart::policy_events(&session)
            .await
            .unwrap();
        let saved = SavedQuery::resolve("magnets_total_monthly", &repo().join("sql")).unwrap();
        let params = rareflow_query::params::bind(
            &saved.params,
            &[
                ("from".into(), "2025-01".into()),
                ("to".into(), "2025-11".into()),
            ],
        )
        .unwrap();
        let batches = session.collect("t", &saved.sql, params).await.unwrap();
        let table = Table::from_batches(&batches);
        let spec = ChartSpec::from_sql(&saved.sql).unwrap().unwrap();
        Chart::build(&table, &spec, "unused", &events)
            .unwrap()
            .to_svg((1000, 560))
            .unwrap()
    });
    assert!(svg.contains("Rare-earth magnet exports, all destinations (t)"));
    assert_eq!(data_lines(&svg), 1);
    // the 2025 announcements up to the end of November are drawn...
    for label in [
        "2025-04-04 Ann. No. 18",
        "2025-10-09 Ann. No. 55-58, 61, 62",
        "2025-11-07 Ann. No. 70",
        "2025-11-09 Ann. No. 72",
    ] {
        assert!(svg.contains(label), "{label} missing");
    }
    // ...and the earlier ones, and the December data release, are not
    for outside in ["2023-07-03", "2023-12-21", "2024-12-03", "2025-12-20"] {
        assert!(!svg.contains(outside), "{outside} drawn outside the range");
    }
}

#[test]
fn run_with_chart_writes_the_file_and_still_prints() {
    let dir = tempfile::TempDir::new().unwrap();
    let png = dir.path().join("by_destination.png");
    let out = Command::new(env!("CARGO_BIN_EXE_rareflow-query"))
        .current_dir(repo())
        .env("RAREFLOW_WAREHOUSE", bundled_warehouse())
        .args([
            "run",
            "magnets_by_destination",
            "--param",
            "month=2025-11",
            "--chart",
        ])
        .arg(&png)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("582"), "{stdout}");
    let img = image::open(&png).unwrap();
    assert_eq!((img.width(), img.height()), (1000, 560));

    let bad = Command::new(env!("CARGO_BIN_EXE_rareflow-query"))
        .current_dir(repo())
        .env("RAREFLOW_WAREHOUSE", bundled_warehouse())
        .args(["run", "magnets_by_destination", "--chart"])
        .arg(dir.path().join("x.gif"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains(".svg or .png"));
}

/// The points of each `<polyline>` drawn `stroke-width` wide.
fn polylines(svg: &str, stroke_width: u32) -> Vec<Vec<(i32, i32)>> {
    let width = format!(r#"stroke-width="{stroke_width}""#);
    svg.split("<polyline")
        .skip(1)
        .filter_map(|tag| {
            let tag = tag.split('>').next()?;
            if !tag.contains(&width) {
                return None;
            }
            let points = tag.split(r#"points=""#).nth(1)?.split('"').next()?;
            Some(
                points
                    .split_whitespace()
                    .filter_map(|p| {
                        let (x, y) = p.split_once(',')?;
                        Some((x.parse().ok()?, y.parse().ok()?))
                    })
                    .collect(),
            )
        })
        .collect()
}

/// The saved query `name` on the bundled warehouse, with `params`, as a chart at its
/// declared spec, with the warehouse's policy events.
fn saved_chart(name: &str, params: &[(&str, &str)]) -> Chart {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let session = QuerySession::open(bundled_warehouse()).await.unwrap();
        let events = rareflow_present::chart::policy_events(&session)
            .await
            .unwrap();
        let saved = SavedQuery::resolve(name, &repo().join("sql")).unwrap();
        let given: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let params = rareflow_query::params::bind(&saved.params, &given).unwrap();
        let batches = session.collect("t", &saved.sql, params).await.unwrap();
        let table = Table::from_batches(&batches);
        let spec = ChartSpec::from_sql(&saved.sql).unwrap().unwrap();
        Chart::build(&table, &spec, "unused", &events).unwrap()
    })
}

#[test]
fn chinese_names_draw_as_glyphs_in_png() {
    let spec = ChartSpec::parse("line x=period y=tonnes series=partner").unwrap();
    let png = |names: &[&str]| {
        Chart::build(&monthly_by_partner(names), &spec, "Headline", &[])
            .unwrap()
            .to_png((640, 360))
            .unwrap()
    };
    // the same glyphs in another order: with no CJK font both draw the same two boxes
    let rare_earths = png(&["稀土", "USA"]);
    let swapped = png(&["土稀", "USA"]);
    assert_ne!(rare_earths, swapped, "稀土 and 土稀 drew the same pixels");
    // Latin text still comes from DejaVu: swapping letters changes the picture too
    assert_ne!(png(&["AB", "USA"]), png(&["BA", "USA"]));

    let svg = Chart::build(&monthly_by_partner(&["稀土", "USA"]), &spec, "稀土", &[])
        .unwrap()
        .to_svg((640, 360))
        .unwrap();
    assert!(svg.contains(">\n稀土\n</text>"));
    assert!(
        svg.contains(r#"font-family="DejaVu Sans, Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif""#),
        "SVG text names no CJK font"
    );
}

#[test]
fn january_february_is_one_segment_at_its_monthly_average() {
    let chart = saved_chart(
        "headline_monthly",
        &[("from", "2024-11"), ("to", "2025-04")],
    );
    // 稀土 exports (t), China Customs releases in data/raw/gacc-headline: Nov 2024 4,416.0,
    // Dec 2024 3,326.0, Jan-Feb 2025 8,511.0 (one figure), Mar 5,666.3, Apr 4,784.8
    let rareflow_present::chart::ChartBody::Lines(series) = &chart.body else {
        panic!("expected lines");
    };
    assert_eq!(series.len(), 1);
    assert_eq!(
        series[0].points,
        vec![
            (day(2024, 11, 1), 4416.0),
            (day(2024, 12, 1), 3326.0),
            (day(2025, 1, 1), 8511.0 / 2.0),
            (day(2025, 2, 1), 8511.0 / 2.0),
            (day(2025, 3, 1), 5666.3),
            (day(2025, 4, 1), 4784.8),
        ]
    );
    assert_eq!(chart.spans.len(), 1);
    assert_eq!(chart.spans[0].label, "Jan-Feb");
    assert_eq!(
        (chart.spans[0].from, chart.spans[0].to),
        (day(2025, 1, 1), day(2025, 2, 1))
    );

    let svg = chart.to_svg((1000, 560)).unwrap();
    assert!(svg.contains(">\nJan-Feb\n</text>"));
    let lines = polylines(&svg, 2);
    assert_eq!(lines.len(), 1);
    let p = &lines[0];
    assert_eq!(p.len(), 6, "one vertex per month: {p:?}");
    // pixels are linear in tonnes: place 4,255.5 t by Nov and Mar
    let y_of = |t: f64| {
        let (y_nov, y_mar) = (f64::from(p[0].1), f64::from(p[4].1));
        y_nov + (t - 4416.0) * (y_mar - y_nov) / (5666.3 - 4416.0)
    };
    let flat = y_of(4255.5);
    for vertex in [p[2], p[3]] {
        assert!(
            (f64::from(vertex.1) - flat).abs() <= 1.0,
            "{vertex:?} not at {flat}"
        );
    }
    // the bold segment spans January to February, at the same height
    let segment = polylines(&svg, 4);
    assert_eq!(segment, vec![vec![p[2], p[3]]]);
    // nothing near the full two-month figure (it would be above the top of this chart)
    let full = y_of(8511.0);
    assert!(p.iter().all(|v| (f64::from(v.1) - full).abs() > 20.0));
}

#[test]
fn event_labels_do_not_overlap_and_stay_inside_the_picture() {
    let chart = saved_chart(
        "magnets_total_monthly",
        &[("from", "2024-01"), ("to", "2025-11")],
    );
    // policy_events.csv from 2024-01-01 to 2025-11-30: 2024-12-03, 2025-04-04, 2025-10-09,
    // 2025-10-30, 2025-11-01, 2025-11-07, 2025-11-09
    assert_eq!(chart.events.len(), 7);
    for size in [(1000, 560), (900, 460), (640, 360)] {
        let boxes = chart.event_label_boxes(size).unwrap();
        for (i, a) in boxes.iter().enumerate() {
            assert!(
                a.left >= 0 && a.top >= 0 && a.right <= size.0 as i32 && a.bottom <= size.1 as i32,
                "{size:?}: {a:?} outside the picture"
            );
            assert!(a.right > a.left && a.bottom > a.top, "{a:?} empty");
            for b in &boxes[i + 1..] {
                assert!(!a.overlaps(b), "{size:?}: {a:?} overlaps {b:?}");
            }
        }
        // each event listed once under the chart, numbered
        for (n, label) in [
            (1, "2024-12-03 Ann. No. 46"),
            (4, "2025-10-30 Trump-Xi meeting, Busan"),
            (7, "2025-11-09 Ann. No. 72"),
        ] {
            let entry = format!("{n} {label}");
            assert_eq!(
                boxes.iter().filter(|b| b.text == entry).count(),
                1,
                "{size:?}: {entry:?} not listed in {boxes:?}"
            );
        }
        // and every number is above its marker, alone or in a run (`5-7`)
        let numbers: Vec<(u32, u32)> = boxes
            .iter()
            .filter(|b| !b.text.contains(' '))
            .map(|b| {
                let mut parts = b.text.split(['-', ',']).map(|n| n.parse::<u32>().unwrap());
                let first = parts.next().unwrap();
                (first, parts.next_back().unwrap_or(first))
            })
            .collect();
        for n in 1..=7 {
            assert!(
                numbers.iter().any(|&(a, b)| a <= n && n <= b),
                "{size:?}: marker {n} unnumbered: {numbers:?}"
            );
        }
    }
}

#[test]
fn many_events_in_a_small_picture_stay_apart_and_inside() {
    // 40 events, one every 4 days from 2025-01-01, on a 400 x 240 chart
    let events: Vec<PolicyEvent> = (0..40)
        .map(|i| event(day(2025, 1, 1) + 4 * i, "Announcement No. 123 of 2025"))
        .collect();
    let spec = ChartSpec::parse("line x=period y=tonnes").unwrap();
    let chart = Chart::build(&monthly_by_partner(&["USA"]), &spec, "t", &events).unwrap();
    assert_eq!(chart.events.len(), 40);
    assert!(chart.to_png((400, 240)).is_ok());
    let boxes = chart.event_label_boxes((400, 240)).unwrap();
    for (i, a) in boxes.iter().enumerate() {
        assert!(
            a.left >= 0 && a.top >= 0 && a.right <= 400 && a.bottom <= 240,
            "{a:?}"
        );
        for b in &boxes[i + 1..] {
            assert!(!a.overlaps(b), "{a:?} overlaps {b:?}");
        }
    }
    // the list keeps to two fifths of the height (4 rows of 20 px) and says what it left out
    let more = boxes.iter().find(|b| b.text.ends_with(" more")).unwrap();
    assert!(more.top >= 240 - 4 * 20 - 6, "{more:?}");
}
