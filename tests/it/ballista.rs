//! Saved SQL on Apache DataFusion Ballista (built only with `--features ballista`): a
//! scheduler and two executors started in this process on loopback give, for every saved
//! query with its default parameters, the same rows as the local engine.

use std::process::Command;

use arrow::datatypes::DataType;
use datafusion::common::ParamValues;
use datafusion::scalar::ScalarValue;
use rareflow_query::ballista::{Engine, STANDALONE_EXECUTORS, open, remote, standalone};
use rareflow_query::params::bind;
use rareflow_query::{AsOf, QueryError, QuerySession, SavedQuery};

use crate::support::{bundled_warehouse, repo, rows};

/// A session over the bundled warehouse whose queries run on a fresh in-process cluster
/// (scheduler + two executors); the cluster lives as long as the test's runtime.
async fn ballista_session() -> QuerySession {
    assert_eq!(STANDALONE_EXECUTORS, 2);
    let ctx = standalone(STANDALONE_EXECUTORS)
        .await
        .expect("cluster starts");
    QuerySession::with_context(ctx, bundled_warehouse())
        .await
        .expect("the warehouse registers on Ballista")
}

/// Whether the statement's result order is defined: its last `ORDER BY` is at the top
/// level (not inside `OVER (...)` or a subquery), i.e. no `)` follows it.
fn ordered(sql: &str) -> bool {
    let upper = sql.to_uppercase();
    upper
        .rfind("ORDER BY")
        .is_some_and(|i| !upper[i..].contains(')'))
}

/// Two cells agree when equal as text, or as numbers up to 1e-9 relative: a sum of floats
/// may be added in another order when the rows are split between executors.
fn same_cell(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_saved_query_gives_the_local_rows_on_two_executors() {
    let local = QuerySession::open(bundled_warehouse()).await.unwrap();
    let cluster = ballista_session().await;
    let saved = SavedQuery::list(&repo().join("sql")).unwrap();
    assert!(saved.len() >= 10, "only {} saved queries", saved.len());
    let mut non_empty = 0;
    for q in &saved {
        let origin = q.path.display().to_string();
        let params = bind(&q.params, &[]).unwrap();
        let want = local.collect(&origin, &q.sql, params.clone()).await;
        let got = cluster.collect(&origin, &q.sql, params).await;
        let (mut want, mut got) = match (want, got) {
            (Ok(w), Ok(g)) => (rows(&w), rows(&g)),
            (w, g) => panic!("{}: local {:?}, Ballista {:?}", q.name, w.err(), g.err()),
        };
        if !ordered(&q.sql) {
            want.sort();
            got.sort();
        }
        assert_eq!(want.len(), got.len(), "{}: row count", q.name);
        for (i, (w, g)) in want.iter().zip(&got).enumerate() {
            assert!(
                w.len() == g.len() && w.iter().zip(g).all(|(a, b)| same_cell(a, b)),
                "{}: row {i}: local {w:?}, Ballista {g:?}",
                q.name
            );
        }
        non_empty += usize::from(!want.is_empty());
    }
    // The bundled data answers most saved queries with rows: the comparison is not vacuous.
    assert!(
        non_empty * 2 > saved.len(),
        "{non_empty} of {}",
        saved.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hive_partitions_and_named_parameters_run_on_ballista() {
    let cluster = ballista_session().await;
    let local = QuerySession::open(bundled_warehouse()).await.unwrap();
    // Partition columns typed Int32, a partition filter from a named parameter.
    let sql = "SELECT year, month, COUNT(*) AS n FROM trade_flows \
               WHERE year = $year AND source = $source GROUP BY year, month ORDER BY year, month";
    let params = || {
        ParamValues::from(vec![
            ("year".to_owned(), ScalarValue::Int32(Some(2025))),
            ("source".to_owned(), ScalarValue::Utf8(Some("gacc".into()))),
        ])
    };
    let got = cluster.collect("<test>", sql, params()).await.unwrap();
    let want = local.collect("<test>", sql, params()).await.unwrap();
    assert_eq!(got[0].schema().field(0).data_type(), &DataType::Int32);
    assert_eq!(got[0].schema().field(1).data_type(), &DataType::Int32);
    let (got, want) = (rows(&got), rows(&want));
    assert!(!got.is_empty(), "no 2025 GACC rows in the bundled data");
    assert!(got.iter().all(|r| r[0] == "2025"), "{got:?}");
    assert_eq!(got, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_whose_side_has_no_rows_finishes_on_ballista() {
    // With Ballista's adaptive planner on, a stage without rows never finished: the mirror
    // query over a warehouse without US data spun for minutes.
    let cluster = ballista_session().await;
    // mirror_magnets_us's shape, with the US side empty.
    let sql = "WITH china AS (SELECT period, SUM(quantity_kg) AS kg FROM trade_flows \
                 WHERE source = 'gacc' AND flow = 'export' AND partner = 'USA' \
                 AND product_group = 'magnet' GROUP BY period), \
               us AS (SELECT period, SUM(quantity_kg) AS kg FROM trade_flows \
                 WHERE source = 'no such source' AND partner = 'CHN' GROUP BY period) \
               SELECT c.period, c.kg, u0.kg AS same_month, u1.kg AS next_month FROM china c \
               LEFT JOIN us u0 ON u0.period = c.period \
               LEFT JOIN us u1 ON u1.period = c.period + INTERVAL '1 month' \
               ORDER BY c.period";
    let run = cluster.collect("<test>", sql, ParamValues::List(vec![]));
    let got = tokio::time::timeout(std::time::Duration::from_secs(60), run)
        .await
        .expect("finishes within a minute")
        .unwrap();
    let got = rows(&got);
    assert!(!got.is_empty(), "China reports magnet exports to the US");
    assert!(
        got.iter().all(|r| r[2] == "NULL" || r[2].is_empty()),
        "{got:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_stay_refused_on_ballista() {
    let cluster = ballista_session().await;
    let Err(err) = cluster
        .stream(
            "<test>",
            "CREATE TABLE x AS SELECT 1",
            ParamValues::List(vec![]),
        )
        .await
    else {
        panic!("a write ran on Ballista");
    };
    assert!(matches!(err, QueryError::ReadOnly { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_ballista_cannot_do_is_a_clear_error() {
    let Err(err) = open(
        Engine::Ballista,
        None,
        bundled_warehouse(),
        AsOf::Release(1),
        rareflow_query::Pin::Newest,
    )
    .await
    else {
        panic!("--as-of was accepted on Ballista");
    };
    let text = err.to_string();
    assert!(
        text.contains("--as-of is not available on Ballista"),
        "{text}"
    );
    assert!(text.contains("--engine local"), "{text}");

    // Nothing listens on port 1 of loopback: the scheduler is named, with where to look.
    let Err(err) = remote("df://127.0.0.1:1").await else {
        panic!("connected to a scheduler that does not exist");
    };
    let text = err.to_string();
    assert!(
        text.starts_with(
            "Ballista (df://127.0.0.1:1): cannot reach the scheduler at http://127.0.0.1:1"
        ),
        "{text}"
    );
    assert!(text.contains("docs/cluster.md"), "{text}");
}

/// The binary: `--engine ballista` without `--scheduler` runs on an in-process cluster and
/// prints what the local engine prints.
#[test]
fn the_binary_runs_a_saved_query_on_a_standalone_cluster() {
    let run = |engine: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_rareflow-query"))
            .args(["--engine", engine, "run", "magnets_by_destination", "-p"])
            .arg("month=2025-11")
            .args(["--format", "csv"])
            .arg("--warehouse")
            .arg(bundled_warehouse())
            .arg("--sql-dir")
            .arg(repo().join("sql"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "--engine {engine}: {stderr}");
        String::from_utf8(out.stdout).unwrap()
    };
    let local = run("local");
    assert!(local.lines().count() > 1, "{local}");
    assert_eq!(run("ballista"), local);
}
