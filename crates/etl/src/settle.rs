//! Settling `trade_flows` partition by partition into the staged tables: only the
//! partitions that changed are staged (the others stay in the tables as they are); each
//! gets the previous rows of unchanged files plus the new rows, and where two releases
//! report the same figure (same key), the later one is current and the earlier moves to
//! `trade_flows_superseded`.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use arrow::array::{Array, BooleanArray, RecordBatch, StringArray};
use arrow::compute::filter_record_batch;
use rareflow_normalize::schema::TRADE_FLOWS_KEY;
use rareflow_warehouse::merge::{
    keep_files, keys_repeat_across_releases, list_partitions, partition_dir, read_dir_batches,
    supersede,
};
use rareflow_warehouse::{TableWriter, WarehouseError};
use rayon::prelude::*;

use crate::error::EtlError;
use crate::hooks::Hooks;

const CURRENT: &str = "trade_flows";
const SUPERSEDED: &str = "trade_flows_superseded";

/// What settling needs to know.
pub(crate) struct Settle<'a> {
    /// What settling reads of the previous run (its rewritten partitions), if anything.
    pub(crate) previous: Option<&'a Path>,
    /// Where this run's new rows were written, partitioned.
    pub(crate) incoming: &'a Path,
    /// The staged tables.
    pub(crate) staged: &'a Path,
    /// Partitions that gained or lost rows.
    pub(crate) dirty: &'a BTreeSet<(i32, i32)>,
    /// Unchanged files whose previous rows stay.
    pub(crate) kept: &'a HashSet<String>,
    /// Files skipped mid-way (`--keep-going`): their rows already written are dropped.
    pub(crate) dropped: &'a HashSet<String>,
    /// Partitions where two releases of this run may report the same figure (the others
    /// cannot: their files are moved without reading them back).
    pub(crate) may_share_keys: &'a BTreeSet<(i32, i32)>,
    pub(crate) hooks: &'a Hooks,
}

impl Settle<'_> {
    /// Builds the rewritten partitions of `trade_flows` and `trade_flows_superseded`.
    pub(crate) fn run(&self) -> Result<(), EtlError> {
        for table in [CURRENT, SUPERSEDED] {
            let dir = self.staged.join(table);
            std::fs::create_dir_all(&dir).map_err(WarehouseError::io("create folder", &dir))?;
        }
        let mut partitions = list_partitions(self.incoming)?;
        if let Some(prev) = self.previous {
            partitions.extend(list_partitions(&prev.join(CURRENT))?);
            partitions.extend(list_partitions(&prev.join(SUPERSEDED))?);
        }
        let repeats = self.repeated_keys()?;
        for p in partitions {
            self.hooks.point("settle-partition");
            self.partition(p, &repeats)?;
        }
        let _ = std::fs::remove_dir_all(self.incoming);
        Ok(())
    }

    /// The partitions of this run's rows where two releases report the same figure: only
    /// they need rewriting. Checked on every core (it reads the key columns back).
    fn repeated_keys(&self) -> Result<BTreeSet<(i32, i32)>, EtlError> {
        let checked = self
            .may_share_keys
            .par_iter()
            .map(|&p| {
                let dir = partition_dir(self.incoming, p);
                Ok((p, keys_repeat_across_releases(&dir, &TRADE_FLOWS_KEY)?))
            })
            .collect::<Result<Vec<_>, EtlError>>()?;
        Ok(checked
            .into_iter()
            .filter_map(|(p, repeats)| repeats.then_some(p))
            .collect())
    }

    fn partition(&self, p: (i32, i32), repeats: &BTreeSet<(i32, i32)>) -> Result<(), EtlError> {
        let to_current = partition_dir(&self.staged.join(CURRENT), p);
        let to_superseded = partition_dir(&self.staged.join(SUPERSEDED), p);
        if self.previous.is_some() && !self.dirty.contains(&p) {
            // Unchanged: it stays in the tables as it is.
            return Ok(());
        }
        let mut batches = Vec::new();
        if let Some(prev) = self.previous {
            for table in [CURRENT, SUPERSEDED] {
                let dir = partition_dir(&prev.join(table), p);
                batches.extend(keep_files(read_dir_batches(&dir)?, self.kept)?);
            }
        }
        let new_dir = partition_dir(self.incoming, p);
        if batches.is_empty() && !new_dir.is_dir() {
            // Every file that reported this month is gone: so is the partition.
            return Ok(());
        }
        if batches.is_empty() && self.dropped.is_empty() && !repeats.contains(&p) {
            // The common case: only new rows, no figure reported twice: move them.
            return move_files(&new_dir, &to_current);
        }
        batches.extend(drop_files(read_dir_batches(&new_dir)?, self.dropped)?);
        let (current, superseded) = supersede(&batches, &TRADE_FLOWS_KEY)?;
        write_partition(&to_current, &current)?;
        write_partition(&to_superseded, &superseded)?;
        Ok(())
    }
}

fn move_files(from_dir: &Path, to_dir: &Path) -> Result<(), EtlError> {
    std::fs::create_dir_all(to_dir).map_err(WarehouseError::io("create folder", to_dir))?;
    for entry in std::fs::read_dir(from_dir).map_err(WarehouseError::io("list", from_dir))? {
        let from = entry.map_err(WarehouseError::io("list", from_dir))?.path();
        let to = to_dir.join(from.file_name().unwrap_or_default());
        std::fs::rename(&from, &to).map_err(WarehouseError::io("move", &from))?;
    }
    Ok(())
}

/// Drops the rows whose `source_file` is in `dropped`.
pub(crate) fn drop_files(
    batches: Vec<RecordBatch>,
    dropped: &HashSet<String>,
) -> Result<Vec<RecordBatch>, EtlError> {
    if dropped.is_empty() {
        return Ok(batches);
    }
    let mut out = Vec::with_capacity(batches.len());
    for b in batches {
        let files = b
            .column_by_name("source_file")
            .and_then(|c| c.as_any().downcast_ref::<StringArray>())
            .ok_or_else(|| WarehouseError::Column {
                place: "trade_flows (rows of this run)".to_owned(),
                column: "source_file".to_owned(),
                expected: "Utf8".to_owned(),
                found: "missing or another type".to_owned(),
            })?;
        let mask: BooleanArray = (0..b.num_rows())
            .map(|i| Some(files.is_null(i) || !dropped.contains(files.value(i))))
            .collect();
        let kept = filter_record_batch(&b, &mask)?;
        if kept.num_rows() > 0 {
            out.push(kept);
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
