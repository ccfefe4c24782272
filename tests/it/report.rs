//! The monthly brief: its figures for November 2025 on the bundled data (the published
//! numbers), its Markdown, and its HTML as headless Chromium shows it.

use std::path::Path;
use std::process::Command;

use rareflow_present::report::{Brief, ReportError, ReportFormat, brief};
use rareflow_query::QuerySession;

use crate::support::{bundled_warehouse, copy_dir, repo, run_etl};

fn brief_of(month: &str) -> Brief {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let session = QuerySession::open(bundled_warehouse()).await.unwrap();
        brief(&session, &repo().join("sql"), month).await.unwrap()
    })
}

fn november_2025() -> Brief {
    brief_of("2025-11")
}

/// The sentences of "Finished goods and raw materials" for November 2025, from sums over
/// the bundled China Customs CSVs (as in tests/slt/story.slt: kg by partner code 502 and
/// by product group of data/reference/products.csv, is_rare_earth rows only). US: magnets
/// 656,000 -> 582,000 kg (-11.28%), raw materials 1,045,693 -> 866,709 kg (-17.12%), Dy
/// 150 kg, Tb 491 kg, 582,000 / 866,709 = 0.672 against 656,000 / 1,045,693 = 0.627,
/// magnets 582,000 of 1,510,854 kg of rare-earth products = 38.5%. All destinations:
/// 5,473,000 -> 6,150,000 kg (+12.37%), 4,595,945 -> 5,864,249 kg (+27.60%), Dy 995 kg,
/// Tb 4,045 kg, 1.049 against 1.191, 50.9%.
const FINISHED_VS_RAW: [&str; 2] = [
    "To the United States, magnets fell 11.3% on the month to 582 t and raw materials fell \
     17.1% to 866.7 t (dysprosium 150 kg, terbium 491 kg): 0.67 t of magnets per tonne of raw \
     materials, against 0.63 in 2025-10; magnets were 38.5% of the rare-earth products shipped \
     there.",
    "To all destinations, magnets rose 12.4% on the month to 6,150 t and raw materials rose \
     27.6% to 5,864.2 t (dysprosium 995 kg, terbium 4,045 kg): 1.05 t of magnets per tonne of \
     raw materials, against 1.19 in 2025-10; magnets were 50.9% of the rare-earth products \
     shipped there.",
];

/// US magnets in November 2025 (582 t) against April 2025 (274.5 t, 2.12 times) and the
/// lowest month from April to October, May (46 t, 12.65 times): partner code 502, HS
/// 85051110 in the bundled CSVs.
const ABOVE_THE_APRIL_LOW: &str = "lowest since 2025-09, still above the April low (274.5 t): \
     2.1 times April and 12.7 times the lowest month since then, 2025-05 (46 t).";

/// The published November 2025 figures (Reuters/Bloomberg reports of China Customs data,
/// `published-figures.md`), as the brief must write them.
const PUBLISHED: [&str; 8] = [
    // magnets to the US: 582 t, -11.3% on October's 656 t, 9.5% of the total
    "582 t",
    "-11.3%",
    "656 t",
    "9.5%",
    // magnets, all destinations: 6,150 t
    "6,150 t",
    // headline 稀土 series: 5,493.9 t, +26.5% on October
    "5,493.9 t",
    "+26.5%",
    // terbium, November: 4,045 kg
    "4,045 kg",
];

#[test]
fn november_brief_has_the_published_figures_with_their_queries() {
    let b = november_2025();
    let md = b.render(ReportFormat::Md).unwrap();
    for figure in PUBLISHED {
        assert!(md.contains(figure), "{figure} missing from:\n{md}");
    }
    // dysprosium, November: 995 kg
    assert!(md.contains("995 kg"));
    // each figure names its query and parameters
    assert!(md.contains("`magnets_by_destination month=2025-11`"));
    assert!(md.contains("`lowest_since partner=USA month=2025-11`"));
    assert!(md.contains("`headline_monthly from=2023-12 to=2025-11`"));
    assert!(md.contains("`element_exports_monthly element=Tb from=2024-06 to=2025-11`"));
    assert!(md.contains("`mirror_magnets_us from=2025-01 to=2025-11`"));
    // US row of the destination table in bold, policy events of November highlighted
    assert!(md.contains("**United States (USA)**"));
    assert!(md.contains("**2025-11-07**"));
    assert!(md.contains("2023-07-03"));
    // the US figure is the first of the destination section and is highlighted
    let dest = b.sections.iter().find(|s| s.id == "destinations").unwrap();
    assert_eq!(dest.figures[0].value, "582 t");
    assert!(dest.figures[0].highlight);
    assert_eq!(
        dest.figures[0].source,
        "magnets_by_destination month=2025-11"
    );
}

#[test]
fn november_brief_sets_finished_goods_against_raw_materials() {
    let b = november_2025();
    let section = b.sections.iter().find(|s| s.id == "finished-raw").unwrap();
    assert_eq!(section.title, "Finished goods and raw materials");
    assert_eq!(section.summary, FINISHED_VS_RAW.join(" "));
    assert!(
        section.chart_svg.starts_with("<svg"),
        "the finished_vs_raw chart"
    );
    assert_eq!(
        section.sources,
        [
            "finished_vs_raw partner=USA from=2023-12 to=2025-11",
            "finished_vs_raw partner=ALL from=2023-12 to=2025-11"
        ]
    );
    let md = b.render(ReportFormat::Md).unwrap();
    let html = b.render(ReportFormat::Html).unwrap();
    assert!(md.contains("## Finished goods and raw materials"));
    assert!(html.contains("<h2>Finished goods and raw materials</h2>"));
    for sentence in FINISHED_VS_RAW {
        assert!(md.contains(sentence), "{sentence} missing from:\n{md}");
        assert!(html.contains(sentence), "{sentence} missing from the HTML");
    }
    // the section comes right after the destinations
    let ids: Vec<&str> = b.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids[..3], ["magnets", "destinations", "finished-raw"]);
}

#[test]
fn us_section_says_november_stayed_above_the_april_low() {
    let b = november_2025();
    let dest = b.sections.iter().find(|s| s.id == "destinations").unwrap();
    assert!(
        dest.summary.ends_with(ABOVE_THE_APRIL_LOW),
        "{}",
        dest.summary
    );
    let figure = dest.figures.last().unwrap();
    assert_eq!(figure.label, "US against the April low");
    assert_eq!(figure.value, "2.1×");
    assert_eq!(figure.source, "above_lows partner=USA month=2025-11");
    let md = b.render(ReportFormat::Md).unwrap();
    assert!(md.contains(ABOVE_THE_APRIL_LOW));
    // before licensing began there is no April low to be above
    let march = brief_of("2025-03");
    let dest = march
        .sections
        .iter()
        .find(|s| s.id == "destinations")
        .unwrap();
    assert!(!dest.summary.contains("April low"), "{}", dest.summary);
}

/// The timeline table is `licence_timeline`'s: magnet tonnes (HS 85051110, partner code 502
/// for the US, all rows for all destinations) in the month before each event, its month and
/// the month after, summed from the bundled CSVs: 2025-03 655 t / 5,323 t, 2025-04 274.5 t /
/// 2,626 t, 2025-05 46 t / 1,238 t, 2025-10 656 t / 5,473 t, 2025-11 582 t / 6,150 t. A
/// month after the brief's is "later"; one before the data starts (2024-01) is "no data".
#[test]
fn policy_table_has_magnets_around_each_event() {
    let b = november_2025();
    let policy = b.sections.iter().find(|s| s.id == "policy").unwrap();
    assert_eq!(policy.sources, ["licence_timeline partner=USA"]);
    let table = policy.table.as_ref().unwrap();
    let row = |date: &str| {
        table
            .rows
            .iter()
            .position(|r| r[0] == date)
            .unwrap_or_else(|| panic!("no row {date}"))
    };
    let licensing = &table.rows[row("2025-04-04")];
    assert_eq!(
        licensing[4..],
        ["655 / 274.5 / 46", "5,323 / 2,626 / 1,238"]
    );
    let suspension = row("2025-11-07");
    assert_eq!(
        table.rows[suspension][4..],
        ["656 / 582 / later", "5,473 / 6,150 / later"]
    );
    assert!(table.highlight[suspension]);
    assert_eq!(
        table.rows[row("2023-12-21")][4..],
        ["no data / no data / 640", "no data / no data / 4,350"]
    );
    // events after the month are not listed
    assert!(table.rows.iter().all(|r| r[0].as_str() < "2025-12"));
}

/// The bundled US Census data reaches 2025-12, so the brief of December 2025 has China's
/// figure and no US figure for January 2026: said in words, not "n/a".
#[test]
fn a_source_short_of_the_month_is_said_in_words() {
    let b = brief_of("2025-12");
    let words = "US Census data reaches 2025-12; no figure for 2026-01 yet";
    let mirror = b.sections.iter().find(|s| s.id == "mirror").unwrap();
    assert!(mirror.summary.contains(words), "{}", mirror.summary);
    // China's side: magnets to the US in December 2025, 564 t (partner 502 in the CSV)
    assert_eq!(mirror.figures[0].value, "564 t");
    for f in &mirror.figures[1..] {
        assert_eq!(f.value, "not yet", "{}", f.label);
    }
    assert_eq!(mirror.figures[1].note, words);
    let md = b.render(ReportFormat::Md).unwrap();
    let section = &md[md.find("## US mirror statistics").unwrap()..];
    let section = &section[..section.find("## Policy timeline").unwrap()];
    assert!(!section.contains("n/a"), "{section}");
    assert!(section.contains(words));
    assert!(md.contains("Latest month by source: census 2025-12,"));
    // November's US figure is there: 2025-12 in data/raw/census/imports/2025, CHINA rows of
    // HS 8505110070 (549,750 kg) and 8505110050 (3,620 kg), GEN_QY1_MO: 553.4 t
    let nov = november_2025();
    let mirror = nov.sections.iter().find(|s| s.id == "mirror").unwrap();
    assert_eq!(mirror.figures[1].value, "553.4 t");
    assert!(!mirror.summary.contains("reaches"));
}

/// Without China Customs' March 2026 headline table the headline series ends with the
/// two-month period January-February 2026, so it reaches 2026-02: the March brief says so,
/// and that US Census data (to 2025-12) has no April figure.
#[test]
fn headline_short_of_the_month_is_said_in_words() {
    let raw = tempfile::TempDir::new().unwrap();
    let wh = tempfile::TempDir::new().unwrap();
    copy_dir(&repo().join("data/raw"), raw.path());
    std::fs::remove_file(
        raw.path()
            .join("gacc-headline/2026/export_major_commodities_202603.csv"),
    )
    .unwrap();
    run_etl(raw.path(), wh.path()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let b = rt.block_on(async {
        let session = QuerySession::open(wh.path()).await.unwrap();
        brief(&session, &repo().join("sql"), "latest")
            .await
            .unwrap()
    });
    assert_eq!(b.month, "2026-03");
    let words = "China Customs' headline series reaches 2026-02; no figure for 2026-03 yet";
    let headline = b.sections.iter().find(|s| s.id == "headline").unwrap();
    assert!(headline.summary.contains(words), "{}", headline.summary);
    assert_eq!(headline.figures[0].value, "not yet");
    assert_eq!(headline.figures[0].note, words);
    let mirror = b.sections.iter().find(|s| s.id == "mirror").unwrap();
    assert!(
        mirror
            .summary
            .contains("US Census data reaches 2025-12; no figure for 2026-04 yet"),
        "{}",
        mirror.summary
    );
    let md = b.render(ReportFormat::Md).unwrap();
    for id in ["## Headline rare earths", "## US mirror statistics"] {
        let section = &md[md.find(id).unwrap()..];
        let section = &section[..section[3..].find("## ").unwrap()];
        assert!(!section.contains("n/a"), "{section}");
    }
}

/// China Customs publishes January and February 2026 as one period: 稀土 10,460.0 t in the
/// 累计数量 column of data/raw/gacc-headline/2026/export_major_commodities_202602.csv, with
/// no monthly column. The February brief gives that figure for the two months, and March
/// says it has no single month before to compare with, instead of "n/a".
#[test]
fn headline_two_month_period_is_said_in_words() {
    let feb = brief_of("2026-02");
    let headline = feb.sections.iter().find(|s| s.id == "headline").unwrap();
    assert!(
        headline
            .summary
            .contains("was 10,460 t in 2026-01 and 2026-02 together."),
        "{}",
        headline.summary
    );
    assert_eq!(headline.figures[0].value, "10,460 t");
    assert_eq!(
        headline.figures[0].note,
        "a two-month period: no month before to compare"
    );
    let march = brief_of("2026-03");
    let headline = march.sections.iter().find(|s| s.id == "headline").unwrap();
    assert_eq!(
        headline.figures[0].note,
        "no single month before to compare: January and February are one period"
    );
}

/// The China Customs detail bundled starts in 2024-01, so June 2024 has a month before
/// (May 4,762 t -> June 5,151 t, HS 85051110 over all rows of the 2024 CSVs: +8.2%) and no
/// year before: said in words.
#[test]
fn a_year_before_the_detail_is_said_in_words() {
    let b = brief_of("2024-06");
    let magnets = b.sections.iter().find(|s| s.id == "magnets").unwrap();
    assert_eq!(
        magnets.summary,
        "China exported 5,151 t of rare-earth permanent magnets (HS 8505.1110) in 2024-06, \
         +8.2% on the month before. China Customs detail starts in 2024-01; no figure for 2023-06."
    );
    assert_eq!(magnets.figures[1].value, "no comparison");
}

#[test]
fn html_is_self_contained() {
    let html = november_2025().render(ReportFormat::Html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(!html.contains("<link"), "no external stylesheet");
    assert!(!html.contains(" src="), "nothing loaded");
    assert!(!html.contains("url("), "nothing loaded from CSS");
    // six charts, inline
    assert_eq!(html.matches("<svg").count(), 6);
    assert!(html.contains("Rare-earth magnet exports by destination (t)"));
}

#[test]
fn bad_month_is_an_error() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let session = QuerySession::open(bundled_warehouse()).await.unwrap();
        for bad in ["2025-13", "November", ""] {
            let e = brief(&session, &repo().join("sql"), bad).await.unwrap_err();
            assert!(matches!(e, ReportError::Month(_)), "{bad}: {e}");
        }
        // a month without China Customs detail is an error naming the months loaded
        // (the bundled export and import files: 2024-01 to 2026-03)
        let e = brief(&session, &repo().join("sql"), "2019-01")
            .await
            .unwrap_err();
        assert!(
            matches!(&e, ReportError::MonthNotLoaded { month, loaded }
                if month == "2019-01" && loaded == "2024-01..2026-03"),
            "{e}"
        );
    });
}

/// The browser on PATH; fails the test when there is none.
fn chromium() -> &'static str {
    ["chromium", "chromium-browser"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("no chromium on PATH: apt-get install chromium (as .ci/run does)")
}

fn run_chromium(browser: &str, profile: &Path, extra: &[String], page: &Path) -> (String, String) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1200,3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Console errors from the page itself (Chromium's own start-up noise is not the page's).
fn page_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            l.contains("Uncaught") || l.contains("ERROR:CONSOLE") || l.contains(":CONSOLE(")
        })
        .filter(|l| !l.contains(":INFO:CONSOLE") && !l.contains("VERBOSE"))
        .collect()
}

/// Ignored by a plain `cargo test` (it needs a browser); `.ci/run` installs Chromium and runs
/// it with `--include-ignored`, where a missing browser fails it.
#[test]
#[ignore = "needs chromium: apt-get install chromium"]
fn html_brief_in_headless_chromium() {
    let browser = chromium();
    let dir = tempfile::TempDir::new().unwrap();
    let page = dir.path().join("brief-2025-11.html");
    std::fs::write(&page, november_2025().render(ReportFormat::Html).unwrap()).unwrap();

    let (dom, stderr) = run_chromium(
        browser,
        &dir.path().join("profile-dom"),
        &["--dump-dom".to_owned()],
        &page,
    );
    assert!(
        page_errors(&stderr).is_empty(),
        "{:?}",
        page_errors(&stderr)
    );
    for figure in PUBLISHED {
        assert!(dom.contains(figure), "{figure} missing from the DOM");
    }
    assert!(dom.contains("Rare-earth trade brief: November 2025"));
    assert_eq!(dom.matches("<svg").count(), 6, "six inline charts rendered");

    let shot = dir.path().join("brief.png");
    let (_, stderr) = run_chromium(
        browser,
        &dir.path().join("profile-shot"),
        &[format!("--screenshot={}", shot.display())],
        &page,
    );
    assert!(
        page_errors(&stderr).is_empty(),
        "{:?}",
        page_errors(&stderr)
    );
    let img = image::open(&shot).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (1200, 3000));
    let drawn = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
    assert!(
        drawn > 1200 * 3000 / 50,
        "screenshot nearly blank: {drawn} drawn pixels"
    );
    // the policy markers render: the magnet chart's events of 2024-12-03, 2025-04-04 and
    // 2025-10-09 stand alone, the four of 2025-10-30..11-09 make a fourth bunch
    let markers = marker_columns(&img);
    assert!(
        markers >= 4,
        "{markers} policy marker lines in the screenshot"
    );
}

/// Thin vertical lines in the markers' red (#B22222 at 80% on white, (193, 78, 78), paler
/// where antialiased): runs of at least 150 such pixels in a column (a plot's height; the
/// highlighted figure's border is shorter, and pure #D62728), with no such pixel 3
/// columns either side at the run's middle (a bar is wider). Adjacent columns count once.
fn marker_columns(img: &image::RgbImage) -> usize {
    let (w, h) = img.dimensions();
    let red = |x: u32, y: u32| {
        let [r, g, b] = img.get_pixel(x, y).0.map(i32::from);
        r >= 180 && g >= 60 && r - g >= 50 && r - b >= 50 && (g - b).abs() <= 25
    };
    let thin_line = |x: u32| {
        let mut run = 0;
        for y in 0..h {
            if red(x, y) {
                run += 1;
                continue;
            }
            if run >= 150 {
                let middle = y - run / 2 - 1;
                if !red(x - 3, middle) && !red(x + 3, middle) {
                    return true;
                }
            }
            run = 0;
        }
        false
    };
    let columns: Vec<u32> = (3..w - 3).filter(|&x| thin_line(x)).collect();
    columns
        .iter()
        .enumerate()
        .filter(|(i, x)| *i == 0 || columns[i - 1] + 1 != **x)
        .count()
}
