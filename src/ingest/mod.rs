//! `momentos ingest`: one input file becomes one batch of the lake.
//!
//! A first pass hashes the file (the same content is never ingested twice) and, for CSV,
//! finds the ids it sends more than once. Then the file is read row by row through
//! [`crate::sources`], checked by [`crate::validate`] on worker threads, and written as
//! date partitions; rejected rows go to quarantine. Re-sent ids replace older rows: inside
//! the file the last row wins (rows of repeated ids are held back until every version has
//! been seen, so earlier versions are never written), and earlier batches' files holding
//! those ids are rewritten without them (copy-on-write), all committed together by one
//! manifest.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::datatypes::DataType;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::arrow::ProjectionMask;

use crate::catalog::Catalog;
use crate::lake::commit::{self, StagedFile};
use crate::lake::lock::LakeLock;
use crate::lake::manifest::{self, FileEntry, Manifest};
use crate::lake::writer::{self, PartitionedWriter};
use crate::lake::{schema, Lake, LakeError};
use crate::privacy::Pseudonymizer;
use crate::sources::{self, Format, ReadOptions, Record, RecordSource, SourceError};
use crate::validate::{self, builder_lineage, QuarantineBuilder, RowContext, TableBuilder};
use crate::vocabulary::SourceKind;

mod convert;
mod first_pass;
mod resent;

use convert::read_and_validate;
use first_pass::{prescan, Ranges};
use resent::{count_key_hits_in_lake, drop_superseded_rows, first_key_values, row_key_hashes};

/// Rows per Arrow batch handed to the Parquet writers.
const BATCH_ROWS: usize = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("{file}: missing required column(s) {missing}; the file has: {present}")]
    MissingColumns {
        file: String,
        missing: String,
        present: String,
    },
    #[error("{file}:{line}: column `{column}` holds personal identifiers and no pseudonymisation key is configured; set {key_env} (or {key_file_env} to a key file) — identifiers are never stored without a keyed hash")]
    NoKey {
        file: String,
        line: u64,
        column: &'static str,
        key_env: &'static str,
        key_file_env: &'static str,
    },
    #[error(transparent)]
    Lake(#[from] LakeError),
    #[error("{0}")]
    Internal(String),
}

#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub kind: SourceKind,
    pub read: ReadOptions,
    /// Bytes of encoded Parquet the partition writers may buffer.
    pub memory_budget: usize,
    /// How long to wait for another writer of the same lake.
    pub lock_wait: Duration,
    /// Validation threads (each writes its own file per date).
    pub threads: usize,
    /// Rows of repeated ids one worker may hold back (about 300 bytes each) until every
    /// version is seen; past that it writes them and removes earlier versions afterwards.
    pub max_held_rows: usize,
    /// Canonical rows an adapter made of a vendor file (DESIGN §3.5): read instead of the
    /// file, with the adapter's lineage label and record positions.
    pub adapted: Option<std::sync::Arc<sources::adapters::Adapted>>,
}

impl IngestOptions {
    pub fn new(kind: SourceKind) -> Self {
        IngestOptions {
            kind,
            read: ReadOptions::default(),
            memory_budget: writer::DEFAULT_MEMORY_BUDGET,
            lock_wait: Duration::from_secs(600),
            threads: std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .min(8),
            max_held_rows: 200_000,
            adapted: None,
        }
    }
}

/// What happened to one file.
#[derive(Debug, Clone, Default)]
pub struct IngestSummary {
    pub file: String,
    pub kind: String,
    pub described: String,
    /// xxh3-128 of the file's bytes, hex (what the manifest records as `source_hash`).
    pub source_hash: String,
    /// Set when the same content was ingested before: the earlier batch.
    pub already_ingested_in: Option<String>,
    pub batch_id: Option<String>,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_replaced: u64,
    pub rows_superseded_in_file: u64,
    pub rows_quarantined: u64,
    /// reason code → (count, first message).
    pub reasons: BTreeMap<String, (u64, String)>,
    /// Rows kept with a value dropped: warning code → (count, first message).
    pub warnings: BTreeMap<String, (u64, String)>,
    pub unknown_columns: Vec<String>,
    pub files_written: usize,
    pub elapsed: Duration,
}

/// xxh3-128 of a file's bytes, hex.
pub fn content_hash(path: &Path) -> Result<String, SourceError> {
    sources::MappedFile::open(path)
        .and_then(|file| file.content_hash())
        .map_err(|source| SourceError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// The name recorded for a file (see [`crate::privacy::file_label`]).
fn display_name(path: &Path) -> String {
    crate::privacy::file_label(path)
}

/// Ingests one file into the lake as one batch.
pub async fn ingest_file(
    lake: &Lake,
    catalog: &Catalog,
    pseudonymizer: Option<&Pseudonymizer>,
    path: &Path,
    opts: &IngestOptions,
) -> Result<IngestSummary, IngestError> {
    let started = Instant::now();
    // A file that changes while it is read (still being written, cut short) is refused
    // whole: its size and modification time must be the same before the commit.
    let stamp = sources::FileStamp::read(path).map_err(|source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let changed = || sources::FileStamp::read(path).map_or(true, |now| now != stamp);
    let changed_error = || {
        IngestError::Source(SourceError::Changed {
            path: path.to_path_buf(),
        })
    };
    let (owned_path, kind, read_opts) = (path.to_path_buf(), opts.kind, opts.read.clone());
    let prescan = match &opts.adapted {
        // An adapter's rows: its hash covers the settings and the vendor file.
        Some(adapted) => first_pass::Prescan {
            hash: adapted.hash.clone(),
            repeated: None,
            ranges: None,
        },
        None => {
            let prescan =
                tokio::task::spawn_blocking(move || prescan(&owned_path, kind, &read_opts))
                    .await
                    .map_err(|e| IngestError::Internal(e.to_string()))?;
            match prescan {
                Err(_) if changed() => return Err(changed_error()),
                other => other?,
            }
        }
    };
    let label = match &opts.adapted {
        Some(adapted) => adapted.file_label.clone(),
        None => display_name(path),
    };
    let hash = prescan.hash.clone();
    tracing::debug!(elapsed = ?started.elapsed(), "First pass done.");
    let table = opts.kind.code();
    let mut summary = IngestSummary {
        file: path.display().to_string(),
        kind: table.to_string(),
        source_hash: hash.clone(),
        ..Default::default()
    };

    let lock = LakeLock::acquire(lake, &format!("ingest {label}"), opts.lock_wait).await?;
    let result = async {
        commit::recover(lake).await?;
        let manifests = manifest::read_all(lake).await?;
        if let Some(earlier) = manifests
            .iter()
            .find(|m| m.table == table && m.source_hash.as_deref() == Some(hash.as_str()))
        {
            summary.already_ingested_in = Some(earlier.batch_id.clone());
            return Ok(());
        }
        let batch_id = manifest::new_batch_id();
        let ingested_at = Utc::now();
        let read = {
            let (path, catalog, pseudo, opts, batch_id, repeated, ranges) = (
                path.to_path_buf(),
                catalog.clone(),
                pseudonymizer.cloned(),
                opts.clone(),
                batch_id.clone(),
                prescan.repeated,
                prescan.ranges,
            );
            let scratch = commit::local_scratch(lake);
            tokio::task::spawn_blocking(move || {
                read_and_validate(
                    &path,
                    &catalog,
                    pseudo.as_ref(),
                    &opts,
                    &batch_id,
                    ingested_at,
                    repeated.as_ref(),
                    ranges.as_ref(),
                    scratch.as_deref(),
                )
            })
            .await
            .map_err(|e| IngestError::Internal(e.to_string()))??
        };
        tracing::debug!(elapsed = ?started.elapsed(), "Rows converted and written.");
        summary.described = read.described.clone();
        summary.unknown_columns = read.unknown_columns.clone();
        summary.rows_read = read.rows_read;
        summary.rows_quarantined = read.quarantine_rows;
        summary.reasons = read.reasons.clone();
        summary.warnings = read.warnings.clone();
        for (code, (n, first)) in &summary.warnings {
            tracing::warn!(file = %display_name(path), code = %code, rows = n, "{first}");
        }
        summary.rows_superseded_in_file = read.superseded;

        let mut staged = Vec::new();
        let mut files = Vec::new();
        let mut local = Vec::with_capacity(read.parts.len());
        for part in &read.parts {
            let relative = format!("{table}/{}/{}.parquet", part.partition, part.name);
            files.push(FileEntry {
                path: relative.clone(),
                rows: part.rows,
            });
            local.push((relative, part.path.clone()));
        }
        summary.rows_accepted = files.iter().map(|f| f.rows).sum();

        // Copy-on-write replacement of rows that this batch re-sends.
        let mut removes = Vec::new();
        if !read.keys.is_empty() {
            let live = manifest::live_files(&manifests, table);
            // Read back only when there is something to compare with (not on a new lake).
            let first_keys = if live.is_empty() {
                Vec::new()
            } else {
                first_key_values(&read.parts, opts.kind)?
            };
            for (n, old) in live.iter().enumerate() {
                let hits =
                    count_key_hits_in_lake(lake, &old.path, opts.kind, &read.keys, &first_keys)
                        .await?;
                if hits == 0 {
                    continue;
                }
                let bytes = lake.get(&old.path).await?;
                let keys = &read.keys;
                let kind = opts.kind;
                let (rewritten, rows) =
                    writer::rewrite_filtered(bytes, schema::for_source(kind), |b| {
                        let hashes = row_key_hashes(b, kind);
                        BooleanArray::from(
                            hashes
                                .iter()
                                .map(|h| keys.binary_search(h).is_err())
                                .collect::<Vec<_>>(),
                        )
                    })?;
                summary.rows_replaced += hits;
                removes.push(old.path.clone());
                if rows > 0 {
                    let dir = old.path.rsplit_once('/').map_or("", |(d, _)| d);
                    let relative = format!("{dir}/{batch_id}-r{n}.parquet");
                    files.push(FileEntry {
                        path: relative.clone(),
                        rows,
                    });
                    staged.push(StagedFile {
                        path: relative,
                        bytes: rewritten,
                    });
                }
            }
        }

        let quarantine_file = match &read.quarantine {
            Some(part) => {
                let relative = format!("quarantine/{table}/{batch_id}.parquet");
                local.push((relative.clone(), part.path.clone()));
                Some(FileEntry {
                    path: relative,
                    rows: read.quarantine_rows,
                })
            }
            None => None,
        };
        summary.files_written = staged.len() + local.len();
        let manifest = Manifest {
            batch_id: batch_id.clone(),
            table: table.to_string(),
            schema_version: schema::SCHEMA_VERSION,
            created_at: ingested_at,
            source_file: Some(label.clone()),
            source_hash: Some(hash.clone()),
            source_format: Some(read.described.clone()),
            key_id: pseudonymizer.map(|p| p.key_id()),
            rows_read: summary.rows_read,
            rows_accepted: summary.rows_accepted,
            rows_replaced: summary.rows_replaced,
            rows_superseded_in_file: summary.rows_superseded_in_file,
            rows_quarantined: summary.rows_quarantined,
            quarantine_reasons: summary
                .reasons
                .iter()
                .map(|(k, (n, _))| (k.clone(), *n))
                .collect(),
            files,
            quarantine_file,
            removes,
            other_tables: Default::default(),
            quarantine_rewrites: Default::default(),
            derived_from: None,
        };
        tracing::debug!(elapsed = ?started.elapsed(), "Earlier versions removed.");
        if changed() {
            return Err(changed_error());
        }
        commit::publish_with_local(lake, &manifest, staged, local).await?;
        summary.batch_id = Some(batch_id);
        Ok::<(), IngestError>(())
    }
    .await;
    lock.release().await?;
    match result {
        // Whatever went wrong reading a file that changed meanwhile, the change is the news.
        Err(IngestError::Source(_) | IngestError::MissingColumns { .. }) if changed() => {
            return Err(changed_error())
        }
        other => other?,
    }
    summary.elapsed = started.elapsed();
    tracing::info!(
        file = %summary.file,
        rows = summary.rows_read,
        accepted = summary.rows_accepted,
        quarantined = summary.rows_quarantined,
        "Ingested file."
    );
    Ok(summary)
}

/// The outcome of reading one file, before anything reaches the lake.
struct ReadResult {
    warnings: BTreeMap<String, (u64, String)>,
    described: String,
    unknown_columns: Vec<String>,
    rows_read: u64,
    superseded: u64,
    quarantine_rows: u64,
    reasons: BTreeMap<String, (u64, String)>,
    parts: Vec<writer::FinishedPart>,
    _tmp: Vec<tempfile::TempDir>,
    /// The rejected rows' file on local disk (in one of `_tmp`).
    quarantine: Option<writer::FinishedPart>,
    /// Key hashes of the rows written, sorted, each once.
    keys: Vec<u64>,
}

/// Expands the files a user named (folders are not walked; globs are the shell's job).
pub fn check_inputs(files: &[PathBuf]) -> Result<(), SourceError> {
    for f in files {
        if !f.is_file() {
            return Err(SourceError::Io {
                path: f.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
    }
    Ok(())
}
