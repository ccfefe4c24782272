//! What `rareflow-etl` prints: progress while it runs, the summary table after.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use rareflow_etl::{FileOutcome, FileSummary, Progress, RunSummary};
use unicode_width::UnicodeWidthStr;

use crate::cli::LogFormat;

/// A bar on a terminal; otherwise one line per file (text or JSON) on standard error.
pub(crate) struct Reporter {
    bar: Option<ProgressBar>,
    lines: Option<LogFormat>,
}

impl Reporter {
    pub(crate) fn new(quiet: bool, log: LogFormat) -> Reporter {
        let terminal = std::io::stderr().is_terminal();
        let bar = (!quiet && terminal && log == LogFormat::Text).then(|| {
            ProgressBar::new(0).with_style(
                ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            )
        });
        let lines = (!quiet && bar.is_none()).then_some(log);
        Reporter { bar, lines }
    }
}

impl Progress for Reporter {
    fn start(&self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
        }
    }
    fn file(&self, name: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(name.to_owned());
        }
    }
    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }
    fn file_done(&self, f: &FileSummary) {
        match self.lines {
            Some(LogFormat::Json) => eprintln!("{}", file_json(f)),
            Some(LogFormat::Text) => eprintln!(
                "{} {} read {} loaded {} rejected {}{}",
                f.source,
                f.file,
                f.rows_read,
                f.rows_loaded,
                f.rows_rejected,
                status(f)
            ),
            None => {}
        }
    }
    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn status(f: &FileSummary) -> String {
    match &f.outcome {
        FileOutcome::Loaded => String::new(),
        FileOutcome::Unchanged => " (unchanged, reused)".to_owned(),
        FileOutcome::Skipped { .. } | FileOutcome::KeptPrevious { .. } => {
            format!(" SKIPPED: {}", f.outcome)
        }
        other => format!(" ({other})"),
    }
}

/// One file as a JSON object (hand-written: the values are numbers and escaped strings).
fn file_json(f: &FileSummary) -> String {
    format!(
        "{{\"event\":\"file\",\"source\":{},\"file\":{},\"rows_read\":{},\"rows_loaded\":{},\"rows_rejected\":{},\"rows_without_usd\":{},\"unchanged\":{},\"outcome\":{},\"skipped\":{},\"warnings\":[{}]}}",
        json_str(&f.source),
        json_str(&f.file),
        f.rows_read,
        f.rows_loaded,
        f.rows_rejected,
        f.rows_without_usd,
        f.is_unchanged(),
        json_str(&f.outcome.to_string()),
        f.skipped().map_or("null".to_owned(), json_str),
        f.warnings
            .iter()
            .map(|w| json_str(w))
            .collect::<Vec<_>>()
            .join(",")
    )
}

pub(crate) fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Pads `s` with spaces to `width` terminal columns (CJK characters take two).
fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(s.width())))
}

/// The summary table on standard output.
pub(crate) fn print_summary(summary: &RunSummary) {
    for r in &summary.rolled_back {
        println!(
            "set back {} to {} (version {} was committed by run {} that did not finish)",
            r.table,
            r.recorded_version
                .map_or("empty".to_owned(), |v| format!("version {v}")),
            r.from_version,
            r.dead_run.map_or("?".to_owned(), |n| n.to_string()),
        );
    }
    if !summary.published {
        let run = summary
            .run_id
            .map_or("no run yet".to_owned(), |n| format!("run {n}"));
        println!(
            "nothing changed: {} files as in {run}; nothing was written ({:.2}s)",
            summary.files.len(),
            summary.elapsed.as_secs_f64()
        );
        return;
    }
    let width = summary
        .files
        .iter()
        .map(|f| f.file.width())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{}  {:>10}  {:>10}  {:>10}",
        pad("file", width),
        "read",
        "loaded",
        "rejected"
    );
    for f in &summary.files {
        println!(
            "{}  {:>10}  {:>10}  {:>10}{}",
            pad(&f.file, width),
            f.rows_read,
            f.rows_loaded,
            f.rows_rejected,
            status(f)
        );
        for w in &f.warnings {
            println!("  warning: {w}");
        }
    }
    let (read, loaded, rejected) = summary.totals();
    println!(
        "{} files, {read} rows read, {loaded} loaded, {rejected} rejected in {:.2}s",
        summary.files.len(),
        summary.elapsed.as_secs_f64()
    );
    let without_usd = summary.rows_without_usd();
    if without_usd > 0 {
        println!(
            "{without_usd} loaded rows have no US dollar value: their month has no exchange rate \
             in fx_rates.csv (add it to data/reference/fx_rates.csv and run again: new rates normalize every file again)"
        );
    }
    let skipped: Vec<_> = summary.skipped().collect();
    if !skipped.is_empty() {
        println!("{} files skipped (--keep-going):", skipped.len());
        for f in skipped {
            println!("  {}: {}", f.file, f.outcome);
        }
    }
    if let Some(change) = &summary.reference_changed {
        println!("{change}");
    }
    let copies: Vec<_> = summary
        .files
        .iter()
        .filter(|f| matches!(f.outcome, FileOutcome::SameAs { .. }))
        .collect();
    if !copies.is_empty() {
        println!(
            "{} files have the same bytes as another raw file (one release each):",
            copies.len()
        );
        for f in copies {
            println!("  {}: {}", f.file, f.outcome);
        }
    }
    if !summary.ignored.is_empty() {
        println!(
            "{} files under the raw folder belong to no source (see `rareflow-etl sources`): {}",
            summary.ignored.len(),
            summary.ignored.join(", ")
        );
    }
    let (added, removed, bytes) = summary
        .tables
        .tables
        .values()
        .fold((0, 0, 0), |(a, r, b), t| (a + t.0, r + t.1, b + t.2));
    println!(
        "published run {} in {}: {} tables changed, {added} files written ({bytes} bytes), {removed} replaced",
        summary.run_id.unwrap_or_default(),
        summary.warehouse,
        summary.tables.tables.len(),
    );
}
