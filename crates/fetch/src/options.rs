//! What one `fetch` is asked for: where, which sources, which months, with which keys.

use std::fmt;
use std::path::PathBuf;

use crate::period::YearMonth;

/// The options of one fetch (the command line's, where the config file has the rest).
#[derive(Debug, Clone, Default)]
pub struct FetchOptions {
    /// The raw folder (`data/raw`): files land under it, and `fetch_log.csv` in it.
    pub raw: PathBuf,
    /// Source names (or aliases: `eurostat` for `comext`, `gacc-english` for `customs`);
    /// empty: every source.
    pub sources: Vec<String>,
    /// First month; default: the source's `since` in the config.
    pub since: Option<YearMonth>,
    /// Last month; default: the current month (UTC).
    pub until: Option<YearMonth>,
    /// Say what would be asked for and where it would land, asking nothing.
    pub dry_run: bool,
    /// API keys.
    pub keys: Keys,
}

/// API keys. `Debug` never shows them.
#[derive(Clone, Default)]
pub struct Keys {
    /// US Census key (`CENSUS_API_KEY`): needed for every request since May 2026.
    pub census: Option<String>,
    /// UN Comtrade subscription key (`COMTRADE_API_KEY`); without it the public preview
    /// endpoint answers, 500 records a call.
    pub comtrade: Option<String>,
}

/// The environment variable holding the Census key.
pub const CENSUS_KEY_VAR: &str = "CENSUS_API_KEY";
/// The environment variable holding the Comtrade key.
pub const COMTRADE_KEY_VAR: &str = "COMTRADE_API_KEY";

impl Keys {
    /// The keys in `CENSUS_API_KEY` and `COMTRADE_API_KEY` (empty counts as unset).
    pub fn from_env() -> Keys {
        let var = |name| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Keys {
            census: var(CENSUS_KEY_VAR),
            comtrade: var(COMTRADE_KEY_VAR),
        }
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |k: &Option<String>| if k.is_some() { "set" } else { "unset" };
        f.debug_struct("Keys")
            .field("census", &shown(&self.census))
            .field("comtrade", &shown(&self.comtrade))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_keys() {
        let keys = Keys {
            census: Some("secret40".into()),
            comtrade: None,
        };
        let shown = format!("{keys:?}");
        assert!(!shown.contains("secret40"));
        assert!(shown.contains("set"));
    }
}
