//! Batch manifests: `_batches/<batch_id>.json`, written last. A manifest is the commit of its
//! batch; the set of live files of a table is every file a manifest added minus every file a
//! later manifest removed (copy-on-write replacement of re-sent rows).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Lake, LakeError};

pub const BATCHES_DIR: &str = "_batches/";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    /// Lake-relative path.
    pub path: String,
    pub rows: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub batch_id: String,
    /// `interactions`, `surveys`, `shopper`, or a derived table name.
    pub table: String,
    pub schema_version: u32,
    pub created_at: DateTime<Utc>,
    /// Input file name (no folders: they may name people or machines).
    pub source_file: Option<String>,
    /// xxh3-128 of the input file's bytes, hex: the same content is never ingested twice.
    pub source_hash: Option<String>,
    pub source_format: Option<String>,
    /// Fingerprint of the pseudonymisation key used, never the key.
    pub key_id: Option<String>,
    pub rows_read: u64,
    pub rows_accepted: u64,
    /// Rows of earlier batches replaced by re-sent ids.
    pub rows_replaced: u64,
    /// Rows of this file superseded by a later row with the same id in the same file.
    pub rows_superseded_in_file: u64,
    pub rows_quarantined: u64,
    pub quarantine_reasons: BTreeMap<String, u64>,
    /// Data files this batch adds.
    pub files: Vec<FileEntry>,
    /// Quarantine file of this batch, if any row was rejected.
    pub quarantine_file: Option<FileEntry>,
    /// Live files this batch supersedes (rewritten without the replaced rows).
    pub removes: Vec<String>,
    /// Files this batch adds to tables other than `table`, by table name: a batch that
    /// rewrites rows across tables (`momentos forget`) is still one commit.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other_tables: BTreeMap<String, Vec<FileEntry>>,
    /// Quarantine files this batch adds for source tables other than its own quarantine
    /// file (rewritten without some rows), by source table.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub quarantine_rewrites: BTreeMap<String, Vec<FileEntry>>,
    /// What a batch of derived tables was computed from, so a later run can tell which
    /// periods changed since (a score run's manifest; see `score::incremental`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<DerivedFrom>,
}

/// The inputs a score run's derived tables reflect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DerivedFrom {
    /// The latest instant any kept period was judged at.
    pub as_of: DateTime<Utc>,
    /// Hash of the catalog's scoring settings and the method (queries, version).
    pub fingerprint: String,
    /// `table/YYYY-MM` → hash of that month's live source files.
    pub sources: BTreeMap<String, String>,
    /// Periods with a judgment still waiting for its due date.
    pub pending_periods: BTreeSet<String>,
    /// Period → batch id → interactions of that batch the period's `interaction_facts`
    /// reflect: while every count still holds, the period only gained rows (new batches),
    /// and its settled facts can stay as they are.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fact_batches: BTreeMap<String, BTreeMap<String, u64>>,
}

impl Manifest {
    /// The manifest of a derived table written by momentos itself (scores, plans,
    /// reference tables): it adds `files` and supersedes the live files `old`.
    pub fn derived(
        batch_id: &str,
        table: &str,
        created_at: DateTime<Utc>,
        source_format: String,
        files: Vec<FileEntry>,
        old: &[FileEntry],
    ) -> Manifest {
        let rows = files.iter().map(|f| f.rows).sum();
        Manifest {
            batch_id: batch_id.to_string(),
            table: table.to_string(),
            schema_version: super::schema::SCHEMA_VERSION,
            created_at,
            source_file: None,
            source_hash: None,
            source_format: Some(source_format),
            key_id: None,
            rows_read: rows,
            rows_accepted: rows,
            rows_replaced: old.iter().map(|f| f.rows).sum(),
            rows_superseded_in_file: 0,
            rows_quarantined: 0,
            quarantine_reasons: BTreeMap::new(),
            files,
            quarantine_file: None,
            removes: old.iter().map(|f| f.path.clone()).collect(),
            other_tables: BTreeMap::new(),
            quarantine_rewrites: BTreeMap::new(),
            derived_from: None,
        }
    }

    /// The data files this batch adds to `table`.
    pub fn files_of<'a>(&'a self, table: &str) -> impl Iterator<Item = &'a FileEntry> + 'a {
        let own = if self.table == table {
            self.files.as_slice()
        } else {
            &[]
        };
        own.iter()
            .chain(self.other_tables.get(table).into_iter().flatten())
    }

    /// The quarantine files this batch adds for source table `table`.
    pub fn quarantine_files_of<'a>(
        &'a self,
        table: &str,
    ) -> impl Iterator<Item = &'a FileEntry> + 'a {
        let own = self
            .quarantine_file
            .as_ref()
            .filter(|_| self.table == table);
        own.into_iter()
            .chain(self.quarantine_rewrites.get(table).into_iter().flatten())
    }

    /// Every file this batch adds, in any table or quarantine.
    pub fn added_files(&self) -> impl Iterator<Item = &FileEntry> {
        self.files
            .iter()
            .chain(self.quarantine_file.iter())
            .chain(self.other_tables.values().flatten())
            .chain(self.quarantine_rewrites.values().flatten())
    }

    /// The tables this batch adds files to (its own table always included).
    pub fn tables(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.table.as_str())
            .chain(self.other_tables.keys().map(String::as_str))
            .chain(self.quarantine_rewrites.keys().map(String::as_str))
    }

    pub fn relative_path(batch_id: &str) -> String {
        format!("{BATCHES_DIR}{batch_id}.json")
    }
}

/// Every committed manifest, oldest first (batch ids sort by creation time).
pub async fn read_all(lake: &Lake) -> Result<Vec<Manifest>, LakeError> {
    let mut out = Vec::new();
    for path in lake.list(BATCHES_DIR).await? {
        if !path.ends_with(".json") {
            continue;
        }
        let bytes = lake.get(&path).await?;
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|e| LakeError::Corrupt {
                url: lake.url().to_string(),
                path: path.clone(),
                detail: e.to_string(),
            })?;
        out.push(manifest);
    }
    out.sort_by(|a, b| a.batch_id.cmp(&b.batch_id));
    Ok(out)
}

fn removed_paths(manifests: &[Manifest]) -> BTreeSet<&str> {
    manifests
        .iter()
        .flat_map(|m| m.removes.iter().map(String::as_str))
        .collect()
}

/// The live data files of a table, in batch order.
pub fn live_files(manifests: &[Manifest], table: &str) -> Vec<FileEntry> {
    let removed = removed_paths(manifests);
    manifests
        .iter()
        .flat_map(|m| m.files_of(table))
        .filter(|f| !removed.contains(f.path.as_str()))
        .cloned()
        .collect()
}

/// The live quarantine files of a source table.
pub fn quarantine_files(manifests: &[Manifest], table: &str) -> Vec<FileEntry> {
    let removed = removed_paths(manifests);
    manifests
        .iter()
        .flat_map(|m| m.quarantine_files_of(table))
        .filter(|f| !removed.contains(f.path.as_str()))
        .cloned()
        .collect()
}

/// A new batch id: sortable by time, unique across processes.
pub fn new_batch_id() -> String {
    let now = Utc::now();
    let nonce: u32 = rand::random();
    format!("{}-{:08x}", now.format("%Y%m%dT%H%M%S%6fZ"), nonce)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> FileEntry {
        FileEntry {
            path: path.into(),
            rows: 1,
        }
    }

    #[test]
    fn a_batch_across_tables_replaces_files_in_each_of_them() {
        let mut ingest = Manifest::derived(
            "b1",
            "interactions",
            Utc::now(),
            "test".into(),
            vec![entry("interactions/date=2026-01-02/b1.parquet")],
            &[],
        );
        ingest.quarantine_file = Some(entry("quarantine/interactions/b1.parquet"));
        let facts = Manifest::derived(
            "b2",
            "interaction_facts",
            Utc::now(),
            "test".into(),
            vec![entry("facts/b2.parquet")],
            &[],
        );
        let mut forget =
            Manifest::derived("b3", "suppression", Utc::now(), "t".into(), vec![], &[]);
        forget.removes = vec![
            "interactions/date=2026-01-02/b1.parquet".into(),
            "quarantine/interactions/b1.parquet".into(),
            "facts/b2.parquet".into(),
        ];
        forget.other_tables.insert(
            "interactions".into(),
            vec![entry("interactions/date=2026-01-02/b3-0.parquet")],
        );
        forget.quarantine_rewrites.insert(
            "interactions".into(),
            vec![entry("quarantine/interactions/b3-1.parquet")],
        );
        let all = [ingest, facts, forget];
        let paths = |v: Vec<FileEntry>| v.into_iter().map(|f| f.path).collect::<Vec<_>>();
        assert_eq!(
            paths(live_files(&all, "interactions")),
            ["interactions/date=2026-01-02/b3-0.parquet"]
        );
        assert_eq!(
            paths(quarantine_files(&all, "interactions")),
            ["quarantine/interactions/b3-1.parquet"]
        );
        assert!(live_files(&all, "interaction_facts").is_empty());
        assert_eq!(all[2].added_files().count(), 2);
        let json = serde_json::to_string(&all[0]).unwrap();
        assert!(
            !json.contains("other_tables"),
            "old readers see the old format"
        );
    }
}
