//! `momentos ingest`: one input file becomes one batch of the lake.
//!
//! The file is hashed first (the same content is never ingested twice), read row by row
//! through [`crate::sources`], checked by [`crate::validate`], and written as date
//! partitions; rejected rows go to quarantine. Re-sent ids replace older rows: inside the
//! file the last row wins, and earlier batches' files holding those ids are rewritten
//! without them (copy-on-write), all committed together by one manifest.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
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
use crate::sources::{self, ReadOptions, Record, SourceError};
use crate::validate::{self, builder_lineage, QuarantineBuilder, RowContext, TableBuilder};
use crate::vocabulary::SourceKind;

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
    pub unknown_columns: Vec<String>,
    pub files_written: usize,
    pub elapsed: Duration,
}

/// xxh3-128 of a file's bytes, hex.
pub fn content_hash(path: &Path) -> Result<String, SourceError> {
    let io = |source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(format!("{:032x}", hasher.digest128()))
}

/// The name recorded for a file: its file name only (folders can name people or hosts).
fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
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
    let owned_path = path.to_path_buf();
    let hash = tokio::task::spawn_blocking(move || content_hash(&owned_path))
        .await
        .map_err(|e| IngestError::Internal(e.to_string()))??;
    let table = opts.kind.code();
    let mut summary = IngestSummary {
        file: path.display().to_string(),
        kind: table.to_string(),
        source_hash: hash.clone(),
        ..Default::default()
    };

    let lock = LakeLock::acquire(
        lake,
        &format!("ingest {}", display_name(path)),
        opts.lock_wait,
    )
    .await?;
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
            let (path, catalog, pseudo, opts, batch_id) = (
                path.to_path_buf(),
                catalog.clone(),
                pseudonymizer.cloned(),
                opts.clone(),
                batch_id.clone(),
            );
            tokio::task::spawn_blocking(move || {
                read_and_validate(
                    &path,
                    &catalog,
                    pseudo.as_ref(),
                    &opts,
                    &batch_id,
                    ingested_at,
                )
            })
            .await
            .map_err(|e| IngestError::Internal(e.to_string()))??
        };
        summary.described = read.described.clone();
        summary.unknown_columns = read.unknown_columns.clone();
        summary.rows_read = read.rows_read;
        summary.rows_quarantined = read.quarantine_rows;
        summary.reasons = read.reasons.clone();
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
            for (n, old) in live.iter().enumerate() {
                let bytes = lake.get(&old.path).await?;
                let hits = count_key_hits(bytes.clone(), opts.kind, &read.keys)?;
                if hits == 0 {
                    continue;
                }
                let keys = &read.keys;
                let kind = opts.kind;
                let (rewritten, rows) =
                    writer::rewrite_filtered(bytes, schema::for_source(kind), |b| {
                        let hashes = row_key_hashes(b, kind);
                        BooleanArray::from(
                            hashes
                                .iter()
                                .map(|h| !keys.contains_key(h))
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
            Some(bytes) => {
                let relative = format!("quarantine/{table}/{batch_id}.parquet");
                staged.push(StagedFile {
                    path: relative.clone(),
                    bytes: bytes.clone(),
                });
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
            source_file: Some(display_name(path)),
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
        };
        commit::publish_with_local(lake, &manifest, staged, local).await?;
        summary.batch_id = Some(batch_id);
        Ok::<(), IngestError>(())
    }
    .await;
    lock.release().await?;
    result?;
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
    described: String,
    unknown_columns: Vec<String>,
    rows_read: u64,
    superseded: u64,
    quarantine_rows: u64,
    reasons: BTreeMap<String, (u64, String)>,
    parts: Vec<writer::FinishedPart>,
    _tmp: Vec<tempfile::TempDir>,
    quarantine: Option<Bytes>,
    /// Key hash → line of the row that counts (the last one).
    keys: HashMap<u64, u64>,
}

fn read_and_validate(
    path: &Path,
    catalog: &Catalog,
    pseudonymizer: Option<&Pseudonymizer>,
    opts: &IngestOptions,
    batch_id: &str,
    ingested_at: DateTime<Utc>,
) -> Result<ReadResult, IngestError> {
    let converter = validate::converter(opts.kind);
    let columns = converter.columns();
    let file = display_name(path);
    let mut source = sources::open(path, columns, &opts.read)?;
    check_required_columns(path, &*source, &*converter)?;

    let ctx = RowContext::new(catalog, pseudonymizer, ingested_at);
    let workers = opts.threads.max(1);
    let budget = opts.memory_budget / workers;
    let progress = crate::progress::rows_spinner(&format!("Ingesting {file}"));
    let abort = AtomicBool::new(false);
    let (chunk_tx, chunk_rx) = mpsc::sync_channel::<Chunk>(workers * 2);
    let chunk_rx = Mutex::new(chunk_rx);
    let (recycle_tx, recycle_rx) = mpsc::channel::<Chunk>();

    let (rows_read, outputs) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (chunk_rx, recycle_tx, ctx, converter, abort, file) = (
                    &chunk_rx,
                    recycle_tx.clone(),
                    &ctx,
                    &*converter,
                    &abort,
                    file.as_str(),
                );
                let part_name = if workers == 1 {
                    batch_id.to_string()
                } else {
                    format!("{batch_id}-w{w}")
                };
                let lineage = builder_lineage(batch_id, file, ingested_at);
                scope.spawn(move || {
                    let mut worker = Worker::new(
                        opts.kind,
                        &part_name,
                        lineage,
                        budget,
                        batch_id,
                        file,
                        ingested_at,
                    )?;
                    loop {
                        let next = chunk_rx.lock().expect("chunk queue").recv();
                        let Ok(chunk) = next else { break };
                        let result = worker.process(&chunk, converter, ctx, path);
                        let _ = recycle_tx.send(chunk);
                        if let Err(e) = result {
                            abort.store(true, Ordering::Relaxed);
                            return Err(e);
                        }
                    }
                    worker.finish()
                })
            })
            .collect();
        drop(recycle_tx);

        // This thread reads; chunks of records are recycled so rows cost no allocation.
        let mut rows_read = 0u64;
        let read_result = (|| -> Result<(), IngestError> {
            loop {
                if abort.load(Ordering::Relaxed) {
                    return Ok(());
                }
                let mut chunk = recycle_rx.try_recv().unwrap_or_default();
                chunk.len = 0;
                while chunk.len < CHUNK_ROWS {
                    if chunk.records.len() == chunk.len {
                        chunk.records.push(Record::default());
                    }
                    if !source.next_record(&mut chunk.records[chunk.len])? {
                        break;
                    }
                    chunk.len += 1;
                }
                rows_read += chunk.len as u64;
                progress.set_position(rows_read);
                let last = chunk.len < CHUNK_ROWS;
                if chunk.len > 0 && chunk_tx.send(chunk).is_err() {
                    return Ok(());
                }
                if last {
                    return Ok(());
                }
            }
        })();
        drop(chunk_tx);
        let outputs: Vec<Result<WorkerOutput, IngestError>> = handles
            .into_iter()
            .map(|h| h.join().expect("worker thread panicked"))
            .collect();
        read_result.map(|()| (rows_read, outputs))
    })?;
    progress.finish_and_clear();

    let mut parts = Vec::new();
    let mut tmps = Vec::new();
    let mut keys: HashMap<u64, u64> = HashMap::new();
    let mut superseded = 0u64;
    let mut quarantine_batches = Vec::new();
    let mut reasons: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut outputs = outputs.into_iter().collect::<Result<Vec<_>, _>>()?;
    // Merge into the largest key map; a key seen by two workers keeps its last line.
    outputs.sort_by_key(|o| std::cmp::Reverse(o.keys.len()));
    for out in outputs {
        if keys.is_empty() {
            keys = out.keys;
        } else {
            for (k, line) in out.keys {
                match keys.entry(k) {
                    Entry::Occupied(mut e) => {
                        superseded += 1;
                        if line > *e.get() {
                            e.insert(line);
                        }
                    }
                    Entry::Vacant(e) => {
                        e.insert(line);
                    }
                }
            }
        }
        superseded += out.superseded;
        parts.extend(out.parts);
        tmps.push(out.tmp);
        quarantine_batches.extend(out.quarantine);
        for (code, (n, example)) in out.reasons {
            reasons.entry(code).or_insert((0, example)).0 += n;
        }
    }
    if superseded > 0 {
        drop_superseded_rows(&mut parts, opts.kind, &keys)?;
    }
    let quarantine_rows = quarantine_batches
        .iter()
        .map(|b| b.num_rows() as u64)
        .sum::<u64>();
    let quarantine = if quarantine_rows > 0 {
        Some(writer::encode(schema::quarantine(), &quarantine_batches)?)
    } else {
        None
    };
    Ok(ReadResult {
        described: source.describe(),
        unknown_columns: source.unknown_columns().to_vec(),
        rows_read,
        superseded,
        quarantine_rows,
        reasons,
        parts,
        _tmp: tmps,
        quarantine,
        keys,
    })
}

/// Rows handed to a worker at a time.
const CHUNK_ROWS: usize = 4096;

/// Records read by the reader thread; `records[..len]` are filled.
#[derive(Default)]
struct Chunk {
    records: Vec<Record>,
    len: usize,
}

fn check_required_columns(
    path: &Path,
    source: &dyn sources::RecordSource,
    converter: &dyn validate::RowConverter,
) -> Result<(), IngestError> {
    let columns = converter.columns();
    let present = source.present();
    let missing: Vec<&str> = converter
        .required()
        .iter()
        .copied()
        .filter(|c| {
            !present[columns
                .iter()
                .position(|x| x == c)
                .expect("required ⊂ columns")]
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let have: Vec<&str> = columns
        .iter()
        .zip(present)
        .filter(|(_, p)| **p)
        .map(|(c, _)| *c)
        .collect();
    let mut present_list = have.join(", ");
    if !source.unknown_columns().is_empty() {
        present_list.push_str(&format!(
            " (and unknown: {})",
            source.unknown_columns().join(", ")
        ));
    }
    Err(IngestError::MissingColumns {
        file: path.display().to_string(),
        missing: missing.join(", "),
        present: if present_list.is_empty() {
            "no recognised column".into()
        } else {
            present_list
        },
    })
}

/// One validation thread: converts chunks of records and writes its own partition files.
struct Worker {
    builder: TableBuilder,
    writer: PartitionedWriter,
    quarantine: QuarantineBuilder,
    quarantine_batches: Vec<RecordBatch>,
    reasons: BTreeMap<String, (u64, String)>,
    keys: HashMap<u64, u64>,
    superseded: u64,
    part_name: String,
}

struct WorkerOutput {
    parts: Vec<writer::FinishedPart>,
    tmp: tempfile::TempDir,
    quarantine: Vec<RecordBatch>,
    reasons: BTreeMap<String, (u64, String)>,
    keys: HashMap<u64, u64>,
    superseded: u64,
}

impl Worker {
    fn new(
        kind: SourceKind,
        part_name: &str,
        lineage: validate::Lineage,
        budget: usize,
        batch_id: &str,
        file: &str,
        ingested_at: DateTime<Utc>,
    ) -> Result<Worker, IngestError> {
        let table_schema = schema::for_source(kind);
        Ok(Worker {
            builder: TableBuilder::new(table_schema.clone(), lineage),
            writer: PartitionedWriter::new(table_schema, budget)?,
            quarantine: QuarantineBuilder::new(
                kind.code(),
                batch_id,
                file,
                ingested_at.timestamp_micros(),
            ),
            quarantine_batches: Vec::new(),
            reasons: BTreeMap::new(),
            keys: HashMap::new(),
            superseded: 0,
            part_name: part_name.to_string(),
        })
    }

    fn reject(&mut self, rec: &Record, columns: &[&str], why: &validate::Rejection) {
        let e = self
            .reasons
            .entry(why.code.to_string())
            .or_insert_with(|| (0, crate::privacy::redact(&why.message).into_owned()));
        e.0 += 1;
        self.quarantine.push(rec, columns, why);
        if self.quarantine.len() >= BATCH_ROWS {
            self.quarantine_batches.push(self.quarantine.finish());
        }
    }

    fn process(
        &mut self,
        chunk: &Chunk,
        converter: &dyn validate::RowConverter,
        ctx: &RowContext,
        path: &Path,
    ) -> Result<(), IngestError> {
        let columns = converter.columns();
        for rec in &chunk.records[..chunk.len] {
            if let Some(problem) = &rec.problem {
                let why = validate::Rejection {
                    code: "unreadable_row",
                    column: None,
                    message: problem.clone(),
                };
                self.reject(rec, columns, &why);
                continue;
            }
            match converter.convert(rec, ctx) {
                Ok(row) => {
                    let day = local_day(row.event_at, ctx.tz);
                    match self.keys.entry(row.key_hash) {
                        Entry::Occupied(mut e) => {
                            self.superseded += 1;
                            if rec.line > *e.get() {
                                e.insert(rec.line);
                            }
                        }
                        Entry::Vacant(e) => {
                            e.insert(rec.line);
                        }
                    }
                    self.builder.append(&row.values, day, rec.line);
                    if self.builder.len() >= BATCH_ROWS {
                        self.writer.write_by_date(&self.builder.finish())?;
                    }
                }
                Err(why) if why.code == "no_pseudonym_key" => {
                    return Err(IngestError::NoKey {
                        file: path.display().to_string(),
                        line: rec.line,
                        column: why.column.unwrap_or("contact"),
                        key_env: crate::privacy::KEY_ENV,
                        key_file_env: crate::privacy::KEY_FILE_ENV,
                    });
                }
                Err(why) => self.reject(rec, columns, &why),
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<WorkerOutput, IngestError> {
        if !self.builder.is_empty() {
            self.writer.write_by_date(&self.builder.finish())?;
        }
        if !self.quarantine.is_empty() {
            self.quarantine_batches.push(self.quarantine.finish());
        }
        let (mut parts, tmp) = self.writer.finish()?;
        for p in &mut parts {
            p.name = self.part_name.clone();
        }
        Ok(WorkerOutput {
            parts,
            tmp,
            quarantine: self.quarantine_batches,
            reasons: self.reasons,
            keys: self.keys,
            superseded: self.superseded,
        })
    }
}

/// Days since the Unix epoch of the local date of an instant.
fn local_day(micros: i64, tz: chrono_tz::Tz) -> i32 {
    let utc = DateTime::<Utc>::from_timestamp_micros(micros).expect("validated timestamp");
    let local = utc.with_timezone(&tz).date_naive();
    (local - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

/// Within one file the last row of an id counts: rewrites the partitions that hold an
/// earlier row of a repeated id.
fn drop_superseded_rows(
    parts: &mut [writer::FinishedPart],
    kind: SourceKind,
    keys: &HashMap<u64, u64>,
) -> Result<(), IngestError> {
    for part in parts.iter_mut() {
        let bytes = Bytes::from(std::fs::read(&part.path).map_err(LakeError::from)?);
        let (rewritten, rows) = writer::rewrite_filtered(bytes, schema::for_source(kind), |b| {
            let hashes = row_key_hashes(b, kind);
            let lines = b
                .column_by_name("source_line")
                .expect("lineage")
                .as_primitive::<datafusion::arrow::datatypes::Int64Type>();
            BooleanArray::from(
                hashes
                    .iter()
                    .enumerate()
                    .map(|(i, h)| {
                        keys.get(h)
                            .is_none_or(|last| *last == lines.value(i) as u64)
                    })
                    .collect::<Vec<_>>(),
            )
        })?;
        if rows != part.rows {
            std::fs::write(&part.path, &rewritten).map_err(LakeError::from)?;
            part.rows = rows;
        }
    }
    Ok(())
}

/// Key hashes of every row of a batch (same hashing as validation).
fn row_key_hashes(batch: &RecordBatch, kind: SourceKind) -> Vec<u64> {
    let cols: Vec<Vec<String>> = schema::key_columns(kind)
        .iter()
        .map(|c| string_values(batch.column_by_name(c).expect("key column")))
        .collect();
    (0..batch.num_rows())
        .map(|i| {
            let parts: Vec<&str> = cols.iter().map(|c| c[i].as_str()).collect();
            validate::key_hash(&parts)
        })
        .collect()
}

fn string_values(array: &dyn Array) -> Vec<String> {
    match array.data_type() {
        DataType::Utf8View => array
            .as_string_view()
            .iter()
            .map(|v| v.unwrap_or("").to_string())
            .collect(),
        DataType::LargeUtf8 => array
            .as_string::<i64>()
            .iter()
            .map(|v| v.unwrap_or("").to_string())
            .collect(),
        _ => array
            .as_string::<i32>()
            .iter()
            .map(|v| v.unwrap_or("").to_string())
            .collect(),
    }
}

/// How many rows of a lake file have a key this batch re-sends (reads key columns only).
fn count_key_hits(
    bytes: Bytes,
    kind: SourceKind,
    keys: &HashMap<u64, u64>,
) -> Result<u64, IngestError> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .map_err(|e| LakeError::Parquet(e.to_string()))?;
    let wanted: Vec<usize> = schema::key_columns(kind)
        .iter()
        .filter_map(|c| builder.schema().index_of(c).ok())
        .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), wanted);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|e| LakeError::Parquet(e.to_string()))?;
    let mut hits = 0;
    for batch in reader {
        let batch = batch.map_err(|e| LakeError::Parquet(e.to_string()))?;
        hits += row_key_hashes(&batch, kind)
            .iter()
            .filter(|h| keys.contains_key(h))
            .count() as u64;
    }
    Ok(hits)
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
