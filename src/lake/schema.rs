//! The Parquet schemas of the lake's source tables. Column names follow DESIGN §3; raw
//! identifiers never appear (`contact_key` / `respondent_key` hold keyed hashes, §7), and
//! every row carries its lineage (batch, source file, line) so an analyst can trace it.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::vocabulary::SourceKind;

/// Bumped when a table's columns change; recorded in each batch manifest.
pub const SCHEMA_VERSION: u32 = 1;

pub fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// A text column.
pub fn text(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

/// A UTC timestamp column.
pub fn ts(name: &str, nullable: bool) -> Field {
    Field::new(name, timestamp(), nullable)
}

fn boolean(name: &str) -> Field {
    Field::new(name, DataType::Boolean, true)
}

fn int(name: &str) -> Field {
    Field::new(name, DataType::Int32, true)
}

fn lineage() -> Vec<Field> {
    vec![
        Field::new("local_date", DataType::Date32, false),
        text("batch_id", false),
        text("source_file", false),
        Field::new("source_line", DataType::Int64, false),
        ts("ingested_at", false),
    ]
}

fn with_lineage(mut fields: Vec<Field>) -> SchemaRef {
    fields.extend(lineage());
    Arc::new(Schema::new(fields))
}

pub fn interactions() -> SchemaRef {
    with_lineage(vec![
        text("interaction_id", false),
        text("channel", false),
        text("unit", false),
        ts("received_at", false),
        ts("first_response_at", true),
        ts("resolved_at", true),
        text("direction", false),
        text("touchpoint", true),
        text("agent_id", true),
        text("topic", true),
        text("contact_key", true),
        text("stakeholder", true),
        text("escalated_to", true),
        ts("escalated_at", true),
        ts("escalation_answered_at", true),
        text("outcome", true),
        boolean("habeas_data"),
        boolean("protocol_greeting"),
        boolean("protocol_need_identified"),
        boolean("protocol_habeas_script"),
        boolean("protocol_request_processed"),
        text("notes", true),
    ])
}

pub fn surveys() -> SchemaRef {
    with_lineage(vec![
        text("response_id", false),
        text("survey", false),
        ts("submitted_at", false),
        text("unit", false),
        text("channel", true),
        text("interaction_id", true),
        text("respondent_key", true),
        text("stakeholder", true),
        int("kindness"),
        int("information_quality"),
        int("timeliness"),
        int("overall"),
        int("nps"),
        text("comment", true),
        boolean("habeas_data"),
    ])
}

pub fn shopper() -> SchemaRef {
    with_lineage(vec![
        text("evaluation_id", false),
        ts("evaluated_at", false),
        text("unit", false),
        text("channel", false),
        text("shopper_id", true),
        text("scenario", true),
        text("item", false),
        text("result", false),
        Field::new("wait_seconds", DataType::Float64, true),
        text("notes", true),
    ])
}

pub fn quarantine() -> SchemaRef {
    Arc::new(Schema::new(vec![
        text("source", false),
        text("batch_id", false),
        text("source_file", false),
        Field::new("source_line", DataType::Int64, false),
        text("reason_code", false),
        text("reason", false),
        text("column_name", true),
        text("raw", false),
        ts("quarantined_at", false),
    ]))
}

/// The source table's schema.
pub fn for_source(kind: SourceKind) -> SchemaRef {
    match kind {
        SourceKind::Interactions => interactions(),
        SourceKind::Surveys => surveys(),
        SourceKind::Shopper => shopper(),
    }
}

/// Columns that identify a row: a re-sent row with the same key replaces the older one.
pub fn key_columns(kind: SourceKind) -> &'static [&'static str] {
    match kind {
        SourceKind::Interactions => &["interaction_id"],
        SourceKind::Surveys => &["response_id"],
        SourceKind::Shopper => &["evaluation_id", "item"],
    }
}
