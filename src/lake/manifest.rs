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
        }
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

/// The live data files of a table, in batch order.
pub fn live_files(manifests: &[Manifest], table: &str) -> Vec<FileEntry> {
    let removed: BTreeSet<&str> = manifests
        .iter()
        .flat_map(|m| m.removes.iter().map(String::as_str))
        .collect();
    manifests
        .iter()
        .filter(|m| m.table == table)
        .flat_map(|m| m.files.iter())
        .filter(|f| !removed.contains(f.path.as_str()))
        .cloned()
        .collect()
}

/// The quarantine files of a source table.
pub fn quarantine_files(manifests: &[Manifest], table: &str) -> Vec<FileEntry> {
    manifests
        .iter()
        .filter(|m| m.table == table)
        .filter_map(|m| m.quarantine_file.clone())
        .collect()
}

/// A new batch id: sortable by time, unique across processes.
pub fn new_batch_id() -> String {
    let now = Utc::now();
    let nonce: u32 = rand::random();
    format!("{}-{:08x}", now.format("%Y%m%dT%H%M%S%6fZ"), nonce)
}
