//! `plans`: opens and re-measures improvement plans ([`crate::plans::refresh`]).

use chrono::Utc;

use super::{StepContext, StepError, StepOutcome};

pub async fn plans_step(ctx: &StepContext<'_>) -> Result<StepOutcome, StepError> {
    let s = crate::plans::refresh(ctx.lake, ctx.catalog, Utc::now())
        .await
        .map_err(|e| StepError(e.to_string()))?;
    Ok(StepOutcome {
        detail: crate::t!("step-plans-detail", opened = s.opened, total = s.total),
        ..Default::default()
    })
}
