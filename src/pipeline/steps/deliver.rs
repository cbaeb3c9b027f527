//! `deliver`: e-mail and webhooks ([`crate::deliver::deliver`], DESIGN §9).

use super::{StepContext, StepError, StepOutcome};

/// `deliver`: sends the alerts raised recently and the report of the pipeline's
/// `[outputs] report_dir` to the catalog's recipients (DESIGN §9). A failed delivery fails
/// the step (and the run, so `runs` shows it) after its retries; the next run tries it
/// again, and never repeats one that succeeded.
pub async fn deliver_step(ctx: &StepContext<'_>) -> Result<StepOutcome, StepError> {
    let opts = crate::deliver::DeliverOptions {
        report_dir: Some(ctx.pipeline.report_dir.clone()),
        now: chrono::Utc::now(),
        run_id: Some(ctx.run_id.to_string()),
        dry_run: false,
    };
    let s = crate::deliver::deliver(ctx.lake, ctx.catalog, &opts)
        .await
        .map_err(|e| StepError(e.to_string()))?;
    Ok(StepOutcome {
        detail: s.detail(),
        errors: s.errors(),
        ..StepOutcome::default()
    })
}
