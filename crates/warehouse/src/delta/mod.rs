//! The warehouse as Delta Lake tables.
//!
//! Every table is a Delta table under the warehouse root, so Spark, DuckDB (`delta_scan`),
//! Polars (`scan_delta`) and Python `deltalake` read it without knowing rareflow. A run is
//! one consistent change of several tables, committed as data:
//!
//! 1. every data file is written first (invisible until a commit names it);
//! 2. each table is committed with an application transaction `(rareflow-etl, run id)`, so a
//!    retried or repeated commit is recognised ([`commit`]), never applied twice;
//! 3. the run is recorded last, with the Delta version of each table it produced
//!    ([`runs`]): readers open every table at the versions of the newest recorded run, so a
//!    query never sees half a run, and a reader keeps its versions to the end.
//!
//! A commit repeated after a lost answer is recognised (the table's transaction already
//! carries the run id) and not applied twice. A run that died between table commits is
//! undone by the next run ([`DeltaWarehouse::recover`]): readers never saw it.
//!
//! Protocol reader 1 / writer 2 without table features: timestamps carry a time zone (a
//! naive one would raise the protocol to reader 3 / writer 7).

mod commit;
mod files;
mod lock;
#[cfg(test)]
mod lost_answer;
mod pinned;
mod pinned_store;
mod publish;
mod recover;
mod runs;
mod stats;
mod upkeep;
mod write;

use std::path::Path;
use std::sync::{Arc, Once};

use deltalake_core::logstore::{
    LogStore, LogStoreFactory, ObjectStoreRef, StorageConfig, default_logstore, logstore_factories,
};
use deltalake_core::{DeltaTable, DeltaTableBuilder, DeltaTableError};
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::prefix::PrefixStore;
use url::Url;

use crate::error::WarehouseError;
use crate::location::{S3Location, WarehouseLocation};

pub use commit::{APP_ID, TableChange};
/// Delta's file actions, as a run builds them.
pub use deltalake_core::kernel::{Add, Remove};
pub use files::{ActiveFile, active_files, table_layout};
pub use lock::{RemoteLock, RunLock};
pub use pinned::{PinnedRun, PinnedTable};
pub use pinned_store::PinnedStore;
pub use publish::{Published, StagedRun};
pub use recover::{Recovered, RolledBack};
pub use runs::RunRecord;
pub use stats::add_for_file;
pub use upkeep::Vacuumed;

/// A warehouse of Delta tables at a root URL: a local folder (`file:///...`) or a prefix
/// of an S3-compatible bucket (`s3://bucket/prefix/`), through the same code.
#[derive(Debug, Clone)]
pub struct DeltaWarehouse {
    root: Url,
    /// The store with `/` at the bucket's (or the file system's) root, as deltalake wants it.
    bucket: Arc<dyn ObjectStore>,
}

impl DeltaWarehouse {
    /// The warehouse in a local folder (created if missing).
    pub fn local(root: &Path) -> Result<DeltaWarehouse, WarehouseError> {
        std::fs::create_dir_all(root).map_err(WarehouseError::io("create folder", root))?;
        let absolute = root
            .canonicalize()
            .map_err(WarehouseError::io("resolve", root))?;
        let root = Url::from_directory_path(&absolute).map_err(|()| WarehouseError::BadUrl {
            url: absolute.display().to_string(),
            expected: "an absolute folder",
        })?;
        Ok(DeltaWarehouse {
            root,
            bucket: Arc::new(LocalFileSystem::new()),
        })
    }

    /// The warehouse in a local folder through `store` (the file system seen through a
    /// wrapper: tests that lose answers).
    #[cfg(test)]
    pub(crate) fn local_through(
        root: &Path,
        store: Arc<dyn ObjectStore>,
    ) -> Result<DeltaWarehouse, WarehouseError> {
        Ok(DeltaWarehouse {
            bucket: store,
            ..DeltaWarehouse::local(root)?
        })
    }

    /// The warehouse under `s3://bucket/prefix/`, through `bucket` (an S3 client for that
    /// bucket). Commits rely on the store's conditional create (`If-None-Match`).
    pub fn s3(
        location: &S3Location,
        bucket: Arc<dyn ObjectStore>,
    ) -> Result<DeltaWarehouse, WarehouseError> {
        register_s3_log_store();
        let text = format!("{}/", location.url().trim_end_matches('/'));
        let root = Url::parse(&text).map_err(|_| WarehouseError::BadUrl {
            url: text.clone(),
            expected: "s3://bucket/prefix",
        })?;
        Ok(DeltaWarehouse { root, bucket })
    }

    /// The warehouse at `location`: a folder, or `s3://bucket/prefix` with an S3 client
    /// configured from the usual `AWS_*` variables (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL` for S3-compatible servers,
    /// `AWS_ALLOW_HTTP=true` for plain HTTP). The store is chosen by the URL's scheme.
    pub fn open(location: &WarehouseLocation) -> Result<DeltaWarehouse, WarehouseError> {
        match location {
            WarehouseLocation::Local(root) => DeltaWarehouse::local(root),
            WarehouseLocation::S3(s3) => {
                let bucket = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(&s3.bucket)
                    .with_conditional_put(object_store::aws::S3ConditionalPut::ETagMatch)
                    .build()
                    .map_err(|source| WarehouseError::ObjectStore {
                        action: "configure the S3 client from the AWS_* variables",
                        url: s3.url(),
                        source,
                    })?;
                DeltaWarehouse::s3(s3, Arc::new(bucket))
            }
        }
    }

    /// The folder, for a warehouse on this machine.
    pub fn local_root(&self) -> Option<std::path::PathBuf> {
        (self.root.scheme() == "file")
            .then(|| self.root.to_file_path().ok())
            .flatten()
    }

    /// A folder for a run's staged files, removed when dropped: inside the warehouse for a
    /// folder (so staged files are moved into their tables, not copied; a killed run's
    /// leftovers there are removed first: call it under the run lock), else in `work` or
    /// the system's temporary folder.
    pub fn scratch(&self, work: Option<&Path>) -> Result<tempfile::TempDir, WarehouseError> {
        let parent = match (self.local_root(), work) {
            (Some(root), _) => root.join("_rareflow").join("scratch"),
            (None, Some(work)) => work.to_path_buf(),
            (None, None) => std::env::temp_dir(),
        };
        std::fs::create_dir_all(&parent).map_err(WarehouseError::io("create folder", &parent))?;
        if self.local_root().is_some() {
            // Under the run lock, another run's scratch folder is a killed run's leftover.
            for entry in std::fs::read_dir(&parent).map_err(WarehouseError::io("list", &parent))? {
                let path = entry.map_err(WarehouseError::io("list", &parent))?.path();
                tracing::info!(dir = %path.display(), "removing what a killed run left");
                std::fs::remove_dir_all(&path).map_err(WarehouseError::io("remove", &path))?;
            }
        }
        tempfile::Builder::new()
            .prefix("run-")
            .tempdir_in(&parent)
            .map_err(WarehouseError::io(
                "create the run's scratch folder",
                &parent,
            ))
    }

    /// The root URL, ending in `/`.
    pub fn root(&self) -> &Url {
        &self.root
    }

    /// The store with `/` at the warehouse root (what readers register).
    pub fn store(&self) -> Arc<dyn ObjectStore> {
        Arc::new(PrefixStore::new(self.bucket.clone(), self.root_path()))
    }

    /// The warehouse root as a path in the bucket store.
    fn root_path(&self) -> StorePath {
        match self.root.scheme() {
            "file" => self
                .root
                .to_file_path()
                .ok()
                .and_then(|p| StorePath::from_absolute_path(p).ok())
                .unwrap_or_default(),
            _ => StorePath::from(self.root.path()),
        }
    }

    /// Where a table lives.
    pub fn table_url(&self, table: &str) -> Url {
        // A table name is one path segment of ours: joining cannot fail.
        self.root
            .join(&format!("{table}/"))
            .unwrap_or_else(|_| self.root.clone())
    }

    /// A builder for the table, on this warehouse's store.
    fn builder(&self, table: &str) -> Result<DeltaTableBuilder, WarehouseError> {
        let url = self.table_url(table);
        Ok(DeltaTableBuilder::from_url(url.clone())
            .map_err(WarehouseError::delta(table))?
            .with_storage_backend(self.bucket.clone(), url))
    }

    /// The table at its latest version, or `None` when it has no log yet.
    pub async fn latest(&self, table: &str) -> Result<Option<DeltaTable>, WarehouseError> {
        self.open_table(table, None).await
    }

    /// The table at `version`.
    pub async fn at_version(
        &self,
        table: &str,
        version: i64,
    ) -> Result<DeltaTable, WarehouseError> {
        self.open_table(table, Some(version)).await?.ok_or_else(|| {
            WarehouseError::delta(table)(DeltaTableError::NotATable(format!(
                "no log at {}",
                self.table_url(table)
            )))
        })
    }

    /// Whether the table has a log: no log is a table never committed (a first run), as
    /// against one that is there but unreadable, which is an error.
    pub(crate) async fn has_log(&self, table: &str) -> Result<bool, WarehouseError> {
        let log = self.root_path().clone().join(table).join("_delta_log");
        let listed = self
            .bucket
            .list_with_delimiter(Some(&log))
            .await
            .map_err(|source| WarehouseError::ObjectStore {
                action: "list",
                url: format!("{}{table}/_delta_log/", self.root),
                source,
            })?;
        Ok(!listed.objects.is_empty())
    }

    async fn open_table(
        &self,
        table: &str,
        version: Option<i64>,
    ) -> Result<Option<DeltaTable>, WarehouseError> {
        let mut builder = self.builder(table)?;
        if let Some(v) = version {
            builder = builder.with_version(v as _);
        }
        if version.is_none() && !self.has_log(table).await? {
            return Ok(None);
        }
        builder
            .load()
            .await
            .map(Some)
            .map_err(WarehouseError::delta(table))
    }

    /// An unloaded table handle (for creating it).
    fn handle(&self, table: &str) -> Result<DeltaTable, WarehouseError> {
        self.builder(table)?
            .build()
            .map_err(WarehouseError::delta(table))
    }
}

/// deltalake finds a table's log store by URL scheme; `s3://` gets the default log store
/// (commits by conditional create) on the store we pass, without deltalake-aws' SDK.
fn register_s3_log_store() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if let Ok(url) = Url::parse("s3://") {
            logstore_factories().insert(url, Arc::new(DefaultLogStores));
        }
    });
}

struct DefaultLogStores;

impl LogStoreFactory for DefaultLogStores {
    fn with_options(
        &self,
        prefixed_store: ObjectStoreRef,
        root_store: ObjectStoreRef,
        location: &Url,
        options: &StorageConfig,
    ) -> deltalake_core::DeltaResult<Arc<dyn LogStore>> {
        Ok(default_logstore(
            prefixed_store,
            root_store,
            location,
            options,
        ))
    }
}

#[cfg(test)]
mod tests;
