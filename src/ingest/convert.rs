//! Converting the rows of one file on worker threads: each validates its rows, holds back
//! the versions of repeated ids, and writes its own date partition files; rejected rows go
//! to quarantine.

use super::*;

#[allow(clippy::too_many_arguments)]
pub(super) fn read_and_validate(
    path: &Path,
    catalog: &Catalog,
    pseudonymizer: Option<&Pseudonymizer>,
    opts: &IngestOptions,
    batch_id: &str,
    ingested_at: DateTime<Utc>,
    repeated: Option<&HashSet<u64>>,
    ranges: Option<&Ranges>,
    scratch: Option<&Path>,
) -> Result<ReadResult, IngestError> {
    let converter = validate::converter(opts.kind);
    let columns = converter.columns();
    let file = match &opts.adapted {
        Some(adapted) => adapted.file_label.clone(),
        None => display_name(path),
    };
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
        scratch,
        abort: AtomicBool::new(false),
        rows_read: AtomicU64::new(0),
        quarantine: Mutex::new(PartitionedWriter::new(
            schema::quarantine(),
            QUARANTINE_BUDGET,
            scratch,
        )?),
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
            let mut source: Box<dyn RecordSource> = match &opts.adapted {
                Some(adapted) => Box::new(sources::adapters::AdaptedSource::new(
                    adapted.clone(),
                    columns,
                )),
                None => sources::open(path, columns, &opts.read)?,
            };
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
    let started = std::time::Instant::now();
    tracing::debug!("Rows converted.");
    let rows_read = conversion.rows_read.load(Ordering::Relaxed);

    // Each worker writes its held rows that are last versions, closes its files and
    // sorts its keys, side by side.
    let last_lines = last_versions(&outputs);
    let finished: Vec<Result<FinishedOutput, IngestError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = outputs
            .into_iter()
            .map(|out| scope.spawn(|| out.finish(&last_lines)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("writer thread panicked"))
            .collect()
    });
    tracing::debug!(elapsed = ?started.elapsed(), "Files finished.");
    let mut superseded = 0;
    let mut keys: Vec<u64> = Vec::new();
    let mut quarantine = conversion
        .quarantine
        .into_inner()
        .map_err(|_| IngestError::Internal("a quarantine writer panicked".into()))?;
    let mut reasons: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut parts = Vec::new();
    let mut tmps = Vec::new();
    for f in finished {
        let f = f?;
        superseded += f.superseded;
        keys.extend(f.sorted_keys);
        for batch in &f.quarantine {
            quarantine.write(QUARANTINE_PART, batch)?;
        }
        for (code, (n, example)) in f.reasons {
            reasons.entry(code).or_insert((0, example)).0 += n;
        }
        parts.extend(f.parts);
        tmps.push(f.tmp);
    }

    // Every id written once, unless the first pass could not know the repeats (not CSV,
    // or too many to hold): then earlier versions are removed from the written files.
    // The stable sort merges the workers' sorted runs in one pass.
    keys.sort();
    let written = keys.len();
    keys.dedup();
    tracing::debug!(elapsed = ?started.elapsed(), "Keys sorted.");
    if keys.len() < written {
        superseded += drop_superseded_rows(&mut parts, opts.kind)?;
    }

    let quarantine_rows = quarantine.rows();
    let (quarantine_parts, quarantine_tmp) = quarantine.finish()?;
    tmps.push(quarantine_tmp);
    let quarantine = quarantine_parts.into_iter().next();
    Ok(ReadResult {
        warnings: ctx.warnings(),
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
    /// Where writers put their files (see `commit::local_scratch`).
    scratch: Option<&'a Path>,
    /// Set by a worker that failed, so the others stop.
    abort: AtomicBool,
    rows_read: AtomicU64,
    progress: indicatif::ProgressBar,
    /// Rejected rows of every worker, written to one local file as they come (memory
    /// stays bounded whatever share of the rows is rejected).
    quarantine: Mutex<PartitionedWriter>,
}

/// Memory the quarantine file's writer may buffer before it writes a row group.
const QUARANTINE_BUDGET: usize = 32 << 20;
/// The quarantine writer's one partition (its file becomes `quarantine/<table>/<batch>`).
const QUARANTINE_PART: &str = "quarantine";

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
            self.scratch,
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
        let mut result = worker.process(
            chunk,
            self.converter,
            self.ctx,
            self.repeated,
            self.max_held_rows,
            self.path,
        );
        if result.is_ok() && !worker.quarantine_batches.is_empty() {
            let mut quarantine = self.quarantine.lock().expect("quarantine writer");
            result = worker
                .quarantine_batches
                .drain(..)
                .try_for_each(|b| quarantine.write(QUARANTINE_PART, &b))
                .map_err(IngestError::from);
        }
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
        let outputs = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let next = &next;
                    scope.spawn(move || {
                        let mut worker = self.worker(w, workers)?;
                        let mut chunk = Chunk::default();
                        let mut cp1252_fields = 0;
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= ranges.starts.len() || self.abort.load(Ordering::Relaxed) {
                                break;
                            }
                            let (from, line) = ranges.starts[i];
                            let to = ranges.starts.get(i + 1).map_or(ranges.len, |s| s.0);
                            let mut reader = csv.range(from, to, line);
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

/// The line of the last version of each held-back repeated id, over all workers.
fn last_versions(outputs: &[WorkerOutput]) -> HashMap<u64, u64> {
    let mut last_line: HashMap<u64, u64> = HashMap::new();
    for out in outputs {
        for &(key, line) in &out.held_keys {
            let last = last_line.entry(key).or_insert(line);
            *last = (*last).max(line);
        }
    }
    last_line
}

/// One worker's share of the result, its files closed.
struct FinishedOutput {
    parts: Vec<writer::FinishedPart>,
    tmp: tempfile::TempDir,
    /// Keys of the rows written, sorted.
    sorted_keys: Vec<u64>,
    /// Earlier versions of repeated ids that were dropped.
    superseded: u64,
    quarantine: Vec<RecordBatch>,
    reasons: BTreeMap<String, (u64, String)>,
}

impl WorkerOutput {
    /// Writes the held rows that are the last version of their id, closes the files.
    fn finish(mut self, last_lines: &HashMap<u64, u64>) -> Result<FinishedOutput, IngestError> {
        let mut superseded = 0u64;
        let mut at = 0;
        for batch in std::mem::take(&mut self.held) {
            let versions = &self.held_keys[at..at + batch.num_rows()];
            at += batch.num_rows();
            let is_last = |&(key, line): &(u64, u64)| last_lines[&key] == line;
            let keep: BooleanArray = versions.iter().map(|v| Some(is_last(v))).collect();
            self.keys
                .extend(versions.iter().filter(|v| is_last(v)).map(|(key, _)| *key));
            let kept = filter_record_batch(&batch, &keep)
                .map_err(|e| IngestError::Internal(format!("filtering re-sent rows: {e}")))?;
            superseded += (batch.num_rows() - kept.num_rows()) as u64;
            self.writer.write_by_month(&kept)?;
        }
        let (mut parts, tmp) = self.writer.finish()?;
        for p in &mut parts {
            p.name = self.part_name.clone();
        }
        self.keys.sort_unstable();
        Ok(FinishedOutput {
            parts,
            tmp,
            sorted_keys: self.keys,
            superseded,
            quarantine: self.quarantine,
            reasons: self.reasons,
        })
    }
}

/// Rows handed to a worker at a time. Each record holds a `String` per column, allocated
/// when a chunk is first filled: at 4,096 a nightly file of 40,000 rows spent its first
/// chunks allocating (90,000 strings per worker, 2,000 more page faults); a smaller chunk
/// also keeps its strings closer to the cache (not measured). At 1,024: a nightly
/// day's ingest 0.20 → 0.17 s, 10M rows 15.4–17.2 → 14.5–15.6 s (alternating runs).
const CHUNK_ROWS: usize = 1024;

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
            sources::capped_list(source.unknown_columns(), 20)
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

/// Rows a worker collects (over all months) before it hands them to its writer.
const BUFFERED_ROWS: usize = 4 * BATCH_ROWS;

/// One validation thread: converts chunks of records and writes its own partition files.
struct Worker {
    /// Rows by the month of their local date (the lake's partition: its folder name, and
    /// rows), so no batch has to be split. By month, not by date: a file not in date order
    /// spreads a flush over hundreds of dates, and a writer call and a builder per date
    /// cost more than the rows (the unsorted ingest took twice the sorted one's time).
    months: HashMap<i32, (String, TableBuilder)>,
    /// The last date seen and its month: an export's rows mostly repeat the date before.
    last_month: (i32, i32),
    /// The size of the largest month written last, reserved in the first new months after
    /// it (the next month of an export in date order is likely as large).
    month_sizing: validate::Sizing,
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
        scratch: Option<&Path>,
        batch_id: &str,
        file: &str,
        ingested_at: DateTime<Utc>,
    ) -> Result<Worker, IngestError> {
        let table_schema = schema::for_source(kind);
        Ok(Worker {
            months: HashMap::new(),
            last_month: (i32::MIN, 0),
            month_sizing: validate::Sizing::default(),
            buffered: 0,
            schema: table_schema.clone(),
            lineage: lineage.clone(),
            writer: PartitionedWriter::new(table_schema.clone(), budget, scratch)?,
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
        if self.last_month.0 != day {
            self.last_month = (day, month_of_day(day));
        }
        // Two months at most get the reserve: a file not in date order spreads a chunk over
        // every month it covers, and reserving for each would hold a lot of memory.
        let reserve = self.months.len() < 2;
        let sizing = &self.month_sizing;
        let (partition, rows) = self.months.entry(self.last_month.1).or_insert_with(|| {
            let rows = match reserve {
                true => TableBuilder::with_sizing(schema.clone(), lineage.clone(), sizing),
                false => TableBuilder::new(schema.clone(), lineage.clone()),
            };
            (writer::partition_of_day(day), rows)
        });
        rows.append(values, day, line);
        self.buffered += 1;
        if rows.len() >= BATCH_ROWS {
            let batch = rows.finish();
            self.buffered -= batch.num_rows();
            self.writer.write(partition, &batch)?;
        } else if self.buffered >= BUFFERED_ROWS {
            self.write_months(false)?;
        }
        Ok(())
    }

    /// Writes every month's rows. Builders keep their room for the next rows unless they
    /// got none since the last time (an export in date order has left that month) or no
    /// more rows will come (`last`).
    fn write_months(&mut self, last: bool) -> Result<(), IngestError> {
        self.months.retain(|_, (_, rows)| !rows.is_empty());
        if let Some((_, largest)) = self.months.values().max_by_key(|(_, rows)| rows.len()) {
            self.month_sizing = largest.sizing();
        }
        let mut months: Vec<_> = self.months.iter_mut().collect();
        months.sort_by_key(|(month, _)| **month);
        for (_, (partition, rows)) in months {
            let batch = match last {
                true => std::mem::replace(
                    rows,
                    TableBuilder::new(self.schema.clone(), self.lineage.clone()),
                )
                .into_batch(),
                false => rows.finish(),
            };
            self.writer.write(partition, &batch)?;
        }
        if last {
            self.months.clear();
        }
        self.buffered = 0;
        Ok(())
    }

    fn finish(mut self) -> Result<WorkerOutput, IngestError> {
        self.write_months(true)?;
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

/// The month of a date given as days since the Unix epoch, as months since year 0.
fn month_of_day(day: i32) -> i32 {
    use chrono::Datelike;
    let date = chrono::NaiveDate::from_num_days_from_ce_opt(day + 719_163).expect("valid Date32");
    date.year() * 12 + date.month0() as i32
}

/// Days since the Unix epoch of the local date of an instant.
fn local_day(micros: i64, tz: chrono_tz::Tz) -> i32 {
    let utc = DateTime::<Utc>::from_timestamp_micros(micros).expect("validated timestamp");
    let local = utc.with_timezone(&tz).date_naive();
    (local - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}
