//! Training, saving and loading the image classifier that the metrics read features from
//! (`models/mnist-classifier`): cross-entropy, Adam, a seeded data order.

use std::fs;
use std::path::Path;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device, Int, Tensor, TensorData};
use gan_data::{BatchSampler, Dataset};
use gan_nn::{ImageClassifier, ImageClassifierConfig};
use serde::{Deserialize, Serialize};

use crate::checkpoint::{sha256, write_atomic};
use crate::error::{Result, TrainError};

/// File of the classifier's weights in its directory.
pub const CLASSIFIER_FILE: &str = "classifier.bpk";
/// File of its manifest (config, training, test accuracy, checksum).
pub const CLASSIFIER_MANIFEST: &str = "classifier.json";

/// How the classifier is trained.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassifierTraining {
    /// Passes over the training rows.
    pub epochs: usize,
    /// Rows per update.
    pub batch_size: usize,
    /// Adam's step size.
    pub learning_rate: f64,
    /// Seed of the initial weights, the dropout masks and the data order.
    pub seed: u64,
}

impl Default for ClassifierTraining {
    fn default() -> Self {
        Self {
            epochs: 4,
            batch_size: 64,
            learning_rate: 1e-3,
            seed: 0,
        }
    }
}

/// What is stored beside the weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClassifierManifest {
    /// The network's shape.
    pub config: ImageClassifierConfig,
    /// How it was trained.
    pub training: ClassifierTraining,
    /// Share of test rows classified correctly.
    pub test_accuracy: f64,
    /// Number of test rows that accuracy is over.
    pub test_rows: usize,
    /// SHA-256 of the weights file.
    pub sha256: String,
}

/// Trains a classifier of `config` on the labelled rows of `train` (flattened images of the
/// config's shape), on `device`'s autodiff form; `on_epoch(epoch, mean_loss)` follows progress.
pub fn train_classifier(
    config: &ImageClassifierConfig,
    training: ClassifierTraining,
    train: &Dataset,
    device: &Device,
    mut on_epoch: impl FnMut(usize, f64),
) -> Result<ImageClassifier> {
    let labels = labels_of(config, train)?;
    if training.epochs == 0 || !(training.learning_rate > 0.0 && training.learning_rate.is_finite())
    {
        return Err(TrainError::Config(
            "the classifier needs at least one epoch and a finite positive learning rate".into(),
        ));
    }
    if training.batch_size == 0 || training.batch_size > train.len() {
        return Err(TrainError::Config(format!(
            "the classifier's batch size must lie in 1..={} (the training images), not {}",
            train.len(),
            training.batch_size
        )));
    }
    let device = device.clone().autodiff();
    device.seed(training.seed);
    let mut model = config.init(&device)?;
    let mut optim = AdamConfig::new().init();
    let loss = CrossEntropyLossConfig::new().init(&device);
    let sampler = BatchSampler::new(train.len(), training.batch_size, training.seed)?;
    for epoch in 0..training.epochs {
        let (mut total, mut batches) = (0.0, 0usize);
        for batch in sampler.epoch(epoch as u64) {
            let x = train.gather(&batch, &device);
            let targets: Vec<i64> = batch.iter().map(|&i| i64::from(labels[i])).collect();
            let targets =
                Tensor::<1, Int>::from_data(TensorData::new(targets, [batch.len()]), &device);
            let value = loss.forward(model.forward(x), targets);
            let scalar = value.clone().into_scalar::<f64>();
            if !scalar.is_finite() {
                return Err(TrainError::Diverged {
                    step: batches as u64,
                    what: "the classifier's loss".into(),
                });
            }
            let grads = GradientsParams::from_grads(value.backward(), &model);
            model = optim.step(training.learning_rate, model, grads);
            total += scalar;
            batches += 1;
        }
        on_epoch(epoch, total / batches as f64);
    }
    Ok(model.valid())
}

/// Share of `data`'s labelled rows that `model` classifies correctly, `batch` rows at a time.
pub fn classifier_accuracy(
    model: &ImageClassifier,
    data: &Dataset,
    device: &Device,
) -> Result<f64> {
    let labels = data
        .labels()
        .ok_or_else(|| TrainError::Config("accuracy needs labelled rows".into()))?;
    let probabilities = classifier_outputs(model, data, device, 500)?.1;
    let classes = probabilities.len() / data.len().max(1);
    let correct = probabilities
        .chunks_exact(classes)
        .zip(labels)
        .filter(|(row, label)| {
            let best = (0..classes).fold(0, |b, c| if row[c] > row[b] { c } else { b });
            best == usize::from(**label)
        })
        .count();
    Ok(correct as f64 / data.len() as f64)
}

/// The feature rows and the class probabilities of every row of `data`, row-major, computed
/// `batch` rows at a time on `device`.
pub fn classifier_outputs(
    model: &ImageClassifier,
    data: &Dataset,
    device: &Device,
    batch: usize,
) -> Result<(Vec<f32>, Vec<f32>)> {
    let [c, h, w] = model.image_shape();
    if data.dim() != c * h * w {
        return Err(TrainError::Config(format!(
            "the classifier reads images of {c}×{h}×{w} = {} values, the rows have {}",
            c * h * w,
            data.dim()
        )));
    }
    let model = model.clone().fork(device);
    let (mut features, mut probabilities) = (Vec::new(), Vec::new());
    for start in (0..data.len()).step_by(batch.max(1)) {
        let indices: Vec<usize> = (start..(start + batch.max(1)).min(data.len())).collect();
        let f = model.features(data.gather(&indices, device));
        let p = burn::tensor::activation::softmax(model.classify_features(f.clone()), 1);
        features.extend(f.into_data().try_into_vec::<f32>().map_err(data_error)?);
        probabilities.extend(p.into_data().try_into_vec::<f32>().map_err(data_error)?);
    }
    Ok((features, probabilities))
}

fn data_error(e: impl std::fmt::Debug) -> TrainError {
    TrainError::Serialize(format!("classifier output: {e:?}"))
}

fn labels_of<'a>(config: &ImageClassifierConfig, data: &'a Dataset) -> Result<&'a [u8]> {
    config.validate()?;
    let [c, h, w] = config.image;
    if data.dim() != c * h * w {
        return Err(TrainError::Config(format!(
            "the classifier is configured for {c}×{h}×{w} images, the rows have {} values",
            data.dim()
        )));
    }
    let labels = data
        .labels()
        .ok_or_else(|| TrainError::Config("the classifier trains on labelled rows".into()))?;
    if let Some(bad) = labels.iter().find(|&&l| usize::from(l) >= config.classes) {
        return Err(TrainError::Config(format!(
            "label {bad} is out of range for {} classes",
            config.classes
        )));
    }
    Ok(labels)
}

/// Writes the classifier's weights and its manifest (the manifest last, each atomically) into
/// `dir`; returns the manifest.
pub fn save_classifier(
    dir: &Path,
    model: &ImageClassifier,
    config: &ImageClassifierConfig,
    training: ClassifierTraining,
    (test_accuracy, test_rows): (f64, usize),
) -> Result<ClassifierManifest> {
    let bytes = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| TrainError::Serialize(format!("the classifier: {e}")))?;
    fs::create_dir_all(dir).map_err(|e| TrainError::io(dir, e))?;
    write_atomic(&dir.join(CLASSIFIER_FILE), &bytes)?;
    let manifest = ClassifierManifest {
        config: config.clone(),
        training,
        test_accuracy,
        test_rows,
        sha256: sha256(&bytes),
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| TrainError::Serialize(format!("the classifier manifest: {e}")))?;
    write_atomic(&dir.join(CLASSIFIER_MANIFEST), &json)?;
    Ok(manifest)
}

/// Loads a classifier saved by [`save_classifier`] onto `device`, checking its checksum.
pub fn load_classifier(
    dir: &Path,
    device: &Device,
) -> Result<(ImageClassifier, ClassifierManifest)> {
    let read = |name: &str| {
        let path = dir.join(name);
        fs::read(&path).map_err(|e| TrainError::io(path, e))
    };
    let invalid = |reason: String| TrainError::Checkpoint {
        path: dir.to_path_buf(),
        reason,
    };
    let manifest: ClassifierManifest = serde_json::from_slice(&read(CLASSIFIER_MANIFEST)?)
        .map_err(|e| invalid(format!("{CLASSIFIER_MANIFEST}: {e}")))?;
    let bytes = read(CLASSIFIER_FILE)?;
    if sha256(&bytes) != manifest.sha256 {
        return Err(invalid(format!(
            "{CLASSIFIER_FILE}: checksum mismatch (corrupt or partial)"
        )));
    }
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(|e| invalid(format!("{CLASSIFIER_FILE}: {e}")))?;
    let model = manifest
        .config
        .init(device)?
        .try_load_record(record)
        .map_err(|e| invalid(format!("{CLASSIFIER_FILE}: {e}")))?;
    Ok((model, manifest))
}
