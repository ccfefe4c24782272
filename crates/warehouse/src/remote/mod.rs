//! The warehouse on S3-compatible object storage: the same layout under `s3://bucket/prefix`,
//! published by swapping one small `current` pointer object with a conditional put.
//!
//! ```text
//! s3://bucket/prefix/
//!   current                          body: the published snapshot id (000007)
//!   lock                             held by the running rareflow-etl: owner and expiry
//!   snapshots/000007/trade_flows/year=2025/month=11/part-00000.parquet  ...
//!   snapshots/000007/.claimed        which run wrote the snapshot (host, pid)
//! ```
//!
//! A run writes every object of a new snapshot first, then replaces `current` with
//! `PutMode::Update` on the e-tag read at the start (`PutMode::Create` for the first
//! snapshot): readers, who read `current` once per session, see the old snapshot or the new
//! one. A run that is killed leaves `current` untouched; its objects are removed by the next
//! run. See [`lock`] for the run lock.

mod location;
pub mod lock;
mod transfer;

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};

use crate::error::{OneLine, WarehouseError};

pub use location::{S3Location, WarehouseLocation};
pub use lock::RemoteLock;
pub use transfer::UploadStats;

const CURRENT: &str = "current";
const SNAPSHOTS: &str = "snapshots";
const CLAIM: &str = ".claimed";

/// A warehouse in an object store.
#[derive(Debug, Clone)]
pub struct RemoteWarehouse {
    store: Arc<dyn ObjectStore>,
    location: S3Location,
}

/// The published snapshot, as read from the `current` pointer, with the version that a
/// conditional publish must still find.
#[derive(Debug, Clone)]
pub struct Pointer {
    /// The snapshot id (`000007`).
    pub snapshot: String,
    version: UpdateVersion,
}

impl RemoteWarehouse {
    /// The warehouse at `location`, reached through `store` (a store for its bucket).
    pub fn new(store: Arc<dyn ObjectStore>, location: S3Location) -> RemoteWarehouse {
        RemoteWarehouse { store, location }
    }

    /// The warehouse at `location`, with an S3 client configured from the usual `AWS_*`
    /// variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
    /// `AWS_ENDPOINT_URL` for S3-compatible servers, `AWS_ALLOW_HTTP=true` for plain HTTP).
    /// Called by the binaries; the libraries take the store as it is given.
    pub fn from_env(location: S3Location) -> Result<RemoteWarehouse, WarehouseError> {
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(&location.bucket)
            .build()
            .map_err(|source| WarehouseError::ObjectStore {
                action: "configure the S3 client from the AWS_* variables",
                url: location.url(),
                source,
            })?;
        Ok(RemoteWarehouse::new(Arc::new(store), location))
    }

    /// The store (for registering in a query engine).
    pub fn store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    /// Bucket and prefix.
    pub fn location(&self) -> &S3Location {
        &self.location
    }

    /// `s3://bucket/prefix/relative`, for messages.
    pub fn url(&self, relative: &str) -> String {
        format!(
            "s3://{}/{}",
            self.location.bucket,
            self.location.key(relative)
        )
    }

    /// `s3://bucket/prefix/snapshots/ID`: where a snapshot's tables are.
    pub fn snapshot_url(&self, id: &str) -> String {
        self.url(&format!("{SNAPSHOTS}/{id}"))
    }

    pub(crate) fn path(&self, relative: &str) -> Result<ObjectPath, WarehouseError> {
        ObjectPath::parse(self.location.key(relative)).map_err(|e| WarehouseError::ObjectStore {
            action: "make an object path",
            url: self.url(relative),
            source: e.into(),
        })
    }

    pub(crate) fn err(
        &self,
        action: &'static str,
        relative: &str,
    ) -> impl FnOnce(object_store::Error) -> WarehouseError {
        let url = self.url(relative);
        move |source| WarehouseError::ObjectStore {
            action,
            url,
            source,
        }
    }

    /// Reads the `current` pointer: `None` when nothing was published yet.
    pub async fn current(&self) -> Result<Option<Pointer>, WarehouseError> {
        let path = self.path(CURRENT)?;
        let got = match self.store.get(&path).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.err("read the current pointer", CURRENT)(e)),
        };
        let version = UpdateVersion {
            e_tag: got.meta.e_tag.clone(),
            version: got.meta.version.clone(),
        };
        let body = got
            .bytes()
            .await
            .map_err(self.err("read the current pointer", CURRENT))?;
        let snapshot = String::from_utf8_lossy(&body).trim().to_owned();
        if snapshot.is_empty() || !snapshot.bytes().all(|b| b.is_ascii_digit()) {
            return Err(WarehouseError::BadPointer {
                url: self.url(CURRENT),
                found: snapshot,
            });
        }
        Ok(Some(Pointer { snapshot, version }))
    }

    /// The published snapshot's URL, or [`WarehouseError::NotAWarehouse`].
    pub async fn current_url(&self) -> Result<String, WarehouseError> {
        match self.current().await? {
            Some(p) => Ok(self.snapshot_url(&p.snapshot)),
            None => Err(WarehouseError::NotAWarehouse {
                path: self.location.url().into(),
            }),
        }
    }

    /// Ids of every snapshot folder in the store (published, previous, or left by killed runs).
    pub async fn snapshot_ids(&self) -> Result<Vec<u64>, WarehouseError> {
        let prefix = self.path(SNAPSHOTS)?;
        let listed = self
            .store
            .list_with_delimiter(Some(&prefix))
            .await
            .map_err(self.err("list snapshots", SNAPSHOTS))?;
        let mut ids: Vec<u64> = listed
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename()?.parse().ok())
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    /// Names of the table folders of snapshot `id` (`trade_flows`, `rejects`, ...).
    pub async fn snapshot_tables(&self, id: &str) -> Result<Vec<String>, WarehouseError> {
        let relative = format!("{SNAPSHOTS}/{id}");
        let listed = self
            .store
            .list_with_delimiter(Some(&self.path(&relative)?))
            .await
            .map_err(self.err("list snapshot tables", &relative))?;
        Ok(listed
            .common_prefixes
            .iter()
            .filter_map(|p| Some(p.filename()?.to_owned()))
            .collect())
    }

    /// Claims a new snapshot id above every existing one with a conditional create of its
    /// `.claimed` object (holding `owner`), so that two writers never share a snapshot
    /// folder. Returns the id.
    pub async fn claim_snapshot(&self, owner: &str) -> Result<String, WarehouseError> {
        let mut next = self.snapshot_ids().await?.last().copied().unwrap_or(0) + 1;
        if let Some(p) = self.current().await? {
            next = next.max(p.snapshot.parse::<u64>().unwrap_or(0) + 1);
        }
        for _ in 0..16 {
            let id = format!("{next:06}");
            let relative = format!("{SNAPSHOTS}/{id}/{CLAIM}");
            let put = self
                .store
                .put_opts(
                    &self.path(&relative)?,
                    PutPayload::from(format!("{owner}\n").into_bytes()),
                    PutOptions::from(PutMode::Create),
                )
                .await;
            match put {
                Ok(_) => return Ok(id),
                Err(object_store::Error::AlreadyExists { .. }) => next += 1,
                Err(e) => return Err(self.err("claim a snapshot id", &relative)(e)),
            }
        }
        Err(WarehouseError::PublishedFirst {
            url: self.url(SNAPSHOTS),
        })
    }

    /// Publishes snapshot `id`: replaces `current` if it still is `expected` (`None`: creates
    /// it, which fails if any run published meanwhile). A lost race is
    /// [`WarehouseError::PublishedFirst`] and nothing is overwritten.
    pub async fn publish(
        &self,
        expected: Option<&Pointer>,
        id: &str,
    ) -> Result<(), WarehouseError> {
        let mode = match expected {
            Some(p) => PutMode::Update(p.version.clone()),
            None => PutMode::Create,
        };
        let put = self
            .store
            .put_opts(
                &self.path(CURRENT)?,
                PutPayload::from(id.as_bytes().to_vec()),
                PutOptions::from(mode),
            )
            .await;
        match put {
            Ok(_) => Ok(()),
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. },
            ) => Err(WarehouseError::PublishedFirst {
                url: self.url(CURRENT),
            }),
            Err(e) => Err(self.err("swap the current pointer", CURRENT)(e)),
        }
    }

    /// Deletes every object of snapshot `id`.
    pub async fn remove_snapshot(&self, id: &str) -> Result<(), WarehouseError> {
        let relative = format!("{SNAPSHOTS}/{id}");
        let prefix = self.path(&relative)?;
        let locations = self
            .store
            .list(Some(&prefix))
            .map_ok(|m| m.location)
            .boxed();
        self.store
            .delete_stream(locations)
            .try_collect::<Vec<_>>()
            .await
            .map_err(self.err("delete snapshot", &relative))?;
        Ok(())
    }

    /// Removes every snapshot but those in `keep` (the new one and the one it replaced, which
    /// queries opened just before the swap may still read), including the objects of runs
    /// killed before publishing. Failures are logged, not returned: the publish is done.
    pub async fn remove_old_snapshots(&self, keep: &[&str]) {
        let ids = match self.snapshot_ids().await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %OneLine(&e), "could not list old snapshots");
                return;
            }
        };
        for id in ids.into_iter().map(|n| format!("{n:06}")) {
            if keep.contains(&id.as_str()) {
                continue;
            }
            if let Err(e) = self.remove_snapshot(&id).await {
                tracing::warn!(snapshot = %id, error = %OneLine(&e), "could not remove old snapshot");
            }
        }
    }
}
