//! The steps of a run between planning and publishing: each raw file read into the
//! staged snapshot with a typed outcome, then settling and the side tables.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use rareflow_normalize::schema::{REJECTS, TRADE_FLOWS, TRADE_FLOWS_ANNUAL};
use rareflow_normalize::{Reference, Registry};
use rareflow_warehouse::merge::{keep_files, read_dir_batches};
use rareflow_warehouse::{
    IngestLogWriter, LogRow, PartitionAppender, PartitionLayout, Staging, TableWriter,
    WarehouseError,
};

use crate::error::EtlError;
use crate::fetch_log::fetch_log_batch;
use crate::load::{LoadContext, Loaded, Sinks, load_file};
use crate::options::RunOptions;
use crate::plan::{Plan, PlannedFile, modified_ns, months_between};
use crate::settle::{Settle, drop_files};
use crate::summary::{FileOutcome, FileSummary};
use rareflow_warehouse::error::OneLine;

/// A run's staged rows and what settling needs to know about each file.
pub(crate) struct Batch<'a> {
    registry: &'a Registry,
    options: &'a RunOptions,
    reference: &'a Arc<Reference>,
    fingerprint: &'a str,
    layout: PartitionLayout,
    progress: &'a dyn crate::summary::Progress,
    sinks: Sinks,
    log: IngestLogWriter,
    /// Partitions that gained or lost rows.
    dirty: BTreeSet<(i32, i32)>,
    /// Files whose rows in the previous snapshot stay (unchanged, or kept because their
    /// new version could not be read).
    kept: HashSet<String>,
    /// Of those, the files kept because their new version failed (`--keep-going`).
    kept_previous: HashSet<String>,
    /// Files that failed part-way: the rows of theirs this run wrote are dropped.
    dropped: HashSet<String>,
}

impl<'a> Batch<'a> {
    /// Opens the staged tables.
    pub(crate) fn start(
        registry: &'a Registry,
        options: &'a RunOptions,
        reference: &'a Arc<Reference>,
        fingerprint: &'a str,
        staging: &Staging,
        progress: &'a dyn crate::summary::Progress,
    ) -> Result<Batch<'a>, EtlError> {
        let layout = PartitionLayout::new(&TRADE_FLOWS)?;
        let sinks = Sinks {
            flows: PartitionAppender::new(&incoming(staging), layout.clone())?,
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
        Ok(Batch {
            registry,
            options,
            reference,
            fingerprint,
            layout,
            progress,
            sinks,
            log: IngestLogWriter::default(),
            dirty: BTreeSet::new(),
            kept: HashSet::new(),
            kept_previous: HashSet::new(),
            dropped: HashSet::new(),
        })
    }

    /// One raw file: reused, read, or (with `--keep-going`) skipped or kept as it was.
    pub(crate) fn file(
        &mut self,
        planned: &PlannedFile,
        incremental: bool,
    ) -> Result<FileSummary, EtlError> {
        let file = &planned.raw;
        let Some(source) = self.registry.by_name(file.source) else {
            // `discover` only lists files a source of this registry claims.
            return Ok(planned.quiet_summary());
        };
        self.progress.file(&file.relative);
        let summary = if planned.same_as.is_some() {
            planned.quiet_summary()
        } else if let (Some(entry), true) = (&planned.unchanged, incremental) {
            self.log.carry(&entry.row)?;
            if source.reread_unchanged() {
                // What it gathers only makes sense with the others (headline tables): read
                // it again for the gatherer; its rows in the other tables are kept as they are.
                let cx = context(
                    self.reference,
                    &self.layout,
                    self.options,
                    self.progress,
                    true,
                );
                let again = load_file(source, file, planned.release, &cx, &mut self.sinks)?;
                hand_over(
                    &mut self.sinks,
                    source.name(),
                    &file.relative,
                    again.gathered,
                )?;
            }
            self.kept.insert(file.relative.clone());
            planned.unchanged_summary()
        } else {
            let cx = context(
                self.reference,
                &self.layout,
                self.options,
                self.progress,
                false,
            );
            let result = load_file(source, file, planned.release, &cx, &mut self.sinks).and_then(
                |mut loaded| {
                    let gathered = std::mem::take(&mut loaded.gathered);
                    hand_over(&mut self.sinks, source.name(), &file.relative, gathered)?;
                    Ok(loaded)
                },
            );
            self.dirty.extend(self.sinks.flows.take_touched());
            match result {
                Ok(loaded) => self.log_file(planned, source.name(), &loaded)?,
                Err(e) if self.options.keep_going && e.names_a_file() => self.skip(planned, e)?,
                Err(e) => return Err(e),
            }
        };
        self.progress.file_done(&summary);
        Ok(summary)
    }

    /// A file that failed with `--keep-going`: what it wrote goes; the version loaded
    /// before, if any, stays as it was.
    fn skip(&mut self, planned: &PlannedFile, error: EtlError) -> Result<FileSummary, EtlError> {
        let file = &planned.raw;
        let error = OneLine(&error).to_string();
        tracing::warn!(file = %file.relative, error = %error, "skipped (--keep-going)");
        self.dropped.insert(file.relative.clone());
        let outcome = match planned.replaces.as_ref().or(planned.unchanged.as_ref()) {
            Some(previous) => {
                self.log.carry(&previous.row)?;
                self.kept.insert(file.relative.clone());
                self.kept_previous.insert(file.relative.clone());
                FileOutcome::KeptPrevious {
                    error,
                    loaded_at: previous.loaded_at,
                }
            }
            None => FileOutcome::Skipped { error },
        };
        Ok(FileSummary {
            file: file.relative.clone(),
            source: file.source.to_owned(),
            bytes: file.bytes,
            outcome,
            ..FileSummary::default()
        })
    }

    /// Partitions that lose rows: files removed or replaced since the previous snapshot.
    pub(crate) fn forget(&mut self, plan: &Plan) {
        let replaced = plan.files.iter().filter_map(|f| f.replaces.as_ref());
        for entry in plan.removed.iter().chain(replaced) {
            self.dirty
                .extend(months_between(entry.first_period, entry.last_period));
        }
    }

    /// The partitions this run rewrites: those that gained or lost rows, and in a full run
    /// every partition the previous run had (`before`).
    pub(crate) fn rewritten(
        &mut self,
        before: &BTreeSet<(i32, i32)>,
        incremental: bool,
    ) -> BTreeSet<(i32, i32)> {
        if !incremental {
            self.dirty.extend(before.iter().copied());
        }
        self.dirty.clone()
    }

    /// Whether settling reads the previous run's rows: in an incremental run, or a full
    /// run that keeps files as they were (only their rows come over).
    pub(crate) fn reads_previous(&self, incremental: bool) -> bool {
        incremental || !self.kept.is_empty()
    }

    /// Settles `trade_flows` in the rewritten partitions, finishes the unpartitioned tables
    /// and writes the side tables (gathered, `ingest_log`, reference). `previous` holds what
    /// settling reads of the previous run (the rewritten partitions, the carried tables).
    pub(crate) fn finish(self, previous: Option<&Path>, staging: &Staging) -> Result<(), EtlError> {
        let Sinks {
            flows,
            annual,
            rejects,
            gatherers,
        } = self.sinks;
        let may_share_keys = flows.may_share_keys();
        flows.finish()?;
        for (writer, table, schema) in [
            (annual, "trade_flows_annual", &TRADE_FLOWS_ANNUAL),
            (rejects, "rejects", &REJECTS),
        ] {
            writer.finish()?;
            let dir = staging.table_dir(table);
            rewrite_without(&dir, schema, &self.dropped)?;
            if let Some(prev) = previous {
                // Rows of files kept from the previous snapshot, after this run's own.
                let carried = keep_files(read_dir_batches(&prev.join(table))?, &self.kept)?;
                write_batches(&dir, 1, schema, &carried)?;
            }
        }
        Settle {
            previous,
            incoming: &incoming(staging),
            staged: staging.dir(),
            dirty: &self.dirty,
            kept: &self.kept,
            dropped: &self.dropped,
            may_share_keys: &may_share_keys,
            hooks: &self.options.hooks,
        }
        .run()?;
        self.options.hooks.point("before-reference-tables");
        for gatherer in gatherers.into_values() {
            for (name, batch) in gatherer.finish(self.reference)? {
                let dir = staging.table_dir(name);
                TableWriter::write_table(&dir, &batch)?;
                if let Some(prev) = previous.filter(|_| !self.kept_previous.is_empty()) {
                    // A kept file cannot be read again for its gatherer: its rows come over.
                    let carried =
                        keep_files(read_dir_batches(&prev.join(name))?, &self.kept_previous)?;
                    write_batches(&dir, 1, &batch.schema(), &carried)?;
                }
            }
        }
        TableWriter::write_table(&staging.table_dir("ingest_log"), &self.log.finish()?)?;
        TableWriter::write_table(
            &staging.table_dir("fetch_log"),
            &fetch_log_batch(&self.options.raw)?,
        )?;
        for (name, batch) in self.reference.tables() {
            TableWriter::write_table(&staging.table_dir(name), &batch)?;
        }
        Ok(())
    }

    /// Checks the balance of a file, logs it in `ingest_log` and summarizes it.
    fn log_file(
        &mut self,
        planned: &PlannedFile,
        source: &str,
        loaded: &Loaded,
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
        self.log.push(&LogRow {
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
            reference_fingerprint: self.fingerprint,
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
            outcome: if planned.renormalize {
                FileOutcome::Renormalized
            } else {
                FileOutcome::Loaded
            },
            warnings: facts.warnings.clone(),
        })
    }
}

fn context<'c>(
    reference: &'c Arc<Reference>,
    layout: &'c PartitionLayout,
    options: &'c RunOptions,
    progress: &'c dyn crate::summary::Progress,
    gather_only: bool,
) -> LoadContext<'c> {
    LoadContext {
        reference,
        layout,
        threads: options.threads,
        chunk_bytes: options.chunk_bytes,
        progress,
        hooks: &options.hooks,
        gather_only,
    }
}

/// Where this run's `trade_flows` rows wait, partitioned, until settled.
fn incoming(staging: &Staging) -> std::path::PathBuf {
    staging.dir().join(".incoming")
}

/// Gives a file's gathered rows to its source's gatherer (once the whole file was read).
fn hand_over(
    sinks: &mut Sinks,
    source: &str,
    file: &str,
    parts: Vec<RecordBatch>,
) -> Result<(), EtlError> {
    if let Some(g) = sinks.gatherers.get_mut(source) {
        for part in parts {
            g.add(file, part)?;
        }
    }
    Ok(())
}

/// Writes `batches` as `DIR/part-NNNNN.parquet` (nothing when there are none).
fn write_batches(
    dir: &Path,
    part: u32,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<(), EtlError> {
    if batches.is_empty() {
        return Ok(());
    }
    let mut w = TableWriter::create_part(dir, part, schema.clone())?;
    for b in batches {
        let b = RecordBatch::try_new(schema.clone(), b.columns().to_vec())?;
        w.write(&b)?;
    }
    w.finish()?;
    Ok(())
}

/// Rewrites an unpartitioned table of the staged snapshot without the rows of `dropped` files.
fn rewrite_without(
    dir: &Path,
    schema: &SchemaRef,
    dropped: &HashSet<String>,
) -> Result<(), EtlError> {
    if dropped.is_empty() || !dir.is_dir() {
        return Ok(());
    }
    let kept = drop_files(read_dir_batches(dir)?, dropped)?;
    std::fs::remove_dir_all(dir).map_err(WarehouseError::io("remove", dir))?;
    let mut w = TableWriter::create(dir, schema.clone())?;
    for b in &kept {
        w.write(b)?;
    }
    w.finish()?;
    Ok(())
}
