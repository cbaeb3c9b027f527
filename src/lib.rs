//! momentos: analytics and quality monitoring for a university's customer service,
//! following procedure PR-ME-002 (see DESIGN.md).
//!
//! The modules follow a row's path: [`sources`] read an export → [`validate`] and
//! [`privacy`] reject, redact and pseudonymise → [`lake`] stores Parquet batches →
//! [`score`] runs the SQL of `queries/` → [`plans`], [`alerts`] → [`report`] (charts of [`dashboards`]) → [`deliver`] (e-mail, webhooks). [`pipeline`] and [`schedule`] drive it;
//! [`cli`] and [`commands`] are the door.

pub mod alerts;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod dashboards;
pub mod deliver;
pub mod demo;
pub mod engine;
pub mod i18n;
pub mod ingest;
pub mod lake;
pub mod maintain;
pub mod memory;
pub mod pipeline;
pub mod plans;
pub mod privacy;
pub mod progress;
pub mod report;
pub mod schedule;
pub mod score;
pub mod serve;
pub mod sources;
pub mod sql;
pub mod validate;
pub mod vocabulary;
