//! The plug-in shape: one [`Source`] per official source, listed once in [`SOURCES`].
//! Nothing else in the crate knows a source by name: the config's `--base-url` override,
//! its checks, the choice of sources and the fetch itself all go through this list.

use async_trait::async_trait;

use crate::FetchError;
use crate::config::FetchConfig;
use crate::run::Run;

mod census;
mod comext;
mod comtrade;
mod customs;

/// One official source.
#[async_trait]
pub(crate) trait Source: Send + Sync {
    /// Its name (`census`), as on the command line, in `fetch_log.csv` and in the summary.
    fn name(&self) -> &'static str;

    /// Other names it answers to on the command line.
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }

    /// Checks its config section: names the key and value at fault.
    fn check(&self, config: &FetchConfig) -> Result<(), String>;

    /// Points it at another server (`--base-url NAME=URL`).
    fn set_base_url(&self, config: &mut FetchConfig, url: String);

    /// Its rate limit.
    fn requests_per_minute(&self, config: &FetchConfig) -> u32;

    /// Whether its client follows redirects (Census answers a bad key with a 302).
    fn follows_redirects(&self) -> bool {
        true
    }

    /// Fetches what is new. An `Err` stops the source (a key refused, a quota used up);
    /// a request that fails alone is noted in the summary and the rest goes on.
    async fn fetch(&self, run: &mut Run<'_>) -> Result<(), FetchError>;
}

/// Every source, in the order they are fetched.
static SOURCES: [&dyn Source; 4] = [
    &census::Census,
    &comtrade::Comtrade,
    &comext::Comext,
    &customs::Customs,
];

/// Every source.
pub(crate) fn all() -> &'static [&'static dyn Source] {
    &SOURCES
}

/// The source of that name or alias.
pub(crate) fn find(name: &str) -> Result<&'static dyn Source, FetchError> {
    SOURCES
        .iter()
        .copied()
        .find(|s| {
            s.name().eq_ignore_ascii_case(name)
                || s.aliases().iter().any(|a| a.eq_ignore_ascii_case(name))
        })
        .ok_or_else(|| FetchError::UnknownSource {
            name: name.to_owned(),
            known: source_names().join(", "),
        })
}

/// The names of the sources `fetch` knows, in the order it fetches them.
pub fn source_names() -> Vec<&'static str> {
    SOURCES.iter().map(|s| s.name()).collect()
}

/// The sources named (every source when none is), each once, in registry order.
pub(crate) fn select(names: &[String]) -> Result<Vec<&'static dyn Source>, FetchError> {
    if names.is_empty() {
        return Ok(SOURCES.to_vec());
    }
    let mut chosen = Vec::new();
    for name in names {
        chosen.push(find(name)?.name());
    }
    Ok(SOURCES
        .iter()
        .copied()
        .filter(|s| chosen.contains(&s.name()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        assert_eq!(source_names(), ["census", "comtrade", "comext", "customs"]);
        assert_eq!(find("Eurostat").unwrap().name(), "comext");
        assert_eq!(find("gacc-english").unwrap().name(), "customs");
        assert_eq!(find("China-Customs").unwrap().name(), "customs");
        let err = find("gacc").map(|s| s.name()).unwrap_err();
        assert!(
            err.to_string()
                .contains("census, comtrade, comext, customs"),
            "{err}"
        );
        let picked: Vec<_> = select(&[
            "customs".into(),
            "comext".into(),
            "census".into(),
            "census".into(),
        ])
        .unwrap()
        .iter()
        .map(|s| s.name())
        .collect();
        assert_eq!(picked, ["census", "comext", "customs"]);
    }
}
