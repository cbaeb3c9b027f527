//! The `audit` table (DESIGN §5, §7): one row per table a suppression (`momentos forget`)
//! or a retention deletion touched — what left, in which commit, never who. A request that
//! found nothing still leaves one row, so the answer to the data subject can be shown.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use datafusion::arrow::array::TimestampMicrosecondArray;
use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::prelude::SessionContext;

use crate::lake::delta;
use crate::lake::manifest::Manifest;
use crate::lake::rewrite::Removal;
use crate::lake::whole_table::WholeTable;
use crate::lake::{Lake, LakeError};

/// Manifest table and lake folder of the audit.
pub const TABLE: &str = "audit";
pub const DIR: &str = "audit/";
const STORE: WholeTable = WholeTable {
    name: TABLE,
    dir: DIR,
    schema,
};

/// What removed the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditKind {
    /// `momentos forget` (derecho de supresión).
    Suppression,
    /// The catalog's retention setting.
    Retention,
}

impl AuditKind {
    pub fn code(self) -> &'static str {
        match self {
            AuditKind::Suppression => "suppression",
            AuditKind::Retention => "retention",
        }
    }
}

/// One row of `audit`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    pub audit_id: String,
    pub kind: AuditKind,
    pub performed_at: DateTime<Utc>,
    /// The request's reference (e.g. a PQRS number), redacted; never the identifier.
    pub reference: Option<String>,
    /// `None` on the row of a request that found nothing.
    pub table_name: Option<String>,
    /// The table's folder in the lake (its Delta table).
    pub table_path: Option<String>,
    pub rows_removed: i64,
    pub files_rewritten: i64,
    pub files_removed: i64,
    /// The table's Delta version that no longer holds the rows.
    pub delta_version: Option<i64>,
    /// Fingerprint of the pseudonymisation key the identifier was hashed with.
    pub key_id: Option<String>,
}

impl AuditRow {
    /// The row of a request before any table is named (the row left when nothing was found).
    pub fn request(
        kind: AuditKind,
        performed_at: DateTime<Utc>,
        reference: Option<String>,
        key_id: Option<String>,
    ) -> AuditRow {
        AuditRow {
            audit_id: crate::lake::manifest::new_batch_id(),
            kind,
            performed_at,
            reference,
            table_name: None,
            table_path: None,
            rows_removed: 0,
            files_rewritten: 0,
            files_removed: 0,
            delta_version: None,
            key_id,
        }
    }
}

/// The columns of `audit` (documented in `sql::docs`).
pub fn schema() -> SchemaRef {
    let ts = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    Arc::new(Schema::new(vec![
        Field::new("audit_id", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("performed_at", ts, false),
        Field::new("reference", DataType::Utf8, true),
        Field::new("table_name", DataType::Utf8, true),
        Field::new("table_path", DataType::Utf8, true),
        Field::new("rows_removed", DataType::Int64, false),
        Field::new("files_rewritten", DataType::Int64, false),
        Field::new("files_removed", DataType::Int64, false),
        Field::new("delta_version", DataType::Int64, true),
        Field::new("key_id", DataType::Utf8, true),
    ]))
}

fn to_batch(rows: &[AuditRow]) -> RecordBatch {
    let text = |f: &dyn Fn(&AuditRow) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let int = |f: &dyn Fn(&AuditRow) -> Option<i64>| -> ArrayRef {
        Arc::new(Int64Array::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let at: Vec<i64> = rows
        .iter()
        .map(|r| r.performed_at.timestamp_micros())
        .collect();
    RecordBatch::try_new(
        schema(),
        vec![
            text(&|r| Some(r.audit_id.clone())),
            text(&|r| Some(r.kind.code().to_string())),
            Arc::new(TimestampMicrosecondArray::from(at).with_timezone("UTC")),
            text(&|r| r.reference.clone()),
            text(&|r| r.table_name.clone()),
            text(&|r| r.table_path.clone()),
            int(&|r| Some(r.rows_removed)),
            int(&|r| Some(r.files_rewritten)),
            int(&|r| Some(r.files_removed)),
            int(&|r| r.delta_version),
            text(&|r| r.key_id.clone()),
        ],
    )
    .expect("columns follow the schema")
}

/// One row per table of a committed removal, each naming the table's Delta version now;
/// `request` gives the columns every row shares.
pub async fn rows_for(lake: &Lake, removal: &Removal, request: &AuditRow) -> Vec<AuditRow> {
    let mut rows = Vec::with_capacity(removal.tables.len());
    for t in &removal.tables {
        rows.push(AuditRow {
            audit_id: removal.batch_id.clone(),
            table_name: Some(t.table.clone()),
            table_path: Some(t.root.clone()),
            rows_removed: t.rows_removed as i64,
            files_rewritten: t.files_rewritten as i64,
            files_removed: t.files_removed as i64,
            // The rows are gone either way; a log we cannot read only leaves this empty.
            delta_version: delta::version(lake, &t.root).await.unwrap_or(None),
            ..request.clone()
        });
    }
    rows
}

/// Appends rows to `audit` (a small table, rewritten whole). Call under the lake lock.
pub async fn append(lake: &Lake, rows: &[AuditRow], by: &str) -> Result<(), LakeError> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let mut batches = STORE.read(lake).await?;
    batches.push(to_batch(rows));
    STORE
        .replace(lake, &batches, first.performed_at, by)
        .await?;
    Ok(())
}

/// Registers `audit` in a session.
pub fn register(
    ctx: &SessionContext,
    lake: &Lake,
    manifests: &[Manifest],
) -> Result<(), datafusion::error::DataFusionError> {
    STORE.register(ctx, lake, manifests)
}
