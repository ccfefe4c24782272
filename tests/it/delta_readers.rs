//! Other people's Delta readers on a warehouse rareflow wrote: Python `deltalake` and Polars
//! (`scan_delta`), installed by `scripts/delta-readers.sh` into target/delta-venv, read every
//! table of the bundled warehouse with the rows rareflow's own engine reads, at protocol
//! reader 1 / writer 2.

use crate::support::{bundled_warehouse, newest_run, repo, scalar};

#[test]
#[ignore = "needs Python deltalake and polars: scripts/delta-readers.sh (CI runs it)"]
fn python_deltalake_and_polars_read_every_table_with_the_same_rows() {
    let python = repo().join("target/delta-venv/bin/python");
    assert!(
        python.is_file(),
        "{} missing: run scripts/delta-readers.sh",
        python.display()
    );
    let wh = bundled_warehouse();
    let run = newest_run(wh).unwrap();
    let script = r#"
import sys, deltalake, polars as pl
root, tables = sys.argv[1], sys.argv[2:]
for name in tables:
    path = f"{root}/{name}"
    t = deltalake.DeltaTable(path)
    p = t.protocol()
    rows = pl.scan_delta(path).select(pl.len()).collect().item()
    eager_rows = pl.read_delta(path, version=t.version()).height
    kg = ""
    if name == "trade_flows":
        kg = pl.scan_delta(path).select(pl.col("quantity_kg").sum()).collect().item()
        kg = f"{kg:.1f}"
    print(name, t.version(), p.min_reader_version, p.min_writer_version, rows, eager_rows, kg)
"#;
    let tables: Vec<&String> = run.tables.keys().collect();
    assert!(tables.len() >= 10, "{tables:?}");
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(wh)
        .args(&tables)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for (line, name) in text.lines().zip(&tables) {
        let count = scalar(wh, &format!("SELECT COUNT(*) FROM {name}"));
        let version = run.record.versions[*name];
        let mut expected = format!("{name} {version} 1 2 {count} {count} ");
        if *name == "trade_flows" {
            let kg = scalar(wh, "SELECT SUM(quantity_kg) FROM trade_flows");
            expected.push_str(&format!("{:.1}", kg.parse::<f64>().unwrap()));
        }
        assert_eq!(line, expected);
    }
    assert_eq!(text.lines().count(), tables.len(), "{text}");
}
