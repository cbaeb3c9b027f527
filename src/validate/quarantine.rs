//! Rejected rows, kept with their reason, file and line so nothing is lost. Raw values are
//! stored as a JSON object after redaction: identifier columns are dropped entirely and
//! every other value goes through the same free-text redaction as notes (DESIGN §7).

use std::sync::Arc;

use datafusion::arrow::array::{
    Int64Builder, RecordBatch, StringBuilder, TimestampMicrosecondBuilder,
};

use super::Rejection;
use crate::lake::schema;
use crate::sources::Record;

/// Columns whose raw value is a personal identifier: never kept, even in quarantine.
const IDENTIFIER_COLUMNS: &[&str] = &["contact", "respondent"];

pub struct QuarantineBuilder {
    source: String,
    batch_id: String,
    source_file: String,
    quarantined_at: i64,
    lines: Int64Builder,
    codes: StringBuilder,
    reasons: StringBuilder,
    columns: StringBuilder,
    raws: StringBuilder,
    rows: usize,
}

impl QuarantineBuilder {
    pub fn new(source: &str, batch_id: &str, source_file: &str, quarantined_at: i64) -> Self {
        QuarantineBuilder {
            source: source.into(),
            batch_id: batch_id.into(),
            source_file: source_file.into(),
            quarantined_at,
            lines: Int64Builder::new(),
            codes: StringBuilder::new(),
            reasons: StringBuilder::new(),
            columns: StringBuilder::new(),
            raws: StringBuilder::new(),
            rows: 0,
        }
    }

    pub fn push(&mut self, rec: &Record, names: &[&str], why: &Rejection) {
        let mut raw = serde_json::Map::new();
        for (name, value) in names.iter().zip(&rec.values) {
            if value.is_empty() {
                continue;
            }
            let kept = if IDENTIFIER_COLUMNS.contains(name) {
                "[identificador omitido]".to_string()
            } else {
                crate::privacy::redact(value).into_owned()
            };
            raw.insert((*name).to_string(), serde_json::Value::String(kept));
        }
        self.lines.append_value(rec.line as i64);
        self.codes.append_value(why.code);
        self.reasons
            .append_value(crate::privacy::redact(&why.message));
        self.columns.append_option(why.column);
        self.raws
            .append_value(serde_json::Value::Object(raw).to_string());
        self.rows += 1;
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub fn finish(&mut self) -> RecordBatch {
        let n = std::mem::take(&mut self.rows);
        let repeat = |v: &str| {
            let mut b = StringBuilder::new();
            for _ in 0..n {
                b.append_value(v);
            }
            Arc::new(b.finish())
        };
        let mut at = TimestampMicrosecondBuilder::new().with_timezone("UTC");
        for _ in 0..n {
            at.append_value(self.quarantined_at);
        }
        RecordBatch::try_new(
            schema::quarantine(),
            vec![
                repeat(&self.source),
                repeat(&self.batch_id),
                repeat(&self.source_file),
                Arc::new(self.lines.finish()),
                Arc::new(self.codes.finish()),
                Arc::new(self.reasons.finish()),
                Arc::new(self.columns.finish()),
                Arc::new(self.raws.finish()),
                Arc::new(at.finish()),
            ],
        )
        .expect("builders follow the quarantine schema")
    }
}
