//! Grouping records read one at a time (by a push-style reader: Census, Comext, Comtrade)
//! into pieces of work, each normalized on a worker into an [`Output`].

use std::sync::Arc;

use crate::output::Output;
use crate::piece::PieceError;
use crate::reference::Reference;
use crate::source::{Normalized, SourceFile, WorkSink};

/// Records per piece of work for sources read record by record.
pub const RECORDS_PER_WORK: usize = 16 * 1024;

/// Groups records read one at a time (by a push-style reader) into pieces of work of
/// [`RECORDS_PER_WORK`] records, each normalized on a worker by `normalize`.
pub struct RecordBatcher<'s, R> {
    sink: &'s mut dyn WorkSink,
    pending: Vec<R>,
    normalize: Arc<dyn Fn(Vec<R>) -> Result<Normalized, PieceError> + Send + Sync>,
    stopped: bool,
}

impl<'s, R: Send + 'static> RecordBatcher<'s, R> {
    /// A batcher handing work to `sink`.
    pub fn new(
        sink: &'s mut dyn WorkSink,
        normalize: impl Fn(Vec<R>) -> Result<Normalized, PieceError> + Send + Sync + 'static,
    ) -> Self {
        RecordBatcher {
            sink,
            pending: Vec::with_capacity(RECORDS_PER_WORK),
            normalize: Arc::new(normalize),
            stopped: false,
        }
    }

    /// A batcher for one file whose pieces are normalized record by record with `push`
    /// (given the reference tables and the file's `source_file`): the shape every push-style
    /// source shares.
    pub fn for_file(
        sink: &'s mut dyn WorkSink,
        file: &SourceFile<'_>,
        push: fn(&Reference, &str, &mut Output, R),
    ) -> Self {
        let (reference, source_file, release) = (
            Arc::clone(file.reference),
            Arc::<str>::from(file.relative),
            file.release,
        );
        RecordBatcher::new(sink, move |records: Vec<R>| {
            let mut out = Output::new(release, RECORDS_PER_WORK);
            for r in records {
                push(&reference, &source_file, &mut out, r);
            }
            out.finish().map_err(PieceError::in_file(&source_file))
        })
    }

    /// Adds a record; sends a piece of work when enough are pending.
    pub fn push(&mut self, record: R) {
        self.pending.push(record);
        if self.pending.len() >= RECORDS_PER_WORK {
            self.flush();
        }
    }

    /// Reports progress.
    pub fn progress(&mut self, bytes_read: u64) {
        self.sink.progress(bytes_read);
    }

    fn flush(&mut self) {
        if self.pending.is_empty() || self.stopped {
            self.pending.clear();
            return;
        }
        let records = std::mem::replace(&mut self.pending, Vec::with_capacity(RECORDS_PER_WORK));
        let normalize = Arc::clone(&self.normalize);
        self.stopped = !self.sink.send(Box::new(move || normalize(records)));
    }

    /// Sends what is pending.
    pub fn finish(mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Work;

    struct Collect(Vec<Work>);
    impl WorkSink for Collect {
        fn send(&mut self, work: Work) -> bool {
            self.0.push(work);
            true
        }
        fn progress(&mut self, _: u64) {}
    }

    #[test]
    fn batcher_splits_records_into_pieces_and_keeps_all() {
        let mut sink = Collect(Vec::new());
        let mut b = RecordBatcher::new(&mut sink, |records: Vec<u64>| {
            let mut n = Normalized::empty();
            n.rows_read = records.len() as u64;
            Ok(n)
        });
        for i in 0..(RECORDS_PER_WORK as u64 * 2 + 5) {
            b.push(i);
        }
        b.finish();
        let counts: Vec<u64> = sink.0.into_iter().map(|w| w().unwrap().rows_read).collect();
        assert_eq!(counts, vec![16_384, 16_384, 5]);
    }
}
