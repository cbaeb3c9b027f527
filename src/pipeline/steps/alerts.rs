//! `alerts`: difficult situations ([`crate::alerts::refresh`], DESIGN §6.7).

use super::{StepContext, StepError, StepOutcome};

/// `alerts`: judges the lake for difficult situations (DESIGN §6.7) and records them.
/// Always runs (an escalation falls due with time, not with new data); the first run on a
/// lake judges its whole history, later ones keep what earlier runs raised.
pub async fn alerts_step(ctx: &StepContext<'_>) -> Result<StepOutcome, StepError> {
    let s = crate::alerts::refresh(ctx.lake, ctx.catalog, chrono::Utc::now())
        .await
        .map_err(|e| StepError(e.to_string()))?;
    Ok(StepOutcome {
        detail: crate::t!(
            "step-alerts-detail",
            new = s.new.len(),
            open = s.open,
            total = s.total
        ),
        ..StepOutcome::default()
    })
}
