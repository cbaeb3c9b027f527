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
    use report::format::{int, num};
    let n = |k: usize, one: &str, many: &str| {
        format!("{} {}", int(k as i64), if k == 1 { one } else { many })
    };
    println!(
        "Informe de {}: {}, {}; {} plan de mejoramiento; {}  [{} s]",
        report::format::period(&s.period),
        n(s.pages, "página", "páginas"),
        n(s.charts, "gráfico", "gráficos"),
        if s.flagged == 1 {
            "1 servicio requiere".to_string()
        } else {
            format!("{} servicios requieren", int(s.flagged as i64))
        },
        n(s.plans_opened, "plan nuevo", "planes nuevos"),
        num(s.elapsed.as_secs_f64(), 1)
    );
    println!("Informe: {}", report::display_path(&s.index));
    if let Some(p) = &s.pdf {
        println!("PDF: {}", report::display_path(p));
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
