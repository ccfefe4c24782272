//! Checks of a complete download before it gets its name: each source's shape, read from
//! the temporary file (never re-encoded, never rewritten).

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use serde::Deserialize;
use serde::de::IgnoredAny;

/// A Census answer: a JSON array of arrays of strings, row 0 the header.
#[derive(Debug)]
pub(crate) struct CensusShape {
    /// Data rows (header not counted).
    pub(crate) rows: usize,
    /// Distinct `time` values.
    pub(crate) periods: BTreeSet<String>,
}

pub(crate) fn census_json(path: &Path) -> Result<CensusShape, String> {
    let table: Vec<Vec<Option<String>>> = read_json(path).map_err(|e| {
        format!(
            "not the Census API's JSON array of arrays ({e}): a web page answered? check the key"
        )
    })?;
    let header: Vec<&str> = table
        .first()
        .ok_or("an empty JSON array, without its header row")?
        .iter()
        .map(|h| h.as_deref().unwrap_or(""))
        .collect();
    if !header
        .iter()
        .any(|h| h.eq_ignore_ascii_case("I_COMMODITY") || h.eq_ignore_ascii_case("E_COMMODITY"))
    {
        return Err(format!(
            "header {header:?} has no I_COMMODITY or E_COMMODITY"
        ));
    }
    if let Some(i) = table.iter().position(|r| r.len() != header.len()) {
        return Err(format!(
            "row {i} has {} fields, the header {}",
            table[i].len(),
            header.len()
        ));
    }
    let time = header.iter().position(|h| h.eq_ignore_ascii_case("time"));
    let periods = table[1..]
        .iter()
        .filter_map(|r| time.and_then(|t| r[t].clone()))
        .collect();
    Ok(CensusShape {
        rows: table.len() - 1,
        periods,
    })
}

/// A Comtrade v1 answer: `{"count":N,"data":[...],"error":""}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ComtradeShape {
    #[serde(default)]
    pub(crate) data: Option<Vec<IgnoredAny>>,
    #[serde(default)]
    pub(crate) error: Option<String>,
}

impl ComtradeShape {
    pub(crate) fn records(&self) -> usize {
        self.data.as_ref().map_or(0, Vec::len)
    }
}

pub(crate) fn comtrade_json(path: &Path) -> Result<ComtradeShape, String> {
    let shape: ComtradeShape =
        read_json(path).map_err(|e| format!("not Comtrade v1 JSON ({e})"))?;
    if shape.data.is_none() {
        return Err(
            "no \"data\" array: expected {\"count\":..,\"data\":[...],\"error\":\"\"}".into(),
        );
    }
    Ok(shape)
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    serde_json::from_reader(BufReader::new(file)).map_err(|e| e.to_string())
}

/// An SDMX-CSV answer (codes or labels).
#[derive(Debug)]
pub(crate) struct SdmxShape {
    /// Observation rows.
    pub(crate) rows: usize,
    /// `LAST UPDATE` of the first row, when the column is there.
    pub(crate) last_update: String,
    /// Distinct `TIME_PERIOD` values.
    pub(crate) periods: BTreeSet<String>,
}

/// Checks the header (`DATAFLOW,...,TIME_PERIOD,OBS_VALUE`, a BOM allowed) and every row.
pub(crate) fn sdmx_csv(path: &Path) -> Result<SdmxShape, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| e.to_string())?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("not CSV: {e}"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
        .collect();
    let find = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(0), Some(time), Some(_)) = (find("DATAFLOW"), find("TIME_PERIOD"), find("OBS_VALUE"))
    else {
        return Err(format!(
            "header {:?} is not SDMX-CSV (DATAFLOW,...,TIME_PERIOD,OBS_VALUE)",
            header.iter().take(12).collect::<Vec<_>>()
        ));
    };
    let update = find("LAST UPDATE");
    let mut shape = SdmxShape {
        rows: 0,
        last_update: String::new(),
        periods: BTreeSet::new(),
    };
    for record in reader.records() {
        let r = record.map_err(|e| format!("not CSV: {e}"))?;
        if r.len() < header.len() {
            return Err(format!(
                "line {}: {} fields, the header {}",
                r.position().map_or(0, |p| p.line()),
                r.len(),
                header.len()
            ));
        }
        if shape.rows == 0 {
            shape.last_update = update.and_then(|u| r.get(u)).unwrap_or("").to_owned();
        }
        shape.periods.insert(r.get(time).unwrap_or("").to_owned());
        shape.rows += 1;
    }
    Ok(shape)
}

/// A China Customs English monthly table page, as `run` reads it.
#[derive(Debug)]
pub(crate) struct EnglishShape {
    /// The table's title.
    pub(crate) title: String,
    /// The period the title names.
    pub(crate) year: i32,
    pub(crate) first_month: u32,
    pub(crate) last_month: u32,
    /// Commodity rows read.
    pub(crate) rows: usize,
    /// Rows the reader rejects (kept anyway: `run` reports them).
    pub(crate) rejected: usize,
}

/// Reads the page with `run`'s own reader: a title naming its period, a unit, a table of
/// Quantity / Value pairs and at least one commodity row.
pub(crate) fn english_html(path: &Path) -> Result<EnglishShape, String> {
    let (mut rows, mut rejected) = (0, 0);
    let release = rareflow_ingest::headline_html::read_headline_html(path, &mut |r| match r {
        Ok(_) => rows += 1,
        Err(_) => rejected += 1,
    })
    .map_err(|e| {
        format!(
            "not a monthly table page: {}",
            without_path(&e.to_string(), path)
        )
    })?;
    if rows == 0 {
        return Err(format!(
            "no commodity row in {:?} ({rejected} rows rejected)",
            release.title
        ));
    }
    Ok(EnglishShape {
        title: release.title,
        year: release.year,
        first_month: release.first_month,
        last_month: release.last_month,
        rows,
        rejected,
    })
}

/// A reader's message without the temporary file's path it starts with.
fn without_path(message: &str, path: &Path) -> String {
    let shown = path.display().to_string();
    let Some(rest) = message.strip_prefix(&shown) else {
        return message.to_owned();
    };
    // `PATH:LINE: message` or `PATH: message`.
    let rest = rest.trim_start_matches(':');
    let rest = match rest.split_once(':') {
        Some((line, m)) if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) => m,
        _ => rest,
    };
    rest.trim().to_owned()
}

/// The 7z signature.
const SEVEN_ZIP_MAGIC: [u8; 6] = [b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C];

pub(crate) fn seven_zip(path: &Path) -> Result<(), String> {
    let mut head = [0u8; 6];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .map_err(|e| format!("not a 7z archive ({e})"))?;
    if head != SEVEN_ZIP_MAGIC {
        return Err(format!(
            "not a 7z archive: starts with {:02x?}, not 37 7a bc af 27 1c",
            head
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), bytes).unwrap();
        f
    }

    #[test]
    fn census_shapes() {
        let ok = file(br#"[["I_COMMODITY","CTY_CODE","GEN_VAL_MO","time"],["8505110070","5700","12","2025-11"]]"#);
        let s = census_json(ok.path()).unwrap();
        assert_eq!(s.rows, 1);
        assert_eq!(s.periods.iter().next().unwrap(), "2025-11");
        let html = file(b"<html><body>Invalid Key</body></html>");
        assert!(
            census_json(html.path())
                .unwrap_err()
                .contains("check the key")
        );
        let ragged = file(br#"[["I_COMMODITY","CTY_CODE"],["1"]]"#);
        assert!(census_json(ragged.path()).unwrap_err().contains("row 1"));
    }

    #[test]
    fn comtrade_shapes() {
        let ok =
            file(br#"{"elapsedTime":"0.1 secs","count":2,"data":[{"a":1},{"a":2}],"error":""}"#);
        assert_eq!(comtrade_json(ok.path()).unwrap().records(), 2);
        let bad = file(br#"{"statusCode":401,"message":"Access denied"}"#);
        assert!(comtrade_json(bad.path()).is_err());
    }

    #[test]
    fn sdmx_and_7z() {
        let ok = file(b"\xef\xbb\xbfDATAFLOW,LAST UPDATE,freq,reporter,TIME_PERIOD,OBS_VALUE\r\nESTAT:DS-045409(1.0),15/09/26 11:00,M,DE,2025-01,12,\r\n");
        let s = sdmx_csv(ok.path()).unwrap();
        assert_eq!((s.rows, s.last_update.as_str()), (1, "15/09/26 11:00"));
        let bad = file(b"<error>EXTRACTION_TOO_BIG</error>");
        assert!(sdmx_csv(bad.path()).is_err());
        let z = file(b"7z\xbc\xaf\x27\x1c\x00\x04rest");
        seven_zip(z.path()).unwrap();
        assert!(seven_zip(ok.path()).is_err());
    }
}
