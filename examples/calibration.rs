//! Prints how well the flags keep their promise (DESIGN §6.3–§6.4), and what the exact
//! statistics cost, on simulated data (`score::calibration`):
//!
//!   cargo run --release --example calibration              2,000 periods (≈ half a million cells)
//!   cargo run --release --example calibration -- 500       fewer periods
//!
//! 1. Every cell exactly at the target: the share of p-values ≤ α for small α (must be ≤ α)
//!    and the share of periods with any `needs_plan` (must be ≤ q = 0,10).
//! 2. Three of twelve units truly at 65 %: the power (share of their judged cells flagged)
//!    and the share of flags that are false (Benjamini–Hochberg promises ≤ 10 %).
//! 3. The time of the exact statistics (score, p-value and both bounds) for cells of the
//!    size of a 10-million-interaction lake. Nothing here is asserted; the calibration test
//!    in `tests/scoring/calibration.rs` asserts the same figures on a smaller run.

use std::time::Instant;

use momentos::score::calibration::{self, FDR_Q, TARGET};
use momentos::score::exact::{cell_stats, SourceCount};

fn main() {
    let periods: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("a number of periods"))
        .unwrap_or(2000);

    let started = Instant::now();
    let null = calibration::simulate(periods, 1, |_| TARGET / 100.0);
    let (_, n) = calibration::share_at_most(&null, 1.0);
    println!("1. Todas las celdas en la meta: {periods} periodos, {n} celdas");
    for alpha in [0.05, 0.01, 0.001, 0.0005, 0.0001] {
        let (hits, n) = calibration::share_at_most(&null, alpha);
        println!(
            "   P(p ≤ {alpha}) = {:.6} ({hits} de {n}; {:.2} × α)",
            hits as f64 / n as f64,
            hits as f64 / n as f64 / alpha
        );
    }
    let flagged = calibration::periods_flagged(&null);
    println!(
        "   periodos con algún «requiere plan»: {flagged} de {periods} ({:.3}; q = {FDR_Q})",
        flagged as f64 / periods as f64
    );

    let mixed = calibration::simulate(periods, 2, |unit| if unit < 3 { 0.65 } else { 0.80 });
    let cells: Vec<_> = mixed.iter().flatten().collect();
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
    println!("2. Tres unidades al 65 %, nueve en la meta:");
    println!(
        "   potencia: {found} de {below} celdas juzgadas por debajo señaladas ({:.3})",
        found as f64 / below as f64
    );
    println!(
        "   señales falsas: {false_flags} de {flags} ({:.3}; prometido ≤ {FDR_Q})",
        false_flags as f64 / flags.max(1) as f64
    );
    println!("   (simulación: {:.1} s)", started.elapsed().as_secs_f64());

    // 10 months × 12 units × 7 channels: timeliness cells with ~12,000 interactions, ~1,400
    // survey answers and a few shopper evaluations; kindness and information quality with
    // the surveys and shopper evaluations; and the 13 stakeholder cuts of each, smaller.
    let mut cells: Vec<Vec<SourceCount>> = Vec::new();
    for i in 0..840u64 {
        let (ni, ns, nh) = (11_000 + i % 2000, 1_300 + i % 200, 5 + i % 10);
        cells.push(vec![
            SourceCount {
                weight: 0.5,
                n: ni,
                k: ni * 4 / 5 - i % 300,
            },
            SourceCount {
                weight: 0.3,
                n: ns,
                k: ns * 4 / 5 - i % 40,
            },
            SourceCount {
                weight: 0.2,
                n: nh,
                k: nh * 3 / 5,
            },
        ]);
        for _ in 0..2 {
            cells.push(vec![
                SourceCount {
                    weight: 0.6,
                    n: ns,
                    k: ns * 4 / 5 - i % 40,
                },
                SourceCount {
                    weight: 0.4,
                    n: nh,
                    k: nh * 3 / 5,
                },
            ]);
        }
        for s in 0..13 {
            let (ni, ns) = (ni / 13 + s, ns / 13 + s);
            cells.push(vec![
                SourceCount {
                    weight: 0.5,
                    n: ni,
                    k: ni * 4 / 5 - i % 20,
                },
                SourceCount {
                    weight: 0.3,
                    n: ns,
                    k: ns * 4 / 5,
                },
            ]);
            for _ in 0..2 {
                cells.push(vec![SourceCount {
                    weight: 0.6,
                    n: ns,
                    k: ns * 3 / 4,
                }]);
            }
        }
    }
    let started = Instant::now();
    let mut checksum = 0.0;
    for c in &cells {
        let s = cell_stats(c, TARGET).expect("a source");
        checksum += s.p_value + s.lower + s.upper;
    }
    println!(
        "3. Estadísticas exactas de {} celdas del tamaño de 10 millones de interacciones: {:.2} s en un núcleo (control {checksum:.3})",
        cells.len(),
        started.elapsed().as_secs_f64()
    );
}
