//! `history`, `vacuum` and `migrate`: printing what the library's upkeep did.

use std::path::Path;
use std::time::Duration;

use rareflow::{Failure, print_error};
use rareflow_etl::exit;
use rareflow_etl::upkeep::{self, HistoryRow};
use rareflow_normalize::period::format_timestamp_us;

/// Prints an error for `command` and returns its exit code.
fn failed(command: &str, e: rareflow_etl::EtlError) -> u8 {
    let failure = Failure::from(e);
    print_error(command, &failure, &mut std::io::stderr().lock());
    failure.exit_code()
}

/// `rareflow-etl history`: one line per run, oldest first.
pub(crate) fn history(warehouse: &Path) -> u8 {
    match upkeep::history(warehouse) {
        Ok(rows) if rows.is_empty() => {
            println!("no run recorded in {}", warehouse.display());
            exit::OK
        }
        Ok(rows) => {
            println!(
                "{:>5}  {:20}  {:>6}  {:>12}  table versions",
                "run", "finished (UTC)", "files", "bytes"
            );
            for row in &rows {
                println!("{}", history_line(row));
            }
            exit::OK
        }
        Err(e) => failed("rareflow-etl history", e),
    }
}

fn history_line(row: &HistoryRow) -> String {
    let versions: Vec<String> = row
        .versions
        .iter()
        .map(|(t, v)| format!("{t}@{v}"))
        .collect();
    format!(
        "{:>5}  {:20}  {:>6}  {:>12}  {}",
        row.run_id,
        format_timestamp_us(row.finished_at),
        row.files,
        row.bytes,
        versions.join(" ")
    )
}

/// `rareflow-etl vacuum`: what was (or would be) deleted, per table.
pub(crate) fn vacuum(warehouse: &Path, retain: Duration, dry_run: bool, wait: bool) -> u8 {
    // Test hooks come from the environment here, as for `run`.
    let fail_at = std::env::var("RAREFLOW_FAIL_AT").ok();
    let hooks = match rareflow_etl::Hooks::parse(fail_at.as_deref(), None) {
        Ok(hooks) => hooks,
        Err(e) => {
            eprintln!("rareflow-etl vacuum: RAREFLOW_FAIL_AT: {e}");
            return exit::USAGE;
        }
    };
    match upkeep::vacuum(warehouse, retain, dry_run, wait, &hooks) {
        Ok(tables) => {
            let verb = if dry_run { "would delete" } else { "deleted" };
            let total: usize = tables.iter().map(|t| t.files.len()).sum();
            for t in &tables {
                for f in &t.files {
                    println!("{verb} {}/{f}", t.table);
                }
            }
            println!(
                "vacuum: {verb} {total} files no version within {} names",
                humantime::format_duration(retain)
            );
            exit::OK
        }
        Err(e) => failed("rareflow-etl vacuum", e),
    }
}

/// `rareflow-etl migrate`: the snapshot converted and the run recorded for it.
pub(crate) fn migrate(warehouse: &Path, wait: bool) -> u8 {
    match upkeep::migrate(warehouse, wait) {
        Ok(done) => {
            match &done.snapshot {
                Some(s) => println!(
                    "converted snapshot {s} into Delta tables as run {}",
                    done.run_id
                ),
                None => println!(
                    "already converted (run {}); removed what was left of the snapshot layout",
                    done.run_id
                ),
            }
            for (table, files) in &done.tables {
                println!("  {table}: {files} files");
            }
            exit::OK
        }
        Err(e) => failed("rareflow-etl migrate", e),
    }
}
