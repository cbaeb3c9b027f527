//! `cell_statistics` outside a DataFusion session: reads rows of the view `cell_sources`
//! from a Parquet file and writes the exact cell statistics (`score::exact`) as Parquet.
//!
//!   cargo run --release --example cell_statistics -- CELL_SOURCES.parquet OUT.parquet
//!
//! `benches/score_vs_duckdb.py` uses it so that DuckDB, which cannot express the exact
//! binomial tails in SQL, does the same work as `momentos score`: all the SQL in DuckDB,
//! the few thousand cells' statistics with the same Rust code.

use std::fs::File;
use std::sync::Arc;

use anyhow::Context;
use datafusion::arrow::array::RecordBatch;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::arrow::ArrowWriter;
use momentos::score::cell_statistics;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        anyhow::bail!("uso: cell_statistics CELL_SOURCES.parquet SALIDA.parquet");
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(
        File::open(input).with_context(|| format!("abriendo {input}"))?,
    )?
    .build()?;
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>()?;
    let stats = cell_statistics::compute(&batches)?;
    let mut writer =
        ArrowWriter::try_new(File::create(output)?, Arc::clone(&stats.schema()), None)?;
    writer.write(&stats)?;
    writer.close()?;
    Ok(())
}
