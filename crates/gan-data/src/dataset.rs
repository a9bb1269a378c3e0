use std::ops::Range;

use burn::tensor::{Device, Tensor, TensorData};

use crate::error::{DataError, Result};

/// An in-memory dataset: `n` rows of `dim` f32 features, optional labels, and the shape of one
/// item (e.g. `[28, 28]` for MNIST, `[3, 32, 32]` for CIFAR-10) for turning rows into images.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    features: Vec<f32>,
    dim: usize,
    item_shape: Vec<usize>,
    labels: Option<Vec<u8>>,
}

impl Dataset {
    /// A dataset from row-major features. `features.len()` must be a multiple of the product of
    /// `item_shape`, and `labels`, if given, must have one entry per row.
    pub fn new(
        features: Vec<f32>,
        item_shape: Vec<usize>,
        labels: Option<Vec<u8>>,
    ) -> Result<Self> {
        let dim = item_shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .filter(|&dim| dim > 0)
            .ok_or_else(|| {
                DataError::Invalid(format!(
                    "item shape {item_shape:?} has no features or overflows"
                ))
            })?;
        if !features.len().is_multiple_of(dim) {
            return Err(DataError::Invalid(format!(
                "{} values do not form rows of {dim} features",
                features.len()
            )));
        }
        let n = features.len() / dim;
        if let Some(l) = &labels
            && l.len() != n
        {
            return Err(DataError::Invalid(format!(
                "{} labels for {n} rows",
                l.len()
            )));
        }
        Ok(Self {
            features,
            dim,
            item_shape,
            labels,
        })
    }

    /// The same rows with `labels` (one per row) in place of any it had.
    pub fn with_labels(self, labels: Vec<u8>) -> Result<Self> {
        Self::new(self.features, self.item_shape, Some(labels))
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.features.len() / self.dim
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// Features per row.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Shape of one item (its product is [`Dataset::dim`]).
    pub fn item_shape(&self) -> &[usize] {
        &self.item_shape
    }

    /// All features, row-major `[len, dim]`.
    pub fn features(&self) -> &[f32] {
        &self.features
    }

    /// Row `i`.
    ///
    /// # Panics
    ///
    /// If `i >= len()`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.features[i * self.dim..(i + 1) * self.dim]
    }

    /// The labels, one per row, if the dataset has them.
    pub fn labels(&self) -> Option<&[u8]> {
        self.labels.as_deref()
    }

    /// Rows `range` as a new dataset.
    pub fn slice(&self, range: Range<usize>) -> Result<Self> {
        if range.start > range.end || range.end > self.len() {
            return Err(DataError::Invalid(format!(
                "rows {range:?} out of range for a dataset of {} rows",
                self.len()
            )));
        }
        Ok(Self {
            features: self.features[range.start * self.dim..range.end * self.dim].to_vec(),
            dim: self.dim,
            item_shape: self.item_shape.clone(),
            labels: self.labels.as_ref().map(|l| l[range.clone()].to_vec()),
        })
    }

    /// The rows `indices`, in that order, as a new dataset (labels kept).
    ///
    /// # Panics
    ///
    /// If an index is out of range.
    pub fn subset(&self, indices: &[usize]) -> Self {
        let mut features = Vec::with_capacity(indices.len() * self.dim);
        for &i in indices {
            features.extend_from_slice(self.row(i));
        }
        Self {
            features,
            dim: self.dim,
            item_shape: self.item_shape.clone(),
            labels: self
                .labels
                .as_ref()
                .map(|l| indices.iter().map(|&i| l[i]).collect()),
        }
    }

    /// The first `n` rows (all of them if there are fewer).
    pub fn head(&self, n: usize) -> Self {
        self.slice(0..n.min(self.len())).expect("in range")
    }

    /// The whole dataset as a `[len, dim]` tensor on `device`.
    pub fn to_tensor(&self, device: &Device) -> Tensor<2> {
        Tensor::from_data(
            TensorData::new(self.features.clone(), [self.len(), self.dim]),
            device,
        )
    }

    /// The rows `indices`, in that order, as a `[indices.len(), dim]` tensor on `device`.
    ///
    /// # Panics
    ///
    /// If an index is out of range.
    pub fn gather(&self, indices: &[usize], device: &Device) -> Tensor<2> {
        let mut rows = Vec::with_capacity(indices.len() * self.dim);
        for &i in indices {
            rows.extend_from_slice(self.row(i));
        }
        Tensor::from_data(TensorData::new(rows, [indices.len(), self.dim]), device)
    }

    /// The rows `indices` as a rank-`D` batch `[indices.len(), …]` on `device`: each item in
    /// its own shape when `D` is one more than its rank (`[n, C, H, W]` for `[C, H, W]` items),
    /// flattened to `[n, dim]` when `D` is 2, and a `1` channel added to `[H, W]` items when `D`
    /// is 4. Any other rank is an error.
    ///
    /// # Panics
    ///
    /// If an index is out of range.
    pub fn gather_as<const D: usize>(
        &self,
        indices: &[usize],
        device: &Device,
    ) -> Result<Tensor<D>> {
        let mut shape = vec![indices.len()];
        match (D, self.item_shape.len()) {
            (2, _) => shape.push(self.dim),
            (4, 2) => shape.extend([1, self.item_shape[0], self.item_shape[1]]),
            (d, r) if d == r + 1 => shape.extend(&self.item_shape),
            (d, _) => {
                return Err(DataError::Invalid(format!(
                    "items of shape {:?} cannot form a batch of rank {d}",
                    self.item_shape
                )));
            }
        }
        let mut rows = Vec::with_capacity(indices.len() * self.dim);
        for &i in indices {
            rows.extend_from_slice(self.row(i));
        }
        Ok(Tensor::from_data(TensorData::new(rows, shape), device))
    }

    /// Number of classes: one more than the largest label (`None` without labels).
    pub fn num_classes(&self) -> Option<usize> {
        self.labels
            .as_ref()
            .map(|l| l.iter().copied().max().map_or(0, |m| usize::from(m) + 1))
    }

    /// The labels of rows `indices`, one-hot `[indices.len(), classes]` on `device` (a row of
    /// zeros without labels, or for a label not below `classes`).
    ///
    /// # Panics
    ///
    /// If an index is out of range.
    pub fn one_hot_labels(&self, indices: &[usize], classes: usize, device: &Device) -> Tensor<2> {
        let mut values = vec![0f32; indices.len() * classes];
        if let Some(labels) = &self.labels {
            for (r, &i) in indices.iter().enumerate() {
                let label = usize::from(labels[i]);
                if label < classes {
                    values[r * classes + label] = 1.0;
                }
            }
        }
        Tensor::from_data(TensorData::new(values, [indices.len(), classes]), device)
    }

    /// The mean of each feature over all rows: for [0, 1] pixels, the probability of ink, which
    /// initialises a sigmoid generator's output bias.
    pub fn marginals(&self) -> Vec<f32> {
        let mut sums = vec![0f64; self.dim];
        for row in self.features.chunks_exact(self.dim) {
            for (s, &v) in sums.iter_mut().zip(row) {
                *s += f64::from(v);
            }
        }
        let n = self.len().max(1) as f64;
        sums.into_iter().map(|s| (s / n) as f32).collect()
    }
}
