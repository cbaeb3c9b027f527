//! Scoring (DESIGN §5–§6). For now: the business calendar and its reference tables that
//! analysts can query; the scoring queries build on them.

pub mod calendar;

use std::sync::Arc;

use datafusion::arrow::array::{Date32Builder, Int32Builder, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;

use crate::lake::tables::RegisterError;

/// Every Colombian public holiday 1984–2100 as the calendar sees it.
pub fn holidays_batch() -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("date", DataType::Date32, false),
        Field::new("year", DataType::Int32, false),
        Field::new("name", DataType::Utf8, false),
        Field::new("rule", DataType::Utf8, false),
    ]));
    let (mut date, mut year, mut name, mut rule) = (
        Date32Builder::new(),
        Int32Builder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
    );
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    for y in calendar::FIRST_YEAR..=calendar::LAST_YEAR {
        for h in calendar::holidays_in_year(y) {
            date.append_value((h.date - epoch).num_days() as i32);
            year.append_value(y);
            name.append_value(h.name);
            rule.append_value(h.rule.code());
        }
    }
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(date.finish()),
            Arc::new(year.finish()),
            Arc::new(name.finish()),
            Arc::new(rule.finish()),
        ],
    )
    .expect("columns follow the schema")
}

/// Registers `holidays`.
pub fn register_reference_tables(ctx: &SessionContext) -> Result<(), RegisterError> {
    let wrap = |source: DataFusionError| RegisterError::DataFusion {
        table: "holidays".into(),
        source,
    };
    let batch = holidays_batch();
    let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).map_err(wrap)?;
    ctx.deregister_table("holidays").map_err(wrap)?;
    ctx.register_table("holidays", Arc::new(table))
        .map_err(wrap)?;
    Ok(())
}
