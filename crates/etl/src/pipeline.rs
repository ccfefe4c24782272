//! One batch run: discover, read, normalize, write aside, publish.
//!
//! Each file streams through three stages on their own threads, joined by bounded channels
//! so memory stays bounded: a reader (I/O, decoding, hashing) hands out chunks of whole
//! lines, workers parse and normalize chunks in parallel, and the writer puts the batches
//! back in file order (so a run is reproducible) and encodes Parquet.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arrow::array::{
    ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow::error::ArrowError;
use rareflow_ingest::census::read_census;
use rareflow_ingest::comtrade::read_comtrade;
use rareflow_ingest::headline::read_headline;
use rareflow_ingest::text::sha256_file;
use rareflow_ingest::{Chunk, GaccFile, IngestError, Language};
use rareflow_normalize::headline::{HeadlineInput, SOURCE as HEADLINE_SOURCE, headline_series};
use rareflow_normalize::schema::{
    INGEST_LOG, REJECTS, TRADE_FLOWS, TRADE_FLOWS_ANNUAL, TRADE_FLOWS_KEY,
};
use rareflow_normalize::sources::{CensusNormalizer, ComtradeNormalizer, Output};
use rareflow_normalize::{
    FileContext, NormalizedChunk, Reference, ReferenceError, RejectRows, Release,
    normalize_gacc_chunk,
};
use rareflow_warehouse::merge::{
    keep_files, link_dir, list_partitions, partition_dir, read_dir_batches, releases, supersede,
};
use rareflow_warehouse::{
    ManifestEntry, PartitionAppender, PartitionLayout, TableWriter, Warehouse, WarehouseError,
    read_manifest,
};

use crate::discover::{RawFile, SourceKind, discover};

/// What a run needs to know.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The raw folder.
    pub raw: PathBuf,
    /// The warehouse folder.
    pub warehouse: PathBuf,
    /// Wait for another run's lock instead of stopping.
    pub wait: bool,
    /// Parse/normalize workers.
    pub threads: usize,
    /// Bytes per chunk of input.
    pub chunk_bytes: usize,
    /// Re-read every raw file instead of reusing the previous snapshot for unchanged ones.
    pub full: bool,
    /// Load time recorded for new releases (UTC microseconds); default now. For backfills
    /// and tests of as-of queries.
    pub loaded_at: Option<i64>,
}

impl RunOptions {
    /// Defaults: one worker per core, 4 MiB chunks.
    pub fn new(raw: impl Into<PathBuf>, warehouse: impl Into<PathBuf>) -> RunOptions {
        RunOptions {
            raw: raw.into(),
            warehouse: warehouse.into(),
            wait: false,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            chunk_bytes: std::env::var("RAREFLOW_CHUNK_BYTES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(rareflow_ingest::text::DEFAULT_CHUNK_BYTES),
            full: false,
            loaded_at: None,
        }
    }
}

/// Why a run stopped. The warehouse is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum EtlError {
    /// A raw file could not be read at all.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// The warehouse could not be written.
    #[error(transparent)]
    Warehouse(#[from] WarehouseError),
    /// The raw folder could not be listed.
    #[error("{path}: cannot list raw files: {source}")]
    Discover {
        /// The raw folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The compiled-in reference data is broken.
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    /// Building a batch failed.
    #[error("building batches: {0}")]
    Arrow(#[from] ArrowError),
    /// A rows-read = loaded + rejected check failed (a bug, never expected).
    #[error("{file}: {read} rows read but {loaded} loaded + {rejected} rejected")]
    Unbalanced {
        /// The file.
        file: String,
        /// Rows read.
        read: u64,
        /// Rows loaded.
        loaded: u64,
        /// Rows rejected.
        rejected: u64,
    },
}

/// What happened to one raw file.
#[derive(Debug, Clone)]
pub struct FileSummary {
    /// Path relative to the raw folder.
    pub file: String,
    /// Records read.
    pub rows_read: u64,
    /// Records loaded into `trade_flows`.
    pub rows_loaded: u64,
    /// Records in `rejects`.
    pub rows_rejected: u64,
    /// File size.
    pub bytes: u64,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Unchanged since the previous snapshot: not read again.
    pub unchanged: bool,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Per file, in load order.
    pub files: Vec<FileSummary>,
    /// The published snapshot.
    pub snapshot: PathBuf,
    /// Wall time.
    pub elapsed: Duration,
    /// False when nothing had changed and no snapshot was written.
    pub published: bool,
}

impl RunSummary {
    /// Totals over all files: (read, loaded, rejected).
    pub fn totals(&self) -> (u64, u64, u64) {
        self.files.iter().fold((0, 0, 0), |(r, l, j), f| {
            (r + f.rows_read, l + f.rows_loaded, j + f.rows_rejected)
        })
    }
}

/// Progress callbacks (the binary draws a bar; tests pass [`NoProgress`]).
pub trait Progress: Sync {
    /// The run will read this many bytes.
    fn start(&self, _total_bytes: u64) {}
    /// A file starts.
    fn file(&self, _name: &str) {}
    /// More bytes were read.
    fn advance(&self, _bytes: u64) {}
    /// The run ends.
    fn finish(&self) {}
}

/// No progress output.
#[derive(Debug, Default)]
pub struct NoProgress;
impl Progress for NoProgress {}

/// Runs a batch: loads new and changed raw files into a new snapshot, reuses what the
/// previous snapshot holds for unchanged files, settles revisions, and publishes atomically.
/// With nothing new (and no `full`), nothing is written and the current snapshot stays.
pub fn run(options: &RunOptions, progress: &dyn Progress) -> Result<RunSummary, EtlError> {
    let started = Instant::now();
    let reference = Reference::bundled()?;
    let warehouse = Warehouse::new(&options.warehouse);
    let lock = warehouse.lock(options.wait)?;
    let files = discover(&options.raw).map_err(|source| EtlError::Discover {
        path: options.raw.clone(),
        source,
    })?;
    let previous = warehouse.current().ok();
    let manifest = match &previous {
        Some(dir) => read_manifest(dir)?,
        None => None,
    };
    let incremental = !options.full && manifest.is_some();
    let plan = plan_files(&files, manifest.as_deref().unwrap_or_default(), options)?;

    let nothing_new = plan.removed.is_empty() && plan.files.iter().all(|f| f.unchanged.is_some());
    if let (true, true, Some(snapshot)) = (incremental, nothing_new, &previous) {
        return Ok(RunSummary {
            files: plan
                .files
                .iter()
                .map(PlannedFile::unchanged_summary)
                .collect(),
            snapshot: snapshot.clone(),
            elapsed: started.elapsed(),
            published: false,
        });
    }

    progress.start(
        plan.files
            .iter()
            .filter(|f| f.unchanged.is_none())
            .map(|f| f.raw.bytes)
            .sum(),
    );
    let staging = warehouse.begin(&lock)?;
    let incoming_dir = staging.dir().join(".incoming");
    let mut sinks = Sinks {
        flows: PartitionAppender::new(&incoming_dir, PartitionLayout::new(&TRADE_FLOWS)?)?,
        annual: TableWriter::create(
            &staging.table_dir("trade_flows_annual"),
            TRADE_FLOWS_ANNUAL.clone(),
        )?,
        rejects: TableWriter::create(&staging.table_dir("rejects"), REJECTS.clone())?,
        log: IngestLog::default(),
        headline: Vec::new(),
    };
    let mut dirty: BTreeSet<(i32, i32)> = BTreeSet::new();
    let mut kept: HashSet<String> = HashSet::new();
    let mut summaries = Vec::with_capacity(plan.files.len());
    for planned in &plan.files {
        let file = &planned.raw;
        progress.file(&file.relative);
        if let (Some(entry), true) = (&planned.unchanged, incremental) {
            sinks.log.carry(&entry.row)?;
            if file.kind == SourceKind::GaccHeadline {
                // Headline releases are only meaningful together: always re-read (they are tiny).
                reread_headline(file, &mut sinks)?;
            } else {
                kept.insert(file.relative.clone());
            }
            summaries.push(planned.unchanged_summary());
            continue;
        }
        let release = planned.release;
        let summary = match file.kind {
            SourceKind::Gacc(flow) => {
                let context = FileContext {
                    source_file: file.relative.clone(),
                    flow,
                    release,
                };
                load_gacc_file(file, &context, &reference, options, &mut sinks, progress)?
            }
            SourceKind::Comtrade | SourceKind::Census => {
                load_api_file(file, &reference, release, &mut sinks)?
            }
            SourceKind::GaccHeadline => load_headline_file(file, release, &mut sinks)?,
        };
        if !matches!(file.kind, SourceKind::Gacc(_)) {
            progress.advance(file.bytes);
        }
        dirty.extend(sinks.flows.take_touched());
        tracing::info!(
            file = %summary.file,
            read = summary.rows_read,
            loaded = summary.rows_loaded,
            rejected = summary.rows_rejected,
            "loaded"
        );
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
        log,
        headline,
    } = sinks;
    flows.finish()?;
    if let (Some(prev), true) = (&previous, incremental) {
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
    let previous_for_merge = previous.as_deref().filter(|_| incremental);
    settle_partitions(
        previous_for_merge,
        &incoming_dir,
        staging.dir(),
        &dirty,
        &kept,
    )?;
    fail_point("before-reference-tables");
    TableWriter::write_table(
        &staging.table_dir("headline_series"),
        &headline_series(&reference, &headline)?,
    )?;
    TableWriter::write_table(&staging.table_dir("ingest_log"), &log.finish()?)?;
    for (name, batch) in reference.tables() {
        TableWriter::write_table(&staging.table_dir(name), &batch)?;
    }
    fail_point("before-publish");
    let snapshot = staging.publish_with(fail_point)?;
    progress.finish();
    Ok(RunSummary {
        files: summaries,
        snapshot,
        elapsed: started.elapsed(),
        published: true,
    })
}

/// Every month from `first` to `last` (Date32 first days), as (year, month).
fn months_between(first: Option<i32>, last: Option<i32>) -> Vec<(i32, i32)> {
    let (Some(first), Some(last)) = (first, last) else {
        return Vec::new();
    };
    let ym = |days: i32| {
        let (y, m, _) = rareflow_normalize::period::civil_from_days(days);
        y * 12 + m as i32 - 1
    };
    (ym(first)..=ym(last))
        .map(|i| (i.div_euclid(12), i.rem_euclid(12) + 1))
        .collect()
}

/// Builds `trade_flows` and `trade_flows_superseded` in the staged snapshot, partition by
/// partition: untouched partitions are hard-linked from the previous snapshot; touched ones
/// get the previous rows of unchanged files plus the new rows, and where two releases report
/// the same figure, the later one is current and the earlier moves to `trade_flows_superseded`.
fn settle_partitions(
    previous: Option<&Path>,
    incoming: &Path,
    staged: &Path,
    dirty: &BTreeSet<(i32, i32)>,
    kept: &HashSet<String>,
) -> Result<(), EtlError> {
    let (current_t, superseded_t) = ("trade_flows", "trade_flows_superseded");
    for table in [current_t, superseded_t] {
        let dir = staged.join(table);
        std::fs::create_dir_all(&dir).map_err(WarehouseError::io("create folder", &dir))?;
    }
    let mut partitions = list_partitions(incoming)?;
    if let Some(prev) = previous {
        partitions.extend(list_partitions(&prev.join(current_t))?);
        partitions.extend(list_partitions(&prev.join(superseded_t))?);
    }
    for p in partitions {
        fail_point("settle-partition");
        let (to_current, to_superseded) = (
            partition_dir(&staged.join(current_t), p),
            partition_dir(&staged.join(superseded_t), p),
        );
        if let (Some(prev), false) = (previous, dirty.contains(&p)) {
            link_dir(&partition_dir(&prev.join(current_t), p), &to_current)?;
            link_dir(&partition_dir(&prev.join(superseded_t), p), &to_superseded)?;
            continue;
        }
        let mut batches = Vec::new();
        if let Some(prev) = previous {
            batches.extend(keep_files(
                read_dir_batches(&partition_dir(&prev.join(current_t), p))?,
                kept,
            )?);
            batches.extend(keep_files(
                read_dir_batches(&partition_dir(&prev.join(superseded_t), p))?,
                kept,
            )?);
        }
        let new_dir = partition_dir(incoming, p);
        if batches.is_empty() && !new_dir.is_dir() {
            // Every file that reported this month is gone: so is the partition.
            continue;
        }
        if batches.is_empty() {
            // The common case: only new rows. One release means nothing to settle: move the file.
            let new_rows = read_releases_only(&new_dir)?;
            if new_rows.len() <= 1 {
                std::fs::create_dir_all(&to_current)
                    .map_err(WarehouseError::io("create folder", &to_current))?;
                for entry in
                    std::fs::read_dir(&new_dir).map_err(WarehouseError::io("list", &new_dir))?
                {
                    let from = entry.map_err(WarehouseError::io("list", &new_dir))?.path();
                    let to = to_current.join(from.file_name().unwrap_or_default());
                    std::fs::rename(&from, &to).map_err(WarehouseError::io("move", &from))?;
                }
                continue;
            }
        }
        batches.extend(read_dir_batches(&new_dir)?);
        let (current, superseded) = supersede(&batches, &TRADE_FLOWS_KEY)?;
        write_partition(&to_current, &current)?;
        write_partition(&to_superseded, &superseded)?;
    }
    let _ = std::fs::remove_dir_all(incoming);
    Ok(())
}

/// The releases present in a partition folder, read from the `release_seq` column only.
fn read_releases_only(dir: &Path) -> Result<BTreeSet<i64>, EtlError> {
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).map_err(WarehouseError::io("list", dir))? {
        let path = entry.map_err(WarehouseError::io("list", dir))?.path();
        let file = std::fs::File::open(&path).map_err(WarehouseError::io("open", &path))?;
        let perr = |source| WarehouseError::Parquet {
            path: path.clone(),
            source,
        };
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(perr)?;
        let idx = builder.schema().index_of("release_seq")?;
        let mask = ProjectionMask::roots(builder.parquet_schema(), [idx]);
        for batch in builder.with_projection(mask).build().map_err(perr)? {
            out.extend(releases(&[batch?])?);
        }
    }
    Ok(out)
}

fn write_partition(dir: &Path, batches: &[RecordBatch]) -> Result<(), EtlError> {
    let Some(first) = batches.first() else {
        return Ok(());
    };
    let mut w = TableWriter::create(dir, first.schema())?;
    for b in batches {
        w.write(b)?;
    }
    w.finish()?;
    Ok(())
}

/// What a run will do with each raw file.
struct Plan {
    files: Vec<PlannedFile>,
    /// Files of the previous snapshot that are gone from the raw folder.
    removed: Vec<ManifestEntry>,
}

struct PlannedFile {
    raw: RawFile,
    /// Identity of the release (carried over when the content was seen before).
    release: Release,
    /// The previous snapshot's entry when the file is unchanged.
    unchanged: Option<ManifestEntry>,
    /// The previous entry at the same path when the content changed.
    replaces: Option<ManifestEntry>,
}

impl PlannedFile {
    fn unchanged_summary(&self) -> FileSummary {
        let count = |name: &str| -> u64 {
            self.unchanged
                .as_ref()
                .and_then(|e| e.row.column_by_name(name).cloned())
                .and_then(|c| {
                    c.as_any()
                        .downcast_ref::<arrow::array::Int64Array>()
                        .map(|a| a.value(0) as u64)
                })
                .unwrap_or(0)
        };
        FileSummary {
            file: self.raw.relative.clone(),
            rows_read: count("rows_read"),
            rows_loaded: count("rows_loaded"),
            rows_rejected: count("rows_rejected"),
            bytes: self.raw.bytes,
            sha256: self
                .unchanged
                .as_ref()
                .map(|e| e.sha256.clone())
                .unwrap_or_default(),
            unchanged: true,
        }
    }
}

fn modified_ns(path: &Path) -> i64 {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64)
}

/// Matches raw files against the previous manifest: same path, size and modification time
/// (or, failing that, same content hash) is unchanged; anything else is a new release,
/// numbered after every release seen before.
fn plan_files(
    files: &[RawFile],
    manifest: &[ManifestEntry],
    options: &RunOptions,
) -> Result<Plan, EtlError> {
    let now = options.loaded_at.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64)
    });
    let by_path: HashMap<&str, &ManifestEntry> =
        manifest.iter().map(|e| (e.file.as_str(), e)).collect();
    let mut next_seq = manifest.iter().map(|e| e.release_seq).max().unwrap_or(0) + 1;
    let mut planned = Vec::with_capacity(files.len());
    for raw in files {
        let previous = by_path.get(raw.relative.as_str()).copied();
        let modified = modified_ns(&raw.path);
        let same_stat =
            previous.is_some_and(|e| e.bytes == raw.bytes as i64 && e.modified_ns == modified);
        let unchanged = match previous {
            Some(e) if same_stat => Some(e.clone()),
            Some(e) if e.bytes == raw.bytes as i64 && sha256_file(&raw.path)? == e.sha256 => {
                Some(e.clone())
            }
            _ => None,
        };
        let release = match &unchanged {
            Some(e) => Release {
                seq: e.release_seq,
                loaded_at: e.loaded_at,
            },
            None => {
                let seq = next_seq;
                next_seq += 1;
                Release {
                    seq,
                    loaded_at: now,
                }
            }
        };
        planned.push(PlannedFile {
            raw: raw.clone(),
            release,
            replaces: previous.filter(|_| unchanged.is_none()).cloned(),
            unchanged,
        });
    }
    let present: HashSet<&str> = files.iter().map(|f| f.relative.as_str()).collect();
    let removed = manifest
        .iter()
        .filter(|e| !present.contains(e.file.as_str()))
        .cloned()
        .collect();
    Ok(Plan {
        files: planned,
        removed,
    })
}

/// Test-only crash points: `RAREFLOW_FAIL_AT=NAME` aborts the process at the first call
/// of that point, `NAME:N` at the N-th, as a kill at that moment would. The kill tests use
/// them to stop a run at many places; unset, each call costs one cached lookup.
fn fail_point(name: &str) {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static TARGET: OnceLock<Option<(String, u64)>> = OnceLock::new();
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let target = TARGET.get_or_init(|| {
        let spec = std::env::var("RAREFLOW_FAIL_AT").ok()?;
        match spec.split_once(':') {
            Some((n, count)) => Some((n.to_owned(), count.parse().ok()?)),
            None => Some((spec, 1)),
        }
    });
    let hit = |(point, nth): &(String, u64)| {
        point == name && CALLS.fetch_add(1, Ordering::SeqCst) + 1 == *nth
    };
    if target.as_ref().is_some_and(hit) {
        std::process::abort();
    }
    // `RAREFLOW_PAUSE_AT=NAME:MS` holds the run there, for tests of concurrent runs and readers.
    static PAUSE: OnceLock<Option<(String, u64)>> = OnceLock::new();
    let pause = PAUSE.get_or_init(|| {
        let spec = std::env::var("RAREFLOW_PAUSE_AT").ok()?;
        let (n, ms) = spec.split_once(':')?;
        Some((n.to_owned(), ms.parse().ok()?))
    });
    if let Some((point, ms)) = pause.as_ref().filter(|(p, _)| p == name) {
        tracing::debug!(point, ms, "pausing (RAREFLOW_PAUSE_AT)");
        std::thread::sleep(Duration::from_millis(*ms));
    }
}

/// A chunk normalized and encoded by a worker.
struct Encoded {
    chunk: NormalizedChunk,
    parts: Vec<rareflow_warehouse::EncodedPart>,
}

/// Where a run's rows go.
struct Sinks {
    flows: PartitionAppender,
    annual: TableWriter,
    rejects: TableWriter,
    log: IngestLog,
    /// Headline releases are small and only make sense together (year-to-date
    /// differencing), so they are gathered and normalized at the end.
    headline: Vec<HeadlineInput>,
}

impl Sinks {
    /// Writes what a normalizer has gathered so far.
    fn drain(&mut self, out: &mut Output) -> Result<(), EtlError> {
        self.flows.write(&out.flows.finish()?)?;
        if !out.annual.is_empty() {
            self.annual.write(&out.annual.finish()?)?;
        }
        if !out.rejects.is_empty() {
            self.rejects.write(&out.rejects.finish()?)?;
        }
        Ok(())
    }
}

/// Rows gathered before they are written, for sources read record by record.
const DRAIN_ROWS: usize = 64 * 1024;

fn load_api_file(
    file: &RawFile,
    reference: &Reference,
    release: Release,
    sinks: &mut Sinks,
) -> Result<FileSummary, EtlError> {
    let mut out = Output::new(release);
    let (mut loaded, mut rejected) = (0u64, 0u64);
    let mut write_error = None;
    let mut drain = |sinks: &mut Sinks, out: &mut Output, force: bool| {
        if write_error.is_none()
            && (force || out.flows.len() + out.annual.len() + out.rejects.len() >= DRAIN_ROWS)
        {
            loaded += (out.flows.len() + out.annual.len()) as u64;
            rejected += out.rejects.len() as u64;
            if let Err(e) = sinks.drain(out) {
                write_error = Some(e);
            }
        }
    };
    let (layout, encoding) = match file.kind {
        SourceKind::Comtrade => {
            let normalizer = ComtradeNormalizer::new(reference, &file.relative);
            let (layout, encoding) = read_comtrade(&file.path, &mut |r| {
                normalizer.push(&mut out, r);
                drain(sinks, &mut out, false);
            })?;
            (layout.name(), encoding)
        }
        _ => {
            let normalizer = CensusNormalizer::new(reference, &file.relative);
            read_census(&file.path, &mut |r| {
                normalizer.push(&mut out, r);
                drain(sinks, &mut out, false);
            })?;
            ("census-api-json", "UTF-8")
        }
    };
    drain(sinks, &mut out, true);
    if let Some(e) = write_error {
        return Err(e);
    }
    let counts = Counts {
        read: out.rows_read,
        loaded,
        rejected,
    };
    finish_file(
        file,
        sinks,
        counts,
        release,
        None,
        encoding,
        layout,
        out.periods,
        None,
    )
}

/// Re-reads an unchanged headline release (its rejects were not carried over).
fn reread_headline(file: &RawFile, sinks: &mut Sinks) -> Result<(), EtlError> {
    let log_len = sinks.log.len();
    load_headline_file(file, Release::default(), sinks)?;
    sinks.log.truncate(log_len);
    Ok(())
}

fn load_headline_file(
    file: &RawFile,
    release: Release,
    sinks: &mut Sinks,
) -> Result<FileSummary, EtlError> {
    let mut rows = Vec::new();
    let mut rejects = RejectRows::default();
    let mut read = 0u64;
    let table = read_headline(&file.path, &mut |r| {
        read += 1;
        match r {
            Ok(row) => rows.push(row),
            Err(r) => rejects.push(
                HEADLINE_SOURCE,
                &file.relative,
                r.line,
                r.error.code(),
                &r.error.to_string(),
                &r.raw,
            ),
        }
    })?;
    let rejected = rejects.len() as u64;
    if rejected > 0 {
        sinks.rejects.write(&rejects.finish()?)?;
    }
    let loaded = rows.len() as u64;
    let period = rareflow_normalize::period::month_start(table.year, table.first_month);
    let last = rareflow_normalize::period::month_start(table.year, table.last_month);
    let encoding = table.encoding;
    sinks.headline.push(HeadlineInput {
        file: file.relative.clone(),
        release: table,
        rows,
    });
    let counts = Counts {
        read,
        loaded,
        rejected,
    };
    let periods = Some((period, last));
    let layout = "gacc-headline-table";
    finish_file(
        file,
        sinks,
        counts,
        release,
        Some("export"),
        encoding,
        layout,
        periods,
        None,
    )
}

/// Rows of one file.
struct Counts {
    read: u64,
    loaded: u64,
    rejected: u64,
}

/// Checks the balance of a file, logs it in `ingest_log` and summarizes it.
#[allow(clippy::too_many_arguments)]
fn finish_file(
    file: &RawFile,
    sinks: &mut Sinks,
    Counts {
        read,
        loaded,
        rejected,
    }: Counts,
    release: Release,
    flow: Option<&str>,
    encoding: &str,
    layout: &str,
    periods: Option<(i32, i32)>,
    sha256: Option<String>,
) -> Result<FileSummary, EtlError> {
    if read != loaded + rejected {
        return Err(EtlError::Unbalanced {
            file: file.relative.clone(),
            read,
            loaded,
            rejected,
        });
    }
    let sha256 = match sha256 {
        Some(hash) => hash,
        None => sha256_file(&file.path)?,
    };
    sinks.log.push(LogRow {
        file: &file.relative,
        source: file.kind.source(),
        flow,
        encoding,
        layout,
        sha256: &sha256,
        bytes: file.bytes,
        read,
        loaded,
        rejected,
        periods,
        release,
        modified_ns: modified_ns(&file.path),
    })?;
    Ok(FileSummary {
        file: file.relative.clone(),
        rows_read: read,
        rows_loaded: loaded,
        rows_rejected: rejected,
        bytes: file.bytes,
        sha256,
        unchanged: false,
    })
}

fn load_gacc_file(
    file: &RawFile,
    context: &FileContext,
    reference: &Reference,
    options: &RunOptions,
    sinks: &mut Sinks,
    progress: &dyn Progress,
) -> Result<FileSummary, EtlError> {
    let Sinks { flows, rejects, .. } = &mut *sinks;
    let mut gacc = GaccFile::open_with_chunk_size(&file.path, options.chunk_bytes)?;
    let layout = gacc.layout().clone();
    let threads = options.threads.max(1);
    let encoder = flows.layout().clone();
    let (mut read, mut loaded, mut rejected) = (0u64, 0u64, 0u64);
    let mut periods: Option<(i32, i32)> = None;

    let (sha256, encoding) =
        std::thread::scope(|scope| -> Result<(String, &'static str), EtlError> {
            let (chunk_tx, chunk_rx) = sync_channel::<Chunk>(threads * 2);
            let chunk_rx = Arc::new(Mutex::new(chunk_rx));
            let (out_tx, out_rx) = sync_channel::<Result<Encoded, EtlError>>(threads * 2);

            let reader = scope.spawn(move || -> Result<(String, &'static str), IngestError> {
                let mut last = 0;
                while let Some(chunk) = gacc.next_chunk()? {
                    progress.advance(gacc.bytes_read() - last);
                    last = gacc.bytes_read();
                    if chunk_tx.send(chunk).is_err() {
                        break;
                    }
                }
                Ok((gacc.content_hash(), gacc.encoding().name()))
            });
            for _ in 0..threads {
                let chunk_rx = Arc::clone(&chunk_rx);
                let out_tx = out_tx.clone();
                let layout = &layout;
                let encoder = encoder.clone();
                scope.spawn(move || {
                    loop {
                        let next = match chunk_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let Ok(chunk) = next else { return };
                        // Parse, normalize and encode Parquet here, on every core.
                        let result = normalize_gacc_chunk(reference, context, layout, &chunk)
                            .map_err(EtlError::from)
                            .and_then(|mut c| {
                                let parts = encoder.encode(&c.flows)?;
                                // The encoded parts replace the batch: free it now.
                                c.flows = RecordBatch::new_empty(c.flows.schema());
                                Ok(Encoded { chunk: c, parts })
                            });
                        if out_tx.send(result).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(out_tx);
            drop(chunk_rx);

            // Put chunks back in file order, then write.
            let mut waiting: BTreeMap<u64, Encoded> = BTreeMap::new();
            let mut next = 0u64;
            for result in out_rx {
                let encoded = result?;
                waiting.insert(encoded.chunk.index, encoded);
                while let Some(Encoded { chunk, parts }) = waiting.remove(&next) {
                    next += 1;
                    read += chunk.rows_read;
                    loaded += parts.iter().map(|p| p.rows as u64).sum::<u64>();
                    rejected += chunk.rejects.num_rows() as u64;
                    if let Some((lo, hi)) = chunk.periods {
                        periods = Some(periods.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
                    }
                    for part in parts {
                        flows.append(part)?;
                    }
                    if chunk.rejects.num_rows() > 0 {
                        rejects.write(&chunk.rejects)?;
                    }
                    fail_point("after-chunk");
                }
            }
            match reader.join() {
                Ok(result) => Ok(result?),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })?;

    let layout = match layout.language {
        Language::Chinese => "gacc-platform-zh",
        Language::English => "gacc-platform-en",
    };
    let counts = Counts {
        read,
        loaded,
        rejected,
    };
    let flow = Some(context.flow.as_str());
    finish_file(
        file,
        sinks,
        counts,
        context.release,
        flow,
        encoding,
        layout,
        periods,
        Some(sha256),
    )
}

struct LogRow<'a> {
    file: &'a str,
    source: &'a str,
    flow: Option<&'a str>,
    encoding: &'a str,
    layout: &'a str,
    sha256: &'a str,
    bytes: u64,
    read: u64,
    loaded: u64,
    rejected: u64,
    periods: Option<(i32, i32)>,
    release: Release,
    modified_ns: i64,
}

/// `ingest_log` rows: one per file, new ones built here, unchanged ones carried over.
#[derive(Default)]
struct IngestLog {
    rows: Vec<RecordBatch>,
}

impl IngestLog {
    fn len(&self) -> usize {
        self.rows.len()
    }

    fn truncate(&mut self, len: usize) {
        self.rows.truncate(len);
    }

    /// Carries a previous snapshot's row (read back from Parquet) over unchanged.
    fn carry(&mut self, row: &RecordBatch) -> Result<(), ArrowError> {
        self.rows.push(RecordBatch::try_new(
            INGEST_LOG.clone(),
            row.columns().to_vec(),
        )?);
        Ok(())
    }

    fn push(&mut self, r: LogRow<'_>) -> Result<(), ArrowError> {
        let text = |v: &str| -> ArrayRef { Arc::new(StringArray::from(vec![v])) };
        let int = |v: i64| -> ArrayRef { Arc::new(Int64Array::from(vec![v])) };
        let date = |v: Option<i32>| -> ArrayRef { Arc::new(Date32Array::from(vec![v])) };
        self.rows.push(RecordBatch::try_new(
            INGEST_LOG.clone(),
            vec![
                text(r.file),
                text(r.source),
                Arc::new(StringArray::from(vec![r.flow])),
                text(r.encoding),
                text(r.layout),
                text(r.sha256),
                int(r.bytes as i64),
                int(r.read as i64),
                int(r.loaded as i64),
                int(r.rejected as i64),
                date(r.periods.map(|p| p.0)),
                date(r.periods.map(|p| p.1)),
                int(r.release.seq),
                Arc::new(
                    TimestampMicrosecondArray::from(vec![r.release.loaded_at]).with_timezone("UTC"),
                ),
                int(r.modified_ns),
            ],
        )?);
        Ok(())
    }

    fn finish(self) -> Result<RecordBatch, ArrowError> {
        arrow::compute::concat_batches(&INGEST_LOG, &self.rows)
    }
}
