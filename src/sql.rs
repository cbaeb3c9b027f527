//! The analysts' SQL door: a DataFusion session with every lake table registered, and
//! output in the formats people paste into spreadsheets and scripts. Statements that
//! would change anything are refused by DataFusion's own SQL options.

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::error::DataFusionError;
use datafusion::execution::context::SQLOptions;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::lake::tables::{self, RegisterError};
use crate::lake::Lake;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
}

/// A session over a lake with every table registered.
pub async fn session(lake: &Lake) -> Result<SessionContext, RegisterError> {
    let config = SessionConfig::new()
        .with_information_schema(true)
        .with_target_partitions(num_cpus());
    let ctx = SessionContext::new_with_config(config);
    tables::register_source_tables(&ctx, lake).await?;
    crate::pipeline::history::register_tables(&ctx, lake).await?;
    crate::score::register_reference_tables(&ctx)?;
    Ok(ctx)
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
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
