//! `momentos runs`: the run history, newest first.

use super::ExitStatus;
use crate::lake::Lake;
use crate::sql::{self, OutputFormat};

pub async fn run(
    lake: &Lake,
    pipeline: Option<&str>,
    limit: usize,
    format: OutputFormat,
) -> anyhow::Result<ExitStatus> {
    // Only the history is needed: no scoring views to plan.
    let ctx = datafusion::prelude::SessionContext::new();
    crate::pipeline::history::register_tables(&ctx, lake).await?;
    let filter = match pipeline {
        Some(p) => format!("where pipeline = '{}'", p.replace('\'', "''")),
        None => String::new(),
    };
    let query = format!(
        "select run_id, pipeline, trigger, attempt, \
           date_format(scheduled_for, '%Y-%m-%d %H:%M:%S') as scheduled_for_utc, \
           date_format(started_at, '%Y-%m-%d %H:%M:%S') as started_at_utc, \
           round(cast(to_unixtime(ended_at) - to_unixtime(started_at) as double), 1) as seconds, \
           status, rows_in, rows_accepted, rows_quarantined, \
           substr(replace(coalesce(error, note, ''), chr(10), ' | '), 1, 100) as error_or_note \
         from runs {filter} order by started_at desc, run_id desc limit {limit}"
    );
    let limits = sql::Limits::default();
    let mut sink = sql::output::sink(format, Box::new(std::io::stdout()), limits.max_table_rows);
    sql::run_statement(&ctx, &query, &limits, &mut *sink).await?;
    Ok(ExitStatus::Success)
}
