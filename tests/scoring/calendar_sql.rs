//! The SQL side of the business calendar: `calendar_days` joins give exactly what
//! `BusinessCalendar` gives, for business minutes (the position formula of
//! `interaction_facts.sql`, including zero-length and reversed intervals) and for the
//! n-th business day after a date.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use momentos::catalog::Catalog;
use momentos::score::calendar::BusinessCalendar;
use momentos::score::reference as refs;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::util::*;

fn ctx_with_calendar(catalog: &Catalog) -> SessionContext {
    let ctx = SessionContext::new();
    let inputs = refs::ReferenceInputs {
        as_of: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        range: refs::CalendarRange {
            first: NaiveDate::from_ymd_opt(2024, 12, 1).unwrap(),
            last: NaiveDate::from_ymd_opt(2028, 2, 28).unwrap(),
        },
    };
    refs::register(&ctx, &refs::build(catalog, &inputs)).unwrap();
    ctx
}

/// pos(t) and the difference exactly as interaction_facts.sql computes them (reversed
/// intervals give 0, as `BusinessCalendar::business_minutes` does).
const POSITION_SQL: &str = "
with pairs as (
    select
        id,
        hours_profile,
        cast(to_local_time(arrow_cast(from_at, 'Timestamp(Microsecond, Some(\"America/Bogota\"))')) as bigint) as from_us,
        cast(to_local_time(arrow_cast(to_at, 'Timestamp(Microsecond, Some(\"America/Bogota\"))')) as bigint) as to_us
    from intervals
),

positions as (
    select
        p.id,
        f.open_minutes_before * 60000000
            + case
                when p.from_us % 86400000000 < coalesce(f.open_minute, 0) * 60000000 then 0
                when p.from_us % 86400000000 > (coalesce(f.open_minute, 0) + f.open_minutes) * 60000000
                    then f.open_minutes * 60000000
                else p.from_us % 86400000000 - coalesce(f.open_minute, 0) * 60000000
            end as from_pos_us,
        t.open_minutes_before * 60000000
            + case
                when p.to_us % 86400000000 < coalesce(t.open_minute, 0) * 60000000 then 0
                when p.to_us % 86400000000 > (coalesce(t.open_minute, 0) + t.open_minutes) * 60000000
                    then t.open_minutes * 60000000
                else p.to_us % 86400000000 - coalesce(t.open_minute, 0) * 60000000
            end as to_pos_us
    from pairs as p
    inner join calendar_days as f on f.hours_profile = p.hours_profile and f.day_number = p.from_us / 86400000000
    inner join calendar_days as t on t.hours_profile = p.hours_profile and t.day_number = p.to_us / 86400000000
),

final as (
    select
        id,
        cast(case when to_pos_us < from_pos_us then 0 else to_pos_us - from_pos_us end as double)
            / 60000000.0 as business_minutes
    from positions
)

select * from final order by id";

#[test]
fn business_minutes_through_the_calendar_table() {
    block_on_big_stack(business_minutes_through_the_calendar_table_async());
}

async fn business_minutes_through_the_calendar_table_async() {
    let catalog = Catalog::embedded();
    let ctx = ctx_with_calendar(&catalog);
    let mut r = ChaCha8Rng::seed_from_u64(42);
    let start = Utc.with_ymd_and_hms(2025, 1, 1, 5, 0, 0).unwrap();
    let profiles: Vec<&String> = catalog.hours.keys().collect();
    let mut rows: Vec<(i64, String, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for id in 0..4000i64 {
        let from = start + Duration::microseconds(r.gen_range(0..3 * 365 * 86_400_000_000i64));
        // Round some instants to whole minutes, openings and closings.
        let from = if r.gen_bool(0.3) {
            from - Duration::microseconds(from.timestamp_micros() % 3_600_000_000)
        } else {
            from
        };
        let to = match r.gen_range(0..5) {
            0 => from,                                                          // zero-length
            1 => from - Duration::microseconds(r.gen_range(1..86_400_000_000)), // reversed
            2 => from + Duration::microseconds(r.gen_range(0..3_600_000_000)),
            3 => from + Duration::microseconds(r.gen_range(0..20 * 86_400_000_000)),
            _ => from + Duration::microseconds(r.gen_range(0..2 * 86_400_000_000)),
        };
        rows.push((
            id,
            profiles[r.gen_range(0..profiles.len())].clone(),
            from,
            to,
        ));
    }
    let ts = || DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("hours_profile", DataType::Utf8, false),
            Field::new("from_at", ts(), false),
            Field::new("to_at", ts(), false),
        ])),
        vec![
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.1.as_str()),
            )),
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(
                    rows.iter().map(|r| r.2.timestamp_micros()),
                )
                .with_timezone("UTC"),
            ),
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(
                    rows.iter().map(|r| r.3.timestamp_micros()),
                )
                .with_timezone("UTC"),
            ),
        ],
    )
    .unwrap();
    ctx.register_table(
        "intervals",
        Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch]]).unwrap()),
    )
    .unwrap();
    let out = ctx
        .sql(POSITION_SQL)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let got = floats(&out, "business_minutes");
    assert_eq!(got.len(), rows.len());
    for (row, g) in rows.iter().zip(got) {
        let cal = BusinessCalendar::new(
            catalog.hours[&row.1].clone(),
            catalog.closures.iter().copied(),
        );
        let want = cal.business_minutes(row.2, row.3);
        assert_eq!(g, Some(want), "{row:?}");
    }
}

#[test]
fn nth_business_day_through_the_calendar_table() {
    block_on_big_stack(nth_business_day_through_the_calendar_table_async());
}

async fn nth_business_day_through_the_calendar_table_async() {
    let catalog = Catalog::embedded();
    let ctx = ctx_with_calendar(&catalog);
    let sql = "
        select d.local_date as base_date, n.n, due.local_date as due_date
        from (select * from unnest(range(1, 16))) as n (n)
        cross join calendar_days as d
        inner join calendar_days as due
            on due.hours_profile = d.hours_profile
            and due.is_business_day
            and due.business_day_seq = d.business_day_seq + n.n
        where d.hours_profile = 'contact_center'
            and d.local_date between date '2025-01-01' and date '2027-12-31'";
    let out = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let (base, n, due) = (
        dates(&out, "base_date"),
        ints(&out, "n"),
        dates(&out, "due_date"),
    );
    let cal = BusinessCalendar::new(
        catalog.hours["contact_center"].clone(),
        catalog.closures.iter().copied(),
    );
    let days = (NaiveDate::from_ymd_opt(2027, 12, 31).unwrap()
        - NaiveDate::from_ymd_opt(2025, 1, 1).unwrap())
    .num_days()
        + 1;
    assert_eq!(base.len() as i64, days * 15, "one due date per day and n");
    for i in 0..base.len() {
        let want = cal.nth_business_day_after(base[i].unwrap(), n[i].unwrap() as u32);
        assert_eq!(due[i], Some(want), "{:?} + {:?}", base[i], n[i]);
    }
}
