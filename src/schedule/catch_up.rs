//! Deciding what to do with the fires that came due while nobody was looking — a pure
//! function, so every policy is tested without a clock.
//!
//! A fire found due within the grace period is run on time (`schedule`). Older ones are
//! missed and follow the pipeline's policy, like Kubernetes CronJob's deadline and systemd's
//! `Persistent=`: `none` records them and runs nothing for them; `latest` lets one run stand
//! for all of them (the on-time run if there is one, else a `catch_up` run of the most
//! recent); `all` runs each of the most recent `max` as `catch_up`, oldest first. Fires not
//! run are recorded once, as one `missed` entry with their count.

use chrono::{DateTime, Utc};

use crate::pipeline::history::Trigger;
use crate::pipeline::CatchUpPolicy;

/// Missed fires that will not get a run of their own.
#[derive(Debug, Clone, PartialEq)]
pub struct Missed {
    pub count: usize,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    /// Whether a run (on time or catch-up) stands for them.
    pub covered: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// Runs to do now, in order.
    pub runs: Vec<(DateTime<Utc>, Trigger)>,
    pub missed: Option<Missed>,
}

/// Plans the due fires.
///
/// - `recent`: the most recent due fires, oldest first (`max + 2` of them when there are
///   that many, so the last fire left out is known);
/// - `total`: how many fires are due in all;
/// - `first`: the oldest due fire;
/// - `latest_on_time`: whether the most recent due fire is within the grace period.
pub fn plan(
    policy: CatchUpPolicy,
    max: u32,
    recent: &[DateTime<Utc>],
    total: usize,
    first: DateTime<Utc>,
    latest_on_time: bool,
) -> Plan {
    let Some(&latest) = recent.last() else {
        return Plan::default();
    };
    let mut runs = Vec::new();
    // The missed fires, i.e. all due ones but an on-time latest.
    let (missed_total, missed_recent): (usize, &[DateTime<Utc>]) = if latest_on_time {
        (total - 1, &recent[..recent.len() - 1])
    } else {
        (total, recent)
    };
    let mut not_run = missed_total;
    match policy {
        CatchUpPolicy::None => {}
        CatchUpPolicy::Latest => {
            if !latest_on_time {
                runs.push((latest, Trigger::CatchUp));
                not_run -= 1;
            }
        }
        CatchUpPolicy::All => {
            let take = (max as usize).min(missed_recent.len());
            for fire in &missed_recent[missed_recent.len() - take..] {
                runs.push((*fire, Trigger::CatchUp));
            }
            not_run -= take;
        }
    }
    if latest_on_time {
        runs.push((latest, Trigger::Schedule));
    }
    let missed = (not_run > 0).then(|| {
        // The fires not run are the oldest `not_run` missed ones.
        let last = if not_run == missed_total {
            missed_recent.last().copied().unwrap_or(first)
        } else {
            let idx = missed_recent.len() as isize - (missed_total - not_run) as isize - 1;
            if idx >= 0 {
                missed_recent[idx as usize]
            } else {
                first
            }
        };
        Missed {
            count: not_run,
            first,
            last,
            covered: !runs.is_empty() && policy != CatchUpPolicy::None,
        }
    });
    Plan { runs, missed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    fn fires(n: i64) -> Vec<DateTime<Utc>> {
        (1..=n).map(|i| t(i * 10)).collect()
    }

    #[test]
    fn one_fire_on_time_just_runs() {
        for policy in [
            CatchUpPolicy::None,
            CatchUpPolicy::Latest,
            CatchUpPolicy::All,
        ] {
            let p = plan(policy, 5, &fires(1), 1, t(10), true);
            assert_eq!(p.runs, vec![(t(10), Trigger::Schedule)]);
            assert_eq!(p.missed, None);
        }
    }

    #[test]
    fn none_records_misses_and_runs_only_the_on_time_fire() {
        let p = plan(CatchUpPolicy::None, 5, &fires(4), 4, t(10), true);
        assert_eq!(p.runs, vec![(t(40), Trigger::Schedule)]);
        assert_eq!(
            p.missed,
            Some(Missed {
                count: 3,
                first: t(10),
                last: t(30),
                covered: false
            })
        );
        let p = plan(CatchUpPolicy::None, 5, &fires(4), 4, t(10), false);
        assert!(p.runs.is_empty());
        assert_eq!(p.missed.unwrap().count, 4);
    }

    #[test]
    fn latest_runs_once_for_all() {
        let p = plan(CatchUpPolicy::Latest, 5, &fires(4), 4, t(10), false);
        assert_eq!(p.runs, vec![(t(40), Trigger::CatchUp)]);
        assert_eq!(
            p.missed,
            Some(Missed {
                count: 3,
                first: t(10),
                last: t(30),
                covered: true
            })
        );
        let p = plan(CatchUpPolicy::Latest, 5, &fires(4), 4, t(10), true);
        assert_eq!(p.runs, vec![(t(40), Trigger::Schedule)]);
        assert_eq!(p.missed.unwrap().count, 3);
    }

    #[test]
    fn all_runs_the_most_recent_max_then_the_on_time_one() {
        // 100 due, only the 5 most recent known: max 3 catch-up runs + the on-time one.
        let recent: Vec<_> = (96..=100).map(|i| t(i * 10)).collect();
        let p = plan(CatchUpPolicy::All, 3, &recent, 100, t(10), true);
        assert_eq!(
            p.runs,
            vec![
                (t(970), Trigger::CatchUp),
                (t(980), Trigger::CatchUp),
                (t(990), Trigger::CatchUp),
                (t(1000), Trigger::Schedule)
            ]
        );
        assert_eq!(
            p.missed,
            Some(Missed {
                count: 96,
                first: t(10),
                last: t(960),
                covered: true
            })
        );
        // Fewer missed than max: all of them run, nothing is missed.
        let p = plan(CatchUpPolicy::All, 10, &fires(3), 3, t(10), false);
        assert_eq!(p.runs.len(), 3);
        assert!(p.runs.iter().all(|(_, tr)| *tr == Trigger::CatchUp));
        assert_eq!(p.missed, None);
    }
}
