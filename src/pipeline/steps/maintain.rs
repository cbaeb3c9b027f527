//! `maintain`: retention, compaction and Delta log upkeep ([`crate::maintain::run`]).

use chrono::Utc;

use super::{StepContext, StepError, StepOutcome};
use crate::maintain::{self, MaintainOptions};

pub async fn maintain_step(ctx: &StepContext<'_>) -> Result<StepOutcome, StepError> {
    let s = maintain::run(
        ctx.lake,
        ctx.catalog,
        Utc::now(),
        &MaintainOptions::default(),
    )
    .await?;
    let rows: i64 = s.retention.iter().map(|r| r.rows_removed).sum();
    let files: usize = s.compactions.iter().map(|c| c.files_before).sum();
    let after: usize = s.compactions.iter().map(|c| c.files_after).sum();
    let checkpoints = s.logs.iter().filter(|l| l.checkpoint.is_some()).count();
    // Retention removes derived rows with their sources and compaction moves rows only:
    // nothing for `score` to redo, so no new batches are reported.
    Ok(StepOutcome {
        detail: crate::t!(
            "step-maintain-done",
            rows = crate::i18n::int(rows),
            files = files,
            after = after,
            checkpoints = checkpoints
        ),
        ..Default::default()
    })
}
