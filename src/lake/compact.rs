//! Compaction (`momentos maintain`): a year of daily ingests leaves one file per table, month
//! and batch (per day in lakes written before months), and every scan opens them all. Here the live files of a source table are
//! rewritten as one file per month (`<table>/month=YYYY-MM/`), rows sorted by local date and
//! id so Parquet statistics prune by date, and the table's quarantine files likewise
//! (`quarantine/<table>/month=YYYY-MM/`, by the month of their batch). Each table is one
//! batch: the new files added and the old ones removed in one manifest (one Delta commit),
//! so readers switch at once and rows are neither lost nor doubled. Months already in one
//! file are left alone, so a second run does nothing, and so are months whose newer files
//! are still small next to their largest (see [`plan`]).
//!
//! The rewrite streams through DataFusion with a bounded memory pool (the sort spills to
//! disk beyond it), so a month larger than memory still compacts.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;

use super::commit;
use super::manifest::{self, FileEntry, Manifest};
use super::writer::PartitionedWriter;
use super::{schema, tables, Lake, LakeError};
use crate::vocabulary::SourceKind;

/// Memory the sort of one month may hold before spilling to disk.
pub const COMPACTION_MEMORY: usize = 256 * 1024 * 1024;

/// The month a lake file's partition folder names: `date=YYYY-MM-DD` or `month=YYYY-MM`.
pub fn month_of_path(path: &str) -> Option<&str> {
    path.split('/').find_map(|segment| {
        segment
            .strip_prefix("date=")
            .or_else(|| segment.strip_prefix("month="))
            .and_then(|d| d.get(..7))
    })
}

/// The month of a batch id (`20261204T…` → `2026-12`).
fn month_of_batch(file_name: &str) -> Option<String> {
    let d = file_name.get(..6)?;
    d.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| format!("{}-{}", &d[..4], &d[4..6]))
}

/// The month of a file for compaction: its folder's, else (a quarantine file) its batch's.
fn month_key(path: &str) -> Option<String> {
    if let Some(m) = month_of_path(path) {
        return Some(m.to_string());
    }
    month_of_batch(path.rsplit('/').next()?)
}

/// What compaction did (or, in a dry run, would do) to one table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Compaction {
    /// Source table; quarantine files count under their source with `quarantine` true.
    pub table: String,
    pub quarantine: bool,
    pub months: usize,
    pub files_before: usize,
    pub files_after: usize,
    pub rows: u64,
}

/// A month's files are merged once the rows outside its largest file reach this fraction
/// of that file's rows (or it has [`MAX_FILES_PER_MONTH`] files): a nightly run that adds
/// one day to a month of a big lake does not rewrite the whole month every night — the
/// rewrite comes every few nights, so each row is rewritten a bounded number of times.
const MERGE_WHEN_TAIL_REACHES: u64 = 8;
const MAX_FILES_PER_MONTH: usize = 16;

/// Months whose live files are due for merging (see [`MERGE_WHEN_TAIL_REACHES`]), and
/// those files.
fn plan(files: Vec<FileEntry>) -> BTreeMap<String, Vec<FileEntry>> {
    let mut by_month: BTreeMap<String, Vec<FileEntry>> = BTreeMap::new();
    for f in files {
        if let Some(m) = month_key(&f.path) {
            by_month.entry(m).or_default().push(f);
        }
    }
    by_month.retain(|_, files| {
        let largest = files.iter().map(|f| f.rows).max().unwrap_or(0);
        let tail: u64 = files.iter().map(|f| f.rows).sum::<u64>() - largest;
        files.len() > 1
            && (files.len() >= MAX_FILES_PER_MONTH || tail * MERGE_WHEN_TAIL_REACHES >= largest)
    });
    by_month
}

fn summary(table: &str, quarantine: bool, plan: &BTreeMap<String, Vec<FileEntry>>) -> Compaction {
    Compaction {
        table: table.to_string(),
        quarantine,
        months: plan.len(),
        files_before: plan.values().map(Vec::len).sum(),
        files_after: plan.len(),
        rows: plan.values().flatten().map(|f| f.rows).sum(),
    }
}

fn session(memory: usize) -> Result<SessionContext, LakeError> {
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(FairSpillPool::new(memory)))
        .build_arc()
        .map_err(|e| LakeError::Parquet(e.to_string()))?;
    // One output stream: the files come out sorted.
    let config = SessionConfig::new().with_target_partitions(2);
    Ok(SessionContext::new_with_config_rt(config, runtime))
}

/// Rewrites one month's files as one sorted file on local disk under `folder`.
async fn rewrite_month(
    lake: &Lake,
    schema: SchemaRef,
    files: &[FileEntry],
    order_by: &str,
    folder: &str,
    memory: usize,
    scratch: Option<&std::path::Path>,
) -> Result<(FileEntry, std::path::PathBuf, tempfile::TempDir), LakeError> {
    let ctx = session(memory)?;
    tables::register_store(&ctx, lake);
    let fail = |e: datafusion::error::DataFusionError| LakeError::Parquet(e.to_string());
    let provider = tables::files_table(lake, schema.clone(), files).map_err(fail)?;
    ctx.register_table("month_rows", provider).map_err(fail)?;
    let df = ctx
        .sql(&format!("select * from month_rows order by {order_by}"))
        .await
        .map_err(fail)?;
    let mut stream = df.execute_stream().await.map_err(fail)?;
    let mut writer = PartitionedWriter::new(schema, memory / 2, scratch)?;
    while let Some(batch) = stream.next().await {
        writer.write(folder, &batch.map_err(fail)?)?;
    }
    let (mut parts, dir) = writer.finish()?;
    let part = parts
        .pop()
        .ok_or_else(|| LakeError::Parquet(format!("{folder}: no rows to compact")))?;
    let entry = FileEntry {
        path: String::new(),
        rows: part.rows,
    };
    Ok((entry, part.path, dir))
}

/// Compacts the source tables and their quarantine (or only says what it would do when
/// `dry_run`). Call under the lake lock, after [`commit::recover`].
pub async fn compact_sources(
    lake: &Lake,
    now: DateTime<Utc>,
    dry_run: bool,
    memory: usize,
) -> Result<Vec<Compaction>, LakeError> {
    let mut out = Vec::new();
    for kind in [
        SourceKind::Interactions,
        SourceKind::Surveys,
        SourceKind::Shopper,
    ] {
        let table = kind.code();
        let manifests = manifest::read_all(lake).await?;
        let data = plan(manifest::live_files(&manifests, table));
        let quarantined = plan(manifest::quarantine_files(&manifests, table));
        if data.is_empty() && quarantined.is_empty() {
            continue;
        }
        for (q, p) in [(false, &data), (true, &quarantined)] {
            if !p.is_empty() {
                out.push(summary(table, q, p));
            }
        }
        if dry_run {
            continue;
        }
        let batch_id = manifest::new_batch_id();
        let keys = schema::key_columns(kind).join(", ");
        let scratch = commit::local_scratch(lake);
        let mut old = Vec::new();
        let mut files = Vec::new();
        let mut quarantine_files = Vec::new();
        let mut local = Vec::new();
        let mut dirs = Vec::new();
        let jobs = [
            (
                false,
                &data,
                schema::for_source(kind),
                format!("local_date, {keys}"),
            ),
            (
                true,
                &quarantined,
                schema::quarantine(),
                "quarantined_at, batch_id, source_line".to_string(),
            ),
        ];
        for (is_quarantine, months, columns, order_by) in jobs {
            for (month, month_files) in months.iter() {
                let folder = format!("month={month}");
                let (mut entry, path, dir) = rewrite_month(
                    lake,
                    columns.clone(),
                    month_files,
                    &order_by,
                    &folder,
                    memory,
                    scratch.as_deref(),
                )
                .await?;
                let prefix = if is_quarantine {
                    format!("quarantine/{table}")
                } else {
                    table.to_string()
                };
                entry.path = format!("{prefix}/{folder}/{batch_id}-c.parquet");
                local.push((entry.path.clone(), path));
                dirs.push(dir);
                old.extend(month_files.iter().cloned());
                if is_quarantine {
                    quarantine_files.push(entry);
                } else {
                    files.push(entry);
                }
            }
        }
        let mut m = Manifest::derived(
            &batch_id,
            table,
            now,
            "momentos maintain".into(),
            files,
            &old,
        );
        // Compaction moves rows; it replaces none.
        m.rows_replaced = 0;
        if !quarantine_files.is_empty() {
            m.quarantine_rewrites
                .insert(table.to_string(), quarantine_files);
        }
        commit::publish_with_local(lake, &m, Vec::new(), local).await?;
        drop(dirs);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_grouped_by_the_month_they_hold() {
        assert_eq!(
            month_key("interactions/date=2026-03-02/b.parquet").as_deref(),
            Some("2026-03")
        );
        assert_eq!(
            month_key("interactions/month=2026-03/b-c.parquet").as_deref(),
            Some("2026-03")
        );
        assert_eq!(
            month_key("quarantine/surveys/20261204T011302271474Z-adf29d56.parquet").as_deref(),
            Some("2026-12")
        );
        assert_eq!(month_key("quarantine/surveys/odd.parquet"), None);
        let f = |p: &str| FileEntry {
            path: p.into(),
            rows: 2,
        };
        let p = plan(vec![
            f("t/date=2026-03-01/a.parquet"),
            f("t/date=2026-03-02/a.parquet"),
            f("t/month=2026-04/c.parquet"),
        ]);
        assert_eq!(
            p.keys().collect::<Vec<_>>(),
            ["2026-03"],
            "a month in one file stays"
        );
        assert_eq!(summary("t", false, &p).files_before, 2);
        // One more day in a big month waits until the new rows are an eighth of it, or
        // the month has many files.
        let sized = |p: &str, rows| FileEntry {
            path: p.into(),
            rows,
        };
        let big = |extra: Vec<FileEntry>| {
            let mut files = vec![sized("t/month=2026-11/c.parquet", 800)];
            files.extend(extra);
            plan(files).len()
        };
        assert_eq!(big(vec![sized("t/month=2026-11/d1.parquet", 40)]), 0);
        let days = |n: usize, rows| -> Vec<FileEntry> {
            (0..n)
                .map(|i| sized(&format!("t/month=2026-11/d{i}.parquet"), rows))
                .collect()
        };
        assert_eq!(big(days(2, 40)), 0);
        assert_eq!(big(days(3, 34)), 1, "102 rows ≥ 800 / 8");
        assert_eq!(big(days(15, 1)), 1, "16 files");
    }
}
