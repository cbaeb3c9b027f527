//! The statistics of the technical and reputational alerts, on aggregated counts (the SQL
//! of `queries/alerts/` does the aggregation). Pure: counts and the calendar in, runs out.
//!
//! Each open hour (or day) is compared with the same weekday and hour of the previous
//! `baseline_weeks` weeks — holidays, closures and hours already inside an alert left out —
//! whose median is "the usual". An hour is abnormal by an exact tail; a run of consecutive
//! abnormal open hours is judged as a whole, so one odd hour is never an alert and a long
//! outage is one alert with its start and end.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use super::tails;
use crate::catalog::alerts::AlertParams;

/// One slot of a series: a local date and hour (0–23), or a day (hour 0).
pub type Slot = (NaiveDate, u32);

/// Counts of one slot.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    /// Inbound interactions (volume) or dissatisfied signals (reputation).
    pub n: u64,
    /// Phone calls judged for abandonment (short abandons left out).
    pub judged: u64,
    pub abandoned: u64,
}

/// What a run compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// Volume collapse (lower Poisson tail).
    Outage,
    /// Abandonment jump (upper binomial tail).
    Abandonment,
    /// Dissatisfied signals far above the usual (upper Poisson tail).
    Reputation,
}

/// A run of abnormal slots raised as an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub first: Slot,
    pub last: Slot,
    /// The run reaches the last judged slot: the situation may still be going on.
    pub ongoing: bool,
    pub slots: usize,
    /// Count (outage, reputation) or rate in % (abandonment) over the run.
    pub observed: f64,
    pub expected: f64,
    pub p_value: f64,
    /// The usual value of the run's first slot and how many weeks it came from.
    pub first_usual: f64,
    pub baseline_weeks: usize,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The open slots of a series in time order (only slots that have ended by the run's
/// as-of) and the counts of each (zero where nothing arrived).
pub struct Series<'a> {
    pub slots: &'a [Slot],
    pub counts: &'a BTreeMap<Slot, Counts>,
}

struct Judged {
    abnormal: bool,
    usual: f64,
    weeks: usize,
    /// Tail parts: (expected count) or (judged, baseline rate).
    expected: f64,
    rate_part: Option<(u64, f64)>,
}

/// Finds the runs of a series that are alerts.
pub fn runs(series: &Series<'_>, test: Test, p: &AlertParams) -> Vec<Run> {
    let open: HashSet<Slot> = series.slots.iter().copied().collect();
    let mut excluded: HashSet<Slot> = HashSet::new();
    let mut out = Vec::new();
    let count = |s: &Slot| series.counts.get(s).copied().unwrap_or_default();
    let min_len = match test {
        Test::Reputation => 1,
        _ => p.min_hours as usize,
    };
    let mut current: Vec<(Slot, Judged)> = Vec::new();

    let finish = |run: &mut Vec<(Slot, Judged)>,
                  excluded: &mut HashSet<Slot>,
                  out: &mut Vec<Run>,
                  ongoing: bool| {
        if run.is_empty() {
            return;
        }
        let taken = std::mem::take(run);
        let raised = taken.len() >= min_len
            && judge_run(&taken, test, &count, p).is_some_and(|r| {
                let ok = r.p_value <= run_limit(test, p);
                if ok {
                    out.push(Run { ongoing, ..r });
                }
                ok
            });
        if !raised {
            for (s, _) in &taken {
                excluded.remove(s);
            }
        }
    };

    for slot in series.slots {
        let j = judge_slot(*slot, test, &open, &excluded, &count, p);
        match j {
            Some(j) if j.abnormal => {
                current.push((*slot, j));
                if current.len() >= min_len {
                    // Provisionally out of later baselines: an outage must not make the
                    // next weeks' outages look usual.
                    excluded.extend(current.iter().map(|(s, _)| *s));
                }
            }
            _ => finish(&mut current, &mut excluded, &mut out, false),
        }
    }
    finish(&mut current, &mut excluded, &mut out, true);
    out
}

/// Whether a series also shows the situation over the slots `first..=last` as a whole
/// (the combined exact tail at most `hour_p_value`, and the same size of change as an
/// abnormal hour): used to tell a channel-wide outage from one unit's.
pub fn shows_over(
    series: &Series<'_>,
    test: Test,
    p: &AlertParams,
    first: Slot,
    last: Slot,
) -> bool {
    let open: HashSet<Slot> = series.slots.iter().copied().collect();
    let none = HashSet::new();
    let count = |s: &Slot| series.counts.get(s).copied().unwrap_or_default();
    let judged: Vec<(Slot, Judged)> = series
        .slots
        .iter()
        .filter(|s| **s >= first && **s <= last)
        .filter_map(|s| judge_slot(*s, test, &open, &none, &count, p).map(|j| (*s, j)))
        .collect();
    let Some(run) = judge_run(&judged, test, &count, p) else {
        return false;
    };
    let sized = match test {
        Test::Outage => run.observed <= p.outage_max_ratio * run.expected,
        Test::Abandonment => run.observed >= 100.0 * p.abandonment_min_rate,
        Test::Reputation => run.observed >= p.reputational_min_ratio * run.expected,
    };
    sized && run.p_value <= p.hour_p_value
}

fn run_limit(test: Test, p: &AlertParams) -> f64 {
    match test {
        Test::Reputation => p.reputational_p_value,
        _ => p.run_p_value,
    }
}

fn judge_slot(
    slot: Slot,
    test: Test,
    open: &HashSet<Slot>,
    excluded: &HashSet<Slot>,
    count: &impl Fn(&Slot) -> Counts,
    p: &AlertParams,
) -> Option<Judged> {
    let (date, hour) = slot;
    let base: Vec<Counts> = (1..=p.baseline_weeks as i64)
        .map(|k| (date - Duration::weeks(k), hour))
        .filter(|s| open.contains(s) && !excluded.contains(s))
        .map(|s| count(&s))
        .collect();
    if base.len() < p.min_baseline_weeks as usize {
        return None;
    }
    let now = count(&slot);
    match test {
        Test::Outage => {
            let usual = median(base.iter().map(|c| c.n as f64).collect());
            let abnormal = usual > 0.0
                && (now.n as f64) <= p.outage_max_ratio * usual
                && tails::poisson_lower(now.n, usual) <= p.hour_p_value;
            Some(Judged {
                abnormal,
                usual,
                weeks: base.len(),
                expected: usual,
                rate_part: None,
            })
        }
        Test::Abandonment => {
            let (k, n) = base
                .iter()
                .fold((0u64, 0u64), |(k, n), c| (k + c.abandoned, n + c.judged));
            if n == 0 {
                return None;
            }
            let rate = (k as f64 / n as f64).max(p.abandonment_min_baseline_rate);
            let abnormal = now.judged >= 3
                && (now.abandoned as f64) >= p.abandonment_min_rate * now.judged as f64
                && tails::binomial_upper(now.abandoned, now.judged, rate) <= p.hour_p_value;
            Some(Judged {
                abnormal,
                usual: rate * 100.0,
                weeks: base.len(),
                expected: rate * now.judged as f64,
                rate_part: Some((now.judged, rate)),
            })
        }
        Test::Reputation => {
            let usual =
                median(base.iter().map(|c| c.n as f64).collect()).max(p.reputational_min_expected);
            let abnormal = now.n >= p.reputational_min_count as u64
                && (now.n as f64) >= p.reputational_min_ratio * usual
                && tails::poisson_upper(now.n, usual) <= p.reputational_p_value;
            Some(Judged {
                abnormal,
                usual,
                weeks: base.len(),
                expected: usual,
                rate_part: None,
            })
        }
    }
}

fn judge_run(
    run: &[(Slot, Judged)],
    test: Test,
    count: &impl Fn(&Slot) -> Counts,
    _p: &AlertParams,
) -> Option<Run> {
    let (first, last) = (run.first()?, run.last()?);
    let expected: f64 = run.iter().map(|(_, j)| j.expected).sum();
    let (observed, p_value, expected) = match test {
        Test::Outage => {
            let x: u64 = run.iter().map(|(s, _)| count(s).n).sum();
            (x as f64, tails::poisson_lower(x, expected), expected)
        }
        Test::Reputation => {
            let x: u64 = run.iter().map(|(s, _)| count(s).n).sum();
            (x as f64, tails::poisson_upper(x, expected), expected)
        }
        Test::Abandonment => {
            let k: u64 = run.iter().map(|(s, _)| count(s).abandoned).sum();
            let n: u64 = run.iter().map(|(s, _)| count(s).judged).sum();
            let parts: Vec<(u64, f64)> = run.iter().filter_map(|(_, j)| j.rate_part).collect();
            let pv = tails::binomial_sum_upper(k, &parts);
            (
                100.0 * k as f64 / n.max(1) as f64,
                pv,
                100.0 * expected / n.max(1) as f64,
            )
        }
    };
    Some(Run {
        first: first.0,
        last: last.0,
        ongoing: false,
        slots: run.len(),
        observed,
        expected,
        p_value,
        first_usual: first.1.usual,
        baseline_weeks: first.1.weeks,
    })
}

/// Local start of a slot (hours) or of a day.
pub fn slot_start(s: Slot) -> NaiveDateTime {
    s.0.and_hms_opt(s.1, 0, 0).expect("hour in 0..24")
}

/// The whole open hours of a channel between two local dates (inclusive) that end at or
/// before `through` (local). `open_day` says whether the place opens at all that day
/// (holidays and closures do not); `hours` are the weekday's opening hours as minutes.
pub fn open_hours(
    from: NaiveDate,
    to: NaiveDate,
    through: NaiveDateTime,
    open_day: impl Fn(NaiveDate) -> bool,
    hours: &crate::score::calendar::WeeklyHours,
) -> Vec<Slot> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        if open_day(d) {
            if let Some(h) = hours.days[d.weekday().num_days_from_monday() as usize] {
                let first = h.open_minute.div_ceil(60);
                let last = h.close_minute / 60; // exclusive
                for hour in first..last {
                    if slot_start((d, hour)) + Duration::hours(1) <= through {
                        out.push((d, hour));
                    }
                }
            }
        }
        d = d.succ_opt().expect("date in range");
    }
    out
}

/// Every day between two local dates (inclusive) that has ended by `through`, or is
/// `through`'s own day (signals only add up during a day: a burst is worth telling early).
pub fn days(from: NaiveDate, to: NaiveDate) -> Vec<Slot> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        out.push((d, 0));
        d = d.succ_opt().expect("date in range");
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::score::calendar::WeeklyHours;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn params() -> AlertParams {
        crate::catalog::Catalog::embedded().alerts
    }

    pub(crate) fn poisson(r: &mut ChaCha8Rng, lambda: f64) -> u64 {
        use rand::Rng;
        // Knuth's method, in chunks to stay clear of underflow for λ in the hundreds.
        let mut total = 0;
        let mut left = lambda;
        while left > 0.0 {
            let l = left.min(30.0);
            left -= l;
            let limit = (-l).exp();
            let mut k = 0;
            let mut prod: f64 = r.gen();
            while prod > limit {
                k += 1;
                prod *= r.gen::<f64>();
            }
            total += k;
        }
        total
    }

    pub(crate) fn binomial(r: &mut ChaCha8Rng, n: u64, p: f64) -> u64 {
        use rand::Rng;
        (0..n).filter(|_| r.gen::<f64>() < p).count() as u64
    }

    /// Hourly slots Mon–Sat from `start` for `days` days, a rate per hour of day.
    fn hours(start: NaiveDate, days: i64) -> Vec<Slot> {
        let through = slot_start((start + Duration::days(days), 0));
        open_hours(
            start,
            start + Duration::days(days),
            through,
            |_| true,
            &WeeklyHours::default_contact_center(),
        )
    }

    fn rate(s: &Slot, base: f64) -> f64 {
        // Morning and afternoon peaks, quieter Saturdays.
        let peak = if (9..11).contains(&s.1) || (14..16).contains(&s.1) {
            1.6
        } else {
            1.0
        };
        let sat = if s.0.weekday() == chrono::Weekday::Sat {
            0.6
        } else {
            1.0
        };
        base * peak * sat
    }

    #[test]
    fn a_silent_channel_is_one_alert_with_its_start() {
        let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let slots = hours(start, 90);
        let mut r = ChaCha8Rng::seed_from_u64(7);
        let outage_day = NaiveDate::from_ymd_opt(2026, 3, 17).unwrap();
        let mut counts = BTreeMap::new();
        for s in &slots {
            let silent = s.0 == outage_day && (10..13).contains(&s.1);
            let n = if silent {
                0
            } else {
                poisson(&mut r, rate(s, 12.0))
            };
            counts.insert(
                *s,
                Counts {
                    n,
                    ..Default::default()
                },
            );
        }
        let found = runs(
            &Series {
                slots: &slots,
                counts: &counts,
            },
            Test::Outage,
            &params(),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].first, (outage_day, 10));
        assert_eq!(found[0].last, (outage_day, 12));
        assert!(!found[0].ongoing && found[0].observed == 0.0);
        assert!(found[0].p_value < 1e-10);
    }

    #[test]
    fn an_ongoing_outage_has_no_end_and_later_baselines_ignore_it() {
        let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let slots = hours(start, 120);
        let mut r = ChaCha8Rng::seed_from_u64(8);
        // A whole day of outage, then the backlog hour: four weeks later at the same
        // weekday nothing may look abnormal; at the end an outage still going on.
        let outage_day = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let last = *slots.last().unwrap();
        let mut counts = BTreeMap::new();
        for s in &slots {
            let n = if s.0 == outage_day {
                0
            } else if s.0 == last.0 && s.1 >= 14 {
                0
            } else if s.0 == outage_day + Duration::days(1) && s.1 == 8 {
                400
            } else {
                poisson(&mut r, rate(s, 10.0))
            };
            counts.insert(
                *s,
                Counts {
                    n,
                    ..Default::default()
                },
            );
        }
        let found = runs(
            &Series {
                slots: &slots,
                counts: &counts,
            },
            Test::Outage,
            &params(),
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].first, (outage_day, 8));
        assert_eq!(found[0].last, (outage_day, 17));
        assert!(found[1].ongoing && found[1].first.0 == last.0);
    }

    #[test]
    fn abandonment_of_sixty_percent_for_two_hours_is_caught() {
        let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let slots = hours(start, 80);
        let mut r = ChaCha8Rng::seed_from_u64(9);
        let day = NaiveDate::from_ymd_opt(2026, 3, 11).unwrap();
        let mut counts = BTreeMap::new();
        for s in &slots {
            let n = poisson(&mut r, rate(s, 15.0));
            let bad = s.0 == day && (15..17).contains(&s.1);
            let a = binomial(&mut r, n, if bad { 0.6 } else { 0.08 });
            counts.insert(
                *s,
                Counts {
                    n,
                    judged: n,
                    abandoned: a,
                },
            );
        }
        let found = runs(
            &Series {
                slots: &slots,
                counts: &counts,
            },
            Test::Abandonment,
            &params(),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].first.0 == day && (14..=16).contains(&found[0].first.1));
        assert!(found[0].observed >= 40.0 && found[0].expected < 15.0);
    }

    #[test]
    fn a_day_of_five_times_the_complaints_is_caught() {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let slots = days(start, start + Duration::days(120));
        let mut r = ChaCha8Rng::seed_from_u64(10);
        let day = NaiveDate::from_ymd_opt(2026, 4, 2).unwrap();
        let mut counts = BTreeMap::new();
        for s in &slots {
            let n = poisson(&mut r, if s.0 == day { 15.0 } else { 3.0 });
            counts.insert(
                *s,
                Counts {
                    n,
                    ..Default::default()
                },
            );
        }
        let found = runs(
            &Series {
                slots: &slots,
                counts: &counts,
            },
            Test::Reputation,
            &params(),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].first, (day, 0));
    }

    /// Ten months of clean data: at most one technical or reputational alert per series
    /// and quarter, over many seeds and volumes.
    #[test]
    fn clean_months_raise_almost_nothing() {
        let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let slots = hours(start, 300);
        let day_slots = days(start, start + Duration::days(300));
        let p = params();
        let mut worst = 0;
        let mut total = 0;
        for seed in 0..24u64 {
            let mut r = ChaCha8Rng::seed_from_u64(100 + seed);
            let base = [0.5, 2.0, 6.0, 20.0, 60.0][seed as usize % 5];
            let mut counts = BTreeMap::new();
            for s in &slots {
                let n = poisson(&mut r, rate(s, base));
                let a = binomial(&mut r, n, 0.1);
                counts.insert(
                    *s,
                    Counts {
                        n,
                        judged: n,
                        abandoned: a,
                    },
                );
            }
            let mut day_counts = BTreeMap::new();
            for s in &day_slots {
                let weekday = s.0.weekday().num_days_from_monday() < 5;
                let n = poisson(&mut r, if weekday { base / 2.0 } else { base / 6.0 });
                day_counts.insert(
                    *s,
                    Counts {
                        n,
                        ..Default::default()
                    },
                );
            }
            let series = Series {
                slots: &slots,
                counts: &counts,
            };
            let mut found = runs(&series, Test::Outage, &p);
            found.extend(runs(&series, Test::Abandonment, &p));
            found.extend(runs(
                &Series {
                    slots: &day_slots,
                    counts: &day_counts,
                },
                Test::Reputation,
                &p,
            ));
            let mut per_quarter: BTreeMap<i64, usize> = BTreeMap::new();
            for f in &found {
                *per_quarter
                    .entry((f.first.0 - start).num_days() / 91)
                    .or_default() += 1;
            }
            total += found.len();
            worst = worst.max(per_quarter.values().copied().max().unwrap_or(0));
        }
        assert!(worst <= 1, "a quarter with {worst} false alerts");
        assert!(total <= 6, "{total} false alerts in 24 series × 10 months");
    }
}
