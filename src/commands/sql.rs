//! `momentos sql "SELECT …"`

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::lake::Lake;
use crate::sql::{self, OutputFormat};

pub async fn run(
    lake: &Lake,
    catalog: &Catalog,
    query: &str,
    format: OutputFormat,
) -> anyhow::Result<ExitStatus> {
    let ctx = sql::session(lake, catalog).await?;
    let started = std::time::Instant::now();
    match sql::query(&ctx, query).await {
        Ok(batches) => {
            print!("{}", sql::render(&batches, format)?);
            if format == OutputFormat::Table {
                eprintln!("({:.3}s)", started.elapsed().as_secs_f64());
            }
            Ok(ExitStatus::Success)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitStatus::UsageError)
        }
    }
}
