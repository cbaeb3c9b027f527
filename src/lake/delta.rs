//! Delta Lake logs over the lake's tables, for every engine that is not `momentos`
//! (Python `deltalake`, Polars, DuckDB's `delta_scan`, Spark, Power BI).
//!
//! `momentos` commits a batch by its manifest (`_batches/`); right after, each table folder
//! the batch touched gets a Delta commit that makes its `_delta_log/` list exactly the live
//! files the manifests name: the new files as `add` actions and the files a re-sent id
//! superseded as `remove` actions, in one commit. An outside reader therefore sees whole
//! batches only, and never a superseded row. The sync is state-based (desired files minus
//! logged files), so running it again after a crash finishes what the crash interrupted and
//! otherwise does nothing.
//!
//! Delta tables are unpartitioned: our files carry every column (the `date=`/`period=`
//! folders only group them), and a Delta partition column must not be in the files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use datafusion::arrow::datatypes::Schema;
use datafusion::datasource::physical_plan::parquet::metadata::DFParquetMetadata;
use datafusion::parquet::arrow::parquet_to_arrow_schema;
use deltalake::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake::kernel::transaction::{CommitBuilder, CommitProperties};
use deltalake::kernel::{Action, Add, MetadataExt, Remove, StructType};
use deltalake::operations::create::CreateBuilder;
use deltalake::protocol::{DeltaOperation, SaveMode};
use deltalake::{DeltaTable, DeltaTableBuilder, DeltaTableError};
use object_store::{ObjectMeta, ObjectStoreExt};

use super::manifest::{self, FileEntry, Manifest};
use super::{Lake, LakeError};

/// The folder holding a table's Delta log.
pub const LOG_DIR: &str = "_delta_log/";

/// Whether a lake-relative path lies inside some table's Delta log.
pub fn is_log_path(path: &str) -> bool {
    path.contains("/_delta_log/") || path.starts_with(LOG_DIR)
}

/// The table folder of a data file: its folders up to the first `key=value` one, so
/// `interactions/date=2026-01-02/b.parquet` → `interactions/` and
/// `reference/holidays/b.parquet` → `reference/holidays/`.
pub fn table_root(path: &str) -> String {
    let mut root = String::new();
    let mut parts = path.split('/').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() || part.contains('=') {
            break;
        }
        root.push_str(part);
        root.push('/');
    }
    root
}

/// The live data files of every table folder named by the manifests (a folder whose files
/// were all superseded maps to an empty list), grouped by [`table_root`].
pub fn desired_files(manifests: &[Manifest]) -> BTreeMap<String, Vec<FileEntry>> {
    let mut out: BTreeMap<String, Vec<FileEntry>> = BTreeMap::new();
    let tables: BTreeSet<&str> = manifests.iter().flat_map(Manifest::tables).collect();
    for table in tables {
        let live = manifest::live_files(manifests, table);
        let quarantined = manifest::quarantine_files(manifests, table);
        for f in live.into_iter().chain(quarantined) {
            out.entry(table_root(&f.path)).or_default().push(f);
        }
    }
    for m in manifests {
        for path in &m.removes {
            out.entry(table_root(path)).or_default();
        }
    }
    out
}

/// What a Delta commit says about itself (`commitInfo`, under "momentos"): the writer and,
/// for a batch, its id, input file name and content hash, so another engine's user can
/// trace a table version to the batch that made it.
pub type CommitNote = serde_json::Value;

/// The note of a batch's commits.
pub fn batch_note(manifest: &Manifest) -> CommitNote {
    serde_json::json!({
        "batch_id": manifest.batch_id,
        "writer": manifest.source_format,
        "source_file": manifest.source_file,
        "source_hash": manifest.source_hash,
    })
}

/// Makes the Delta logs of the tables `batch` touched (every table when `None`: a
/// recovery) list exactly the live files of the committed manifests. Returns how many
/// tables got a new version.
pub async fn sync_from_manifests(
    lake: &Lake,
    batch: Option<&Manifest>,
) -> Result<usize, LakeError> {
    let manifests = manifest::read_all(lake).await?;
    let roots = batch.map(roots_of);
    let note = batch.map_or_else(|| serde_json::json!("recovery"), batch_note);
    // Tables are independent logs: their commits go concurrently (a score run touches six).
    let syncs = desired_files(&manifests)
        .into_iter()
        .filter(|(root, _)| roots.as_ref().is_none_or(|r| r.contains(root)))
        .map(|(root, files)| {
            let note = &note;
            async move { sync_table(lake, &root, &files, note).await }
        });
    let versions = futures::future::try_join_all(syncs).await?;
    Ok(versions.iter().filter(|v| v.is_some()).count())
}

/// The table folders a manifest touches.
pub fn roots_of(manifest: &Manifest) -> BTreeSet<String> {
    manifest
        .added_files()
        .map(|f| table_root(&f.path))
        .chain(manifest.removes.iter().map(|p| table_root(p)))
        .collect()
}

/// Commits to the Delta table at `root` whatever makes its file set equal `files`
/// (creating the table from the first file's columns when it has no log yet). Returns the
/// new version, or `None` when the log already listed exactly these files.
pub async fn sync_table(
    lake: &Lake,
    root: &str,
    files: &[FileEntry],
    note: &CommitNote,
) -> Result<Option<i64>, LakeError> {
    sync(lake, root, files, note, false).await
}

/// Like [`sync_table`] for a folder of records that are rewritten in place (`runs/`,
/// `deliveries/`): a file whose size changed is removed and added again in one commit.
pub async fn sync_records(lake: &Lake, root: &str, files: &[FileEntry]) -> Result<(), LakeError> {
    sync(lake, root, files, &serde_json::json!("records"), true)
        .await
        .map(|_| ())
}

async fn sync(
    lake: &Lake,
    root: &str,
    files: &[FileEntry],
    note: &CommitNote,
    rewritten_in_place: bool,
) -> Result<Option<i64>, LakeError> {
    let mut table = open(lake, root)?;
    // Looking before loading: the Delta kernel logs an error for a table without a log.
    let exists = has_log(lake, root).await? && {
        table.load().await.map_err(|e| delta_error(lake, root, e))?;
        true
    };
    // Logged files and their sizes.
    let logged: BTreeMap<String, i64> = if exists {
        let snapshot = table.snapshot().map_err(|e| delta_error(lake, root, e))?;
        snapshot
            .log_data()
            .iter()
            .map(|f| (f.path().into_owned(), f.size()))
            .collect()
    } else {
        BTreeMap::new()
    };
    let wanted: BTreeMap<String, &FileEntry> = files
        .iter()
        .map(|f| (f.path[root.len()..].to_string(), f))
        .collect();
    let mut actions = Vec::new();
    let mut stale = BTreeSet::new();
    // One listing gives every size and time an add needs (instead of one HEAD per file).
    let needs_meta = rewritten_in_place || wanted.keys().any(|p| !logged.contains_key(p));
    let metas = if needs_meta {
        object_metas(lake, root).await?
    } else {
        HashMap::new()
    };
    for (relative, entry) in &wanted {
        match logged.get(relative) {
            None => actions.push(Action::Add(
                add_action(lake, &metas, relative, entry).await?,
            )),
            Some(&size) if rewritten_in_place => {
                let add = add_action(lake, &metas, relative, entry).await?;
                if add.size != size {
                    stale.insert(relative.clone());
                    actions.push(Action::Add(add));
                }
            }
            Some(_) => {}
        }
    }
    let now = chrono::Utc::now().timestamp_millis();
    let gone = logged
        .keys()
        .filter(|p| !wanted.contains_key(*p) || stale.contains(*p));
    for relative in gone {
        actions.push(Action::Remove(Remove {
            path: relative.clone(),
            data_change: true,
            deletion_timestamp: Some(now),
            extended_file_metadata: None,
            partition_values: None,
            size: None,
            tags: None,
            deletion_vector: None,
            base_row_id: None,
            default_row_commit_version: None,
        }));
    }
    let app_metadata = HashMap::from([("momentos".to_string(), note.clone())]);
    if !exists {
        let Some(first) = files.first() else {
            return Ok(None);
        };
        let columns = kernel_columns(lake, &metas, root, &first.path).await?;
        let name = root.trim_end_matches('/').replace('/', "_");
        let created = CreateBuilder::new()
            .with_log_store(table.log_store())
            .with_table_name(name)
            .with_columns(columns.fields().cloned())
            .with_actions(actions)
            .with_save_mode(SaveMode::Ignore)
            .with_commit_properties(CommitProperties::default().with_metadata(app_metadata))
            .await
            .map_err(|e| delta_error(lake, root, e))?;
        return Ok(created.version().map(|v| v as i64));
    }
    if actions.is_empty() {
        return Ok(None);
    }
    // A derived table whose columns changed (a new catalog or method) gets the new schema.
    let snapshot = table.snapshot().map_err(|e| delta_error(lake, root, e))?;
    if let Some(Action::Add(add)) = actions.iter().find(|a| matches!(a, Action::Add(_))) {
        let columns = kernel_columns(lake, &metas, root, &format!("{root}{}", add.path)).await?;
        if columns != *snapshot.schema().as_ref() {
            let metadata = snapshot
                .metadata()
                .clone()
                .with_schema(&columns)
                .map_err(|e| delta_error(lake, root, e.into()))?;
            actions.push(Action::Metadata(metadata));
        }
    }
    let removes = actions.iter().any(|a| matches!(a, Action::Remove(_)));
    let operation = DeltaOperation::Write {
        mode: if removes {
            SaveMode::Overwrite
        } else {
            SaveMode::Append
        },
        partition_by: None,
        predicate: None,
    };
    let committed = CommitBuilder::default()
        .with_actions(actions)
        .with_app_metadata(app_metadata)
        .build(Some(snapshot), table.log_store(), operation)
        .await
        .map_err(|e| delta_error(lake, root, e))?;
    Ok(Some(committed.version() as i64))
}

/// The current version of the Delta table at `root` (`None` when it has no log).
pub async fn version(lake: &Lake, root: &str) -> Result<Option<i64>, LakeError> {
    if !has_log(lake, root).await? {
        return Ok(None);
    }
    let mut table = open(lake, root)?;
    table.load().await.map_err(|e| delta_error(lake, root, e))?;
    Ok(table.version().map(|v| v as i64))
}

/// What log upkeep did to one table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogUpkeep {
    pub root: String,
    /// The version a checkpoint was written at, when one was.
    pub checkpoint: Option<i64>,
    /// Commit and checkpoint files removed from the log.
    pub expired: usize,
}

/// Commits after which a table's log gets a checkpoint, so a reader does not replay them.
pub const CHECKPOINT_EVERY: i64 = 10;

/// Writes a checkpoint when the table has [`CHECKPOINT_EVERY`] commits since the last one,
/// then expires log files older than `retention` that a checkpoint makes unneeded (delta-rs'
/// own rules: nothing newer than the last old-enough checkpoint goes, so time travel within
/// `retention` keeps working). `None` for a folder without a log.
pub async fn upkeep_log(
    lake: &Lake,
    root: &str,
    retention: std::time::Duration,
) -> Result<Option<LogUpkeep>, LakeError> {
    // The latest version from one listing of the log: loading the table (replaying its
    // log) is needed only to write a checkpoint, about one night in ten.
    let Some(latest) = latest_commit(lake, root).await? else {
        return Ok(None);
    };
    let mut table = open(lake, root)?;
    let last = last_checkpoint(lake, root).await;
    let mut out = LogUpkeep {
        root: root.to_string(),
        ..Default::default()
    };
    let due = |version: i64| version - last.unwrap_or(-1) >= CHECKPOINT_EVERY;
    let version = match latest {
        Some(version) if !due(version) => version,
        _ => {
            table.load().await.map_err(|e| delta_error(lake, root, e))?;
            table.version().unwrap_or(0) as i64
        }
    };
    if due(version) {
        deltalake::checkpoints::create_checkpoint(&table, None)
            .await
            .map_err(|e| delta_error(lake, root, e))?;
        out.checkpoint = Some(version);
    }
    let cutoff = chrono::Utc::now().timestamp_millis() - retention.as_millis() as i64;
    out.expired = deltalake::checkpoints::cleanup_expired_logs_for(
        version as u64,
        table.log_store().as_ref(),
        cutoff,
        None,
    )
    .await
    .map_err(|e| delta_error(lake, root, e))?;
    Ok(Some(out))
}

/// The version of the table's latest commit file, from one listing of its log: `None` for
/// a folder without a log, `Some(None)` for a log without a commit file (a checkpoint
/// alone: its version is known only by loading the table).
async fn latest_commit(lake: &Lake, root: &str) -> Result<Option<Option<i64>>, LakeError> {
    let metas = object_metas(lake, &format!("{root}{LOG_DIR}")).await?;
    if metas.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        metas
            .values()
            .filter_map(|m| commit_version(m.location.filename()?))
            .max(),
    ))
}

/// The version a commit file's name gives (`00000000000000000012.json` → 12).
fn commit_version(name: &str) -> Option<i64> {
    let digits = name.strip_suffix(".json")?;
    if digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    }
}

/// The version of the table's last checkpoint (`_delta_log/_last_checkpoint`).
async fn last_checkpoint(lake: &Lake, root: &str) -> Option<i64> {
    let bytes = lake
        .get(&format!("{root}{LOG_DIR}_last_checkpoint"))
        .await
        .ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()?
        .get("version")?
        .as_i64()
}

/// Whether `root` already has a Delta log.
async fn has_log(lake: &Lake, root: &str) -> Result<bool, LakeError> {
    use futures::StreamExt;
    let prefix = lake.path(&format!("{root}{LOG_DIR}"));
    match lake.store().list(Some(&prefix)).next().await {
        None => Ok(false),
        Some(Ok(_)) => Ok(true),
        Some(Err(e)) => Err(lake.store_error("listing", &prefix, e)),
    }
}

/// delta-rs finds a table's log store by URL scheme even when given the store: for
/// `s3://` (without its AWS SDK feature) the default log store over our store, whose
/// commits are create-if-absent puts — safe on S3, which honours `If-None-Match: *`.
#[derive(Debug)]
struct OwnStoreLogs;

impl deltalake::logstore::LogStoreFactory for OwnStoreLogs {
    fn with_options(
        &self,
        prefixed_store: deltalake::logstore::ObjectStoreRef,
        root_store: deltalake::logstore::ObjectStoreRef,
        location: &url::Url,
        options: &deltalake::logstore::StorageConfig,
    ) -> deltalake::DeltaResult<Arc<dyn deltalake::logstore::LogStore>> {
        Ok(deltalake::logstore::default_logstore(
            prefixed_store,
            root_store,
            location,
            options,
        ))
    }
}

fn register_log_stores() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let factories = deltalake::logstore::logstore_factories();
        let s3 = url::Url::parse("s3://").expect("a scheme URL");
        if !factories.contains_key(&s3) {
            factories.insert(s3, Arc::new(OwnStoreLogs));
        }
    });
}

/// A Delta table handle on `root` over the lake's own store.
fn open(lake: &Lake, root: &str) -> Result<DeltaTable, LakeError> {
    register_log_stores();
    let url = url::Url::parse(&lake.file_url(root)).map_err(|e| LakeError::BadUrl {
        url: lake.file_url(root),
        detail: e.to_string(),
    })?;
    DeltaTableBuilder::from_url(url.clone())
        .map(|b| b.with_storage_backend(lake.store().clone(), url))
        .and_then(|b| b.build())
        .map_err(|e| delta_error(lake, root, e))
}

/// Size and time of every object under `root`, by lake-relative path.
async fn object_metas(lake: &Lake, root: &str) -> Result<HashMap<String, ObjectMeta>, LakeError> {
    use futures::TryStreamExt;
    let prefix = lake.path(root);
    let metas: Vec<ObjectMeta> = lake
        .store()
        .list(Some(&prefix))
        .try_collect()
        .await
        .map_err(|e| lake.store_error("listing", &prefix, e))?;
    Ok(metas
        .into_iter()
        .map(|m| (lake.relative(&m.location), m))
        .collect())
}

/// The object's size and time: from the listing, or asked for when it was not listed.
async fn object_meta(
    lake: &Lake,
    metas: &HashMap<String, ObjectMeta>,
    relative: &str,
) -> Result<ObjectMeta, LakeError> {
    if let Some(meta) = metas.get(relative) {
        return Ok(meta.clone());
    }
    let path = lake.path(relative);
    lake.store()
        .head(&path)
        .await
        .map_err(|e| lake.store_error("reading", &path, e))
}

async fn add_action(
    lake: &Lake,
    metas: &HashMap<String, ObjectMeta>,
    relative: &str,
    entry: &FileEntry,
) -> Result<Add, LakeError> {
    let meta = object_meta(lake, metas, &entry.path).await?;
    Ok(Add {
        path: relative.to_string(),
        partition_values: HashMap::new(),
        size: meta.size as i64,
        modification_time: meta.last_modified.timestamp_millis(),
        data_change: true,
        stats: Some(format!("{{\"numRecords\":{}}}", entry.rows)),
        tags: None,
        deletion_vector: None,
        base_row_id: None,
        default_row_commit_version: None,
        clustering_provider: None,
    })
}

/// A data file's columns as a Delta schema.
async fn kernel_columns(
    lake: &Lake,
    metas: &HashMap<String, ObjectMeta>,
    root: &str,
    relative: &str,
) -> Result<StructType, LakeError> {
    let schema = file_schema(lake, metas, relative).await?;
    schema
        .as_ref()
        .try_into_kernel()
        .map_err(|e| delta_error(lake, root, e.into()))
}

/// The Arrow columns of a Parquet file, from its footer alone.
async fn file_schema(
    lake: &Lake,
    metas: &HashMap<String, ObjectMeta>,
    relative: &str,
) -> Result<Arc<Schema>, LakeError> {
    let object = object_meta(lake, metas, relative).await?;
    let damaged = |e: String| LakeError::Parquet(format!("{relative}: {e}"));
    let meta = DFParquetMetadata::new(lake.store().as_ref(), &object)
        .fetch_metadata()
        .await
        .map_err(|e| damaged(e.to_string()))?;
    let file = meta.file_metadata();
    let schema = parquet_to_arrow_schema(file.schema_descr(), file.key_value_metadata())
        .map_err(|e| damaged(e.to_string()))?;
    Ok(Arc::new(schema))
}

fn delta_error(lake: &Lake, root: &str, e: DeltaTableError) -> LakeError {
    LakeError::Corrupt {
        url: lake.url().to_string(),
        path: format!("{root}{LOG_DIR}"),
        detail: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_versions_from_file_names() {
        assert_eq!(commit_version("00000000000000000012.json"), Some(12));
        assert_eq!(commit_version("00000000000000000000.json"), Some(0));
        for other in [
            "00000000000000000010.checkpoint.parquet",
            "_last_checkpoint",
            "0000000000000000012.json",
            "0000000000000000001a.json",
            "00000000000000000012.json.tmp",
        ] {
            assert_eq!(commit_version(other), None, "{other}");
        }
    }

    #[test]
    fn table_roots() {
        assert_eq!(
            table_root("interactions/date=2026-01-02/b.parquet"),
            "interactions/"
        );
        assert_eq!(table_root("scores/period=2026-03/b.parquet"), "scores/");
        assert_eq!(
            table_root("facts/interaction_facts/period=2026-03/b.parquet"),
            "facts/interaction_facts/"
        );
        assert_eq!(
            table_root("reference/holidays/b.parquet"),
            "reference/holidays/"
        );
        assert_eq!(
            table_root("quarantine/surveys/b.parquet"),
            "quarantine/surveys/"
        );
        assert_eq!(table_root("plans/b.parquet"), "plans/");
        assert!(is_log_path("plans/_delta_log/00000000000000000000.json"));
        assert!(!is_log_path("plans/b.parquet"));
    }

    fn tiny_parquet() -> bytes::Bytes {
        use datafusion::arrow::array::{Int32Array, RecordBatch};
        let batch =
            RecordBatch::try_from_iter([("x", Arc::new(Int32Array::from(vec![1])) as _)]).unwrap();
        super::super::writer::encode(batch.schema(), &[batch]).unwrap()
    }

    #[tokio::test]
    async fn a_long_log_gets_a_checkpoint_and_its_old_entries_expire() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
        let note = serde_json::json!("test");
        let mut files = Vec::new();
        for i in 0..11 {
            let path = format!("t/f{i}.parquet");
            lake.put(&path, tiny_parquet()).await.unwrap();
            files.push(FileEntry { path, rows: 1 });
            sync_table(&lake, "t/", &files, &note).await.unwrap();
        }
        assert_eq!(version(&lake, "t/").await.unwrap(), Some(10));
        let week = std::time::Duration::from_secs(7 * 24 * 3600);
        let kept = upkeep_log(&lake, "t/", week).await.unwrap().unwrap();
        assert_eq!(kept.checkpoint, Some(10));
        assert_eq!(kept.expired, 0, "nothing is a week old");
        let again = upkeep_log(&lake, "t/", week).await.unwrap().unwrap();
        assert_eq!(
            again.checkpoint, None,
            "no new commits since the checkpoint"
        );

        let now = upkeep_log(&lake, "t/", std::time::Duration::ZERO)
            .await
            .unwrap()
            .unwrap();
        assert!(now.expired >= 10, "{now:?}");
        // The table still loads from its checkpoint and takes new commits.
        let path = "t/f11.parquet".to_string();
        lake.put(&path, tiny_parquet()).await.unwrap();
        files.push(FileEntry { path, rows: 1 });
        assert_eq!(
            sync_table(&lake, "t/", &files, &note).await.unwrap(),
            Some(11)
        );
        assert!(upkeep_log(&lake, "nothing/", week).await.unwrap().is_none());
    }
}
