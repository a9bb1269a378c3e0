//! Toy distributions with exact log-densities: the 1-D experiment of Figure 1 and the 2-D ring
//! of Gaussians used to study mode collapse.

use std::f64::consts::PI;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::{DataError, Result};

/// A distribution to sample training data from, with its exact log-density.
pub trait ToyDistribution {
    /// Dimension of a sample.
    fn dim(&self) -> usize;
    /// One sample, written into `out` (`dim()` values).
    fn sample_into(&self, rng: &mut StdRng, out: &mut Vec<f32>);
    /// `log p(x)` for a point of `dim()` coordinates.
    fn log_density(&self, x: &[f64]) -> f64;

    /// `n` samples from a seeded stream, as a dataset.
    fn sample(&self, n: usize, seed: u64) -> Result<Dataset> {
        if n == 0 {
            return Err(DataError::Invalid("cannot sample 0 points".into()));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let mut out = Vec::with_capacity(n * self.dim());
        for _ in 0..n {
            self.sample_into(&mut rng, &mut out);
        }
        Dataset::new(out, vec![self.dim()], None)
    }
}

pub(crate) fn normal_log_pdf(x: f64, mean: f64, std: f64) -> f64 {
    let z = (x - mean) / std;
    -0.5 * z * z - std.ln() - 0.5 * (2.0 * PI).ln()
}

pub(crate) fn log_sum_exp(values: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = values.collect();
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

fn normal(mean: f64, std: f64) -> Result<Normal<f64>> {
    if !(std > 0.0 && std.is_finite() && mean.is_finite()) {
        return Err(DataError::Invalid(format!(
            "invalid Gaussian N({mean}, {std}^2)"
        )));
    }
    Normal::new(mean, std).map_err(|e| DataError::Invalid(e.to_string()))
}

/// A 1-D Gaussian `N(mean, std²)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gaussian1d {
    /// Mean.
    pub mean: f64,
    /// Standard deviation (positive).
    pub std: f64,
}

impl Gaussian1d {
    /// `N(mean, std²)`; `std` must be positive and both finite.
    pub fn new(mean: f64, std: f64) -> Result<Self> {
        normal(mean, std)?;
        Ok(Self { mean, std })
    }
}

impl ToyDistribution for Gaussian1d {
    fn dim(&self) -> usize {
        1
    }
    fn sample_into(&self, rng: &mut StdRng, out: &mut Vec<f32>) {
        let n = Normal::new(self.mean, self.std).expect("validated in new");
        out.push(n.sample(rng) as f32);
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        normal_log_pdf(x[0], self.mean, self.std)
    }
}

/// A 1-D mixture of Gaussians: `(weight, mean, std)` components, weights normalised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mixture1d {
    components: Vec<(f64, f64, f64)>,
}

impl Mixture1d {
    /// A mixture from `(weight, mean, std)` triples; weights must be positive (they are
    /// normalised to sum to 1).
    pub fn new(components: &[(f64, f64, f64)]) -> Result<Self> {
        let total: f64 = components.iter().map(|c| c.0).sum();
        if components.is_empty()
            || components.iter().any(|c| c.0.is_nan() || c.0 <= 0.0)
            || !total.is_finite()
        {
            return Err(DataError::Invalid(
                "mixture weights must be positive and finite".into(),
            ));
        }
        for &(_, m, s) in components {
            normal(m, s)?;
        }
        Ok(Self {
            components: components
                .iter()
                .map(|&(w, m, s)| (w / total, m, s))
                .collect(),
        })
    }

    /// The normalised components.
    pub fn components(&self) -> &[(f64, f64, f64)] {
        &self.components
    }
}

impl ToyDistribution for Mixture1d {
    fn dim(&self) -> usize {
        1
    }
    fn sample_into(&self, rng: &mut StdRng, out: &mut Vec<f32>) {
        let mut u: f64 = rng.random();
        let last = self.components.len() - 1;
        let (_, m, s) = *self
            .components
            .iter()
            .enumerate()
            .find(|(i, c)| {
                u -= c.0;
                u < 0.0 || *i == last
            })
            .map(|(_, c)| c)
            .expect("non-empty");
        out.push(Normal::new(m, s).expect("validated").sample(rng) as f32);
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        log_sum_exp(
            self.components
                .iter()
                .map(|&(w, m, s)| w.ln() + normal_log_pdf(x[0], m, s)),
        )
    }
}

/// `modes` isotropic 2-D Gaussians of standard deviation `std`, evenly spaced on a circle of
/// `radius`, equally weighted: the usual mode-collapse benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ring2d {
    /// Number of modes.
    pub modes: usize,
    /// Radius of the circle.
    pub radius: f64,
    /// Standard deviation of each mode.
    pub std: f64,
}

impl Ring2d {
    /// A ring; `modes ≥ 1`, `std > 0`.
    pub fn new(modes: usize, radius: f64, std: f64) -> Result<Self> {
        if modes == 0 || !radius.is_finite() {
            return Err(DataError::Invalid(
                "a ring needs at least one mode and a finite radius".into(),
            ));
        }
        normal(0.0, std)?;
        Ok(Self { modes, radius, std })
    }

    /// Centre of mode `k`.
    pub fn centre(&self, k: usize) -> (f64, f64) {
        let angle = 2.0 * PI * k as f64 / self.modes as f64;
        (self.radius * angle.cos(), self.radius * angle.sin())
    }
}

impl ToyDistribution for Ring2d {
    fn dim(&self) -> usize {
        2
    }
    fn sample_into(&self, rng: &mut StdRng, out: &mut Vec<f32>) {
        let k = rng.random_range(0..self.modes);
        let (cx, cy) = self.centre(k);
        let n = Normal::new(0.0, self.std).expect("validated");
        out.push((cx + n.sample(rng)) as f32);
        out.push((cy + n.sample(rng)) as f32);
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let w = -(self.modes as f64).ln();
        log_sum_exp((0..self.modes).map(|k| {
            let (cx, cy) = self.centre(k);
            w + normal_log_pdf(x[0], cx, self.std) + normal_log_pdf(x[1], cy, self.std)
        }))
    }
}
