//! Common table expressions used more than once are computed once.
//!
//! DataFusion plans each reference to a CTE as a copy of its query, so a saved query that
//! joins `monthly` to itself for the month before and the year before scans `trade_flows`
//! three times. DuckDB computes such a CTE once; so do we: before planning, every CTE of
//! the outer `WITH` referenced two or more times is run (with the query's parameters) into
//! an in-memory table under a private name, and the references point at it. A CTE
//! referenced once stays inline, where filters and projections still push down into it.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use datafusion::common::ParamValues;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::Statement as DFStatement;
use datafusion::sql::sqlparser::ast::{
    Ident, ObjectName, ObjectNamePart, Query, Statement, TableAlias, TableFactor, VisitMut,
    VisitorMut, With, visit_relations,
};

/// In-memory tables registered for one query; deregistered when dropped (the plan holds
/// its own reference to their data).
pub(crate) struct SharedCtes<'c> {
    ctx: &'c SessionContext,
    pub(crate) names: Vec<String>,
}

impl Drop for SharedCtes<'_> {
    fn drop(&mut self) {
        for name in &self.names {
            let _ = self.ctx.deregister_table(name.as_str());
        }
    }
}

/// Gives every materialized CTE a name no query uses.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// Plans `sql` like `SessionState::create_logical_plan`, computing first each CTE of the
/// outer `WITH` referenced more than once. `check` sees each CTE's plan before it runs.
pub(crate) async fn plan_sharing_ctes<'c>(
    ctx: &'c SessionContext,
    sql: &str,
    params: &ParamValues,
    check: &(dyn Fn(&LogicalPlan) -> Result<(), DataFusionError> + Sync),
) -> Result<(LogicalPlan, SharedCtes<'c>), DataFusionError> {
    let state = ctx.state();
    let dialect = state.config().options().sql_parser.dialect;
    let mut statement = state.sql_to_statement(sql, &dialect)?;
    let mut shared = SharedCtes {
        ctx,
        names: Vec::new(),
    };
    if let DFStatement::Statement(s) = &mut statement
        && let Statement::Query(query) = s.as_mut()
    {
        share(ctx, query, params, check, &mut shared).await?;
    }
    let plan = state.statement_to_plan(statement).await?;
    Ok((plan, shared))
}

async fn share(
    ctx: &SessionContext,
    query: &mut Query,
    params: &ParamValues,
    check: &(dyn Fn(&LogicalPlan) -> Result<(), DataFusionError> + Sync),
    shared: &mut SharedCtes<'_>,
) -> Result<(), DataFusionError> {
    let Some(with) = &query.with else {
        return Ok(());
    };
    if with.recursive {
        return Ok(());
    }
    let names: Vec<Ident> = with
        .cte_tables
        .iter()
        .map(|c| c.alias.name.clone())
        .collect();
    for name in names {
        if references(query, &name) < 2 {
            continue;
        }
        let Some(with) = query.with.as_mut() else {
            break;
        };
        let Some(i) = with.cte_tables.iter().position(|c| c.alias.name == name) else {
            continue;
        };
        let cte = &with.cte_tables[i];
        if cte.query.with.is_some() || !cte.alias.columns.is_empty() {
            continue; // its own WITH or renamed columns: left to the planner
        }
        // The CTE's query, with the CTEs before it that are still inline.
        let mut sub = cte.query.clone();
        if i > 0 {
            sub.with = Some(With {
                with_token: with.with_token.clone(),
                recursive: false,
                cte_tables: with.cte_tables[..i].to_vec(),
            });
        }
        let state = ctx.state();
        let plan = state
            .statement_to_plan(DFStatement::Statement(Box::new(Statement::Query(sub))))
            .await?;
        check(&plan)?;
        let df = ctx
            .execute_logical_plan(plan)
            .await?
            .with_param_values(params.clone())?;
        let schema = Arc::new(df.schema().as_arrow().clone());
        let batches = df.collect().await?;
        let table = format!("__rareflow_cte_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        ctx.register_table(
            table.as_str(),
            Arc::new(MemTable::try_new(schema, vec![batches])?),
        )?;
        shared.names.push(table.clone());
        with.cte_tables.remove(i);
        let _ = VisitMut::visit(
            query,
            &mut Rename {
                from: &name,
                to: &table,
            },
        );
    }
    if query.with.as_ref().is_some_and(|w| w.cte_tables.is_empty()) {
        query.with = None;
    }
    Ok(())
}

/// Points every reference to the CTE `from` at the table `to`, keeping `from` as the
/// reference's alias when it has none (columns may be qualified with the CTE's name).
struct Rename<'a> {
    from: &'a Ident,
    to: &'a str,
}

impl VisitorMut for Rename<'_> {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { name, alias, .. } = factor
            && is(name, self.from)
        {
            *name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(self.to))]);
            alias.get_or_insert_with(|| TableAlias {
                explicit: true,
                name: self.from.clone(),
                columns: Vec::new(),
                at: None,
            });
        }
        ControlFlow::Continue(())
    }
}

/// How many times `query` reads the relation `name`.
fn references(query: &Query, name: &Ident) -> usize {
    let mut n = 0;
    let _ = visit_relations(query, |relation| {
        n += usize::from(is(relation, name));
        ControlFlow::<()>::Continue(())
    });
    n
}

/// Whether `relation` is the one-part name `name` (unquoted names compare as the planner
/// normalizes them, without case).
fn is(relation: &ObjectName, name: &Ident) -> bool {
    let [ObjectNamePart::Identifier(ident)] = relation.0.as_slice() else {
        return false;
    };
    match (ident.quote_style, name.quote_style) {
        (None, None) => ident.value.eq_ignore_ascii_case(&name.value),
        _ => ident.value == name.value,
    }
}
