//! One batch run, as named steps: reference data, lock, discover, plan, read each file,
//! settle, write the side tables, check, publish.

use std::sync::Arc;
use std::time::Instant;

use rareflow_normalize::{Reference, Registry};
use rareflow_warehouse::{Warehouse, read_manifest};

use crate::batch::Batch;
use crate::discover::discover;
use crate::error::EtlError;
use crate::fingerprint::reference_fingerprint;
use crate::options::RunOptions;
use crate::plan::{Plan, PlannedFile, plan_files};
use crate::summary::{FileSummary, Progress, RunSummary};

/// Runs a batch over every source of the registry: loads new and changed raw files into a
/// new snapshot, reuses what the previous snapshot holds for unchanged files, settles
/// revisions, and publishes atomically. With nothing new (and no `full`), nothing is
/// written and the current snapshot stays.
pub fn run(options: &RunOptions, progress: &dyn Progress) -> Result<RunSummary, EtlError> {
    run_with(&Registry::default(), options, progress)
}

/// As [`run`], with the sources of `registry`.
pub fn run_with(
    registry: &Registry,
    options: &RunOptions,
    progress: &dyn Progress,
) -> Result<RunSummary, EtlError> {
    let started = Instant::now();
    let reference = Arc::new(load_reference(options)?);
    let fingerprint = reference_fingerprint(&reference)?;
    let warehouse = Warehouse::new(&options.warehouse);
    let lock = warehouse.lock(options.wait)?;
    let (files, ignored) =
        discover(&options.raw, registry).map_err(|source| EtlError::Discover {
            path: options.raw.clone(),
            source,
        })?;
    let previous = warehouse.published()?;
    let manifest = match &previous {
        Some(dir) => read_manifest(dir)?,
        None => None,
    };
    let incremental = !options.full && manifest.is_some();
    let plan = plan_files(
        &files,
        manifest.as_deref().unwrap_or_default(),
        options.loaded_at,
        &fingerprint,
    )?;
    let reference_changed = reference_change(&plan);
    let summary = |files: Vec<FileSummary>, snapshot, published| RunSummary {
        files,
        ignored: ignored.clone(),
        snapshot,
        elapsed: started.elapsed(),
        published,
        reference_changed: reference_changed.clone(),
    };
    if let (true, true, Some(snapshot)) = (incremental, plan.is_quiet(), &previous) {
        let files = plan.files.iter().map(PlannedFile::quiet_summary).collect();
        return Ok(summary(files, snapshot.clone(), false));
    }
    let to_read = |f: &&PlannedFile| (f.unchanged.is_none() || !incremental) && f.same_as.is_none();
    progress.start(plan.files.iter().filter(to_read).map(|f| f.raw.bytes).sum());

    let staging = warehouse.begin(&lock)?;
    let mut batch = Batch::start(
        registry,
        options,
        &reference,
        &fingerprint,
        &staging,
        progress,
    )?;
    let mut files = Vec::with_capacity(plan.files.len());
    for planned in &plan.files {
        files.push(batch.file(planned, incremental)?);
    }
    batch.forget(&plan);
    batch.finish(previous.as_deref(), incremental, &staging)?;
    if let Some(gate) = &options.gate {
        gate(staging.dir()).map_err(EtlError::Refused)?;
    }
    options.hooks.point("before-publish");
    let snapshot = staging.publish_with(|step| {
        options.hooks.point(step);
        Ok(())
    })?;
    progress.finish();
    Ok(summary(files, snapshot, true))
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
