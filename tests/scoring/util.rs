//! Fixtures: a fresh lake per test, ingestion of CSV text, score runs, typed columns.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type, Int64Type};
use momentos::catalog::Catalog;
use momentos::ingest::{self, IngestOptions};
use momentos::lake::Lake;
use momentos::privacy::Pseudonymizer;
use momentos::score::run::{self, Periods, ScoreOptions, ScoreSummary};
use momentos::vocabulary::SourceKind;

pub struct TestLake {
    pub lake: Lake,
    pub dir: tempfile::TempDir,
}

pub fn fresh_lake() -> TestLake {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().join("lake").to_str().unwrap()).unwrap();
    TestLake { lake, dir }
}

pub async fn ingest_file(t: &TestLake, catalog: &Catalog, kind: SourceKind, path: &Path) {
    let key = Pseudonymizer::from_key(b"momentos-test-key-0123456789abcdef").unwrap();
    let s = ingest::ingest_file(
        &t.lake,
        catalog,
        Some(&key),
        path,
        &IngestOptions::new(kind),
    )
    .await
    .unwrap();
    assert_eq!(
        s.rows_quarantined, 0,
        "{kind}: rows were quarantined: {:?}",
        s.reasons
    );
}

/// Writes interactions straight into the lake as a committed batch, bypassing ingest (whose
/// validation refuses instants after today: the calendar tests need 2027).
pub async fn write_interactions(
    t: &TestLake,
    catalog: &Catalog,
    rows: &[super::reference::Interaction],
) {
    use datafusion::arrow::array::{
        ArrayRef, BooleanArray, Date32Array, Int64Array, StringArray, TimestampMicrosecondArray,
    };
    use momentos::lake::commit::{self, StagedFile};
    use momentos::lake::manifest::{self, FileEntry, Manifest};
    use momentos::lake::{schema, writer};
    use std::sync::Arc;
    let batch_id = manifest::new_batch_id();
    let text = |f: &dyn Fn(&super::reference::Interaction) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let ts = |f: &dyn Fn(&super::reference::Interaction) -> Option<DateTime<Utc>>| -> ArrayRef {
        Arc::new(
            TimestampMicrosecondArray::from(
                rows.iter()
                    .map(|r| f(r).map(|t| t.timestamp_micros()))
                    .collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        )
    };
    let none_bool: ArrayRef = Arc::new(BooleanArray::from(vec![None::<bool>; rows.len()]));
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    let columns: Vec<ArrayRef> = vec![
        text(&|r| Some(r.id.clone())),
        text(&|r| Some(r.channel.clone())),
        text(&|r| Some(r.unit.clone())),
        ts(&|r| Some(r.received)),
        ts(&|r| r.first_response),
        ts(&|r| r.resolved),
        text(&|r| Some(r.direction.clone())),
        text(&|_| None),
        text(&|_| None),
        text(&|_| None),
        text(&|_| None),
        text(&|r| r.stakeholder.clone()),
        text(&|r| r.escalated_to.clone()),
        ts(&|r| r.escalated_at),
        ts(&|r| r.answered_at),
        text(&|r| r.outcome.clone()),
        none_bool.clone(),
        none_bool.clone(),
        none_bool.clone(),
        none_bool.clone(),
        none_bool,
        text(&|_| None),
        Arc::new(Date32Array::from(
            rows.iter()
                .map(|r| {
                    (r.received.with_timezone(&catalog.time_zone).date_naive() - epoch).num_days()
                        as i32
                })
                .collect::<Vec<_>>(),
        )),
        text(&|_| Some(batch_id.clone())),
        text(&|_| Some("generated".into())),
        Arc::new(Int64Array::from_iter_values(0..rows.len() as i64)),
        ts(&|_| Some(Utc::now())),
    ];
    let batch = RecordBatch::try_new(schema::interactions(), columns).unwrap();
    let mut files = Vec::new();
    let mut staged = Vec::new();
    for (partition, part) in writer::split_by_month(&batch).unwrap() {
        let path = format!("interactions/{partition}/{batch_id}.parquet");
        files.push(FileEntry {
            path: path.clone(),
            rows: part.num_rows() as u64,
        });
        staged.push(StagedFile {
            path,
            bytes: writer::encode(schema::interactions(), &[part]).unwrap(),
        });
    }
    let m = Manifest {
        batch_id: batch_id.clone(),
        table: "interactions".into(),
        schema_version: schema::SCHEMA_VERSION,
        created_at: Utc::now(),
        source_file: Some("generated".into()),
        source_hash: None,
        source_format: None,
        key_id: None,
        rows_read: rows.len() as u64,
        rows_accepted: rows.len() as u64,
        rows_replaced: 0,
        rows_superseded_in_file: 0,
        rows_quarantined: 0,
        quarantine_reasons: Default::default(),
        files,
        quarantine_file: None,
        removes: vec![],
        other_tables: Default::default(),
        quarantine_rewrites: Default::default(),
        derived_from: None,
    };
    commit::publish(&t.lake, &m, staged).await.unwrap();
}

/// Runs a future on a fresh runtime in a thread with a large stack: planning the scoring
/// views recurses deeply in unoptimised builds, beyond a test thread's 2 MiB.
pub fn block_on_big_stack<F, T>(fut: F) -> T
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(move || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_stack_size(16 * 1024 * 1024)
                .enable_all()
                .build()
                .unwrap()
                .block_on(fut)
        })
        .unwrap()
        .join()
        .unwrap()
}

pub async fn score(t: &TestLake, catalog: &Catalog, as_of: DateTime<Utc>) -> ScoreSummary {
    let mut opts = ScoreOptions::new(Periods::All);
    opts.as_of = as_of;
    run::run(&t.lake, catalog, &opts).await.unwrap()
}

/// Runs SQL over the lake as `momentos sql` does.
pub async fn query(t: &TestLake, catalog: &Catalog, sql: &str) -> Vec<RecordBatch> {
    let ctx = momentos::sql::session(&t.lake, catalog).await.unwrap();
    ctx.sql(sql).await.unwrap().collect().await.unwrap()
}

fn column(batches: &[RecordBatch], name: &str, to: &DataType) -> Vec<std::sync::Arc<dyn Array>> {
    batches
        .iter()
        .map(|b| {
            let c = b
                .column_by_name(name)
                .unwrap_or_else(|| panic!("no column {name}"));
            cast(c, to).unwrap()
        })
        .collect()
}

pub fn strs(batches: &[RecordBatch], name: &str) -> Vec<Option<String>> {
    column(batches, name, &DataType::Utf8)
        .iter()
        .flat_map(|a| {
            let a = a.as_string::<i32>();
            (0..a.len())
                .map(|i| (!a.is_null(i)).then(|| a.value(i).to_string()))
                .collect::<Vec<_>>()
        })
        .collect()
}

pub fn floats(batches: &[RecordBatch], name: &str) -> Vec<Option<f64>> {
    column(batches, name, &DataType::Float64)
        .iter()
        .flat_map(|a| {
            let a = a.as_primitive::<Float64Type>();
            (0..a.len())
                .map(|i| (!a.is_null(i)).then(|| a.value(i)))
                .collect::<Vec<_>>()
        })
        .collect()
}

pub fn ints(batches: &[RecordBatch], name: &str) -> Vec<Option<i64>> {
    column(batches, name, &DataType::Int64)
        .iter()
        .flat_map(|a| {
            let a = a.as_primitive::<Int64Type>();
            (0..a.len())
                .map(|i| (!a.is_null(i)).then(|| a.value(i)))
                .collect::<Vec<_>>()
        })
        .collect()
}

pub fn bools(batches: &[RecordBatch], name: &str) -> Vec<Option<bool>> {
    column(batches, name, &DataType::Boolean)
        .iter()
        .flat_map(|a| {
            let a = a.as_boolean();
            (0..a.len())
                .map(|i| (!a.is_null(i)).then(|| a.value(i)))
                .collect::<Vec<_>>()
        })
        .collect()
}

pub fn dates(batches: &[RecordBatch], name: &str) -> Vec<Option<NaiveDate>> {
    column(batches, name, &DataType::Date32)
        .iter()
        .flat_map(|a| {
            let a = a.as_primitive::<Date32Type>();
            (0..a.len())
                .map(|i| {
                    (!a.is_null(i)).then(|| {
                        NaiveDate::from_num_days_from_ce_opt(a.value(i) + 719_163).unwrap()
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

pub fn timestamps(batches: &[RecordBatch], name: &str) -> Vec<Option<DateTime<Utc>>> {
    ints_of(batches, name)
        .into_iter()
        .map(|v| v.map(|us| DateTime::from_timestamp_micros(us).unwrap()))
        .collect()
}

fn ints_of(batches: &[RecordBatch], name: &str) -> Vec<Option<i64>> {
    use datafusion::arrow::datatypes::{TimeUnit, TimestampMicrosecondType};
    column(
        batches,
        name,
        &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
    )
    .iter()
    .flat_map(|a| {
        let a = a.as_primitive::<TimestampMicrosecondType>();
        (0..a.len())
            .map(|i| (!a.is_null(i)).then(|| a.value(i)))
            .collect::<Vec<_>>()
    })
    .collect()
}

/// Asserts two floats agree within `tol` (both null, or both present and close).
pub fn close(a: Option<f64>, b: Option<f64>, tol: f64) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() <= tol,
        _ => false,
    }
}
