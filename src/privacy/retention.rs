//! The catalog's retention (DESIGN §7, `[retention] months`): rows of months older than the
//! window leave the lake the way a suppression does — one batch across tables
//! ([`crate::lake::rewrite`]), old files deleted at the commit, one `audit` row per table.
//!
//! The cut is a month boundary in the catalog's time zone, so whole periods go: source rows
//! and facts by `local_date`, quarantined rows by `quarantined_at`, the per-period derived
//! tables (`scores`, `survey_kpis`, …) by `period`. What remains is what a score of the
//! remaining rows gives, so nothing needs deriving again. Improvement plans, alerts, runs
//! and the audit itself are the institution's records, not personal data, and stay.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Date32Type, TimeUnit, TimestampMicrosecondType};

use crate::catalog::Catalog;
use crate::lake::pruning::Domain;
use crate::lake::rewrite::{self, RowSelector, QUARANTINE};
use crate::lake::{Lake, LakeError};
use crate::privacy::audit::{self, AuditKind, AuditRow};

/// First day kept: the first day of the month `months` months before the current one.
pub fn first_day_kept(now: DateTime<Utc>, tz: chrono_tz::Tz, months: u32) -> NaiveDate {
    let today = now.with_timezone(&tz).date_naive();
    let index = today.year() * 12 + today.month0() as i32 - months as i32;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
        .expect("the first of a month exists")
}

/// Rows dated before the first day kept.
struct OlderThan {
    day: i32,
    period: String,
    instant_micros: i64,
}

const DATE_COLUMNS: &[&str] = &["local_date", "quarantined_at", "period"];

/// Tables cut by `period` (the derived tables of a score); facts go by `local_date`.
fn has_periods(table: &str) -> bool {
    crate::score::derived_table(table).is_some() && table != "interaction_facts"
}

impl RowSelector for OlderThan {
    fn columns(&self) -> &[&str] {
        DATE_COLUMNS
    }

    /// A file whose folder holds only days (or a period) from the cut on has nothing to
    /// remove: a nightly `maintain` does not read the whole lake to find that out.
    fn may_select_file(&self, path: &str) -> bool {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
        match Domain::of_path(path) {
            Some(Domain::Dates { first, .. }) => ((first - epoch).num_days() as i32) < self.day,
            Some(Domain::Period(period)) => period < self.period,
            None => true,
        }
    }

    fn rows_to_remove(
        &self,
        table: &str,
        batch: &RecordBatch,
    ) -> Result<Option<BooleanArray>, LakeError> {
        let is_source = matches!(table, "interactions" | "surveys" | "shopper");
        let mask: BooleanArray = if table == QUARANTINE {
            let Some(col) = batch.column_by_name("quarantined_at") else {
                return Ok(None);
            };
            if col.data_type() != &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())) {
                return Ok(None);
            }
            col.as_primitive::<TimestampMicrosecondType>()
                .iter()
                .map(|v| Some(v.is_some_and(|t| t < self.instant_micros)))
                .collect()
        } else if is_source || table == "interaction_facts" {
            let Some(col) = batch.column_by_name("local_date") else {
                return Ok(None);
            };
            if col.data_type() != &DataType::Date32 {
                return Ok(None);
            }
            col.as_primitive::<Date32Type>()
                .iter()
                .map(|v| Some(v.is_some_and(|d| d < self.day)))
                .collect()
        } else if has_periods(table) {
            let Some(periods) = rewrite::text_column(batch, "period")? else {
                return Ok(None);
            };
            periods
                .iter()
                .map(|p| Some(p.is_some_and(|p| p < self.period.as_str())))
                .collect()
        } else {
            return Ok(None);
        };
        Ok((mask.true_count() > 0).then_some(mask))
    }
}

/// Applies the catalog's retention at `now`; `None` when the catalog sets none. Call under
/// the lake lock, after [`crate::lake::commit::recover`]. Returns the audit rows written
/// (none when no row was old enough).
pub async fn apply_locked(
    lake: &Lake,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Result<Option<Vec<AuditRow>>, LakeError> {
    let Some(months) = catalog.retention_months else {
        return Ok(None);
    };
    let first = first_day_kept(now, catalog.time_zone, months);
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    let midnight = first.and_hms_opt(0, 0, 0).expect("midnight");
    let instant = catalog
        .time_zone
        .from_local_datetime(&midnight)
        .earliest()
        .map_or(i64::MIN, |t| t.with_timezone(&Utc).timestamp_micros());
    let selector = OlderThan {
        day: (first - epoch).num_days() as i32,
        period: first.format("%Y-%m").to_string(),
        instant_micros: instant,
    };
    let kind = AuditKind::Retention;
    let by = "momentos maintain";
    let Some(removal) = rewrite::remove_rows(lake, kind.code(), by, now, &selector).await? else {
        return Ok(Some(Vec::new()));
    };
    let reference = Some(format!("retention.months = {months}: < {first}"));
    let request = AuditRow::request(kind, now, reference, None);
    let rows = audit::rows_for(lake, &removal, &request).await;
    audit::append(lake, &rows, by).await?;
    Ok(Some(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_counts_whole_months_in_local_time() {
        let tz: chrono_tz::Tz = "America/Bogota".parse().unwrap();
        // 2026-12-01 03:00 UTC is still 30 November in Bogotá.
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
        assert_eq!(
            first_day_kept(now, tz, 1),
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
        );
        assert_eq!(
            first_day_kept(now, tz, 11),
            NaiveDate::from_ymd_opt(2025, 12, 1).unwrap()
        );
        assert_eq!(
            first_day_kept(now, tz, 60),
            NaiveDate::from_ymd_opt(2021, 11, 1).unwrap()
        );
    }
}
