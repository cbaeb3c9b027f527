//! Generic Arrow builders for a table's rows plus the lineage columns every source row
//! carries (local date, batch, file, line, ingestion time).

use std::borrow::Cow;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int32Builder,
    Int64Builder, RecordBatch, StringArray, StringBuilder, TimestampMicrosecondArray,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, SchemaRef};

/// One cell value on its way into a builder.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Null,
    Text(Cow<'a, str>),
    Ts(i64),
    Bool(bool),
    Int(i32),
    Float(f64),
}

enum Col {
    Text(StringBuilder),
    Ts(TimestampMicrosecondBuilder),
    Bool(BooleanBuilder),
    Int(Int32Builder),
    Long(Int64Builder),
    Float(Float64Builder),
    Date(Date32Builder),
}

impl Col {
    /// A builder with room for `rows` values (and `bytes` of text).
    fn for_type(t: &DataType, rows: usize, bytes: usize) -> Col {
        match t {
            DataType::Utf8 => Col::Text(StringBuilder::with_capacity(rows, bytes)),
            DataType::Timestamp(_, tz) => Col::Ts(
                TimestampMicrosecondBuilder::with_capacity(rows).with_timezone_opt(tz.clone()),
            ),
            DataType::Boolean => Col::Bool(BooleanBuilder::with_capacity(rows)),
            DataType::Int32 => Col::Int(Int32Builder::with_capacity(rows)),
            DataType::Int64 => Col::Long(Int64Builder::with_capacity(rows)),
            DataType::Float64 => Col::Float(Float64Builder::with_capacity(rows)),
            DataType::Date32 => Col::Date(Date32Builder::with_capacity(rows)),
            other => unreachable!("lake schemas use no {other} columns"),
        }
    }

    /// Text bytes appended so far (0 for other kinds).
    fn text_bytes(&self) -> usize {
        match self {
            Col::Text(b) => b.values_slice().len(),
            _ => 0,
        }
    }

    fn push(&mut self, v: &Val) {
        match (self, v) {
            (Col::Text(b), Val::Text(s)) => b.append_value(s),
            (Col::Text(b), Val::Null) => b.append_null(),
            (Col::Ts(b), Val::Ts(t)) => b.append_value(*t),
            (Col::Ts(b), Val::Null) => b.append_null(),
            (Col::Bool(b), Val::Bool(x)) => b.append_value(*x),
            (Col::Bool(b), Val::Null) => b.append_null(),
            (Col::Int(b), Val::Int(x)) => b.append_value(*x),
            (Col::Int(b), Val::Null) => b.append_null(),
            (Col::Float(b), Val::Float(x)) => b.append_value(*x),
            (Col::Float(b), Val::Null) => b.append_null(),
            (_, v) => unreachable!("value {v:?} does not fit its column"),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Col::Text(b) => Arc::new(b.finish()),
            Col::Ts(b) => Arc::new(b.finish()),
            Col::Bool(b) => Arc::new(b.finish()),
            Col::Int(b) => Arc::new(b.finish()),
            Col::Long(b) => Arc::new(b.finish()),
            Col::Float(b) => Arc::new(b.finish()),
            Col::Date(b) => Arc::new(b.finish()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Col::Text(b) => b.len(),
            Col::Ts(b) => b.len(),
            Col::Bool(b) => b.len(),
            Col::Int(b) => b.len(),
            Col::Long(b) => b.len(),
            Col::Float(b) => b.len(),
            Col::Date(b) => b.len(),
        }
    }
}

/// Lineage values shared by all rows of a batch.
#[derive(Debug, Clone)]
pub struct Lineage {
    pub batch_id: String,
    pub source_file: String,
    pub ingested_at: i64,
}

/// Builds record batches of a source table: the table's columns then the lineage ones.
pub struct TableBuilder {
    schema: SchemaRef,
    own: Vec<Col>,
    local_date: Date32Builder,
    source_line: Int64Builder,
    /// Batch, file and ingestion time are the same for every row: filled in by `finish`.
    lineage: Lineage,
}

/// Number of lineage columns at the end of every source schema.
const LINEAGE_COLUMNS: usize = 5;

/// Room to reserve in a new builder: rows, and text bytes per column.
#[derive(Debug, Clone, Default)]
pub struct Sizing {
    rows: usize,
    text_bytes: Vec<usize>,
}

impl TableBuilder {
    pub fn new(schema: SchemaRef, lineage: Lineage) -> Self {
        Self::with_sizing(schema, lineage, &Sizing::default())
    }

    /// A builder with room for rows like those of a builder measured by [`Self::sizing`],
    /// so its buffers need not grow (and be copied) step by step.
    pub fn with_sizing(schema: SchemaRef, lineage: Lineage, sizing: &Sizing) -> Self {
        let n = schema.fields().len() - LINEAGE_COLUMNS;
        let own = schema.fields()[..n]
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let bytes = sizing.text_bytes.get(i).copied().unwrap_or(0);
                Col::for_type(f.data_type(), sizing.rows, bytes)
            })
            .collect();
        TableBuilder {
            schema,
            own,
            local_date: Date32Builder::with_capacity(sizing.rows),
            source_line: Int64Builder::with_capacity(sizing.rows),
            lineage,
        }
    }

    /// The rows and text bytes held so far.
    pub fn sizing(&self) -> Sizing {
        Sizing {
            rows: self.len(),
            text_bytes: self.own.iter().map(Col::text_bytes).collect(),
        }
    }

    /// Appends a row; `local_date` is days since the Unix epoch.
    pub fn append(&mut self, values: &[Val], local_date: i32, line: u64) {
        debug_assert_eq!(values.len(), self.own.len());
        for (col, v) in self.own.iter_mut().zip(values) {
            col.push(v);
        }
        self.local_date.append_value(local_date);
        self.source_line.append_value(line as i64);
    }

    pub fn len(&self) -> usize {
        self.local_date.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows so far as a batch; the builder is then empty, with room for as many rows
    /// again (the next batch is likely as large, and growing buffers step by step copies).
    pub fn finish(&mut self) -> RecordBatch {
        self.take_batch(true)
    }

    /// The rows so far as a batch, when no more rows will come.
    pub fn into_batch(mut self) -> RecordBatch {
        self.take_batch(false)
    }

    fn take_batch(&mut self, reserve: bool) -> RecordBatch {
        let rows = self.len();
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.schema.fields().len());
        for (col, field) in self.own.iter_mut().zip(self.schema.fields().iter()) {
            let (rows, bytes) = if reserve {
                (rows, col.text_bytes())
            } else {
                (0, 0)
            };
            let mut next = Col::for_type(field.data_type(), rows, bytes);
            std::mem::swap(col, &mut next);
            arrays.push(next.finish());
        }
        let repeat = |s: &str| StringArray::from_iter_values(std::iter::repeat_n(s, rows));
        arrays.push(Arc::new(self.local_date.finish()));
        arrays.push(Arc::new(repeat(&self.lineage.batch_id)));
        arrays.push(Arc::new(repeat(&self.lineage.source_file)));
        arrays.push(Arc::new(self.source_line.finish()));
        arrays.push(Arc::new(
            TimestampMicrosecondArray::from_value(self.lineage.ingested_at, rows)
                .with_timezone("UTC"),
        ));
        debug_assert!(self.own.iter().all(|c| c.len() == 0));
        RecordBatch::try_new(self.schema.clone(), arrays).expect("builders follow the schema")
    }
}
