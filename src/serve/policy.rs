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

/// The column that names the unit a row belongs to.
pub const UNIT_COLUMN: &str = "unit";

/// What a table becomes for a `unit` login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Only rows whose `unit` is one of the login's units (rows without a unit are hidden).
    FilterByUnit,
    /// The same for everyone: reference data that holds no unit's rows.
    Shared,
    /// A view without a `unit` column computed in the session from filtered tables (so from
    /// the login's rows only). Hidden if the name is ever a stored table instead.
    ViewOfFiltered,
    /// Not registered: raw values, lake operations, or data of all units without a `unit`
    /// column.
    Hidden,
}

/// Every table and view a session registers, with its rule for `unit` logins and why. A
/// table that is not here is hidden from `unit` logins and fails the test
/// `every_registered_table_has_a_rule`.
pub const POLICY: &[(&str, Rule, &str)] = &[
    // Sources and their staging views.
    (
        "interactions",
        Rule::FilterByUnit,
        "one row per contact of a unit",
    ),
    (
        "surveys",
        Rule::FilterByUnit,
        "one row per survey response about a unit",
    ),
    (
        "shopper",
        Rule::FilterByUnit,
        "one row per mystery-shopper item of a unit",
    ),
    (
        "stg_interactions",
        Rule::FilterByUnit,
        "view of interactions, per unit",
    ),
    (
        "stg_surveys",
        Rule::FilterByUnit,
        "view of surveys, per unit",
    ),
    (
        "stg_shopper",
        Rule::FilterByUnit,
        "view of shopper, per unit",
    ),
    (
        "quarantine",
        Rule::Hidden,
        "rejected rows' raw values, of every unit, with no unit column (analysts only, issue 18)",
    ),
    // Scoring (DESIGN §5): stored tables after `momentos score`, live views before.
    (
        "interaction_facts",
        Rule::FilterByUnit,
        "one row per interaction of a unit",
    ),
    (
        "int_survey_responses",
        Rule::FilterByUnit,
        "survey responses per unit",
    ),
    (
        "observations",
        Rule::FilterByUnit,
        "one observation per record of a unit",
    ),
    (
        "cell_sources",
        Rule::FilterByUnit,
        "counts per unit cell and source",
    ),
    (
        "cell_statistics",
        Rule::FilterByUnit,
        "statistics per unit cell (reads cell_sources of the same session)",
    ),
    ("cell_scores", Rule::FilterByUnit, "scores per unit cell"),
    (
        "scores",
        Rule::FilterByUnit,
        "scores per period, unit, channel and attribute",
    ),
    (
        "scores_by_stakeholder",
        Rule::FilterByUnit,
        "scores per unit and stakeholder",
    ),
    ("survey_kpis", Rule::FilterByUnit, "CSAT and NPS per unit"),
    (
        "protocol",
        Rule::FilterByUnit,
        "protocol compliance per unit",
    ),
    (
        "source_coverage",
        Rule::ViewOfFiltered,
        "records per source and day: counts of the filtered staging views",
    ),
    // Plans, alerts and their follow-up.
    ("plans", Rule::FilterByUnit, "improvement plans of a unit"),
    ("alerts", Rule::FilterByUnit, "alerts of a unit"),
    ("alert_hours", Rule::FilterByUnit, "hourly counts per unit"),
    (
        "critical_failures",
        Rule::FilterByUnit,
        "failed critical items per unit",
    ),
    (
        "dissatisfaction_candidates",
        Rule::FilterByUnit,
        "low ratings and negative texts per unit",
    ),
    (
        "open_escalations",
        Rule::FilterByUnit,
        "escalations of the owning unit",
    ),
    (
        "deliveries",
        Rule::FilterByUnit,
        "messages about a unit (report deliveries without a unit are hidden)",
    ),
    (
        "followups",
        Rule::Hidden,
        "follow-up lists of alerts of any unit, no unit column",
    ),
    // Lake operations: all units at once, no unit column.
    (
        "runs",
        Rule::Hidden,
        "pipeline runs with row counts of all units",
    ),
    (
        "run_steps",
        Rule::Hidden,
        "pipeline steps with row counts of all units",
    ),
    (
        "audit",
        Rule::Hidden,
        "suppressions and retention deletions of the whole lake",
    ),
    // Reference tables from the catalog (as of now).
    ("holidays", Rule::Shared, "Colombian public holidays"),
    (
        "calendar_days",
        Rule::Shared,
        "opening hours per day and hours profile",
    ),
    ("channel_sla", Rule::Shared, "SLA per channel"),
    ("rubric", Rule::Shared, "mystery-shopper rubric per channel"),
    (
        "source_weights",
        Rule::Shared,
        "weights of the sources per attribute",
    ),
    ("scoring_params", Rule::Shared, "parameters of the method"),
    (
        "unit_sla",
        Rule::FilterByUnit,
        "a unit's escalation SLA and responsible",
    ),
    ("cell_targets", Rule::FilterByUnit, "targets per unit cell"),
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
        Rule::ViewOfFiltered if provider.table_type() == TableType::View => None,
        Rule::ViewOfFiltered => Some(None),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::lake::Lake;

    fn names(ctx: &datafusion::prelude::SessionContext) -> BTreeSet<String> {
        ctx.catalog("datafusion")
            .unwrap()
            .schema("public")
            .unwrap()
            .table_names()
            .into_iter()
            .collect()
    }

    #[tokio::test]
    async fn every_registered_table_has_a_rule() {
        let lake = Lake::open("memory://policy").unwrap();
        let catalog = Catalog::embedded();
        let ctx = crate::sql::session(&lake, &catalog).await.unwrap();
        let registered = names(&ctx);
        let ruled: BTreeSet<String> = POLICY.iter().map(|(t, _, _)| t.to_string()).collect();
        let missing: Vec<_> = registered.difference(&ruled).collect();
        assert!(
            missing.is_empty(),
            "tables without a row-security rule in serve/policy.rs: {missing:?}"
        );
        let stale: Vec<_> = ruled.difference(&registered).collect();
        assert!(
            stale.is_empty(),
            "rules for tables that no longer exist: {stale:?}"
        );
        for (table, rule, _) in POLICY {
            let provider = ctx.table_provider(*table).await.unwrap();
            let has_unit = provider.schema().index_of(UNIT_COLUMN).is_ok();
            match rule {
                Rule::FilterByUnit => {
                    assert!(has_unit, "{table} is filtered by a unit column it lacks")
                }
                Rule::Shared | Rule::ViewOfFiltered => {
                    assert!(!has_unit, "{table} has a unit column: filter it")
                }
                Rule::Hidden => {}
            }
        }
    }

    #[tokio::test]
    async fn a_unit_session_has_only_ruled_tables_and_filtered_ones_are_wrapped() {
        let lake = Lake::open("memory://policy-unit").unwrap();
        let catalog = Catalog::embedded();
        let units: BTreeSet<String> = catalog.units.keys().take(1).cloned().collect();
        let sessions = crate::serve::session::Sessions::new(
            lake,
            catalog,
            crate::sql::runtime(&crate::sql::Limits::default()).unwrap(),
        );
        let ctx = sessions
            .open(&crate::serve::Role::Unit(units))
            .await
            .unwrap();
        let registered = names(&ctx);
        for (table, rule, _) in POLICY {
            match rule {
                Rule::Hidden => assert!(!registered.contains(*table), "{table} is visible"),
                Rule::FilterByUnit => {
                    let p = ctx.table_provider(*table).await.unwrap();
                    assert!(p.is::<UnitFiltered>(), "{table} is not filtered");
                }
                Rule::Shared | Rule::ViewOfFiltered => assert!(registered.contains(*table)),
            }
        }
    }
}
