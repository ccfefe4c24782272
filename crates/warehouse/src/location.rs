//! Where a warehouse lives: a local folder or an `s3://bucket/prefix` URL.

use std::path::{Path, PathBuf};

use crate::error::WarehouseError;

/// A warehouse location as given to `--warehouse` (or `RAREFLOW_WAREHOUSE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WarehouseLocation {
    /// A folder on this machine.
    Local(PathBuf),
    /// A bucket of an S3-compatible object store, and a prefix inside it (may be empty).
    S3(S3Location),
}

/// `s3://bucket/prefix`: the warehouse layout lives under `prefix/` in `bucket`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    /// The bucket.
    pub bucket: String,
    /// The prefix, without leading or trailing `/` (empty: the bucket's root).
    pub prefix: String,
}

impl S3Location {
    /// `s3://bucket/prefix` (or `s3://bucket` for an empty prefix).
    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }

    /// The key of `relative` (e.g. `snapshots/000002/rejects/part-00000.parquet`) in the bucket.
    pub fn key(&self, relative: &str) -> String {
        if self.prefix.is_empty() {
            relative.to_owned()
        } else {
            format!("{}/{relative}", self.prefix)
        }
    }
}

impl WarehouseLocation {
    /// Reads a `--warehouse` value. A plain path is a folder; `s3://bucket/prefix` is object
    /// storage; any other `scheme://` is refused with an error naming the scheme (never taken
    /// for a folder called `gs:`).
    pub fn parse(text: &Path) -> Result<WarehouseLocation, WarehouseError> {
        let Some(s) = text.to_str() else {
            return Ok(WarehouseLocation::Local(text.to_path_buf()));
        };
        let Some((scheme, rest)) = s.split_once("://") else {
            return Ok(WarehouseLocation::Local(text.to_path_buf()));
        };
        let is_scheme = scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if !is_scheme {
            return Ok(WarehouseLocation::Local(text.to_path_buf()));
        }
        if !scheme.eq_ignore_ascii_case("s3") {
            return Err(WarehouseError::UnsupportedScheme {
                url: s.to_owned(),
                scheme: scheme.to_owned(),
            });
        }
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(WarehouseError::BadUrl {
                url: s.to_owned(),
                expected: "s3://BUCKET/PREFIX with a bucket name",
            });
        }
        let prefix = prefix.trim_matches('/');
        if prefix
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
            && !prefix.is_empty()
        {
            return Err(WarehouseError::BadUrl {
                url: s.to_owned(),
                expected: "a prefix without empty, `.` or `..` parts",
            });
        }
        Ok(WarehouseLocation::S3(S3Location {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<WarehouseLocation, WarehouseError> {
        WarehouseLocation::parse(Path::new(s))
    }

    #[test]
    fn folders_stay_folders() {
        for s in [
            "warehouse",
            "/data/rareflow",
            "./s3:",
            "s3:bucket",
            "a/b://c",
        ] {
            assert_eq!(
                parse(s).unwrap(),
                WarehouseLocation::Local(PathBuf::from(s))
            );
        }
    }

    #[test]
    fn s3_urls_give_bucket_and_prefix() {
        let WarehouseLocation::S3(loc) = parse("s3://rare-bucket/wh/2025/").unwrap() else {
            panic!("not s3");
        };
        assert_eq!(
            (loc.bucket.as_str(), loc.prefix.as_str()),
            ("rare-bucket", "wh/2025")
        );
        assert_eq!(loc.url(), "s3://rare-bucket/wh/2025");
        assert_eq!(loc.key("current"), "wh/2025/current");
        let WarehouseLocation::S3(root) = parse("s3://b").unwrap() else {
            panic!("not s3");
        };
        assert_eq!(
            (root.prefix.as_str(), root.key("lock").as_str()),
            ("", "lock")
        );
    }

    #[test]
    fn other_schemes_are_refused_by_name() {
        for (s, scheme) in [
            ("gs://bucket/wh", "gs"),
            ("http://host/wh", "http"),
            ("az://container/wh", "az"),
            ("file:///srv/wh", "file"),
        ] {
            let err = parse(s).unwrap_err();
            assert!(
                matches!(&err, WarehouseError::UnsupportedScheme { scheme: found, .. } if found == scheme),
                "{s}: {err:?}"
            );
            assert!(err.to_string().contains(&format!("{scheme}://")), "{err}");
        }
        assert!(matches!(
            parse("s3:///wh"),
            Err(WarehouseError::BadUrl { .. })
        ));
        assert!(matches!(
            parse("s3://b/a//c"),
            Err(WarehouseError::BadUrl { .. })
        ));
    }
}
