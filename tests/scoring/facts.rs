//! `interaction_facts` (SQL over `calendar_days`) against the independent computation
//! with `BusinessCalendar`, for generated interactions that straddle the holidays of
//! 2025–2027, weekends, closures and closing times, with microsecond timestamps.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use momentos::catalog::Catalog;
use momentos::score::calendar;
use momentos::vocabulary::Channel;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::reference::{self, Fact, Interaction};
use super::util::*;

/// A local (Bogotá, UTC−5) wall time → UTC.
fn local(d: NaiveDate, minute_of_day: i64, micros: i64) -> DateTime<Utc> {
    let naive = d.and_hms_opt(0, 0, 0).unwrap()
        + Duration::minutes(minute_of_day)
        + Duration::microseconds(micros);
    chrono_tz::America::Bogota
        .from_local_datetime(&naive)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

/// Interactions around the interesting days and minutes of 2025–2027.
pub fn generate(catalog: &Catalog, seed: u64, n: usize) -> Vec<Interaction> {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let mut special: Vec<NaiveDate> = (2025..=2027)
        .flat_map(calendar::holidays_in_year)
        .map(|h| h.date)
        .collect();
    special.extend(catalog.closures.iter().copied());
    // Year ends and the new Ley 2578 holiday's neighbourhood.
    special.push(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());
    special.push(NaiveDate::from_ymd_opt(2026, 7, 9).unwrap());
    let units: Vec<&String> = catalog.units.keys().collect();
    let stakeholders = ["aspirante", "estudiante", "egresado", "padre_familia", ""];
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let day = if r.gen_bool(0.6) {
            special[r.gen_range(0..special.len())] + Duration::days(r.gen_range(-3..=3))
        } else {
            start + Duration::days(r.gen_range(0..3 * 365))
        };
        // Minutes near opening/closing (08:00, 12:00, 17:00, 18:00), midnight, or anywhere.
        let minute = match r.gen_range(0..6) {
            0 => 8 * 60 + r.gen_range(-2..=2),
            1 => 12 * 60 + r.gen_range(-2..=2),
            2 => 17 * 60 + r.gen_range(-2..=2),
            3 => 18 * 60 + r.gen_range(-2..=2),
            4 => r.gen_range(0..3).max(0) + if r.gen_bool(0.5) { 0 } else { 1437 },
            _ => r.gen_range(0..1440),
        };
        let micros = match r.gen_range(0..3) {
            0 => 0,
            1 => r.gen_range(0..60_000_000),
            _ => 59_999_999,
        };
        let received = local(day, minute, micros);
        let channel = Channel::ALL[r.gen_range(0..Channel::ALL.len())];
        let sla = i64::from(catalog.channel(channel).sla_seconds);
        let inbound = r.gen_bool(0.85);
        let delay_us: Option<i64> = match r.gen_range(0..8) {
            0 => None,
            1 => Some(sla * 1_000_000 + r.gen_range(-1..=1)),
            2 => Some(r.gen_range(0..60_000_000)),
            3 => Some(r.gen_range(0..4 * 3_600_000_000)),
            4 => Some(r.gen_range(0..5 * 86_400_000_000)),
            5 => Some(sla * 60_000_000 + r.gen_range(-60_000_000..60_000_000)),
            6 => Some(0),
            _ => Some(r.gen_range(0..36 * 3_600_000_000)),
        };
        let first = delay_us.map(|d| received + Duration::microseconds(d));
        let mut outcome = ["resolved", "pending", "abandoned", "escalated", ""][r.gen_range(0..5)];
        let mut resolved = first.map(|f| f + Duration::seconds(r.gen_range(0..4000)));
        if channel == Channel::Phone && first.is_none() && r.gen_bool(0.6) {
            outcome = "abandoned";
            resolved = Some(received + Duration::microseconds(r.gen_range(0..=10_000_000)));
            if r.gen_bool(0.3) {
                resolved = Some(received + Duration::seconds(5));
            }
        }
        let (mut esc_to, mut esc_at, mut answered) = (String::new(), None, None);
        if r.gen_bool(0.3) {
            if r.gen_bool(0.8) {
                esc_to = units[r.gen_range(0..units.len())].clone();
            }
            if r.gen_bool(0.8) {
                esc_at = Some(received + Duration::minutes(r.gen_range(0..3 * 1440)));
            }
            if r.gen_bool(0.6) {
                let base = esc_at.unwrap_or(received);
                answered = Some(base + Duration::minutes(r.gen_range(0..25 * 1440)));
            }
            if outcome == "abandoned" && r.gen_bool(0.5) {
                outcome = "escalated";
            }
        } else if outcome == "escalated" && r.gen_bool(0.5) {
            outcome = "resolved";
        }
        let text = |v: &str| (!v.is_empty()).then(|| v.to_string());
        out.push(Interaction {
            id: format!("F-{k:06}"),
            channel: channel.code().to_string(),
            unit: units[r.gen_range(0..units.len())].clone(),
            received,
            first_response: first,
            resolved,
            direction: if inbound { "inbound" } else { "outbound" }.into(),
            stakeholder: text(stakeholders[r.gen_range(0..stakeholders.len())]),
            escalated_to: text(&esc_to),
            escalated_at: esc_at,
            answered_at: answered,
            outcome: text(outcome),
        });
    }
    out
}

pub async fn sql_facts(t: &TestLake, catalog: &Catalog) -> HashMap<String, Fact> {
    let b = query(t, catalog, "select * from interaction_facts").await;
    let (id, period, ld, sla, clock, frs, frbm, within, due, met, ab) = (
        strs(&b, "interaction_id"),
        strs(&b, "period"),
        dates(&b, "local_date"),
        ints(&b, "sla_seconds"),
        strs(&b, "sla_clock"),
        floats(&b, "first_response_seconds"),
        floats(&b, "first_response_business_minutes"),
        bools(&b, "within_sla"),
        dates(&b, "escalation_due_date"),
        bools(&b, "escalation_met"),
        bools(&b, "abandoned"),
    );
    (0..id.len())
        .map(|i| {
            let f = Fact {
                id: id[i].clone().unwrap(),
                period: period[i].clone().unwrap(),
                local_date: ld[i].unwrap(),
                sla_seconds: sla[i].unwrap(),
                sla_clock: clock[i].clone().unwrap(),
                first_response_seconds: frs[i],
                first_response_business_minutes: frbm[i],
                within_sla: within[i],
                escalation_due_date: due[i],
                escalation_met: met[i],
                abandoned: ab[i].unwrap(),
            };
            (f.id.clone(), f)
        })
        .collect()
}

async fn check(catalog: Catalog, seed: u64, n: usize, as_of: DateTime<Utc>) {
    let catalog = &catalog;
    let t = fresh_lake();
    write_interactions(&t, catalog, &generate(catalog, seed, n)).await;
    score(&t, catalog, as_of).await;
    let got = sql_facts(&t, catalog).await;
    let raw = query(&t, catalog, "select * from interactions").await;
    let interactions = reference::interactions_from(&raw);
    assert_eq!(got.len(), interactions.len());
    let mut judged = [0usize; 3];
    for i in &interactions {
        let want = reference::fact(catalog, i, as_of);
        let have = &got[&i.id];
        assert_eq!(have, &want, "interaction {:?}", i);
        judged[match want.within_sla {
            Some(true) => 0,
            Some(false) => 1,
            None => 2,
        }] += 1;
    }
    // The generator must exercise every outcome.
    assert!(judged.iter().all(|&c| c > n / 20), "{judged:?}");
}

#[test]
fn facts_equal_the_independent_computation() {
    let catalog = Catalog::embedded();
    // As of mid-2026: data after it is "not yet due", data before is judged.
    let as_of = local(NaiveDate::from_ymd_opt(2026, 7, 10).unwrap(), 11 * 60, 0);
    block_on_big_stack(check(catalog, 7, 3000, as_of));
}

#[test]
fn facts_equal_with_other_hours_and_slas() {
    // A catalog with other opening hours, SLAs and closures.
    let text = momentos::catalog::DEFAULT_CATALOG
        .replace(
            "[hours.contact_center]\nmon_fri = \"08:00-18:00\"\nsat = \"08:00-12:00\"\nsun = \"closed\"",
            "[hours.contact_center]\nmon_fri = \"07:30-19:15\"\nsat = \"09:00-13:00\"\nsun = \"10:00-11:00\"",
        )
        .replace("first_response_sla = \"600m\"", "first_response_sla = \"2h\"")
        .replace(
            "closures = [\"2026-12-24\", \"2026-12-31\"]",
            "closures = [\"2025-12-24\", \"2026-03-20\", \"2026-12-24\", \"2026-12-31\", \"2027-01-04\"]",
        );
    assert_ne!(text, momentos::catalog::DEFAULT_CATALOG);
    let catalog = Catalog::from_toml(&text, momentos::catalog::CatalogOrigin::Embedded).unwrap();
    let as_of = local(NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(), 23 * 60, 0);
    block_on_big_stack(check(catalog, 11, 1500, as_of));
}
