//! A naive, independent implementation of DESIGN §6 in plain Rust: the business calendar
//! straight from `BusinessCalendar` (no calendar table), observations and cell scores with
//! loops and maps, Benjamini–Hochberg by sorting, and the exact tails of §6.3 the slow way
//! (every joint outcome, log-space terms, every term kept, plain bisection) rather than
//! the ratio recurrence and bracketing of `score::exact`. The tests compare the SQL
//! against it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use datafusion::arrow::array::RecordBatch;
use momentos::catalog::{Catalog, SlaClock};
use momentos::score::calendar::BusinessCalendar;
use momentos::vocabulary::{Attribute, Channel};

use super::util::*;

#[derive(Debug, Clone)]
pub struct Interaction {
    pub id: String,
    pub channel: String,
    pub unit: String,
    pub received: DateTime<Utc>,
    pub first_response: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
    pub direction: String,
    pub stakeholder: Option<String>,
    pub escalated_to: Option<String>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Survey {
    #[allow(dead_code)] // kept for failure messages
    pub id: String,
    pub submitted: DateTime<Utc>,
    pub unit: String,
    pub channel: Option<String>,
    pub interaction_id: Option<String>,
    pub stakeholder: Option<String>,
    pub kindness: Option<i64>,
    pub information_quality: Option<i64>,
    pub timeliness: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct ShopperItem {
    pub evaluation_id: String,
    pub evaluated: DateTime<Utc>,
    pub unit: String,
    pub channel: String,
    pub item: String,
    pub result: String,
}

pub fn interactions_from(b: &[RecordBatch]) -> Vec<Interaction> {
    let (id, ch, unit, rec, fr, res, dir, st, et, ea, aa, out) = (
        strs(b, "interaction_id"),
        strs(b, "channel"),
        strs(b, "unit"),
        timestamps(b, "received_at"),
        timestamps(b, "first_response_at"),
        timestamps(b, "resolved_at"),
        strs(b, "direction"),
        strs(b, "stakeholder"),
        strs(b, "escalated_to"),
        timestamps(b, "escalated_at"),
        timestamps(b, "escalation_answered_at"),
        strs(b, "outcome"),
    );
    (0..id.len())
        .map(|i| Interaction {
            id: id[i].clone().unwrap(),
            channel: ch[i].clone().unwrap(),
            unit: unit[i].clone().unwrap(),
            received: rec[i].unwrap(),
            first_response: fr[i],
            resolved: res[i],
            direction: dir[i].clone().unwrap(),
            stakeholder: st[i].clone(),
            escalated_to: et[i].clone(),
            escalated_at: ea[i],
            answered_at: aa[i],
            outcome: out[i].clone(),
        })
        .collect()
}

pub fn surveys_from(b: &[RecordBatch]) -> Vec<Survey> {
    let (id, sub, unit, ch, iid, st, k, q, t) = (
        strs(b, "response_id"),
        timestamps(b, "submitted_at"),
        strs(b, "unit"),
        strs(b, "channel"),
        strs(b, "interaction_id"),
        strs(b, "stakeholder"),
        ints(b, "kindness"),
        ints(b, "information_quality"),
        ints(b, "timeliness"),
    );
    (0..id.len())
        .map(|i| Survey {
            id: id[i].clone().unwrap(),
            submitted: sub[i].unwrap(),
            unit: unit[i].clone().unwrap(),
            channel: ch[i].clone(),
            interaction_id: iid[i].clone(),
            stakeholder: st[i].clone(),
            kindness: k[i],
            information_quality: q[i],
            timeliness: t[i],
        })
        .collect()
}

pub fn shopper_from(b: &[RecordBatch]) -> Vec<ShopperItem> {
    let (id, at, unit, ch, item, res) = (
        strs(b, "evaluation_id"),
        timestamps(b, "evaluated_at"),
        strs(b, "unit"),
        strs(b, "channel"),
        strs(b, "item"),
        strs(b, "result"),
    );
    (0..id.len())
        .map(|i| ShopperItem {
            evaluation_id: id[i].clone().unwrap(),
            evaluated: at[i].unwrap(),
            unit: unit[i].clone().unwrap(),
            channel: ch[i].clone().unwrap(),
            item: item[i].clone().unwrap(),
            result: res[i].clone().unwrap(),
        })
        .collect()
}

pub fn local_date(catalog: &Catalog, t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&catalog.time_zone).date_naive()
}

pub fn period_of(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub id: String,
    pub period: String,
    pub local_date: NaiveDate,
    pub sla_seconds: i64,
    pub sla_clock: String,
    pub first_response_seconds: Option<f64>,
    pub first_response_business_minutes: Option<f64>,
    pub within_sla: Option<bool>,
    pub escalation_due_date: Option<NaiveDate>,
    pub escalation_met: Option<bool>,
    pub abandoned: bool,
}

fn micros(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_microseconds().unwrap()
}

fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// DESIGN §6.2 for one interaction, judged at `as_of`.
pub fn fact(catalog: &Catalog, i: &Interaction, as_of: DateTime<Utc>) -> Fact {
    let channel = Channel::parse(&i.channel).unwrap();
    let spec = catalog.channel(channel);
    let cal = BusinessCalendar::new(
        catalog.hours[&spec.hours_profile].clone(),
        catalog.closures.iter().copied(),
    );
    let sla = i64::from(spec.sla_seconds);
    // Within the SLA after `elapsed` (wall µs or business minutes).
    let on_time = |until: DateTime<Utc>| match spec.clock {
        SlaClock::Wall => micros(i.received, until) <= sla * 1_000_000,
        SlaClock::Business => cal.business_minutes(i.received, until) <= sla as f64 / 60.0,
    };
    let first = match i.first_response {
        Some(f) => Some(on_time(f)),
        None if on_time(as_of) => None,
        None => Some(false),
    };
    let escalated = i.escalated_to.is_some()
        || i.escalated_at.is_some()
        || i.answered_at.is_some()
        || i.outcome.as_deref() == Some("escalated");
    let (due, met) = if escalated {
        let n = i
            .escalated_to
            .as_deref()
            .and_then(|u| catalog.unit(u))
            .map_or(3, |u| u.escalation_sla_days)
            .min(15);
        let base = local_date(catalog, i.escalated_at.unwrap_or(i.received));
        let due = cal.nth_business_day_after(base, n);
        let met = match i.answered_at {
            Some(a) => Some(local_date(catalog, a) <= due),
            None if local_date(catalog, as_of) > due => Some(false),
            None => None,
        };
        (Some(due), met)
    } else {
        (None, None)
    };
    let short_abandon = i.channel == "phone"
        && i.outcome.as_deref() == Some("abandoned")
        && i.first_response.is_none()
        && i.resolved.is_some_and(|r| {
            micros(i.received, r) <= i64::from(catalog.scoring.short_abandon_seconds) * 1_000_000
        });
    let within = if i.direction == "outbound" || short_abandon {
        None
    } else {
        and3(first, or3(Some(!escalated), met))
    };
    let d = local_date(catalog, i.received);
    Fact {
        id: i.id.clone(),
        period: period_of(d),
        local_date: d,
        sla_seconds: sla,
        sla_clock: spec.clock.code().to_string(),
        first_response_seconds: i
            .first_response
            .map(|f| micros(i.received, f) as f64 / 1_000_000.0),
        first_response_business_minutes: i
            .first_response
            .map(|f| cal.business_minutes(i.received, f)),
        within_sla: within,
        escalation_due_date: due,
        escalation_met: met,
        abandoned: i.outcome.as_deref() == Some("abandoned"),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Obs {
    pub period: String,
    pub unit: String,
    pub channel: String,
    pub stakeholder: Option<String>,
    pub attribute: &'static str,
    pub source: &'static str,
    pub good: bool,
}

/// DESIGN §6.1.
pub fn observations(
    catalog: &Catalog,
    interactions: &[Interaction],
    facts: &HashMap<String, Fact>,
    surveys: &[Survey],
    shopper: &[ShopperItem],
) -> Vec<Obs> {
    let mut out = Vec::new();
    for i in interactions {
        let f = &facts[&i.id];
        if let Some(good) = f.within_sla {
            out.push(Obs {
                period: f.period.clone(),
                unit: i.unit.clone(),
                channel: i.channel.clone(),
                stakeholder: i.stakeholder.clone(),
                attribute: "timeliness",
                source: "interactions",
                good,
            });
        }
    }
    let by_id: HashMap<&str, &Interaction> =
        interactions.iter().map(|i| (i.id.as_str(), i)).collect();
    for s in surveys {
        let linked = s.interaction_id.as_deref().and_then(|id| by_id.get(id));
        let Some(channel) = s
            .channel
            .clone()
            .or_else(|| linked.map(|i| i.channel.clone()))
        else {
            continue;
        };
        let stakeholder = s
            .stakeholder
            .clone()
            .or_else(|| linked.and_then(|i| i.stakeholder.clone()));
        for (attribute, v) in [
            ("kindness", s.kindness),
            ("information_quality", s.information_quality),
            ("timeliness", s.timeliness),
        ] {
            if let Some(v) = v {
                out.push(Obs {
                    period: period_of(local_date(catalog, s.submitted)),
                    unit: s.unit.clone(),
                    channel: channel.clone(),
                    stakeholder: stakeholder.clone(),
                    attribute,
                    source: "survey",
                    good: v >= 4,
                });
            }
        }
    }
    // evaluation → (period, unit, channel) → attribute → (Σw·pass, Σw, failed critical)
    type Acc = BTreeMap<&'static str, (f64, f64, bool)>;
    let mut evals: BTreeMap<(String, String, String, String), Acc> = BTreeMap::new();
    for r in shopper {
        if r.result == "na" {
            continue;
        }
        let channel = Channel::parse(&r.channel).unwrap();
        let Some(item) = catalog.rubric_item(channel, &r.item) else {
            continue;
        };
        let Some(attribute) = item.attribute else {
            continue;
        };
        let key = (
            r.evaluation_id.clone(),
            period_of(local_date(catalog, r.evaluated)),
            r.unit.clone(),
            r.channel.clone(),
        );
        let acc = evals
            .entry(key)
            .or_default()
            .entry(attribute.code())
            .or_insert((0.0, 0.0, false));
        let pass = r.result == "pass";
        if pass {
            acc.0 += item.weight;
        }
        acc.1 += item.weight;
        acc.2 |= item.critical && !pass;
    }
    for ((_, period, unit, channel), attrs) in evals {
        for (attribute, (wp, w, failed_critical)) in attrs {
            out.push(Obs {
                period: period.clone(),
                unit: unit.clone(),
                channel: channel.clone(),
                stakeholder: None,
                attribute,
                source: "shopper",
                good: wp / w >= catalog.scoring.pass_mark && !failed_critical,
            });
        }
    }
    out
}

/// ln C(n, k) by log-gamma.
fn ln_choose(n: i64, k: i64) -> f64 {
    libm::lgamma(n as f64 + 1.0) - libm::lgamma(k as f64 + 1.0) - libm::lgamma((n - k) as f64 + 1.0)
}

/// P(K = k) for Binomial(n, θ), in log space, every term kept.
fn pmf(n: i64, k: i64, theta: f64) -> f64 {
    if theta <= 0.0 {
        return if k == 0 { 1.0 } else { 0.0 };
    }
    if theta >= 1.0 {
        return if k == n { 1.0 } else { 0.0 };
    }
    (ln_choose(n, k) + k as f64 * theta.ln() + (n - k) as f64 * (1.0 - theta).ln()).exp()
}

/// P_θ(S ≤ x + 1e-9) (`below`) or P_θ(S ≥ x − 1e-9), S = Σ v·k/n, by visiting every joint
/// outcome of all sources (v, n) but the largest and adding the largest's terms one by one.
fn tail(sources: &[(f64, i64)], theta: f64, x: f64, below: bool) -> f64 {
    let mut order: Vec<(f64, i64)> = sources.to_vec();
    order.sort_by_key(|s| s.1);
    let (&(vl, nl), rest) = order.split_last().unwrap();
    let largest: Vec<f64> = (0..=nl).map(|j| pmf(nl, j, theta)).collect();
    let mut total = 0.0;
    let mut counts = vec![0i64; rest.len()];
    loop {
        let mut prob = 1.0;
        let mut sum = 0.0;
        for (i, &(v, n)) in rest.iter().enumerate() {
            prob *= pmf(n, counts[i], theta);
            sum += v * counts[i] as f64 / n as f64;
        }
        for (j, p) in largest.iter().enumerate() {
            let s = sum + vl * j as f64 / nl as f64;
            if (below && s <= x + 1e-9) || (!below && s >= x - 1e-9) {
                total += prob * p;
            }
        }
        // Next joint outcome (odometer).
        let mut i = 0;
        loop {
            if i == rest.len() {
                return total.min(1.0);
            }
            counts[i] += 1;
            if counts[i] <= rest[i].1 {
                break;
            }
            counts[i] = 0;
            i += 1;
        }
    }
}

/// Plain bisection of a monotone predicate on [0, 1]: the boundary θ where `holds` turns
/// from false (at `from`) to true, to 2^-50.
fn bisect(holds: impl Fn(f64) -> bool, from: f64, to: f64) -> f64 {
    let (mut bad, mut ok) = (from, to);
    for _ in 0..50 {
        let mid = 0.5 * (bad + ok);
        if holds(mid) {
            ok = mid;
        } else {
            bad = mid;
        }
    }
    ok
}

/// (score, lower, upper, p_value, se) of DESIGN §6.3 for contributing sources (w, n, k).
pub fn exact_cell(contributing: &[(f64, i64, i64)], target: f64) -> (f64, f64, f64, f64, f64) {
    let wsum: f64 = contributing.iter().map(|c| c.0).sum();
    let sources: Vec<(f64, i64)> = contributing
        .iter()
        .map(|&(w, n, _)| (w / wsum, n))
        .collect();
    let mut s = 0.0;
    let mut var = 0.0;
    for &(w, n, k) in contributing {
        let v = w / wsum;
        let pt = (k as f64 + 2.0) / (n as f64 + 4.0);
        s += v * k as f64 / n as f64;
        var += v * v * pt * (1.0 - pt) / (n as f64 + 4.0);
    }
    let f = |theta: f64| tail(&sources, theta, s, true);
    let g = |theta: f64| tail(&sources, theta, s, false);
    let upper = if f(1.0) > 0.05 {
        1.0
    } else {
        bisect(|t| f(t) <= 0.05, 0.0, 1.0)
    };
    let lower = if g(0.0) > 0.05 {
        0.0
    } else {
        bisect(|t| g(t) <= 0.05, 1.0, 0.0)
    };
    (
        100.0 * s,
        100.0 * lower,
        100.0 * upper,
        f(target / 100.0),
        100.0 * var.sqrt(),
    )
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub score: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub p_value: Option<f64>,
    pub target: f64,
    pub status: String,
    pub n_interactions: i64,
    pub n_surveys: i64,
    pub n_shopper: i64,
    pub n_total: i64,
}

/// (period, unit, channel, stakeholder, attribute)
pub type CellKey = (String, String, String, Option<String>, String);

/// DESIGN §6.3–§6.4 for one cut: `by_stakeholder` false → stakeholder is always None.
pub fn cells(catalog: &Catalog, obs: &[Obs], by_stakeholder: bool) -> BTreeMap<CellKey, Cell> {
    let s = &catalog.scoring;
    // cell → source → (n, k)
    let mut counts: BTreeMap<CellKey, BTreeMap<&'static str, (i64, i64)>> = BTreeMap::new();
    for o in obs {
        if by_stakeholder && o.stakeholder.is_none() {
            continue;
        }
        let key = (
            o.period.clone(),
            o.unit.clone(),
            o.channel.clone(),
            if by_stakeholder {
                o.stakeholder.clone()
            } else {
                None
            },
            o.attribute.to_string(),
        );
        let e = counts
            .entry(key)
            .or_default()
            .entry(o.source)
            .or_insert((0, 0));
        e.0 += 1;
        e.1 += i64::from(o.good);
    }
    let mut out = BTreeMap::new();
    for (key, sources) in counts {
        let attribute = Attribute::parse(&key.4).unwrap();
        let target = catalog.target_for(attribute, &key.1, Channel::parse(&key.2).unwrap());
        let n_of = |src: &str| sources.get(src).map_or(0, |v| v.0);
        let contributing: Vec<(f64, i64, i64)> = sources
            .iter()
            .filter_map(|(src, &(n, k))| {
                let w = s.weights.get(&(attribute, src.to_string()))?;
                (n >= i64::from(s.min_source_n)).then_some((*w, n, k))
            })
            .collect();
        let n_total: i64 = contributing.iter().map(|c| c.1).sum();
        let stats = (!contributing.is_empty()).then(|| exact_cell(&contributing, target));
        let score = stats.map(|s| s.0);
        let lower = stats.map(|s| s.1);
        let upper = stats.map(|s| s.2);
        let p_value = stats.map(|s| s.3);
        let insufficient = contributing.is_empty() || n_total < i64::from(s.min_n);
        out.insert(
            key,
            Cell {
                score,
                lower,
                upper,
                p_value,
                target,
                status: if insufficient {
                    "insufficient_data".into()
                } else {
                    String::new()
                },
                n_interactions: n_of("interactions"),
                n_surveys: n_of("survey"),
                n_shopper: n_of("shopper"),
                n_total,
            },
        );
    }
    // Benjamini–Hochberg per period over the judged cells.
    let mut families: BTreeMap<String, Vec<CellKey>> = BTreeMap::new();
    for (k, c) in &out {
        if c.status.is_empty() {
            families.entry(k.0.clone()).or_default().push(k.clone());
        }
    }
    for (_, mut keys) in families {
        keys.sort_by(|a, b| {
            out[a]
                .p_value
                .unwrap()
                .partial_cmp(&out[b].p_value.unwrap())
                .unwrap()
        });
        let m = keys.len() as f64;
        let mut i_star = 0usize;
        for (i, k) in keys.iter().enumerate() {
            let rank = (i + 1) as f64;
            if out[k].p_value.unwrap() <= rank * s.fdr_q / m {
                i_star = i + 1;
            }
        }
        for (i, k) in keys.iter().enumerate() {
            let c = out.get_mut(k).unwrap();
            let p = c.p_value.unwrap();
            c.status = if i < i_star && p < s.alpha {
                "needs_plan".into()
            } else if c.score.unwrap() < c.target {
                "watch".into()
            } else {
                "ok".into()
            };
        }
    }
    out
}
