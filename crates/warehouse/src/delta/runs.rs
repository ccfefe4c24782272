//! The run record: written last, after every table of a run is committed, naming the Delta
//! version of each table the run produced. Readers pin to the newest record, so a query
//! never sees half a run. Each record is its own object, `_rareflow/runs/<run id>.json`,
//! created with a conditional put: two runs cannot record the same id, and a record whose
//! response was lost is found there by the next look.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::TryStreamExt;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions};
use serde_json::{Value, json};

use super::DeltaWarehouse;
use crate::error::WarehouseError;

const RUNS: &str = "_rareflow/runs";

/// What one run left: the version of each table it produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// The run's id: increasing, the version of its application transactions.
    pub run_id: i64,
    /// When the run finished, UTC microseconds.
    pub finished_at: i64,
    /// Table name to Delta version.
    pub versions: BTreeMap<String, i64>,
}

impl RunRecord {
    fn to_json(&self) -> Vec<u8> {
        json!({
            "run_id": self.run_id,
            "finished_at_us": self.finished_at,
            "tables": self.versions,
        })
        .to_string()
        .into_bytes()
    }

    fn from_json(bytes: &[u8], place: &str) -> Result<RunRecord, WarehouseError> {
        let bad = |what: &str| WarehouseError::Column {
            place: place.to_owned(),
            column: what.to_owned(),
            expected: "a run record written by rareflow-etl".to_owned(),
            found: String::from_utf8_lossy(bytes).chars().take(200).collect(),
        };
        let v: Value = serde_json::from_slice(bytes).map_err(|_| bad("JSON"))?;
        let versions = v["tables"]
            .as_object()
            .ok_or_else(|| bad("tables"))?
            .iter()
            .map(|(k, v)| v.as_i64().map(|v| (k.clone(), v)).ok_or_else(|| bad(k)))
            .collect::<Result<_, _>>()?;
        Ok(RunRecord {
            run_id: v["run_id"].as_i64().ok_or_else(|| bad("run_id"))?,
            finished_at: v["finished_at_us"]
                .as_i64()
                .ok_or_else(|| bad("finished_at_us"))?,
            versions,
        })
    }
}

fn record_path(run_id: i64) -> StorePath {
    StorePath::from(format!("{RUNS}/{run_id:020}.json"))
}

impl DeltaWarehouse {
    /// Records a run. A record of the same id that is already there (this run's own,
    /// whose answer was lost) is accepted when it says the same; another run's is an error.
    pub async fn record_run(&self, record: &RunRecord) -> Result<(), WarehouseError> {
        let store = self.store();
        let path = record_path(record.run_id);
        let put = store
            .put_opts(
                &path,
                record.to_json().into(),
                PutOptions::from(PutMode::Create),
            )
            .await;
        match put {
            Ok(_) => Ok(()),
            Err(object_store::Error::AlreadyExists { .. }) => {
                let there = self.read_record(&store, &path).await?;
                if there.versions == record.versions {
                    Ok(())
                } else {
                    Err(WarehouseError::PublishedFirst {
                        url: format!("{}{path}", self.root()),
                    })
                }
            }
            Err(e) => Err(WarehouseError::ObjectStore {
                action: "record the run",
                url: format!("{}{path}", self.root()),
                source: e,
            }),
        }
    }

    async fn read_record(
        &self,
        store: &Arc<dyn ObjectStore>,
        path: &StorePath,
    ) -> Result<RunRecord, WarehouseError> {
        let store_error = |e| WarehouseError::ObjectStore {
            action: "read the run record",
            url: format!("{}{path}", self.root()),
            source: e,
        };
        let bytes = store
            .get(path)
            .await
            .map_err(store_error)?
            .bytes()
            .await
            .map_err(store_error)?;
        RunRecord::from_json(&bytes, path.as_ref())
    }

    /// Every recorded run, oldest first.
    pub async fn runs(&self) -> Result<Vec<RunRecord>, WarehouseError> {
        let store = self.store();
        let prefix = StorePath::from(RUNS);
        let listed: Vec<_> = store.list(Some(&prefix)).try_collect().await.map_err(|e| {
            WarehouseError::ObjectStore {
                action: "list runs",
                url: format!("{}{prefix}", self.root()),
                source: e,
            }
        })?;
        let mut paths: Vec<StorePath> = listed
            .into_iter()
            .map(|m| m.location)
            .filter(|p| p.as_ref().ends_with(".json"))
            .collect();
        paths.sort_by(|a, b| a.as_ref().cmp(b.as_ref()));
        let mut out = Vec::with_capacity(paths.len());
        for p in &paths {
            out.push(self.read_record(&store, p).await?);
        }
        Ok(out)
    }

    /// The newest recorded run: the versions readers open.
    pub async fn newest_run(&self) -> Result<Option<RunRecord>, WarehouseError> {
        Ok(self.runs().await?.pop())
    }
}
