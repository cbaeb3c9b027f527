//! Re-sent ids: earlier versions of an id written in the same batch (when the first pass
//! could not know the repeats), and rows of earlier batches that this batch replaces.

use super::*;

/// Within one file the last row of an id counts. For files whose repeated ids were not
/// known before writing: finds ids written more than once (reading only the key and line
/// columns) and rewrites the partitions that hold an earlier version; returns the rows
/// dropped.
pub(super) fn drop_superseded_rows(
    parts: &mut [writer::FinishedPart],
    kind: SourceKind,
) -> Result<u64, IngestError> {
    // One read of each part's key and line columns serves both passes.
    let mut rows_of_parts = Vec::with_capacity(parts.len());
    let mut last_line: HashMap<u64, u64> = HashMap::new();
    let mut seen_twice: HashSet<u64> = HashSet::new();
    for part in parts.iter() {
        let bytes = Bytes::from(std::fs::read(&part.path).map_err(LakeError::from)?);
        let rows = key_lines(bytes, kind)?;
        for &(key, line) in &rows {
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
        rows_of_parts.push(rows);
    }
    last_line.retain(|k, _| seen_twice.contains(k));
    let mut dropped = 0;
    for (part, rows) in parts.iter_mut().zip(rows_of_parts) {
        let keep: Vec<bool> = rows
            .iter()
            .map(|(k, line)| last_line.get(k).is_none_or(|last| last == line))
            .collect();
        if keep.iter().all(|k| *k) {
            continue;
        }
        let bytes = Bytes::from(std::fs::read(&part.path).map_err(LakeError::from)?);
        // Batches come back in file order: the rows' keep flags follow them.
        let mut at = 0;
        let (rewritten, rows) = writer::rewrite_filtered(bytes, schema::for_source(kind), |b| {
            let mask = BooleanArray::from(keep[at..at + b.num_rows()].to_vec());
            at += b.num_rows();
            mask
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
pub(super) fn row_key_hashes(batch: &RecordBatch, kind: SourceKind) -> Vec<u64> {
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
pub(super) fn count_key_hits(
    bytes: Bytes,
    kind: SourceKind,
    keys: &[u64],
) -> Result<u64, IngestError> {
    let mut hits = 0;
    for batch in read_columns(bytes, schema::key_columns(kind))? {
        hits += row_key_hashes(&batch, kind)
            .iter()
            .filter(|h| keys.binary_search(h).is_ok())
            .count() as u64;
    }
    Ok(hits)
}
