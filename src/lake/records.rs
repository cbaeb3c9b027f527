//! Tables kept as one small Parquet object per record (`runs/<run_id>.parquet`,
//! `deliveries/<id>.parquet`): an object put is atomic on every store, so a record is
//! written or overwritten without a lock or a manifest and a reader never sees half of one.
//! Here: listing, reading and registering such a table, and reading one row's fields.

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{Array, AsArray, RecordBatch, UInt32Array, UInt64Array};
use datafusion::arrow::datatypes::{SchemaRef, TimestampMicrosecondType};
use datafusion::prelude::SessionContext;

use super::manifest::FileEntry;
use super::tables::{self, RegisterError};
use super::{writer, Lake, LakeError};

/// A damaged record of `table`.
pub fn error(table: &str, detail: impl std::fmt::Display) -> LakeError {
    LakeError::Parquet(format!("{table}: {detail}"))
}

/// The record objects under `dir`.
pub async fn files(lake: &Lake, dir: &str) -> Result<Vec<FileEntry>, LakeError> {
    Ok(lake
        .list(dir)
        .await?
        .into_iter()
        .filter(|p| p.ends_with(".parquet") && !super::delta::is_log_path(p))
        .map(|path| FileEntry { path, rows: 1 })
        .collect())
}

/// Writes (or overwrites) the record object `path` under `dir`, then brings the folder's
/// Delta log up to date (a failure there is a warning: the record itself is written).
///
/// A record overwritten in place leaves the Delta log first: the log holds each file's
/// size, and an outside reader trusting the old size looks for a footer where the new bytes
/// have none ("Parquet magic bytes not found") — as a process killed between the write and
/// the log's update left it. Until the log takes the record back, outside readers miss
/// that one record instead.
pub async fn put(lake: &Lake, dir: &str, path: &str, bytes: bytes::Bytes) -> Result<(), LakeError> {
    if let Ok(before) = files(lake, dir).await {
        if before.iter().any(|f| f.path == path) {
            let others = before.into_iter().filter(|f| f.path != path).collect();
            sync_logged(lake, dir, Ok(others)).await;
        }
    }
    lake.put(path, bytes).await?;
    sync_logged(lake, dir, files(lake, dir).await).await;
    Ok(())
}

/// Makes the Delta log of `dir` list exactly `found`; a failure is a warning.
async fn sync_logged(lake: &Lake, dir: &str, found: Result<Vec<FileEntry>, LakeError>) {
    let synced = match found {
        Ok(found) => super::delta::sync_records(lake, dir, &found).await,
        Err(e) => Err(e),
    };
    if let Err(e) = synced {
        tracing::warn!(error = %e, "Delta log of {dir} not updated; the next record retries.");
    }
}

/// Every record under `dir`, each row read by `read`.
pub async fn read_all<T>(
    lake: &Lake,
    dir: &str,
    read: impl Fn(&RecordBatch, usize) -> Result<T, LakeError>,
) -> Result<Vec<T>, LakeError> {
    let mut out = Vec::new();
    for f in files(lake, dir).await? {
        for b in writer::decode(lake.get(&f.path).await?)? {
            for row in 0..b.num_rows() {
                out.push(read(&b, row)?);
            }
        }
    }
    Ok(out)
}

/// Registers the records under `dir` as `table` (an empty table with the same columns
/// before the first record).
pub async fn register(
    ctx: &SessionContext,
    lake: &Lake,
    table: &str,
    dir: &str,
    schema: SchemaRef,
) -> Result<(), RegisterError> {
    let found = files(lake, dir).await?;
    let wrap = |source| RegisterError::DataFusion {
        table: table.to_string(),
        source,
    };
    let provider = tables::files_table(lake, schema, &found).map_err(wrap)?;
    ctx.deregister_table(table).map_err(wrap)?;
    ctx.register_table(table, provider).map_err(wrap)?;
    Ok(())
}

/// One row of a record batch, read by column name.
pub struct Row<'a> {
    pub batch: &'a RecordBatch,
    pub row: usize,
    /// Names the table in errors.
    pub table: &'static str,
}

impl Row<'_> {
    fn column(&self, name: &str) -> Result<&dyn Array, LakeError> {
        self.batch
            .column_by_name(name)
            .map(|c| c.as_ref())
            .ok_or_else(|| error(self.table, format!("no column `{name}`")))
    }

    pub fn text(&self, name: &str) -> Result<Option<String>, LakeError> {
        let a = self
            .column(name)?
            .as_string_opt::<i32>()
            .ok_or_else(|| error(self.table, name))?;
        Ok(a.is_valid(self.row).then(|| a.value(self.row).to_string()))
    }

    pub fn time(&self, name: &str) -> Result<Option<DateTime<Utc>>, LakeError> {
        let a = self
            .column(name)?
            .as_primitive_opt::<TimestampMicrosecondType>()
            .ok_or_else(|| error(self.table, name))?;
        Ok(a.is_valid(self.row)
            .then(|| DateTime::from_timestamp_micros(a.value(self.row)))
            .flatten())
    }

    pub fn u32(&self, name: &str) -> Result<u32, LakeError> {
        let a = self
            .column(name)?
            .as_any()
            .downcast_ref::<UInt32Array>()
            .ok_or_else(|| error(self.table, name))?;
        Ok(a.value(self.row))
    }

    pub fn u64(&self, name: &str) -> Result<u64, LakeError> {
        let a = self
            .column(name)?
            .as_any()
            .downcast_ref::<UInt64Array>()
            .ok_or_else(|| error(self.table, name))?;
        Ok(a.value(self.row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::StringArray;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;

    fn record(text: &str) -> bytes::Bytes {
        let schema = Arc::new(Schema::new(vec![Field::new("t", DataType::Utf8, false)]));
        let column = Arc::new(StringArray::from(vec![text]));
        let batch = RecordBatch::try_new(schema.clone(), vec![column]).unwrap();
        writer::encode(schema, &[batch]).unwrap()
    }

    /// The actions of each Delta log version on `file`: `Some(size)` adds it, `None`
    /// removes it (versions that do not touch it are left out).
    fn log_of(root: &std::path::Path, file: &str) -> Vec<Vec<Option<i64>>> {
        let mut commits: Vec<_> = std::fs::read_dir(root.join("_delta_log"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        commits.sort();
        commits
            .iter()
            .map(|commit| {
                std::fs::read_to_string(commit)
                    .unwrap()
                    .lines()
                    .filter_map(|line| {
                        let action: serde_json::Value = serde_json::from_str(line).unwrap();
                        if let Some(add) = action.get("add").filter(|a| a["path"] == file) {
                            return Some(Some(add["size"].as_i64().unwrap()));
                        }
                        action
                            .get("remove")
                            .filter(|r| r["path"] == file)
                            .map(|_| None)
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|actions| !actions.is_empty())
            .collect()
    }

    /// An outside reader takes a file's size from the Delta log: a record overwritten with
    /// other bytes must be out of the log before they change, and come back with their size
    /// (a log that went straight from the old size to the new one was wrong in between).
    #[tokio::test]
    async fn an_overwritten_record_leaves_the_delta_log_before_its_bytes_change() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
        let (first, second) = (record("running"), record(&"done ".repeat(40)));
        assert_ne!(first.len(), second.len());
        put(&lake, "runs/", "runs/a.parquet", first.clone())
            .await
            .unwrap();
        put(&lake, "runs/", "runs/a.parquet", second.clone())
            .await
            .unwrap();
        assert_eq!(
            log_of(&dir.path().join("runs"), "a.parquet"),
            vec![
                vec![Some(first.len() as i64)],
                vec![None],
                vec![Some(second.len() as i64)]
            ]
        );
    }
}
