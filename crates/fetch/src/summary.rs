//! What a fetch did, per source, and the exit code it makes.

use std::fmt;

use crate::error::exit;

/// What a fetch did.
#[derive(Debug, Clone, Default)]
pub struct FetchSummary {
    /// One entry per source asked for, in registry order.
    pub sources: Vec<SourceSummary>,
    /// Nothing was asked: `planned` lists what would have been.
    pub dry_run: bool,
}

/// What one source did.
#[derive(Debug, Clone, Default)]
pub struct SourceSummary {
    /// The source (`census`, `comtrade`, `comext`, `customs`).
    pub source: String,
    /// Files written (paths under the raw folder, `/`-separated): new files and revisions.
    pub fetched: Vec<String>,
    /// Requests whose answer was already on disk (same bytes, or 304 Not Modified), or
    /// that the source said had not changed (Comtrade `lastReleased`).
    pub unchanged: usize,
    /// Periods the source has not released yet (Census 204, absent from Comtrade's
    /// `getDa`, an empty Eurostat answer): not a failure.
    pub not_released: Vec<String>,
    /// Answers with zero records for a query that was well formed (said, not failed).
    pub empty: Vec<String>,
    /// Failures, one message each (URL redacted); the source's other requests went on
    /// unless the failure stops the source (key, quota, budget).
    pub failed: Vec<String>,
    /// Things to know (preview endpoint without a key, splits of truncated answers).
    pub notes: Vec<String>,
    /// HTTP requests sent (retries not counted).
    pub calls: usize,
    /// Dry run: what would be asked (URL, key redacted) and where it would land.
    pub planned: Vec<String>,
}

impl SourceSummary {
    pub(crate) fn new(source: &str) -> SourceSummary {
        SourceSummary {
            source: source.to_owned(),
            ..SourceSummary::default()
        }
    }

    /// Whether the source did all it was asked (not released yet counts as done).
    pub fn ok(&self) -> bool {
        self.failed.is_empty()
    }
}

impl FetchSummary {
    /// [`exit::OK`] when no source failed (a month not released yet is no failure);
    /// [`exit::FAILED`] when something failed and nothing else succeeded;
    /// [`exit::PARTIAL`] when something failed and other files were fetched or other
    /// sources were up to date.
    pub fn exit_code(&self) -> u8 {
        let failed = self.sources.iter().any(|s| !s.ok());
        let succeeded = self.sources.iter().any(|s| s.ok() || !s.fetched.is_empty());
        match (failed, succeeded) {
            (false, _) => exit::OK,
            (true, false) => exit::FAILED,
            (true, true) => exit::PARTIAL,
        }
    }

    /// The summary of `source`, if it was asked for.
    pub fn source(&self, source: &str) -> Option<&SourceSummary> {
        self.sources.iter().find(|s| s.source == source)
    }
}

impl fmt::Display for FetchSummary {
    /// One line a source (`census: 3 fetched, 2 unchanged, 1 not yet released, 0 failed`),
    /// then the failures, notes and periods not released, indented.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.sources {
            if self.dry_run {
                writeln!(
                    f,
                    "{}: {} requests planned (dry run)",
                    s.source,
                    s.planned.len()
                )?;
                for p in &s.planned {
                    writeln!(f, "  {p}")?;
                }
                continue;
            }
            writeln!(
                f,
                "{}: {} fetched, {} unchanged, {} not yet released, {} failed ({} calls)",
                s.source,
                s.fetched.len(),
                s.unchanged,
                s.not_released.len(),
                s.failed.len(),
                s.calls
            )?;
            for p in &s.fetched {
                writeln!(f, "  fetched {p}")?;
            }
            if !s.not_released.is_empty() {
                writeln!(f, "  not yet released: {}", s.not_released.join(", "))?;
            }
            for e in &s.empty {
                writeln!(f, "  zero records: {e}")?;
            }
            for n in &s.notes {
                writeln!(f, "  note: {n}")?;
            }
            for e in &s.failed {
                writeln!(f, "  FAILED: {e}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(fetched: usize, failed: usize) -> SourceSummary {
        SourceSummary {
            fetched: vec!["a.json".into(); fetched],
            failed: vec!["boom".into(); failed],
            ..SourceSummary::new("s")
        }
    }

    #[test]
    fn exit_codes_like_run() {
        let summary = |s: Vec<SourceSummary>| FetchSummary {
            sources: s,
            dry_run: false,
        };
        let not_released = SourceSummary {
            not_released: vec!["2026-11".into()],
            ..SourceSummary::new("census")
        };
        assert_eq!(summary(vec![not_released]).exit_code(), 0);
        assert_eq!(summary(vec![with(1, 0), with(0, 0)]).exit_code(), 0);
        assert_eq!(summary(vec![with(0, 1)]).exit_code(), 1);
        assert_eq!(summary(vec![with(0, 1), with(0, 1)]).exit_code(), 1);
        assert_eq!(summary(vec![with(0, 1), with(2, 0)]).exit_code(), 4);
        assert_eq!(summary(vec![with(3, 1)]).exit_code(), 4);
        let shown = summary(vec![with(1, 1)]).to_string();
        assert!(shown.contains("s: 1 fetched, 0 unchanged, 0 not yet released, 1 failed"));
        assert!(shown.contains("FAILED: boom"));
    }
}
