//! The one list of sources. Adding a source is a reader module in `rareflow-ingest`, a
//! module here in `rareflow-normalize` with its `impl Source`, and one line below.

use std::path::Path;

use crate::source::Source;
use crate::tables::{TableDef, reference_tables, run_tables, trade_tables};

/// Every source rareflow reads, in the order they are asked to claim a file.
pub fn sources() -> Vec<Box<dyn Source>> {
    vec![
        Box::new(crate::gacc::GaccPlatform),
        Box::new(crate::headline::GaccHeadline),
        Box::new(crate::comtrade::Comtrade),
        Box::new(crate::census::Census),
        Box::new(crate::comext::Comext),
        Box::new(crate::comext_sdmx::ComextSdmx),
    ]
}

/// The sources, asked in turn which one reads a file.
pub struct Registry {
    sources: Vec<Box<dyn Source>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.sources.iter().map(|s| s.name()))
            .finish()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry { sources: sources() }
    }
}

impl Registry {
    /// A registry of the given sources (tests use their own).
    pub fn new(sources: Vec<Box<dyn Source>>) -> Registry {
        Registry { sources }
    }

    /// The source that reads the file at `relative` (under the raw folder), if any.
    pub fn source_for(&self, relative: &str, path: &Path) -> Option<&dyn Source> {
        self.sources
            .iter()
            .find(|s| s.claims(relative, path))
            .map(|s| s.as_ref())
    }

    /// The source of that name.
    pub fn by_name(&self, name: &str) -> Option<&dyn Source> {
        self.sources
            .iter()
            .find(|s| s.name() == name)
            .map(|s| s.as_ref())
    }

    /// Every source.
    pub fn iter(&self) -> impl Iterator<Item = &dyn Source> {
        self.sources.iter().map(|s| s.as_ref())
    }

    /// Every table a snapshot of these sources may hold: `trade_flows` and its companions,
    /// the sources' own tables, the run's tables, then the reference tables.
    pub fn tables(&self) -> Vec<TableDef> {
        let mut tables = trade_tables();
        tables.extend(self.sources.iter().flat_map(|s| s.tables()));
        tables.extend(run_tables());
        tables.extend(reference_tables());
        tables
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_and_claims_come_from_one_declaration() {
        let registry = Registry::default();
        let patterns: Vec<(&str, String)> =
            registry.iter().map(|s| (s.name(), s.pattern())).collect();
        assert_eq!(
            patterns,
            vec![
                ("gacc", "gacc/{export,import}/**/*.csv".to_owned()),
                (
                    "gacc-headline",
                    "gacc-headline/**/*.{csv,html,htm}".to_owned()
                ),
                ("comtrade", "comtrade/**/*.{json,csv}".to_owned()),
                ("census", "census/**/*.json".to_owned()),
                ("comext", "comext/**/*.{dat,csv,7z}".to_owned()),
                ("comext-sdmx", "comext-sdmx/**/*.csv".to_owned()),
            ]
        );
        let claimed = |relative: &str| {
            registry
                .source_for(relative, Path::new(relative))
                .map(|s| s.name())
        };
        assert_eq!(claimed("gacc/export/2025/01.CSV"), Some("gacc"));
        assert_eq!(claimed("gacc/other/01.csv"), None);
        assert_eq!(claimed("gacc/export.csv"), None);
        assert_eq!(claimed("gacc-headline/2025/11.csv"), Some("gacc-headline"));
        assert_eq!(claimed("comext/full_v2_202501.7z"), Some("comext"));
        assert_eq!(claimed("census/2025/imports.csv"), None);
        assert_eq!(
            claimed("comext-sdmx/2025/ds-045409_202501-202512.csv"),
            Some("comext-sdmx")
        );
        assert_eq!(claimed("comext/2025/full_v2_202501.csv"), Some("comext"));
        assert_eq!(
            claimed("gacc-headline/2025/monthly_202511.html"),
            Some("gacc-headline")
        );
    }
}
