//! Mode coverage on mixtures of known, equally shaped Gaussians: the protocol of the
//! mode-collapse literature (Metz et al. 2017, Srivastava et al. 2017) for the 2-D ring and grid.

use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, Result};
use crate::products::nearest_rows;
use crate::rows::{Rows, at_least, same_dim};

/// How many modes the samples reach, and how many samples lie on a mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModeCoverage {
    /// Modes that at least `min_count` high-quality samples have as their nearest centre.
    pub modes_covered: usize,
    /// Number of modes of the mixture.
    pub modes: usize,
    /// Samples within 3σ of their nearest centre.
    pub high_quality: usize,
    /// All samples.
    pub samples: usize,
    /// `high_quality / samples`.
    pub high_quality_fraction: f64,
    /// High-quality samples per mode, in the order of the centres.
    pub counts: Vec<usize>,
    /// The threshold a mode's count must reach to be covered.
    pub min_count: usize,
}

impl ModeCoverage {
    /// The coverage of two sets of samples of the same mixture together (a file read in
    /// batches): counts added, coverage and the fraction recomputed.
    pub fn merge(mut self, other: &ModeCoverage) -> Result<Self> {
        if self.counts.len() != other.counts.len() || self.min_count != other.min_count {
            return Err(MetricsError::Parameter {
                name: "mode coverage",
                reason: "the parts measure different mixtures or thresholds".into(),
            });
        }
        for (c, o) in self.counts.iter_mut().zip(&other.counts) {
            *c += o;
        }
        self.high_quality += other.high_quality;
        self.samples += other.samples;
        self.high_quality_fraction = self.high_quality as f64 / self.samples as f64;
        self.modes_covered = self.counts.iter().filter(|&&c| c >= self.min_count).count();
        Ok(self)
    }
}

/// Counts, for `samples` of a mixture whose components share standard deviation `sigma`, the
/// high-quality samples (within 3σ of their nearest centre, Euclidean) per mode, and the modes
/// with at least `min_count` of them.
pub fn mode_coverage(
    samples: &Rows,
    centres: &Rows,
    sigma: f64,
    min_count: usize,
) -> Result<ModeCoverage> {
    same_dim("mode coverage", samples, centres)?;
    at_least("mode coverage", "the samples", samples, 1)?;
    if !(sigma > 0.0 && sigma.is_finite()) {
        return Err(MetricsError::Parameter {
            name: "sigma",
            reason: format!("must be finite and positive, got {sigma}"),
        });
    }
    if min_count == 0 {
        return Err(MetricsError::Parameter {
            name: "min count",
            reason: "must be at least 1 (0 would count every mode as covered)".into(),
        });
    }
    let mut counts = vec![0; centres.rows()];
    let mut high_quality = 0;
    for (nearest, distance) in nearest_rows(samples, centres) {
        if distance <= 3.0 * sigma {
            counts[nearest] += 1;
            high_quality += 1;
        }
    }
    Ok(ModeCoverage {
        modes_covered: counts.iter().filter(|&&c| c >= min_count).count(),
        modes: centres.rows(),
        high_quality,
        samples: samples.rows(),
        high_quality_fraction: high_quality as f64 / samples.rows() as f64,
        counts,
        min_count,
    })
}
