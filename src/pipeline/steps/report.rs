//! `report`: renders the report ([`crate::report::render`]) into the pipeline's
//! `[outputs] report_dir`, and prints it to `informe.pdf` when `[outputs] pdf` asks.

use chrono::Utc;

use super::{StepContext, StepError, StepKind, StepOutcome};
use crate::dashboards::Dashboard;
use crate::report::{display_path, format, render, ReportError, ReportOptions};

/// Renders with the project's dashboard (plans are refreshed by their own step when the
/// pipeline has one).
pub async fn report_step(ctx: &StepContext<'_>) -> Result<StepOutcome, StepError> {
    let dashboard = Dashboard::discover(None).map_err(|e| StepError(e.to_string()))?;
    let opts = ReportOptions {
        out: ctx.pipeline.report_dir.clone(),
        period: None,
        png: false,
        pdf: ctx.pipeline.report_pdf,
        dashboard,
        now: Utc::now(),
        refresh_plans: !ctx.pipeline.steps.contains(&StepKind::Plans),
    };
    match render(ctx.lake, ctx.catalog, &opts).await {
        Ok(s) => Ok(StepOutcome {
            detail: crate::t!(
                "step-report-detail",
                index = display_path(&s.index),
                period = format::period(&s.period),
                pages = s.pages,
                charts = s.charts,
                pdf = if s.pdf.is_some() { ", PDF" } else { "" }
            ),
            ..Default::default()
        }),
        // A lake with no scores yet has nothing to report: not a failure of the run.
        Err(ReportError::Usage(m)) if opts.period.is_none() && m.contains("no scores yet") => {
            Ok(StepOutcome {
                detail: crate::t!("step-report-no-scores"),
                ..Default::default()
            })
        }
        Err(e) => Err(StepError(e.to_string())),
    }
}
