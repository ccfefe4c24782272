//! Runs on an `s3://` warehouse through a store the test watches (object_store's in-memory
//! store behind a wrapper that counts requests and can lose answers): the same code path
//! as a real bucket, without a server. What a run reads, what it writes, and what happens
//! when an answer is lost after the write took effect.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures::stream::BoxStream;
use object_store::memory::InMemory;
use object_store::path::Path as StorePath;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};
use rareflow_etl::{NoProgress, RunOptions, RunSummary};
use rareflow_query::QuerySession;
use rareflow_warehouse::S3Location;
use rareflow_warehouse::delta::DeltaWarehouse;

use crate::support::{raw_without_2026, repo, rows};

/// Counts reads and writes by path, and loses the answer of armed writes (each pattern
/// once: the write takes effect, then the call fails as a cut connection would).
#[derive(Debug, Default)]
struct Watched {
    inner: Arc<InMemory>,
    gets: Mutex<Vec<String>>,
    puts: Mutex<Vec<String>>,
    armed: Mutex<Vec<String>>,
    lost: Mutex<Vec<String>>,
}

impl Watched {
    fn arm(&self, pattern: &str) {
        self.armed.lock().unwrap().push(pattern.to_owned());
    }

    fn reset(&self) {
        self.gets.lock().unwrap().clear();
        self.puts.lock().unwrap().clear();
    }

    fn lose(&self, location: &StorePath) -> bool {
        let mut armed = self.armed.lock().unwrap();
        let hit = armed
            .iter()
            .position(|p| location.as_ref().contains(p.as_str()));
        if let Some(i) = hit {
            armed.remove(i);
            self.lost.lock().unwrap().push(location.to_string());
        }
        hit.is_some()
    }
}

impl fmt::Display for Watched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Watched({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for Watched {
    async fn put_opts(
        &self,
        location: &StorePath,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.puts.lock().unwrap().push(location.to_string());
        let result = self.inner.put_opts(location, payload, opts).await?;
        if self.lose(location) {
            return Err(object_store::Error::Generic {
                store: "Watched",
                source: "connection reset after the write took effect".into(),
            });
        }
        Ok(result)
    }

    async fn put_multipart_opts(
        &self,
        location: &StorePath,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.puts.lock().unwrap().push(location.to_string());
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &StorePath, options: GetOptions) -> Result<GetResult> {
        if !options.head {
            self.gets.lock().unwrap().push(location.to_string());
        }
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<StorePath>>,
    ) -> BoxStream<'static, Result<StorePath>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&StorePath>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&StorePath>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &StorePath,
        to: &StorePath,
        options: CopyOptions,
    ) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

const URL: &str = "s3://bucket/wh";

fn location() -> S3Location {
    S3Location {
        bucket: "bucket".into(),
        prefix: "wh".into(),
    }
}

fn run(
    store: &Arc<Watched>,
    raw: &Path,
    loaded_at: i64,
) -> Result<RunSummary, rareflow_etl::EtlError> {
    let mut options = RunOptions::new(raw, URL);
    options.chunk_bytes = 4096;
    options.loaded_at = Some(loaded_at);
    options.store = Some(store.clone());
    rareflow_etl::run(&options, &NoProgress)
}

fn warehouse(store: &Arc<Watched>) -> DeltaWarehouse {
    DeltaWarehouse::s3(&location(), store.clone()).unwrap()
}

/// What a reader opened now sees (counts and sums that tell states apart).
fn state(store: &Arc<Watched>) -> Vec<Vec<String>> {
    let wh = warehouse(store);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let run = wh.pin_newest().await.unwrap().unwrap();
        let session = QuerySession::over_run(&wh, &run).await.unwrap();
        let batches = session
            .collect(
                "<test>",
                "SELECT (SELECT COUNT(*) FROM trade_flows) AS flows, \
                 (SELECT SUM(quantity_kg) FROM trade_flows) AS kg, \
                 (SELECT COUNT(*) FROM trade_flows_superseded) AS superseded, \
                 (SELECT COUNT(*) FROM ingest_log) AS files, (SELECT COUNT(*) FROM rejects) AS rejects",
                datafusion::common::ParamValues::List(vec![]),
            )
            .await
            .unwrap();
        rows(&batches)
    })
}

/// The newest run's files of `table`, as paths in the bucket.
fn files(store: &Arc<Watched>, table: &str) -> Vec<String> {
    let wh = warehouse(store);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let run = rt.block_on(wh.pin_newest()).unwrap().unwrap();
    let mut out: Vec<String> = run
        .table(table)
        .map(|t| {
            t.files
                .iter()
                .map(|f| format!("wh/{table}/{}", f.path))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn run_ids(store: &Arc<Watched>) -> Vec<i64> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let runs = rt.block_on(warehouse(store).runs()).unwrap();
    runs.iter().map(|r| r.run_id).collect()
}

const JAN: i64 = 20_454 * 86_400_000_000; // 2026-01-01
const FEB: i64 = 20_485 * 86_400_000_000; // 2026-02-01

/// A new month reads back and rewrites only the partitions it touches: every other
/// partition's objects keep their keys (and so their bytes: keys are content hashes) and
/// are not fetched at all; an unchanged rerun writes nothing but the lock.
#[test]
fn a_new_month_reads_and_writes_only_its_partitions() {
    let store = Arc::new(Watched::default());
    let small = raw_without_2026();
    run(&store, small.path(), JAN).unwrap();
    let before = files(&store, "trade_flows");
    store.reset();
    let second = run(&store, &repo().join("data/raw"), FEB).unwrap();
    assert!(second.published);
    let after = files(&store, "trade_flows");
    let untouched: Vec<&String> = before.iter().filter(|f| after.contains(f)).collect();
    assert!(
        untouched.iter().any(|f| f.contains("/year=2025/")),
        "some 2025 partition stays as it was: {before:?} -> {after:?}"
    );
    let gets = store.gets.lock().unwrap().clone();
    for f in &untouched {
        assert!(!gets.contains(f), "{f} was read back although untouched");
    }
    let puts = store.puts.lock().unwrap().clone();
    for f in &untouched {
        assert!(!puts.contains(f), "{f} was written again");
    }

    store.reset();
    let third = run(&store, &repo().join("data/raw"), FEB).unwrap();
    assert!(!third.published);
    let puts = store.puts.lock().unwrap().clone();
    assert!(
        puts.iter().all(|p| p == "wh/_rareflow/lock"),
        "an unchanged rerun wrote {puts:?}"
    );
    assert_eq!(run_ids(&store), vec![1, 2]);
}

/// Each commit write of a run (a table's log entry, the run record, the lock) loses its
/// answer once after taking effect: the run sees through it, publishes exactly once, and
/// the warehouse holds one copy of every figure, as an undisturbed run leaves it.
#[test]
fn a_lost_answer_to_any_commit_write_publishes_once() {
    let small = raw_without_2026();
    let full = repo().join("data/raw");
    let reference = Arc::new(Watched::default());
    run(&reference, small.path(), JAN).unwrap();
    run(&reference, &full, FEB).unwrap();
    let expected = state(&reference);

    for pattern in [
        "wh/trade_flows/_delta_log/00000000000000000002.json",
        "wh/ingest_log/_delta_log/00000000000000000002.json",
        "wh/_rareflow/runs/00000000000000000002.json",
        "wh/_rareflow/lock",
    ] {
        let store = Arc::new(Watched::default());
        run(&store, small.path(), JAN).unwrap();
        store.arm(pattern);
        let summary = run(&store, &full, FEB).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        assert!(summary.published, "{pattern}");
        assert_eq!(
            store.lost.lock().unwrap().len(),
            1,
            "{pattern}: nothing was lost"
        );
        assert_eq!(run_ids(&store), vec![1, 2], "{pattern}");
        assert_eq!(state(&store), expected, "{pattern}");
        // The next run finds nothing to do (and the lock free).
        let again = run(&store, &full, FEB).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        assert!(!again.published, "{pattern}");
        assert_eq!(state(&store), expected, "{pattern}");
    }
}
