//! The Rust functions the scoring SQL needs, all registered here and nowhere else.
//!
//! Everything else in `queries/` is plain SQL over reference tables, so that the same files
//! run on a Ballista cluster; a UDF has to be registered on every scheduler and executor
//! there, so the list stays as short as it can be:
//!
//! | SQL name | meaning | why Rust |
//! |---|---|---|
//! | `normal_cdf(z double) -> double` | Φ(z), the standard normal CDF (p-values, DESIGN §6.3) | DataFusion has no `erf`/`erfc` |

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::cast::as_float64_array;
use datafusion::error::Result;
use datafusion::logical_expr::{create_udf, ColumnarValue, ScalarUDF, Volatility};
use datafusion::prelude::SessionContext;
use datafusion::scalar::ScalarValue;

/// SQL name of Φ.
pub const NORMAL_CDF: &str = "normal_cdf";

/// Φ(z) = P(Z ≤ z) for a standard normal Z, as ½·erfc(−z/√2).
///
/// `erfc` is the FreeBSD msun algorithm (via the `libm` crate): rational approximations on
/// five intervals, error below one ulp of the result. Going through `erfc` rather than
/// `1 + erf` keeps full relative precision in the lower tail, where small p-values live
/// (Φ(−10) ≈ 7.6e−24 is exact to about 1e−14 relative). Tested against published values
/// to ≤ 1e−15 absolute in [`tests`]. NaN in, NaN out; Φ(−∞) = 0, Φ(∞) = 1.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

fn normal_cdf_udf() -> ScalarUDF {
    create_udf(
        NORMAL_CDF,
        vec![DataType::Float64],
        DataType::Float64,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| -> Result<ColumnarValue> {
            match &args[0] {
                ColumnarValue::Scalar(ScalarValue::Float64(v)) => Ok(ColumnarValue::Scalar(
                    ScalarValue::Float64(v.map(normal_cdf)),
                )),
                ColumnarValue::Scalar(other) => {
                    let v = other.cast_to(&DataType::Float64)?;
                    let ScalarValue::Float64(v) = v else {
                        unreachable!("cast to Float64 yields Float64")
                    };
                    Ok(ColumnarValue::Scalar(ScalarValue::Float64(
                        v.map(normal_cdf),
                    )))
                }
                ColumnarValue::Array(array) => {
                    let values = as_float64_array(array)?;
                    let out: Float64Array = values.iter().map(|v| v.map(normal_cdf)).collect();
                    Ok(ColumnarValue::Array(Arc::new(out) as ArrayRef))
                }
            }
        }),
    )
}

/// Registers every UDF the queries use. Call once per session (and, on Ballista, on the
/// context that `standalone_with_state`/`remote_with_state` returns).
pub fn register_udfs(ctx: &SessionContext) {
    ctx.register_udf(normal_cdf_udf());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Φ at points where it is known to 20 significant digits (Abramowitz & Stegun
    /// tables, R `pnorm(..., log.p)` cross-checked, Wolfram `CDF[NormalDistribution[]]`).
    const KNOWN: &[(f64, f64)] = &[
        (0.0, 0.5),
        (-0.5, 0.308_537_538_725_986_896_23),
        (0.5, 0.691_462_461_274_013_103_77),
        (-1.0, 0.158_655_253_931_457_051_41),
        (1.0, 0.841_344_746_068_542_948_59),
        (-1.959_963_984_540_054, 0.025),
        (-1.644_853_626_951_472_2, 0.05),
        (-2.0, 0.022_750_131_948_179_207_200),
        (2.0, 0.977_249_868_051_820_792_80),
        (-3.0, 0.001_349_898_031_630_094_526_65),
        (3.0, 0.998_650_101_968_369_905_47),
        (-5.0, 2.866_515_718_791_939_116_7e-7),
        (-8.0, 6.220_960_574_271_784_132_8e-16),
        (-10.0, 7.619_853_024_160_526_066e-24),
    ];

    #[test]
    fn normal_cdf_matches_known_values() {
        for &(z, want) in KNOWN {
            let got = normal_cdf(z);
            assert!(
                (got - want).abs() <= 1e-15,
                "Φ({z}) = {got:e}, want {want:e} (diff {:e})",
                (got - want).abs()
            );
            if want < 1e-3 {
                let rel = ((got - want) / want).abs();
                assert!(rel < 1e-12, "Φ({z}) relative error {rel:e}");
            }
        }
    }

    #[test]
    fn normal_cdf_edges() {
        assert_eq!(normal_cdf(f64::NEG_INFINITY), 0.0);
        assert_eq!(normal_cdf(f64::INFINITY), 1.0);
        assert!(normal_cdf(f64::NAN).is_nan());
        assert!(normal_cdf(-40.0) < 1e-300 && normal_cdf(-40.0) >= 0.0);
        // Symmetry Φ(z) + Φ(−z) = 1.
        for i in -600..=600 {
            let z = i as f64 / 100.0;
            assert!((normal_cdf(z) + normal_cdf(-z) - 1.0).abs() < 1e-15, "{z}");
        }
    }

    #[test]
    fn normal_cdf_is_monotone() {
        let mut last = 0.0;
        for i in -4000..=4000 {
            let v = normal_cdf(i as f64 / 500.0);
            assert!(v >= last);
            last = v;
        }
    }

    #[tokio::test]
    async fn registered_in_sql() {
        let ctx = SessionContext::new();
        register_udfs(&ctx);
        let batches = ctx
            .sql("select normal_cdf(-1.0) a, normal_cdf(cast(null as double)) b, normal_cdf(x) c from (values (0.0), (2.0)) t(x)")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let b = &batches[0];
        let a = as_float64_array(b.column(0)).unwrap();
        assert!((a.value(0) - 0.158_655_253_931_457_05).abs() < 1e-15);
        assert!(b.column(1).is_null(0));
        let c = as_float64_array(b.column(2)).unwrap();
        assert_eq!(c.value(0), 0.5);
        assert!((c.value(1) - 0.977_249_868_051_820_8).abs() < 1e-15);
    }
}
