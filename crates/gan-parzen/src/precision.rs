//! How far single precision can move the estimate, and the exact distance that removes most
//! of it.
//!
//! The device computes squared distances as `‖x‖² + ‖μ‖² − 2x·μ` in f32, which cancels: a
//! distance of 10⁻³ between rows of norm² 100 keeps almost no correct digits. Divided by
//! 2σ², that error is what broke small σ (NaN, or −5·10²² where the answer is +399). So the
//! evaluator recomputes each row's nearest-sample distance exactly in f64, and keeps the f32
//! values only for the *gaps* between the other samples and the nearest. What the gaps' error
//! can still move is bounded per row:
//!
//! - with `a = 2δ/(2σ²)` (δ: the error of one f32 distance, measured on the nearest samples),
//!   each other term `exp(−gap/(2σ²))` is right to a factor `e^{±a}`, so `log T` (T: the sum
//!   relative to the nearest, ≥ 1) is right to `ln(1 + (1 − 1/T)(eᵃ − 1))`;
//! - when `a > 1` (σ so small that f32 cannot rank near samples), the samples whose f32 gap
//!   is within `2δ + 40·2σ²` are counted: each contributes between 0 and 1, every other less
//!   than e⁻⁴⁰, so `log T` is right to `ln(count)`.
//!
//! [`crate::ParzenEvaluator`] refuses (a typed error) a σ whose mean bound exceeds 10⁻⁴ of the
//! rows' mean magnitude (of one nat when smaller): the mean of rows of both signs can be near
//! 0 and has no relative precision of its own. Below that, the estimate is exact to 10⁻⁴.

/// f32's unit roundoff.
const F32_EPSILON: f64 = f32::EPSILON as f64;

/// The largest error the evaluator accepts: this fraction of the rows' mean absolute
/// log-likelihood (or of one nat, when that is smaller).
pub const RELATIVE_TOLERANCE: f64 = 1e-4;

/// `‖x − μ‖²` in f64 from the rows themselves (no cancellation).
pub(crate) fn exact_sq_distance(x: &[f32], mu: &[f32]) -> f64 {
    x.iter()
        .zip(mu)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum()
}

/// δ, the error of one f32 distance: twice the largest error seen on the rows' nearest
/// samples (`min_e + ‖x‖²` against the exact distance), and at least two roundoffs of the
/// norms involved.
pub(crate) fn gap_error(min_e: &[f64], x_norms: &[f64], exact: &[f64], max_norm: f64) -> f64 {
    let seen = min_e
        .iter()
        .zip(x_norms)
        .zip(exact)
        .map(|((&e, &x2), &d2)| (e + x2 - d2).abs())
        .fold(0.0, f64::max);
    let norms = x_norms.iter().fold(0.0, |a: f64, &b| a.max(b)) + max_norm;
    (2.0 * seen).max(2.0 * F32_EPSILON * norms)
}

/// Whether σ (through `inv` = 1/(2σ²)) is too small for the f32 gaps to rank near samples.
pub(crate) fn tiny_regime(delta: f64, inv: f64) -> bool {
    2.0 * delta * inv > 1.0
}

/// What one row's bound is computed from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RowBound {
    /// `log T`, the log of the sum relative to the nearest sample.
    Tail(f64),
    /// The samples within reach of the nearest (itself included).
    Ties(u64),
}

impl RowBound {
    /// The bound, in nats, on the row's log-likelihood error.
    pub(crate) fn nats(self, delta: f64, inv: f64) -> f64 {
        match self {
            RowBound::Tail(log_t) => {
                let share = -(-log_t.max(0.0)).exp_m1();
                (share * (2.0 * delta * inv).exp_m1()).ln_1p()
            }
            RowBound::Ties(count) => (count.max(1) as f64).ln(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_follow_their_closed_forms() {
        // A lone nearest sample (T = 1): nothing else to be wrong about.
        assert_eq!(RowBound::Tail(0.0).nats(1e-3, 10.0), 0.0);
        // T = 2, a = 2·1e-3·10 = 0.02: ln(1 + ½(e^0.02 − 1)).
        let want = (1.0 + 0.5 * (0.02f64.exp() - 1.0)).ln();
        assert!((RowBound::Tail(2f64.ln()).nats(1e-3, 10.0) - want).abs() < 1e-15);
        assert_eq!(RowBound::Ties(1).nats(1.0, 1e9), 0.0);
        assert!((RowBound::Ties(4).nats(1.0, 1e9) - 4f64.ln()).abs() < 1e-15);
        assert!(tiny_regime(1e-3, 1e4) && !tiny_regime(1e-3, 100.0));
        // Seen errors dominate the roundoff floor once they exceed it.
        let d = gap_error(&[-10.0], &[10.5], &[0.4], 1.0);
        assert!((d - 0.2).abs() < 1e-12, "{d}");
        assert_eq!(exact_sq_distance(&[1.0, 2.0], &[1.0, 4.0]), 4.0);
    }
}
