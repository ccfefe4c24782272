//! One batch run: lock, discover, plan, load, settle, publish.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Instant;

use rareflow_normalize::schema::{REJECTS, TRADE_FLOWS, TRADE_FLOWS_ANNUAL};
use rareflow_normalize::{Reference, Registry};
use rareflow_warehouse::merge::{keep_files, read_dir_batches};
use rareflow_warehouse::{
    IngestLogWriter, LogRow, PartitionAppender, PartitionLayout, TableWriter, Warehouse,
    read_manifest,
};

use crate::discover::discover;
use crate::error::EtlError;
use crate::load::{LoadContext, Loaded, Sinks, load_file};
use crate::options::RunOptions;
use crate::plan::{PlannedFile, modified_ns, months_between, plan_files};
use crate::settle::{Settle, drop_files};
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
    let reference = Arc::new(Reference::load(options.reference_dir.as_deref())?);
    let warehouse = Warehouse::new(&options.warehouse);
    let lock = warehouse.lock(options.wait)?;
    let (files, ignored) =
        discover(&options.raw, registry).map_err(|source| EtlError::Discover {
            path: options.raw.clone(),
            source,
        })?;
    let previous = warehouse.current().ok();
    let manifest = match &previous {
        Some(dir) => read_manifest(dir)?,
        None => None,
    };
    let incremental = !options.full && manifest.is_some();
    let plan = plan_files(
        &files,
        manifest.as_deref().unwrap_or_default(),
        options.loaded_at,
    )?;

    let nothing_new = plan.removed.is_empty() && plan.files.iter().all(|f| f.unchanged.is_some());
    if let (true, true, Some(snapshot)) = (incremental, nothing_new, &previous) {
        return Ok(RunSummary {
            files: plan
                .files
                .iter()
                .map(PlannedFile::unchanged_summary)
                .collect(),
            ignored,
            snapshot: snapshot.clone(),
            elapsed: started.elapsed(),
            published: false,
        });
    }
    let to_read = |f: &&PlannedFile| f.unchanged.is_none() || !incremental;
    progress.start(plan.files.iter().filter(to_read).map(|f| f.raw.bytes).sum());

    let staging = warehouse.begin(&lock)?;
    let incoming = staging.dir().join(".incoming");
    let layout = PartitionLayout::new(&TRADE_FLOWS)?;
    let mut sinks = Sinks {
        flows: PartitionAppender::new(&incoming, layout.clone())?,
        annual: TableWriter::create(
            &staging.table_dir("trade_flows_annual"),
            TRADE_FLOWS_ANNUAL.clone(),
        )?,
        rejects: TableWriter::create(&staging.table_dir("rejects"), REJECTS.clone())?,
        gatherers: registry
            .iter()
            .filter_map(|s| s.gatherer().map(|g| (s.name(), g)))
            .collect(),
    };
    let cx = LoadContext {
        reference: &reference,
        layout: &layout,
        threads: options.threads,
        chunk_bytes: options.chunk_bytes,
        progress,
        hooks: &options.hooks,
        gather_only: false,
    };
    let mut log = IngestLogWriter::default();
    let mut dirty: BTreeSet<(i32, i32)> = BTreeSet::new();
    let mut kept: HashSet<String> = HashSet::new();
    let mut dropped: HashSet<String> = HashSet::new();
    let mut summaries = Vec::with_capacity(plan.files.len());
    for planned in &plan.files {
        let file = &planned.raw;
        let Some(source) = registry.by_name(file.source) else {
            continue; // discover only lists files a source of this registry claims
        };
        progress.file(&file.relative);
        if let (Some(entry), true) = (&planned.unchanged, incremental) {
            log.carry(&entry.row)?;
            if source.reread_unchanged() {
                // What it gathers only makes sense with the others (headline tables): read
                // it again for the gatherer; its rows in the other tables are kept as they are.
                let again =
                    load_file(source, file, planned.release, &cx.gather_only(), &mut sinks)?;
                hand_over(&mut sinks, source.name(), &file.relative, again.gathered)?;
            }
            kept.insert(file.relative.clone());
            let summary = planned.unchanged_summary();
            progress.file_done(&summary);
            summaries.push(summary);
            continue;
        }
        let summary = match load_file(source, file, planned.release, &cx, &mut sinks) {
            Ok(loaded) => {
                let summary = log_file(planned, source.name(), &loaded, &mut log)?;
                hand_over(&mut sinks, source.name(), &file.relative, loaded.gathered)?;
                summary
            }
            Err(e) if options.keep_going && e.is_file_level() => {
                tracing::warn!(file = %file.relative, error = %e, "skipped (--keep-going)");
                dropped.insert(file.relative.clone());
                FileSummary {
                    file: file.relative.clone(),
                    source: source.name().to_owned(),
                    bytes: file.bytes,
                    skipped: Some(e.to_string()),
                    ..FileSummary::default()
                }
            }
            Err(e) => return Err(e),
        };
        dirty.extend(sinks.flows.take_touched());
        progress.file_done(&summary);
        summaries.push(summary);
    }
    // Partitions that lost rows: files removed or replaced since the previous snapshot.
    for entry in plan
        .removed
        .iter()
        .chain(plan.files.iter().filter_map(|f| f.replaces.as_ref()))
    {
        dirty.extend(months_between(entry.first_period, entry.last_period));
    }
    let Sinks {
        flows,
        mut annual,
        mut rejects,
        gatherers,
    } = sinks;
    let may_share_keys = flows.may_share_keys();
    flows.finish()?;
    let previous_for_merge = previous.as_deref().filter(|_| incremental);
    if let Some(prev) = previous_for_merge {
        // Rows of unchanged files in the unpartitioned tables come over from the previous snapshot.
        for batch in keep_files(read_dir_batches(&prev.join("rejects"))?, &kept)? {
            rejects.write(&batch)?;
        }
        for batch in keep_files(read_dir_batches(&prev.join("trade_flows_annual"))?, &kept)? {
            annual.write(&batch)?;
        }
    }
    annual.finish()?;
    rejects.finish()?;
    for (table, schema) in [
        ("rejects", &REJECTS),
        ("trade_flows_annual", &TRADE_FLOWS_ANNUAL),
    ] {
        rewrite_without(&staging.table_dir(table), schema, &dropped)?;
    }
    Settle {
        previous: previous_for_merge,
        incoming: &incoming,
        staged: staging.dir(),
        dirty: &dirty,
        kept: &kept,
        dropped: &dropped,
        may_share_keys: &may_share_keys,
        hooks: &options.hooks,
    }
    .run()?;
    options.hooks.point("before-reference-tables");
    for gatherer in gatherers.into_values() {
        for (name, batch) in gatherer.finish(&reference)? {
            TableWriter::write_table(&staging.table_dir(name), &batch)?;
        }
    }
    TableWriter::write_table(&staging.table_dir("ingest_log"), &log.finish()?)?;
    for (name, batch) in reference.tables() {
        TableWriter::write_table(&staging.table_dir(name), &batch)?;
    }
    if let Some(gate) = &options.gate {
        gate(staging.dir()).map_err(EtlError::Refused)?;
    }
    options.hooks.point("before-publish");
    let snapshot = staging.publish_with(|step| {
        options.hooks.point(step);
        Ok(())
    })?;
    progress.finish();
    Ok(RunSummary {
        files: summaries,
        ignored,
        snapshot,
        elapsed: started.elapsed(),
        published: true,
    })
}

fn hand_over(
    sinks: &mut Sinks,
    source: &str,
    file: &str,
    parts: Vec<arrow::array::RecordBatch>,
) -> Result<(), EtlError> {
    if let Some(g) = sinks.gatherers.get_mut(source) {
        for part in parts {
            g.add(file, part)?;
        }
    }
    Ok(())
}

/// Rewrites an unpartitioned table of the staged snapshot without the rows of `dropped` files.
fn rewrite_without(
    dir: &std::path::Path,
    schema: &arrow::datatypes::SchemaRef,
    dropped: &HashSet<String>,
) -> Result<(), EtlError> {
    if dropped.is_empty() || !dir.is_dir() {
        return Ok(());
    }
    let kept = drop_files(read_dir_batches(dir)?, dropped)?;
    std::fs::remove_dir_all(dir).map_err(rareflow_warehouse::WarehouseError::io("remove", dir))?;
    let mut w = TableWriter::create(dir, schema.clone())?;
    for b in &kept {
        w.write(b)?;
    }
    w.finish()?;
    Ok(())
}

/// Checks the balance of a file, logs it in `ingest_log` and summarizes it.
fn log_file(
    planned: &PlannedFile,
    source: &str,
    loaded: &Loaded,
    log: &mut IngestLogWriter,
) -> Result<FileSummary, EtlError> {
    let file = &planned.raw;
    if loaded.read != loaded.loaded + loaded.rejected {
        return Err(EtlError::Unbalanced {
            file: file.relative.clone(),
            read: loaded.read,
            loaded: loaded.loaded,
            rejected: loaded.rejected,
        });
    }
    let facts = &loaded.facts;
    let sha256 = match &facts.sha256 {
        Some(hash) => hash.clone(),
        None => rareflow_ingest::text::sha256_file(&file.path)?,
    };
    log.push(&LogRow {
        file: &file.relative,
        source,
        flow: facts.flow.as_deref(),
        encoding: &facts.encoding,
        layout: &facts.layout,
        sha256: &sha256,
        bytes: file.bytes,
        read: loaded.read,
        loaded: loaded.loaded,
        rejected: loaded.rejected,
        periods: loaded.periods,
        release_seq: planned.release.seq,
        loaded_at: planned.release.loaded_at,
        modified_ns: modified_ns(&file.path),
        rows_without_usd: loaded.rows_without_usd,
        warnings: &facts.warnings,
    })?;
    Ok(FileSummary {
        file: file.relative.clone(),
        source: source.to_owned(),
        rows_read: loaded.read,
        rows_loaded: loaded.loaded,
        rows_rejected: loaded.rejected,
        rows_without_usd: loaded.rows_without_usd,
        bytes: file.bytes,
        sha256,
        unchanged: false,
        warnings: facts.warnings.clone(),
        skipped: None,
    })
}
