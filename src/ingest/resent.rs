//! Re-sent ids: earlier versions of an id written in the same batch (when the first pass
//! could not know the repeats), and rows of earlier batches that this batch replaces.

use super::*;
// Deprecated in parquet 59 in favour of hand-written readers; DataFusion 55's own Parquet
// scan still reads through it, so it is the tested path over our object stores.
#[allow(deprecated)]
use datafusion::parquet::arrow::async_reader::ParquetObjectReader;
use datafusion::parquet::arrow::ParquetRecordBatchStreamBuilder;
use futures::StreamExt;

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
    let cols: Vec<Vec<&str>> = schema::key_columns(kind)
        .iter()
        .map(|c| string_values(batch.column_by_name(c).expect("key column")))
        .collect();
    let mut parts: Vec<&str> = Vec::with_capacity(cols.len());
    (0..batch.num_rows())
        .map(|i| {
            parts.clear();
            parts.extend(cols.iter().map(|c| c[i]));
            validate::key_hash(&parts)
        })
        .collect()
}

/// The values of a text column, borrowed (null as "").
fn string_values(array: &dyn Array) -> Vec<&str> {
    match array.data_type() {
        DataType::Utf8View => array
            .as_string_view()
            .iter()
            .map(|v| v.unwrap_or(""))
            .collect(),
        DataType::LargeUtf8 => array
            .as_string::<i64>()
            .iter()
            .map(|v| v.unwrap_or(""))
            .collect(),
        _ => array
            .as_string::<i32>()
            .iter()
            .map(|v| v.unwrap_or(""))
            .collect(),
    }
}

/// The distinct values of the first key column in this batch's new files, sorted: what a
/// live file's row-group statistics are checked against.
pub(super) fn first_key_values(
    parts: &[writer::FinishedPart],
    kind: SourceKind,
) -> Result<Vec<String>, IngestError> {
    let first = schema::key_columns(kind)[0];
    let mut out = Vec::new();
    for part in parts {
        let bytes = Bytes::from(std::fs::read(&part.path).map_err(LakeError::from)?);
        for batch in read_columns(bytes, &[first])? {
            out.extend(
                string_values(batch.column(0).as_ref())
                    .into_iter()
                    .map(str::to_string),
            );
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// How many rows of a live lake file have a key this batch re-sends. Reads the file's
/// footer, then only the key columns of the row groups whose min/max of the first key
/// column can hold one of `first_keys` (usually none: new ids lie outside old ranges), so
/// a nightly batch does not read every id of the lake.
pub(super) async fn count_key_hits_in_lake(
    lake: &Lake,
    path: &str,
    kind: SourceKind,
    keys: &[u64],
    first_keys: &[String],
) -> Result<u64, IngestError> {
    let parquet = |e: datafusion::parquet::errors::ParquetError| {
        IngestError::from(LakeError::Parquet(format!("{path}: {e}")))
    };
    #[allow(deprecated)]
    let reader = ParquetObjectReader::new(lake.store().clone(), lake.path(path));
    let builder = ParquetRecordBatchStreamBuilder::new(reader)
        .await
        .map_err(parquet)?;
    let columns = schema::key_columns(kind);
    let leaves = builder.parquet_schema().columns();
    let Some(first) = leaves.iter().position(|c| c.path().string() == columns[0]) else {
        return Ok(0);
    };
    let meta = builder.metadata().clone();
    let row_groups: Vec<usize> = (0..meta.num_row_groups())
        .filter(|&rg| {
            let stats = meta.row_group(rg).column(first).statistics();
            let Some((min, max)) =
                stats.and_then(|s| Some((s.min_bytes_opt()?, s.max_bytes_opt()?)))
            else {
                return true;
            };
            // Byte order is the order Parquet keeps text statistics in.
            let i = first_keys.partition_point(|k| k.as_bytes() < min);
            i < first_keys.len() && first_keys[i].as_bytes() <= max
        })
        .collect();
    if row_groups.is_empty() {
        return Ok(0);
    }
    let wanted: Vec<usize> = columns
        .iter()
        .filter_map(|c| builder.schema().index_of(c).ok())
        .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), wanted);
    let mut stream = builder
        .with_projection(mask)
        .with_row_groups(row_groups)
        .build()
        .map_err(parquet)?;
    let mut hits = 0;
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(parquet)?;
        hits += row_key_hashes(&batch, kind)
            .iter()
            .filter(|h| keys.binary_search(h).is_ok())
            .count() as u64;
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::StringArray;
    use datafusion::arrow::datatypes::{Field, Schema};
    use datafusion::parquet::arrow::ArrowWriter;
    use datafusion::parquet::file::properties::WriterProperties;
    use std::sync::Arc;

    /// Pruning by row-group statistics never hides a re-sent id: ids at a row group's
    /// bounds, inside one, and in several groups are all counted; ids outside every range
    /// read nothing and count nothing.
    #[tokio::test]
    async fn hits_are_counted_in_every_row_group_that_can_hold_them() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
        let ids = [
            "INT-01", "INT-02", "INT-03", "INT-05", "INT-07", "INT-09", "INT-11",
        ];
        let schema = Arc::new(Schema::new(vec![Field::new(
            "interaction_id",
            DataType::Utf8,
            false,
        )]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(StringArray::from(ids.to_vec()))],
        )
        .unwrap();
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(2))
            .build();
        let mut bytes = Vec::new();
        let mut w = ArrowWriter::try_new(&mut bytes, schema, Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        lake.put("interactions/month=2026-01/a.parquet", Bytes::from(bytes))
            .await
            .unwrap();

        let count = |wanted: &[&str]| {
            let mut keys: Vec<u64> = wanted.iter().map(|k| validate::key_hash(&[k])).collect();
            keys.sort_unstable();
            let mut first: Vec<String> = wanted.iter().map(|k| k.to_string()).collect();
            first.sort();
            let lake = &lake;
            async move {
                count_key_hits_in_lake(
                    lake,
                    "interactions/month=2026-01/a.parquet",
                    SourceKind::Interactions,
                    &keys,
                    &first,
                )
                .await
                .unwrap()
            }
        };
        // Bounds of groups [01,02] [03,05] [07,09] [11].
        assert_eq!(count(&["INT-01", "INT-05", "INT-11"]).await, 3);
        assert_eq!(count(&["INT-09", "INT-03"]).await, 2);
        // Inside a group's range but absent; outside every range.
        assert_eq!(count(&["INT-04", "INT-08"]).await, 0);
        assert_eq!(count(&["INT-00", "INT-99", "INT-10"]).await, 0);
        assert_eq!(count(&["INT-10", "INT-07"]).await, 1);
    }
}
