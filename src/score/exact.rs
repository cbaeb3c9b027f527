//! The exact cell statistics of DESIGN §6.3: score, p-value and the 90 % interval of one
//! cell from its sources' counts.
//!
//! A cell's statistic is S = Σ v_s·k_s/n_s over its contributing sources (v_s = w_s / Σ w).
//! Under the null model at level θ the k_s are independent Binomial(n_s, θ), and
//!
//! - F_θ(x) = P_θ(S ≤ x + 1e-9), G_θ(x) = P_θ(S ≥ x − 1e-9) (the slack absorbs rounding
//!   in S, so the observed outcome itself is always counted);
//! - p_value = F_t(S) at the target level t;
//! - upper = min{θ : F_θ(S) ≤ 0.05}, lower = max{θ : G_θ(S) ≤ 0.05}: each a one-sided 95 %
//!   bound, together a 90 % interval (Clopper–Pearson for one source).
//!
//! F and G are computed exactly: every joint outcome of the smaller sources is enumerated
//! and the largest source contributes its exact binomial CDF, so a cell costs the product
//! of its smaller sources' ranges plus the largest one's range per evaluation. Only the
//! binomial terms below 1e-17 of a source's most likely term are dropped (DESIGN allows
//! 1e-15). No normal approximation anywhere: with the small, skewed counts of monthly
//! cells it raised twice the false alarms it promised.
//!
//! Everything here is a function of a few thousand aggregated cells, not of the rows;
//! [`super::cell_statistics`] feeds it from SQL. The arithmetic runs in a fixed order, so
//! the same counts give the same bits on every run.

/// One-sided level of each bound; `p_value < LEVEL` ⇔ `upper < target`.
pub const LEVEL: f64 = 0.05;

/// The slack of F and G (DESIGN §6.3).
const SLACK: f64 = 1e-9;

/// Width of the final bracket around a bound, in θ (DESIGN asks for 1e-9; a thousand times
/// finer costs a few evaluations and keeps the bounds independent of how they were found).
const THETA_TOLERANCE: f64 = 1e-12;

/// Binomial terms below this fraction of the most likely one are dropped (≤ 1e-17 of
/// probability each, far under DESIGN's 1e-15).
const RELATIVE_DROP: f64 = 1e-17;

/// One contributing source of a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceCount {
    /// The source's weight for the attribute (any positive scale; normalised here).
    pub weight: f64,
    /// Observations.
    pub n: u64,
    /// Good observations (≤ n).
    pub k: u64,
}

/// The statistics of one cell, on the 0–100 scale (p-value on 0–1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellStats {
    pub score: f64,
    /// Informational standard error (DESIGN §6.3), not used for flagging.
    pub se: f64,
    pub lower: f64,
    pub upper: f64,
    pub p_value: f64,
}

/// The statistics of a cell with the given contributing sources (in a fixed order: the
/// order of the sum S) and target (0–100). `None` when no source has a positive weight
/// and at least one observation.
pub fn cell_stats(sources: &[SourceCount], target: f64) -> Option<CellStats> {
    let cell = Cell::new(sources)?;
    let s = cell.statistic();
    Some(CellStats {
        score: 100.0 * s,
        se: 100.0 * cell.standard_error(),
        lower: 100.0 * cell.lower_bound(s),
        upper: 100.0 * cell.upper_bound(s),
        p_value: cell.lower_tail((target / 100.0).clamp(0.0, 1.0), s),
    })
}

/// Just the p-value F_t(S) of a cell (one tail evaluation; the bounds cost a few dozen).
pub fn p_value(sources: &[SourceCount], target: f64) -> Option<f64> {
    let cell = Cell::new(sources)?;
    Some(cell.lower_tail((target / 100.0).clamp(0.0, 1.0), cell.statistic()))
}

/// A source with its normalised weight v.
#[derive(Debug, Clone, Copy)]
struct Part {
    v: f64,
    n: u64,
    k: u64,
}

/// A cell's sources: `parts` in the caller's order (for S), `by_size` with the largest last
/// (for the tails).
struct Cell {
    parts: Vec<Part>,
    by_size: Vec<Part>,
}

impl Cell {
    fn new(sources: &[SourceCount]) -> Option<Cell> {
        let used: Vec<&SourceCount> = sources
            .iter()
            .filter(|s| s.weight > 0.0 && s.n > 0)
            .collect();
        let total: f64 = used.iter().map(|s| s.weight).sum();
        if used.is_empty() || !(total > 0.0) {
            return None;
        }
        let parts: Vec<Part> = used
            .iter()
            .map(|s| Part {
                v: s.weight / total,
                n: s.n,
                k: s.k.min(s.n),
            })
            .collect();
        let mut by_size = parts.clone();
        // Stable: equal sizes keep the caller's order, so the sums run in one order.
        by_size.sort_by_key(|p| p.n);
        Some(Cell { parts, by_size })
    }

    /// S = Σ v_s·k_s/n_s.
    fn statistic(&self) -> f64 {
        self.parts
            .iter()
            .map(|p| p.v * p.k as f64 / p.n as f64)
            .sum()
    }

    /// √(Σ v_s² p̃_s(1 − p̃_s)/(n_s + 4)), p̃_s = (k_s + 2)/(n_s + 4).
    fn standard_error(&self) -> f64 {
        self.parts
            .iter()
            .map(|p| {
                let n4 = p.n as f64 + 4.0;
                let pt = (p.k as f64 + 2.0) / n4;
                p.v * p.v * pt * (1.0 - pt) / n4
            })
            .sum::<f64>()
            .sqrt()
    }

    /// F_θ(x) = P_θ(S ≤ x + slack).
    fn lower_tail(&self, theta: f64, x: f64) -> f64 {
        self.tail(
            theta,
            |largest, rest| {
                // v_L·k_L/n_L ≤ x + slack − rest ⇔ k_L ≤ (x + slack − rest)·n_L/v_L
                let room = x + SLACK - rest;
                if room < 0.0 {
                    return 0.0;
                }
                largest.at_most(floor(room * largest.n as f64 / largest.v))
            },
            Side::AtMost,
        )
    }

    /// G_θ(x) = P_θ(S ≥ x − slack).
    fn upper_tail(&self, theta: f64, x: f64) -> f64 {
        self.tail(
            theta,
            |largest, rest| {
                let room = x - SLACK - rest;
                largest.at_least(ceil(room * largest.n as f64 / largest.v))
            },
            Side::AtLeast,
        )
    }

    /// Σ over the joint outcomes of every source but the largest of their probability times
    /// `largest_part(largest, their Σ v·k/n)`; `side` is the tail `largest_part` reads.
    fn tail(
        &self,
        theta: f64,
        largest_part: impl Fn(&LargestSource, f64) -> f64,
        side: Side,
    ) -> f64 {
        let (last, smaller) = self.by_size.split_last().expect("a cell has a source");
        let largest = LargestSource::new(*last, theta, side);
        let smaller: Vec<(Part, Terms)> = smaller
            .iter()
            .map(|p| (*p, Terms::binomial(p.n, theta)))
            .collect();
        let mut total = 0.0;
        joint_outcomes(&smaller, 1.0, 0.0, &mut |prob, rest| {
            total += prob * largest_part(&largest, rest);
        });
        total.clamp(0.0, 1.0)
    }

    /// 100·upper's θ: the smallest θ with F_θ(S) ≤ LEVEL, 1 when none.
    fn upper_bound(&self, s: f64) -> f64 {
        let f = |theta: f64| self.lower_tail(theta, s) - LEVEL;
        let at_one = f(1.0);
        if at_one > 0.0 {
            return 1.0;
        }
        // F_0(S) = 1: every source is at 0, and 0 ≤ S. The bracket starts narrower, from
        // the estimate and where a normal approximation would put the bound: only where
        // to start looking, never the answer.
        let guesses = [s, s + 1.6449 * self.standard_error()];
        let (bad, f_bad, ok, f_ok) = narrowed(&f, (0.0, f(0.0)), (1.0, at_one), guesses);
        boundary(f, bad, f_bad, ok, f_ok).1
    }

    /// The largest θ with G_θ(S) ≤ LEVEL, 0 when none.
    fn lower_bound(&self, s: f64) -> f64 {
        let g = |theta: f64| self.upper_tail(theta, s) - LEVEL;
        let at_zero = g(0.0);
        if at_zero > 0.0 {
            return 0.0;
        }
        let guesses = [s, s - 1.6449 * self.standard_error()];
        let (bad, g_bad, ok, g_ok) = narrowed(&g, (1.0, g(1.0)), (0.0, at_zero), guesses);
        boundary(g, bad, g_bad, ok, g_ok).1
    }
}

/// The bracket (bad, f(bad), ok, f(ok)) after trying each guess that lies inside it.
fn narrowed(
    f: &impl Fn(f64) -> f64,
    (mut bad, mut f_bad): (f64, f64),
    (mut ok, mut f_ok): (f64, f64),
    guesses: [f64; 2],
) -> (f64, f64, f64, f64) {
    for x in guesses {
        if x > bad.min(ok) && x < bad.max(ok) {
            let fx = f(x);
            if fx > 0.0 {
                (bad, f_bad) = (x, fx);
            } else {
                (ok, f_ok) = (x, fx);
            }
        }
    }
    (bad, f_bad, ok, f_ok)
}

/// Visits every joint outcome of `sources` with its probability and Σ v·k/n.
fn joint_outcomes(
    sources: &[(Part, Terms)],
    prob: f64,
    sum: f64,
    visit: &mut impl FnMut(f64, f64),
) {
    let Some(((part, terms), rest)) = sources.split_first() else {
        visit(prob, sum);
        return;
    };
    for (i, p) in terms.probabilities.iter().enumerate() {
        let k = terms.first + i as u64;
        joint_outcomes(
            rest,
            prob * p,
            sum + part.v * k as f64 / part.n as f64,
            visit,
        );
    }
}

/// The non-negligible terms of a Binomial(n, θ): P(K = first + i) = probabilities[i].
struct Terms {
    first: u64,
    probabilities: Vec<f64>,
}

impl Terms {
    /// Built from the mode outwards by the ratio of neighbouring terms and normalised at the
    /// end: nothing under- or overflows (which is what log space is for elsewhere), and no
    /// rounding of a log-gamma enters the result. The ratio recurrence loses about one ulp
    /// per step, 1e-13 relative after the few hundred steps of the largest cells.
    fn binomial(n: u64, theta: f64) -> Terms {
        if theta <= 0.0 {
            return Terms {
                first: 0,
                probabilities: vec![1.0],
            };
        }
        if theta >= 1.0 {
            return Terms {
                first: n,
                probabilities: vec![1.0],
            };
        }
        let odds = theta / (1.0 - theta);
        let mode = (((n as f64 + 1.0) * theta).floor() as u64).min(n);
        // One vector, sized for ~9 standard deviations a side (where terms fall under
        // RELATIVE_DROP): these are built a few dozen times per cell, and growing them was a
        // fifth of the statistics' time.
        let side = 10.0 * (n as f64 * theta * (1.0 - theta)).sqrt() + 16.0;
        let mut probabilities = Vec::with_capacity((2.0 * side).min(n as f64 + 1.0) as usize);
        let (mut term, mut k) = (1.0f64, mode);
        while k > 0 {
            // P(k − 1) / P(k) = k / ((n − k + 1)·odds)
            term *= k as f64 / ((n - k + 1) as f64 * odds);
            if term < RELATIVE_DROP {
                break;
            }
            probabilities.push(term);
            k -= 1;
        }
        let first = mode - probabilities.len() as u64;
        probabilities.reverse();
        probabilities.push(1.0);
        let (mut term, mut k) = (1.0f64, mode);
        while k < n {
            // P(k + 1) / P(k) = (n − k)·odds / (k + 1)
            term *= (n - k) as f64 * odds / (k + 1) as f64;
            if term < RELATIVE_DROP {
                break;
            }
            probabilities.push(term);
            k += 1;
        }
        // Smallest first on each side of the mode, for an accurate sum.
        let peak = (mode - first) as usize;
        let left: f64 = probabilities[..peak].iter().sum();
        let right: f64 = probabilities[peak..].iter().rev().sum();
        let total = left + right;
        for p in &mut probabilities {
            *p /= total;
        }
        Terms {
            first,
            probabilities,
        }
    }
}

/// Which tail of the largest source a tail of the cell reads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Side {
    AtMost,
    AtLeast,
}

/// The largest source of a cell at one θ, with its CDF or its survival function.
struct LargestSource {
    v: f64,
    n: u64,
    first: u64,
    side: Side,
    /// AtMost: cumulative[i] = P(K ≤ first + i), summed from the left (accurate in the
    /// lower tail). AtLeast: cumulative[i] = P(K ≥ first + i), summed from the right
    /// (accurate in the upper tail). Only the side asked for is summed: a tail reads one.
    cumulative: Vec<f64>,
}

impl LargestSource {
    fn new(part: Part, theta: f64, side: Side) -> LargestSource {
        let terms = Terms::binomial(part.n, theta);
        let mut cumulative = terms.probabilities;
        let mut sum = 0.0;
        match side {
            Side::AtMost => {
                for p in cumulative.iter_mut() {
                    sum += *p;
                    *p = sum;
                }
            }
            Side::AtLeast => {
                for p in cumulative.iter_mut().rev() {
                    sum += *p;
                    *p = sum;
                }
            }
        }
        LargestSource {
            v: part.v,
            n: part.n,
            first: terms.first,
            side,
            cumulative,
        }
    }

    /// P(K ≤ m), m an integer-valued float.
    fn at_most(&self, m: f64) -> f64 {
        debug_assert_eq!(self.side, Side::AtMost);
        if m < self.first as f64 {
            return 0.0;
        }
        let i = (m - self.first as f64) as usize;
        self.cumulative
            .get(i)
            .copied()
            .unwrap_or_else(|| *self.cumulative.last().expect("a term"))
    }

    /// P(K ≥ m), m an integer-valued float.
    fn at_least(&self, m: f64) -> f64 {
        debug_assert_eq!(self.side, Side::AtLeast);
        if m <= self.first as f64 {
            return self.cumulative[0];
        }
        let i = (m - self.first as f64) as usize;
        self.cumulative.get(i).copied().unwrap_or(0.0)
    }
}

/// Below 2⁵² in magnitude an f64 may have a fraction; from there on every one is an integer.
const FRACTIONS_END: f64 = 4_503_599_627_370_496.0;

/// `x.floor()`, inlined: x86-64's baseline instruction set has no rounding instruction,
/// so the standard one is a library call, made once per joint outcome of a cell's smaller
/// sources. The same value for every x (a zero's sign aside, which no caller reads).
#[inline]
fn floor(x: f64) -> f64 {
    if x.abs() < FRACTIONS_END {
        // Truncation toward zero is exact here.
        let t = x as i64 as f64;
        if t > x {
            t - 1.0
        } else {
            t
        }
    } else {
        x.floor()
    }
}

/// `x.ceil()`, inlined, as [`floor`].
#[inline]
fn ceil(x: f64) -> f64 {
    if x.abs() < FRACTIONS_END {
        let t = x as i64 as f64;
        if t < x {
            t + 1.0
        } else {
            t
        }
    } else {
        x.ceil()
    }
}

/// Narrows the boundary between `bad` (f > 0) and `ok` (f ≤ 0), two points of a continuous
/// monotone f, to THETA_TOLERANCE; returns (bad, ok). Regula falsi with the Illinois
/// correction (the endpoint kept twice in a row has its value halved, so the next step
/// lands beyond the root) converges fast on these smooth tails; steps stay a quarter of the
/// tolerance inside the bracket, so a step next to the root closes it; and a bisection
/// whenever four steps in a row failed to halve the bracket bounds the worst case.
fn boundary(
    f: impl Fn(f64) -> f64,
    mut bad: f64,
    mut f_bad: f64,
    mut ok: f64,
    mut f_ok: f64,
) -> (f64, f64) {
    let mut last_moved_bad: Option<bool> = None;
    let mut slow_steps = 0;
    for _ in 0..400 {
        let width = (ok - bad).abs();
        if width <= THETA_TOLERANCE {
            break;
        }
        let (lo, hi) = (bad.min(ok), bad.max(ok));
        let margin = THETA_TOLERANCE * 0.25;
        let secant = (bad * f_ok - ok * f_bad) / (f_ok - f_bad);
        let x = if slow_steps >= 4 || !secant.is_finite() {
            slow_steps = 0;
            0.5 * (lo + hi)
        } else {
            secant.clamp(lo + margin, hi - margin)
        };
        let fx = f(x);
        if fx > 0.0 {
            bad = x;
            f_bad = fx;
            if last_moved_bad == Some(true) {
                f_ok *= 0.5;
            }
            last_moved_bad = Some(true);
        } else {
            ok = x;
            f_ok = fx;
            if last_moved_bad == Some(false) {
                f_bad *= 0.5;
            }
            last_moved_bad = Some(false);
        }
        if (ok - bad).abs() > 0.5 * width {
            slow_steps += 1;
        } else {
            slow_steps = 0;
        }
    }
    (bad, ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(n: u64, k: u64) -> Vec<SourceCount> {
        vec![SourceCount { weight: 1.0, n, k }]
    }

    /// P(K ≤ k) for Binomial(n, θ) by summing every term in log space (the textbook way).
    fn binomial_cdf(n: u64, k: u64, theta: f64) -> f64 {
        let ln_choose = |n: u64, k: u64| {
            libm::lgamma(n as f64 + 1.0)
                - libm::lgamma(k as f64 + 1.0)
                - libm::lgamma((n - k) as f64 + 1.0)
        };
        (0..=k)
            .map(|i| {
                (ln_choose(n, i) + i as f64 * theta.ln() + (n - i) as f64 * (1.0 - theta).ln())
                    .exp()
            })
            .sum()
    }

    #[test]
    fn inlined_rounding_equals_the_standard_one() {
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.0,
            -1.0,
            2.999_999_999_999_999_6,
            -2.999_999_999_999_999_6,
            1e-300,
            -1e-300,
            FRACTIONS_END - 0.5,
            -(FRACTIONS_END - 0.5),
            FRACTIONS_END,
            1e300,
            -1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        // A spread of magnitudes and fractions, from a fixed sequence.
        let mut x = 0.618_033_988_749_894_9_f64;
        for i in 0..20_000 {
            x = (x * 9_301.0 + 0.492_113).fract();
            let scale = 10f64.powi(i % 19 - 3);
            values.push((x - 0.5) * scale);
        }
        for v in values {
            // `==` on purpose: a zero's sign may differ, nothing else.
            assert!(
                floor(v) == v.floor(),
                "floor {v}: {} {}",
                floor(v),
                v.floor()
            );
            assert!(ceil(v) == v.ceil(), "ceil {v}: {} {}", ceil(v), v.ceil());
        }
        assert!(floor(f64::NAN).is_nan() && ceil(f64::NAN).is_nan());
        // Each side of the largest source is the same sums as both built together.
        let terms = Terms::binomial(300, 0.37);
        let lower = LargestSource::new(
            Part {
                v: 1.0,
                n: 300,
                k: 0,
            },
            0.37,
            Side::AtMost,
        );
        let upper = LargestSource::new(
            Part {
                v: 1.0,
                n: 300,
                k: 0,
            },
            0.37,
            Side::AtLeast,
        );
        let (mut left, mut right) = (0.0, 0.0);
        for (i, p) in terms.probabilities.iter().enumerate() {
            left += p;
            assert_eq!(lower.cumulative[i].to_bits(), f64::to_bits(left));
        }
        for (i, p) in terms.probabilities.iter().enumerate().rev() {
            right += p;
            assert_eq!(upper.cumulative[i].to_bits(), f64::to_bits(right));
        }
    }

    #[test]
    fn binomial_terms_sum_to_one_and_match_log_space() {
        for &(n, theta) in &[
            (1u64, 0.3),
            (5, 0.8),
            (40, 0.8),
            (1000, 0.05),
            (12_000, 0.8),
            (3, 0.999_999),
        ] {
            let t = Terms::binomial(n, theta);
            let total: f64 = t.probabilities.iter().sum();
            assert!((total - 1.0).abs() < 1e-14, "n {n} θ {theta}: {total}");
            if n <= 1000 {
                let largest = LargestSource::new(Part { v: 1.0, n, k: 0 }, theta, Side::AtMost);
                for k in (0..=n).step_by((n as usize / 17).max(1)) {
                    let want = binomial_cdf(n, k, theta);
                    let got = largest.at_most(k as f64);
                    // lgamma's rounding at ~1e4 limits the log-space sum to ~1e-12.
                    assert!(
                        (got - want).abs() < 1e-11,
                        "n {n} k {k} θ {theta}: {got} vs {want}"
                    );
                }
            }
        }
        // To 40 digits (mpmath): P(K ≤ 58) for Binomial(1000, 0.05) = 0.88943847823918743318…
        let largest = LargestSource::new(
            Part {
                v: 1.0,
                n: 1000,
                k: 0,
            },
            0.05,
            Side::AtMost,
        );
        assert!((largest.at_most(58.0) - 0.889_438_478_239_187_433_2).abs() < 1e-15);
    }

    /// One source: the p-value is the binomial CDF at the target, the bounds are the
    /// Clopper–Pearson bounds (values from SciPy 1.x: `beta.ppf(0.05, k, n − k + 1)`,
    /// `beta.ppf(0.95, k + 1, n − k)` and `binom.cdf(k, n, 0.8)`).
    #[test]
    fn one_source_is_clopper_pearson() {
        let s = cell_stats(&one(10, 7), 80.0).unwrap();
        assert!((s.score - 70.0).abs() < 1e-12);
        assert!((s.lower - 39.337_578_389_458_766).abs() < 1e-8, "{s:?}");
        assert!((s.upper - 91.273_556_608_584_96).abs() < 1e-8, "{s:?}");
        assert!((s.p_value - 0.322_200_473_6).abs() < 1e-12, "{s:?}");
        let s = cell_stats(&one(12, 0), 80.0).unwrap();
        assert_eq!(s.lower, 0.0);
        assert!((s.upper - 22.092_219_194_555_585).abs() < 1e-8, "{s:?}");
        assert!((s.p_value - 4.096e-9).abs() < 1e-20, "{s:?}");
        let s = cell_stats(&one(30, 30), 80.0).unwrap();
        assert_eq!(s.upper, 100.0);
        assert!((s.lower - 90.496_614_714_469_58).abs() < 1e-8, "{s:?}");
        assert_eq!(s.p_value, 1.0);
    }

    /// The bounds solve their equations: F at upper is LEVEL, and just below it is more.
    #[test]
    fn bounds_solve_their_equations() {
        let sources = vec![
            SourceCount {
                weight: 0.5,
                n: 37,
                k: 25,
            },
            SourceCount {
                weight: 0.3,
                n: 22,
                k: 19,
            },
            SourceCount {
                weight: 0.2,
                n: 8,
                k: 5,
            },
        ];
        let cell = Cell::new(&sources).unwrap();
        let s = cell.statistic();
        let st = cell_stats(&sources, 80.0).unwrap();
        let (u, l) = (st.upper / 100.0, st.lower / 100.0);
        assert!(cell.lower_tail(u, s) <= LEVEL && cell.lower_tail(u - 1e-9, s) > LEVEL);
        assert!(cell.upper_tail(l, s) <= LEVEL && cell.upper_tail(l + 1e-9, s) > LEVEL);
        assert!(l < s && s < u);
        // p < LEVEL ⇔ upper < target, on both sides of the target.
        for target in [60.0, 70.0, 75.0, 80.0, 85.0, 90.0, 95.0] {
            let st = cell_stats(&sources, target).unwrap();
            assert_eq!(
                st.p_value < LEVEL,
                st.upper < target,
                "target {target}: {st:?}"
            );
        }
    }

    /// The exact tail against a brute force over every joint outcome.
    #[test]
    fn tails_equal_brute_force() {
        let sources = vec![
            SourceCount {
                weight: 0.5,
                n: 9,
                k: 6,
            },
            SourceCount {
                weight: 0.3,
                n: 6,
                k: 5,
            },
            SourceCount {
                weight: 0.2,
                n: 5,
                k: 2,
            },
        ];
        let cell = Cell::new(&sources).unwrap();
        let s = cell.statistic();
        for theta in [0.1, 0.5, 0.8, 0.95] {
            let pmf = |n: u64, k: u64| {
                binomial_cdf(n, k, theta)
                    - if k == 0 {
                        0.0
                    } else {
                        binomial_cdf(n, k - 1, theta)
                    }
            };
            let (mut le, mut ge) = (0.0, 0.0);
            for a in 0..=9u64 {
                for b in 0..=6u64 {
                    for c in 0..=5u64 {
                        let v = 0.5 * a as f64 / 9.0 + 0.3 * b as f64 / 6.0 + 0.2 * c as f64 / 5.0;
                        let p = pmf(9, a) * pmf(6, b) * pmf(5, c);
                        if v <= s + 1e-9 {
                            le += p;
                        }
                        if v >= s - 1e-9 {
                            ge += p;
                        }
                    }
                }
            }
            assert!((cell.lower_tail(theta, s) - le).abs() < 1e-13, "θ {theta}");
            assert!((cell.upper_tail(theta, s) - ge).abs() < 1e-13, "θ {theta}");
        }
    }

    #[test]
    fn score_and_se_follow_the_weights() {
        let sources = vec![
            SourceCount {
                weight: 0.6,
                n: 20,
                k: 14,
            },
            SourceCount {
                weight: 0.4,
                n: 10,
                k: 9,
            },
        ];
        let st = cell_stats(&sources, 80.0).unwrap();
        assert!((st.score - 100.0 * (0.6 * 0.7 + 0.4 * 0.9)).abs() < 1e-12);
        let var: f64 =
            0.36 * (16.0 / 24.0) * (8.0 / 24.0) / 24.0 + 0.16 * (11.0 / 14.0) * (3.0 / 14.0) / 14.0;
        assert!((st.se - 100.0 * var.sqrt()).abs() < 1e-12);
        // Weights on another scale give the same cell.
        let scaled: Vec<SourceCount> = sources
            .iter()
            .map(|s| SourceCount {
                weight: s.weight * 5.0,
                ..*s
            })
            .collect();
        assert_eq!(cell_stats(&scaled, 80.0).unwrap().p_value, st.p_value);
    }

    #[test]
    fn no_usable_source_is_none() {
        assert!(cell_stats(&[], 80.0).is_none());
        assert!(cell_stats(
            &[SourceCount {
                weight: 0.0,
                n: 10,
                k: 3
            }],
            80.0
        )
        .is_none());
        assert!(cell_stats(
            &[SourceCount {
                weight: 1.0,
                n: 0,
                k: 0
            }],
            80.0
        )
        .is_none());
    }

    #[test]
    fn large_cells_stay_finite_and_ordered() {
        let sources = vec![
            SourceCount {
                weight: 0.5,
                n: 12_000,
                k: 9_400,
            },
            SourceCount {
                weight: 0.3,
                n: 1_400,
                k: 1_150,
            },
            SourceCount {
                weight: 0.2,
                n: 7,
                k: 5,
            },
        ];
        let st = cell_stats(&sources, 80.0).unwrap();
        assert!(st.lower < st.score && st.score < st.upper, "{st:?}");
        assert!(st.p_value > 0.0 && st.p_value < 1.0, "{st:?}");
    }
}
