//! Writing Parquet for one batch: rows are split by local date into one file per
//! partition. Each partition's writer streams into a local temporary file, and the writers
//! together keep at most a fixed budget of encoded data in memory (the largest flushes a
//! row group when the budget is reached), so ten million rows spread over hundreds of
//! dates ingest in bounded memory.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use bytes::Bytes;
use datafusion::arrow::array::{Array, BooleanArray, Date32Array, RecordBatch, UInt32Array};
use datafusion::arrow::compute::{filter_record_batch, take_record_batch};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use datafusion::parquet::schema::types::ColumnPath;

use super::LakeError;

/// Memory all open partition writers may hold (encoded pages plus values not yet
/// encoded) before the largest flushes its row group.
pub const DEFAULT_MEMORY_BUDGET: usize = 192 * 1024 * 1024;

fn parquet_err(e: impl std::fmt::Display) -> LakeError {
    LakeError::Parquet(format!("Parquet: {e}"))
}

/// Columns whose values are (nearly) all different. Dictionary encoding gains nothing
/// there and costs time and memory: every open partition file would keep a dictionary of up
/// to 1 MiB for each of them, and every value is hashed until that dictionary is full
/// (for the two durations of `interaction_facts` that was ~0.6 s of a 10M-row score run).
const DISTINCT_COLUMNS: &[&str] = &[
    "interaction_id",
    "response_id",
    "evaluation_id",
    "contact_key",
    "respondent_key",
    "received_at",
    "first_response_at",
    "resolved_at",
    "escalated_at",
    "escalation_answered_at",
    "submitted_at",
    "evaluated_at",
    "source_line",
    "first_response_seconds",
    "first_response_business_minutes",
];

/// Text columns no filter narrows by range: free text, keyed hashes (random), and labels
/// no file is sorted by (every row group holds them all; a derived table's `period` is its
/// folder). Their min/max statistics could not skip a row group, yet cost two comparisons
/// per value to keep. Writing without them (writer alone, 4 rounds): a 506,000-row
/// interactions file 371–426 → 345–355 ms, a 734,000-row facts file 235–240 → 210 ms.
/// Ids, units, channels, dates, times and batches keep theirs (pruning by id bounds, batch,
/// date; unit and channel for files sorted by them).
const UNFILTERED_TEXT_COLUMNS: &[&str] = &[
    "notes",
    "comment",
    "raw",
    "reason",
    "contact_key",
    "respondent_key",
    "source_file",
    "topic",
    "agent_id",
    "touchpoint",
    "scenario",
    "shopper_id",
    "stakeholder",
    "direction",
    "outcome",
    "escalated_to",
    "sla_clock",
    "period",
];

/// Properties for every Parquet file of the lake: Snappy (read by every tool), statistics
/// on where a filter can use them.
pub fn writer_properties() -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(256 * 1024));
    for column in DISTINCT_COLUMNS {
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(*column), false);
    }
    for column in UNFILTERED_TEXT_COLUMNS {
        builder = builder
            .set_column_statistics_enabled(ColumnPath::from(*column), EnabledStatistics::None);
    }
    builder.build()
}

struct PartWriter {
    path: PathBuf,
    writer: ArrowWriter<BufWriter<File>>,
    rows: u64,
    /// `writer.memory_size()` after the last write or flush (it changes only then).
    memory: usize,
}

/// A finished partition file on local disk.
#[derive(Debug)]
pub struct FinishedPart {
    pub partition: String,
    /// File name stem in the lake (the batch id, plus a worker suffix when several wrote).
    pub name: String,
    pub path: PathBuf,
    pub rows: u64,
}

pub struct PartitionedWriter {
    dir: tempfile::TempDir,
    schema: SchemaRef,
    writers: HashMap<String, PartWriter>,
    budget: usize,
    /// The sum of the writers' `memory`: kept up to date rather than summed at every write
    /// (which walks every buffered page of every column of hundreds of open files).
    memory: usize,
}

impl PartitionedWriter {
    /// A writer whose files go to a new folder inside `parent` (the system's temporary
    /// folder when None; see `commit::local_scratch`).
    pub fn new(
        schema: SchemaRef,
        budget: usize,
        parent: Option<&std::path::Path>,
    ) -> Result<Self, LakeError> {
        let mut dir = tempfile::Builder::new();
        dir.prefix("momentos-batch-");
        Ok(PartitionedWriter {
            dir: match parent {
                Some(parent) => dir.tempdir_in(parent)?,
                None => dir.tempdir()?,
            },
            schema,
            writers: HashMap::new(),
            budget,
            memory: 0,
        })
    }

    /// Appends rows to a partition (e.g. `date=2026-03-02`).
    pub fn write(&mut self, partition: &str, batch: &RecordBatch) -> Result<(), LakeError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        if !self.writers.contains_key(partition) {
            let path = self
                .dir
                .path()
                .join(format!("part-{}.parquet", self.writers.len()));
            // Pages reach the file in large writes already; a small buffer per open file
            // keeps hundreds of partitions cheap.
            let file = BufWriter::with_capacity(32 * 1024, File::create(&path)?);
            let writer = ArrowWriter::try_new(file, self.schema.clone(), Some(writer_properties()))
                .map_err(parquet_err)?;
            self.writers.insert(
                partition.to_string(),
                PartWriter {
                    path,
                    writer,
                    rows: 0,
                    memory: 0,
                },
            );
        }
        let part = self.writers.get_mut(partition).expect("inserted above");
        part.writer.write(batch).map_err(parquet_err)?;
        part.rows += batch.num_rows() as u64;
        let now = part.writer.memory_size();
        self.memory = self.memory - part.memory + now;
        part.memory = now;
        self.enforce_budget()
    }

    /// Splits rows by the month of their `local_date` and appends each group to `month=…`.
    pub fn write_by_month(&mut self, batch: &RecordBatch) -> Result<(), LakeError> {
        for (partition, rows) in split_by_month(batch)? {
            self.write(&partition, &rows)?;
        }
        Ok(())
    }

    fn enforce_budget(&mut self) -> Result<(), LakeError> {
        // `memory_size`, not `in_progress_size`: values buffered before encoding count too.
        while self.memory > self.budget {
            let largest = self
                .writers
                .values_mut()
                .max_by_key(|w| w.memory)
                .expect("memory > 0 means a writer exists");
            largest.writer.flush().map_err(parquet_err)?;
            let (before, now) = (largest.memory, largest.writer.memory_size());
            self.memory = self.memory - before + now;
            largest.memory = now;
            if now >= before {
                break; // nothing left that a flush frees
            }
        }
        Ok(())
    }

    pub fn rows(&self) -> u64 {
        self.writers.values().map(|w| w.rows).sum()
    }

    /// Closes every file. The returned guard owns the folder: keep it until uploaded.
    pub fn finish(self) -> Result<(Vec<FinishedPart>, tempfile::TempDir), LakeError> {
        let mut parts = Vec::with_capacity(self.writers.len());
        for (partition, w) in self.writers {
            w.writer.close().map_err(parquet_err)?;
            parts.push(FinishedPart {
                partition,
                name: String::new(),
                path: w.path,
                rows: w.rows,
            });
        }
        parts.sort_by(|a, b| a.partition.cmp(&b.partition));
        Ok((parts, self.dir))
    }
}

/// The partition of a local date given as days since the Unix epoch: `month=YYYY-MM`.
/// Sources are written by month, not by day: a year is a dozen files per batch instead of
/// hundreds, every scan opens fewer, and an export whose rows are not in date order keeps a
/// dozen files open instead of hundreds (`momentos maintain` then merges a month's batches).
pub fn partition_of_day(day: i32) -> String {
    let date = chrono::NaiveDate::from_num_days_from_ce_opt(day + 719_163).expect("valid Date32");
    format!("month={}", date.format("%Y-%m"))
}

/// Groups rows by the month of their `local_date` column: `month=YYYY-MM` → rows, each
/// group in date order.
pub fn split_by_month(batch: &RecordBatch) -> Result<Vec<(String, RecordBatch)>, LakeError> {
    let dates = batch
        .column_by_name("local_date")
        .and_then(|c| c.as_any().downcast_ref::<Date32Array>())
        .ok_or_else(|| LakeError::Parquet("internal: batch has no local_date column".into()))?;
    let mut days: HashMap<i32, Vec<u32>> = HashMap::new();
    for i in 0..dates.len() {
        days.entry(dates.value(i)).or_default().push(i as u32);
    }
    let mut days: Vec<(i32, Vec<u32>)> = days.into_iter().collect();
    days.sort_unstable_by_key(|(day, _)| *day);
    let mut months: Vec<(String, Vec<u32>)> = Vec::new();
    for (day, rows) in days {
        let month = partition_of_day(day);
        match months.last_mut() {
            Some((m, all)) if *m == month => all.extend(rows),
            _ => months.push((month, rows)),
        }
    }
    let mut out = Vec::with_capacity(months.len());
    for (month, rows) in months {
        let part = if rows.len() == batch.num_rows() && rows.windows(2).all(|w| w[0] < w[1]) {
            batch.clone()
        } else {
            take_record_batch(batch, &UInt32Array::from(rows)).map_err(parquet_err)?
        };
        out.push((month, part));
    }
    Ok(out)
}

/// Encodes batches as one Parquet file in memory (small files: quarantine, derived tables).
pub fn encode(schema: SchemaRef, batches: &[RecordBatch]) -> Result<Bytes, LakeError> {
    let mut buf = Vec::new();
    let mut writer =
        ArrowWriter::try_new(&mut buf, schema, Some(writer_properties())).map_err(parquet_err)?;
    for b in batches {
        writer.write(b).map_err(parquet_err)?;
    }
    writer.close().map_err(parquet_err)?;
    Ok(Bytes::from(buf))
}

/// Reads every batch of an in-memory Parquet file.
pub fn decode(bytes: Bytes) -> Result<Vec<RecordBatch>, LakeError> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .map_err(parquet_err)?
        .with_batch_size(64 * 1024)
        .build()
        .map_err(parquet_err)?;
    reader.map(|b| b.map_err(parquet_err)).collect()
}

/// Rewrites a Parquet file keeping the rows `keep` selects; returns the new file and its
/// row count (0 rows: no file worth writing).
pub fn rewrite_filtered(
    bytes: Bytes,
    schema: SchemaRef,
    mut keep: impl FnMut(&RecordBatch) -> BooleanArray,
) -> Result<(Bytes, u64), LakeError> {
    let mut kept = Vec::new();
    let mut rows = 0u64;
    for batch in decode(bytes)? {
        let mask = keep(&batch);
        let filtered = filter_record_batch(&batch, &mask).map_err(parquet_err)?;
        rows += filtered.num_rows() as u64;
        kept.push(filtered);
    }
    Ok((encode(schema, &kept)?, rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lake::schema;
    use crate::vocabulary::SourceKind;

    #[test]
    fn statistics_are_left_out_only_of_columns_no_filter_narrows() {
        let props = writer_properties();
        let sources = [
            SourceKind::Interactions,
            SourceKind::Surveys,
            SourceKind::Shopper,
        ];
        let names: Vec<String> = sources
            .iter()
            .flat_map(|k| schema::for_source(*k).fields().to_vec())
            .chain(schema::quarantine().fields().iter().cloned())
            .map(|f| f.name().clone())
            .collect();
        // Every listed column is a source or derived column (a misspelt name would keep
        // its statistics).
        let queries = crate::score::queries::load().unwrap();
        for column in UNFILTERED_TEXT_COLUMNS {
            assert!(
                names.iter().any(|n| n == column)
                    || queries.iter().any(|q| q.text.contains(column)),
                "{column}"
            );
        }
        // The columns scans prune by keep theirs.
        for column in [
            "interaction_id",
            "response_id",
            "evaluation_id",
            "batch_id",
            "unit",
            "channel",
            "local_date",
            "received_at",
        ] {
            let path = ColumnPath::from(column);
            assert_eq!(
                props.statistics_enabled(&path),
                EnabledStatistics::Page,
                "{column}"
            );
        }
        let notes = ColumnPath::from("notes");
        assert_eq!(props.statistics_enabled(&notes), EnabledStatistics::None);
    }
}
