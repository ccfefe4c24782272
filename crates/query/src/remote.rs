//! Sessions over a warehouse in S3-compatible object storage (`s3://bucket/prefix`).

use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::prelude::SessionContext;
use rareflow_warehouse::WarehouseError;
use rareflow_warehouse::remote::RemoteWarehouse;

use crate::catalog::register_tables;
use crate::error::QueryError;

/// Tables whose schema [`register_tables`] declares (no file needed to register them).
const WITH_SCHEMA: [&str; 4] = [
    "trade_flows",
    "trade_flows_superseded",
    "rejects",
    "ingest_log",
];

/// Reads the warehouse's `current` pointer once, registers its object store in `ctx` and the
/// tables of that snapshot (`s3://bucket/prefix/snapshots/N/<table>/`). Returns the
/// snapshot's URL. Every query of the session then reads that snapshot, even while a run
/// publishes the next one.
pub async fn register_remote_snapshot(
    ctx: &SessionContext,
    remote: &RemoteWarehouse,
) -> Result<String, QueryError> {
    let Some(pointer) = remote.current().await? else {
        return Err(WarehouseError::NotAWarehouse {
            path: remote.location().url().into(),
        }
        .into());
    };
    let store_url = ObjectStoreUrl::parse(format!("s3://{}", remote.location().bucket))?;
    ctx.register_object_store(store_url.as_ref(), remote.store());
    let tables = remote.snapshot_tables(&pointer.snapshot).await?;
    // An object store has no empty folders: a table with no file yet (no revision so far in
    // `trade_flows_superseded`) is not listed. Tables with a declared schema are registered
    // anyway, as an empty table, as on a local folder.
    let present: Vec<&str> = tables
        .iter()
        .map(String::as_str)
        .chain(WITH_SCHEMA)
        .collect();
    let url = remote.snapshot_url(&pointer.snapshot);
    register_tables(ctx, &url, &present).await?;
    Ok(url)
}
