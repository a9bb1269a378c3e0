//! Semi-supervised learning from a GAN's frozen networks (the paper's future work 4): a few
//! labelled training rows per class, a feature map (the discriminator's hidden layers, the
//! inference network's, or the raw pixels as the baseline), and a linear probe
//! ([`crate::fit_probe`]) whose penalty is chosen on the labelled rows alone. The unlabelled
//! training rows serve only to centre and scale the features.

use burn::tensor::{Device, Tensor, TensorData};
use gan_data::Dataset;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::probe::{
    PenaltyChoice, ProbeConfig, choose_penalty, error_rate, fit_probe, probe_predictions,
};

/// Rows per forward pass of a feature map.
const FEATURE_BATCH: usize = 1000;

/// The result of [`linear_probe_error`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    /// Share of test rows misclassified.
    pub error: f64,
    /// Labelled training rows used (per class × classes).
    pub labels: usize,
    /// Width of the feature rows.
    pub feature_dim: usize,
    /// Test rows the error is over.
    pub test_rows: usize,
    /// The L2 penalty and how it was chosen.
    pub penalty: PenaltyChoice,
}

/// Per-feature centring and one global scale, fitted on a feature map's rows: each feature minus
/// its mean, divided by the root of the features' mean variance. One scale for all keeps the
/// features' relative sizes (a per-feature scale would blow up nearly constant pixels).
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureScaling {
    /// Mean of each feature.
    pub mean: Vec<f32>,
    /// The common divisor.
    pub scale: f32,
}

impl FeatureScaling {
    /// Fits the scaling on `map`'s features of every row of `data`, computed on `device`.
    pub fn fit(
        map: &impl Fn(Tensor<2>) -> Tensor<2>,
        data: &Dataset,
        device: &Device,
    ) -> Result<Self> {
        let (mut sum, mut squares) = (Vec::<f64>::new(), Vec::<f64>::new());
        for features in feature_chunks(map, data, device) {
            let (values, width) = host_rows(features?)?;
            if sum.is_empty() {
                (sum, squares) = (vec![0.0; width], vec![0.0; width]);
            }
            for row in values.chunks_exact(width) {
                for (j, &v) in row.iter().enumerate() {
                    sum[j] += f64::from(v);
                    squares[j] += f64::from(v) * f64::from(v);
                }
            }
        }
        let n = data.len().max(1) as f64;
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let variance = squares
            .iter()
            .zip(&mean)
            .map(|(q, m)| (q / n - m * m).max(0.0))
            .sum::<f64>()
            / mean.len().max(1) as f64;
        let scale = if variance > 0.0 { variance.sqrt() } else { 1.0 };
        Ok(Self {
            mean: mean.iter().map(|&m| m as f32).collect(),
            scale: scale as f32,
        })
    }

    /// `(features − mean) / scale`.
    pub fn apply(&self, features: Tensor<2>) -> Tensor<2> {
        let device = features.device();
        let mean = Tensor::<1>::from_data(
            TensorData::new(self.mean.clone(), [self.mean.len()]),
            &device,
        );
        (features - mean.unsqueeze_dim(0)).div_scalar(self.scale)
    }
}

/// `per_class` rows of each class of `labels` (`0..classes`), drawn without replacement with
/// `seed`, sorted.
pub fn draw_labelled(
    labels: &[u8],
    classes: usize,
    per_class: usize,
    seed: u64,
) -> Result<Vec<usize>> {
    if per_class == 0 {
        return Err(TrainError::Config(
            "at least one label per class is needed".into(),
        ));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut chosen = Vec::new();
    for c in 0..classes {
        let mut rows: Vec<usize> = (0..labels.len())
            .filter(|&i| usize::from(labels[i]) == c)
            .collect();
        if rows.len() < per_class {
            return Err(TrainError::Config(format!(
                "class {c} has {} training rows, fewer than the {per_class} labels asked for",
                rows.len()
            )));
        }
        rows.shuffle(&mut rng);
        chosen.extend_from_slice(&rows[..per_class]);
    }
    chosen.sort_unstable();
    Ok(chosen)
}

/// Trains a linear probe on `map`'s features of `per_class` labelled rows per class of `train`
/// (drawn with `seed`), its penalty chosen by cross-validation on those rows, and returns its
/// error on every row of `test`. Features are centred and scaled on all of `train`'s rows
/// ([`FeatureScaling`]), which needs no labels. `map` turns data rows `[n, d]` into feature rows
/// on `device`; the identity gives the raw-pixel baseline.
pub fn linear_probe_error(
    map: &impl Fn(Tensor<2>) -> Tensor<2>,
    train: &Dataset,
    test: &Dataset,
    per_class: usize,
    seed: u64,
    config: &ProbeConfig,
    device: &Device,
) -> Result<ProbeReport> {
    config.validate()?;
    let unlabelled = || TrainError::Config("semi-supervised learning needs labelled rows".into());
    let (train_labels, test_labels) = (
        train.labels().ok_or_else(unlabelled)?,
        test.labels().ok_or_else(unlabelled)?,
    );
    if train.dim() != test.dim() {
        return Err(TrainError::Config(format!(
            "training rows have {} values, test rows {}",
            train.dim(),
            test.dim()
        )));
    }
    let classes = train.num_classes().ok_or_else(unlabelled)?;
    let chosen = draw_labelled(train_labels, classes, per_class, seed)?;
    let scaling = FeatureScaling::fit(map, train, device)?;
    let features = scaling.apply(map(train.gather(&chosen, device)));
    let feature_dim = features.dims()[1];
    let labels: Vec<u8> = chosen.iter().map(|&i| train_labels[i]).collect();
    let penalty = choose_penalty(features.clone(), &labels, classes, config, seed)?;
    let probe = fit_probe(features, &labels, classes, penalty.l2, config.max_iter)?;
    let mut predicted = Vec::with_capacity(test.len());
    for features in feature_chunks(map, test, device) {
        predicted.extend(probe_predictions(&probe, scaling.apply(features?))?);
    }
    Ok(ProbeReport {
        error: error_rate(&predicted, test_labels),
        labels: labels.len(),
        feature_dim,
        test_rows: test.len(),
        penalty,
    })
}

/// `map`'s features of `data`, [`FEATURE_BATCH`] rows at a time.
fn feature_chunks<'a>(
    map: &'a impl Fn(Tensor<2>) -> Tensor<2>,
    data: &'a Dataset,
    device: &'a Device,
) -> impl Iterator<Item = Result<Tensor<2>>> + 'a {
    (0..data.len()).step_by(FEATURE_BATCH).map(move |start| {
        let rows: Vec<usize> = (start..(start + FEATURE_BATCH).min(data.len())).collect();
        let features = map(data.gather(&rows, device));
        if features.dims()[0] != rows.len() {
            return Err(TrainError::Config(format!(
                "the feature map gave {} rows for {}",
                features.dims()[0],
                rows.len()
            )));
        }
        Ok(features)
    })
}

fn host_rows(features: Tensor<2>) -> Result<(Vec<f32>, usize)> {
    let width = features.dims()[1].max(1);
    let values = features
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| TrainError::Serialize(format!("feature rows: {e:?}")))?;
    Ok((values, width))
}
