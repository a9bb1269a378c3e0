//! Memorisation: how close generated samples come to the training set, against how close
//! unseen test images come to it (the number behind Figure 2's nearest-neighbour column).

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::products::nearest_rows;
use crate::rows::{Rows, at_least, same_dim};
use crate::stats::{mean, quantile_of_sorted, sorted};

/// Distances to the nearest training row, for samples and for held-out rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Memorisation {
    /// Nearest training row of each sample (index, Euclidean distance).
    pub sample_nearest: Vec<(usize, f64)>,
    /// Distance of each held-out row to its nearest training row.
    pub heldout_distances: Vec<f64>,
    /// Summary of both distributions.
    pub summary: MemorisationSummary,
}

/// Mean, median and quantiles of the two distance distributions, and their ratios: a ratio
/// well below 1 means samples sit closer to training images than new images do (copying).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MemorisationSummary {
    /// Mean distance of a sample to its nearest training row.
    pub sample_mean: f64,
    /// Mean distance of a held-out row to its nearest training row.
    pub heldout_mean: f64,
    /// Median of the samples' distances.
    pub sample_median: f64,
    /// Median of the held-out rows' distances.
    pub heldout_median: f64,
    /// `sample_mean / heldout_mean`.
    pub mean_ratio: f64,
    /// `sample_median / heldout_median`.
    pub median_ratio: f64,
    /// Share of samples closer to a training row than the closest 1 % of held-out rows are.
    pub closer_than_heldout_p01: f64,
    /// The samples' distances at the [`QUANTILES`].
    pub sample_quantiles: [f64; 5],
    /// The held-out rows' distances at the [`QUANTILES`].
    pub heldout_quantiles: [f64; 5],
}

/// The quantiles the summary gives of both distance distributions: 5, 25, 50, 75 and 95 %.
pub const QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// Nearest training rows of `samples` and of `heldout` (each at least one row).
pub fn memorisation(samples: &Rows, train: &Rows, heldout: &Rows) -> Result<Memorisation> {
    same_dim("memorisation", samples, train)?;
    same_dim("memorisation", heldout, train)?;
    at_least("memorisation", "the samples", samples, 1)?;
    at_least("memorisation", "the training rows", train, 1)?;
    at_least("memorisation", "the held-out rows", heldout, 1)?;
    let sample_nearest = nearest_rows(samples, train);
    let heldout_distances: Vec<f64> = nearest_rows(heldout, train).iter().map(|n| n.1).collect();
    let sample_distances: Vec<f64> = sample_nearest.iter().map(|n| n.1).collect();
    let (sample_mean, heldout_mean) = (mean(&sample_distances), mean(&heldout_distances));
    // Each distribution is sorted once for all its quantiles.
    let (sample_sorted, heldout_sorted) = (sorted(&sample_distances), sorted(&heldout_distances));
    let (sample_median, heldout_median) = (
        quantile_of_sorted(&sample_sorted, 0.5),
        quantile_of_sorted(&heldout_sorted, 0.5),
    );
    let p01 = quantile_of_sorted(&heldout_sorted, 0.01);
    let closer = sample_distances.iter().filter(|&&d| d < p01).count();
    Ok(Memorisation {
        summary: MemorisationSummary {
            sample_mean,
            heldout_mean,
            sample_median,
            heldout_median,
            mean_ratio: sample_mean / heldout_mean,
            median_ratio: sample_median / heldout_median,
            closer_than_heldout_p01: closer as f64 / sample_distances.len() as f64,
            sample_quantiles: QUANTILES.map(|q| quantile_of_sorted(&sample_sorted, q)),
            heldout_quantiles: QUANTILES.map(|q| quantile_of_sorted(&heldout_sorted, q)),
        },
        sample_nearest,
        heldout_distances,
    })
}
