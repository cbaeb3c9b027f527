//! The table `cell_statistics`: the exact statistics of [`super::exact`] for every cell of
//! the view `cell_sources`, computed in Rust when the table is scanned.
//!
//! Why a table and not a function: the statistics need all of a cell's sources at once
//! and cost milliseconds per cell, so they belong on the few thousand aggregated cells,
//! after the heavy, portable SQL (`queries/scores/cell_sources.sql`) has counted the rows;
//! `cell_scores.sql` joins them back and ranks the p-values. A filter on the key columns
//! (a period, say) is passed on to `cell_sources`, so a query for one period counts only
//! that period's observations.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, AsArray, Float64Builder, RecordBatch, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionContext;

use super::exact::{cell_stats, CellStats, SourceCount};

/// The table's name in SQL.
pub const TABLE: &str = "cell_statistics";
/// The view it reads.
const SOURCES_VIEW: &str = "cell_sources";
/// The columns that name a cell; filters on them are passed on to `cell_sources`.
const KEYS: [&str; 6] = [
    "cut",
    "period",
    "unit",
    "channel",
    "stakeholder",
    "attribute",
];
const STATS: [&str; 5] = ["score", "se", "lower", "upper", "p_value"];

/// Registers (or replaces) `cell_statistics` in the session.
pub fn register(ctx: &SessionContext) -> Result<()> {
    ctx.deregister_table(TABLE)?;
    ctx.register_table(TABLE, Arc::new(CellStatistics::new()))?;
    Ok(())
}

#[derive(Debug)]
struct CellStatistics {
    schema: SchemaRef,
}

impl CellStatistics {
    fn new() -> Self {
        let fields: Vec<Field> = KEYS
            .iter()
            .map(|k| Field::new(*k, DataType::Utf8, true))
            .chain(
                STATS
                    .iter()
                    .map(|s| Field::new(*s, DataType::Float64, false)),
            )
            .collect();
        CellStatistics {
            schema: Arc::new(Schema::new(fields)),
        }
    }
}

/// True when every column the filter reads names the cell.
fn on_keys_only(filter: &Expr) -> bool {
    filter
        .column_refs()
        .iter()
        .all(|c| KEYS.contains(&c.name.as_str()))
}

#[async_trait]
impl TableProvider for CellStatistics {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        // Inexact: DataFusion filters the output again, so a filter it could not pass on
        // stays correct.
        Ok(filters
            .iter()
            .map(|f| {
                if on_keys_only(f) {
                    TableProviderFilterPushDown::Inexact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let state = state
            .as_any()
            .downcast_ref::<SessionState>()
            .ok_or_else(|| DataFusionError::Internal(format!("{TABLE} needs a SessionState")))?;
        let ctx = SessionContext::new_with_state(state.clone());
        let mut sources = ctx.table(SOURCES_VIEW).await?;
        for f in filters.iter().filter(|f| on_keys_only(f)) {
            sources = sources.filter(crate::lake::pruning::unqualified(f)?)?;
        }
        let started = std::time::Instant::now();
        let batches = sources.collect().await?;
        let batch = compute(&batches)?;
        tracing::debug!(
            cells = batch.num_rows(),
            elapsed_ms = super::run::ms(started),
            "Computed the cell statistics."
        );
        let exec = MemorySourceConfig::try_new_exec(
            &[vec![batch]],
            Arc::clone(&self.schema),
            projection.cloned(),
        )?;
        Ok(exec)
    }
}

/// (cut, period, unit, channel, stakeholder, attribute)
type CellKey = [Option<String>; 6];

/// One cell's contributing sources (sorted by source name: the order of the sum S) and target.
#[derive(Default)]
struct CellInput {
    sources: BTreeMap<String, SourceCount>,
    target: f64,
}

/// The rows of `cell_statistics` for rows of `cell_sources`: the statistics of every cell
/// with a contributing source, in key order.
pub fn compute(batches: &[RecordBatch]) -> Result<RecordBatch> {
    let schema = CellStatistics::new().schema;
    let cells = group_cells(batches)?;
    let inputs: Vec<(&CellKey, &CellInput)> = cells.iter().collect();
    let stats = in_parallel(&inputs, |(_, cell)| {
        let sources: Vec<SourceCount> = cell.sources.values().copied().collect();
        cell_stats(&sources, cell.target)
    });
    let mut keys: Vec<StringBuilder> = KEYS.iter().map(|_| StringBuilder::new()).collect();
    let mut values: Vec<Float64Builder> = STATS.iter().map(|_| Float64Builder::new()).collect();
    for ((key, _), stat) in inputs.iter().zip(stats) {
        let Some(CellStats {
            score,
            se,
            lower,
            upper,
            p_value,
        }) = stat
        else {
            continue;
        };
        for (builder, k) in keys.iter_mut().zip(key.iter()) {
            builder.append_option(k.as_deref());
        }
        for (builder, v) in values.iter_mut().zip([score, se, lower, upper, p_value]) {
            builder.append_value(v);
        }
    }
    let columns = keys
        .iter_mut()
        .map(|b| Arc::new(b.finish()) as Arc<dyn Array>)
        .chain(
            values
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as Arc<dyn Array>),
        )
        .collect();
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// The contributing rows of `cell_sources`, by cell.
fn group_cells(batches: &[RecordBatch]) -> Result<BTreeMap<CellKey, CellInput>> {
    let mut cells: BTreeMap<CellKey, CellInput> = BTreeMap::new();
    for batch in batches {
        let text = |name: &str| -> Result<Arc<dyn Array>> {
            Ok(cast(
                batch.column_by_name(name).ok_or_else(|| missing(name))?,
                &DataType::Utf8,
            )?)
        };
        let number = |name: &str, to: &DataType| -> Result<Arc<dyn Array>> {
            Ok(cast(
                batch.column_by_name(name).ok_or_else(|| missing(name))?,
                to,
            )?)
        };
        let keys: Vec<Arc<dyn Array>> = KEYS.iter().map(|k| text(k)).collect::<Result<_>>()?;
        let source = text("source")?;
        let (n, k) = (
            number("n", &DataType::Int64)?,
            number("k", &DataType::Int64)?,
        );
        let (weight, target) = (
            number("weight", &DataType::Float64)?,
            number("target", &DataType::Float64)?,
        );
        let contributing = number("is_contributing", &DataType::Boolean)?;
        let (source, n, k) = (
            source.as_string::<i32>(),
            n.as_primitive::<Int64Type>(),
            k.as_primitive::<Int64Type>(),
        );
        let (weight, target) = (
            weight.as_primitive::<Float64Type>(),
            target.as_primitive::<Float64Type>(),
        );
        let contributing = contributing.as_boolean();
        let keys: Vec<_> = keys.iter().map(|a| a.as_string::<i32>()).collect();
        for row in 0..batch.num_rows() {
            if !contributing.is_valid(row) || !contributing.value(row) {
                continue;
            }
            let key: CellKey = std::array::from_fn(|i| {
                keys[i]
                    .is_valid(row)
                    .then(|| keys[i].value(row).to_string())
            });
            let cell = cells.entry(key).or_default();
            cell.target = target.value(row);
            cell.sources.insert(
                source.value(row).to_string(),
                SourceCount {
                    weight: weight.value(row),
                    n: n.value(row).max(0) as u64,
                    k: k.value(row).max(0) as u64,
                },
            );
        }
    }
    Ok(cells)
}

fn missing(column: &str) -> DataFusionError {
    DataFusionError::Plan(format!("{SOURCES_VIEW} has no column `{column}`"))
}

/// `f` over `items` on every core, results in the items' order (each item is computed
/// alone, so the results do not depend on the split).
fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads <= 1 || items.len() < 64 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("cell statistics do not panic"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{BooleanArray, Float64Array, Int64Array, StringArray};
    use datafusion::datasource::MemTable;

    /// `cell_sources` rows: (period, attribute, source, n, k, contributing).
    fn sources(rows: &[(&str, &str, &str, i64, i64, bool)]) -> RecordBatch {
        let text = |f: &dyn Fn(&(&str, &str, &str, i64, i64, bool)) -> Option<String>| {
            Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>())) as Arc<dyn Array>
        };
        let schema = Arc::new(Schema::new(vec![
            Field::new("cut", DataType::Utf8, false),
            Field::new("period", DataType::Utf8, false),
            Field::new("unit", DataType::Utf8, false),
            Field::new("channel", DataType::Utf8, false),
            Field::new("stakeholder", DataType::Utf8, true),
            Field::new("attribute", DataType::Utf8, false),
            Field::new("source", DataType::Utf8, false),
            Field::new("n", DataType::Int64, false),
            Field::new("k", DataType::Int64, false),
            Field::new("weight", DataType::Float64, true),
            Field::new("is_contributing", DataType::Boolean, false),
            Field::new("target", DataType::Float64, false),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                text(&|_| Some("unit_channel".into())),
                text(&|r| Some(r.0.into())),
                text(&|_| Some("admisiones".into())),
                text(&|_| Some("phone".into())),
                text(&|_| None),
                text(&|r| Some(r.1.into())),
                text(&|r| Some(r.2.into())),
                Arc::new(Int64Array::from(
                    rows.iter().map(|r| r.3).collect::<Vec<_>>(),
                )),
                Arc::new(Int64Array::from(
                    rows.iter().map(|r| r.4).collect::<Vec<_>>(),
                )),
                Arc::new(Float64Array::from(
                    rows.iter()
                        .map(|r| if r.2 == "survey" { 0.6 } else { 0.4 })
                        .collect::<Vec<_>>(),
                )),
                Arc::new(BooleanArray::from(
                    rows.iter().map(|r| r.5).collect::<Vec<_>>(),
                )),
                Arc::new(Float64Array::from(vec![80.0; rows.len()])),
            ],
        )
        .unwrap()
    }

    #[tokio::test]
    async fn statistics_per_cell_with_filters_passed_on() {
        let ctx = SessionContext::new();
        let batch = sources(&[
            ("2026-01", "kindness", "survey", 20, 14, true),
            ("2026-01", "kindness", "shopper", 10, 9, true),
            ("2026-01", "timeliness", "shopper", 3, 3, false),
            ("2026-02", "kindness", "survey", 12, 6, true),
        ]);
        let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).unwrap();
        ctx.register_table(SOURCES_VIEW, Arc::new(table)).unwrap();
        register(&ctx).unwrap();

        let all = ctx
            .sql("select period, attribute, score, p_value from cell_statistics")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let rows: usize = all.iter().map(|b| b.num_rows()).sum();
        // The timeliness cell has no contributing source: no statistics.
        assert_eq!(rows, 2);

        let one = ctx
            .sql("select score, p_value, upper from cell_statistics where period = '2026-01'")
            .await
            .unwrap();
        let plan = format!("{:?}", one.clone().create_physical_plan().await.unwrap());
        let one = one.collect().await.unwrap();
        assert_eq!(one.iter().map(|b| b.num_rows()).sum::<usize>(), 1, "{plan}");
        let score = one[0].column(0).as_primitive::<Float64Type>().value(0);
        assert!((score - 100.0 * (0.6 * 0.7 + 0.4 * 0.9)).abs() < 1e-12);
        let want = cell_stats(
            &[
                SourceCount {
                    weight: 0.4,
                    n: 10,
                    k: 9,
                },
                SourceCount {
                    weight: 0.6,
                    n: 20,
                    k: 14,
                },
            ],
            80.0,
        )
        .unwrap();
        let p = one[0].column(1).as_primitive::<Float64Type>().value(0);
        let upper = one[0].column(2).as_primitive::<Float64Type>().value(0);
        assert_eq!((p, upper), (want.p_value, want.upper));
    }
}
