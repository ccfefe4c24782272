//! One batch run, as named steps: reference data, lock, recover, discover, plan, read each
//! file, fetch what settling reads, settle, write the side tables, check, publish.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rareflow_normalize::{Reference, Registry};
use rareflow_warehouse::delta::{DeltaWarehouse, PinnedRun, StagedRun};
use rareflow_warehouse::{Staging, WarehouseError, read_manifest};
use tokio::runtime::Runtime;

use crate::batch::Batch;
use crate::discover::discover;
use crate::error::EtlError;
use crate::fingerprint::reference_fingerprint;
use crate::options::RunOptions;
use crate::plan::{Plan, PlannedFile, plan_files};
use crate::publish::{Held, io_runtime, publish};
use crate::summary::{Progress, RunSummary};

/// Partitioned tables: their files in the rewritten partitions are all a run reads back.
const PARTITIONED: [&str; 2] = ["trade_flows", "trade_flows_superseded"];

/// Runs a batch over every source of the registry: loads new and changed raw files,
/// keeps what is unchanged where it is, settles revisions in the partitions that changed,
/// and publishes the changed files of every table as one run. With nothing new (and no
/// `full`), nothing is written.
pub fn run(options: &RunOptions, progress: &dyn Progress) -> Result<RunSummary, EtlError> {
    run_with(&Registry::default(), options, progress)
}

/// As [`run`], with the sources of `registry`.
pub fn run_with(
    registry: &Registry,
    options: &RunOptions,
    progress: &dyn Progress,
) -> Result<RunSummary, EtlError> {
    if tokio::runtime::Handle::try_current().is_err() {
        return run_here(registry, options, progress);
    }
    // Called from async code: the run's own I/O runtime cannot start on this thread.
    std::thread::scope(|scope| {
        scope
            .spawn(|| run_here(registry, options, progress))
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn run_here(
    registry: &Registry,
    options: &RunOptions,
    progress: &dyn Progress,
) -> Result<RunSummary, EtlError> {
    let started = Instant::now();
    let reference = Arc::new(load_reference(options)?);
    let rt = io_runtime()?;
    let warehouse = options.open_warehouse()?;
    if rt.block_on(warehouse.has_snapshot_layout())? {
        return Err(WarehouseError::SnapshotLayout {
            url: options.warehouse.display().to_string(),
        }
        .into());
    }
    let held = Held::take(&rt, &warehouse, options.lock_ttl, options.wait)?;
    let cx = Cx {
        registry,
        options,
        progress,
        rt: &rt,
        warehouse: &warehouse,
        held: &held,
        reference: &reference,
    };
    let result = cx.run(started);
    held.release(&rt);
    result
}

struct Cx<'a> {
    registry: &'a Registry,
    options: &'a RunOptions,
    progress: &'a dyn Progress,
    rt: &'a Runtime,
    warehouse: &'a DeltaWarehouse,
    held: &'a Held,
    reference: &'a Arc<Reference>,
}

impl Cx<'_> {
    fn run(&self, started: Instant) -> Result<RunSummary, EtlError> {
        let (options, rt, warehouse) = (self.options, self.rt, self.warehouse);
        let fingerprint = reference_fingerprint(self.reference)?;
        let recovered = rt.block_on(warehouse.recover())?;
        let previous = recovered.previous.as_ref();
        let (files, ignored) =
            discover(&options.raw, self.registry).map_err(|source| EtlError::Discover {
                path: options.raw.clone(),
                source,
            })?;
        let scratch = warehouse.scratch(options.work_dir.as_deref())?;
        let before = scratch.path().join("previous");
        let manifest = match previous.and_then(|p| p.table("ingest_log")) {
            Some(log) => {
                rt.block_on(warehouse.download("ingest_log", log, |_| true, &before))?;
                read_manifest(&before)?
            }
            None => None,
        };
        let incremental = !options.full && manifest.is_some();
        let plan = plan_files(
            &files,
            manifest.as_deref().unwrap_or_default(),
            options.loaded_at,
            &fingerprint,
        )?;
        let mut summary = RunSummary {
            files: Vec::new(),
            ignored,
            warehouse: warehouse.root().to_string(),
            run_id: previous.map(|p| p.record.run_id),
            elapsed: started.elapsed(),
            published: false,
            reference_changed: reference_change(&plan),
            rolled_back: recovered.rolled_back.clone(),
            tables: Default::default(),
        };
        if incremental && plan.is_quiet() {
            summary.files = plan.files.iter().map(PlannedFile::quiet_summary).collect();
            summary.elapsed = started.elapsed();
            return Ok(summary);
        }
        let to_read =
            |f: &&PlannedFile| (f.unchanged.is_none() || !incremental) && f.same_as.is_none();
        self.progress
            .start(plan.files.iter().filter(to_read).map(|f| f.raw.bytes).sum());

        let staging = Staging::new(scratch.path().join("staged"));
        let mut batch = Batch::start(
            self.registry,
            options,
            self.reference,
            &fingerprint,
            &staging,
            self.progress,
        )?;
        for planned in &plan.files {
            summary.files.push(batch.file(planned, incremental)?);
        }
        batch.forget(&plan);
        let months_before = previous.map(months).unwrap_or_default();
        let rewritten = batch.rewritten(&months_before, incremental);
        let settle_from = match previous.filter(|_| batch.reads_previous(incremental)) {
            Some(p) => {
                self.fetch_previous(p, &rewritten, &before)?;
                Some(before.as_path())
            }
            None => None,
        };
        batch.finish(settle_from, &staging)?;
        options.hooks.point("before-publish");
        let tables = self.registry.tables();
        let staged = StagedRun {
            dir: staging.dir(),
            previous,
            rewritten: &rewritten,
            tables: &tables,
        };
        let committed = publish(
            rt,
            warehouse,
            self.held,
            recovered.next_run_id,
            &staged,
            &options.hooks,
            options.gate.as_ref(),
        )?;
        self.progress.finish();
        if let Some(c) = committed {
            summary.run_id = Some(c.record.run_id);
            summary.published = true;
            summary.tables = c.published;
        }
        summary.elapsed = started.elapsed();
        Ok(summary)
    }

    /// Copies what settling reads from the previous run into `to`: the rewritten
    /// partitions of the partitioned tables, and the small unpartitioned tables whose rows
    /// the run carries over (not the reference tables: they are written again).
    fn fetch_previous(
        &self,
        previous: &PinnedRun,
        rewritten: &BTreeSet<(i32, i32)>,
        to: &Path,
    ) -> Result<(), EtlError> {
        let reference: Vec<&str> = self
            .reference
            .tables()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        for (name, table) in &previous.tables {
            let partitioned = PARTITIONED.contains(&name.as_str());
            if name == "ingest_log" || (!partitioned && reference.contains(&name.as_str())) {
                continue;
            }
            let wanted = |f: &rareflow_warehouse::delta::ActiveFile| {
                !partitioned || f.month().is_some_and(|m| rewritten.contains(&m))
            };
            let bytes = self
                .rt
                .block_on(self.warehouse.download(name, table, wanted, to))?;
            tracing::debug!(table = %name, bytes, "read back for settling");
        }
        Ok(())
    }
}

/// The months that hold files in the partitioned tables of a run.
fn months(run: &PinnedRun) -> BTreeSet<(i32, i32)> {
    PARTITIONED
        .iter()
        .filter_map(|t| run.table(t))
        .flat_map(|t| t.months())
        .collect()
}

/// The reference tables: the bundled ones, with what `--reference DIR` overrides. A folder
/// that is not there is a usage error, never a silent fall back to the bundled tables.
fn load_reference(options: &RunOptions) -> Result<Reference, EtlError> {
    if let Some(dir) = options.reference_dir.as_deref().filter(|d| !d.is_dir()) {
        return Err(EtlError::ReferenceDirMissing {
            path: dir.to_path_buf(),
        });
    }
    Ok(Reference::load(options.reference_dir.as_deref())?)
}

/// What the summary says when files are normalized again for new reference data.
fn reference_change(plan: &Plan) -> Option<String> {
    let n = plan.files.iter().filter(|f| f.renormalize).count();
    (n > 0).then(|| {
        format!(
            "the reference data or the normalizer changed since these rows were made: \
             {n} unchanged files normalized again"
        )
    })
}
