//! The read-only guard: rareflow-query never changes the warehouse (rareflow-etl alone
//! writes it). The plan is checked before anything runs, then DataFusion's own options.

use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SQLOptions;

use crate::error::{QueryError, sql_error};

/// Statements that change state are refused: the warehouse is written only by rareflow-etl.
/// This is the second guard; [`refuse_writes`] looks at the plan first.
pub fn read_only_options() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// Refuses a plan that would change something (DDL, DML, COPY, or a statement such as SET),
/// anywhere in it (also under EXPLAIN ANALYZE or in a subquery), with
/// [`QueryError::ReadOnly`] naming the kind of statement.
pub fn refuse_writes(origin: &str, plan: &LogicalPlan) -> Result<(), QueryError> {
    let mut kind = None;
    plan.apply_with_subqueries(|node| {
        kind = match node {
            LogicalPlan::Ddl(ddl) => Some(ddl.name().to_owned()),
            LogicalPlan::Dml(dml) => Some(dml.op.name().to_owned()),
            LogicalPlan::Copy(_) => Some("COPY".to_owned()),
            LogicalPlan::Statement(statement) => Some(statement.name().to_owned()),
            _ => return Ok(TreeNodeRecursion::Continue),
        };
        Ok(TreeNodeRecursion::Stop)
    })
    .map_err(|e| sql_error(origin, e, &[]))?;
    match kind {
        Some(kind) => Err(QueryError::ReadOnly {
            origin: origin.to_owned(),
            kind,
        }),
        None => Ok(()),
    }
}
