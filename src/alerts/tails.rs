//! Exact tail probabilities for the alert tests (DESIGN §6.7): Poisson for counts, binomial
//! (and sums of binomials with different rates) for abandonment. No normal approximation:
//! with hourly counts of a few dozen and alarm levels of 1e-4 the normal tail is off by
//! orders of magnitude. Terms are formed in log space (lgamma) and summed directly, never
//! as `1 − CDF` where that would lose the small tail.

/// ln Γ(x) for x > 0.
fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// P(X = k) for X ~ Poisson(λ).
pub fn poisson_pmf(k: u64, lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return if k == 0 { 1.0 } else { 0.0 };
    }
    let k = k as f64;
    (k * lambda.ln() - lambda - ln_gamma(k + 1.0)).exp()
}

/// P(X ≤ x) for X ~ Poisson(λ): the chance of seeing so few when λ is usual.
pub fn poisson_lower(x: u64, lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return 1.0;
    }
    if (x as f64) >= lambda {
        // The lower tail is the bulk: 1 − the (accurate) upper tail.
        return (1.0 - poisson_upper(x + 1, lambda)).clamp(0.0, 1.0);
    }
    // Terms grow with k up to x < λ: sum them all.
    (0..=x)
        .map(|k| poisson_pmf(k, lambda))
        .sum::<f64>()
        .min(1.0)
}

/// P(X ≥ x) for X ~ Poisson(λ): the chance of seeing so many when λ is usual.
pub fn poisson_upper(x: u64, lambda: f64) -> f64 {
    if x == 0 {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    if (x as f64) <= lambda {
        return (1.0 - poisson_lower(x - 1, lambda)).clamp(0.0, 1.0);
    }
    // Terms fall from k = x on (x > λ); stop when they no longer change the sum.
    let mut sum = 0.0;
    let mut k = x;
    loop {
        let t = poisson_pmf(k, lambda);
        sum += t;
        if t <= sum * 1e-17 || t == 0.0 {
            break;
        }
        k += 1;
    }
    sum.min(1.0)
}

/// P(K = k) for K ~ Binomial(n, p).
pub fn binomial_pmf(k: u64, n: u64, p: f64) -> f64 {
    if k > n {
        return 0.0;
    }
    if p <= 0.0 {
        return if k == 0 { 1.0 } else { 0.0 };
    }
    if p >= 1.0 {
        return if k == n { 1.0 } else { 0.0 };
    }
    let (kf, nf) = (k as f64, n as f64);
    let ln_choose = ln_gamma(nf + 1.0) - ln_gamma(kf + 1.0) - ln_gamma(nf - kf + 1.0);
    (ln_choose + kf * p.ln() + (nf - kf) * (1.0 - p).ln()).exp()
}

/// P(K ≥ k) for K ~ Binomial(n, p), summed term by term.
pub fn binomial_upper(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    (k..=n).map(|j| binomial_pmf(j, n, p)).sum::<f64>().min(1.0)
}

/// P(ΣK_i ≥ k) for independent K_i ~ Binomial(n_i, p_i): the exact distribution of the
/// sum by convolution (the n_i of an alert's hours are a few hundred at most).
pub fn binomial_sum_upper(k: u64, parts: &[(u64, f64)]) -> f64 {
    if k == 0 {
        return 1.0;
    }
    let mut dist = vec![1.0f64];
    for &(n, p) in parts {
        let pmf: Vec<f64> = (0..=n).map(|j| binomial_pmf(j, n, p)).collect();
        let mut next = vec![0.0; dist.len() + pmf.len() - 1];
        for (a, da) in dist.iter().enumerate() {
            if *da == 0.0 {
                continue;
            }
            for (b, pb) in pmf.iter().enumerate() {
                next[a + b] += da * pb;
            }
        }
        dist = next;
    }
    dist.iter().skip(k as usize).sum::<f64>().min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn poisson_tails_match_hand_values() {
        // P(X ≤ 0 | 41) = e^−41.
        assert!(close(poisson_lower(0, 41.0), (-41.0f64).exp(), 1e-12));
        // P(X ≤ 2 | 3) = e^−3 (1 + 3 + 4.5).
        assert!(close(poisson_lower(2, 3.0), (-3.0f64).exp() * 8.5, 1e-12));
        // P(X ≥ 5 | 1) = 1 − e^−1 (1 + 1 + 1/2 + 1/6 + 1/24).
        let want = 1.0 - (-1.0f64).exp() * (1.0 + 1.0 + 0.5 + 1.0 / 6.0 + 1.0 / 24.0);
        assert!(close(poisson_upper(5, 1.0), want, 1e-9));
        assert_eq!(poisson_upper(0, 2.0), 1.0);
        assert_eq!(poisson_lower(3, 0.0), 1.0);
        assert_eq!(poisson_upper(1, 0.0), 0.0);
    }

    #[test]
    fn poisson_tails_are_complementary_and_sum_to_one() {
        for &lambda in &[0.3, 2.0, 7.5, 41.0, 250.0] {
            let total: f64 = (0..2000).map(|k| poisson_pmf(k, lambda)).sum();
            assert!(close(total, 1.0, 1e-10), "λ={lambda}");
            for x in [0u64, 1, 5, 30, 60, 300] {
                let s = poisson_lower(x, lambda) + poisson_upper(x + 1, lambda);
                assert!(close(s, 1.0, 1e-9), "λ={lambda} x={x}: {s}");
            }
        }
        // A far upper tail stays accurate (no 1 − 1 cancellation).
        let far = poisson_upper(40, 4.0);
        let direct: f64 = (40..200).map(|k| poisson_pmf(k, 4.0)).sum();
        assert!(far > 0.0 && close(far, direct, 1e-12), "{far} vs {direct}");
    }

    #[test]
    fn binomial_tails_match_hand_values() {
        // P(K ≥ 2 | n = 3, p = 0.5) = 4/8.
        assert!(close(binomial_upper(2, 3, 0.5), 0.5, 1e-12));
        // P(K ≥ 10 | n = 10, p = 0.1) = 1e-10.
        assert!(close(binomial_upper(10, 10, 0.1), 1e-10, 1e-9));
        assert_eq!(binomial_upper(0, 5, 0.2), 1.0);
        assert_eq!(binomial_upper(6, 5, 0.2), 0.0);
        let total: f64 = (0..=40).map(|k| binomial_pmf(k, 40, 0.07)).sum();
        assert!(close(total, 1.0, 1e-12));
    }

    #[test]
    fn a_sum_of_binomials_with_one_rate_is_a_binomial() {
        let parts = [(12, 0.1), (30, 0.1), (7, 0.1)];
        for k in [0u64, 3, 10, 25, 49] {
            let a = binomial_sum_upper(k, &parts);
            let b = binomial_upper(k, 49, 0.1);
            assert!(close(a, b, 1e-9), "k={k}: {a} vs {b}");
        }
        // Two coins with different rates, by hand: P(sum ≥ 2) = 0.2·0.5.
        assert!(close(
            binomial_sum_upper(2, &[(1, 0.2), (1, 0.5)]),
            0.1,
            1e-12
        ));
    }
}
