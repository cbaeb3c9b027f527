//! `momentos report`: the self-contained HTML report (index, unit pages, charts).

use std::path::{Path, PathBuf};

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::dashboards::Dashboard;
use crate::lake::Lake;
use crate::report::{self, ReportError, ReportOptions};

pub struct ReportArgs {
    pub out: PathBuf,
    pub period: Option<String>,
    pub png: bool,
    pub pdf: bool,
    pub dashboard: Option<PathBuf>,
    pub no_plans: bool,
}

pub async fn run(lake: &Lake, catalog: &Catalog, args: ReportArgs) -> anyhow::Result<ExitStatus> {
    let dashboard = match Dashboard::discover(args.dashboard.as_deref()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitStatus::UsageError);
        }
    };
    let opts = ReportOptions {
        out: args.out,
        period: args.period,
        png: args.png,
        pdf: args.pdf,
        dashboard,
        now: chrono::Utc::now(),
        refresh_plans: !args.no_plans,
    };
    match report::render(lake, catalog, &opts).await {
        Ok(s) => {
            print_summary(&s);
            Ok(ExitStatus::Success)
        }
        Err(ReportError::Usage(m)) => {
            eprintln!("error: {m}");
            Ok(ExitStatus::UsageError)
        }
        Err(ReportError::Pdf(e)) => {
            eprintln!("error: {e}");
            Ok(ExitStatus::Failure)
        }
        Err(ReportError::Score(e)) if crate::plans::is_busy(&e) => {
            eprintln!("error: {e}");
            Ok(ExitStatus::Busy)
        }
        Err(e) => Err(e.into()),
    }
}

pub fn print_summary(s: &report::ReportSummary) {
    use crate::i18n::{decimal, period};
    println!(
        "{}",
        crate::t!(
            "report-summary",
            period = period(&s.period),
            pages = s.pages,
            charts = s.charts,
            flagged = s.flagged,
            plans = s.plans_opened,
            seconds = decimal(s.elapsed.as_secs_f64(), 1)
        )
    );
    let index = report::display_path(&s.index);
    println!("{}", crate::t!("report-index", path = index));
    if let Some(p) = &s.pdf {
        println!(
            "{}",
            crate::t!("report-pdf", path = report::display_path(p))
        );
    }
}

/// The report folder when none is given: the same for `momentos report`, `momentos demo` and
/// a pipeline's report step (`[outputs] report_dir`, default `reports`).
pub fn default_out() -> &'static Path {
    Path::new("reports")
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    #[test]
    fn report_and_pipeline_write_the_same_default_folder() {
        let cli = Cli::try_parse_from(["momentos", "report"]).unwrap();
        let Command::Report { out, .. } = cli.command else {
            panic!("not the report command");
        };
        assert_eq!(out, default_out());
        // The pipeline's default `[outputs] report_dir` (asserted in `pipeline::tests`).
        assert_eq!(default_out(), Path::new("reports"));
    }
}
