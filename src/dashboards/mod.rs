//! Dashboards as code (`dashboards/*.toml`): the charts of a report, each naming a view of
//! `queries/` and the columns it draws. [`Dashboard::load`] parses and checks the shape of a
//! file; [`check_columns`] plans every chart's query against an empty lake, so a misspelt
//! view or column is an error naming the file, the line, the chart and what exists —
//! before any report runs (`momentos check`).

pub mod config;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::prelude::SessionContext;

pub use config::{ChartConfig, ChartKind, DashboardFile, Scope, Window};

use crate::catalog::Catalog;

/// The dashboard `momentos report` draws when the project has none of its own.
pub const DEFAULT_DASHBOARD: &str = include_str!("../../dashboards/informe_mensual.toml");
/// Where `momentos report` looks for the project's dashboard.
pub const DEFAULT_PATH: &str = "dashboards/informe_mensual.toml";

#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    /// Problems found by checking; each names the file, the line and the chart.
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

/// A parsed, shape-checked dashboard.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Where it came from (a path, or `(embedded) dashboards/informe_mensual.toml`).
    pub origin: String,
    pub file: DashboardFile,
    /// 1-based line of each chart's `[[charts]]` header, in chart order.
    pub chart_lines: Vec<usize>,
}

impl Dashboard {
    /// `explicit`, else `./dashboards/informe_mensual.toml` when present, else the embedded one.
    pub fn discover(explicit: Option<&Path>) -> Result<Dashboard, DashboardError> {
        match explicit {
            Some(p) => Dashboard::load(p),
            None if Path::new(DEFAULT_PATH).is_file() => Dashboard::load(Path::new(DEFAULT_PATH)),
            None => Dashboard::parse(DEFAULT_DASHBOARD, &format!("(embedded) {DEFAULT_PATH}")),
        }
    }

    pub fn load(path: &Path) -> Result<Dashboard, DashboardError> {
        let text = std::fs::read_to_string(path).map_err(|source| DashboardError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Dashboard::parse(&text, &path.display().to_string())
    }

    /// Parses a file and checks what needs no database: unique ids, the columns each kind
    /// needs, axis bounds.
    pub fn parse(text: &str, origin: &str) -> Result<Dashboard, DashboardError> {
        let file: DashboardFile = toml::from_str(text).map_err(|e| DashboardError::Parse {
            path: origin.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let chart_lines = chart_header_lines(text);
        let d = Dashboard {
            origin: origin.to_string(),
            file,
            chart_lines,
        };
        let problems = d.shape_problems();
        if problems.is_empty() {
            Ok(d)
        } else {
            Err(DashboardError::Invalid(problems))
        }
    }

    /// `file:line: chart `id`` for messages.
    pub fn locate(&self, index: usize) -> String {
        let line = self.chart_lines.get(index).copied().unwrap_or(1);
        let id = self.file.charts.get(index).map_or("?", |c| c.id.as_str());
        format!("{}:{line}: chart `{id}`", self.origin)
    }

    fn shape_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.file.charts.is_empty() {
            out.push(format!("{}: no [[charts]]", self.origin));
        }
        let mut ids = BTreeSet::new();
        for (i, c) in self.file.charts.iter().enumerate() {
            let at = self.locate(i);
            if c.id.is_empty()
                || !c
                    .id
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            {
                out.push(format!(
                    "{at}: `id` must be letters, digits and _ (it names the chart files)"
                ));
            }
            if !ids.insert(c.id.as_str()) {
                out.push(format!(
                    "{at}: the id is used by another chart of this file"
                ));
            }
            let needs: &[(&str, bool)] = match c.kind {
                ChartKind::Heatmap | ChartKind::Coverage => &[("value", c.value.is_some())],
                ChartKind::Funnel => &[("target", c.target.is_some())],
                ChartKind::Line | ChartKind::Bar => &[],
            };
            for (key, present) in needs {
                if !present {
                    out.push(format!(
                        "{at}: a {} chart needs `{key}` (a column of `{}`)",
                        c.kind.code(),
                        c.query
                    ));
                }
            }
            if let (Some(lo), Some(hi)) = (c.y_min, c.y_max) {
                if lo >= hi {
                    out.push(format!("{at}: y_min {lo} is not below y_max {hi}"));
                }
            }
            if c.title.trim().is_empty() {
                out.push(format!("{at}: `title` is empty"));
            }
        }
        out
    }
}

/// Lines (1-based) of the `[[charts]]` headers.
fn chart_header_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[charts]]"))
        .map(|(i, _)| i + 1)
        .collect()
}

/// Every name a chart may query, with its columns: the views of `queries/` and the lake's
/// tables, as registered in a `momentos sql` session over an empty lake.
pub async fn known_relations(
    catalog: &Catalog,
) -> Result<(SessionContext, BTreeMap<String, SchemaRef>), String> {
    let lake = crate::lake::Lake::open("memory://dashboard-check").map_err(|e| e.to_string())?;
    let ctx = crate::sql::session(&lake, catalog)
        .await
        .map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    let names = ctx
        .catalog("datafusion")
        .and_then(|c| c.schema("public"))
        .map(|s| s.table_names())
        .unwrap_or_default();
    for name in names {
        if let Ok(df) = ctx.table(name.as_str()).await {
            out.insert(name, std::sync::Arc::new(df.schema().as_arrow().clone()));
        }
    }
    Ok((ctx, out))
}

/// Checks every chart's query and columns against the relations, then plans the query the
/// report will run (with its filter) so a bad filter is caught too.
pub async fn check_columns(
    dashboard: &Dashboard,
    ctx: &SessionContext,
    relations: &BTreeMap<String, SchemaRef>,
) -> Vec<String> {
    let mut out = Vec::new();
    let views: BTreeSet<String> = crate::score::queries::load()
        .map(|qs| qs.into_iter().map(|q| q.name).collect())
        .unwrap_or_default();
    for (i, c) in dashboard.file.charts.iter().enumerate() {
        let at = dashboard.locate(i);
        let Some(schema) = relations.get(&c.query) else {
            out.push(format!(
                "{at}: unknown query `{}`; the views of queries/ are {}, and the tables {}",
                c.query,
                views.iter().cloned().collect::<Vec<_>>().join(", "),
                relations
                    .keys()
                    .filter(|k| !views.contains(*k))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            continue;
        };
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let mut bad = false;
        let mut needed: Vec<(&str, &str)> = c.columns();
        needed.push(("window", "period"));
        if c.scope != Scope::Summary {
            needed.push(("scope", "unit"));
        }
        for (role, col) in needed {
            if !names.contains(&col) {
                bad = true;
                let why = match role {
                    "window" => " (a `window` needs a `period` column)".to_string(),
                    "scope" => {
                        " (a chart on unit pages needs a `unit` column; set scope = \"summary\")"
                            .to_string()
                    }
                    r => format!(" (as `{r}`)"),
                };
                out.push(format!(
                    "{at}: `{}` has no column `{col}`{why}; its columns are {}",
                    c.query,
                    names.join(", ")
                ));
            }
        }
        if bad {
            continue;
        }
        let sql = select_sql(c, None, None);
        if let Err(e) = ctx.sql(&sql).await {
            out.push(format!(
                "{at}: the chart's query does not plan: {}",
                e.to_string().lines().next().unwrap_or_default()
            ));
        }
    }
    out
}

/// SQL literal of a text value.
pub fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The query a chart runs: its columns from its view, with its filter, the period window
/// (`periods`: the periods to keep) and the unit of a unit page.
pub fn select_sql(c: &ChartConfig, periods: Option<&[String]>, unit: Option<&str>) -> String {
    let mut cols: Vec<&str> = Vec::new();
    for (_, col) in c.columns() {
        if !cols.contains(&col) {
            cols.push(col);
        }
    }
    if !cols.contains(&"period") {
        cols.push("period");
    }
    if c.scope != Scope::Summary && !cols.contains(&"unit") {
        cols.push("unit");
    }
    let list = cols
        .iter()
        .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(", ");
    let mut conds = Vec::new();
    if let Some(f) = &c.filter {
        conds.push(format!("({f})"));
    }
    if let Some(ps) = periods {
        let inlist = ps
            .iter()
            .map(|p| sql_text(p))
            .collect::<Vec<_>>()
            .join(", ");
        conds.push(format!(
            "period in ({})",
            if inlist.is_empty() {
                "''".into()
            } else {
                inlist
            }
        ));
    }
    if let Some(u) = unit {
        conds.push(format!("unit = {}", sql_text(u)));
    }
    let mut sql = format!("select {list} from {}", c.query);
    if !conds.is_empty() {
        sql.push_str(" where ");
        sql.push_str(&conds.join(" and "));
    }
    sql
}

/// The `*.toml` files of a dashboards folder, sorted.
pub fn list_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests;
