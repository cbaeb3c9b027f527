//! Row security of `momentos serve` for logins of role `unit`: what each registered table
//! becomes in their session (filtered to their units, left as is, or not registered), and
//! the provider that applies the filter whatever SQL the client sends.
//!
//! The filter sits inside the table: a unit login's session holds, under every name with a
//! `unit` column, a [`UnitFiltered`] provider around the lake's provider; the inner one has
//! no name the client could use. The `queries/` views are planned after the wrapping, so
//! they read the filtered tables (and are wrapped themselves when they have `unit`).

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::{DFSchema, Result};
use datafusion::datasource::{TableProvider, TableType};
use datafusion::logical_expr::{cast, col, lit, Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionContext;

/// The column that names the unit a row belongs to.
pub const UNIT_COLUMN: &str = "unit";

/// What a table becomes for a `unit` login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Only rows whose `unit` is one of the login's units (rows without a unit are hidden).
    FilterByUnit,
    /// The same for everyone: reference data that holds no unit's rows.
    Shared,
    /// Not registered: per-unit or raw data that cannot be filtered by a column.
    Hidden,
}

/// Every table and view a session registers, with its rule for `unit` logins and why. A
/// table that is not here is hidden from `unit` logins and fails the test
/// `every_registered_table_has_a_rule`.
pub const POLICY: &[(&str, Rule, &str)] = &[
    // Filled from the registered schemas; see `every_registered_table_has_a_rule`.
];

/// The rule of `table` (hidden when it has none).
pub fn rule(table: &str) -> Rule {
    POLICY
        .iter()
        .find(|(t, _, _)| *t == table)
        .map_or(Rule::Hidden, |(_, r, _)| *r)
}

/// What `name` becomes: `None` to keep it, `Some(None)` to hide it, `Some(Some(p))` to
/// replace it by `p`.
#[allow(clippy::type_complexity)]
pub fn secure(
    name: &str,
    provider: Arc<dyn TableProvider>,
    units: &BTreeSet<String>,
) -> Result<Option<Option<Arc<dyn TableProvider>>>> {
    if provider.is::<UnitFiltered>() {
        return Ok(None);
    }
    Ok(match rule(name) {
        Rule::Shared => None,
        Rule::Hidden => Some(None),
        Rule::FilterByUnit => {
            if provider.schema().index_of(UNIT_COLUMN).is_err() {
                // A rule that no longer fits the schema hides the table rather than show it.
                tracing::warn!(
                    table = name,
                    "Table has no unit column; hidden from unit logins."
                );
                Some(None)
            } else {
                Some(Some(Arc::new(UnitFiltered::new(provider, units.clone()))))
            }
        }
    })
}

/// The names of the default schema's tables and views.
pub fn table_names(ctx: &SessionContext) -> Result<Vec<String>> {
    let state = ctx.state();
    let defaults = &state.config_options().catalog;
    let schema = ctx
        .catalog(&defaults.default_catalog)
        .and_then(|c| c.schema(&defaults.default_schema));
    Ok(schema.map(|s| s.table_names()).unwrap_or_default())
}

/// A table whose scans only ever return rows of some units.
#[derive(Debug)]
pub struct UnitFiltered {
    inner: Arc<dyn TableProvider>,
    units: BTreeSet<String>,
}

impl UnitFiltered {
    pub fn new(inner: Arc<dyn TableProvider>, units: BTreeSet<String>) -> UnitFiltered {
        UnitFiltered { inner, units }
    }

    fn predicate(&self) -> Expr {
        let values = self.units.iter().map(|u| lit(u.as_str())).collect();
        cast(col(UNIT_COLUMN), DataType::Utf8).in_list(values, false)
    }
}

#[async_trait]
impl TableProvider for UnitFiltered {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    fn get_table_definition(&self) -> Option<&str> {
        self.inner.get_table_definition()
    }

    // `get_logical_plan` keeps its default (none): a view's plan handed to the planner
    // would be inlined without the filter.

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        // The client's filters are passed on for pruning, and applied again above.
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let schema = self.inner.schema();
        let unit = schema.index_of(UNIT_COLUMN)?;
        // The inner scan reads the asked columns plus `unit`; the limit is not passed on
        // (it counts rows before the filter), DataFusion applies it above.
        let wanted: Vec<usize> = projection
            .cloned()
            .unwrap_or_else(|| (0..schema.fields().len()).collect());
        let mut read = wanted.clone();
        if !read.contains(&unit) {
            read.push(unit);
        }
        let refs: Vec<&Expr> = filters.iter().collect();
        let support = self.inner.supports_filters_pushdown(&refs)?;
        let passed: Vec<Expr> = filters
            .iter()
            .zip(support)
            .filter(|(_, s)| *s != TableProviderFilterPushDown::Unsupported)
            .map(|(f, _)| f.clone())
            .collect();
        let plan = self.inner.scan(state, Some(&read), &passed, None).await?;
        let plan_schema = plan.schema();
        let df_schema = DFSchema::try_from(plan_schema.as_ref().clone())?;
        let predicate = state.create_physical_expr(self.predicate(), &df_schema)?;
        let filtered: Arc<dyn ExecutionPlan> = Arc::new(FilterExec::try_new(predicate, plan)?);
        if read.len() == wanted.len() {
            return Ok(filtered);
        }
        let exprs = (0..wanted.len())
            .map(|i| {
                let name = plan_schema.field(i).name().clone();
                datafusion::physical_expr::expressions::col(&name, &plan_schema).map(|e| (e, name))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Arc::new(ProjectionExec::try_new(exprs, filtered)?))
    }
}
