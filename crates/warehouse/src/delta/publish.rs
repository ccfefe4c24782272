//! From a run's staged folder to the changes it commits: the staged files of each table are
//! named by their content, moved (a folder) or uploaded (S3) into the table, and set
//! against the files they replace. A file whose content is already in the table is neither
//! written nor replaced, so a table or partition that came out the same changes nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use deltalake_core::kernel::{Add, Remove};
use object_store::ObjectStoreExt;
use object_store::buffered::BufWriter;
use object_store::path::Path as StorePath;
use parquet::arrow::arrow_reader::ArrowReaderMetadata;
use rareflow_normalize::TableDef;
use tokio::io::AsyncWriteExt;

use super::files::now_ms;
use super::{DeltaWarehouse, PinnedRun, TableChange, add_for_file};
use crate::error::WarehouseError;

/// What a run staged, and what it replaces.
pub struct StagedRun<'a> {
    /// The staged folder: one folder per table (Hive partitions inside); folders whose
    /// name starts with `.` are the run's own.
    pub dir: &'a Path,
    /// The tables as the run left them before, if any run did.
    pub previous: Option<&'a PinnedRun>,
    /// Partitions (`year`, `month`) of partitioned tables the run rewrote: their previous
    /// files are replaced by the staged ones (none staged: the partition is gone).
    pub rewritten: &'a BTreeSet<(i32, i32)>,
    /// The declared tables (schemas, partition columns).
    pub tables: &'a [TableDef],
}

/// What publishing a staged run did, table by table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Published {
    /// Table to (files added, files removed, bytes written).
    pub tables: BTreeMap<String, (usize, usize, u64)>,
}

impl DeltaWarehouse {
    /// Moves or uploads the staged files into their tables and returns the changes to
    /// commit (tables that came out the same are left out), with what was written.
    pub async fn stage_changes(
        &self,
        staged: &StagedRun<'_>,
    ) -> Result<(Vec<TableChange>, Published), WarehouseError> {
        let mut changes = Vec::new();
        let mut published = Published::default();
        for name in staged_tables(staged.dir)? {
            let def = staged.tables.iter().find(|t| t.name == name);
            let before = staged.previous.and_then(|p| p.table(&name));
            let files = staged_files(&staged.dir.join(&name))?;
            let partitioned = def.is_some_and(|d| !d.partitions.is_empty())
                || before.is_some_and(|t| !t.partition_columns.is_empty());
            let replaced: Vec<&super::ActiveFile> = before
                .map(|t| {
                    t.files
                        .iter()
                        .filter(|f| {
                            !partitioned || f.month().is_none_or(|m| staged.rewritten.contains(&m))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let there: HashMap<&str, &super::ActiveFile> =
                replaced.iter().map(|f| (f.path.as_str(), *f)).collect();
            let mut adds: Vec<Add> = Vec::new();
            let mut kept = BTreeSet::new();
            let mut schema: Option<SchemaRef> = None;
            let mut bytes = 0u64;
            for file in &files {
                let named = name_by_content(&file.local, &file.folders)?;
                if there.contains_key(named.relative.as_str())
                    && self.exists(&name, &named.relative).await?
                {
                    kept.insert(named.relative);
                    continue;
                }
                let (add, file_schema, size) = self.put_staged(&name, file, &named).await?;
                schema.get_or_insert(file_schema);
                bytes += size;
                adds.push(add);
            }
            let removes: Vec<Remove> = replaced
                .iter()
                .filter(|f| !kept.contains(&f.path))
                .map(|f| f.remove())
                .collect();
            if adds.is_empty() && removes.is_empty() {
                continue;
            }
            let partition_columns: Vec<String> = match (def, before) {
                (Some(d), _) if !d.partitions.is_empty() => {
                    d.partitions.iter().map(|p| (*p).to_owned()).collect()
                }
                (_, Some(t)) => t.partition_columns.clone(),
                _ => files
                    .first()
                    .map(|f| f.folders.iter().map(|(k, _)| k.clone()).collect())
                    .unwrap_or_default(),
            };
            let table_schema = match (def.and_then(|d| d.schema.clone()), before, schema) {
                (Some(declared), _, _) => declared,
                (None, Some(t), _) => t.schema.clone(),
                (None, None, Some(file_schema)) => {
                    with_partitions(&file_schema, &partition_columns)
                }
                (None, None, None) => continue,
            };
            published
                .tables
                .insert(name.clone(), (adds.len(), removes.len(), bytes));
            changes.push(TableChange {
                table: name,
                schema: table_schema,
                partition_columns,
                adds,
                removes,
            });
        }
        Ok((changes, published))
    }

    /// Writes one staged file into its table under its content name: a rename on a folder
    /// (the staged folder is on the same file system), a streamed upload on S3. Returns its
    /// `add` (statistics from the footer), its schema and size.
    async fn put_staged(
        &self,
        table: &str,
        file: &StagedFile,
        named: &Named,
    ) -> Result<(Add, SchemaRef, u64), WarehouseError> {
        let local = &file.local;
        let meta = {
            let f = fs::File::open(local).map_err(WarehouseError::io("open", local))?;
            ArrowReaderMetadata::load(&f, Default::default())
                .map_err(WarehouseError::parquet(local))?
        };
        let size = fs::metadata(local)
            .map_err(WarehouseError::io("read size", local))?
            .len();
        let location = StorePath::from(format!("{table}/{}", named.relative));
        match self.root().to_file_path() {
            Ok(root) if self.root().scheme() == "file" => {
                let target = root.join(table).join(&named.relative);
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent)
                        .map_err(WarehouseError::io("create folder", parent))?;
                }
                fs::rename(local, &target)
                    .map_err(WarehouseError::io("move into the table", local))?;
            }
            _ => self.upload(local, &location).await?,
        }
        let values: HashMap<String, Option<String>> = file
            .folders
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect();
        let add = add_for_file(
            &named.relative,
            size as i64,
            now_ms(),
            values,
            meta.schema(),
            meta.metadata(),
        );
        Ok((add, meta.schema().clone(), size))
    }

    /// Whether a file the log names is there (a missing one is written again).
    async fn exists(&self, table: &str, relative: &str) -> Result<bool, WarehouseError> {
        let location = StorePath::from(format!("{table}/{relative}"));
        match self.store().head(&location).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => {
                tracing::warn!(file = %location, "a file the log names is missing: writing it again");
                Ok(false)
            }
            Err(source) => Err(WarehouseError::ObjectStore {
                action: "look for",
                url: format!("{}{location}", self.root()),
                source,
            }),
        }
    }

    /// Streams a local file to `location` (multipart for large files).
    async fn upload(&self, local: &Path, location: &StorePath) -> Result<(), WarehouseError> {
        let url = format!("{}{location}", self.root());
        let mut writer = BufWriter::new(self.store(), location.clone());
        let mut f = tokio::fs::File::open(local)
            .await
            .map_err(WarehouseError::io("open", local))?;
        let copied = tokio::io::copy(&mut f, &mut writer).await;
        let finished = match copied {
            Ok(_) => writer.shutdown().await,
            Err(e) => {
                let _ = writer.abort().await;
                Err(e)
            }
        };
        finished.map_err(|e| WarehouseError::ObjectStore {
            action: "upload",
            url,
            source: object_store::Error::Generic {
                store: "S3",
                source: Box::new(e),
            },
        })
    }
}

/// A file the run staged, with its partition folders (`year=2025` as `("year", "2025")`).
struct StagedFile {
    local: PathBuf,
    folders: Vec<(String, String)>,
}

/// A staged file's name in its table: `<stem>-<content hash>.parquet` (XXH3-128 of its
/// bytes), under its folders.
struct Named {
    relative: String,
}

fn name_by_content(local: &Path, folders: &[(String, String)]) -> Result<Named, WarehouseError> {
    let mut hasher = twox_hash::xxhash3_128::Hasher::new();
    let mut f = fs::File::open(local).map_err(WarehouseError::io("open", local))?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(WarehouseError::io("read", local))?;
        if n == 0 {
            break;
        }
        hasher.write(&buf[..n]);
    }
    let hash = format!("{:032x}", hasher.finish_128());
    let stem = local
        .file_stem()
        .map_or_else(|| "part".into(), |s| s.to_string_lossy());
    let folder: String = folders.iter().map(|(k, v)| format!("{k}={v}/")).collect();
    Ok(Named {
        relative: format!("{folder}{stem}-{hash}.parquet"),
    })
}

/// The table folders of a staged run, sorted.
fn staged_tables(dir: &Path) -> Result<Vec<String>, WarehouseError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(WarehouseError::io("list", dir))? {
        let entry = entry.map_err(WarehouseError::io("list", dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && entry.path().is_dir() {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

/// Every Parquet file under a staged table folder, with its `k=v` folders, sorted.
fn staged_files(table_dir: &Path) -> Result<Vec<StagedFile>, WarehouseError> {
    fn walk(
        dir: &Path,
        folders: &[(String, String)],
        out: &mut Vec<StagedFile>,
    ) -> Result<(), WarehouseError> {
        let mut entries = Vec::new();
        for entry in fs::read_dir(dir).map_err(WarehouseError::io("list", dir))? {
            entries.push(entry.map_err(WarehouseError::io("list", dir))?.path());
        }
        entries.sort();
        for path in entries {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                if let Some((k, v)) = name.split_once('=') {
                    let mut inner = folders.to_vec();
                    inner.push((k.to_owned(), v.to_owned()));
                    walk(&path, &inner, out)?;
                }
            } else if name.ends_with(".parquet") {
                out.push(StagedFile {
                    local: path,
                    folders: folders.to_vec(),
                });
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(table_dir, &[], &mut out)?;
    Ok(out)
}

/// A file schema with partition columns after it (as strings: tables without a declared
/// schema).
fn with_partitions(file_schema: &Schema, partitions: &[String]) -> SchemaRef {
    let mut fields: Vec<Field> = file_schema
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    for p in partitions {
        fields.push(Field::new(p, DataType::Utf8, true));
    }
    Arc::new(Schema::new(fields))
}
