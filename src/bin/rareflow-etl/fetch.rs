//! `rareflow-etl fetch`: the official sources' new releases into the raw folder (the
//! `rareflow-fetch` library), or platform downloads filed by hand with `--import`.

use std::path::PathBuf;

use rareflow_fetch::{
    FetchConfig, FetchOptions, ImportHints, Keys, exit, fetch_blocking, import_files,
    parse_base_url_override,
};

use crate::cli::FetchArgs;

/// Runs `fetch` and returns its exit code (0, 1, 2, or 4 when some sources failed and
/// others fetched).
pub(crate) fn fetch_command(args: FetchArgs) -> u8 {
    match fetch_or_import(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rareflow-etl fetch: error: {e}");
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                eprintln!("  caused by: {c}");
                cause = c.source();
            }
            e.exit_code()
        }
    }
}

fn fetch_or_import(args: FetchArgs) -> Result<u8, rareflow_fetch::FetchError> {
    if !args.import.is_empty() {
        let hints = ImportHints {
            flow: args.flow,
            month: args.month,
            source_url: args.source_url,
        };
        for imported in import_files(&args.import, &args.raw, &hints)? {
            let what = if imported.unchanged {
                "already there as"
            } else {
                "filed as"
            };
            println!("{}: {what} {}", imported.original.display(), imported.path);
        }
        return Ok(exit::OK);
    }
    let mut config = match &args.config {
        Some(path) => FetchConfig::load(path)?,
        None if PathBuf::from("fetch.toml").is_file() => {
            FetchConfig::load(&PathBuf::from("fetch.toml"))?
        }
        None => FetchConfig::default(),
    };
    for text in &args.base_url {
        let (source, url) = parse_base_url_override(text)?;
        config.set_base_url(&source, &url)?;
    }
    let options = FetchOptions {
        raw: args.raw,
        sources: args.sources,
        since: args.since,
        until: args.until,
        dry_run: args.dry_run,
        keys: Keys::from_env(),
    };
    let summary = fetch_blocking(&config, &options)?;
    print!("{summary}");
    Ok(summary.exit_code())
}
