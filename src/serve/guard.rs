//! The statement guard of `momentos serve`: the first query hook, so it sees every
//! statement a client sends (simple and extended protocol) before anything runs it.
//!
//! Runs: what `sql::check_read_only` lets through (queries, EXPLAIN, SHOW), plus what
//! drivers need to talk at all — `SHOW <setting>`, `BEGIN`/`COMMIT`/`ROLLBACK` (no effect:
//! nothing is ever written) and cursors over a query (`DECLARE … CURSOR FOR SELECT`,
//! `FETCH`, `CLOSE`). Answered `SET` without doing anything: the settings drivers send at
//! connect, listed in [`NO_OP_SETTINGS`], and `SET [SESSION CHARACTERISTICS AS] TRANSACTION
//! …` (read only, isolation). Everything else is refused with the reason.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::Schema;
use datafusion::common::{ParamValues, ToDFSchema};
use datafusion::logical_expr::{EmptyRelation, LogicalPlan};
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{Set, Statement};
use datafusion_postgres::hooks::HookClient;
use datafusion_postgres::pgwire::api::results::{Response, Tag};
use datafusion_postgres::pgwire::api::ClientInfo;
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::QueryHook;

/// Settings that drivers and BI tools set when they connect (psql, psycopg, JDBC for
/// DBeaver/Metabase, Npgsql for Power BI). `SET` of one of them answers `SET` and changes
/// nothing: the server keeps UTF-8, ISO dates, the `public` schema and its own limits.
pub const NO_OP_SETTINGS: &[&str] = &[
    "client_encoding",
    "datestyle",
    "extra_float_digits",
    "application_name",
    "search_path",
    "intervalstyle",
    "standard_conforming_strings",
    "bytea_output",
    "client_min_messages",
];

/// What the guard does with one statement.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Passed on to the other hooks and DataFusion.
    Run,
    /// Answered with this command tag, nothing run.
    NoOp(&'static str),
    /// Refused with this message.
    Refuse(String),
}

pub fn verdict(st: &Statement) -> Verdict {
    match st {
        Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback {
            savepoint: None, ..
        }
        | Statement::Close { .. }
        | Statement::ShowVariable { .. }
        | Statement::ShowStatus { .. }
        | Statement::ShowCatalogs { .. } => Verdict::Run,
        Statement::Fetch { into: None, .. } => Verdict::Run,
        Statement::Declare { stmts } => {
            for d in stmts {
                match (&d.for_query, &d.assignment) {
                    (Some(q), None) => {
                        let as_query = Statement::Query(q.clone());
                        if let Err(e) = crate::sql::check_read_only(&as_query) {
                            return Verdict::Refuse(e.to_string());
                        }
                    }
                    _ => {
                        return Verdict::Refuse(
                            "refused: only cursors over a query (DECLARE c CURSOR FOR SELECT …)"
                                .into(),
                        )
                    }
                }
            }
            Verdict::Run
        }
        // JDBC's `setReadOnly(true)` (Metabase) and isolation levels: nothing is ever
        // written, so any transaction is read-only and needs no isolation.
        Statement::Set(Set::SetTransaction { snapshot: None, .. }) => Verdict::NoOp("SET"),
        Statement::Set(Set::SingleAssignment {
            variable, values, ..
        }) if !values.is_empty()
            && NO_OP_SETTINGS.contains(&variable.to_string().to_ascii_lowercase().as_str()) =>
        {
            Verdict::NoOp("SET")
        }
        other => match crate::sql::check_read_only(other) {
            Ok(()) => Verdict::Run,
            Err(e) => Verdict::Refuse(e.to_string()),
        },
    }
}

/// SQLSTATE 25006, `read_only_sql_transaction`, as PostgreSQL answers a write on a replica.
fn refused(message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_string(),
        "25006".to_string(),
        message,
    )))
}

/// The hook's answer at execution: none to let the statement run.
fn answer(statement: &Statement) -> Option<PgWireResult<Response>> {
    match verdict(statement) {
        Verdict::Run => None,
        Verdict::NoOp(tag) => Some(Ok(Response::Execution(Tag::new(tag)))),
        Verdict::Refuse(m) => Some(Err(refused(m))),
    }
}

#[derive(Debug)]
pub struct ReadOnlyHook;

#[async_trait]
impl QueryHook for ReadOnlyHook {
    async fn handle_simple_query(
        &self,
        statement: &Statement,
        _session_context: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        answer(statement)
    }

    async fn handle_extended_parse_query(
        &self,
        statement: &Statement,
        _session_context: &SessionContext,
        _client: &(dyn ClientInfo + Send + Sync),
    ) -> Option<PgWireResult<LogicalPlan>> {
        match verdict(statement) {
            Verdict::Run => None,
            Verdict::NoOp(_) => Some(
                Arc::new(Schema::empty())
                    .to_dfschema()
                    .map(|schema| {
                        LogicalPlan::EmptyRelation(EmptyRelation {
                            produce_one_row: false,
                            schema: Arc::new(schema),
                        })
                    })
                    .map_err(|e| PgWireError::ApiError(Box::new(e))),
            ),
            Verdict::Refuse(m) => Some(Err(refused(m))),
        }
    }

    async fn handle_extended_query(
        &self,
        statement: &Statement,
        _logical_plan: &LogicalPlan,
        _params: &ParamValues,
        _session_context: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        answer(statement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion_postgres::datafusion_pg_catalog::sql::PostgresCompatibilityParser;

    /// What the server does: a statement its parser rejects is refused too.
    fn judge(sql: &str) -> Verdict {
        let Ok(parsed) = PostgresCompatibilityParser::new().parse(sql) else {
            return Verdict::Refuse("parse error".into());
        };
        assert_eq!(parsed.len(), 1, "{sql}");
        verdict(&parsed[0])
    }

    #[test]
    fn reads_run_writes_and_settings_are_refused() {
        for sql in [
            "select * from scores",
            "with a as (select 1) select * from a",
            "explain select 1",
            "show time zone",
            "begin",
            "commit",
            "rollback",
            "declare c cursor for select 1",
            "fetch next from c",
            "close c",
        ] {
            assert_eq!(judge(sql), Verdict::Run, "{sql}");
        }
        for sql in [
            "set client_encoding = 'UTF8'",
            "SET extra_float_digits = 3",
            "SET DateStyle = 'ISO'",
            "SET application_name = 'PowerBI'",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
            "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
        ] {
            assert_eq!(judge(sql), Verdict::NoOp("SET"), "{sql}");
        }
        for sql in [
            "insert into scores values (1)",
            "update scores set score = 1",
            "delete from scores",
            "create table t as select 1",
            "create view v as select 1",
            "drop table scores",
            "copy scores to '/tmp/x.csv'",
            "set statement_timeout = 0",
            "set time zone 'UTC'",
            "set datafusion.execution.batch_size = 1",
            "set role postgres",
            "with a as (select 1) insert into scores select * from a",
            "select * into copied from scores",
            "select 1 union select * into copied from scores",
            "explain analyze insert into scores values (1)",
            "declare c cursor for with a as (select 1) delete from scores",
            "prepare p as select 1",
            "create external table t stored as csv location '/etc/passwd'",
        ] {
            assert!(matches!(judge(sql), Verdict::Refuse(_)), "{sql}");
        }
    }
}
