//! A view that a score run later replaces by its rows, in place.
//!
//! DataFusion inlines a view into every view created over it, so replacing a view by its
//! cached rows used to mean planning each view that reads it again (`observations`,
//! `cell_sources`, `cell_scores`, `scores`, …: sixteen views planned again per run, the
//! largest share of a nightly run's fixed cost). A [`SwappableView`] is not inlined: the
//! views over it keep a scan of it, and the scan asks whatever it holds now — the view's
//! own plan first (with the scan's filters and columns, as DataFusion's views do), its
//! rows once [`SwappableView::swap`] put them there.
//!
//! The incremental facts use it the same way for `interactions` (`score::added_facts`):
//! the facts are planned over an empty table, which tells which columns to pick, and the
//! picked rows are swapped in before they run.
//!
//! Embedded sessions only: a cluster receives its plans serialized, and this provider has
//! no serialized form.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::view::ViewTable;
use datafusion::catalog::Session;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;

#[derive(Debug)]
pub struct SwappableView {
    schema: SchemaRef,
    current: RwLock<Arc<dyn TableProvider>>,
}

impl SwappableView {
    pub fn new(view: Arc<dyn TableProvider>) -> Self {
        SwappableView {
            schema: view.schema(),
            current: RwLock::new(view),
        }
    }

    /// Puts `table` in the view's place. Its columns must be the view's (names and types):
    /// the views over this one were planned with them.
    pub fn swap(&self, table: Arc<dyn TableProvider>) -> Result<()> {
        let same = |a: &SchemaRef, b: &SchemaRef| {
            a.fields().len() == b.fields().len()
                && a.fields()
                    .iter()
                    .zip(b.fields())
                    .all(|(x, y)| x.name() == y.name() && x.data_type() == y.data_type())
        };
        if !same(&self.schema, &table.schema()) {
            return Err(DataFusionError::Internal(format!(
                "a view replaced by a table of other columns: {:?} against {:?}",
                self.schema.fields(),
                table.schema().fields()
            )));
        }
        *self.current.write().expect("view lock") = table;
        Ok(())
    }

    fn current(&self) -> Arc<dyn TableProvider> {
        Arc::clone(&self.current.read().expect("view lock"))
    }
}

#[async_trait]
impl TableProvider for SwappableView {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        self.current().table_type()
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        self.current().supports_filters_pushdown(filters)
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let current = self.current();
        // The view's plan is optimized again with the query that scans it (the optimizer
        // runs over the whole tree), so it is planned here without the physical optimizer:
        // with views over views, every level optimized its whole subtree once more (9 % of
        // the CPU samples of a nightly score on a small lake).
        // Views scanned inside this one get the stripped session already: no copy for them.
        let session = state.as_any().downcast_ref::<SessionState>();
        let is_view = current.downcast_ref::<ViewTable>().is_some();
        if let Some(session) = session.filter(|s| is_view && !s.physical_optimizers().is_empty()) {
            let unoptimized = SessionStateBuilder::new_from_existing(session.clone())
                .with_physical_optimizer_rules(vec![])
                .build();
            return current.scan(&unoptimized, projection, filters, limit).await;
        }
        current.scan(state, projection, filters, limit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, RecordBatch};
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::datasource::MemTable;
    use datafusion::prelude::SessionContext;

    async fn rows(ctx: &SessionContext, sql: &str) -> String {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        pretty_format_batches(&batches).unwrap().to_string()
    }

    #[tokio::test]
    async fn views_over_it_read_what_it_holds_now() {
        let ctx = SessionContext::new();
        ctx.sql("create view base as select * from (values (1), (2), (3)) as t(x)")
            .await
            .unwrap();
        let base = ctx.deregister_table("base").unwrap().unwrap();
        let swappable = Arc::new(SwappableView::new(base));
        ctx.register_table("base", swappable.clone()).unwrap();
        ctx.sql("create view doubled as select x * 2 as y from base where x > 1")
            .await
            .unwrap();
        assert!(rows(&ctx, "select sum(y) as s from doubled")
            .await
            .contains("| 10 |"));

        // The view over it is not planned again, yet reads the rows put in its place.
        let schema = swappable.schema();
        let batch =
            RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(vec![5, 7]))])
                .unwrap();
        let table = MemTable::try_new(schema, vec![vec![batch]]).unwrap();
        swappable.swap(Arc::new(table)).unwrap();
        assert!(rows(&ctx, "select sum(y) as s from doubled")
            .await
            .contains("| 24 |"));
    }

    /// A physical optimizer rule that only counts the plans it sees.
    #[derive(Debug, Default)]
    struct CountingRule(std::sync::atomic::AtomicUsize);

    impl datafusion::physical_optimizer::PhysicalOptimizerRule for CountingRule {
        fn optimize(
            &self,
            plan: Arc<dyn ExecutionPlan>,
            _: &datafusion::config::ConfigOptions,
        ) -> Result<Arc<dyn ExecutionPlan>> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(plan)
        }
        fn name(&self) -> &str {
            "counting"
        }
        fn schema_check(&self) -> bool {
            true
        }
    }

    #[tokio::test]
    async fn views_over_views_are_physically_optimized_once_with_the_query() {
        let counting = Arc::new(CountingRule::default());
        let state = SessionStateBuilder::new()
            .with_default_features()
            .with_physical_optimizer_rule(counting.clone())
            .build();
        let ctx = SessionContext::new_with_state(state);
        // Three levels of swappable views, as a score registers them.
        for (name, sql) in [
            ("base", "select * from (values (1), (2), (3)) as t(x)"),
            ("doubled", "select x * 2 as y from base where x > 1"),
            ("summed", "select sum(y) as s from doubled"),
        ] {
            ctx.sql(&format!("create view {name} as {sql}"))
                .await
                .unwrap();
            let view = ctx.deregister_table(name).unwrap().unwrap();
            ctx.register_table(name, Arc::new(SwappableView::new(view)))
                .unwrap();
        }
        assert!(rows(&ctx, "select s + 1 as t from summed")
            .await
            .contains("| 11 |"));
        // Once for the query's whole plan, not again for each view it scans.
        assert_eq!(counting.0.load(std::sync::atomic::Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn a_table_of_other_columns_is_refused() {
        let ctx = SessionContext::new();
        ctx.sql("create view base as select 1 as x").await.unwrap();
        let base = ctx.deregister_table("base").unwrap().unwrap();
        let swappable = SwappableView::new(base);
        let other = ctx
            .sql("select 'a' as x")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let table = MemTable::try_new(other[0].schema(), vec![other]).unwrap();
        assert!(swappable.swap(Arc::new(table)).is_err());
    }
}
