//! `momentos sql`: one-shot queries, scripts, or the interactive shell.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::lake::Lake;
use crate::sql::{self, output, shell, Limits, OutputFormat};

pub struct SqlArgs {
    pub query: Option<String>,
    pub file: Option<PathBuf>,
    pub format: OutputFormat,
    pub output: Option<PathBuf>,
    pub limits: Limits,
    pub engine: crate::engine::Engine,
}

/// A read command (`sql`, `query`, `report`) must not create the lake it reads: a mistyped
/// `--lake` folder would otherwise become an empty lake that answers 0 rows.
pub fn lake_must_exist(location: &str) -> Result<(), String> {
    let path = match url::Url::parse(location) {
        Ok(u) if u.scheme() == "file" => match u.to_file_path() {
            Ok(p) => p,
            Err(()) => return Ok(()),
        },
        // Object stores (s3://, memory://) have no folder to create.
        Ok(u) if u.scheme().len() > 1 => return Ok(()),
        _ => PathBuf::from(location),
    };
    if path.is_dir() {
        Ok(())
    } else {
        Err(crate::t!("error-no-lake", path = path.display()))
    }
}

pub async fn run(lake: &Lake, catalog: &Catalog, args: SqlArgs) -> anyhow::Result<ExitStatus> {
    let ctx = Arc::new(sql::session_on(&args.engine, lake, catalog, &args.limits).await?);
    let script = match (&args.query, &args.file) {
        (Some(q), _) => Some(q.clone()),
        (None, Some(f)) => Some(std::fs::read_to_string(f).map_err(|e| {
            let error = e.to_string();
            anyhow::anyhow!(crate::t!("error-cannot-read", path = f, error = error))
        })?),
        (None, None) if !std::io::stdin().is_terminal() => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            Some(s)
        }
        (None, None) => None,
    };
    let Some(script) = script else {
        shell::run(ctx, args.limits, args.format).await?;
        return Ok(ExitStatus::Success);
    };
    if args.format == OutputFormat::Parquet
        && args.output.is_none()
        && std::io::stdout().is_terminal()
    {
        eprintln!("error: {}", crate::t!("sql-parquet-needs-output"));
        return Ok(ExitStatus::UsageError);
    }
    match &args.output {
        None => Ok(
            if shell::run_script_with_commands(&ctx, &script, &args.limits, args.format).await {
                ExitStatus::Success
            } else {
                ExitStatus::UsageError
            },
        ),
        Some(path) => {
            let statements = match sql::parse_read_only(&script) {
                Ok(s) if s.len() == 1 => s,
                Ok(_) => {
                    eprintln!("error: {}", crate::t!("sql-output-one-statement"));
                    return Ok(ExitStatus::UsageError);
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitStatus::UsageError);
                }
            };
            let file = std::fs::File::create(path).map_err(|e| {
                let error = e.to_string();
                anyhow::anyhow!(crate::t!("error-cannot-create", path = path, error = error))
            })?;
            let mut sink = output::sink(
                args.format,
                Box::new(std::io::BufWriter::new(file)),
                args.limits.max_table_rows,
            );
            match sql::run_statement(&ctx, &statements[0], &args.limits, &mut *sink).await {
                Ok(stats) => {
                    eprintln!(
                        "{} → {}",
                        sql::rows_line(stats.rows, stats.elapsed),
                        path.display()
                    );
                    Ok(ExitStatus::Success)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitStatus::UsageError)
                }
            }
        }
    }
}
