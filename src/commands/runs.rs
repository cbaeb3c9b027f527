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
    let query = runs_query(pipeline, limit, format);
    let limits = sql::Limits::default();
    let mut sink = sql::output::sink(format, Box::new(std::io::stdout()), limits.max_table_rows);
    sql::run_statement(&ctx, &query, &limits, &mut *sink).await?;
    Ok(ExitStatus::Success)
}

/// The history query. Durations come from the microsecond timestamps (`to_unixtime` keeps
/// whole seconds: a 0,75 s run showed 0.0); in a table for people they read "0,75 s"
/// ("0.75 s" in English), in CSV/JSON they stay a number of seconds.
fn runs_query(pipeline: Option<&str>, limit: usize, format: OutputFormat) -> String {
    let filter = match pipeline {
        Some(p) => format!("where pipeline = '{}'", p.replace('\'', "''")),
        None => String::new(),
    };
    let seconds = "round(cast(arrow_cast(ended_at, 'Int64') - arrow_cast(started_at, 'Int64') as double) / 1e6, 2)";
    let duration = if format == OutputFormat::Table {
        let mark = match crate::i18n::lang() {
            crate::i18n::Lang::Es => ",",
            crate::i18n::Lang::En => ".",
        };
        format!("replace(cast({seconds} as varchar), '.', '{mark}') || ' s' as duration")
    } else {
        format!("{seconds} as seconds")
    };
    format!(
        "select run_id, pipeline, trigger, attempt, \
           date_format(scheduled_for, '%Y-%m-%d %H:%M:%S') as scheduled_for_utc, \
           date_format(started_at, '%Y-%m-%d %H:%M:%S') as started_at_utc, \
           {duration}, \
           status, rows_in, rows_accepted, rows_quarantined, \
           substr(replace(coalesce(error, note, ''), chr(10), ' | '), 1, 100) as error_or_note \
         from runs {filter} order by started_at desc, run_id desc limit {limit}"
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{
        ArrayRef, RecordBatch, StringArray, TimestampMicrosecondArray, UInt32Array,
    };
    use datafusion::prelude::SessionContext;

    use super::*;

    /// Issue 16: docs/scheduling.md said steps were missing that the build has. Its two
    /// lines listing the steps must match what this build runs.
    #[test]
    fn scheduling_doc_lists_the_steps_of_this_build() {
        use crate::pipeline::steps::{runner, StepKind};
        let doc = include_str!("../../docs/scheduling.md");
        let listed = |prefix: &str| -> Vec<String> {
            let line = doc
                .lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("docs/scheduling.md has no line `{prefix}…`"));
            line[prefix.len()..]
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect()
        };
        let (runs, lacks): (Vec<StepKind>, Vec<StepKind>) =
            StepKind::ALL.iter().partition(|s| runner(**s).is_ok());
        let names = |v: Vec<StepKind>| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(listed("Steps that run in this build:"), names(runs));
        assert_eq!(
            listed("Steps the file accepts that this build lacks:"),
            names(lacks)
        );
    }

    /// Issue 16: a 0,75 s run showed "0.0 s".
    #[tokio::test]
    async fn durations_keep_fractions_of_a_second() {
        let ts = |us: i64| -> ArrayRef {
            Arc::new(TimestampMicrosecondArray::from(vec![us]).with_timezone("UTC"))
        };
        let text = |v: &str| -> ArrayRef { Arc::new(StringArray::from(vec![v])) };
        let start = 1_790_000_000_000_000;
        let batch = RecordBatch::try_from_iter(vec![
            ("run_id", text("r1")),
            ("pipeline", text("nightly")),
            ("trigger", text("manual")),
            ("attempt", Arc::new(UInt32Array::from(vec![1])) as ArrayRef),
            ("scheduled_for", ts(start)),
            ("started_at", ts(start)),
            ("ended_at", ts(start + 750_000)),
            ("status", text("succeeded")),
            ("rows_in", Arc::new(UInt32Array::from(vec![0])) as ArrayRef),
            (
                "rows_accepted",
                Arc::new(UInt32Array::from(vec![0])) as ArrayRef,
            ),
            (
                "rows_quarantined",
                Arc::new(UInt32Array::from(vec![0])) as ArrayRef,
            ),
            ("error", text("")),
            ("note", text("")),
        ])
        .unwrap();
        let ctx = SessionContext::new();
        ctx.register_batch("runs", batch).unwrap();
        let cell = |format| {
            let ctx = ctx.clone();
            async move {
                let b = ctx
                    .sql(&runs_query(None, 10, format))
                    .await
                    .unwrap()
                    .collect()
                    .await
                    .unwrap();
                datafusion::arrow::util::display::array_value_to_string(b[0].column(6), 0).unwrap()
            }
        };
        assert_eq!(cell(OutputFormat::Table).await, "0,75 s");
        assert_eq!(cell(OutputFormat::Csv).await, "0.75");
    }
}
