//! `momentos query NAME [--param k=v …]` and `momentos query --list`.

use std::path::{Path, PathBuf};

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::lake::Lake;
use crate::sql::{self, named, output, Limits, OutputFormat};

pub struct QueryArgs {
    pub name: Option<String>,
    pub params: Vec<String>,
    pub list: bool,
    pub queries: Option<PathBuf>,
    pub format: OutputFormat,
    pub limits: Limits,
}

/// The queries folder: `--queries DIR`, else `./queries` when it exists.
fn queries_dir(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| Some(PathBuf::from("queries")).filter(|p| p.is_dir()))
}

pub async fn run(lake: &Lake, catalog: &Catalog, args: QueryArgs) -> anyhow::Result<ExitStatus> {
    let dir = queries_dir(args.queries.as_deref());
    let found = match &dir {
        Some(d) => named::discover(d),
        None => named::embedded(),
    };
    let queries = match found {
        Ok(q) => q,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitStatus::UsageError);
        }
    };
    if args.list || args.name.is_none() {
        print!("{}", named::listing(&queries));
        return Ok(ExitStatus::Success);
    }
    let name = args.name.expect("checked above");
    let Some(q) = queries.get(&name) else {
        let place = dir.map_or_else(|| crate::t!("query-embedded"), |d| d.display().to_string());
        eprintln!(
            "error: {}",
            crate::t!("query-not-found", name = &name, place = place)
        );
        return Ok(ExitStatus::UsageError);
    };
    let params = match named::bind(q, &args.params) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitStatus::UsageError);
        }
    };
    match sql::parse_read_only(&q.sql) {
        Ok(s) if s.len() == 1 => {}
        Ok(_) => {
            eprintln!(
                "error: {}",
                crate::t!("query-one-statement", path = &q.path)
            );
            return Ok(ExitStatus::UsageError);
        }
        Err(e) => {
            eprintln!("error: {}: {e}", q.path.display());
            return Ok(ExitStatus::UsageError);
        }
    }
    let ctx = sql::session_with_limits(lake, catalog, &args.limits).await?;
    let mut sink = output::sink(
        args.format,
        Box::new(std::io::stdout()),
        args.limits.max_table_rows,
    );
    // A view of the lake (`source_coverage`, `scores`, …) runs as registered: its file may
    // hold placeholders that only the scorer fills.
    let is_view = q.params.is_empty() && ctx.table_exist(q.name.as_str()).unwrap_or(false);
    let text = if is_view {
        format!("select * from \"{}\"", q.name.replace('"', "\"\""))
    } else {
        q.sql.clone()
    };
    match sql::run_with_params(&ctx, &text, Some(params), &args.limits, &mut *sink).await {
        Ok(stats) => {
            if args.format == OutputFormat::Table {
                println!("{}", sql::rows_line(stats.rows, stats.elapsed));
            }
            Ok(ExitStatus::Success)
        }
        Err(e) => {
            eprintln!("error: {}: {e}", q.path.display());
            Ok(ExitStatus::UsageError)
        }
    }
}
