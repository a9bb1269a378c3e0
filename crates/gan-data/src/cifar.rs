//! CIFAR-10 in its binary form: `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin`,
//! each 10,000 records of 1 label byte and 3,072 pixel bytes (red, green, blue planes of 32×32).

use std::path::Path;

use crate::dataset::Dataset;
use crate::error::{DataError, Result};

const RECORD: usize = 1 + 3072;

/// How CIFAR-10 pixels are scaled.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum CifarScaling {
    /// Pixels divided by 255, in `[0, 1]`.
    #[default]
    Unit,
    /// The released model's global contrast normalisation: each image minus its mean, divided
    /// by its L2 norm, times `scale` (the paper uses 55).
    GlobalContrast {
        /// The L2 norm each image ends with.
        scale: f32,
    },
}

/// CIFAR-10 with the released code's splits: train = 0..40000, valid = 40000..50000 of the
/// training batches, test = `test_batch.bin`. Items have shape `[3, 32, 32]`.
#[derive(Debug, Clone)]
pub struct Cifar10 {
    /// Training images 0..40000.
    pub train: Dataset,
    /// Training images 40000..50000.
    pub valid: Dataset,
    /// The test batch.
    pub test: Dataset,
}

impl Cifar10 {
    /// Loads the six batch files from `dir`.
    pub fn load(dir: &Path, scaling: CifarScaling) -> Result<Self> {
        let mut pixels = Vec::new();
        let mut labels = Vec::new();
        for i in 1..=5 {
            read_batch(
                &dir.join(format!("data_batch_{i}.bin")),
                &mut pixels,
                &mut labels,
            )?;
        }
        let (mut test_pixels, mut test_labels) = (Vec::new(), Vec::new());
        read_batch(
            &dir.join("test_batch.bin"),
            &mut test_pixels,
            &mut test_labels,
        )?;
        let full = finish(pixels, labels, scaling)?;
        let split = 40_000.min(full.len());
        Ok(Self {
            train: full.slice(0..split)?,
            valid: full.slice(split..full.len())?,
            test: finish(test_pixels, test_labels, scaling)?,
        })
    }
}

/// Reads one CIFAR-10 binary batch file, appending u8 pixels and labels.
pub fn read_batch(path: &Path, pixels: &mut Vec<u8>, labels: &mut Vec<u8>) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    if bytes.is_empty() || !bytes.len().is_multiple_of(RECORD) {
        return Err(DataError::format(
            path,
            format!(
                "{} bytes is not a whole number of {RECORD}-byte CIFAR-10 records",
                bytes.len()
            ),
        ));
    }
    for record in bytes.chunks_exact(RECORD) {
        if record[0] > 9 {
            return Err(DataError::format(
                path,
                format!("label {} outside 0..=9", record[0]),
            ));
        }
        labels.push(record[0]);
        pixels.extend_from_slice(&record[1..]);
    }
    Ok(())
}

fn finish(pixels: Vec<u8>, labels: Vec<u8>, scaling: CifarScaling) -> Result<Dataset> {
    let mut features: Vec<f32> = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
    if let CifarScaling::GlobalContrast { scale } = scaling {
        for image in features.chunks_exact_mut(3072) {
            global_contrast_normalize(image, scale);
        }
    }
    Dataset::new(features, vec![3, 32, 32], Some(labels))
}

/// pylearn2's `global_contrast_normalize(X, scale, subtract_mean=True, use_std=False)` on one
/// row: subtract the mean, then divide by `‖x‖ / scale` (by 1 when the norm is below 1e-8).
pub fn global_contrast_normalize(row: &mut [f32], scale: f32) {
    let mean = row.iter().map(|&v| f64::from(v)).sum::<f64>() / row.len() as f64;
    let norm = row
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        .sqrt();
    let divisor = if norm / f64::from(scale) < 1e-8 {
        1.0
    } else {
        norm / f64::from(scale)
    };
    for v in row.iter_mut() {
        *v = ((f64::from(*v) - mean) / divisor) as f32;
    }
}
