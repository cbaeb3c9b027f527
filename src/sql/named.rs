//! Named queries: `momentos query NAME --param key=value`. A named query is any `.sql` file
//! of a queries folder (the project's `queries/`, or `--queries DIR`); its name is the file
//! stem. Header comments document it and declare typed parameters, used in the SQL as
//! `$name`:
//!
//! ```sql
//! -- description: Rejected rows of one source by reason
//! -- param: source text in (interactions, surveys, shopper) = interactions -- which input
//! -- param: since date -- first local date to include
//! select … where source = $source and quarantined_at >= $since
//! ```
//!
//! Types: `text`, `int`, `float`, `bool`, `date` (YYYY-MM-DD) and `period` (YYYY-MM, passed
//! as text); `in (a, b, …)` lists the accepted values. A parameter without a default is
//! required. A query file without parameters that is one of the lake's views runs as
//! `select * from` that view (its file may hold placeholders only the scorer fills).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use datafusion::common::ScalarValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Text,
    Int,
    Float,
    Bool,
    Date,
    Period,
}

impl ParamType {
    fn parse(s: &str) -> Option<ParamType> {
        Some(match s {
            "text" => ParamType::Text,
            "int" => ParamType::Int,
            "float" => ParamType::Float,
            "bool" => ParamType::Bool,
            "date" => ParamType::Date,
            "period" => ParamType::Period,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            ParamType::Text => "text",
            ParamType::Int => "int",
            ParamType::Float => "float",
            ParamType::Bool => "bool",
            ParamType::Date => "date",
            ParamType::Period => "period",
        }
    }

    /// Converts a command-line value into a typed SQL value.
    pub fn value(self, raw: &str) -> Result<ScalarValue, String> {
        let bad = |what: &str| format!("`{raw}` is not {what}");
        Ok(match self {
            ParamType::Text => ScalarValue::Utf8(Some(raw.to_string())),
            ParamType::Int => {
                ScalarValue::Int64(Some(raw.parse().map_err(|_| bad("a whole number"))?))
            }
            ParamType::Float => {
                ScalarValue::Float64(Some(raw.parse().map_err(|_| bad("a number"))?))
            }
            ParamType::Bool => ScalarValue::Boolean(Some(
                crate::validate::values::parse_bool(raw)
                    .ok()
                    .flatten()
                    .ok_or_else(|| bad("true or false"))?,
            )),
            ParamType::Date => {
                let d = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .map_err(|_| bad("a date YYYY-MM-DD"))?;
                let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
                ScalarValue::Date32(Some((d - epoch).num_days() as i32))
            }
            ParamType::Period => {
                chrono::NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d")
                    .map_err(|_| bad("a period YYYY-MM"))?;
                ScalarValue::Utf8(Some(raw.to_string()))
            }
        })
    }
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub ty: ParamType,
    pub default: Option<String>,
    pub description: String,
    /// The values it accepts, when declared with `in (a, b, …)`.
    pub choices: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct NamedQuery {
    pub name: String,
    pub path: PathBuf,
    pub description: String,
    pub params: Vec<Param>,
    pub sql: String,
}

/// Reads the header of a query file. Errors name the file and line.
pub fn parse(path: &Path, sql: &str) -> Result<NamedQuery, String> {
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut description = String::new();
    let mut params = Vec::new();
    for (i, line) in sql.lines().enumerate() {
        let Some(comment) = line.trim().strip_prefix("--") else {
            if line.trim().is_empty() {
                continue;
            }
            break;
        };
        let comment = comment.trim();
        if let Some(d) = comment.strip_prefix("description:") {
            description = d.trim().to_string();
        } else if let Some(p) = comment.strip_prefix("param:") {
            params.push(parse_param(p).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?);
        }
    }
    if description.is_empty() {
        description = sql
            .lines()
            .filter_map(|l| l.trim().strip_prefix("--"))
            .find(|c| c.trim().starts_with("grain:"))
            .map(|c| c.trim().to_string())
            .unwrap_or_default();
    }
    Ok(NamedQuery {
        name,
        path: path.to_path_buf(),
        description,
        params,
        sql: sql.to_string(),
    })
}

/// `name type [= default] [-- description]`
fn parse_param(spec: &str) -> Result<Param, String> {
    let (decl, description) = spec.split_once("--").unwrap_or((spec, ""));
    let (decl, default) = match decl.split_once('=') {
        Some((d, v)) => (d, Some(v.trim().to_string())),
        None => (decl, None),
    };
    // `in (a, b, c)` after the type lists the accepted values.
    let (decl, choices) = match decl.split_once(" in ") {
        Some((d, list)) => {
            let list = list.trim();
            let inner = list
                .strip_prefix('(')
                .and_then(|l| l.strip_suffix(')'))
                .ok_or_else(|| format!("`in {list}`: accepted values go as `in (a, b, c)`"))?;
            let values: Vec<String> = inner
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            (d, Some(values))
        }
        None => (decl, None),
    };
    let mut words = decl.split_whitespace();
    let (Some(name), Some(ty)) = (words.next(), words.next()) else {
        return Err(
            "a parameter is declared as `-- param: name type [in (a, b)] [= default] [-- description]`".into(),
        );
    };
    let ty = ParamType::parse(ty).ok_or_else(|| {
        format!("unknown parameter type `{ty}`; use text, int, float, bool, date or period")
    })?;
    if let Some(d) = &default {
        ty.value(d)
            .map_err(|e| format!("default of `{name}`: {e}"))?;
        if choices.as_ref().is_some_and(|c| !c.contains(d)) {
            return Err(format!(
                "default of `{name}`: `{d}` is not among its values"
            ));
        }
    }
    Ok(Param {
        name: name.to_string(),
        ty,
        default,
        description: description.trim().to_string(),
        choices,
    })
}

/// Parameterised queries shipped inside the binary; with the views of
/// [`crate::score::queries::FILES`] they are what `momentos query` offers when there is no
/// queries folder (the installed binary run outside the project).
const EMBEDDED: &[(&str, &str)] = &[(
    "queries/reports/quarantine_by_reason.sql",
    include_str!("../../queries/reports/quarantine_by_reason.sql"),
)];

/// The shipped named queries: the parameterised ones and every view.
pub fn embedded() -> Result<BTreeMap<String, NamedQuery>, String> {
    let views = crate::score::queries::FILES
        .iter()
        .map(|(path, sql)| (format!("queries/{path}"), *sql));
    EMBEDDED
        .iter()
        .map(|(path, sql)| (path.to_string(), *sql))
        .chain(views)
        .map(|(path, sql)| parse(Path::new(&path), sql).map(|q| (q.name.clone(), q)))
        .collect()
}

/// Every `.sql` file under the folder (recursively), by name.
pub fn discover(dir: &Path) -> Result<BTreeMap<String, NamedQuery>, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let p = e?.path();
            if p.is_dir() {
                walk(&p, out)?;
            } else if p.extension().is_some_and(|x| x == "sql") {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, &mut files)
        .map_err(|e| format!("cannot read the queries folder {}: {e}", dir.display()))?;
    let mut out = BTreeMap::new();
    for f in files {
        let sql =
            std::fs::read_to_string(&f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        let q = parse(&f, &sql)?;
        if let Some(prev) = out.insert(q.name.clone(), q) {
            return Err(format!(
                "two queries are named `{}`: {} and {}",
                prev.name,
                prev.path.display(),
                f.display()
            ));
        }
    }
    Ok(out)
}

/// Binds `key=value` arguments to the declared parameters (defaults fill the rest).
pub fn bind(q: &NamedQuery, args: &[String]) -> Result<HashMap<String, ScalarValue>, String> {
    let mut given: HashMap<&str, &str> = HashMap::new();
    for a in args {
        let (k, v) = a
            .split_once('=')
            .ok_or_else(|| format!("`{a}`: parameters are given as key=value"))?;
        if !q.params.iter().any(|p| p.name == k) {
            let known: Vec<&str> = q.params.iter().map(|p| p.name.as_str()).collect();
            return Err(format!(
                "query `{}` has no parameter `{k}`; it takes: {}",
                q.name,
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ));
        }
        given.insert(k, v);
    }
    let mut out = HashMap::new();
    for p in &q.params {
        let raw = given
            .get(p.name.as_str())
            .copied()
            .or(p.default.as_deref())
            .ok_or_else(|| {
                format!(
                    "query `{}` needs --param {}=… ({}: {})",
                    q.name,
                    p.name,
                    p.ty.name(),
                    p.description
                )
            })?;
        if let Some(choices) = p.choices.as_ref().filter(|c| !c.contains(&raw.to_string())) {
            return Err(format!(
                "--param {}: `{raw}` is not one of its values: {}",
                p.name,
                choices.join(", ")
            ));
        }
        out.insert(
            p.name.clone(),
            p.ty.value(raw)
                .map_err(|e| format!("--param {}: {e}", p.name))?,
        );
    }
    Ok(out)
}

/// `momentos query --list`.
pub fn listing(queries: &BTreeMap<String, NamedQuery>) -> String {
    let mut s = String::new();
    for q in queries.values() {
        s.push_str(&format!("{:<28} {}\n", q.name, q.description));
        for p in &q.params {
            let default = p
                .default
                .as_ref()
                .map(|d| format!(" ({})", crate::t!("query-param-default", value = d)))
                .unwrap_or_default();
            let kind = p
                .choices
                .as_ref()
                .map_or_else(|| p.ty.name().to_string(), |c| c.join("|"));
            s.push_str(&format!(
                "    --param {}=<{kind}>{}  {}\n",
                p.name, default, p.description
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: &str = "-- description: Rejected rows by reason\n-- param: source text = interactions -- which input\n-- param: since date -- first date\nselect 1 where $source = $source\n";

    #[test]
    fn header_declares_typed_parameters() {
        let q = parse(Path::new("queries/reports/quarantine_by_reason.sql"), Q).unwrap();
        assert_eq!(q.name, "quarantine_by_reason");
        assert_eq!(q.description, "Rejected rows by reason");
        assert_eq!(q.params.len(), 2);
        let bound = bind(&q, &["since=2026-03-01".into()]).unwrap();
        assert_eq!(
            bound["source"],
            ScalarValue::Utf8(Some("interactions".into()))
        );
        assert!(matches!(bound["since"], ScalarValue::Date32(Some(_))));
    }

    /// Issue 16: outside the project `query --list` showed one query of many.
    #[test]
    fn every_query_of_the_folder_is_embedded() {
        let on_disk = discover(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/queries"))).unwrap();
        let shipped = embedded().unwrap();
        assert_eq!(
            on_disk.keys().collect::<Vec<_>>(),
            shipped.keys().collect::<Vec<_>>()
        );
    }

    #[test]
    fn declared_values_are_checked() {
        let q = parse(
            Path::new("q.sql"),
            "-- param: source text in (interactions, surveys, shopper) = interactions -- which input\nselect $source",
        )
        .unwrap();
        assert_eq!(q.params[0].choices.as_ref().unwrap().len(), 3);
        assert!(bind(&q, &["source=surveys".into()]).is_ok());
        let e = bind(&q, &["source=foo".into()]).unwrap_err();
        assert!(
            e.contains("`foo` is not one of its values: interactions, surveys, shopper"),
            "{e}"
        );
        assert!(listing(&[("q".to_string(), q)].into_iter().collect())
            .contains("--param source=<interactions|surveys|shopper>"));
        assert!(parse(
            Path::new("q.sql"),
            "-- param: source text in (a, b) = c\nselect 1"
        )
        .unwrap_err()
        .contains("not among its values"));
    }

    #[test]
    fn binding_errors_say_what_is_expected() {
        let q = parse(Path::new("q.sql"), Q).unwrap();
        assert!(bind(&q, &[]).unwrap_err().contains("needs --param since"));
        assert!(bind(&q, &["since=ayer".into()])
            .unwrap_err()
            .contains("YYYY-MM-DD"));
        assert!(bind(&q, &["unit=x".into()])
            .unwrap_err()
            .contains("no parameter `unit`"));
        assert!(parse(Path::new("q.sql"), "-- param: x decimal\nselect 1")
            .unwrap_err()
            .contains("q.sql:1"));
    }
}
