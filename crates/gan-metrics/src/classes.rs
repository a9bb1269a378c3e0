//! Measures from a classifier's class probabilities: the Inception-Score formula (Salimans et
//! al. 2016, as torch-fidelity computes it) and the histogram of predicted classes, where a
//! collapsing generator shows first.

use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, Result};
use crate::rows::{Rows, at_least};
use crate::stats::mean_and_std;

/// exp(E_x KL(p(y|x) ‖ p(y))) per split, with its spread.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassScore {
    /// Mean over the splits.
    pub mean: f64,
    /// Standard deviation over the splits (population, as torch-fidelity).
    pub std: f64,
    /// Number of splits.
    pub splits: usize,
}

/// The Inception-Score formula on rows of class probabilities (each row sums to 1), split
/// into `splits` consecutive parts as torch-fidelity does (10 by default there); p(y) is each
/// part's mean row. Terms with p(y|x) = 0 contribute 0.
pub fn class_score(probabilities: &Rows, splits: usize) -> Result<ClassScore> {
    if splits == 0 {
        return Err(MetricsError::Parameter {
            name: "splits",
            reason: "must be at least 1".into(),
        });
    }
    at_least(
        "the class score",
        "the probabilities",
        probabilities,
        splits,
    )?;
    if let Some(row) = (0..probabilities.rows()).find(|&i| {
        let row = probabilities.row(i);
        row.iter().any(|&p| p < 0.0) || (row.iter().sum::<f64>() - 1.0).abs() > 1e-3
    }) {
        return Err(MetricsError::Parameter {
            name: "probabilities",
            reason: format!("row {row} is not a probability distribution"),
        });
    }
    let (n, classes) = (probabilities.rows(), probabilities.dim());
    let scores: Vec<f64> = (0..splits)
        .map(|s| {
            let part: Vec<usize> = (s * n / splits..(s + 1) * n / splits).collect();
            let mut marginal = vec![0.0; classes];
            for &i in &part {
                marginal
                    .iter_mut()
                    .zip(probabilities.row(i))
                    .for_each(|(m, p)| *m += p);
            }
            marginal.iter_mut().for_each(|m| *m /= part.len() as f64);
            let kl: f64 = part
                .iter()
                .map(|&i| {
                    let row = probabilities.row(i).iter().zip(&marginal);
                    row.filter(|(p, _)| **p > 0.0)
                        .map(|(p, q)| p * (p.ln() - q.ln()))
                        .sum::<f64>()
                })
                .sum();
            (kl / part.len() as f64).exp()
        })
        .collect();
    let (mean, std) = mean_and_std(&scores);
    Ok(ClassScore { mean, std, splits })
}

/// Number of rows whose most probable class is each class (the first on ties).
pub fn class_histogram(probabilities: &Rows) -> Vec<usize> {
    let mut counts = vec![0; probabilities.dim()];
    for i in 0..probabilities.rows() {
        let row = probabilities.row(i);
        let best = (0..row.len()).fold(0, |best, c| if row[c] > row[best] { c } else { best });
        counts[best] += 1;
    }
    counts
}
