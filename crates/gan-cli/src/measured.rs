//! Sets of rows reduced, a batch at a time, to what the quality metrics compare: the MNIST
//! classifier's features and class probabilities, and the rows themselves only where a metric
//! compares pixels (`--features raw`, memorisation). A file of any length is read in batches,
//! so what is held is what the metrics need, not the images.

use std::path::Path;

use burn::tensor::Device;
use gan_data::Dataset;
use gan_nn::ImageClassifier;

use crate::batches::{BATCH_ROWS, for_each_batch, open_rows};
use crate::error::CliError;

/// A set of rows as the metrics see it.
#[derive(Debug, Default)]
pub struct Measured {
    /// Rows in the set.
    pub len: usize,
    /// Values per row.
    pub dim: usize,
    /// The rows, when a metric compares pixels (else empty).
    pub rows: Vec<f32>,
    /// The classifier's features, row by row, when a classifier is used (else empty).
    pub features: Vec<f32>,
    /// The classifier's class probabilities, row by row, when a classifier is used.
    pub probabilities: Vec<f32>,
}

/// What to keep of each batch.
pub struct Reduction<'a> {
    /// Keep the rows themselves.
    pub keep_rows: bool,
    /// Run this classifier on each batch and keep its outputs.
    pub classifier: Option<&'a ImageClassifier>,
    /// Where the classifier runs.
    pub device: &'a Device,
}

impl Reduction<'_> {
    /// Adds a batch of rows to `set`.
    fn add(&self, set: &mut Measured, batch: &Dataset, what: &str) -> Result<(), CliError> {
        if set.len > 0 && batch.dim() != set.dim {
            return Err(CliError::Usage(format!(
                "{what}: rows of {} values after rows of {}",
                batch.dim(),
                set.dim
            )));
        }
        set.dim = batch.dim();
        if self.keep_rows {
            set.rows.extend_from_slice(batch.features());
        }
        if let Some(classifier) = self.classifier {
            let (features, probabilities) =
                gan_train::classifier_outputs(classifier, batch, self.device, 500)?;
            set.features.extend(features);
            set.probabilities.extend(probabilities);
        }
        set.len += batch.len();
        Ok(())
    }

    /// Rows in memory, [`BATCH_ROWS`] at a time.
    pub fn of_rows(&self, data: &Dataset, what: &str) -> Result<Measured, CliError> {
        let mut set = Measured {
            dim: data.dim(),
            ..Measured::default()
        };
        for start in (0..data.len()).step_by(BATCH_ROWS) {
            let batch = data.slice(start..data.len().min(start + BATCH_ROWS))?;
            self.add(&mut set, &batch, what)?;
        }
        Ok(set)
    }

    /// The rows of an array file, read a batch at a time.
    pub fn of_file(&self, path: &Path) -> Result<Measured, CliError> {
        let mut rows = open_rows(path)?;
        let mut set = Measured {
            dim: rows.dim(),
            ..Measured::default()
        };
        let what = path.display().to_string();
        for_each_batch(&mut rows, |_, batch| self.add(&mut set, &batch, &what))?;
        Ok(set)
    }
}
