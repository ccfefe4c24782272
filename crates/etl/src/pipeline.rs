//! One batch run: discover, read, normalize, write aside, publish.
//!
//! Each file streams through three stages on their own threads, joined by bounded channels
//! so memory stays bounded: a reader (I/O, decoding, hashing) hands out chunks of whole
//! lines, workers parse and normalize chunks in parallel, and the writer puts the batches
//! back in file order (so a run is reproducible) and encodes Parquet.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arrow::array::{Date32Builder, Int64Builder, RecordBatch, StringBuilder};
use arrow::error::ArrowError;
use rareflow_ingest::census::read_census;
use rareflow_ingest::comtrade::read_comtrade;
use rareflow_ingest::headline::read_headline;
use rareflow_ingest::text::sha256_file;
use rareflow_ingest::{Chunk, GaccFile, IngestError, Language};
use rareflow_normalize::headline::{HeadlineInput, SOURCE as HEADLINE_SOURCE, headline_series};
use rareflow_normalize::schema::{INGEST_LOG, REJECTS, TRADE_FLOWS, TRADE_FLOWS_ANNUAL};
use rareflow_normalize::sources::{CensusNormalizer, ComtradeNormalizer, Output};
use rareflow_normalize::{
    FileContext, NormalizedChunk, Reference, ReferenceError, RejectRows, normalize_gacc_chunk,
};
use rareflow_warehouse::{PartitionedWriter, TableWriter, Warehouse, WarehouseError};

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
}

impl RunOptions {
    /// Defaults: one worker per core, 4 MiB chunks.
    pub fn new(raw: impl Into<PathBuf>, warehouse: impl Into<PathBuf>) -> RunOptions {
        RunOptions {
            raw: raw.into(),
            warehouse: warehouse.into(),
            wait: false,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            chunk_bytes: rareflow_ingest::text::DEFAULT_CHUNK_BYTES,
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

/// Runs a full batch: every raw file into a new snapshot, published at the end.
pub fn run(options: &RunOptions, progress: &dyn Progress) -> Result<RunSummary, EtlError> {
    let started = Instant::now();
    let reference = Reference::bundled()?;
    let warehouse = Warehouse::new(&options.warehouse);
    let lock = warehouse.lock(options.wait)?;
    let files = discover(&options.raw).map_err(|source| EtlError::Discover {
        path: options.raw.clone(),
        source,
    })?;
    progress.start(files.iter().map(|f| f.bytes).sum());
    let staging = warehouse.begin(&lock)?;

    let mut sinks = Sinks {
        flows: PartitionedWriter::new(&staging.table_dir("trade_flows"), &TRADE_FLOWS)?,
        annual: TableWriter::create(
            &staging.table_dir("trade_flows_annual"),
            TRADE_FLOWS_ANNUAL.clone(),
        )?,
        rejects: TableWriter::create(&staging.table_dir("rejects"), REJECTS.clone())?,
        log: IngestLog::default(),
        headline: Vec::new(),
    };
    let mut summaries = Vec::with_capacity(files.len());
    for file in &files {
        progress.file(&file.relative);
        let summary = match file.kind {
            SourceKind::Gacc(flow) => {
                let context = FileContext {
                    source_file: file.relative.clone(),
                    flow,
                };
                load_gacc_file(file, &context, &reference, options, &mut sinks, progress)?
            }
            SourceKind::Comtrade | SourceKind::Census => {
                load_api_file(file, &reference, &mut sinks)?
            }
            SourceKind::GaccHeadline => load_headline_file(file, &mut sinks)?,
        };
        if !matches!(file.kind, SourceKind::Gacc(_)) {
            progress.advance(file.bytes);
        }
        tracing::info!(
            file = %summary.file,
            read = summary.rows_read,
            loaded = summary.rows_loaded,
            rejected = summary.rows_rejected,
            "loaded"
        );
        summaries.push(summary);
    }
    let Sinks {
        flows,
        annual,
        rejects,
        log,
        headline,
    } = sinks;
    flows.finish()?;
    annual.finish()?;
    rejects.finish()?;
    TableWriter::write_table(
        &staging.table_dir("headline_series"),
        &headline_series(&reference, &headline)?,
    )?;
    TableWriter::write_table(&staging.table_dir("ingest_log"), &log.finish()?)?;
    for (name, batch) in reference.tables() {
        TableWriter::write_table(&staging.table_dir(name), &batch)?;
    }
    fail_point("before-publish");
    let snapshot = staging.publish()?;
    progress.finish();
    Ok(RunSummary {
        files: summaries,
        snapshot,
        elapsed: started.elapsed(),
    })
}

/// Test-only crash point: when `RAREFLOW_FAIL_AT` names this point, the process aborts
/// here, as a kill would. Costs one environment lookup per call site per run.
fn fail_point(name: &str) {
    if std::env::var("RAREFLOW_FAIL_AT").is_ok_and(|v| v == name) {
        std::process::abort();
    }
}

/// Where a run's rows go.
struct Sinks {
    flows: PartitionedWriter,
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
    sinks: &mut Sinks,
) -> Result<FileSummary, EtlError> {
    let mut out = Output::default();
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
    finish_file(
        file,
        sinks,
        out.rows_read,
        loaded,
        rejected,
        None,
        encoding,
        layout,
        out.periods,
    )
}

fn load_headline_file(file: &RawFile, sinks: &mut Sinks) -> Result<FileSummary, EtlError> {
    let mut rows = Vec::new();
    let mut rejects = RejectRows::default();
    let mut read = 0u64;
    let release = read_headline(&file.path, &mut |r| {
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
    let period = rareflow_normalize::period::month_start(release.year, release.first_month);
    let last = rareflow_normalize::period::month_start(release.year, release.last_month);
    let encoding = release.encoding;
    sinks.headline.push(HeadlineInput {
        file: file.relative.clone(),
        release,
        rows,
    });
    finish_file(
        file,
        sinks,
        read,
        loaded,
        rejected,
        Some("export"),
        encoding,
        "gacc-headline-table",
        Some((period, last)),
    )
}

/// Checks the balance of a file, logs it in `ingest_log` and summarizes it.
#[allow(clippy::too_many_arguments)]
fn finish_file(
    file: &RawFile,
    sinks: &mut Sinks,
    read: u64,
    loaded: u64,
    rejected: u64,
    flow: Option<&str>,
    encoding: &str,
    layout: &str,
    periods: Option<(i32, i32)>,
) -> Result<FileSummary, EtlError> {
    if read != loaded + rejected {
        return Err(EtlError::Unbalanced {
            file: file.relative.clone(),
            read,
            loaded,
            rejected,
        });
    }
    let sha256 = sha256_file(&file.path)?;
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
    });
    Ok(FileSummary {
        file: file.relative.clone(),
        rows_read: read,
        rows_loaded: loaded,
        rows_rejected: rejected,
        bytes: file.bytes,
        sha256,
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
    let Sinks {
        flows,
        rejects,
        log,
        ..
    } = sinks;
    let mut gacc = GaccFile::open_with_chunk_size(&file.path, options.chunk_bytes)?;
    let layout = gacc.layout().clone();
    let threads = options.threads.max(1);
    let (mut read, mut loaded, mut rejected) = (0u64, 0u64, 0u64);
    let mut periods: Option<(i32, i32)> = None;

    let (sha256, encoding) =
        std::thread::scope(|scope| -> Result<(String, &'static str), EtlError> {
            let (chunk_tx, chunk_rx) = sync_channel::<Chunk>(threads * 2);
            let chunk_rx = Arc::new(Mutex::new(chunk_rx));
            let (out_tx, out_rx) = sync_channel::<Result<NormalizedChunk, ArrowError>>(threads * 2);

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
                scope.spawn(move || {
                    loop {
                        let next = match chunk_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let Ok(chunk) = next else { return };
                        let result = normalize_gacc_chunk(reference, context, layout, &chunk);
                        if out_tx.send(result).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(out_tx);
            drop(chunk_rx);

            // Put chunks back in file order, then write.
            let mut waiting: BTreeMap<u64, NormalizedChunk> = BTreeMap::new();
            let mut next = 0u64;
            for result in out_rx {
                let chunk = result?;
                waiting.insert(chunk.index, chunk);
                while let Some(chunk) = waiting.remove(&next) {
                    next += 1;
                    read += chunk.rows_read;
                    loaded += chunk.flows.num_rows() as u64;
                    rejected += chunk.rejects.num_rows() as u64;
                    if let Some((lo, hi)) = chunk.periods {
                        periods = Some(periods.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
                    }
                    flows.write(&chunk.flows)?;
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

    if read != loaded + rejected {
        return Err(EtlError::Unbalanced {
            file: file.relative.clone(),
            read,
            loaded,
            rejected,
        });
    }
    log.push(LogRow {
        file: &file.relative,
        source: "gacc",
        flow: Some(context.flow.as_str()),
        encoding,
        layout: match layout.language {
            Language::Chinese => "gacc-platform-zh",
            Language::English => "gacc-platform-en",
        },
        sha256: &sha256,
        bytes: file.bytes,
        read,
        loaded,
        rejected,
        periods,
    });
    Ok(FileSummary {
        file: file.relative.clone(),
        rows_read: read,
        rows_loaded: loaded,
        rows_rejected: rejected,
        bytes: file.bytes,
        sha256,
    })
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
}

#[derive(Default)]
struct IngestLog {
    file: StringBuilder,
    source: StringBuilder,
    flow: StringBuilder,
    encoding: StringBuilder,
    layout: StringBuilder,
    sha256: StringBuilder,
    bytes: Int64Builder,
    read: Int64Builder,
    loaded: Int64Builder,
    rejected: Int64Builder,
    first: Date32Builder,
    last: Date32Builder,
}

impl IngestLog {
    fn push(&mut self, r: LogRow<'_>) {
        self.file.append_value(r.file);
        self.source.append_value(r.source);
        self.flow.append_option(r.flow);
        self.encoding.append_value(r.encoding);
        self.layout.append_value(r.layout);
        self.sha256.append_value(r.sha256);
        self.bytes.append_value(r.bytes as i64);
        self.read.append_value(r.read as i64);
        self.loaded.append_value(r.loaded as i64);
        self.rejected.append_value(r.rejected as i64);
        self.first.append_option(r.periods.map(|p| p.0));
        self.last.append_option(r.periods.map(|p| p.1));
    }

    fn finish(mut self) -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_new(
            INGEST_LOG.clone(),
            vec![
                Arc::new(self.file.finish()),
                Arc::new(self.source.finish()),
                Arc::new(self.flow.finish()),
                Arc::new(self.encoding.finish()),
                Arc::new(self.layout.finish()),
                Arc::new(self.sha256.finish()),
                Arc::new(self.bytes.finish()),
                Arc::new(self.read.finish()),
                Arc::new(self.loaded.finish()),
                Arc::new(self.rejected.finish()),
                Arc::new(self.first.finish()),
                Arc::new(self.last.finish()),
            ],
        )
    }
}
