//! Loading one raw file through its source.
//!
//! Three stages on their own threads, joined by bounded channels so memory stays bounded:
//! the source's reader (I/O, decoding, hashing) hands out pieces of work in file order,
//! workers run them (parse, normalize, split by partition) on every core, and the calling
//! thread puts the results back in file order (so a run is reproducible) and writes them.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use arrow::array::RecordBatch;
use rareflow_normalize::source::{
    Gatherer, Normalized, Source, SourceFile, Work, WorkSink, widen_periods,
};
use rareflow_normalize::{FileFacts, Reference, Release};
use rareflow_warehouse::{PartitionAppender, PartitionLayout, PartitionRows, TableWriter};

use crate::discover::RawFile;
use crate::error::EtlError;
use crate::hooks::Hooks;
use crate::summary::Progress;

/// Where a run's rows go.
pub(crate) struct Sinks {
    pub(crate) flows: PartitionAppender,
    pub(crate) annual: TableWriter,
    pub(crate) rejects: TableWriter,
    /// Per source name, the gatherer of sources that build tables from all their files.
    pub(crate) gatherers: HashMap<&'static str, Box<dyn Gatherer>>,
}

/// What loading one file produced.
pub(crate) struct Loaded {
    pub(crate) facts: FileFacts,
    pub(crate) read: u64,
    pub(crate) loaded: u64,
    pub(crate) rejected: u64,
    pub(crate) rows_without_usd: u64,
    pub(crate) periods: Option<(i32, i32)>,
    /// What the file gave its source's gatherer: handed over only once the whole file has
    /// been read, so a file skipped mid-way leaves nothing behind.
    pub(crate) gathered: Vec<RecordBatch>,
}

/// A worker's result: the normalized piece with its monthly rows split by partition.
struct Done {
    seq: u64,
    normalized: Normalized,
    parts: Vec<PartitionRows>,
}

/// Hands the source's pieces to the workers, numbered in file order.
struct ChannelSink<'p> {
    tx: SyncSender<(u64, Work)>,
    next: u64,
    progress: &'p dyn Progress,
    reported: u64,
}

impl WorkSink for ChannelSink<'_> {
    fn send(&mut self, work: Work) -> bool {
        let seq = self.next;
        self.next += 1;
        self.tx.send((seq, work)).is_ok()
    }

    fn progress(&mut self, bytes_read: u64) {
        self.progress
            .advance(bytes_read.saturating_sub(self.reported));
        self.reported = self.reported.max(bytes_read);
    }
}

/// Everything one file load needs from the run.
pub(crate) struct LoadContext<'a> {
    pub(crate) reference: &'a Arc<Reference>,
    pub(crate) layout: &'a PartitionLayout,
    pub(crate) threads: usize,
    pub(crate) chunk_bytes: usize,
    pub(crate) progress: &'a dyn Progress,
    pub(crate) hooks: &'a Hooks,
    /// Keep only what the source gathers (an unchanged file read again for its gatherer):
    /// its rows in the other tables come from the previous snapshot.
    pub(crate) gather_only: bool,
}

/// Runs pieces until the channel closes. A piece that panics (a bug) becomes an error
/// for its file instead of taking the process down; the worker goes on with the next.
fn worker(
    rx: &Mutex<Receiver<(u64, Work)>>,
    tx: &SyncSender<Result<Done, EtlError>>,
    layout: &PartitionLayout,
    file: &str,
    hooks: &Hooks,
) {
    loop {
        let next = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((seq, work)) = next else { return };
        let run = AssertUnwindSafe(|| {
            hooks.point("in-piece");
            work()
        });
        let result = match std::panic::catch_unwind(run) {
            Ok(result) => result.map_err(EtlError::from),
            Err(panic) => Err(EtlError::Panicked {
                file: file.to_owned(),
                message: panic_message(panic.as_ref()),
            }),
        };
        let result = result.and_then(|mut normalized| {
            let parts = layout.split(&normalized.flows)?;
            // The parts hold the rows now: free the batch.
            normalized.flows = RecordBatch::new_empty(normalized.flows.schema());
            Ok(Done {
                seq,
                normalized,
                parts,
            })
        });
        if tx.send(result).is_err() {
            return;
        }
    }
}

/// The text a panic was raised with.
fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// Reads `file` with `source` and writes its rows to `sinks`.
pub(crate) fn load_file(
    source: &dyn Source,
    file: &RawFile,
    release: Release,
    cx: &LoadContext<'_>,
    sinks: &mut Sinks,
) -> Result<Loaded, EtlError> {
    let threads = cx.threads.max(1);
    let source_file = SourceFile {
        path: &file.path,
        relative: &file.relative,
        release,
        reference: cx.reference,
        chunk_bytes: cx.chunk_bytes,
    };
    let mut loaded = Loaded {
        facts: FileFacts::default(),
        read: 0,
        loaded: 0,
        rejected: 0,
        rows_without_usd: 0,
        periods: None,
        gathered: Vec::new(),
    };
    std::thread::scope(|scope| -> Result<(), EtlError> {
        let (work_tx, work_rx) = sync_channel::<(u64, Work)>(threads * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = sync_channel::<Result<Done, EtlError>>(threads * 2);
        let mut sink = ChannelSink {
            tx: work_tx,
            next: 0,
            progress: cx.progress,
            reported: 0,
        };
        let reader = scope.spawn(move || {
            let facts = source.read(&source_file, &mut sink);
            sink.progress(file.bytes);
            (facts, sink.next)
        });
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (rx, tx, layout) = (Arc::clone(&work_rx), done_tx.clone(), cx.layout);
                let (name, hooks) = (file.relative.as_str(), cx.hooks);
                scope.spawn(move || worker(&rx, &tx, layout, name, hooks))
            })
            .collect();
        drop((done_tx, work_rx));

        // Put pieces back in file order, then write. On the first error, stop taking
        // results: dropping the receiver ends the workers, which ends the reader.
        let mut waiting: BTreeMap<u64, Done> = BTreeMap::new();
        let mut next = 0u64;
        let outcome = (|| -> Result<(), EtlError> {
            for result in done_rx {
                let done = result?;
                waiting.insert(done.seq, done);
                while let Some(done) = waiting.remove(&next) {
                    next += 1;
                    write_piece(done, sinks, &mut loaded, cx.gather_only)?;
                    cx.hooks.point("after-chunk");
                }
            }
            Ok(())
        })();
        // Every thread is joined here, so a panic is an error for this file, never an
        // abort of the run (`thread::scope` would re-raise it).
        let panicked = |panic: Box<dyn Any + Send>| EtlError::Panicked {
            file: file.relative.clone(),
            message: panic_message(panic.as_ref()),
        };
        let mut worker_panic = None;
        for w in workers {
            if let Err(panic) = w.join() {
                worker_panic.get_or_insert_with(|| panicked(panic));
            }
        }
        let (facts, handed_out) = reader.join().map_err(panicked)?;
        outcome?;
        if let Some(e) = worker_panic {
            return Err(e);
        }
        loaded.facts = facts?;
        if next != handed_out || !waiting.is_empty() {
            return Err(EtlError::PiecesLost {
                file: file.relative.clone(),
                handed_out,
                came_back: next,
            });
        }
        Ok(())
    })?;
    Ok(loaded)
}

fn write_piece(
    done: Done,
    sinks: &mut Sinks,
    loaded: &mut Loaded,
    gather_only: bool,
) -> Result<(), EtlError> {
    let Done {
        normalized: n,
        parts,
        ..
    } = done;
    loaded.read += n.rows_read;
    loaded.loaded += parts.iter().map(|p| p.rows as u64).sum::<u64>()
        + n.annual.num_rows() as u64
        + n.rows_gathered;
    loaded.rejected += n.rejects.num_rows() as u64;
    loaded.rows_without_usd += n.rows_without_usd;
    if let Some(range) = n.periods {
        widen_periods(&mut loaded.periods, range);
    }
    loaded.gathered.extend(n.gathered);
    if gather_only {
        return Ok(());
    }
    sinks.flows.append_all(parts)?;
    if n.annual.num_rows() > 0 {
        sinks.annual.write(&n.annual)?;
    }
    if n.rejects.num_rows() > 0 {
        sinks.rejects.write(&n.rejects)?;
    }
    Ok(())
}
