//! The dashboard file as people write it: `dashboards/<report>.toml`, strict about unknown
//! keys. A report is a list of charts; each chart reads one view of `queries/` (or a table
//! of the lake) by name and says which of its columns play which part.

use serde::Deserialize;

/// One dashboard file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DashboardFile {
    /// Title of the report, in Spanish (the heading of `index.html`).
    pub title: String,
    /// A sentence under the title: what the report is for and who reads it.
    #[serde(default)]
    pub description: Option<String>,
    /// The charts, in the order they appear on a page.
    #[serde(default)]
    pub charts: Vec<ChartConfig>,
}

/// What kind of picture a chart draws, and so which columns it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// A grid `y` × `x` (e.g. unit × channel) coloured by `color` (a status) or by `value`,
    /// with the value and `n` written in each cell; one grid per `facet` value.
    Heatmap,
    /// `y` over `x` (periods), with an interval band (`lower`, `upper`) and a `target` line;
    /// one small chart per combination of the `facet` columns.
    Line,
    /// Funnel plot: `y` (a score) against `x` (its n) with control limits around `target`;
    /// one per `facet` value. Replaces a league table.
    Funnel,
    /// Bars of `y` per `x` category, grouped by `series`; rows sharing a category are
    /// averaged weighted by `n`.
    Bar,
    /// Data coverage: one row per `y` × `series` (source × channel), one column per day
    /// `x`, coloured by `value` (rows received); an empty business day shows a missing export.
    Coverage,
}

impl ChartKind {
    pub fn code(self) -> &'static str {
        match self {
            ChartKind::Heatmap => "heatmap",
            ChartKind::Line => "line",
            ChartKind::Funnel => "funnel",
            ChartKind::Bar => "bar",
            ChartKind::Coverage => "coverage",
        }
    }
}

/// Which rows of the query a chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// Only the report's period (the query needs a `period` column).
    #[default]
    Period,
    /// The twelve periods ending with the report's (the query needs a `period` column).
    History,
}

/// Where a chart appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The executive summary (`index.html`) and every unit page.
    #[default]
    Both,
    /// Only the executive summary, over all units.
    Summary,
    /// Only the unit pages, over the unit's rows (the query needs a `unit` column).
    Unit,
}

/// One chart.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartConfig {
    /// Identifier, unique in the file, letters, digits and `_`: chart files are named after it.
    pub id: String,
    /// heatmap | line | funnel | bar | coverage.
    pub kind: ChartKind,
    /// A view of `queries/` (`scores`, `survey_kpis`, `protocol`, `source_coverage`, …) or
    /// the `plans` table, by name.
    pub query: String,
    /// Column on the horizontal axis (categories, periods, days or n).
    pub x: String,
    /// Column on the vertical axis (categories for heatmap/coverage, values otherwise).
    pub y: String,
    /// Column whose values become separate series (bar groups, coverage sub-rows).
    #[serde(default)]
    pub series: Option<String>,
    /// Column with the value written in a heatmap or coverage cell.
    #[serde(default)]
    pub value: Option<String>,
    /// Column with a status code (ok, watch, needs_plan, insufficient_data) that colours marks.
    #[serde(default)]
    pub color: Option<String>,
    /// Column with the number of observations behind a value: figures below the catalog's
    /// `min_source_n` are not shown (DESIGN §6.4, §7).
    #[serde(default)]
    pub n: Option<String>,
    /// Column with the lower bound of the interval (line band).
    #[serde(default)]
    pub lower: Option<String>,
    /// Column with the upper bound of the interval (line band).
    #[serde(default)]
    pub upper: Option<String>,
    /// Column with the target (line and funnel).
    #[serde(default)]
    pub target: Option<String>,
    /// Columns that split the chart into one picture per distinct value (combination).
    #[serde(default)]
    pub facet: Vec<String>,
    /// A SQL condition on the query's columns, e.g. `level = 'unit'`.
    #[serde(default)]
    pub filter: Option<String>,
    /// Lowest value of the value axis (default: from the data, 0 included).
    #[serde(default)]
    pub y_min: Option<f64>,
    /// Highest value of the value axis (default: from the data).
    #[serde(default)]
    pub y_max: Option<f64>,
    /// Which periods: `period` (the report's) or `history` (twelve periods).
    #[serde(default)]
    pub window: Window,
    /// Where: `both`, `summary` or `unit`.
    #[serde(default)]
    pub scope: Scope,
    /// Title shown above the chart, in Spanish.
    pub title: String,
    /// How to read the chart, in Spanish (shown under it).
    #[serde(default)]
    pub notes: Option<String>,
}

impl ChartConfig {
    /// Every column the chart names, with the part it plays, for checking.
    pub fn columns(&self) -> Vec<(&'static str, &str)> {
        let mut out = vec![("x", self.x.as_str()), ("y", self.y.as_str())];
        let optional = [
            ("series", &self.series),
            ("value", &self.value),
            ("color", &self.color),
            ("n", &self.n),
            ("lower", &self.lower),
            ("upper", &self.upper),
            ("target", &self.target),
        ];
        for (role, c) in optional {
            if let Some(c) = c {
                out.push((role, c.as_str()));
            }
        }
        out.extend(self.facet.iter().map(|f| ("facet", f.as_str())));
        out
    }
}
