//! Feature rows: a row-major matrix of float64 values, checked once.

use crate::error::{MetricsError, Result};

/// `rows × dim` finite values, row-major, in float64 (the precision every metric computes in).
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    values: Vec<f64>,
    rows: usize,
    dim: usize,
}

impl Rows {
    /// Rows from float32 values (features as networks and files hold them). `what` names the
    /// input in errors.
    pub fn from_f32(what: &'static str, values: &[f32], rows: usize, dim: usize) -> Result<Self> {
        Self::new(
            what,
            values.iter().map(|&v| f64::from(v)).collect(),
            rows,
            dim,
        )
    }

    /// Rows from float64 values.
    pub fn new(what: &'static str, values: Vec<f64>, rows: usize, dim: usize) -> Result<Self> {
        if dim == 0 || rows.checked_mul(dim) != Some(values.len()) {
            return Err(MetricsError::Shape {
                what,
                len: values.len(),
                rows,
                dim,
            });
        }
        if let Some(bad) = values.iter().position(|v| !v.is_finite()) {
            return Err(MetricsError::NonFinite {
                what,
                row: bad / dim,
            });
        }
        Ok(Self { values, rows, dim })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Length of each row.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.dim..(i + 1) * self.dim]
    }

    /// All values, row-major.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The rows at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Self {
        let values = indices
            .iter()
            .flat_map(|&i| self.row(i).iter().copied())
            .collect();
        Self {
            values,
            rows: indices.len(),
            dim: self.dim,
        }
    }

    /// Squared Euclidean norm of every row.
    pub(crate) fn squared_norms(&self) -> Vec<f64> {
        self.values
            .chunks_exact(self.dim)
            .map(|r| r.iter().map(|v| v * v).sum())
            .collect()
    }
}

/// Refuses inputs of different dimensions.
pub(crate) fn same_dim(what: &'static str, a: &Rows, b: &Rows) -> Result<()> {
    if a.dim != b.dim {
        return Err(MetricsError::DimensionMismatch {
            what,
            left: a.dim,
            right: b.dim,
        });
    }
    Ok(())
}

/// Refuses inputs of fewer than `needed` rows.
pub(crate) fn at_least(
    metric: &'static str,
    what: &'static str,
    rows: &Rows,
    needed: usize,
) -> Result<()> {
    if rows.rows < needed {
        return Err(MetricsError::TooFewRows {
            metric,
            what,
            needed,
            got: rows.rows,
        });
    }
    Ok(())
}
