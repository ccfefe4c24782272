//! Writing the partitioned `trade_flows` table, with row groups that do not depend on the
//! order of the input.
//!
//! Two steps, so that the pipeline keeps its shape: parse workers call
//! [`PartitionLayout::split`] on their batch (any thread: it cuts the batch by (year, month)
//! partition and drops the partition columns), and the single writer hands the parts, in
//! file order, to [`PartitionAppender::append`].
//!
//! The appender keeps one open row group per partition and encodes each part into it as
//! it arrives (dictionaries, compressed pages): what it holds per buffered row is the
//! encoded size, a few tens of bytes, not the Arrow batch. A row group is closed and
//! appended to the partition's file when it reaches [`TARGET_ROWS`] rows, or, when the open
//! row groups together hold more than the memory budget ([`MEMORY_BUDGET`]), the largest
//! is closed first; so is the group of a partition that received nothing while
//! [`TARGET_ROWS`] rows went to others (input sorted by month keeps one group open, not one
//! per month seen). Input with its months interleaved row by row therefore gives the same
//! row groups as input sorted by month: [`TARGET_ROWS`]-row groups, the last one of each
//! partition shorter. Rows keep their file order within a partition. Everything is decided
//! on the writer's thread from the data alone, so two runs write the same bytes; only the
//! encoding itself runs on every core, one column per task.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use parquet::arrow::arrow_writer::{ArrowColumnWriter, ArrowLeafColumn, compute_leaves};
use parquet::errors::ParquetError;
use parquet::file::writer::SerializedFileWriter;
use rayon::prelude::*;

use crate::error::WarehouseError;
use crate::footprint::Footprints;
pub use crate::split::{PartitionLayout, PartitionRows};

/// Rows per row group of a partition (the last row group of each partition is shorter).
pub const TARGET_ROWS: usize = 128 * 1024;

/// Memory the open row groups may hold together (encoded pages, dictionaries and the
/// values of unfinished pages) before the largest is closed early.
pub const MEMORY_BUDGET: usize = 128 << 20;

/// One column of one partition's open row group, and the rows to encode into it.
type ColumnTask<'a> = ((i32, i32), &'a mut ArrowColumnWriter, ArrowLeafColumn);

/// A partition file being written.
type FileWriter = SerializedFileWriter<BufWriter<File>>;

/// One partition: its file, and the row group being filled.
struct OpenPartition {
    path: PathBuf,
    file: FileWriter,
    /// Column writers of the open row group; empty when none is open.
    group: Vec<ArrowColumnWriter>,
    group_rows: usize,
    /// Row groups already appended to the file.
    row_groups: usize,
    /// Memory held by `group`, as last measured.
    memory: usize,
    /// Rows appended to the whole table when this partition last received rows.
    last_rows: u64,
}

/// Writes `DIR/year=Y/month=M/part-00000.parquet`, one file per partition, in
/// [`TARGET_ROWS`]-row groups whatever the order of the input (see the module docs).
pub struct PartitionAppender {
    dir: PathBuf,
    layout: PartitionLayout,
    open: BTreeMap<(i32, i32), OpenPartition>,
    target_rows: usize,
    budget: usize,
    /// Sum of `memory` over the open partitions.
    memory: usize,
    /// The largest `memory` seen.
    peak_memory: usize,
    rows: u64,
    touched: BTreeSet<(i32, i32)>,
    footprints: Footprints,
}

impl std::fmt::Debug for PartitionAppender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartitionAppender")
            .field("dir", &self.dir)
            .field("partitions", &self.open.len())
            .field("rows", &self.rows)
            .field("memory", &self.memory)
            .finish()
    }
}

impl PartitionAppender {
    /// An appender writing under `dir`, with [`TARGET_ROWS`] and [`MEMORY_BUDGET`].
    pub fn new(dir: &Path, layout: PartitionLayout) -> Result<PartitionAppender, WarehouseError> {
        fs::create_dir_all(dir).map_err(WarehouseError::io("create folder", dir))?;
        Ok(PartitionAppender {
            dir: dir.to_owned(),
            open: BTreeMap::new(),
            target_rows: TARGET_ROWS,
            budget: MEMORY_BUDGET,
            memory: 0,
            peak_memory: 0,
            rows: 0,
            touched: BTreeSet::new(),
            footprints: Footprints::new(&layout.footprint),
            layout,
        })
    }

    /// Sets the rows per row group (at least 1) and the memory budget of the open row
    /// groups, in bytes.
    pub fn with_limits(mut self, target_rows: usize, budget: usize) -> PartitionAppender {
        self.target_rows = target_rows.max(1);
        self.budget = budget;
        self
    }

    /// Row groups being filled (partitions with rows not yet in a closed row group).
    pub fn open_row_groups(&self) -> usize {
        self.open.values().filter(|p| p.group_rows > 0).count()
    }

    /// The shared layout (for splitting on other threads).
    pub fn layout(&self) -> &PartitionLayout {
        &self.layout
    }

    /// Adds one part to its partition's open row group (see [`Self::append_all`]).
    pub fn append(&mut self, part: PartitionRows) -> Result<(), WarehouseError> {
        self.append_all(vec![part])
    }

    /// Adds the parts of one batch, as [`PartitionLayout::split`] gives them, to their
    /// partitions' open row groups, closing row groups that reach the target, the groups
    /// of partitions left idle and, over the memory budget, the largest open ones.
    ///
    /// The parts are encoded together, one task per column over every part, so that input
    /// with its months interleaved (many small parts) costs a few tasks per batch, not a
    /// few per part.
    pub fn append_all(&mut self, parts: Vec<PartitionRows>) -> Result<(), WarehouseError> {
        let mut pending = Vec::with_capacity(parts.len());
        let mut touched = Vec::with_capacity(parts.len());
        for PartitionRows {
            key,
            rows,
            batch,
            footprint,
        } in parts
        {
            if rows == 0 {
                continue;
            }
            self.footprints.add(key, &footprint);
            self.touched.insert(key);
            self.rows += rows as u64;
            if !self.open.contains_key(&key) {
                let opened = self.open_partition(key)?;
                self.open.insert(key, opened);
            }
            touched.push(key);
            pending.push((key, batch));
        }
        // Each round encodes, for every partition, what fits in its open row group; full
        // groups close between rounds. One round unless a part crosses a group boundary.
        while !pending.is_empty() {
            let mut now: Vec<((i32, i32), RecordBatch)> = Vec::with_capacity(pending.len());
            let mut later = Vec::new();
            for (key, batch) in pending {
                if now.iter().any(|(k, _)| *k == key) {
                    later.push((key, batch)); // one segment per partition and round
                    continue;
                }
                let room = self.target_rows - self.partition(key)?.group_rows;
                if batch.num_rows() > room {
                    later.push((key, batch.slice(room, batch.num_rows() - room)));
                    now.push((key, batch.slice(0, room)));
                } else {
                    now.push((key, batch));
                }
            }
            self.encode_all(&now)?;
            for (key, _) in &now {
                if self.partition(*key)?.group_rows >= self.target_rows {
                    self.close_group(*key)?;
                }
            }
            pending = later;
        }
        for key in touched {
            self.partition(key)?.last_rows = self.rows;
        }
        // A partition that got nothing while a whole row group's worth of rows went to
        // others is done for now (input sorted or grouped by month): close its group, so
        // that sorted input holds one open group, not one per month seen.
        let idle: Vec<(i32, i32)> = self
            .open
            .iter()
            .filter(|(_, p)| p.group_rows > 0 && self.rows - p.last_rows >= self.target_rows as u64)
            .map(|(k, _)| *k)
            .collect();
        for k in idle {
            self.close_group(k)?;
        }
        while self.memory > self.budget {
            let largest = self
                .open
                .iter()
                .filter(|(_, p)| p.group_rows > 0)
                .max_by_key(|(k, p)| (p.memory, std::cmp::Reverse(**k)))
                .map(|(k, _)| *k);
            match largest {
                Some(k) => self.close_group(k)?,
                None => break,
            }
        }
        Ok(())
    }

    /// Splits on this thread and appends (for sources read record by record).
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), WarehouseError> {
        let parts = self.layout.split(batch)?;
        self.append_all(parts)
    }

    /// Partitions where two releases may have reported the same figure (their ranges of
    /// `hs_code` and `partner_code` meet): only these need their keys checked when settling.
    pub fn may_share_keys(&self) -> BTreeSet<(i32, i32)> {
        self.footprints.may_share_keys()
    }

    /// The partitions that received rows since the last call.
    pub fn take_touched(&mut self) -> BTreeSet<(i32, i32)> {
        std::mem::take(&mut self.touched)
    }

    /// Closes the open row groups and every file; returns the rows written.
    pub fn finish(mut self) -> Result<u64, WarehouseError> {
        let keys: Vec<(i32, i32)> = self.open.keys().copied().collect();
        for key in keys {
            self.close_group(key)?;
        }
        let mut row_groups = 0;
        for (_, p) in std::mem::take(&mut self.open) {
            row_groups += p.row_groups;
            p.file.close().map_err(WarehouseError::parquet(&p.path))?;
        }
        tracing::debug!(
            rows = self.rows,
            row_groups,
            peak_memory = self.peak_memory,
            "partitioned table written"
        );
        Ok(self.rows)
    }

    fn partition(&mut self, key: (i32, i32)) -> Result<&mut OpenPartition, WarehouseError> {
        self.open
            .get_mut(&key)
            .ok_or_else(|| WarehouseError::Encode {
                partition: key,
                source: ParquetError::General("partition file is not open".to_owned()),
            })
    }

    fn open_partition(&self, key: (i32, i32)) -> Result<OpenPartition, WarehouseError> {
        let dir = crate::merge::partition_dir(&self.dir, key);
        fs::create_dir_all(&dir).map_err(WarehouseError::io("create folder", &dir))?;
        let path = dir.join("part-00000.parquet");
        let file = File::create(&path).map_err(WarehouseError::io("create file", &path))?;
        let file = SerializedFileWriter::new(
            BufWriter::with_capacity(1 << 20, file),
            self.layout.root.clone(),
            self.layout.props.clone(),
        )
        .map_err(WarehouseError::parquet(&path))?;
        Ok(OpenPartition {
            path,
            file,
            group: Vec::new(),
            group_rows: 0,
            row_groups: 0,
            memory: 0,
            last_rows: 0,
        })
    }

    /// Encodes each segment into its partition's open row group (opening groups as needed;
    /// at most one segment per partition): one task per column, each over every segment.
    fn encode_all(&mut self, segments: &[((i32, i32), RecordBatch)]) -> Result<(), WarehouseError> {
        let layout = self.layout.clone();
        let columns = layout.leaf_columns;
        let mut by_column: Vec<Vec<ColumnTask<'_>>> = (0..columns)
            .map(|_| Vec::with_capacity(segments.len()))
            .collect();
        for (key, p) in self.open.iter_mut() {
            let Some((_, batch)) = segments.iter().find(|(k, _)| k == key) else {
                continue;
            };
            let err = |source| WarehouseError::Encode {
                partition: *key,
                source,
            };
            if p.group.is_empty() {
                p.group = layout
                    .factory
                    .create_column_writers(p.row_groups)
                    .map_err(err)?;
            }
            let mut leaves = Vec::with_capacity(columns);
            for (array, field) in batch.columns().iter().zip(layout.file_schema.fields()) {
                leaves.extend(compute_leaves(field, array).map_err(err)?);
            }
            if leaves.len() != columns || p.group.len() != columns {
                return Err(err(ParquetError::General(format!(
                    "{} leaf columns for {} column writers",
                    leaves.len(),
                    p.group.len()
                ))));
            }
            for ((writer, leaf), tasks) in p.group.iter_mut().zip(leaves).zip(&mut by_column) {
                tasks.push((*key, writer, leaf));
            }
        }
        // Columns encode independently: on every core, whatever the order of the input.
        by_column.into_par_iter().try_for_each(|tasks| {
            tasks.into_iter().try_for_each(|(key, writer, leaf)| {
                writer
                    .write(&leaf)
                    .map_err(|source| WarehouseError::Encode {
                        partition: key,
                        source,
                    })
            })
        })?;
        for (key, batch) in segments {
            let p = self.partition(*key)?;
            p.group_rows += batch.num_rows();
            let before = p.memory;
            p.memory = p.group.iter().map(ArrowColumnWriter::memory_size).sum();
            let after = p.memory;
            self.memory = self.memory - before + after;
        }
        self.peak_memory = self.peak_memory.max(self.memory);
        Ok(())
    }

    /// Closes the partition's open row group, if any, and appends it to the file.
    fn close_group(&mut self, key: (i32, i32)) -> Result<(), WarehouseError> {
        let p = self.partition(key)?;
        if p.group.is_empty() {
            return Ok(());
        }
        let writers = std::mem::take(&mut p.group);
        let chunks = writers
            .into_par_iter()
            .map(ArrowColumnWriter::close)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| WarehouseError::Encode {
                partition: key,
                source,
            })?;
        let mut group = p
            .file
            .next_row_group()
            .map_err(WarehouseError::parquet(&p.path))?;
        for chunk in chunks {
            chunk
                .append_to_row_group(&mut group)
                .map_err(WarehouseError::parquet(&p.path))?;
        }
        group.close().map_err(WarehouseError::parquet(&p.path))?;
        p.row_groups += 1;
        p.group_rows = 0;
        let freed = std::mem::take(&mut p.memory);
        self.memory -= freed;
        Ok(())
    }
}

#[cfg(test)]
#[path = "parallel_tests.rs"]
mod tests;
