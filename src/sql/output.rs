//! Output of query rows: an aligned table for people, CSV that is safe to open in Excel,
//! JSON Lines and Parquet for programs. Rows stream through: only the table format holds
//! rows in memory, and it stops at a row cap.

use std::io::Write;

use datafusion::arrow::array::{Array, ArrayRef, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::parquet::arrow::ArrowWriter;

use super::SqlError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned table with row count and timing.
    Table,
    /// Comma-separated with header; text that Excel would run as a formula is neutralised.
    Csv,
    /// JSON Lines: one object per row.
    Json,
    /// Apache Parquet (binary; use --output).
    Parquet,
}

/// Receives a statement's rows as they are produced.
pub trait Sink {
    fn begin(&mut self, schema: SchemaRef) -> Result<(), SqlError>;
    /// Returns false to stop early (row cap reached).
    fn write(&mut self, batch: &RecordBatch) -> Result<bool, SqlError>;
    fn end(&mut self) -> Result<(), SqlError>;
}

pub fn sink<'w>(
    format: OutputFormat,
    out: Box<dyn Write + Send + 'w>,
    max_table_rows: usize,
) -> Box<dyn Sink + 'w> {
    match format {
        OutputFormat::Table => Box::new(TableSink {
            out,
            batches: Vec::new(),
            rows: 0,
            max: max_table_rows,
            schema: None,
        }),
        OutputFormat::Csv => Box::new(CsvSink {
            out: csv::Writer::from_writer(out),
            text_columns: Vec::new(),
        }),
        OutputFormat::Json => Box::new(JsonSink {
            out: Some(datafusion::arrow::json::LineDelimitedWriter::new(out)),
        }),
        OutputFormat::Parquet => Box::new(ParquetSink {
            out: Some(out),
            writer: None,
        }),
    }
}

struct TableSink<'w> {
    out: Box<dyn Write + Send + 'w>,
    batches: Vec<RecordBatch>,
    rows: usize,
    max: usize,
    schema: Option<SchemaRef>,
}

impl Sink for TableSink<'_> {
    fn begin(&mut self, schema: SchemaRef) -> Result<(), SqlError> {
        self.schema = Some(schema);
        Ok(())
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<bool, SqlError> {
        let room = self.max - self.rows;
        let take = batch.num_rows().min(room);
        self.batches.push(batch.slice(0, take));
        self.rows += take;
        Ok(self.rows < self.max)
    }

    fn end(&mut self) -> Result<(), SqlError> {
        if self.batches.is_empty() {
            if let Some(s) = &self.schema {
                self.batches.push(RecordBatch::new_empty(s.clone()));
            }
        }
        writeln!(self.out, "{}", pretty_format_batches(&self.batches)?)?;
        self.out.flush()?;
        Ok(())
    }
}

/// Text cells starting with these characters are formulas to a spreadsheet.
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// Prefixes formula-looking text with an apostrophe so Excel shows it as text (OWASP
/// "CSV injection" advice). Only text columns are touched: numbers stay numbers.
pub fn neutralise_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

struct CsvSink<'w> {
    out: csv::Writer<Box<dyn Write + Send + 'w>>,
    text_columns: Vec<bool>,
}

fn csv_err(e: csv::Error) -> SqlError {
    SqlError::Output(std::io::Error::other(e))
}

impl Sink for CsvSink<'_> {
    fn begin(&mut self, schema: SchemaRef) -> Result<(), SqlError> {
        self.text_columns = schema
            .fields()
            .iter()
            .map(|f| {
                matches!(
                    f.data_type(),
                    DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
                )
            })
            .collect();
        self.out
            .write_record(schema.fields().iter().map(|f| f.name().as_str()))
            .map_err(csv_err)
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<bool, SqlError> {
        let columns: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .map(|c| cast(c, &DataType::Utf8))
            .collect::<Result<_, _>>()?;
        let columns: Vec<&datafusion::arrow::array::StringArray> = columns
            .iter()
            .map(|c| c.as_any().downcast_ref().expect("cast to Utf8"))
            .collect();
        let mut record = csv::StringRecord::new();
        for row in 0..batch.num_rows() {
            record.clear();
            for (i, col) in columns.iter().enumerate() {
                if col.is_null(row) {
                    record.push_field("");
                } else if self.text_columns[i] {
                    record.push_field(&neutralise_formula(col.value(row)));
                } else {
                    record.push_field(col.value(row));
                }
            }
            self.out.write_record(&record).map_err(csv_err)?;
        }
        Ok(true)
    }

    fn end(&mut self) -> Result<(), SqlError> {
        self.out.flush()?;
        Ok(())
    }
}

struct JsonSink<'w> {
    out: Option<datafusion::arrow::json::LineDelimitedWriter<Box<dyn Write + Send + 'w>>>,
}

impl Sink for JsonSink<'_> {
    fn begin(&mut self, _schema: SchemaRef) -> Result<(), SqlError> {
        Ok(())
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<bool, SqlError> {
        self.out.as_mut().expect("open until end").write(batch)?;
        Ok(true)
    }

    fn end(&mut self) -> Result<(), SqlError> {
        if let Some(mut w) = self.out.take() {
            w.finish()?;
            w.into_inner().flush()?;
        }
        Ok(())
    }
}

struct ParquetSink<'w> {
    out: Option<Box<dyn Write + Send + 'w>>,
    writer: Option<ArrowWriter<Box<dyn Write + Send + 'w>>>,
}

impl Sink for ParquetSink<'_> {
    fn begin(&mut self, schema: SchemaRef) -> Result<(), SqlError> {
        let out = self.out.take().expect("begin once");
        let props = crate::lake::writer::writer_properties();
        self.writer = Some(
            ArrowWriter::try_new(out, schema, Some(props))
                .map_err(|e| SqlError::Output(std::io::Error::other(e)))?,
        );
        Ok(())
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<bool, SqlError> {
        self.writer
            .as_mut()
            .expect("begun")
            .write(batch)
            .map_err(|e| SqlError::Output(std::io::Error::other(e)))?;
        Ok(true)
    }

    fn end(&mut self) -> Result<(), SqlError> {
        if let Some(w) = self.writer.take() {
            w.close()
                .map_err(|e| SqlError::Output(std::io::Error::other(e)))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_text_is_neutralised() {
        assert_eq!(
            neutralise_formula("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(neutralise_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise_formula("normal"), "normal");
    }
}
