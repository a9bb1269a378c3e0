//! Kernel distance (KID, Bińkowski et al. 2018): the unbiased estimate of the squared maximum
//! mean discrepancy with the cubic polynomial kernel k(x, y) = (x·y/d + 1)³.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index::sample;
use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, Result};
use crate::products::map_product_blocks;
use crate::rows::{Rows, at_least, same_dim};
use crate::stats::mean_and_std;

/// KID over all rows of both sets (at least 2 each):
/// `Σ_{i≠i'} k(xᵢ,xᵢ')/(m(m−1)) + Σ_{j≠j'} k(yⱼ,yⱼ')/(n(n−1)) − 2 Σ k(xᵢ,yⱼ)/(mn)`.
pub fn kid(real: &Rows, fake: &Rows) -> Result<f64> {
    same_dim("KID", real, fake)?;
    at_least("KID", "the real rows", real, 2)?;
    at_least("KID", "the generated rows", fake, 2)?;
    let (m, n) = (real.rows() as f64, fake.rows() as f64);
    let within_real = kernel_sum(real, real, true);
    let within_fake = kernel_sum(fake, fake, true);
    let across = kernel_sum(real, fake, false);
    Ok(within_real / (m * (m - 1.0)) + within_fake / (n * (n - 1.0)) - 2.0 * across / (m * n))
}

/// KID over random subsets, as torch-fidelity reports it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KidSubsets {
    /// Mean of the subsets' estimates.
    pub mean: f64,
    /// Their standard deviation (population, as numpy's default).
    pub std: f64,
    /// Number of subsets.
    pub subsets: usize,
    /// Rows drawn from each set, without replacement, for each subset.
    pub subset_size: usize,
}

/// KID on `subsets` pairs of random subsets of `subset_size` rows (torch-fidelity: 100 of
/// 1,000, or fewer rows when a set is smaller), drawn with a seeded generator.
pub fn kid_subsets(
    real: &Rows,
    fake: &Rows,
    subsets: usize,
    subset_size: usize,
    seed: u64,
) -> Result<KidSubsets> {
    if subsets == 0 {
        return Err(MetricsError::Parameter {
            name: "subsets",
            reason: "must be at least 1".into(),
        });
    }
    let size = subset_size.min(real.rows()).min(fake.rows());
    if size < 2 {
        return Err(MetricsError::Parameter {
            name: "subset size",
            reason: format!("KID needs subsets of at least 2 rows, got {size}"),
        });
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let estimates = (0..subsets)
        .map(|_| {
            let x = real.select(&sample(&mut rng, real.rows(), size).into_vec());
            let y = fake.select(&sample(&mut rng, fake.rows(), size).into_vec());
            kid(&x, &y)
        })
        .collect::<Result<Vec<f64>>>()?;
    let (mean, std) = mean_and_std(&estimates);
    Ok(KidSubsets {
        mean,
        std,
        subsets,
        subset_size: size,
    })
}

/// Σ k(aᵢ, bⱼ) over all pairs, leaving out i = j when `a` and `b` are one set.
fn kernel_sum(a: &Rows, b: &Rows, skip_diagonal: bool) -> f64 {
    let (n, d) = (b.rows(), a.dim() as f64);
    map_product_blocks(a, b, |first, _, products| {
        products
            .iter()
            .enumerate()
            .filter(|(index, _)| !skip_diagonal || first + index / n != index % n)
            .map(|(_, p)| (p / d + 1.0).powi(3))
            .sum::<f64>()
    })
    .iter()
    .sum()
}
