//! Publishing a batch and cleaning up after a crash.
//!
//! Order of a publish: upload every file to `_staging/<batch>/`, rename each into place,
//! write the manifest (the commit point), then delete the files the batch supersedes.
//! [`recover`] (run under the lake lock before every write) removes what a killed writer
//! left at any of those steps, so the lake converges to exactly the committed batches.

use std::collections::BTreeSet;

use bytes::Bytes;

use super::delta;
use super::manifest::{self, Manifest};
use super::{Lake, LakeError};

const STAGING_DIR: &str = "_staging/";

/// Folders that hold table files (everything a manifest can reference): the sources, their
/// quarantine, and the derived and reference tables that `momentos score` writes
/// (`crate::score::DERIVED_TABLES`, `crate::score::REFERENCE_DIR`; a test keeps them in step).
pub const TABLE_DIRS: &[&str] = &[
    "interactions/",
    "surveys/",
    "shopper/",
    "quarantine/",
    "facts/",
    "scores/",
    "scores_by_stakeholder/",
    "survey_kpis/",
    "protocol/",
    "plans/",
    "alerts/",
    "followups/",
    "reference/",
    "audit/",
];

/// A file of a batch, ready to upload.
pub struct StagedFile {
    /// Final lake-relative path.
    pub path: String,
    pub bytes: Bytes,
}

/// Uploads the files, publishes them and commits the manifest.
pub async fn publish(
    lake: &Lake,
    manifest: &Manifest,
    files: Vec<StagedFile>,
) -> Result<(), LakeError> {
    publish_with_local(lake, manifest, files, Vec::new()).await
}

/// Like [`publish`], with files that are still on local disk as (lake path, local path):
/// each is read only when uploaded, so a large batch never sits in memory whole.
pub async fn publish_with_local(
    lake: &Lake,
    manifest: &Manifest,
    files: Vec<StagedFile>,
    local: Vec<(String, std::path::PathBuf)>,
) -> Result<(), LakeError> {
    publish_with_uploaded(lake, manifest, files, local, Vec::new()).await
}

/// Like [`publish_with_local`], with files already in the lake elsewhere (a run's
/// [`scratch_prefix`]) as (lake path, where they are): they are moved into place.
pub async fn publish_with_uploaded(
    lake: &Lake,
    manifest: &Manifest,
    files: Vec<StagedFile>,
    local: Vec<(String, std::path::PathBuf)>,
    uploaded: Vec<(String, String)>,
) -> Result<(), LakeError> {
    let newest_before = newest_batch(lake).await?;
    let staging = format!("{STAGING_DIR}{}/", manifest.batch_id);
    let mut moves = Vec::with_capacity(files.len() + local.len());
    for f in files {
        let staged = format!("{staging}{}", f.path);
        lake.put(&staged, f.bytes).await?;
        moves.push((staged, f.path));
    }
    for (target, from) in local {
        let staged = format!("{staging}{target}");
        if !move_into_local_lake(lake, &from, &staged).await {
            lake.put_file(&staged, &from).await?;
        }
        moves.push((staged, target));
    }
    moves.extend(uploaded.into_iter().map(|(target, at)| (at, target)));
    for (staged, target) in &moves {
        lake.rename(staged, target).await?;
    }
    let body = serde_json::to_vec_pretty(manifest).expect("manifest serialises");
    lake.put(
        &Manifest::relative_path(&manifest.batch_id),
        Bytes::from(body),
    )
    .await?;
    // Outside readers follow the Delta logs: they learn of the batch before the files it
    // supersedes go.
    if mirror_to_delta(lake, Some(manifest)).await
        && read_mirrored_mark(lake).await == newest_before
    {
        write_mirrored_mark(lake, &manifest.batch_id).await;
    }
    for old in &manifest.removes {
        lake.delete(old).await?;
        remove_empty_folder(lake, old).await;
    }
    remove_local_folders(lake, &staging).await;
    Ok(())
}

/// Brings the Delta logs of the tables `batch` touched (every table when `None`) up to the
/// committed manifests. The batch is committed already: a failure here only delays what
/// outside engines see, so it is a warning, and the next write's [`recover`] tries again.
async fn mirror_to_delta(lake: &Lake, batch: Option<&Manifest>) -> bool {
    match delta::sync_from_manifests(lake, batch).await {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, "Delta log not updated; the next write retries.");
            false
        }
    }
}

/// Names the batch up to which every manifest is mirrored in the Delta logs, so that a
/// recovery with nothing to mend reads one small object instead of every table's log.
const MIRRORED_MARK: &str = "_delta_mirrored.json";

/// The newest committed batch id, from the manifests' names alone.
async fn newest_batch(lake: &Lake) -> Result<Option<String>, LakeError> {
    Ok(lake
        .list(manifest::BATCHES_DIR)
        .await?
        .iter()
        .filter_map(|p| p.strip_prefix(manifest::BATCHES_DIR)?.strip_suffix(".json"))
        .max()
        .map(str::to_string))
}

async fn read_mirrored_mark(lake: &Lake) -> Option<String> {
    let bytes = lake.get(MIRRORED_MARK).await.ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()?
        .get("batch_id")?
        .as_str()
        .map(str::to_string)
}

/// A failure only costs the next recovery a full sync.
async fn write_mirrored_mark(lake: &Lake, batch_id: &str) {
    let body = serde_json::json!({ "batch_id": batch_id }).to_string();
    if let Err(e) = lake.put(MIRRORED_MARK, Bytes::from(body)).await {
        tracing::debug!(error = %e, "Delta mirror mark not written.");
    }
}

/// Removes the folders a lake-relative prefix leaves in a local lake once its files have
/// moved out (renames leave them behind; other stores have no folders).
async fn remove_local_folders(lake: &Lake, prefix: &str) {
    if let Some(dir) = lake.local_path(prefix) {
        let _ = tokio::fs::remove_dir_all(dir).await;
    }
}

/// Removes the folder of a deleted file when the lake is local and nothing else is in it
/// (a compacted lake written by day leaves its `date=` folders empty; other stores have no
/// folders).
async fn remove_empty_folder(lake: &Lake, relative: &str) {
    let Some((folder, _)) = relative.rsplit_once('/') else {
        return;
    };
    if let Some(dir) = lake.local_path(folder) {
        // Fails, as wanted, when the folder still holds files.
        let _ = tokio::fs::remove_dir(dir).await;
    }
}

/// Moves a finished local file to a lake-relative path when the lake is a local folder on
/// the same file system (no copy of the bytes); false when it must be uploaded instead.
async fn move_into_local_lake(lake: &Lake, from: &std::path::Path, relative: &str) -> bool {
    let Some(to) = lake.local_path(relative) else {
        return false;
    };
    if let Some(dir) = to.parent() {
        if tokio::fs::create_dir_all(dir).await.is_err() {
            return false;
        }
    }
    tokio::fs::rename(from, &to).await.is_ok()
}

/// Where writers of a batch may put their files so that [`publish_with_local`] can move
/// them into the lake: its staging folder when the lake is a local folder (and the system's
/// temporary folder otherwise). A crashed batch's files there are removed by [`recover`].
pub fn local_scratch(lake: &Lake) -> Option<std::path::PathBuf> {
    let dir = lake.local_path(STAGING_DIR)?;
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

/// A lake-relative folder under the staging folder for a run's temporary files that other
/// processes must read (a cluster's executors: the score's cached views). The run removes
/// it with [`remove_scratch`] when it ends, whatever the outcome; after a crash, the next
/// writer's [`recover`] empties the staging folder.
pub fn scratch_prefix(run: &str) -> String {
    format!("{STAGING_DIR}{run}.scratch/")
}

/// Removes a [`scratch_prefix`] folder and its files. A failure is only a warning: the
/// next writer's [`recover`] removes what is left.
pub async fn remove_scratch(lake: &Lake, prefix: &str) {
    let paths = match lake.list(prefix).await {
        Ok(paths) => paths,
        Err(e) => {
            tracing::warn!(error = %e, %prefix, "Scratch files not removed; the next write does.");
            return;
        }
    };
    for path in paths {
        if let Err(e) = lake.delete(&path).await {
            tracing::warn!(error = %e, %path, "Scratch file not removed; the next write does.");
        }
    }
    remove_local_folders(lake, prefix).await;
}

/// What [`recover`] removed.
#[derive(Debug, Default)]
pub struct Recovery {
    pub staged_removed: usize,
    pub orphans_removed: usize,
    pub superseded_removed: usize,
}

/// Removes staging leftovers, files no manifest references (a batch killed before its
/// commit) and files a committed manifest superseded but a crash left behind.
/// Call only while holding the lake lock.
pub async fn recover(lake: &Lake) -> Result<Recovery, LakeError> {
    let mut report = Recovery::default();
    for path in lake.list(STAGING_DIR).await? {
        lake.delete(&path).await?;
        report.staged_removed += 1;
    }
    remove_local_folders(lake, STAGING_DIR).await;
    let manifests = manifest::read_all(lake).await?;
    let referenced: BTreeSet<&str> = manifests
        .iter()
        .flat_map(Manifest::added_files)
        .map(|f| f.path.as_str())
        .collect();
    let removed: BTreeSet<&str> = manifests
        .iter()
        .flat_map(|m| m.removes.iter().map(String::as_str))
        .collect();
    for dir in TABLE_DIRS {
        for path in lake.list(dir).await? {
            if removed.contains(path.as_str()) {
                lake.delete(&path).await?;
                report.superseded_removed += 1;
            } else if !referenced.contains(path.as_str())
                && path.ends_with(".parquet")
                && !delta::is_log_path(&path)
            {
                lake.delete(&path).await?;
                report.orphans_removed += 1;
            }
        }
    }
    // A write killed between its manifest and its Delta commit left the logs behind.
    let newest = manifests.last().map(|m| m.batch_id.clone());
    if newest.is_some()
        && read_mirrored_mark(lake).await != newest
        && mirror_to_delta(lake, None).await
    {
        write_mirrored_mark(lake, newest.as_deref().expect("checked")).await;
    }
    if report.staged_removed + report.orphans_removed + report.superseded_removed > 0 {
        tracing::warn!(
            staged = report.staged_removed,
            orphans = report.orphans_removed,
            superseded = report.superseded_removed,
            "Cleaned up files left by an interrupted write."
        );
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lake::manifest::FileEntry;

    #[tokio::test]
    async fn a_local_batch_is_moved_into_place_and_leaves_no_staging_folders() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path().join("lake").to_str().unwrap()).unwrap();
        recover(&lake).await.unwrap();
        let scratch = local_scratch(&lake).expect("a folder lake has a scratch folder");
        let local = scratch.join("part-0.parquet");
        std::fs::write(&local, b"local bytes").unwrap();
        let files = vec![
            FileEntry {
                path: "t/date=2026-01-02/b.parquet".into(),
                rows: 1,
            },
            FileEntry {
                path: "t/date=2026-01-03/b.parquet".into(),
                rows: 1,
            },
        ];
        let manifest = Manifest::derived("b", "t", chrono::Utc::now(), String::new(), files, &[]);
        let staged = vec![StagedFile {
            path: "t/date=2026-01-03/b.parquet".into(),
            bytes: Bytes::from_static(b"staged bytes"),
        }];
        let local_files = vec![("t/date=2026-01-02/b.parquet".to_string(), local.clone())];
        publish_with_local(&lake, &manifest, staged, local_files)
            .await
            .unwrap();

        assert!(!local.exists(), "moved, not copied");
        let got = lake.get("t/date=2026-01-02/b.parquet").await.unwrap();
        assert_eq!(&got[..], b"local bytes");
        let got = lake.get("t/date=2026-01-03/b.parquet").await.unwrap();
        assert_eq!(&got[..], b"staged bytes");
        let staging: Vec<_> = std::fs::read_dir(&scratch).unwrap().collect();
        assert!(staging.is_empty(), "left in _staging: {staging:?}");

        // A crashed batch's folders go with its files.
        std::fs::create_dir_all(scratch.join("x/t/date=2026-01-04")).unwrap();
        std::fs::write(scratch.join("x/t/date=2026-01-04/c.parquet"), b"c").unwrap();
        assert_eq!(recover(&lake).await.unwrap().staged_removed, 1);
        assert!(!scratch.exists());
    }

    fn parquet_file() -> Bytes {
        use datafusion::arrow::array::{Int32Array, RecordBatch};
        let batch = RecordBatch::try_from_iter([(
            "x",
            std::sync::Arc::new(Int32Array::from(vec![1])) as _,
        )])
        .unwrap();
        super::super::writer::encode(batch.schema(), &[batch]).unwrap()
    }

    fn batch(id: &str) -> (Manifest, Vec<StagedFile>) {
        let path = format!("t/{id}.parquet");
        let files = vec![FileEntry {
            path: path.clone(),
            rows: 1,
        }];
        let m = Manifest::derived(id, "t", chrono::Utc::now(), String::new(), files, &[]);
        let bytes = parquet_file();
        (m, vec![StagedFile { path, bytes }])
    }

    async fn logged_files(lake: &Lake) -> usize {
        let log = lake.list("t/_delta_log/").await.unwrap();
        log.iter().filter(|p| p.ends_with(".json")).count()
    }

    #[tokio::test]
    async fn recovery_mirrors_only_when_a_batch_missed_its_delta_commit() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path().join("lake").to_str().unwrap()).unwrap();
        let (m, files) = batch("b1");
        publish(&lake, &m, files).await.unwrap();
        assert_eq!(read_mirrored_mark(&lake).await.as_deref(), Some("b1"));
        assert_eq!(logged_files(&lake).await, 1);
        let first = lake
            .get("t/_delta_log/00000000000000000000.json")
            .await
            .unwrap();
        let first = String::from_utf8_lossy(&first);
        assert!(first.contains(r#""batch_id":"b1""#), "{first}");

        // Killed after its manifest, before its Delta commit: the mark stays behind.
        let (m, files) = batch("b2");
        for f in files {
            lake.put(&f.path, f.bytes).await.unwrap();
        }
        let body = serde_json::to_vec(&m).unwrap();
        lake.put(&Manifest::relative_path("b2"), Bytes::from(body))
            .await
            .unwrap();
        recover(&lake).await.unwrap();
        assert_eq!(logged_files(&lake).await, 2, "the missed commit is made");
        assert_eq!(read_mirrored_mark(&lake).await.as_deref(), Some("b2"));

        // With the mark current, recovery leaves the logs alone.
        let before = lake.list("t/_delta_log/").await.unwrap();
        recover(&lake).await.unwrap();
        assert_eq!(lake.list("t/_delta_log/").await.unwrap(), before);
    }
}
