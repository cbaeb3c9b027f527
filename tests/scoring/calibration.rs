//! Calibration of the flags (DESIGN §6.3–§6.4), by simulation (`score::calibration`):
//! cells whose every source is exactly at the target, with the small counts of real
//! monthly cells. The exact p-values must not be too small (P(p ≤ α) ≤ α), and
//! Benjamini–Hochberg over a period of such cells must raise a `needs_plan` in at most q of
//! the periods. The normal approximation the method used before failed both (2.2× too many
//! p < 0.001, 20 % of periods flagged). Seeded: the same figures on every run.
//! `cargo run --release --example calibration` prints them at larger sizes, with the power.

use momentos::score::calibration::{self, FDR_Q, TARGET};

#[test]
fn flags_keep_their_promise_at_the_target() {
    let periods = 160;
    let sim = calibration::simulate(periods, 20_261_203, |_| TARGET / 100.0);
    let (_, n) = calibration::share_at_most(&sim, 1.0);
    eprintln!("calibration: {n} cells at the target in {periods} periods");
    for alpha in [0.05, 0.01, 0.001, 0.0001] {
        let (hits, n) = calibration::share_at_most(&sim, alpha);
        let (hits, n) = (hits as f64, n as f64);
        // Within simulation error: three binomial standard deviations above α·n.
        let allowed = alpha * n + 3.0 * (alpha * (1.0 - alpha) * n).sqrt() + 1.0;
        eprintln!(
            "  P(p ≤ {alpha}) = {:.5} ({hits} of {n}; allowed ≤ {allowed:.1})",
            hits / n
        );
        assert!(hits <= allowed, "P(p ≤ {alpha}) = {} > {alpha}", hits / n);
    }
    let flagged = calibration::periods_flagged(&sim);
    let share = flagged as f64 / periods as f64;
    eprintln!("  periods with any needs_plan: {flagged} of {periods} ({share:.3}; q = {FDR_Q})");
    assert!(
        share <= FDR_Q,
        "{share} of periods raised a needs_plan at the target"
    );
}

/// The flags have power: with three units truly at 65 %, most of their judged cells are
/// found (so the test above cannot pass by never flagging), and few flags are false.
#[test]
fn services_well_below_target_are_flagged() {
    let sim = calibration::simulate(20, 65, |unit| if unit < 3 { 0.65 } else { 0.80 });
    let cells: Vec<_> = sim.iter().flatten().collect();
    let below = cells.iter().filter(|c| c.truly_below && c.judged).count();
    let found = cells
        .iter()
        .filter(|c| c.truly_below && c.needs_plan)
        .count();
    let flags = cells.iter().filter(|c| c.needs_plan).count();
    let false_flags = cells
        .iter()
        .filter(|c| c.needs_plan && !c.truly_below)
        .count();
    eprintln!("power at 65 %: {found} of {below} judged cells flagged; {false_flags} of {flags} flags false");
    assert!(found * 2 > below, "only {found} of {below}");
    assert!((false_flags as f64) <= 0.2 * flags as f64);
}
