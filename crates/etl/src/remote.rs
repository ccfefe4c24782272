//! Runs on a warehouse in object storage (`s3://bucket/prefix`): the local pipeline ([`run`])
//! on a working copy, then an upload and a conditional pointer swap.
//!
//! 1. Take the object-store lock (renewed in the background while the run lasts).
//! 2. Read the `current` pointer (snapshot id and e-tag), download that snapshot into a
//!    temporary working copy laid out as a local warehouse (`snapshots/N`, `current` link).
//! 3. Run the unchanged local pipeline on the working copy: it reuses, revises and writes a
//!    new local snapshot, hard-linking untouched partitions.
//! 4. Claim a new snapshot id in the store and upload the new snapshot: files equal to the
//!    previous snapshot's (the hard links) are copied server-side, the others are sent.
//! 5. Swap `current` with a conditional put on the e-tag read in 2: if another run
//!    published meanwhile, this one fails with "another run published first" and removes
//!    its objects. Then old snapshots (neither current nor previous) are removed and the
//!    lock released.
//!
//! Killed anywhere, the pointer names the old snapshot or the new one; objects of an
//! unpublished snapshot are removed by the next run, and the lock expires.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rareflow_normalize::Registry;
use rareflow_warehouse::WarehouseError;
use rareflow_warehouse::error::OneLine;
use rareflow_warehouse::remote::{Pointer, RemoteWarehouse, UploadStats};

use crate::error::EtlError;
use crate::options::RunOptions;
use crate::run::run_with;
use crate::summary::{Progress, RunSummary};

/// Where and how a run writes a warehouse in object storage.
#[derive(Debug, Clone)]
pub struct RemoteTarget {
    /// The warehouse (store and prefix).
    pub warehouse: RemoteWarehouse,
    /// How long the lock lasts without renewal; a killed run's lock can be taken over after
    /// this. Renewed every third of it while the run lasts. Default 5 minutes.
    pub lock_ttl: Duration,
    /// Folder for the temporary working copy (default: the system's temporary folder). It
    /// must hold the previous snapshot and the new one.
    pub work_dir: Option<PathBuf>,
}

impl RemoteTarget {
    /// Defaults: a 5-minute lock, the system's temporary folder.
    pub fn new(warehouse: RemoteWarehouse) -> RemoteTarget {
        RemoteTarget {
            warehouse,
            lock_ttl: Duration::from_secs(300),
            work_dir: None,
        }
    }
}

/// What a run on object storage did.
#[derive(Debug)]
pub struct RemoteSummary {
    /// The run (its `snapshot` is the published snapshot's URL, or the current one's when
    /// nothing changed).
    pub run: RunSummary,
    /// The upload, when a snapshot was published.
    pub upload: Option<UploadStats>,
}

/// As [`run`](crate::run), on a warehouse in object storage.
pub fn run_remote(
    options: &RunOptions,
    target: &RemoteTarget,
    progress: &dyn Progress,
) -> Result<RemoteSummary, EtlError> {
    run_remote_with(&Registry::default(), options, target, progress)
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".to_owned())
}

/// As [`run_remote`], with the sources of `registry`.
pub fn run_remote_with(
    registry: &Registry,
    options: &RunOptions,
    target: &RemoteTarget,
    progress: &dyn Progress,
) -> Result<RemoteSummary, EtlError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(WarehouseError::io("start the I/O runtime", ""))?;
    let remote = &target.warehouse;
    let owner = format!("{} pid {}", host(), std::process::id());
    let lock = Arc::new(runtime.block_on(remote.lock(&owner, target.lock_ttl, options.wait))?);
    let lost = Arc::new(AtomicBool::new(false));
    let heartbeat = runtime.spawn({
        let (lock, lost) = (lock.clone(), lost.clone());
        async move {
            loop {
                tokio::time::sleep(lock.ttl() / 3).await;
                if let Err(e) = lock.renew().await {
                    tracing::warn!(error = %OneLine(&e), "could not renew the warehouse lock");
                    lost.store(true, Ordering::SeqCst);
                    return;
                }
            }
        }
    });
    let cx = Cx {
        runtime: &runtime,
        remote,
        owner: &owner,
        lost: &lost,
        lock: &lock,
    };
    let result = cx.run(registry, options, target, progress);
    heartbeat.abort();
    if let Err(e) = runtime.block_on(lock.release()) {
        tracing::warn!(error = %OneLine(&e), "could not release the warehouse lock (it will expire)");
    }
    result
}

struct Cx<'a> {
    runtime: &'a tokio::runtime::Runtime,
    remote: &'a RemoteWarehouse,
    owner: &'a str,
    lost: &'a AtomicBool,
    lock: &'a rareflow_warehouse::remote::RemoteLock,
}

impl Cx<'_> {
    fn run(
        &self,
        registry: &Registry,
        options: &RunOptions,
        target: &RemoteTarget,
        progress: &dyn Progress,
    ) -> Result<RemoteSummary, EtlError> {
        let (rt, remote) = (self.runtime, self.remote);
        let pointer: Option<Pointer> = rt.block_on(remote.current())?;
        let work_root = target.work_dir.clone().unwrap_or_else(std::env::temp_dir);
        let work = tempfile::Builder::new()
            .prefix("rareflow-remote-")
            .tempdir_in(&work_root)
            .map_err(WarehouseError::io("create working copy", &work_root))?;
        let local = work.path().join("warehouse");
        let previous_dir = match &pointer {
            Some(p) => {
                let dir = local.join("snapshots").join(&p.snapshot);
                let bytes = rt.block_on(remote.download_snapshot(&p.snapshot, &dir))?;
                tracing::info!(snapshot = %p.snapshot, bytes, "downloaded the current snapshot");
                let link = local.join("current");
                std::os::unix::fs::symlink(PathBuf::from("snapshots").join(&p.snapshot), &link)
                    .map_err(WarehouseError::io("link working copy", &link))?;
                Some(dir)
            }
            None => None,
        };
        let mut local_options = options.clone();
        local_options.warehouse = local.clone();
        local_options.wait = false;
        let mut summary = run_with(registry, &local_options, progress)?;
        if !summary.published {
            summary.snapshot = match &pointer {
                Some(p) => remote.snapshot_url(&p.snapshot).into(),
                None => remote.location().url().into(),
            };
            return Ok(RemoteSummary {
                run: summary,
                upload: None,
            });
        }
        let id = rt.block_on(remote.claim_snapshot(self.owner))?;
        let previous = pointer.as_ref().map(|p| p.snapshot.as_str());
        let uploaded = rt.block_on(remote.upload_snapshot(
            &summary.snapshot,
            &id,
            previous.zip(previous_dir.as_deref()),
        ));
        let stats = match uploaded {
            Ok(stats) => stats,
            Err(e) => return Err(self.abandon(&id, e)),
        };
        tracing::info!(snapshot = %id, ?stats, "uploaded the new snapshot");
        options.hooks.point("remote-uploaded");
        if self.lost.load(Ordering::SeqCst) {
            let lost = WarehouseError::LockLost {
                url: remote.url("lock"),
            };
            return Err(self.abandon(&id, lost));
        }
        if let Err(e) = rt.block_on(self.lock.renew()) {
            return Err(self.abandon(&id, e));
        }
        if let Err(e) = rt.block_on(remote.publish(pointer.as_ref(), &id)) {
            return Err(self.abandon(&id, e));
        }
        options.hooks.point("remote-pointer-swapped");
        let keep: Vec<&str> = [Some(id.as_str()), previous]
            .into_iter()
            .flatten()
            .collect();
        rt.block_on(remote.remove_old_snapshots(&keep));
        summary.snapshot = remote.snapshot_url(&id).into();
        Ok(RemoteSummary {
            run: summary,
            upload: Some(stats),
        })
    }

    /// Removes the objects of an unpublished snapshot (best effort: the next run removes
    /// what is left) and returns the error that stopped the run.
    fn abandon(&self, id: &str, error: WarehouseError) -> EtlError {
        if let Err(e) = self.runtime.block_on(self.remote.remove_snapshot(id)) {
            tracing::warn!(snapshot = %id, error = %OneLine(&e), "could not remove an unpublished snapshot");
        }
        EtlError::Warehouse(error)
    }
}
