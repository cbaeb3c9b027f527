//! Simulated periods for checking that the flags keep their promise (DESIGN §6.3–§6.4):
//! cells with the small counts of real monthly cells, every observation good with a chosen
//! probability, their exact p-values, and Benjamini–Hochberg as `cell_scores.sql` applies it.
//! Used by the calibration test (`tests/scoring/calibration.rs`) and
//! `cargo run --release --example calibration`, which also prints the power.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::exact::{self, SourceCount};

/// The catalog's defaults the simulation applies.
pub const TARGET: f64 = 80.0;
pub const MIN_N: u64 = 30;
pub const MIN_SOURCE_N: u64 = 5;
pub const FDR_Q: f64 = 0.10;
pub const ALPHA: f64 = 0.05;
/// 12 units × 7 channels × 3 attributes, as in the issue that asked for this check.
pub const UNITS: usize = 12;
pub const CHANNELS: usize = 7;
pub const ATTRIBUTES: usize = 3;

/// One cell's sources with the default weights; each observation good with probability
/// `level`. Surveys 10–40 a month, shopper evaluations 5–15 in 60 % of the cells,
/// interactions 20–250 (timeliness only, `attribute == 2`).
pub fn simulated_cell(rng: &mut ChaCha8Rng, attribute: usize, level: f64) -> Vec<SourceCount> {
    let survey_n = rng.gen_range(10..=40);
    let shopper_n = if rng.gen_bool(0.6) {
        rng.gen_range(5..=15)
    } else {
        0
    };
    let interactions_n = rng.gen_range(20..=250);
    let mut draw = |n: u64, weight: f64| SourceCount {
        weight,
        n,
        k: (0..n).filter(|_| rng.gen_bool(level)).count() as u64,
    };
    let mut sources = Vec::new();
    if attribute == 2 {
        sources.push(draw(interactions_n, 0.5));
        sources.push(draw(survey_n, 0.3));
        if shopper_n > 0 {
            sources.push(draw(shopper_n, 0.2));
        }
    } else {
        sources.push(draw(survey_n, 0.6));
        if shopper_n > 0 {
            sources.push(draw(shopper_n, 0.4));
        }
    }
    sources.retain(|s| s.n >= MIN_SOURCE_N);
    sources
}

/// `needs_plan` for each p-value of one period's judged cells: rank ≤ i* of
/// Benjamini–Hochberg at `FDR_Q`, and p < `ALPHA`.
pub fn needs_plan(p_values: &[f64]) -> Vec<bool> {
    let mut order: Vec<usize> = (0..p_values.len()).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let m = p_values.len() as f64;
    let cut = order
        .iter()
        .enumerate()
        .filter(|(i, &c)| p_values[c] <= (*i as f64 + 1.0) * FDR_Q / m)
        .map(|(i, _)| i + 1)
        .max()
        .unwrap_or(0);
    let mut flagged = vec![false; p_values.len()];
    for (i, &c) in order.iter().enumerate() {
        flagged[c] = i < cut && p_values[c] < ALPHA;
    }
    flagged
}

/// One simulated cell of a period.
#[derive(Debug, Clone, Copy)]
pub struct SimulatedCell {
    pub p_value: f64,
    /// Judged (n_total ≥ MIN_N), so part of the period's Benjamini–Hochberg family.
    pub judged: bool,
    /// Simulated below target (its level < TARGET).
    pub truly_below: bool,
    pub needs_plan: bool,
}

/// `periods` simulated periods; `level(unit)` is the true level of every cell of a unit.
pub fn simulate(
    periods: usize,
    seed: u64,
    level: impl Fn(usize) -> f64,
) -> Vec<Vec<SimulatedCell>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..periods)
        .map(|_| {
            let mut cells = Vec::new();
            for unit in 0..UNITS {
                for _channel in 0..CHANNELS {
                    for attribute in 0..ATTRIBUTES {
                        let sources = simulated_cell(&mut rng, attribute, level(unit));
                        let n_total: u64 = sources.iter().map(|s| s.n).sum();
                        let p_value = exact::p_value(&sources, TARGET).expect("a source");
                        cells.push(SimulatedCell {
                            p_value,
                            judged: n_total >= MIN_N,
                            truly_below: level(unit) * 100.0 < TARGET,
                            needs_plan: false,
                        });
                    }
                }
            }
            let judged: Vec<usize> = (0..cells.len()).filter(|&i| cells[i].judged).collect();
            let p: Vec<f64> = judged.iter().map(|&i| cells[i].p_value).collect();
            for (i, flag) in judged.into_iter().zip(needs_plan(&p)) {
                cells[i].needs_plan = flag;
            }
            cells
        })
        .collect()
}

/// Share of the p-values at most `alpha`.
pub fn share_at_most(cells: &[Vec<SimulatedCell>], alpha: f64) -> (usize, usize) {
    let all = cells.iter().flatten();
    let n = all.clone().count();
    (all.filter(|c| c.p_value <= alpha).count(), n)
}

/// Periods with at least one `needs_plan`.
pub fn periods_flagged(cells: &[Vec<SimulatedCell>]) -> usize {
    cells
        .iter()
        .filter(|p| p.iter().any(|c| c.needs_plan))
        .count()
}
