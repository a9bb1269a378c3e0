//! Fréchet distance between Gaussians fitted to two sets of feature rows (FID, Heusel et al.
//! 2017): `‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr √(Σ₁ Σ₂)`.

use nalgebra::{DMatrix, SymmetricEigen};
use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, Result};
use crate::products::multiply;
use crate::rows::{Rows, at_least, same_dim};

/// Mean and covariance (with n − 1) of a set of rows: what FID compares, and what can be
/// stored in place of the rows (as torch-fidelity's and clean-fid's statistics files).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaussianStats {
    /// Rows the statistics were fitted to.
    pub rows: usize,
    /// The mean row.
    pub mean: Vec<f64>,
    /// The covariance, row-major `dim × dim`, normalised by `rows − 1`.
    pub covariance: Vec<f64>,
}

impl GaussianStats {
    /// Fits the mean and the sample covariance of `rows` (at least 2 rows).
    pub fn fit(rows: &Rows) -> Result<Self> {
        at_least("FID", "the rows", rows, 2)?;
        let (n, d) = (rows.rows(), rows.dim());
        let mut mean = vec![0.0; d];
        for i in 0..n {
            mean.iter_mut().zip(rows.row(i)).for_each(|(m, v)| *m += v);
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let centred: Vec<f64> = rows
            .values()
            .iter()
            .enumerate()
            .map(|(index, v)| v - mean[index % d])
            .collect();
        let mut covariance = vec![0.0; d * d];
        // Cᵀ C: the left factor reads the centred rows by columns.
        multiply(
            (d, d, n),
            &centred,
            (1, d),
            &centred,
            (d, 1),
            &mut covariance,
        );
        covariance.iter_mut().for_each(|c| *c /= (n - 1) as f64);
        Ok(Self {
            rows: n,
            mean,
            covariance,
        })
    }

    /// Dimension of the rows.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    fn matrix(&self) -> DMatrix<f64> {
        DMatrix::from_row_slice(self.dim(), self.dim(), &self.covariance)
    }
}

/// FID between two sets of rows (each of at least 2 rows, of one dimension).
pub fn fid(real: &Rows, fake: &Rows) -> Result<f64> {
    same_dim("FID", real, fake)?;
    fid_from_stats(&GaussianStats::fit(real)?, &GaussianStats::fit(fake)?)
}

/// FID between two fitted Gaussians.
///
/// The trace of √(Σ₁ Σ₂) is computed stably from symmetric eigen-decompositions: with
/// R = √Σ₁, Σ₁ Σ₂ is similar to the symmetric positive semi-definite R Σ₂ R, whose eigenvalues
/// (clamped at 0 against rounding) have the same square roots' sum. Singular covariances
/// (fewer rows than features, dead features) need no regularising offset.
pub fn fid_from_stats(a: &GaussianStats, b: &GaussianStats) -> Result<f64> {
    if a.dim() != b.dim() {
        return Err(MetricsError::DimensionMismatch {
            what: "FID",
            left: a.dim(),
            right: b.dim(),
        });
    }
    let (s1, s2) = (a.matrix(), b.matrix());
    let root = psd_square_root(&s1)?;
    let inner = &root * &s2 * &root;
    let inner = (&inner + inner.transpose()) * 0.5;
    let trace_root: f64 = eigenvalues(&inner)?.iter().map(|l| l.max(0.0).sqrt()).sum();
    let mean_term: f64 = a
        .mean
        .iter()
        .zip(&b.mean)
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    Ok(mean_term + s1.trace() + s2.trace() - 2.0 * trace_root)
}

fn eigen(matrix: &DMatrix<f64>) -> Result<SymmetricEigen<f64, nalgebra::Dyn>> {
    SymmetricEigen::try_new(matrix.clone(), f64::EPSILON, 0)
        .ok_or(MetricsError::Eigen(matrix.nrows()))
}

fn eigenvalues(matrix: &DMatrix<f64>) -> Result<Vec<f64>> {
    Ok(eigen(matrix)?.eigenvalues.iter().copied().collect())
}

/// The symmetric square root V √Λ Vᵀ of a positive semi-definite matrix.
fn psd_square_root(matrix: &DMatrix<f64>) -> Result<DMatrix<f64>> {
    let decomposition = eigen(matrix)?;
    let roots = decomposition.eigenvalues.map(|l| l.max(0.0).sqrt());
    let vectors = &decomposition.eigenvectors;
    Ok(vectors * DMatrix::from_diagonal(&roots) * vectors.transpose())
}
