//! Removing rows from every table of the lake in one batch (`momentos forget`, retention).
//!
//! Copy-on-write, like a re-sent id: each live file holding a row to remove is rewritten
//! without it (or dropped when nothing is left), and one manifest adds the new files to
//! their tables (`other_tables`, `quarantine_rewrites`) and removes the old ones. `momentos`
//! readers switch to the new files all at once; the Delta mirror gives each table one
//! commit; the old files are deleted right after the commit, so their bytes leave the lake.

use std::collections::BTreeMap;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use datafusion::arrow::array::{Array, BooleanArray, RecordBatch};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::arrow::ProjectionMask;

use super::commit::{self, StagedFile};
use super::manifest::{self, FileEntry, Manifest};
use super::{delta, writer, Lake, LakeError};

/// Table name a selector sees for the rows of a source's quarantine.
pub const QUARANTINE: &str = "quarantine";

/// Which rows leave the lake.
pub trait RowSelector: Sync {
    /// Columns the selector looks at; a file with none of them is not opened further.
    fn columns(&self) -> &[&str];
    /// For a batch of `table` holding (at least) the columns above that the file has: true
    /// for each row to remove. `None` when no row of the batch goes.
    fn rows_to_remove(
        &self,
        table: &str,
        batch: &RecordBatch,
    ) -> Result<Option<BooleanArray>, LakeError>;
    /// Whether a file at this lake path can hold a row to remove; `false` leaves it
    /// unread (e.g. its folder's dates are all newer than a retention cut).
    fn may_select_file(&self, _path: &str) -> bool {
        true
    }
}

/// What a removal did to one table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableRemoval {
    /// Table name (`quarantine` for the quarantine of a source).
    pub table: String,
    /// The table's folder (its Delta table), e.g. `quarantine/surveys/`.
    pub root: String,
    pub rows_removed: u64,
    /// Files rewritten without the removed rows.
    pub files_rewritten: u64,
    /// Files left with no row, removed outright.
    pub files_removed: u64,
}

/// The committed removal: its batch and what it did, table by table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Removal {
    pub batch_id: String,
    pub tables: Vec<TableRemoval>,
}

impl Removal {
    pub fn rows_removed(&self) -> u64 {
        self.tables.iter().map(|t| t.rows_removed).sum()
    }
}

/// A live file and where its rewrite belongs in the manifest.
struct Target {
    table: String,
    file: FileEntry,
    quarantine_of: Option<String>,
}

fn targets(manifests: &[Manifest]) -> Vec<Target> {
    let mut tables: Vec<&str> = manifests.iter().flat_map(Manifest::tables).collect();
    tables.sort_unstable();
    tables.dedup();
    let mut out = Vec::new();
    for table in tables {
        for file in manifest::live_files(manifests, table) {
            out.push(Target {
                table: table.to_string(),
                file,
                quarantine_of: None,
            });
        }
        for file in manifest::quarantine_files(manifests, table) {
            out.push(Target {
                table: QUARANTINE.to_string(),
                file,
                quarantine_of: Some(table.to_string()),
            });
        }
    }
    out
}

/// Which rows of one file go, in file order: `None` when none does (the file stays).
fn scan_file(
    bytes: &Bytes,
    table: &str,
    selector: &dyn RowSelector,
) -> Result<Option<Vec<bool>>, LakeError> {
    let parquet = |e: datafusion::parquet::errors::ParquetError| LakeError::Parquet(e.to_string());
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes.clone()).map_err(parquet)?;
    let roots: Vec<usize> = builder
        .schema()
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| selector.columns().contains(&f.name().as_str()))
        .map(|(i, _)| i)
        .collect();
    if roots.is_empty() {
        return Ok(None);
    }
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(64 * 1024)
        .build()
        .map_err(parquet)?;
    let mut remove = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| LakeError::Parquet(e.to_string()))?;
        match selector.rows_to_remove(table, &batch)? {
            Some(mask) => remove.extend((0..mask.len()).map(|i| mask.is_valid(i) && mask.value(i))),
            None => remove.resize(remove.len() + batch.num_rows(), false),
        }
    }
    Ok(remove.contains(&true).then_some(remove))
}

/// The file without the rows `remove` marks (one flag per row, in file order).
fn rewrite(bytes: Bytes, remove: &[bool]) -> Result<(Bytes, u64, u64), LakeError> {
    let batches = writer::decode(bytes)?;
    let Some(schema) = batches.first().map(RecordBatch::schema) else {
        return Ok((Bytes::new(), 0, 0));
    };
    let mut kept = Vec::with_capacity(batches.len());
    let (mut rows, mut removed, mut offset) = (0u64, 0u64, 0usize);
    for batch in &batches {
        let flags = remove
            .get(offset..offset + batch.num_rows())
            .ok_or_else(|| {
                LakeError::Parquet("the file changed while rows were being removed".into())
            })?;
        offset += batch.num_rows();
        let keep = BooleanArray::from(flags.iter().map(|r| !r).collect::<Vec<_>>());
        let filtered =
            filter_record_batch(batch, &keep).map_err(|e| LakeError::Parquet(e.to_string()))?;
        removed += (batch.num_rows() - filtered.num_rows()) as u64;
        rows += filtered.num_rows() as u64;
        kept.push(filtered);
    }
    Ok((writer::encode(schema, &kept)?, rows, removed))
}

/// Removes the rows `selector` picks from every live file of every table, as one batch
/// recorded under the manifest table `kind` (e.g. `suppression`). Call under the lake lock,
/// after [`commit::recover`]. Returns `None` when no row matched (nothing is written).
pub async fn remove_rows(
    lake: &Lake,
    kind: &str,
    by: &str,
    now: DateTime<Utc>,
    selector: &dyn RowSelector,
) -> Result<Option<Removal>, LakeError> {
    let manifests = manifest::read_all(lake).await?;
    let batch_id = manifest::new_batch_id();
    let mut m = Manifest::derived(&batch_id, kind, now, by.to_string(), vec![], &[]);
    let mut per_table: BTreeMap<(String, String), TableRemoval> = BTreeMap::new();
    let mut staged = Vec::new();
    let targets = targets(&manifests)
        .into_iter()
        .filter(|t| selector.may_select_file(&t.file.path));
    for (n, target) in targets.enumerate() {
        let bytes = lake.get(&target.file.path).await?;
        let Some(masks) = scan_file(&bytes, &target.table, selector)
            .map_err(|e| LakeError::Parquet(format!("{}: {e}", target.file.path)))?
        else {
            continue;
        };
        let (rewritten, rows, removed) = rewrite(bytes, &masks)?;
        let root = delta::table_root(&target.file.path);
        let stats = per_table
            .entry((target.table.clone(), root.clone()))
            .or_insert_with(|| TableRemoval {
                table: target.table.clone(),
                root,
                ..Default::default()
            });
        stats.rows_removed += removed;
        m.removes.push(target.file.path.clone());
        if rows == 0 {
            stats.files_removed += 1;
            continue;
        }
        stats.files_rewritten += 1;
        let dir = target.file.path.rsplit_once('/').map_or("", |(d, _)| d);
        let path = format!("{dir}/{batch_id}-{n}.parquet");
        let entry = FileEntry {
            path: path.clone(),
            rows,
        };
        match &target.quarantine_of {
            Some(source) => m.quarantine_rewrites.entry(source.clone()),
            None => m.other_tables.entry(target.table.clone()),
        }
        .or_default()
        .push(entry);
        staged.push(StagedFile {
            path,
            bytes: rewritten,
        });
    }
    if per_table.is_empty() {
        return Ok(None);
    }
    let removal = Removal {
        batch_id,
        tables: per_table.into_values().collect(),
    };
    m.rows_replaced = removal.rows_removed();
    commit::publish(lake, &m, staged).await?;
    Ok(Some(removal))
}

/// Text values of a column as `&str` per row, whatever string type the file uses.
pub fn text_column(
    batch: &RecordBatch,
    name: &str,
) -> Result<Option<datafusion::arrow::array::StringArray>, LakeError> {
    use datafusion::arrow::datatypes::DataType;
    let Some(col) = batch.column_by_name(name) else {
        return Ok(None);
    };
    let utf8 = datafusion::arrow::compute::cast(col, &DataType::Utf8)
        .map_err(|e| LakeError::Parquet(e.to_string()))?;
    Ok(Some(
        utf8.as_any()
            .downcast_ref::<datafusion::arrow::array::StringArray>()
            .cloned()
            .ok_or_else(|| LakeError::Parquet(format!("{name}: not text")))?,
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::StringArray;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    struct ById(&'static str);

    impl RowSelector for ById {
        fn columns(&self) -> &[&str] {
            &["interaction_id"]
        }
        fn rows_to_remove(
            &self,
            _table: &str,
            batch: &RecordBatch,
        ) -> Result<Option<BooleanArray>, LakeError> {
            let Some(ids) = text_column(batch, "interaction_id")? else {
                return Ok(None);
            };
            Ok(Some(ids.iter().map(|v| Some(v == Some(self.0))).collect()))
        }
    }

    fn file(ids: &[&str]) -> Bytes {
        let schema = Arc::new(Schema::new(vec![
            Field::new("interaction_id", DataType::Utf8, false),
            Field::new("note", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(ids.to_vec())),
                Arc::new(StringArray::from(vec![Some("x"); ids.len()])),
            ],
        )
        .unwrap();
        writer::encode(schema, &[batch]).unwrap()
    }

    async fn put(lake: &Lake, id: &str, table: &str, files: &[(&str, &[&str])]) {
        let mut entries = Vec::new();
        let mut staged = Vec::new();
        for (path, ids) in files {
            entries.push(FileEntry {
                path: path.to_string(),
                rows: ids.len() as u64,
            });
            staged.push(StagedFile {
                path: path.to_string(),
                bytes: file(ids),
            });
        }
        let m = Manifest::derived(id, table, Utc::now(), "t".into(), entries, &[]);
        commit::publish(lake, &m, staged).await.unwrap();
    }

    #[tokio::test]
    async fn the_rows_leave_every_table_in_one_batch_and_the_rest_stays() {
        let lake = Lake::open("memory://rewrite").unwrap();
        put(
            &lake,
            "b1",
            "interactions",
            &[
                ("interactions/date=2026-01-01/b1.parquet", &["a", "b"]),
                ("interactions/date=2026-01-02/b1.parquet", &["c"]),
            ],
        )
        .await;
        put(
            &lake,
            "b2",
            "followups",
            &[("followups/b2.parquet", &["b"])],
        )
        .await;
        let removal = remove_rows(&lake, "suppression", "test", Utc::now(), &ById("b"))
            .await
            .unwrap()
            .expect("rows removed");
        let by_table: BTreeMap<_, _> = removal
            .tables
            .iter()
            .map(|t| {
                (
                    t.table.as_str(),
                    (t.rows_removed, t.files_rewritten, t.files_removed),
                )
            })
            .collect();
        assert_eq!(by_table["interactions"], (1, 1, 0));
        assert_eq!(by_table["followups"], (1, 0, 1));

        let manifests = manifest::read_all(&lake).await.unwrap();
        let live = manifest::live_files(&manifests, "interactions");
        let mut ids = Vec::new();
        for f in &live {
            for b in writer::decode(lake.get(&f.path).await.unwrap()).unwrap() {
                let col = text_column(&b, "interaction_id").unwrap().unwrap();
                ids.extend(col.iter().flatten().map(str::to_string));
            }
        }
        ids.sort();
        assert_eq!(ids, ["a", "c"]);
        assert!(manifest::live_files(&manifests, "followups").is_empty());
        assert!(
            lake.get("followups/b2.parquet").await.is_err(),
            "old bytes deleted"
        );
        assert!(
            live.iter()
                .any(|f| f.path == "interactions/date=2026-01-02/b1.parquet"),
            "a file without the rows is not rewritten"
        );
        let again = remove_rows(&lake, "suppression", "test", Utc::now(), &ById("b"))
            .await
            .unwrap();
        assert_eq!(again, None, "nothing left to remove");
    }
}
