//! What a run is told: folders, threads, incremental or full, and the optional hooks.

use std::path::PathBuf;
use std::sync::Arc;

use rareflow_warehouse::delta::{DeltaWarehouse, PinnedRun};
use std::time::Duration;

use crate::error::GateError;
use crate::hooks::Hooks;

/// Target bytes of input per piece of work (a chunk of whole lines).
pub const DEFAULT_CHUNK_BYTES: usize = rareflow_ingest::text::DEFAULT_CHUNK_BYTES;

/// A last look at the run before it is committed (data checks): the warehouse, and every
/// table as the run would leave it (its files are written, nothing is committed). `Err`
/// stops the publish and says why.
pub type PublishGate =
    Arc<dyn Fn(&DeltaWarehouse, &PinnedRun) -> Result<(), GateError> + Send + Sync>;

/// What a run needs to know.
#[derive(Clone)]
pub struct RunOptions {
    /// The raw folder.
    pub raw: PathBuf,
    /// The warehouse folder.
    pub warehouse: PathBuf,
    /// Wait for another run's lock instead of stopping.
    pub wait: bool,
    /// Parse/normalize workers.
    pub threads: usize,
    /// Bytes per piece of input work.
    pub chunk_bytes: usize,
    /// Re-read every raw file instead of reusing the previous snapshot for unchanged ones.
    pub full: bool,
    /// Load time recorded for new releases (UTC microseconds); default now. For backfills
    /// and tests of as-of queries.
    pub loaded_at: Option<i64>,
    /// Skip files that cannot be read (listing them) and publish the rest, as `make -k`
    /// does. Default: a batch is all or nothing.
    pub keep_going: bool,
    /// A folder with reference files read at run time (today `fx_rates.csv`); the
    /// compiled-in copies are used for what it lacks.
    pub reference_dir: Option<PathBuf>,
    /// Called with the run as it would be before committing it.
    pub gate: Option<PublishGate>,
    /// Test hooks (fail points, pauses); empty unless built with the `failpoints` feature.
    pub hooks: Hooks,
    /// On object storage, how long the run lock lasts without renewal (renewed every third
    /// of it while the run works): how long a run that died blocks the next.
    pub lock_ttl: Duration,
    /// For an `s3://` warehouse, the bucket's store as given (an embedding application's
    /// client, a test's wrapper); default: an S3 client configured from the `AWS_*`
    /// variables.
    pub store: Option<Arc<dyn object_store::ObjectStore>>,
    /// On object storage, where the run stages its files (default: the system's temporary
    /// folder); a folder warehouse stages inside itself.
    pub work_dir: Option<PathBuf>,
}

impl RunOptions {
    /// The warehouse these options name, on [`RunOptions::store`] when one is given.
    pub fn open_warehouse(&self) -> Result<DeltaWarehouse, rareflow_warehouse::WarehouseError> {
        let location = rareflow_warehouse::WarehouseLocation::parse(&self.warehouse)?;
        match (&location, &self.store) {
            (rareflow_warehouse::WarehouseLocation::S3(s3), Some(store)) => {
                DeltaWarehouse::s3(s3, store.clone())
            }
            _ => DeltaWarehouse::open(&location),
        }
    }
}

/// Default [`RunOptions::lock_ttl`].
pub const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(300);

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("raw", &self.raw)
            .field("warehouse", &self.warehouse)
            .field("wait", &self.wait)
            .field("threads", &self.threads)
            .field("chunk_bytes", &self.chunk_bytes)
            .field("full", &self.full)
            .field("loaded_at", &self.loaded_at)
            .field("keep_going", &self.keep_going)
            .field("reference_dir", &self.reference_dir)
            .field("gate", &self.gate.is_some())
            .field("lock_ttl", &self.lock_ttl)
            .field("work_dir", &self.work_dir)
            .field("store", &self.store.as_ref().map(|s| s.to_string()))
            .finish()
    }
}

impl RunOptions {
    /// Defaults: one worker per core, 2 MiB pieces, incremental, all or nothing.
    pub fn new(raw: impl Into<PathBuf>, warehouse: impl Into<PathBuf>) -> RunOptions {
        RunOptions {
            raw: raw.into(),
            warehouse: warehouse.into(),
            wait: false,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            full: false,
            loaded_at: None,
            keep_going: false,
            reference_dir: None,
            gate: None,
            hooks: Hooks::default(),
            lock_ttl: DEFAULT_LOCK_TTL,
            work_dir: None,
            store: None,
        }
    }
}
