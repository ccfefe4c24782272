//! The monthly brief: its figures for November 2025 on the bundled data (the published
//! numbers), its Markdown, and its HTML as headless Chromium shows it.

use std::path::Path;
use std::process::Command;

use rareflow_present::report::{Brief, ReportError, ReportFormat, brief};
use rareflow_query::QuerySession;

use crate::support::{bundled_warehouse, repo};

fn november_2025() -> Brief {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let session = QuerySession::open(bundled_warehouse()).await.unwrap();
        brief(&session, &repo().join("sql"), "2025-11")
            .await
            .unwrap()
    })
}

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
fn html_is_self_contained() {
    let html = november_2025().render(ReportFormat::Html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(!html.contains("<link"), "no external stylesheet");
    assert!(!html.contains(" src="), "nothing loaded");
    assert!(!html.contains("url("), "nothing loaded from CSS");
    // five charts, inline
    assert_eq!(html.matches("<svg").count(), 5);
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
    assert_eq!(
        dom.matches("<svg").count(),
        5,
        "five inline charts rendered"
    );

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
