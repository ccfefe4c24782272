//! From the snapshot layout of earlier rareflow versions to Delta tables: runs and queries
//! on an old warehouse stop and name `rareflow-etl migrate`; after it, every saved query and
//! an as-of query give the same rows, and every release, superseded figure and `loaded_at`
//! is there.

use std::path::Path;
use std::process::Command;

use crate::support::{copy_dir, etl, query_cmd, repo, run_files, stderr, stdout};

/// The snapshot layout as rareflow 0.1 wrote it: `current -> snapshots/000003`, each table
/// a folder of Hive-partitioned Parquet files. Built from the files of `delta`'s newest run
/// (the same Parquet files the snapshot code wrote), renamed `part-NNNNN.parquet`.
fn snapshot_layout(delta: &Path, to: &Path) {
    let snapshot = to.join("snapshots/000003");
    let mut numbered = std::collections::BTreeMap::<String, usize>::new();
    for (path, bytes) in run_files(delta) {
        let folder = path.rsplit_once('/').unwrap().0.to_owned();
        let n = numbered.entry(folder.clone()).or_default();
        let target = snapshot
            .join(&folder)
            .join(format!("part-{:05}.parquet", *n));
        *n += 1;
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
    std::fs::create_dir_all(to.join("snapshots/000002")).unwrap();
    std::os::unix::fs::symlink("snapshots/000003", to.join("current")).unwrap();
}

fn saved_queries() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("sql"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".sql").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
}

/// Every saved query, and `revision_changes` as of a day between the releases, as CSV.
fn answers(warehouse: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for name in saved_queries() {
        let o = query_cmd(warehouse, &["run", &name, "--format", "csv"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        out.push(stdout(&o));
    }
    let o = query_cmd(
        warehouse,
        &[
            "--as-of",
            "2025-12-31",
            "run",
            "magnets_by_destination",
            "-p",
            "month=2025-11",
            "-f",
            "csv",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    out.push(stdout(&o));
    out
}

#[test]
fn migrate_turns_a_snapshot_warehouse_into_delta_tables_with_every_release() {
    // A warehouse with a revision: November's US magnets revised up by 10 t a month later.
    let raw = tempfile::TempDir::new().unwrap();
    copy_dir(&repo().join("data/raw"), raw.path());
    let delta = tempfile::TempDir::new().unwrap();
    etl(raw.path(), delta.path(), Some("2025-12-20"), false);
    crate::runs::revised_november(raw.path());
    etl(raw.path(), delta.path(), Some("2026-01-20"), false);
    let expected = answers(delta.path());
    assert!(
        expected.last().unwrap().contains("USA,United States,582.0"),
        "{}",
        expected.last().unwrap()
    );

    let old = tempfile::TempDir::new().unwrap();
    snapshot_layout(delta.path(), old.path());

    // Runs and queries refuse the old layout and name the command.
    let o = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .current_dir(repo())
        .args(["run", "--quiet", "--raw"])
        .arg(raw.path())
        .arg("--warehouse")
        .arg(old.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("rareflow-etl migrate --warehouse"),
        "{}",
        stderr(&o)
    );
    let o = query_cmd(old.path(), &["sql", "SELECT 1"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("rareflow-etl migrate"),
        "{}",
        stderr(&o)
    );

    let o = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .current_dir(repo())
        .args(["migrate", "--warehouse"])
        .arg(old.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("converted snapshot 000003 into Delta tables as run 1"),
        "{}",
        stdout(&o)
    );
    assert!(!old.path().join("current").exists() && !old.path().join("snapshots").exists());
    assert_eq!(answers(old.path()), expected);
    // The releases, their load times and the superseded figure came over.
    let facts = |wh: &Path| {
        let o = query_cmd(
            wh,
            &[
                "sql",
                "SELECT (SELECT COUNT(*) FROM trade_flows_superseded), \
                        (SELECT string_agg(CAST(release_seq AS VARCHAR) || '@' || CAST(loaded_at AS VARCHAR), ' ' ORDER BY release_seq) FROM ingest_log)",
                "-f",
                "csv",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    assert_eq!(facts(old.path()), facts(delta.path()));
    let superseded = facts(old.path());
    assert!(
        superseded
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("1,")),
        "{superseded}"
    );

    // A run on the migrated warehouse carries on from it: nothing new, nothing written.
    let o = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .current_dir(repo())
        .args(["run", "--quiet", "--raw"])
        .arg(raw.path())
        .arg("--warehouse")
        .arg(old.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("nothing changed"), "{}", stdout(&o));
}

/// The same on S3: an old-layout warehouse in a bucket (`current` object naming
/// `snapshots/000005/`) is refused by `run`, converted by `migrate`, and then answers every
/// saved query as the folder it came from.
#[test]
#[ignore = "needs moto_server: scripts/moto.sh"]
fn migrate_converts_a_snapshot_warehouse_in_a_bucket() {
    use object_store::ObjectStoreExt;
    use object_store::path::Path as ObjectPath;

    let moto = crate::moto::Moto::start();
    moto.bucket("rareflow-migrate");
    let url = "s3://rareflow-migrate/wh";
    let local = crate::support::bundled_warehouse();
    let store = moto.store("rareflow-migrate");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let files = run_files(local);
    rt.block_on(async {
        for (n, (path, bytes)) in files.into_iter().enumerate() {
            let folder = path.rsplit_once('/').unwrap().0;
            let key = format!("wh/snapshots/000005/{folder}/part-{n:05}.parquet");
            store
                .put(&ObjectPath::from(key), bytes.into())
                .await
                .unwrap();
        }
        store
            .put(&ObjectPath::from("wh/current"), b"000005\n".to_vec().into())
            .await
            .unwrap();
    });
    let refused = moto.etl(&repo().join("data/raw"), url, &[], &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("rareflow-etl migrate --warehouse s3://rareflow-migrate/wh"),
        "{}",
        stderr(&refused)
    );

    let o = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .current_dir(repo())
        .args(["migrate", "--warehouse", url])
        .env_remove("RAREFLOW_WAREHOUSE")
        .envs(moto.env())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("converted snapshot 000005"),
        "{}",
        stdout(&o)
    );
    let pointer = rt.block_on(store.head(&ObjectPath::from("wh/current")));
    assert!(
        matches!(pointer, Err(object_store::Error::NotFound { .. })),
        "{pointer:?}"
    );
    crate::s3::saved_queries_answer_alike(&moto, local.to_str().unwrap(), url, &[]);
}
