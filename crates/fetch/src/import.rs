//! China Customs: the query platform (`stats.customs.gov.cn`) sits behind an anti-bot
//! challenge and a CAPTCHA, and is not automated. Its CSV downloads, made by hand, are
//! filed here into the folder `run` reads: `gacc/{export,import}/YYYY/`, bytes unchanged
//! (GB18030 or UTF-8, as the platform wrote them), with a `fetch_log.csv` row saying
//! "imported by hand" and the original name.
//!
//! - The months come from the file's period column (`数据年月` / `Date of data`), else from
//!   its name (`..._202511.csv`, `2025-11`), else from [`ImportHints::month`]; all in one
//!   year (the folder is the year).
//! - The flow (the files have no flow column) comes from [`ImportHints::flow`], else from a
//!   word of the name (`export`, `exports`, `out`, `出口` / `import`, `imports`, `in`,
//!   `进口`); else the import fails asking for it.
//! - The file is named `gacc_{flow}_YYYYMM.csv` (`gacc_{flow}_YYYYMM-YYYYMM.csv` for several
//!   months). The same bytes again write nothing; another download for the same months is
//!   filed as a revision next to it (`_rev1`), which `run` reads as the newer release.

use std::path::{Path, PathBuf};

use crate::FetchError;
use crate::log::{FetchLog, LogRow};
use crate::period::{YearMonth, now_rfc3339};
use crate::store::{self, Download, Hashing, Stored};

/// The flow of a China Customs download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// China's exports (`gacc/export/`).
    Export,
    /// China's imports (`gacc/import/`).
    Import,
}

impl Flow {
    fn folder(self) -> &'static str {
        match self {
            Flow::Export => "export",
            Flow::Import => "import",
        }
    }
}

impl std::str::FromStr for Flow {
    type Err = FetchError;

    /// `export` / `import` (also `exports`, `imports`, `X`, `M`).
    fn from_str(s: &str) -> Result<Flow, FetchError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "export" | "exports" | "x" => Ok(Flow::Export),
            "import" | "imports" | "m" => Ok(Flow::Import),
            _ => Err(FetchError::Usage(format!(
                "flow {s:?}: expected export or import"
            ))),
        }
    }
}

/// What the person filing a download can say about it.
#[derive(Debug, Clone, Default)]
pub struct ImportHints {
    /// The flow, when the name does not say it.
    pub flow: Option<Flow>,
    /// The month, when neither the file nor its name says it.
    pub month: Option<YearMonth>,
    /// Where the file was downloaded from (kept in `fetch_log.csv`'s `url`).
    pub source_url: Option<String>,
}

/// A download filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The file given.
    pub original: PathBuf,
    /// Where it is under the raw folder (`/`-separated).
    pub path: String,
    /// The same bytes were already there: nothing written.
    pub unchanged: bool,
    /// Its flow.
    pub flow: Flow,
    /// The months it holds.
    pub months: Vec<YearMonth>,
}

/// Files hand downloads of the China Customs platform into `raw`. Stops at the first file
/// that cannot be filed (those before it are filed and logged).
pub fn import_files(
    paths: &[PathBuf],
    raw: &Path,
    hints: &ImportHints,
) -> Result<Vec<Imported>, FetchError> {
    std::fs::create_dir_all(raw).map_err(|e| FetchError::io(raw, e))?;
    let mut log = FetchLog::open(raw)?;
    paths
        .iter()
        .map(|path| import_one(path, raw, hints, &mut log))
        .collect()
}

fn import_one(
    path: &Path,
    raw: &Path,
    hints: &ImportHints,
    log: &mut FetchLog,
) -> Result<Imported, FetchError> {
    let bad = |message: String| FetchError::Import {
        path: path.to_owned(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| FetchError::io(path, e))?;
    let text = decode(&bytes);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = fields(lines.next().unwrap_or(""));
    let known = ["数据年月", "Date of data", "商品编码", "Commodity code"];
    if !header.iter().any(|h| known.contains(&h.as_str())) {
        return Err(bad(format!(
            "not a China Customs platform download: its header {:?} has none of {known:?}",
            header.iter().take(6).collect::<Vec<_>>()
        )));
    }
    let period_column = header
        .iter()
        .position(|h| h == "数据年月" || h == "Date of data");
    let mut months: Vec<YearMonth> = match period_column {
        Some(i) => lines
            .filter_map(|l| fields(l).get(i).and_then(|v| v.parse().ok()))
            .collect(),
        None => month_in_name(&name).or(hints.month).into_iter().collect(),
    };
    months.sort();
    months.dedup();
    if let Some(hint) = hints.month
        && !months.is_empty()
        && !months.contains(&hint)
    {
        return Err(bad(format!("the file holds {}, not {hint}", span(&months))));
    }
    let (Some(first), Some(last)) = (months.first().copied(), months.last().copied()) else {
        return Err(bad(
            "no month: the file has no period column and its name none (YYYYMM); give it (--month YYYY-MM)".into(),
        ));
    };
    if first.year != last.year {
        return Err(bad(format!(
            "it spans {first} to {last}: one year a file (the folder is the year); download it by year"
        )));
    }
    let flow = hints.flow.or_else(|| flow_in_name(&name)).ok_or_else(|| {
        bad("no flow: the platform's files have none and its name says neither export nor import; give it (--flow export|import)".into())
    })?;
    let stem = if first == last {
        first.compact()
    } else {
        format!("{}-{}", first.compact(), last.compact())
    };
    let folder = flow.folder();
    let relative = format!("gacc/{folder}/{}/gacc_{folder}_{stem}.csv", first.year);
    let dir = raw.join(format!("gacc/{folder}/{}", first.year));
    let mut out = Hashing::new(store::temp_in(&dir)?);
    out.write_chunk(&bytes)
        .map_err(|e| FetchError::io(&dir, e))?;
    let (file, size, sha256) = out.finish();
    let stored = store::commit(
        raw,
        &relative,
        Download {
            file,
            bytes: size,
            sha256: sha256.clone(),
        },
    )?;
    let mut note = format!("imported by hand from {name}");
    if matches!(stored, Stored::Unchanged(_)) {
        note.push_str("; unchanged: same bytes as the file on disk");
    }
    log.append(LogRow {
        path: stored.path().to_owned(),
        source: "gacc".into(),
        url: hints.source_url.clone().unwrap_or_default(),
        requested_at: now_rfc3339(),
        http_status: None,
        bytes: Some(size),
        sha256,
        periods: span(&months),
        note,
        ..LogRow::default()
    })?;
    Ok(Imported {
        original: path.to_owned(),
        path: stored.path().to_owned(),
        unchanged: matches!(stored, Stored::Unchanged(_)),
        flow,
        months,
    })
}

/// UTF-8 (a BOM dropped), else GB18030, the platform's two encodings.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// The platform's fields: every one quoted, a trailing comma, no escaping.
fn fields(line: &str) -> Vec<String> {
    line.trim_end_matches(['\r', '\n'])
        .trim_end_matches(',')
        .split("\",\"")
        .map(|f| f.trim().trim_matches('"').to_owned())
        .collect()
}

fn span(months: &[YearMonth]) -> String {
    match months {
        [one] => one.to_string(),
        [first, .., last] => format!("{first}..{last}"),
        [] => String::new(),
    }
}

/// A `YYYYMM` or `YYYY-MM` in a file name.
fn month_in_name(name: &str) -> Option<YearMonth> {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let runs: Vec<&str> = stem.split(|c: char| !c.is_ascii_digit()).collect();
    let six = runs
        .iter()
        .find_map(|r| (r.len() == 6).then(|| r.parse().ok()).flatten());
    six.or_else(|| {
        runs.windows(2)
            .find(|w| w[0].len() == 4 && w[1].len() == 2)
            .and_then(|w| format!("{}-{}", w[0], w[1]).parse().ok())
    })
}

/// The flow a word of the name says, if exactly one.
fn flow_in_name(name: &str) -> Option<Flow> {
    let lower = name.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    let says = |ascii: &[&str], chinese: &str| {
        words.iter().any(|w| ascii.contains(w)) || lower.contains(chinese)
    };
    match (
        says(&["export", "exports", "exp", "out"], "出口"),
        says(&["import", "imports", "imp", "in"], "进口"),
    ) {
        (true, false) => Some(Flow::Export),
        (false, true) => Some(Flow::Import),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_say_months_and_flows() {
        assert_eq!(
            month_in_name("exports_202511.csv").unwrap().to_string(),
            "2025-11"
        );
        assert_eq!(
            month_in_name("稀土出口 2025-03.csv").unwrap().to_string(),
            "2025-03"
        );
        assert!(month_in_name("harukaworks-temp-2024in.csv").is_none());
        assert_eq!(
            flow_in_name("harukaworks-temp-2024in.csv"),
            Some(Flow::Import)
        );
        assert_eq!(flow_in_name("2025out.csv"), Some(Flow::Export));
        assert_eq!(flow_in_name("稀土出口202503.csv"), Some(Flow::Export));
        assert_eq!(flow_in_name("china_trade.csv"), None);
        assert_eq!(flow_in_name("import_export.csv"), None);
        assert_eq!("exports".parse::<Flow>().unwrap(), Flow::Export);
    }
}
