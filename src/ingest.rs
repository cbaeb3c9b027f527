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
use std::io::{Read, Seek, SeekFrom};
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
    let (owned_path, kind, read_opts) = (path.to_path_buf(), opts.kind, opts.read.clone());
    let prescan = tokio::task::spawn_blocking(move || prescan(&owned_path, kind, &read_opts))
        .await
        .map_err(|e| IngestError::Internal(e.to_string()))??;
    let hash = prescan.hash.clone();
    tracing::debug!(elapsed = ?started.elapsed(), "First pass done.");
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
            let (path, catalog, pseudo, opts, batch_id, repeated, ranges) = (
                path.to_path_buf(),
                catalog.clone(),
                pseudonymizer.cloned(),
                opts.clone(),
                batch_id.clone(),
                prescan.repeated,
                prescan.ranges,
            );
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
        tracing::debug!(elapsed = ?started.elapsed(), "Earlier versions removed.");
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
    /// Key hashes of the rows written, sorted, each once.
    keys: Vec<u64>,
}

/// What is known of a file before its rows are converted.
struct Prescan {
    /// xxh3-128 of the file's bytes, hex.
    hash: String,
    /// Key hashes the file holds more than once; `None` when not known (not CSV, or a key
    /// that validation normalises): repeated ids are then found after writing.
    repeated: Option<HashSet<u64>>,
    /// Where a CSV file's records start, so several threads can parse it.
    ranges: Option<Ranges>,
}

/// Hashes the file and, for CSV interactions and surveys, finds the repeated ids in the
/// same pass.
fn prescan(path: &Path, kind: SourceKind, read: &ReadOptions) -> Result<Prescan, IngestError> {
    let raw_key = match kind {
        SourceKind::Interactions => Some("interaction_id"),
        SourceKind::Surveys => Some("response_id"),
        // The key includes the rubric item as the catalog spells it.
        SourceKind::Shopper => None,
    };
    let format = read.format.or_else(|| Format::from_path(path));
    if let (Some(Format::Csv), Some(key)) = (format, raw_key) {
        let columns = validate::converter(kind).columns();
        let mut hashes = Vec::new();
        // A file the reader cannot open is reported by the reader, with its reasons.
        if let Ok(scan) = sources::scan_csv(path, columns, &[key], &mut |v| {
            hashes.push(validate::key_hash(v))
        }) {
            let repeated = scan.complete.then(|| repeated_keys(hashes));
            let ranges = scan.complete.then_some(Ranges {
                starts: scan.starts,
                len: scan.len,
            });
            return Ok(Prescan {
                hash: scan.hash,
                repeated,
                ranges,
            });
        }
    }
    Ok(Prescan {
        hash: content_hash(path)?,
        repeated: None,
        ranges: None,
    })
}

/// The values that occur more than once.
fn repeated_keys(mut hashes: Vec<u64>) -> HashSet<u64> {
    hashes.sort_unstable();
    hashes
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn read_and_validate(
    path: &Path,
    catalog: &Catalog,
    pseudonymizer: Option<&Pseudonymizer>,
    opts: &IngestOptions,
    batch_id: &str,
    ingested_at: DateTime<Utc>,
    repeated: Option<&HashSet<u64>>,
    ranges: Option<&Ranges>,
) -> Result<ReadResult, IngestError> {
    let converter = validate::converter(opts.kind);
    let columns = converter.columns();
    let file = display_name(path);
    let ctx = RowContext::new(catalog, pseudonymizer, ingested_at);
    let no_repeats = HashSet::new();
    let workers = opts.threads.max(1);
    let conversion = Conversion {
        path,
        file: &file,
        kind: opts.kind,
        converter: &*converter,
        ctx: &ctx,
        repeated: repeated.unwrap_or(&no_repeats),
        max_held_rows: opts.max_held_rows,
        batch_id,
        ingested_at,
        budget: opts.memory_budget / workers,
        abort: AtomicBool::new(false),
        rows_read: AtomicU64::new(0),
        progress: crate::progress::rows_spinner(&format!("Ingesting {file}")),
    };

    let (described, unknown_columns, outputs) = match ranges {
        // CSV whose record starts the first pass found: every worker parses its own ranges.
        Some(ranges) => {
            let mut csv = sources::CsvSource::open(path, columns)?;
            check_required_columns(path, &csv, &*converter)?;
            let outputs = conversion.ranges(&csv, ranges, workers)?;
            for out in &outputs {
                csv.absorb(out.cp1252_fields);
            }
            (csv.describe(), csv.unknown_columns().to_vec(), outputs)
        }
        None => {
            let mut source = sources::open(path, columns, &opts.read)?;
            check_required_columns(path, &*source, &*converter)?;
            let outputs = conversion.stream(&mut *source, workers)?;
            (
                source.describe(),
                source.unknown_columns().to_vec(),
                outputs,
            )
        }
    };
    conversion.progress.finish_and_clear();
    let rows_read = conversion.rows_read.load(Ordering::Relaxed);

    let mut outputs = outputs;
    let mut superseded = write_last_versions(&mut outputs)?;
    let mut keys: Vec<u64> = Vec::with_capacity(outputs.iter().map(|o| o.keys.len()).sum());
    let mut quarantine_batches = Vec::new();
    let mut reasons: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut writers = Vec::with_capacity(outputs.len());
    for out in outputs {
        keys.extend(out.keys);
        quarantine_batches.extend(out.quarantine);
        for (code, (n, example)) in out.reasons {
            reasons.entry(code).or_insert((0, example)).0 += n;
        }
        writers.push((out.writer, out.part_name));
    }
    // Workers finish their last row groups side by side.
    let finished: Vec<Result<_, LakeError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = writers
            .into_iter()
            .map(|(writer, name)| {
                scope.spawn(move || {
                    let (mut parts, tmp) = writer.finish()?;
                    for p in &mut parts {
                        p.name = name.clone();
                    }
                    Ok((parts, tmp))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("writer thread panicked"))
            .collect()
    });
    let mut parts = Vec::new();
    let mut tmps = Vec::new();
    for f in finished {
        let (p, tmp) = f?;
        parts.extend(p);
        tmps.push(tmp);
    }

    // Every id written once, unless the first pass could not know the repeats (not CSV,
    // or too many to hold): then earlier versions are removed from the written files.
    keys.sort_unstable();
    let written = keys.len();
    keys.dedup();
    if keys.len() < written {
        superseded += drop_superseded_rows(&mut parts, opts.kind)?;
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
        described,
        unknown_columns,
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

/// Where a CSV file's records start, from the first pass: (byte offset, line) and the
/// file's length.
struct Ranges {
    starts: Vec<(u64, u64)>,
    len: u64,
}

/// What the conversion threads of one file share.
struct Conversion<'a> {
    path: &'a Path,
    file: &'a str,
    kind: SourceKind,
    converter: &'a (dyn validate::RowConverter + Send + Sync),
    ctx: &'a RowContext<'a>,
    repeated: &'a HashSet<u64>,
    max_held_rows: usize,
    batch_id: &'a str,
    ingested_at: DateTime<Utc>,
    /// Writer memory per worker.
    budget: usize,
    /// Set by a worker that failed, so the others stop.
    abort: AtomicBool,
    rows_read: AtomicU64,
    progress: indicatif::ProgressBar,
}

impl Conversion<'_> {
    fn worker(&self, w: usize, workers: usize) -> Result<Worker, IngestError> {
        let part_name = if workers == 1 {
            self.batch_id.to_string()
        } else {
            format!("{}-w{w}", self.batch_id)
        };
        Worker::new(
            self.kind,
            &part_name,
            builder_lineage(self.batch_id, self.file, self.ingested_at),
            self.budget,
            self.batch_id,
            self.file,
            self.ingested_at,
        )
    }

    /// Converts a chunk, counting it; on failure tells the other threads to stop.
    fn convert(&self, worker: &mut Worker, chunk: &Chunk) -> Result<(), IngestError> {
        let rows = self
            .rows_read
            .fetch_add(chunk.len as u64, Ordering::Relaxed);
        self.progress.set_position(rows + chunk.len as u64);
        let result = worker.process(
            chunk,
            self.converter,
            self.ctx,
            self.repeated,
            self.max_held_rows,
            self.path,
        );
        if result.is_err() {
            self.abort.store(true, Ordering::Relaxed);
        }
        result
    }

    /// Parallel parsing: each worker takes the next range of the file, parses it with its
    /// own reader and converts its rows.
    fn ranges(
        &self,
        csv: &sources::CsvSource,
        ranges: &Ranges,
        workers: usize,
    ) -> Result<Vec<WorkerOutput>, IngestError> {
        let next = AtomicUsize::new(0);
        let io = |source| {
            IngestError::Source(SourceError::Io {
                path: self.path.to_path_buf(),
                source,
            })
        };
        let outputs = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let next = &next;
                    scope.spawn(move || {
                        let mut worker = self.worker(w, workers)?;
                        let mut file = std::fs::File::open(self.path).map_err(io)?;
                        let mut chunk = Chunk::default();
                        let mut cp1252_fields = 0;
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= ranges.starts.len() || self.abort.load(Ordering::Relaxed) {
                                break;
                            }
                            let (from, line) = ranges.starts[i];
                            let to = ranges.starts.get(i + 1).map_or(ranges.len, |s| s.0);
                            file.seek(SeekFrom::Start(from)).map_err(io)?;
                            let bytes = file.try_clone().map_err(io)?.take(to - from);
                            let mut reader = csv.range(Box::new(bytes), line);
                            while chunk.fill(&mut reader)? {
                                self.convert(&mut worker, &chunk)?;
                            }
                            cp1252_fields += reader.cp1252_fields();
                        }
                        let mut out = worker.finish()?;
                        out.cp1252_fields = cp1252_fields;
                        Ok(out)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("worker thread panicked"))
                .collect::<Vec<Result<WorkerOutput, IngestError>>>()
        });
        outputs.into_iter().collect()
    }

    /// One reader thread (this one) feeds chunks of records to the workers; chunks are
    /// recycled so rows cost no allocation.
    fn stream(
        &self,
        source: &mut dyn RecordSource,
        workers: usize,
    ) -> Result<Vec<WorkerOutput>, IngestError> {
        let (chunk_tx, chunk_rx) = mpsc::sync_channel::<Chunk>(workers * 2);
        let chunk_rx = Mutex::new(chunk_rx);
        let (recycle_tx, recycle_rx) = mpsc::channel::<Chunk>();
        let (read_result, outputs) = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let (chunk_rx, recycle_tx) = (&chunk_rx, recycle_tx.clone());
                    scope.spawn(move || {
                        let mut worker = self.worker(w, workers)?;
                        loop {
                            let next = chunk_rx.lock().expect("chunk queue").recv();
                            let Ok(chunk) = next else { break };
                            let result = self.convert(&mut worker, &chunk);
                            let _ = recycle_tx.send(chunk);
                            result?;
                        }
                        worker.finish()
                    })
                })
                .collect();
            drop(recycle_tx);
            let read_result = (|| -> Result<(), IngestError> {
                while !self.abort.load(Ordering::Relaxed) {
                    let mut chunk = recycle_rx.try_recv().unwrap_or_default();
                    if !chunk.fill(source)? || chunk_tx.send(chunk).is_err() {
                        break;
                    }
                }
                Ok(())
            })();
            drop(chunk_tx);
            let outputs: Vec<Result<WorkerOutput, IngestError>> = handles
                .into_iter()
                .map(|h| h.join().expect("worker thread panicked"))
                .collect();
            (read_result, outputs)
        });
        read_result?;
        outputs.into_iter().collect()
    }
}

/// Writes the last version of each held-back repeated id; returns how many earlier
/// versions were dropped.
fn write_last_versions(outputs: &mut [WorkerOutput]) -> Result<u64, IngestError> {
    let mut last_line: HashMap<u64, u64> = HashMap::new();
    for out in outputs.iter() {
        for &(key, line) in &out.held_keys {
            let last = last_line.entry(key).or_insert(line);
            *last = (*last).max(line);
        }
    }
    let mut dropped = 0u64;
    for out in outputs.iter_mut() {
        let mut at = 0;
        for batch in std::mem::take(&mut out.held) {
            let versions = &out.held_keys[at..at + batch.num_rows()];
            at += batch.num_rows();
            let keep: BooleanArray = versions
                .iter()
                .map(|(key, line)| Some(last_line[key] == *line))
                .collect();
            let kept = filter_record_batch(&batch, &keep)
                .map_err(|e| IngestError::Internal(format!("filtering re-sent rows: {e}")))?;
            dropped += (batch.num_rows() - kept.num_rows()) as u64;
            out.writer.write_by_date(&kept)?;
        }
    }
    let last_versions = last_line.into_keys();
    outputs
        .first_mut()
        .expect("at least one worker")
        .keys
        .extend(last_versions);
    Ok(dropped)
}

/// Rows handed to a worker at a time.
const CHUNK_ROWS: usize = 4096;

/// Records read by the reader thread; `records[..len]` are filled.
#[derive(Default)]
struct Chunk {
    records: Vec<Record>,
    len: usize,
}

impl Chunk {
    /// Reads up to [`CHUNK_ROWS`] records; false when there were none left.
    fn fill(&mut self, source: &mut dyn RecordSource) -> Result<bool, IngestError> {
        self.len = 0;
        while self.len < CHUNK_ROWS {
            if self.records.len() == self.len {
                self.records.push(Record::default());
            }
            if !source.next_record(&mut self.records[self.len])? {
                break;
            }
            self.len += 1;
        }
        Ok(self.len > 0)
    }
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

/// Rows a worker collects (over all dates) before it hands them to its writer.
const BUFFERED_ROWS: usize = 4 * BATCH_ROWS;

/// One validation thread: converts chunks of records and writes its own partition files.
struct Worker {
    /// Rows by local date (days since the epoch), so no batch has to be split by date.
    days: HashMap<i32, TableBuilder>,
    buffered: usize,
    schema: datafusion::arrow::datatypes::SchemaRef,
    lineage: validate::Lineage,
    writer: PartitionedWriter,
    quarantine: QuarantineBuilder,
    quarantine_batches: Vec<RecordBatch>,
    reasons: BTreeMap<String, (u64, String)>,
    /// Keys of the rows written.
    keys: Vec<u64>,
    /// Rows of ids the file repeats, held back until every version has been seen.
    held_builder: TableBuilder,
    held: Vec<RecordBatch>,
    /// (key, line) of each held row, in order.
    held_keys: Vec<(u64, u64)>,
    part_name: String,
}

struct WorkerOutput {
    /// Fields decoded as Windows-1252 by this worker's range readers.
    cp1252_fields: u64,
    /// Still open: the last versions of repeated ids are written after all workers end.
    writer: PartitionedWriter,
    part_name: String,
    quarantine: Vec<RecordBatch>,
    reasons: BTreeMap<String, (u64, String)>,
    keys: Vec<u64>,
    held: Vec<RecordBatch>,
    held_keys: Vec<(u64, u64)>,
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
            days: HashMap::new(),
            buffered: 0,
            schema: table_schema.clone(),
            lineage: lineage.clone(),
            writer: PartitionedWriter::new(table_schema.clone(), budget)?,
            quarantine: QuarantineBuilder::new(
                kind.code(),
                batch_id,
                file,
                ingested_at.timestamp_micros(),
            ),
            quarantine_batches: Vec::new(),
            reasons: BTreeMap::new(),
            keys: Vec::new(),
            held_builder: TableBuilder::new(table_schema, lineage),
            held: Vec::new(),
            held_keys: Vec::new(),
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
        repeated: &HashSet<u64>,
        max_held: usize,
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
                    if self.held_keys.len() < max_held && repeated.contains(&row.key_hash) {
                        self.held_builder.append(&row.values, day, rec.line);
                        self.held_keys.push((row.key_hash, rec.line));
                        if self.held_builder.len() >= BATCH_ROWS {
                            self.held.push(self.held_builder.finish());
                        }
                        continue;
                    }
                    self.keys.push(row.key_hash);
                    self.append(&row.values, day, rec.line)?;
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

    fn append(&mut self, values: &[validate::Val], day: i32, line: u64) -> Result<(), IngestError> {
        let (schema, lineage) = (&self.schema, &self.lineage);
        let rows = self
            .days
            .entry(day)
            .or_insert_with(|| TableBuilder::new(schema.clone(), lineage.clone()));
        rows.append(values, day, line);
        self.buffered += 1;
        if rows.len() >= BATCH_ROWS {
            let batch = rows.finish();
            self.buffered -= batch.num_rows();
            self.writer.write(&writer::day_partition(day), &batch)?;
        } else if self.buffered >= BUFFERED_ROWS {
            self.write_days()?;
        }
        Ok(())
    }

    /// Writes every date's rows and forgets the builders (dates of an export usually come
    /// in order: most will get no more rows).
    fn write_days(&mut self) -> Result<(), IngestError> {
        let mut days: Vec<_> = self.days.drain().collect();
        days.sort_by_key(|(day, _)| *day);
        for (day, rows) in days {
            if !rows.is_empty() {
                self.writer
                    .write(&writer::day_partition(day), &rows.into_batch())?;
            }
        }
        self.buffered = 0;
        Ok(())
    }

    fn finish(mut self) -> Result<WorkerOutput, IngestError> {
        self.write_days()?;
        if !self.held_builder.is_empty() {
            self.held.push(self.held_builder.finish());
        }
        if !self.quarantine.is_empty() {
            self.quarantine_batches.push(self.quarantine.finish());
        }
        Ok(WorkerOutput {
            cp1252_fields: 0,
            writer: self.writer,
            part_name: self.part_name,
            quarantine: self.quarantine_batches,
            reasons: self.reasons,
            keys: self.keys,
            held: self.held,
            held_keys: self.held_keys,
        })
    }
}

/// Days since the Unix epoch of the local date of an instant.
fn local_day(micros: i64, tz: chrono_tz::Tz) -> i32 {
    let utc = DateTime::<Utc>::from_timestamp_micros(micros).expect("validated timestamp");
    let local = utc.with_timezone(&tz).date_naive();
    (local - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

/// Within one file the last row of an id counts. For files whose repeated ids were not
/// known before writing: finds ids written more than once (reading only the key and line
/// columns) and rewrites the partitions that hold an earlier version; returns the rows
/// dropped.
fn drop_superseded_rows(
    parts: &mut [writer::FinishedPart],
    kind: SourceKind,
) -> Result<u64, IngestError> {
    let mut last_line: HashMap<u64, u64> = HashMap::new();
    let mut seen_twice: HashSet<u64> = HashSet::new();
    for part in parts.iter() {
        let bytes = Bytes::from(std::fs::read(&part.path).map_err(LakeError::from)?);
        for (key, line) in key_lines(bytes, kind)? {
            match last_line.get_mut(&key) {
                Some(last) => {
                    seen_twice.insert(key);
                    *last = (*last).max(line);
                }
                None => {
                    last_line.insert(key, line);
                }
            }
        }
    }
    last_line.retain(|k, _| seen_twice.contains(k));
    let mut dropped = 0;
    for part in parts.iter_mut() {
        let bytes = Bytes::from(std::fs::read(&part.path).map_err(LakeError::from)?);
        let stale = key_lines(bytes.clone(), kind)?
            .iter()
            .any(|(k, line)| last_line.get(k).is_some_and(|last| last != line));
        if !stale {
            continue;
        }
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
                        last_line
                            .get(h)
                            .is_none_or(|last| *last == lines.value(i) as u64)
                    })
                    .collect::<Vec<_>>(),
            )
        })?;
        dropped += part.rows - rows;
        std::fs::write(&part.path, &rewritten).map_err(LakeError::from)?;
        part.rows = rows;
    }
    Ok(dropped)
}

/// (key hash, source line) of every row of a partition file, reading only those columns.
fn key_lines(bytes: Bytes, kind: SourceKind) -> Result<Vec<(u64, u64)>, IngestError> {
    let mut columns: Vec<&str> = schema::key_columns(kind).to_vec();
    columns.push("source_line");
    let mut out = Vec::new();
    for batch in read_columns(bytes, &columns)? {
        let lines = batch
            .column_by_name("source_line")
            .expect("projected")
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        for (i, key) in row_key_hashes(&batch, kind).into_iter().enumerate() {
            out.push((key, lines.value(i) as u64));
        }
    }
    Ok(out)
}

/// The batches of a Parquet file, reading only the named columns.
fn read_columns(bytes: Bytes, columns: &[&str]) -> Result<Vec<RecordBatch>, IngestError> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .map_err(|e| LakeError::Parquet(e.to_string()))?;
    let wanted: Vec<usize> = columns
        .iter()
        .filter_map(|c| builder.schema().index_of(c).ok())
        .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), wanted);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|e| LakeError::Parquet(e.to_string()))?;
    reader
        .map(|b| b.map_err(|e| IngestError::from(LakeError::Parquet(e.to_string()))))
        .collect()
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
fn count_key_hits(bytes: Bytes, kind: SourceKind, keys: &[u64]) -> Result<u64, IngestError> {
    let mut hits = 0;
    for batch in read_columns(bytes, schema::key_columns(kind))? {
        hits += row_key_hashes(&batch, kind)
            .iter()
            .filter(|h| keys.binary_search(h).is_ok())
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
