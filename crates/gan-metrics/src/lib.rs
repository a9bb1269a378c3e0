//! Sample-quality metrics for generative models, computed in float64 on feature rows.
//!
//! - [`fid`]: the Fréchet distance of Gaussians fitted to two sets (FID);
//! - [`kid`], [`kid_subsets`]: the unbiased kernel distance with the cubic kernel (KID);
//! - [`prdc`]: precision, recall, density and coverage from k-NN balls;
//! - [`mode_coverage`]: modes reached on a mixture of known Gaussians (ring, grid);
//! - [`class_score`], [`class_histogram`]: the Inception-Score formula and the predicted-class
//!   histogram from a classifier's probabilities;
//! - [`memorisation()`]: distances of samples and of held-out rows to the training set.
//!
//! The rows are features: raw pixels, or a network's activations computed on any Burn device
//! by the caller. Each metric is checked against float64 numpy/scipy references
//! (`tests/reference/make_reference.py`). Large sets are processed a block of rows at a time,
//! in parallel, so memory stays bounded.
//!
//! ```
//! use gan_metrics::{Rows, fid, prdc};
//! let real = Rows::new("real", vec![0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0], 4, 2)?;
//! let fake = Rows::new("fake", vec![0.1, 0.0, 1.0, 0.1, 0.0, 0.9, 0.9, 1.0], 4, 2)?;
//! assert!(fid(&real, &real)?.abs() < 1e-12);
//! let measures = prdc(&real, &fake, 2)?;
//! assert!(measures.precision > 0.5);
//! # Ok::<(), gan_metrics::MetricsError>(())
//! ```

mod classes;
mod error;
mod fid;
mod kid;
mod memorisation;
mod modes;
mod prdc;
mod products;
mod rows;
mod stats;

pub use classes::{
    ClassAgreement, ClassRate, ClassScore, class_agreement, class_histogram, class_score,
};
pub use error::{MetricsError, Result};
pub use fid::{GaussianStats, fid, fid_from_stats};
pub use kid::{KidSubsets, kid, kid_subsets};
pub use memorisation::{Memorisation, MemorisationSummary, QUANTILES, memorisation};
pub use modes::{ModeCoverage, mode_coverage};
pub use prdc::{Prdc, prdc};
pub use rows::Rows;
pub use stats::quantile;
