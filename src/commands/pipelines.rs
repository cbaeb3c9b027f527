//! Dispatch of the pipeline commands (`run`, `schedule`, `runs`, `check`): unlike the
//! others they report catalog problems themselves and may use a pipeline's own lake.

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::cli::{Cli, Command};
use crate::lake::Lake;
use crate::pipeline::Pipeline;

fn catalog(cli: &Cli) -> Result<Catalog, ExitStatus> {
    Catalog::discover(cli.catalog.as_deref()).map_err(|e| {
        eprintln!("error: {e}");
        ExitStatus::UsageError
    })
}

pub async fn dispatch(cli: Cli) -> anyhow::Result<ExitStatus> {
    match &cli.command {
        Command::Run {
            pipeline,
            pipelines,
            overlap,
            wait_timeout,
        } => {
            let catalog = match catalog(&cli) {
                Ok(c) => c,
                Err(s) => return Ok(s),
            };
            super::run::run(
                catalog,
                &cli.lake,
                pipeline,
                pipelines,
                *overlap,
                *wait_timeout,
            )
            .await
        }
        Command::Schedule { pipelines } => {
            let catalog = match catalog(&cli) {
                Ok(c) => c,
                Err(s) => return Ok(s),
            };
            super::schedule::run(catalog, &cli.lake, pipelines).await
        }
        Command::Runs {
            pipeline,
            pipelines,
            limit,
            format,
        } => {
            // A pipeline that names its own lake keeps its history there.
            let location = pipeline
                .as_deref()
                .and_then(|name| Pipeline::resolve(name, pipelines).ok())
                .and_then(|path| Pipeline::load(&path).ok())
                .and_then(|p| p.lake)
                .unwrap_or_else(|| cli.lake.clone());
            let lake = Lake::open(&location)?;
            super::runs::run(&lake, pipeline.as_deref(), *limit, *format).await
        }
        Command::Check { pipelines } => Ok(super::check::run(
            cli.catalog.as_deref(),
            pipelines.clone(),
            std::path::Path::new("."),
        )),
        _ => unreachable!("main dispatches only pipeline commands here"),
    }
}
