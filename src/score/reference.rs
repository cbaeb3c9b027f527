//! Reference tables generated from the catalog and the business calendar, so that the
//! scoring SQL is plain joins (portable to a Ballista cluster) instead of opaque code:
//!
//! | table | grain | what |
//! |---|---|---|
//! | `calendar_days` | hours profile × local date | open day, business day, hours, and the cumulative counters that make business time a subtraction |
//! | `channel_sla` | channel | first-response SLA (seconds), clock (`wall`/`business`), hours profile |
//! | `unit_sla` | unit | escalation SLA in business days (≤ 15, Ley 1755 de 2015) |
//! | `rubric` | channel × item | attribute, weight, critical, protocol step |
//! | `source_weights` | attribute × source | weight of `interactions`, `survey`, `shopper` |
//! | `cell_targets` | unit × channel × attribute | target (most specific catalog rule, else the default) |
//! | `scoring_params` | one row | as-of instant, thresholds and constants of DESIGN §6 |
//!
//! `calendar_days` spans the data: from the day before the first local date to 15 business
//! days after the last one (or the as-of date, if later), plus one day. Its counters start
//! at 0 on the first day:
//! * `open_minutes_before`: opening minutes of every earlier day of the table, so that the
//!   business position of an instant is `open_minutes_before + clamp(minute of day −
//!   open_minute, 0, open_minutes)` and business time is a difference of positions;
//! * `business_day_seq`: business days up to and including the day, so that the n-th
//!   business day after `d` is the business day with `business_day_seq(d) + n`.

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::arrow::error::ArrowError;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;

use super::calendar::{self, BusinessCalendar};
use crate::catalog::{Catalog, DEFAULT_ESCALATION_DAYS, MAX_ESCALATION_DAYS};
use crate::lake::schema;
use crate::lake::tables::RegisterError;
use crate::vocabulary::{Attribute, Channel};

/// Names of the reference tables, in the order they are built.
pub const TABLES: &[&str] = &[
    "calendar_days",
    "channel_sla",
    "unit_sla",
    "rubric",
    "source_weights",
    "cell_targets",
    "scoring_params",
];

/// The local dates `calendar_days` covers (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarRange {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl CalendarRange {
    /// Covers every local date from `min` to `max` and `as_of_date`, with one day of margin
    /// before, and after the latest of them the legal maximum of 15 business days (the
    /// farthest an escalation due date can fall) plus one day.
    pub fn covering(
        catalog: &Catalog,
        min: Option<NaiveDate>,
        max: Option<NaiveDate>,
        as_of_date: NaiveDate,
    ) -> CalendarRange {
        let first = min.map_or(as_of_date, |m| m.min(as_of_date));
        let last = max.map_or(as_of_date, |m| m.max(as_of_date));
        let cal = BusinessCalendar::new(
            calendar::WeeklyHours::default_contact_center(),
            catalog.closures.iter().copied(),
        );
        let last = cal.nth_business_day_after(last, MAX_ESCALATION_DAYS);
        CalendarRange {
            first: first.pred_opt().unwrap_or(first),
            last: last.succ_opt().unwrap_or(last),
        }
    }
}

/// Everything the reference tables depend on besides the catalog.
#[derive(Debug, Clone, Copy)]
pub struct ReferenceInputs {
    /// The instant "not yet due" is judged against (the scoring run's time by default).
    pub as_of: DateTime<Utc>,
    pub range: CalendarRange,
}

fn days_since_epoch(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

fn batch(fields: Vec<Field>, columns: Vec<ArrayRef>) -> RecordBatch {
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .expect("reference columns follow their schema")
}

fn text(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

fn int64(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Int64, nullable)
}

fn float(name: &str) -> Field {
    Field::new(name, DataType::Float64, false)
}

fn boolean(name: &str) -> Field {
    Field::new(name, DataType::Boolean, false)
}

/// `calendar_days`: one row per hours profile and local date of the range.
pub fn calendar_days(catalog: &Catalog, range: CalendarRange) -> RecordBatch {
    let mut profile = Vec::new();
    let mut local_date = Vec::new();
    let mut day_number = Vec::new();
    let mut weekday = Vec::new();
    let mut is_holiday = Vec::new();
    let mut is_closure = Vec::new();
    let mut is_open_day = Vec::new();
    let mut is_business_day = Vec::new();
    let mut open_minute: Vec<Option<i64>> = Vec::new();
    let mut close_minute: Vec<Option<i64>> = Vec::new();
    let mut open_minutes = Vec::new();
    let mut open_minutes_before = Vec::new();
    let mut business_day_seq = Vec::new();
    for (name, hours) in &catalog.hours {
        let cal = BusinessCalendar::new(hours.clone(), catalog.closures.iter().copied());
        let (mut before, mut seq) = (0i64, 0i64);
        let mut d = range.first;
        while d <= range.last {
            let open = cal.is_open_day(d);
            let business = cal.is_business_day(d);
            let h = hours.days[d.weekday().num_days_from_monday() as usize].filter(|_| open);
            if business {
                seq += 1;
            }
            let minutes = h.map_or(0, |h| i64::from(h.close_minute - h.open_minute));
            profile.push(name.as_str());
            local_date.push(days_since_epoch(d));
            day_number.push(i64::from(days_since_epoch(d)));
            weekday.push(d.weekday().number_from_monday() as i32);
            is_holiday.push(calendar::is_public_holiday(d));
            is_closure.push(catalog.closures.contains(&d));
            is_open_day.push(open);
            is_business_day.push(business);
            open_minute.push(h.map(|h| i64::from(h.open_minute)));
            close_minute.push(h.map(|h| i64::from(h.close_minute)));
            open_minutes.push(minutes);
            open_minutes_before.push(before);
            business_day_seq.push(seq);
            before += minutes;
            d = d.succ_opt().expect("date within range");
        }
    }
    batch(
        vec![
            text("hours_profile", false),
            Field::new("local_date", DataType::Date32, false),
            int64("day_number", false),
            Field::new("weekday", DataType::Int32, false),
            boolean("is_holiday"),
            boolean("is_closure"),
            boolean("is_open_day"),
            boolean("is_business_day"),
            int64("open_minute", true),
            int64("close_minute", true),
            int64("open_minutes", false),
            int64("open_minutes_before", false),
            int64("business_day_seq", false),
        ],
        vec![
            Arc::new(StringArray::from(profile)),
            Arc::new(Date32Array::from(local_date)),
            Arc::new(Int64Array::from(day_number)),
            Arc::new(Int32Array::from(weekday)),
            Arc::new(BooleanArray::from(is_holiday)),
            Arc::new(BooleanArray::from(is_closure)),
            Arc::new(BooleanArray::from(is_open_day)),
            Arc::new(BooleanArray::from(is_business_day)),
            Arc::new(Int64Array::from(open_minute)),
            Arc::new(Int64Array::from(close_minute)),
            Arc::new(Int64Array::from(open_minutes)),
            Arc::new(Int64Array::from(open_minutes_before)),
            Arc::new(Int64Array::from(business_day_seq)),
        ],
    )
}

/// `channel_sla`: one row per channel.
pub fn channel_sla(catalog: &Catalog) -> RecordBatch {
    let specs: Vec<_> = catalog.channels.values().collect();
    batch(
        vec![
            text("channel", false),
            text("label", false),
            int64("sla_seconds", false),
            text("sla_clock", false),
            text("hours_profile", false),
        ],
        vec![
            Arc::new(StringArray::from_iter_values(
                specs.iter().map(|s| s.channel.code()),
            )),
            Arc::new(StringArray::from_iter_values(
                specs.iter().map(|s| s.label.as_str()),
            )),
            Arc::new(Int64Array::from_iter_values(
                specs.iter().map(|s| i64::from(s.sla_seconds)),
            )),
            Arc::new(StringArray::from_iter_values(
                specs.iter().map(|s| s.clock.code()),
            )),
            Arc::new(StringArray::from_iter_values(
                specs.iter().map(|s| s.hours_profile.as_str()),
            )),
        ],
    )
}

/// `unit_sla`: one row per catalog unit.
pub fn unit_sla(catalog: &Catalog) -> RecordBatch {
    let units: Vec<_> = catalog.units.values().collect();
    batch(
        vec![
            text("unit", false),
            text("name", false),
            text("kind", false),
            text("responsible", false),
            int64("escalation_sla_days", false),
        ],
        vec![
            Arc::new(StringArray::from_iter_values(
                units.iter().map(|u| u.code.as_str()),
            )),
            Arc::new(StringArray::from_iter_values(
                units.iter().map(|u| u.name.as_str()),
            )),
            Arc::new(StringArray::from_iter_values(
                units.iter().map(|u| u.kind.as_str()),
            )),
            Arc::new(StringArray::from_iter_values(
                units.iter().map(|u| u.responsible.as_str()),
            )),
            Arc::new(Int64Array::from_iter_values(units.iter().map(|u| {
                i64::from(u.escalation_sla_days.min(MAX_ESCALATION_DAYS))
            }))),
        ],
    )
}

/// `rubric`: one row per channel and checklist item.
pub fn rubric(catalog: &Catalog) -> RecordBatch {
    let items = &catalog.rubric;
    batch(
        vec![
            text("channel", false),
            text("item", false),
            text("attribute", true),
            float("weight"),
            boolean("is_critical"),
            boolean("is_protocol_step"),
        ],
        vec![
            Arc::new(StringArray::from_iter_values(
                items.iter().map(|r| r.channel.code()),
            )),
            Arc::new(StringArray::from_iter_values(
                items.iter().map(|r| r.item.as_str()),
            )),
            Arc::new(StringArray::from(
                items
                    .iter()
                    .map(|r| r.attribute.map(|a| a.code()))
                    .collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from_iter_values(
                items.iter().map(|r| r.weight),
            )),
            Arc::new(BooleanArray::from(
                items.iter().map(|r| r.critical).collect::<Vec<_>>(),
            )),
            Arc::new(BooleanArray::from(
                items.iter().map(|r| r.protocol_step).collect::<Vec<_>>(),
            )),
        ],
    )
}

/// `source_weights`: one row per attribute and weighted source.
pub fn source_weights(catalog: &Catalog) -> RecordBatch {
    let w: Vec<_> = catalog.scoring.weights.iter().collect();
    batch(
        vec![
            text("attribute", false),
            text("source", false),
            float("weight"),
        ],
        vec![
            Arc::new(StringArray::from_iter_values(
                w.iter().map(|((a, _), _)| a.code()),
            )),
            Arc::new(StringArray::from_iter_values(
                w.iter().map(|((_, s), _)| s.as_str()),
            )),
            Arc::new(Float64Array::from_iter_values(w.iter().map(|(_, v)| **v))),
        ],
    )
}

/// `cell_targets`: the target of every catalog unit × channel × attribute.
pub fn cell_targets(catalog: &Catalog) -> RecordBatch {
    let (mut unit, mut channel, mut attribute, mut target) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for u in catalog.units.keys() {
        for c in Channel::ALL {
            for a in Attribute::ALL {
                unit.push(u.as_str());
                channel.push(c.code());
                attribute.push(a.code());
                target.push(catalog.target_for(*a, u, *c));
            }
        }
    }
    batch(
        vec![
            text("unit", false),
            text("channel", false),
            text("attribute", false),
            float("target"),
        ],
        vec![
            Arc::new(StringArray::from(unit)),
            Arc::new(StringArray::from(channel)),
            Arc::new(StringArray::from(attribute)),
            Arc::new(Float64Array::from(target)),
        ],
    )
}

/// `scoring_params`: one row with the run's as-of instant and the method's constants.
pub fn scoring_params(catalog: &Catalog, as_of: DateTime<Utc>) -> RecordBatch {
    let s = &catalog.scoring;
    let local = as_of.with_timezone(&catalog.time_zone).naive_local();
    batch(
        vec![
            Field::new("as_of", schema::timestamp(), false),
            Field::new(
                "as_of_local_at",
                DataType::Timestamp(TimeUnit::Microsecond, None),
                false,
            ),
            text("time_zone", false),
            float("default_target"),
            int64("min_n", false),
            int64("min_source_n", false),
            float("pass_mark"),
            float("fdr_q"),
            float("alpha"),
            int64("short_abandon_seconds", false),
            int64("default_escalation_sla_days", false),
            int64("max_escalation_sla_days", false),
        ],
        vec![
            Arc::new(
                TimestampMicrosecondArray::from(vec![as_of.timestamp_micros()])
                    .with_timezone("UTC"),
            ),
            Arc::new(TimestampMicrosecondArray::from(vec![local
                .and_utc()
                .timestamp_micros()])),
            Arc::new(StringArray::from(vec![catalog.time_zone.name()])),
            Arc::new(Float64Array::from(vec![s.target])),
            Arc::new(Int64Array::from(vec![i64::from(s.min_n)])),
            Arc::new(Int64Array::from(vec![i64::from(s.min_source_n)])),
            Arc::new(Float64Array::from(vec![s.pass_mark])),
            Arc::new(Float64Array::from(vec![s.fdr_q])),
            Arc::new(Float64Array::from(vec![s.alpha])),
            Arc::new(Int64Array::from(vec![i64::from(s.short_abandon_seconds)])),
            Arc::new(Int64Array::from(vec![i64::from(DEFAULT_ESCALATION_DAYS)])),
            Arc::new(Int64Array::from(vec![i64::from(MAX_ESCALATION_DAYS)])),
        ],
    )
}

/// Every reference table, by name.
pub fn build(catalog: &Catalog, inputs: &ReferenceInputs) -> Vec<(&'static str, RecordBatch)> {
    vec![
        ("calendar_days", calendar_days(catalog, inputs.range)),
        ("channel_sla", channel_sla(catalog)),
        ("unit_sla", unit_sla(catalog)),
        ("rubric", rubric(catalog)),
        ("source_weights", source_weights(catalog)),
        ("cell_targets", cell_targets(catalog)),
        ("scoring_params", scoring_params(catalog, inputs.as_of)),
    ]
}

/// The batch with its text columns as `Utf8View`, the type of the sources' text: a join
/// of the interactions with `channel_sla` or `calendar_days` then compares keys of one
/// type and carries `hours_profile` and `sla_clock` through the joins that follow as
/// 16-byte views, where `Utf8` would copy the strings of ten million rows at every join.
fn text_as_views(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let schema = crate::lake::tables::text_as_views(&batch.schema());
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| cast(c, f.data_type()))
        .collect::<Result<Vec<_>, _>>()?;
    RecordBatch::try_new(schema, columns)
}

/// Registers the tables (replacing earlier ones of the same names), text as `Utf8View`.
pub fn register(
    ctx: &SessionContext,
    tables: &[(&'static str, RecordBatch)],
) -> Result<(), RegisterError> {
    for (name, batch) in tables {
        let wrap = |source: DataFusionError| RegisterError::DataFusion {
            table: name.to_string(),
            source,
        };
        let batch = text_as_views(batch).map_err(|e| wrap(e.into()))?;
        let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).map_err(wrap)?;
        ctx.deregister_table(*name).map_err(wrap)?;
        ctx.register_table(*name, Arc::new(table)).map_err(wrap)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::{Date32Type, Int64Type};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn calendar_counters_follow_the_calendar() {
        let catalog = Catalog::embedded();
        let range = CalendarRange {
            first: d(2026, 12, 20),
            last: d(2027, 1, 20),
        };
        let b = calendar_days(&catalog, range);
        let profiles = b.column(0).as_string::<i32>();
        let dates = b.column(1).as_primitive::<Date32Type>();
        let open_min = b.column(10).as_primitive::<Int64Type>();
        let before = b.column(11).as_primitive::<Int64Type>();
        let seq = b.column(12).as_primitive::<Int64Type>();
        let hours = &catalog.hours["contact_center"];
        let cal = BusinessCalendar::new(hours.clone(), catalog.closures.iter().copied());
        let rows: Vec<usize> = (0..b.num_rows())
            .filter(|&i| profiles.value(i) == "contact_center")
            .collect();
        assert_eq!(rows.len(), 32);
        for w in rows.windows(2) {
            let (i, j) = (w[0], w[1]);
            assert_eq!(before.value(j), before.value(i) + open_min.value(i));
            let dj = NaiveDate::from_num_days_from_ce_opt(dates.value(j) + 719_163).unwrap();
            assert_eq!(
                seq.value(j),
                seq.value(i) + i64::from(cal.is_business_day(dj))
            );
        }
        // 2026-12-24 is a catalog closure, 2026-12-25 a holiday: closed.
        let row = |date: NaiveDate| {
            rows.iter()
                .copied()
                .find(|&i| dates.value(i) == days_since_epoch(date))
                .unwrap()
        };
        assert_eq!(open_min.value(row(d(2026, 12, 24))), 0);
        assert_eq!(open_min.value(row(d(2026, 12, 25))), 0);
        assert_eq!(open_min.value(row(d(2026, 12, 26))), 240); // Saturday 08–12
        assert_eq!(open_min.value(row(d(2026, 12, 28))), 600);
        // The n-th business day after a date by sequence equals the calendar's.
        for n in [1u32, 3, 5] {
            let base = d(2026, 12, 23);
            let want = cal.nth_business_day_after(base, n);
            let got = rows
                .iter()
                .copied()
                .find(|&i| {
                    seq.value(i) == seq.value(row(base)) + i64::from(n)
                        && cal.is_business_day(
                            NaiveDate::from_num_days_from_ce_opt(dates.value(i) + 719_163).unwrap(),
                        )
                })
                .unwrap();
            assert_eq!(dates.value(got), days_since_epoch(want));
        }
    }

    #[test]
    fn range_covers_due_dates() {
        let catalog = Catalog::embedded();
        let r = CalendarRange::covering(
            &catalog,
            Some(d(2026, 12, 1)),
            Some(d(2026, 12, 20)),
            d(2026, 12, 10),
        );
        assert_eq!(r.first, d(2026, 11, 30));
        // 15 business days after 2026-12-20 skip 24, 25, 31 Dec and 1 Jan.
        assert!(r.last > d(2027, 1, 12));
    }

    #[test]
    fn targets_cover_every_cell() {
        let catalog = Catalog::embedded();
        let b = cell_targets(&catalog);
        assert_eq!(
            b.num_rows(),
            catalog.units.len() * Channel::ALL.len() * Attribute::ALL.len()
        );
    }
}
