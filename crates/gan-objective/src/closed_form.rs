//! Closed forms of the paper's theory for discrete (or discretised) densities, in f64.

use thiserror::Error;

/// Invalid densities passed to a closed-form helper.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ObjectiveError {
    /// The two density vectors differ in length.
    #[error("p_data has {p_data} entries but p_g has {p_g}")]
    LengthMismatch {
        /// Length of `p_data`.
        p_data: usize,
        /// Length of `p_g`.
        p_g: usize,
    },
    /// A density value is negative or not finite.
    #[error("{which}[{index}] = {value} is not a finite non-negative density")]
    InvalidDensity {
        /// `"p_data"` or `"p_g"`.
        which: &'static str,
        /// Index of the value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A distribution sums to zero (or is empty).
    #[error("{0} has zero total mass")]
    ZeroMass(&'static str),
}

fn check(p_data: &[f64], p_g: &[f64]) -> Result<(), ObjectiveError> {
    if p_data.len() != p_g.len() {
        return Err(ObjectiveError::LengthMismatch {
            p_data: p_data.len(),
            p_g: p_g.len(),
        });
    }
    for (which, p) in [("p_data", p_data), ("p_g", p_g)] {
        if let Some((index, &value)) = p
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
        {
            return Err(ObjectiveError::InvalidDensity {
                which,
                index,
                value,
            });
        }
    }
    Ok(())
}

fn normalised(p: &[f64], which: &'static str) -> Result<Vec<f64>, ObjectiveError> {
    let total: f64 = p.iter().sum();
    if total <= 0.0 {
        return Err(ObjectiveError::ZeroMass(which));
    }
    Ok(p.iter().map(|v| v / total).collect())
}

/// Proposition 1: `D*(x) = p_data(x) / (p_data(x) + p_g(x))` at each point. Where both
/// densities are zero, `D*` is undefined; this returns ½ there (any value is optimal).
pub fn optimal_discriminator(p_data: &[f64], p_g: &[f64]) -> Result<Vec<f64>, ObjectiveError> {
    check(p_data, p_g)?;
    Ok(p_data
        .iter()
        .zip(p_g)
        .map(|(&a, &b)| if a + b > 0.0 { a / (a + b) } else { 0.5 })
        .collect())
}

/// The Jensen–Shannon divergence (natural log) between two discrete distributions, each
/// normalised to sum to 1 first. Values are the probabilities of the same bins (for sampled
/// densities: density × bin width on a common grid).
pub fn jensen_shannon(p_data: &[f64], p_g: &[f64]) -> Result<f64, ObjectiveError> {
    check(p_data, p_g)?;
    let p = normalised(p_data, "p_data")?;
    let q = normalised(p_g, "p_g")?;
    let kl_to_mix = |a: &[f64], b: &[f64]| -> f64 {
        a.iter()
            .zip(b)
            .filter(|(x, _)| **x > 0.0)
            .map(|(&x, &y)| x * (2.0 * x / (x + y)).ln())
            .sum()
    };
    Ok(0.5 * kl_to_mix(&p, &q) + 0.5 * kl_to_mix(&q, &p))
}

/// Theorem 1's virtual criterion `C(G) = max_D V(G, D) = −log 4 + 2·JSD(p_data ‖ p_g)` for
/// discrete distributions (normalised first). Its minimum, `−log 4`, is reached iff `p_g = p_data`.
pub fn virtual_criterion(p_data: &[f64], p_g: &[f64]) -> Result<f64, ObjectiveError> {
    Ok(-(4f64.ln()) + 2.0 * jensen_shannon(p_data, p_g)?)
}
