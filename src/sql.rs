//! The analysts' SQL door: a DataFusion session with every lake table registered, and
//! output in the formats people paste into spreadsheets and scripts. Statements that
//! would change anything are refused by DataFusion's own SQL options.

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::error::DataFusionError;
use datafusion::execution::context::SQLOptions;
use datafusion::prelude::SessionContext;

use crate::catalog::Catalog;
use crate::lake::manifest;
use crate::lake::tables;
use crate::lake::Lake;
use crate::score::{self, queries, ScoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
}

/// A session over a lake with every table registered: the sources, `quarantine`,
/// `holidays`, the reference tables of the scoring (as of now), and every view of
/// `queries/`. A derived table (DESIGN §5) reads the files `momentos score` wrote; until a
/// score run has written any, its name is the live view, so SQL works on a new lake too.
pub async fn session(lake: &Lake, catalog: &Catalog) -> Result<SessionContext, ScoreError> {
    let ctx = score::run::new_context();
    let manifests = tables::register_source_tables(&ctx, lake).await?;
    score::prepare_session(&ctx, catalog, chrono::Utc::now()).await?;
    let all = queries::load()?;
    queries::register_views(
        &ctx,
        catalog,
        &all,
        |_| true,
        |q, schema| {
            let Some(derived) = score::derived_table(&q.name) else {
                return Ok(false);
            };
            let files = manifest::live_files(&manifests, derived.name);
            if files.is_empty() {
                return Ok(false);
            }
            let provider = tables::files_table(lake, schema, &files)?;
            ctx.deregister_table(derived.name)?;
            ctx.register_table(derived.name, provider)?;
            Ok(true)
        },
    )
    .await?;
    Ok(ctx)
}

/// Read-only: no DDL, no DML, no `SET`.
pub fn read_only() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// Runs one read-only statement and collects its rows.
pub async fn query(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, DataFusionError> {
    let df = ctx.sql_with_options(sql, read_only()).await?;
    df.collect().await
}

/// Renders rows in the chosen format.
pub fn render(batches: &[RecordBatch], format: OutputFormat) -> Result<String, DataFusionError> {
    Ok(match format {
        OutputFormat::Table => {
            let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
            let mut s = pretty_format_batches(batches)?.to_string();
            s.push_str(&format!("\n{rows} fila(s)\n"));
            s
        }
        OutputFormat::Csv => {
            let mut buf = Vec::new();
            {
                let mut w = datafusion::arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(&mut buf);
                for b in batches {
                    w.write(b)?;
                }
            }
            String::from_utf8(buf).map_err(|e| DataFusionError::External(Box::new(e)))?
        }
        OutputFormat::Json => {
            let mut buf = Vec::new();
            {
                let mut w = datafusion::arrow::json::LineDelimitedWriter::new(&mut buf);
                let refs: Vec<&RecordBatch> = batches.iter().collect();
                w.write_batches(&refs)?;
                w.finish()?;
            }
            String::from_utf8(buf).map_err(|e| DataFusionError::External(Box::new(e)))?
        }
    })
}
