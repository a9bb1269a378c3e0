//! Learned approximate inference, the paper's future work 2: after the generator has finished
//! training, an [`Encoder`] learns to predict `z` from `x` on pairs `(G(z), z)` drawn from the
//! fixed generator. It is stored beside the generator it was trained for:
//!
//! ```text
//! model_dir/
//!   inference.bpk    the encoder's weights (burnpack), f32 or f16
//!   inference.json   its config and training, and the checksums of its weights and of the
//!                    generator it inverts (a different generator is refused)
//! ```

use std::fs;
use std::path::Path;

use burn::module::Module;
use burn::nn::loss::{MseLoss, Reduction};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor};
use gan_nn::{Encoder, EncoderConfig, GanGenerator, Noise};
use serde::{Deserialize, Serialize};

use crate::checkpoint::{sha256, write_atomic};
use crate::error::{Result, TrainError};
use crate::export::{Precision, module_bytes, module_from_bytes, read_json_if_present};
use crate::reconstruct::Refinement;

/// File of the encoder's weights in a model or run directory.
pub const INFERENCE_FILE: &str = "inference.bpk";
/// File of its manifest.
pub const INFERENCE_MANIFEST: &str = "inference.json";

/// The most values one training batch may hold (2³¹ float32 values, 8 GiB).
const MAX_BATCH_VALUES: usize = 1 << 31;

/// How the encoder is trained on the generator's own samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InferenceTraining {
    /// Updates, each on a fresh batch of pairs `(G(z), z)`.
    pub steps: usize,
    /// Pairs per update.
    pub batch_size: usize,
    /// Adam's step size.
    pub learning_rate: f64,
    /// Seed of the encoder's initial weights and of the codes drawn.
    pub seed: u64,
}

impl Default for InferenceTraining {
    fn default() -> Self {
        Self {
            steps: 10_000,
            batch_size: 100,
            learning_rate: 1e-3,
            seed: 0,
        }
    }
}

/// `inference.json`: what the encoder is, how it was made, and for which generator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferenceManifest {
    /// The encoder's shape.
    pub encoder: EncoderConfig,
    /// How it was trained.
    pub training: InferenceTraining,
    /// The prior its training codes were drawn from (refined codes are kept in its support).
    pub noise: Noise,
    /// The refinement that reconstruction uses by default.
    pub refinement: Refinement,
    /// How the weights are stored.
    pub precision: Precision,
    /// [`generator_fingerprint`] of the generator it inverts.
    pub generator_sha256: String,
    /// SHA-256 of `inference.bpk`.
    pub sha256: String,
}

/// SHA-256 of a generator's parameters as f32 burnpack bytes: the same for a generator loaded
/// from its run or from an f32 export of it, different for any other weights.
pub fn generator_fingerprint<G: Module>(generator: &G) -> Result<String> {
    let bytes = module_bytes(generator.clone(), Precision::F32).map_err(TrainError::Serialize)?;
    Ok(sha256(&bytes))
}

/// Trains an encoder of `config` to predict `z` from `G(z)`, codes drawn from `noise`, on
/// `device`'s autodiff form with Adam and the mean squared error; `generator` is evaluated
/// without gradients (an autodiff copy is made plain with `valid`). `on_progress(step,
/// mean_loss)` is called every 500 updates and after the last.
pub fn train_encoder<G: GanGenerator<D>, const D: usize>(
    generator: &G,
    noise: Noise,
    config: &EncoderConfig,
    training: InferenceTraining,
    device: &Device,
    mut on_progress: impl FnMut(usize, f64),
) -> Result<Encoder> {
    if generator.condition_dim() > 0 {
        return Err(TrainError::Config(
            "an inference network for a conditional generator is not supported".into(),
        ));
    }
    if config.d_latent != generator.noise_dim() {
        return Err(TrainError::Config(format!(
            "the encoder predicts {} values, the generator takes {}",
            config.d_latent,
            generator.noise_dim()
        )));
    }
    if training.steps == 0
        || training.batch_size == 0
        || !(training.learning_rate > 0.0 && training.learning_rate.is_finite())
    {
        return Err(TrainError::Config(
            "the encoder needs at least one step, a positive batch size and a finite positive \
             learning rate"
                .into(),
        ));
    }
    let widest = config.d_input.max(config.d_latent);
    if training
        .batch_size
        .checked_mul(widest)
        .is_none_or(|v| v > MAX_BATCH_VALUES)
    {
        return Err(TrainError::Config(format!(
            "a batch of {} samples of {widest} values is more than one batch may hold ({MAX_BATCH_VALUES})",
            training.batch_size
        )));
    }
    let plain = device.clone().inner();
    let generator = generator.valid();
    let device = plain.clone().autodiff();
    device.seed(training.seed);
    let mut encoder = config.init(&device)?;
    let mut optim = AdamConfig::new().init();
    let (mut total, mut counted) = (0.0, 0usize);
    for step in 0..training.steps {
        plain.seed(training.seed.wrapping_add(1).wrapping_add(step as u64));
        let z = noise.sample(training.batch_size, generator.noise_dim(), &plain);
        let x = generator.generate(z.clone(), None).flatten::<2>(1, D - 1);
        if x.dims()[1] != config.d_input {
            return Err(TrainError::Config(format!(
                "the encoder reads {} values, the generator's samples have {}",
                config.d_input,
                x.dims()[1]
            )));
        }
        let (x, z) = (on(x, &device), on(z, &device));
        let loss = MseLoss::new().forward(encoder.forward(x), z, Reduction::Mean);
        let value = loss.clone().into_scalar::<f64>();
        if !value.is_finite() {
            return Err(TrainError::Diverged {
                step: step as u64,
                what: "the encoder's loss".into(),
            });
        }
        let grads = GradientsParams::from_grads(loss.backward(), &encoder);
        encoder = optim.step(training.learning_rate, encoder, grads);
        (total, counted) = (total + value, counted + 1);
        if (step + 1) % 500 == 0 || step + 1 == training.steps {
            on_progress(step + 1, total / counted as f64);
            (total, counted) = (0.0, 0);
        }
    }
    Ok(encoder.valid())
}

/// A tensor's values copied onto `device` (between a plain device and its autodiff form).
pub(crate) fn on<const D: usize>(t: Tensor<D>, device: &Device) -> Tensor<D> {
    Tensor::from_data(t.into_data(), device)
}

/// Writes `encoder` and its manifest into `dir` (each file atomically), stored in `precision`.
pub fn save_encoder(
    dir: &Path,
    encoder: &Encoder,
    mut manifest: InferenceManifest,
) -> Result<InferenceManifest> {
    let path = dir.join(INFERENCE_FILE);
    let bytes = module_bytes(encoder.clone(), manifest.precision).map_err(|reason| {
        TrainError::Inference {
            path: path.clone(),
            reason,
        }
    })?;
    manifest.sha256 = sha256(&bytes);
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| TrainError::Serialize(format!("the inference manifest: {e}")))?;
    write_atomic(&path, &bytes)?;
    write_atomic(&dir.join(INFERENCE_MANIFEST), &json)?;
    Ok(manifest)
}

/// Reads the manifest in `dir`, or `None` when the directory holds no inference network.
pub fn read_inference_manifest(dir: &Path) -> Result<Option<InferenceManifest>> {
    read_json_if_present(&dir.join(INFERENCE_MANIFEST), |path, reason| {
        TrainError::Inference { path, reason }
    })
}

/// Loads the encoder stored in `dir` onto `device`, after checking its weights against their
/// checksum and that it was trained for `generator` (by [`generator_fingerprint`]).
pub fn load_encoder<G: Module>(
    dir: &Path,
    generator: &G,
    device: &Device,
) -> Result<(Encoder, InferenceManifest)> {
    let manifest_path = dir.join(INFERENCE_MANIFEST);
    let manifest = read_inference_manifest(dir)?.ok_or_else(|| TrainError::Inference {
        path: manifest_path.clone(),
        reason: "no inference network here: train one with `gan train-inference`".into(),
    })?;
    if manifest.generator_sha256 != generator_fingerprint(generator)? {
        return Err(TrainError::Inference {
            path: manifest_path,
            reason: "it was trained for another generator (checksums differ): retrain it with \
                     `gan train-inference`"
                .into(),
        });
    }
    let path = dir.join(INFERENCE_FILE);
    let bytes = fs::read(&path).map_err(|e| TrainError::io(&path, e))?;
    if sha256(&bytes) != manifest.sha256 {
        return Err(TrainError::Inference {
            path,
            reason: format!("checksum differs from {INFERENCE_MANIFEST} (corrupt or partial)"),
        });
    }
    let encoder = module_from_bytes(bytes, manifest.encoder.init(device)?)
        .map_err(|reason| TrainError::Inference { path, reason })?;
    Ok((encoder, manifest))
}
