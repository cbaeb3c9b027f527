//! Improvement plans (DESIGN §6.6, PR-ME-002 activity 7): every `needs_plan` cell opens a
//! plan draft — the service, a cause analysis drafted from the evidence ([`causes`]),
//! suggested actions from a rule table ([`actions`]), the responsible from the catalog and
//! a commitment date — unless a plan for the same unit, channel and attribute is still
//! open. Plans live in the lake's `plans` table ([`store`]) and are re-measured on every
//! refresh: `open`, `overdue`, `effective`, `not_effective`. [`export`] writes them for the
//! improvement-plan registry (CSV, XLSX).

pub mod actions;
pub mod causes;
pub mod export;
pub mod store;

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::catalog::Catalog;
use crate::lake::lock::LakeLock;
use crate::lake::{Lake, LakeError};
use crate::score::run::{score_rows, ScoreRow};
use crate::score::ScoreError;
use crate::vocabulary::Attribute;

/// Where a plan stands (DESIGN §6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanStatus {
    /// Before its commitment date.
    Open,
    /// Past its commitment date without two measured periods after it yet.
    Overdue,
    /// The lower bound reached the target in two consecutive periods after the commitment date.
    Effective,
    /// Two or more periods measured after the commitment date, and no two consecutive ones met.
    NotEffective,
}

impl PlanStatus {
    pub fn code(self) -> &'static str {
        match self {
            PlanStatus::Open => "open",
            PlanStatus::Overdue => "overdue",
            PlanStatus::Effective => "effective",
            PlanStatus::NotEffective => "not_effective",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PlanStatus::Open => "Abierto",
            PlanStatus::Overdue => "Vencido sin evidencia",
            PlanStatus::Effective => "Eficaz",
            PlanStatus::NotEffective => "No eficaz",
        }
    }

    pub fn parse(s: &str) -> Option<PlanStatus> {
        [
            PlanStatus::Open,
            PlanStatus::Overdue,
            PlanStatus::Effective,
            PlanStatus::NotEffective,
        ]
        .into_iter()
        .find(|p| p.code() == s)
    }

    /// Open and overdue plans are still in progress: a new flag of the service adds none.
    pub fn is_active(self) -> bool {
        matches!(self, PlanStatus::Open | PlanStatus::Overdue)
    }
}

/// One improvement plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// `<opened_period>.<unit>.<channel>.<attribute>`: stable across refreshes.
    pub plan_id: String,
    pub unit: String,
    pub channel: String,
    pub attribute: String,
    /// The period whose flag opened it.
    pub opened_period: String,
    /// The day after that period ends (when its report is due), or the refresh day if earlier.
    pub opened_date: NaiveDate,
    /// `opened_date + plan_commitment_days`.
    pub commitment_date: NaiveDate,
    pub responsible: String,
    pub status: PlanStatus,
    pub score_at_open: Option<f64>,
    pub lower_at_open: Option<f64>,
    pub upper_at_open: Option<f64>,
    pub target: f64,
    pub n_at_open: i64,
    /// Cause analysis, one sentence per line.
    pub causes: Vec<String>,
    /// Suggested actions, one per line.
    pub actions: Vec<String>,
    /// A redacted note of a mystery shopper on the most failed item (data, shown escaped).
    pub evidence_note: Option<String>,
    /// The latest period measured for the service, and its score and lower bound.
    pub last_period: Option<String>,
    pub last_score: Option<f64>,
    pub last_lower: Option<f64>,
    /// Periods after the commitment date whose lower bound reached the target.
    pub n_periods_met: i64,
}

impl Plan {
    pub fn key(&self) -> (&str, &str, &str) {
        (&self.unit, &self.channel, &self.attribute)
    }
}

/// First day of the month after a `YYYY-MM` period.
pub fn period_end(period: &str) -> Option<NaiveDate> {
    let (y, m) = crate::report::format::parse_period(period)?;
    let first = NaiveDate::from_ymd_opt(y, m, 1)?;
    Some(first + chrono::Months::new(1))
}

/// The `YYYY-MM` of a date.
pub fn period_of(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// Re-measures a plan against the service's scores, as known on `today`: only periods that
/// had ended by then and start after the commitment date count.
pub fn measure(plan: &mut Plan, history: &[&ScoreRow], today: NaiveDate) {
    let after: Vec<&&ScoreRow> = history
        .iter()
        .filter(|r| {
            let start = crate::report::format::parse_period(&r.period)
                .and_then(|(y, m)| NaiveDate::from_ymd_opt(y, m, 1));
            start.is_some_and(|s| s > plan.commitment_date)
                && period_end(&r.period).is_some_and(|e| e <= today)
                && r.status != "insufficient_data"
        })
        .collect();
    let met: Vec<bool> = after
        .iter()
        .map(|r| r.lower.is_some_and(|l| l >= r.target))
        .collect();
    plan.n_periods_met = met.iter().filter(|m| **m).count() as i64;
    if let Some(last) = history
        .iter()
        .filter(|r| period_end(&r.period).is_some_and(|e| e <= today))
        .max_by(|a, b| a.period.cmp(&b.period))
    {
        plan.last_period = Some(last.period.clone());
        plan.last_score = last.score;
        plan.last_lower = last.lower;
    }
    let effective = met.windows(2).any(|w| w[0] && w[1]);
    plan.status = if effective {
        PlanStatus::Effective
    } else if after.len() >= 2 {
        PlanStatus::NotEffective
    } else if today > plan.commitment_date {
        PlanStatus::Overdue
    } else {
        PlanStatus::Open
    };
}

/// What a refresh did.
#[derive(Debug, Clone, Default)]
pub struct RefreshSummary {
    pub opened: usize,
    pub total: usize,
    pub by_status: Vec<(PlanStatus, usize)>,
}

/// Cells of a period that need a plan, each with the plan covering it (opened by it, or the
/// plan that was in progress for the service then).
pub fn assign<'a>(
    cells: &[&'a ScoreRow],
    plans: &'a [Plan],
) -> Vec<(&'a ScoreRow, Option<&'a Plan>)> {
    cells
        .iter()
        .map(|c| {
            let plan = plans
                .iter()
                .filter(|p| p.key() == (c.unit.as_str(), c.channel.as_str(), c.attribute.as_str()))
                .filter(|p| p.opened_period <= c.period)
                .max_by(|a, b| a.opened_period.cmp(&b.opened_period));
            (*c, plan)
        })
        .collect()
}

/// Opens plans for flagged cells not covered yet and re-measures every plan. Pure: the
/// evidence of new plans comes from `draft_new`.
pub fn plan_cells(
    catalog: &Catalog,
    existing: Vec<Plan>,
    scores: &[ScoreRow],
    today: NaiveDate,
    mut draft_new: impl FnMut(&ScoreRow) -> (Vec<String>, Vec<String>, Option<String>),
) -> (Vec<Plan>, usize) {
    let mut plans = existing;
    let mut history: HashMap<(String, String, String), Vec<&ScoreRow>> = HashMap::new();
    for r in scores {
        history
            .entry((r.unit.clone(), r.channel.clone(), r.attribute.clone()))
            .or_default()
            .push(r);
    }
    let mut flagged: Vec<&ScoreRow> = scores.iter().filter(|r| r.status == "needs_plan").collect();
    flagged.sort_by(|a, b| {
        (&a.period, &a.unit, &a.channel, &a.attribute).cmp(&(
            &b.period,
            &b.unit,
            &b.channel,
            &b.attribute,
        ))
    });
    let mut opened = 0;
    for cell in flagged {
        let Some(end) = period_end(&cell.period) else {
            continue;
        };
        let when = end.min(today);
        let key = (
            cell.unit.clone(),
            cell.channel.clone(),
            cell.attribute.clone(),
        );
        let hist = history.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        let covered = plans.iter_mut().any(|p| {
            if p.key() != (key.0.as_str(), key.1.as_str(), key.2.as_str()) {
                return false;
            }
            if p.opened_period == cell.period {
                return true;
            }
            if p.opened_date > when {
                return false;
            }
            // Was it still in progress when this period's report came out?
            let mut then = p.clone();
            measure(&mut then, hist, when);
            then.status.is_active()
        });
        if covered {
            continue;
        }
        let (causes, actions, note) = draft_new(cell);
        let responsible = catalog.unit(&cell.unit).map_or_else(
            || "Responsable de la unidad (no está en el catálogo)".to_string(),
            |u| u.responsible.clone(),
        );
        plans.push(Plan {
            plan_id: format!(
                "{}.{}.{}.{}",
                cell.period, cell.unit, cell.channel, cell.attribute
            ),
            unit: cell.unit.clone(),
            channel: cell.channel.clone(),
            attribute: cell.attribute.clone(),
            opened_period: cell.period.clone(),
            opened_date: when,
            commitment_date: when
                + chrono::Duration::days(catalog.scoring.plan_commitment_days as i64),
            responsible,
            status: PlanStatus::Open,
            score_at_open: cell.score,
            lower_at_open: cell.lower,
            upper_at_open: cell.upper,
            target: cell.target,
            n_at_open: cell.n_total,
            causes,
            actions,
            evidence_note: note,
            last_period: None,
            last_score: None,
            last_lower: None,
            n_periods_met: 0,
        });
        opened += 1;
    }
    for p in &mut plans {
        let key = (p.unit.clone(), p.channel.clone(), p.attribute.clone());
        let hist = history.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        measure(p, hist, today);
    }
    plans.sort_by(|a, b| a.plan_id.cmp(&b.plan_id));
    (plans, opened)
}

/// `momentos plans` / the `plans` step: opens plans for new flags, re-measures all, and
/// replaces the `plans` table, under the lake lock.
pub async fn refresh(
    lake: &Lake,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Result<RefreshSummary, ScoreError> {
    let lock = LakeLock::acquire(lake, "plans", Duration::from_secs(600)).await?;
    let result = match crate::sql::session(lake, catalog).await {
        Ok(ctx) => refresh_locked(&ctx, lake, catalog, now).await,
        Err(e) => Err(e),
    };
    lock.release().await?;
    result
}

/// [`refresh`] with a session the caller already has (the report's); its `plans` table is
/// re-registered over the new file afterwards.
pub async fn refresh_with(
    ctx: &datafusion::prelude::SessionContext,
    lake: &Lake,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Result<RefreshSummary, ScoreError> {
    let lock = LakeLock::acquire(lake, "plans", Duration::from_secs(600)).await?;
    let result = refresh_locked(ctx, lake, catalog, now).await;
    lock.release().await?;
    let manifests = crate::lake::manifest::read_all(lake).await?;
    store::register(ctx, lake, &manifests).map_err(|source| ScoreError::Run {
        table: "plans".into(),
        source,
    })?;
    result
}

async fn refresh_locked(
    ctx: &datafusion::prelude::SessionContext,
    lake: &Lake,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Result<RefreshSummary, ScoreError> {
    let run = |source| ScoreError::Run {
        table: "plans".into(),
        source,
    };
    let batches = causes::collect(ctx, "select * from scores")
        .await
        .map_err(run)?;
    let scores = score_rows(&batches)?;
    let mut rates: HashMap<
        (String, String, String, String),
        (Option<f64>, Option<f64>, Option<f64>),
    > = HashMap::new();
    let rate_batches = causes::collect(
        &ctx,
        "select period, unit, channel, attribute, interactions_score, survey_score, shopper_score from scores where status = 'needs_plan'",
    )
    .await
    .map_err(run)?;
    for b in &rate_batches {
        let t = |n: &str| {
            let c = datafusion::arrow::compute::cast(
                b.column_by_name(n).expect("selected"),
                &datafusion::arrow::datatypes::DataType::Utf8,
            )
            .expect("casts");
            let c = datafusion::arrow::array::AsArray::as_string::<i32>(&c).clone();
            c
        };
        let f = |n: &str| {
            let c = datafusion::arrow::compute::cast(
                b.column_by_name(n).expect("selected"),
                &datafusion::arrow::datatypes::DataType::Float64,
            )
            .expect("casts");
            datafusion::arrow::array::AsArray::as_primitive::<
                datafusion::arrow::datatypes::Float64Type,
            >(&c)
            .clone()
        };
        let (p, u, c, a) = (t("period"), t("unit"), t("channel"), t("attribute"));
        let (ri, rs, rh) = (
            f("interactions_score"),
            f("survey_score"),
            f("shopper_score"),
        );
        use datafusion::arrow::array::Array;
        for i in 0..b.num_rows() {
            let v =
                |x: &datafusion::arrow::array::Float64Array| (!x.is_null(i)).then(|| x.value(i));
            rates.insert(
                (
                    p.value(i).into(),
                    u.value(i).into(),
                    c.value(i).into(),
                    a.value(i).into(),
                ),
                (v(&ri), v(&rs), v(&rh)),
            );
        }
    }
    let existing = store::read(lake).await?;
    let today = now.with_timezone(&catalog.time_zone).date_naive();
    // Evidence for the cells that will open a plan: a dry run finds them first.
    let mut needed: Vec<ScoreRow> = Vec::new();
    let _ = plan_cells(catalog, existing.clone(), &scores, today, |c| {
        needed.push(c.clone());
        (Vec::new(), Vec::new(), None)
    });
    let refs: Vec<&ScoreRow> = needed.iter().collect();
    let evidence = causes::gather(ctx, catalog, &refs, &rates)
        .await
        .map_err(run)?;
    let (plans, opened) = plan_cells(catalog, existing, &scores, today, |c| {
        let key = (
            c.period.clone(),
            c.unit.clone(),
            c.channel.clone(),
            c.attribute.clone(),
        );
        let ev = evidence.get(&key).cloned().unwrap_or_default();
        let attr = Attribute::parse(&c.attribute).unwrap_or(Attribute::Kindness);
        let acts = actions::suggest(attr, &ev)
            .into_iter()
            .map(|(_, a)| a)
            .collect();
        (causes::draft(c, &ev), acts, ev.example_note.clone())
    });
    store::write(lake, &plans, now).await?;
    let mut by_status: Vec<(PlanStatus, usize)> = Vec::new();
    for s in [
        PlanStatus::Open,
        PlanStatus::Overdue,
        PlanStatus::Effective,
        PlanStatus::NotEffective,
    ] {
        by_status.push((s, plans.iter().filter(|p| p.status == s).count()));
    }
    tracing::info!(
        opened,
        total = plans.len(),
        "Refreshed the improvement plans."
    );
    Ok(RefreshSummary {
        opened,
        total: plans.len(),
        by_status,
    })
}

/// Whether `e` says the lake was busy.
pub fn is_busy(e: &ScoreError) -> bool {
    matches!(e, ScoreError::Lake(LakeError::Locked(_)))
}

#[cfg(test)]
mod tests;
