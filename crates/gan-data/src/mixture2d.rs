//! Equally weighted mixtures of isotropic 2-D Gaussians sharing one standard deviation, with
//! the two standard mode-collapse benchmarks: the ring of 8 and the grid of 25.

use rand::RngExt;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Result};
use crate::toy::{Ring2d, ToyDistribution, log_sum_exp, normal_log_pdf};

/// Gaussians `N(centre, std² I)` in the plane, each drawn with equal probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mixture2d {
    centres: Vec<(f64, f64)>,
    std: f64,
}

impl Mixture2d {
    /// A mixture of at least one finite centre and a finite positive `std`.
    pub fn new(centres: Vec<(f64, f64)>, std: f64) -> Result<Self> {
        if centres.is_empty()
            || centres
                .iter()
                .any(|(x, y)| !x.is_finite() || !y.is_finite())
        {
            return Err(DataError::Invalid(
                "a mixture needs at least one finite centre".into(),
            ));
        }
        if !(std > 0.0 && std.is_finite()) {
            return Err(DataError::Invalid(format!(
                "invalid mixture standard deviation {std}"
            )));
        }
        Ok(Self { centres, std })
    }

    /// 8 Gaussians evenly spaced on a circle of radius 2, σ = 0.02 (Metz et al. 2017).
    pub fn ring8() -> Self {
        Self::from(Ring2d {
            modes: 8,
            radius: 2.0,
            std: 0.02,
        })
    }

    /// 25 Gaussians at {−4, −2, 0, 2, 4}², σ = 0.05 (Srivastava et al. 2017), in row-major
    /// order of x then y.
    pub fn grid25() -> Self {
        let axis = [-4.0, -2.0, 0.0, 2.0, 4.0];
        let centres = axis
            .iter()
            .flat_map(|&x| axis.iter().map(move |&y| (x, y)))
            .collect();
        Self { centres, std: 0.05 }
    }

    /// The centres, in mode order.
    pub fn centres(&self) -> &[(f64, f64)] {
        &self.centres
    }

    /// The common standard deviation.
    pub fn std(&self) -> f64 {
        self.std
    }
}

impl From<Ring2d> for Mixture2d {
    fn from(ring: Ring2d) -> Self {
        Self {
            centres: (0..ring.modes).map(|k| ring.centre(k)).collect(),
            std: ring.std,
        }
    }
}

impl ToyDistribution for Mixture2d {
    fn dim(&self) -> usize {
        2
    }
    fn sample_into(&self, rng: &mut StdRng, out: &mut Vec<f32>) {
        let (cx, cy) = self.centres[rng.random_range(0..self.centres.len())];
        let n = Normal::new(0.0, self.std).expect("validated");
        out.push((cx + n.sample(rng)) as f32);
        out.push((cy + n.sample(rng)) as f32);
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let w = -(self.centres.len() as f64).ln();
        log_sum_exp(self.centres.iter().map(|&(cx, cy)| {
            w + normal_log_pdf(x[0], cx, self.std) + normal_log_pdf(x[1], cy, self.std)
        }))
    }
}
