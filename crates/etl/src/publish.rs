//! The warehouse side of a run: the lock (renewed while the run works, released with a
//! conditional write), and publishing the staged tables as one run: every file written
//! first, each table committed with the run's transaction, the run recorded last.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rareflow_warehouse::WarehouseError;
use rareflow_warehouse::delta::{
    DeltaWarehouse, PinnedRun, Published, RunLock, RunRecord, StagedRun,
};
use rareflow_warehouse::error::OneLine;
use tokio::runtime::Runtime;

use crate::error::EtlError;
use crate::hooks::Hooks;
use crate::options::PublishGate;

/// Commits between checkpoints of a table (Delta's own default).
pub(crate) const CHECKPOINT_EVERY: i64 = 10;

/// The runtime for object-store I/O (two workers: the CPU work is on rayon's threads).
pub(crate) fn io_runtime() -> Result<Runtime, EtlError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(WarehouseError::io("start the I/O runtime", ""))?)
}

/// `host pid N #K`: who holds a lock (K tells apart runs of one process).
pub(crate) fn owner() -> String {
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let k = RUNS.fetch_add(1, Ordering::SeqCst);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".to_owned());
    format!("{host} pid {} #{k}", std::process::id())
}

/// The held run lock, renewed in the background on object storage.
pub(crate) struct Held {
    lock: Arc<RunLock>,
    heartbeat: Option<tokio::task::JoinHandle<()>>,
    lost: Arc<AtomicBool>,
}

impl Held {
    /// Takes the lock (waiting for it with `wait`).
    pub(crate) fn take(
        rt: &Runtime,
        warehouse: &DeltaWarehouse,
        ttl: std::time::Duration,
        wait: bool,
    ) -> Result<Held, EtlError> {
        let lock = Arc::new(rt.block_on(warehouse.lock(&owner(), ttl, wait))?);
        let lost = Arc::new(AtomicBool::new(false));
        let heartbeat = lock.renew_every().map(|every| {
            let (lock, lost) = (lock.clone(), lost.clone());
            rt.spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    if let Err(e) = lock.renew().await {
                        tracing::warn!(error = %OneLine(&e), "could not renew the warehouse lock");
                        lost.store(true, Ordering::SeqCst);
                        return;
                    }
                }
            })
        });
        Ok(Held {
            lock,
            heartbeat,
            lost,
        })
    }

    /// Whether the lock is still this run's (renewed just now on object storage).
    pub(crate) fn still_held(&self, rt: &Runtime) -> Result<(), EtlError> {
        if self.lost.load(Ordering::SeqCst) {
            return Err(WarehouseError::LockLost {
                url: "the warehouse lock".to_owned(),
            }
            .into());
        }
        Ok(rt.block_on(self.lock.renew())?)
    }

    /// Releases the lock (an error is logged: the lock expires).
    pub(crate) fn release(self, rt: &Runtime) {
        if let Some(h) = self.heartbeat {
            h.abort();
        }
        if let Err(e) = rt.block_on(self.lock.release()) {
            tracing::warn!(error = %OneLine(&e), "could not release the warehouse lock (it will expire)");
        }
    }
}

/// What publishing did.
pub(crate) struct Committed {
    pub(crate) record: RunRecord,
    pub(crate) published: Published,
}

/// Publishes a staged run as run `run_id`: files, then each table's commit, then the record.
pub(crate) fn publish(
    rt: &Runtime,
    warehouse: &DeltaWarehouse,
    held: &Held,
    run_id: i64,
    staged: &StagedRun<'_>,
    hooks: &Hooks,
    gate: Option<&PublishGate>,
) -> Result<Option<Committed>, EtlError> {
    let (changes, published) = rt.block_on(warehouse.stage_changes(staged))?;
    if changes.is_empty() {
        return Ok(None);
    }
    hooks.point("files-written");
    if let Some(gate) = gate {
        let would_be = PinnedRun::after(staged.previous, run_id, &changes);
        if let Err(refused) = gate(warehouse, &would_be) {
            // Nothing names the files written: they go (vacuum would take them anyway).
            rt.block_on(warehouse.delete_added(&changes));
            return Err(EtlError::Refused(refused));
        }
    }
    held.still_held(rt)?;
    let mut committed = BTreeMap::new();
    for change in &changes {
        let versions = commit_once(rt, warehouse, run_id, change)?;
        committed.extend(versions);
        hooks.point("table-committed");
    }
    let record = RunRecord {
        run_id,
        finished_at: now_us(),
        versions: DeltaWarehouse::versions_after(staged.previous, &committed),
    };
    record_once(rt, warehouse, &record)?;
    hooks.point("run-recorded");
    for (table, &version) in &committed {
        if version > 0 && version % CHECKPOINT_EVERY == 0 {
            rt.block_on(warehouse.checkpoint(table))?;
        }
    }
    Ok(Some(Committed { record, published }))
}

/// Commits one table; after an error (an answer lost on the way back, say) it asks the
/// log once more: the run's transaction there means the commit took effect.
fn commit_once(
    rt: &Runtime,
    warehouse: &DeltaWarehouse,
    run_id: i64,
    change: &rareflow_warehouse::delta::TableChange,
) -> Result<BTreeMap<String, i64>, EtlError> {
    let one = std::slice::from_ref(change);
    match rt.block_on(warehouse.commit_tables(run_id, one)) {
        Ok(v) => Ok(v),
        Err(first) => {
            tracing::warn!(table = %change.table, error = %OneLine(&first), "commit failed; looking at the log once more");
            rt.block_on(warehouse.commit_tables(run_id, one))
                .map_err(|_| EtlError::Warehouse(first))
        }
    }
}

/// Records the run; after an error, a record that is there and says the same is this
/// run's own whose answer was lost.
fn record_once(
    rt: &Runtime,
    warehouse: &DeltaWarehouse,
    record: &RunRecord,
) -> Result<(), EtlError> {
    match rt.block_on(warehouse.record_run(record)) {
        Ok(()) => Ok(()),
        Err(first) => {
            let runs = rt.block_on(warehouse.runs()).unwrap_or_default();
            if runs
                .iter()
                .any(|r| r.run_id == record.run_id && r.versions == record.versions)
            {
                return Ok(());
            }
            Err(EtlError::Unrecorded {
                run_id: record.run_id,
                source: Box::new(first),
            })
        }
    }
}

/// Now, UTC microseconds.
pub(crate) fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}
