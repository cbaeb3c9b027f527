//! File pruning by the folder a file lives in (issue 17 item 2).
//!
//! Every lake file says in its path which rows it can hold: a source file in
//! `month=YYYY-MM/` (or, older, `date=YYYY-MM-DD/`) holds rows of those local dates only, a
//! derived file in `period=YYYY-MM/` rows of that period only. [`PrunedFiles`] lists a
//! table's files with that *domain* and, when a query's filter references only the domain's
//! columns (`local_date`, `period`), evaluates the filter over every value the domain allows
//! — at most the 31 days of a month — and leaves the file out when no value passes. That is
//! exact for any deterministic filter, however written (`period = '2026-10'` pushed down
//! through a view becomes `to_char(local_date, '%Y-%m') = '2026-10'`, which no min/max
//! statistics could prune), and costs nothing per row. The files kept are scanned by a
//! DataFusion `ListingTable` as before, which prunes row groups by their statistics too.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{Datelike, NaiveDate};
use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, Date32Array, RecordBatch, StringArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{ScanArgs, ScanResult, Session};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, DFSchema};
use datafusion::datasource::listing::ListingTableUrl;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::ExecutionPlan;

/// The rows a file can hold, from its folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Domain {
    /// Rows of these local dates (a month's days, or one day).
    Dates { first: NaiveDate, last: NaiveDate },
    /// Rows of one period (`YYYY-MM`), whose local dates lie in that month.
    Period(String),
}

impl Domain {
    /// The domain a lake path's folders give, if any. Quarantine files are kept by the
    /// month of their batch, not of their rows' dates, so they have none.
    pub fn of_path(path: &str) -> Option<Domain> {
        if path.starts_with("quarantine/") || path.contains("/quarantine/") {
            return None;
        }
        path.split('/').find_map(|segment| {
            if let Some(day) = segment.strip_prefix("date=") {
                let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
                Some(Domain::Dates {
                    first: day,
                    last: day,
                })
            } else if let Some(month) = segment.strip_prefix("month=") {
                let (first, last) = month_days(month)?;
                Some(Domain::Dates { first, last })
            } else if let Some(period) = segment.strip_prefix("period=") {
                month_days(period)?;
                Some(Domain::Period(period.to_string()))
            } else {
                None
            }
        })
    }

    /// Every value of the domain's columns, as a batch with the table's column types (only
    /// the columns the table has); `None` when the table has none of them.
    fn values(&self, table: &Schema) -> Option<RecordBatch> {
        let (first, last, period) = match self {
            Domain::Dates { first, last } => (*first, *last, None),
            Domain::Period(p) => {
                let (first, last) = month_days(p)?;
                (first, last, Some(p.as_str()))
            }
        };
        let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
        let mut fields = Vec::new();
        let mut columns: Vec<ArrayRef> = Vec::new();
        if let Ok(field) = table.field_with_name("local_date") {
            if field.data_type() == &DataType::Date32 {
                let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
                let values = days.iter().map(|d| (*d - epoch).num_days() as i32);
                columns.push(Arc::new(Date32Array::from_iter_values(values)));
                fields.push(Field::new("local_date", DataType::Date32, false));
            }
        }
        if let (Some(period), Ok(field)) = (period, table.field_with_name("period")) {
            let text: ArrayRef = Arc::new(StringArray::from(vec![period; days.len()]));
            if let Ok(typed) = cast(&text, field.data_type()) {
                columns.push(typed);
                fields.push(Field::new("period", field.data_type().clone(), false));
            }
        }
        if columns.is_empty() {
            return None;
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).ok()
    }
}

/// First and last day of a `YYYY-MM` month.
fn month_days(month: &str) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

/// A table over a list of files, each with the domain its folder gives.
#[derive(Debug)]
pub struct PrunedFiles {
    schema: SchemaRef,
    files: Vec<(ListingTableUrl, Option<Domain>)>,
}

impl PrunedFiles {
    pub fn new(schema: SchemaRef, files: Vec<(ListingTableUrl, Option<Domain>)>) -> Self {
        PrunedFiles { schema, files }
    }

    /// The files some row of which may pass every filter.
    fn kept(&self, filters: &[Expr]) -> Vec<ListingTableUrl> {
        let checks: Vec<&Expr> = filters.iter().filter(|f| on_domain_columns(f)).collect();
        // Files of one folder share their domain: each is checked once.
        let mut verdicts: HashMap<&Domain, bool> = HashMap::new();
        self.files
            .iter()
            .filter(|(_, domain)| match domain {
                Some(domain) if !checks.is_empty() => *verdicts
                    .entry(domain)
                    .or_insert_with(|| may_pass(&self.schema, domain, &checks)),
                _ => true,
            })
            .map(|(url, _)| url.clone())
            .collect()
    }
}

/// The filter with its columns unqualified (`interactions.local_date` → `local_date`), so
/// that it applies to another schema with those columns.
pub fn unqualified(filter: &Expr) -> Result<Expr> {
    filter
        .clone()
        .transform(|e| {
            Ok(match e {
                Expr::Column(c) => Transformed::yes(Expr::Column(Column::new_unqualified(c.name))),
                other => Transformed::no(other),
            })
        })
        .map(|t| t.data)
}

/// Whether a filter references only the columns a folder tells (`local_date`, `period`).
fn on_domain_columns(filter: &Expr) -> bool {
    let columns = filter.column_refs();
    !columns.is_empty()
        && columns
            .iter()
            .all(|c| c.name == "local_date" || c.name == "period")
}

/// Whether the folders alone decide a filter: every file has a domain on all of whose
/// values the filter is true, or on none. Then the files kept hold only rows that pass,
/// and the filter need not run on every row (DataFusion drops it above the scan) — the
/// per-row `to_char` a view's `period` costs is gone from period-filtered queries.
fn decided_by_folders(table: &Schema, domains: &[&Domain], filter: &Expr) -> bool {
    if !on_domain_columns(filter) || filter.is_volatile() {
        return false;
    }
    domains.iter().all(|domain| {
        let Some(values) = domain.values(table) else {
            return false;
        };
        let Ok(df_schema) = DFSchema::try_from(values.schema().as_ref().clone()) else {
            return false;
        };
        let all_known = filter
            .column_refs()
            .iter()
            .all(|c| values.schema_ref().field_with_name(&c.name).is_ok());
        let Some(result) = all_known
            .then(|| evaluate(&df_schema, &values, filter))
            .flatten()
        else {
            return false;
        };
        let passes = |row| result.is_valid(row) && result.value(row);
        let first = passes(0);
        (1..values.num_rows()).all(|row| passes(row) == first)
    })
}

/// Does some value of the domain pass every filter? On any doubt (a filter that does not
/// evaluate over the domain's columns) the answer is yes: pruning only ever drops files
/// that provably hold no matching row.
fn may_pass(table: &Schema, domain: &Domain, filters: &[&Expr]) -> bool {
    let Some(values) = domain.values(table) else {
        return true;
    };
    let Ok(df_schema) = DFSchema::try_from(values.schema().as_ref().clone()) else {
        return true;
    };
    let available: HashSet<&str> = values
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    let mut passing = vec![true; values.num_rows()];
    for filter in filters {
        if !filter
            .column_refs()
            .iter()
            .all(|c| available.contains(c.name.as_str()))
        {
            continue;
        }
        let Some(result) = evaluate(&df_schema, &values, filter) else {
            return true;
        };
        for (row, pass) in passing.iter_mut().enumerate() {
            *pass &= result.is_valid(row) && result.value(row);
        }
    }
    passing.into_iter().any(|p| p)
}

fn evaluate(df_schema: &DFSchema, values: &RecordBatch, filter: &Expr) -> Option<BooleanArray> {
    // Filters pushed into a scan may name the table (`interactions.local_date`).
    let unqualified = unqualified(filter).ok()?;
    // The expression's functions are resolved already: no session needed.
    let props = datafusion::execution::context::ExecutionProps::new();
    let physical = datafusion::physical_expr::create_physical_expr(
        &unqualified,
        df_schema,
        &props,
        &datafusion::logical_expr::physical_planning_context::PhysicalPlanningContext::default(),
    )
    .ok()?;
    let array = physical
        .evaluate(values)
        .ok()?
        .into_array(values.num_rows())
        .ok()?;
    array.as_any().downcast_ref::<BooleanArray>().cloned()
}

#[async_trait]
impl TableProvider for PrunedFiles {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        // Exact where the folders decide the filter; elsewhere Inexact: DataFusion still
        // applies the filter to the rows read.
        let mut domains: Vec<&Domain> = Vec::new();
        for (_, domain) in &self.files {
            match domain {
                Some(d) if !domains.contains(&d) => domains.push(d),
                Some(_) => {}
                None => return Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()]),
            }
        }
        Ok(filters
            .iter()
            .map(|f| {
                if decided_by_folders(&self.schema, &domains, f) {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Inexact
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let args = ScanArgs::default()
            .with_projection(projection.map(|p| p.as_slice()))
            .with_filters(Some(filters))
            .with_limit(limit);
        Ok(self.scan_with_args(state, args).await?.into_inner())
    }

    async fn scan_with_args<'a>(
        &self,
        state: &dyn Session,
        args: ScanArgs<'a>,
    ) -> Result<ScanResult> {
        let kept = self.kept(args.filters().unwrap_or_default());
        if kept.len() < self.files.len() {
            tracing::debug!(
                kept = kept.len(),
                of = self.files.len(),
                "Files left out by their folder."
            );
        }
        if kept.is_empty() {
            let schema = match args.projection() {
                Some(p) => Arc::new(self.schema.project(p).map_err(DataFusionError::from)?),
                None => self.schema.clone(),
            };
            let empty: Arc<dyn ExecutionPlan> = Arc::new(EmptyExec::new(schema));
            return Ok(empty.into());
        }
        // A listing table reads every path through its first path's store: files of an S3
        // lake and files still on local disk (a score's new facts) are scanned apart.
        let mut by_store: Vec<Vec<ListingTableUrl>> = Vec::new();
        for url in kept {
            match by_store
                .iter_mut()
                .find(|g| g[0].object_store() == url.object_store())
            {
                Some(group) => group.push(url),
                None => by_store.push(vec![url]),
            }
        }
        let mut plans = Vec::with_capacity(by_store.len());
        for group in by_store {
            let scan = super::tables::listing(group, self.schema.clone())?
                .scan_with_args(state, args.clone())
                .await?;
            plans.push(scan.into_inner());
        }
        Ok(datafusion::physical_plan::union::UnionExec::try_new(plans)?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_from_paths() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            Domain::of_path("interactions/month=2024-02/x.parquet"),
            Some(Domain::Dates {
                first: d(2024, 2, 1),
                last: d(2024, 2, 29)
            })
        );
        assert_eq!(
            Domain::of_path("surveys/date=2026-10-12/x.parquet"),
            Some(Domain::Dates {
                first: d(2026, 10, 12),
                last: d(2026, 10, 12)
            })
        );
        assert_eq!(
            Domain::of_path("derived/scores/period=2026-12/x.parquet"),
            Some(Domain::Period("2026-12".into()))
        );
        assert_eq!(
            Domain::of_path("quarantine/interactions/month=2026-10/x.parquet"),
            None
        );
        assert_eq!(
            Domain::of_path("interactions/month=2026-13/x.parquet"),
            None
        );
        assert_eq!(Domain::of_path("runs/x.parquet"), None);
    }

    #[test]
    fn a_file_is_left_out_only_when_no_day_of_its_domain_passes() {
        use datafusion::logical_expr::{col, lit};
        use datafusion::scalar::ScalarValue;

        let table = Schema::new(vec![
            Field::new("unit", DataType::Utf8, false),
            Field::new("local_date", DataType::Date32, false),
        ]);
        let october = Domain::of_path("interactions/month=2026-10/x.parquet").unwrap();
        let day = |d: &str| {
            let days = (NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
                - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
            .num_days();
            lit(ScalarValue::Date32(Some(days as i32)))
        };
        let passes = |filters: Vec<Expr>| {
            let refs: Vec<&Expr> = filters.iter().collect();
            may_pass(&table, &october, &refs)
        };
        assert!(passes(vec![col("local_date").gt_eq(day("2026-10-31"))]));
        assert!(!passes(vec![col("local_date").gt(day("2026-10-31"))]));
        // Each filter alone passes some day, together none.
        assert!(!passes(vec![
            col("local_date").lt(day("2026-10-05")),
            col("local_date").gt(day("2026-10-20")),
        ]));
        // Qualified columns, as pushed into a scan.
        let qualified = Expr::Column(Column::new(Some("interactions"), "local_date"));
        assert!(!passes(vec![qualified.lt(day("2026-01-01"))]));
        // Functions of the date: `to_char` is what a view's period becomes.
        let to_char =
            datafusion::functions::datetime::expr_fn::to_char(col("local_date"), lit("%Y-%m"));
        assert!(passes(vec![to_char.clone().eq(lit("2026-10"))]));
        assert!(!passes(vec![to_char.eq(lit("2026-11"))]));
        // Filters on other columns are not this module's business.
        assert!(passes(vec![col("unit").eq(lit("x"))]));
    }

    #[test]
    fn folders_decide_a_filter_when_it_is_the_same_on_every_day() {
        use datafusion::functions::datetime::expr_fn::to_char;
        use datafusion::logical_expr::{col, lit};
        let table = Schema::new(vec![
            Field::new("unit", DataType::Utf8, false),
            Field::new("local_date", DataType::Date32, false),
        ]);
        let october = Domain::of_path("interactions/month=2026-10/x.parquet").unwrap();
        let november = Domain::of_path("interactions/month=2026-11/x.parquet").unwrap();
        let both = [&october, &november];
        let period = || to_char(col("local_date"), lit("%Y-%m"));
        // True on every day of October, false on every day of November: exact.
        assert!(decided_by_folders(
            &table,
            &both,
            &period().eq(lit("2026-10"))
        ));
        assert!(decided_by_folders(
            &table,
            &both,
            &period().eq(lit("2027-01"))
        ));
        // True on some days of a folder only: the rows must still be filtered.
        let mid = NaiveDate::from_ymd_opt(2026, 10, 15).unwrap();
        let mid = (mid - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32;
        let half = col("local_date").gt(lit(datafusion::scalar::ScalarValue::Date32(Some(mid))));
        assert!(!decided_by_folders(&table, &both, &half));
        assert!(decided_by_folders(&table, &[&november], &half));
        // Other columns, or a column the domain does not give, are never decided.
        assert!(!decided_by_folders(
            &table,
            &both,
            &col("unit").eq(lit("x"))
        ));
        assert!(!decided_by_folders(
            &table,
            &both,
            &col("period").eq(lit("2026-10"))
        ));
    }

    #[test]
    fn values_take_the_table_types() {
        let table = Schema::new(vec![
            Field::new("period", DataType::Utf8View, false),
            Field::new("local_date", DataType::Date32, false),
        ]);
        let batch = Domain::Period("2026-02".into()).values(&table).unwrap();
        assert_eq!(batch.num_rows(), 28);
        assert_eq!(batch.schema().field(1).data_type(), &DataType::Utf8View);
        let only_period = Schema::new(vec![Field::new("period", DataType::Utf8, false)]);
        let batch = Domain::Period("2026-02".into())
            .values(&only_period)
            .unwrap();
        assert_eq!(batch.num_columns(), 1);
        let none = Schema::new(vec![Field::new("unit", DataType::Utf8, false)]);
        assert!(Domain::Period("2026-02".into()).values(&none).is_none());
    }
}
