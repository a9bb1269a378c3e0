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
        counts[most_probable(probabilities.row(i))] += 1;
    }
    counts
}

fn most_probable(row: &[f64]) -> usize {
    (0..row.len()).fold(0, |best, c| if row[c] > row[best] { c } else { best })
}

/// One class's share of samples a classifier assigns to it, with its binomial standard error
/// `√(p(1 − p)/n)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassRate {
    /// The requested class.
    pub class: usize,
    /// Samples requested of it.
    pub samples: usize,
    /// Share the classifier assigns to it.
    pub rate: f64,
    /// Binomial standard error of `rate`.
    pub se: f64,
}

/// How often a conditional generator's samples are classified as the class they were drawn
/// for: per class, the mean over classes (its standard error from the per-class ones, the
/// classes being independent samples) and the worst class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassAgreement {
    /// Each requested class, in order.
    pub per_class: Vec<ClassRate>,
    /// Mean of the per-class rates.
    pub mean: f64,
    /// Standard error of `mean`: `√(Σ se²) / classes`.
    pub mean_se: f64,
    /// The class with the lowest rate (the first on ties).
    pub worst: ClassRate,
}

/// [`ClassAgreement`] of samples whose class probabilities are `probabilities` (one row each)
/// and whose requested classes are `requested` (one each, below the number of columns).
pub fn class_agreement(probabilities: &Rows, requested: &[usize]) -> Result<ClassAgreement> {
    if requested.len() != probabilities.rows() {
        return Err(MetricsError::Parameter {
            name: "requested",
            reason: format!(
                "{} requested classes for {} samples",
                requested.len(),
                probabilities.rows()
            ),
        });
    }
    let classes = probabilities.dim();
    if let Some(&c) = requested.iter().find(|&&c| c >= classes) {
        return Err(MetricsError::Parameter {
            name: "requested",
            reason: format!("class {c} is not among the classifier's {classes}"),
        });
    }
    let (mut asked, mut agreed) = (vec![0usize; classes], vec![0usize; classes]);
    for (i, &c) in requested.iter().enumerate() {
        asked[c] += 1;
        agreed[c] += usize::from(most_probable(probabilities.row(i)) == c);
    }
    let per_class: Vec<ClassRate> = (0..classes)
        .filter(|&c| asked[c] > 0)
        .map(|c| {
            let (n, rate) = (asked[c], agreed[c] as f64 / asked[c] as f64);
            let se = (rate * (1.0 - rate) / n as f64).sqrt();
            ClassRate {
                class: c,
                samples: n,
                rate,
                se,
            }
        })
        .collect();
    let worst = *per_class
        .iter()
        .fold(None, |w: Option<&ClassRate>, r| match w {
            Some(w) if w.rate <= r.rate => Some(w),
            _ => Some(r),
        })
        .ok_or(MetricsError::Parameter {
            name: "requested",
            reason: "no samples".into(),
        })?;
    let k = per_class.len() as f64;
    let mean = per_class.iter().map(|r| r.rate).sum::<f64>() / k;
    let mean_se = per_class.iter().map(|r| r.se * r.se).sum::<f64>().sqrt() / k;
    Ok(ClassAgreement {
        per_class,
        mean,
        mean_se,
        worst,
    })
}
