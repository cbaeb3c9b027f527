//! The SQL of `queries/`, embedded in the binary and registered as views.
//!
//! Every file opens with `-- grain: …` and `-- depends: a, b, …` (tables or other views it
//! reads; an optional `-- functions: …` names Rust functions it calls, none today), and its stem is
//! the view name. Views are registered in dependency order, read from the `depends` lines;
//! a dependency that is not another query must already be a registered table.
//!
//! `{{time_zone}}` in a query is replaced by the catalog's `calendar.time_zone` (SQL has no
//! way to take a cast's time zone from a column); no other placeholder exists.

use std::collections::{BTreeMap, BTreeSet};

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;

use crate::catalog::Catalog;

/// A query file declaring parameters is a named query for `momentos query` (see
/// `sql::named`), not a view.
pub fn is_parameterised(sql: &str) -> bool {
    sql.lines().any(|l| l.trim_start().starts_with("-- param:"))
}

/// Every view file, relative to `queries/`. A test checks this list against the folder.
pub const FILES: &[(&str, &str)] = &[
    (
        "staging/stg_interactions.sql",
        include_str!("../../queries/staging/stg_interactions.sql"),
    ),
    (
        "staging/stg_surveys.sql",
        include_str!("../../queries/staging/stg_surveys.sql"),
    ),
    (
        "staging/stg_shopper.sql",
        include_str!("../../queries/staging/stg_shopper.sql"),
    ),
    (
        "facts/interaction_facts.sql",
        include_str!("../../queries/facts/interaction_facts.sql"),
    ),
    (
        "intermediate/int_survey_responses.sql",
        include_str!("../../queries/intermediate/int_survey_responses.sql"),
    ),
    (
        "intermediate/observations.sql",
        include_str!("../../queries/intermediate/observations.sql"),
    ),
    (
        "scores/cell_sources.sql",
        include_str!("../../queries/scores/cell_sources.sql"),
    ),
    (
        "scores/cell_scores.sql",
        include_str!("../../queries/scores/cell_scores.sql"),
    ),
    (
        "scores/scores.sql",
        include_str!("../../queries/scores/scores.sql"),
    ),
    (
        "scores/scores_by_stakeholder.sql",
        include_str!("../../queries/scores/scores_by_stakeholder.sql"),
    ),
    (
        "scores/survey_kpis.sql",
        include_str!("../../queries/scores/survey_kpis.sql"),
    ),
    (
        "scores/protocol.sql",
        include_str!("../../queries/scores/protocol.sql"),
    ),
    (
        "reports/source_coverage.sql",
        include_str!("../../queries/reports/source_coverage.sql"),
    ),
    (
        "alerts/alert_hours.sql",
        include_str!("../../queries/alerts/alert_hours.sql"),
    ),
    (
        "alerts/dissatisfaction_candidates.sql",
        include_str!("../../queries/alerts/dissatisfaction_candidates.sql"),
    ),
    (
        "alerts/critical_failures.sql",
        include_str!("../../queries/alerts/critical_failures.sql"),
    ),
    (
        "alerts/open_escalations.sql",
        include_str!("../../queries/alerts/open_escalations.sql"),
    ),
];

const TIME_ZONE_PLACEHOLDER: &str = "{{time_zone}}";

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("queries/{path}: {message}")]
    Header { path: String, message: String },
    #[error(
        "queries/{path}: depends on `{name}`, which is neither a query nor a registered table"
    )]
    UnknownDependency { path: String, name: String },
    #[error("queries: circular dependencies among {0}")]
    Cycle(String),
    #[error("queries/{path}: registering view `{view}`: {source}")]
    DataFusion {
        path: String,
        view: String,
        source: DataFusionError,
    },
}

/// One query file.
#[derive(Debug, Clone)]
pub struct Query {
    /// The view name (file stem).
    pub name: String,
    /// Path relative to `queries/`.
    pub path: &'static str,
    pub grain: String,
    pub depends: Vec<String>,
    pub functions: Vec<String>,
    pub text: &'static str,
}

impl Query {
    /// The SQL with the catalog's values in place of the placeholders, without a final `;`.
    pub fn render(&self, catalog: &Catalog) -> String {
        self.text
            .replace(TIME_ZONE_PLACEHOLDER, catalog.time_zone.name())
            .trim_end()
            .trim_end_matches(';')
            .to_string()
    }
}

fn header_list(line: &str) -> Vec<String> {
    line.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Parses a query file's header and checks its shape.
pub fn parse(path: &'static str, text: &'static str) -> Result<Query, QueryError> {
    let err = |message: String| QueryError::Header {
        path: path.to_string(),
        message,
    };
    let name = path
        .rsplit('/')
        .next()
        .and_then(|f| f.strip_suffix(".sql"))
        .ok_or_else(|| err("a query file ends in .sql".into()))?
        .to_string();
    let mut lines = text.lines();
    let grain = lines
        .next()
        .and_then(|l| l.strip_prefix("-- grain:"))
        .map(|g| g.trim().to_string())
        .filter(|g| !g.is_empty())
        .ok_or_else(|| err("the first line must be `-- grain: one row per …`".into()))?;
    let depends = lines
        .next()
        .and_then(|l| l.strip_prefix("-- depends:"))
        .map(header_list)
        .ok_or_else(|| err("the second line must be `-- depends: table_or_view, …`".into()))?;
    let functions = text
        .lines()
        .take_while(|l| l.starts_with("--"))
        .find_map(|l| l.strip_prefix("-- functions:"))
        .map(header_list)
        .unwrap_or_default();
    if !text.trim_end().ends_with("select * from final") {
        return Err(err("a query ends with `select * from final`".into()));
    }
    if let Some(at) = text.find("{{") {
        if !text[at..].starts_with(TIME_ZONE_PLACEHOLDER) {
            return Err(err(format!(
                "unknown placeholder at `{}`; only {TIME_ZONE_PLACEHOLDER} exists",
                &text[at..(at + 20).min(text.len())]
            )));
        }
    }
    Ok(Query {
        name,
        path,
        grain,
        depends,
        functions,
        text,
    })
}

/// Every query, in dependency order (ties keep the order of [`FILES`]).
pub fn load() -> Result<Vec<Query>, QueryError> {
    let parsed = FILES
        .iter()
        .map(|(p, t)| parse(p, t))
        .collect::<Result<Vec<_>, _>>()?;
    order(parsed)
}

fn order(parsed: Vec<Query>) -> Result<Vec<Query>, QueryError> {
    let names: BTreeSet<String> = parsed.iter().map(|q| q.name.clone()).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(parsed.len());
    let mut pending = parsed;
    while !pending.is_empty() {
        let ready = pending.iter().position(|q| {
            q.depends
                .iter()
                .all(|d| !names.contains(d) || done.contains(d))
        });
        match ready {
            Some(i) => {
                let q = pending.remove(i);
                done.insert(q.name.clone());
                out.push(q);
            }
            None => {
                return Err(QueryError::Cycle(
                    pending
                        .iter()
                        .map(|q| q.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ))
            }
        }
    }
    Ok(out)
}

/// Registers `table` in the place of `name` (a view or a table) and plans the views that
/// read it again over it — DataFusion inlines a view into the views created over it, so
/// they would read the old one. Returns the names of those views.
pub async fn replace_with_table(
    ctx: &SessionContext,
    catalog: &Catalog,
    queries: &[Query],
    name: &str,
    table: std::sync::Arc<dyn datafusion::catalog::TableProvider>,
) -> Result<BTreeSet<String>, QueryError> {
    let wrap = |source: DataFusionError| QueryError::DataFusion {
        path: queries
            .iter()
            .find(|q| q.name == name)
            .map_or_else(String::new, |q| q.path.to_string()),
        view: name.to_string(),
        source,
    };
    ctx.deregister_table(name).map_err(wrap)?;
    ctx.register_table(name, table).map_err(wrap)?;
    let readers = dependents(queries, name);
    register_views(
        ctx,
        catalog,
        queries,
        |q| readers.contains(&q.name),
        |_, _| Ok(false),
    )
    .await?;
    Ok(readers)
}

/// Names of the queries that read `name`, directly or through other queries.
pub fn dependents(queries: &[Query], name: &str) -> BTreeSet<String> {
    let mut found: BTreeSet<String> = BTreeSet::new();
    let mut frontier = vec![name.to_string()];
    while let Some(n) = frontier.pop() {
        for q in queries {
            if q.depends.contains(&n) && found.insert(q.name.clone()) {
                frontier.push(q.name.clone());
            }
        }
    }
    found
}

/// The queries these views need, themselves included, in their order (dependencies first).
pub fn needed_by(queries: &[Query], names: &[&str]) -> Vec<Query> {
    let mut needed: BTreeSet<String> = BTreeSet::new();
    let mut frontier: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    while let Some(n) = frontier.pop() {
        if let Some(q) = queries.iter().find(|q| q.name == n) {
            if needed.insert(n) {
                frontier.extend(q.depends.iter().cloned());
            }
        }
    }
    queries
        .iter()
        .filter(|q| needed.contains(&q.name))
        .cloned()
        .collect()
}

/// Registers (or replaces) the views of the queries that `select` picks, in order.
/// `replace_with_table` may swap a view for a table right after it is created (the
/// `momentos sql` session reads derived tables from the lake): it gets the query and the
/// view's schema and returns whether it registered something in its place.
pub async fn register_views<F>(
    ctx: &SessionContext,
    catalog: &Catalog,
    queries: &[Query],
    select: impl Fn(&Query) -> bool,
    mut replace_with_table: F,
) -> Result<(), QueryError>
where
    F: FnMut(&Query, datafusion::arrow::datatypes::SchemaRef) -> Result<bool, DataFusionError>,
{
    let views: BTreeMap<&str, &Query> = queries.iter().map(|q| (q.name.as_str(), q)).collect();
    for q in queries.iter().filter(|q| select(q)) {
        let wrap = |source: DataFusionError| QueryError::DataFusion {
            path: q.path.to_string(),
            view: q.name.clone(),
            source,
        };
        for d in &q.depends {
            if !views.contains_key(d.as_str()) && !ctx.table_exist(d.as_str()).map_err(wrap)? {
                return Err(QueryError::UnknownDependency {
                    path: q.path.to_string(),
                    name: d.clone(),
                });
            }
        }
        ctx.deregister_table(q.name.as_str()).map_err(wrap)?;
        let ddl = format!("create view {} as\n{}", q.name, q.render(catalog));
        ctx.sql(&ddl).await.map_err(wrap)?;
        let view = ctx.table(q.name.as_str()).await.map_err(wrap)?;
        let schema = std::sync::Arc::new(view.schema().as_arrow().clone());
        if replace_with_table(q, schema).map_err(wrap)? {
            tracing::debug!(view = %q.name, "Registered the lake's table in place of the view.");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_views_a_table_needs() {
        let all = load().unwrap();
        let needed: Vec<String> = needed_by(&all, &["scores"])
            .into_iter()
            .map(|q| q.name)
            .collect();
        for name in [
            "scores",
            "cell_scores",
            "interaction_facts",
            "stg_interactions",
        ] {
            assert!(needed.iter().any(|n| n == name), "{name} in {needed:?}");
        }
        assert!(!needed
            .iter()
            .any(|n| n == "open_escalations" || n == "protocol"));
        // Dependencies come first, as registration needs them.
        let at = |name: &str| needed.iter().position(|n| n == name).unwrap();
        assert!(at("stg_interactions") < at("interaction_facts"));
    }

    #[test]
    fn every_file_in_queries_is_embedded() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
        let mut on_disk = BTreeSet::new();
        for dir in std::fs::read_dir(&root).unwrap() {
            let dir = dir.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(&dir).unwrap() {
                let f = f.unwrap().path();
                if f.extension().is_some_and(|e| e == "sql")
                    && !is_parameterised(&std::fs::read_to_string(&f).unwrap())
                {
                    on_disk.insert(
                        f.strip_prefix(&root)
                            .unwrap()
                            .to_string_lossy()
                            .replace('\\', "/"),
                    );
                }
            }
        }
        let embedded: BTreeSet<String> = FILES.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(on_disk, embedded, "update score::queries::FILES");
    }

    #[test]
    fn queries_parse_and_order() {
        let qs = load().unwrap();
        let pos = |n: &str| qs.iter().position(|q| q.name == n).unwrap();
        for q in &qs {
            for d in &q.depends {
                if let Some(_) = qs.iter().find(|x| &x.name == d) {
                    assert!(pos(d) < pos(&q.name), "{} before {}", d, q.name);
                }
            }
            // House style: lowercase keywords, a CTE chain ending in `final`.
            for kw in ["SELECT ", "FROM ", "WHERE ", "GROUP BY", " JOIN "] {
                assert!(!q.text.contains(kw), "{}: uppercase `{kw}`", q.path);
            }
        }
        assert!(pos("interaction_facts") < pos("observations"));
        assert!(pos("cell_scores") < pos("scores"));
        let deps = dependents(&qs, "interaction_facts");
        assert!(deps.contains("scores") && deps.contains("observations"));
        assert!(!deps.contains("survey_kpis"));
    }

    #[test]
    fn header_errors_are_clear() {
        let e = parse("x/bad.sql", "select 1").unwrap_err().to_string();
        assert!(
            e.contains("queries/x/bad.sql") && e.contains("grain"),
            "{e}"
        );
        let e = parse(
            "x/bad.sql",
            "-- grain: one row\n-- depends: a\nselect '{{who}}' from final\nselect * from final",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("placeholder"), "{e}");
        let cyc = vec![
            parse("a/a.sql", "-- grain: x\n-- depends: b\nselect * from final").unwrap(),
            parse("a/b.sql", "-- grain: x\n-- depends: a\nselect * from final").unwrap(),
        ];
        assert!(matches!(order(cyc), Err(QueryError::Cycle(_))));
    }
}
