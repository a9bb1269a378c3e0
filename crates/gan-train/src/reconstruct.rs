//! Reconstructing real samples through a fixed generator: codes from the encoder, refined by
//! gradient descent on `‖G(z) − x‖²` (Adam on the codes), and the errors that judge them,
//! beside the baseline of the nearest of many random samples.

use burn::module::{Module, Param};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::Tensor;
use gan_nn::{Encoder, GanGenerator, Noise};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::inference::on;

/// Gradient descent on the codes after the encoder's guess.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Refinement {
    /// Adam updates of every code (0: the encoder's guess as it is).
    pub steps: usize,
    /// Adam's step size.
    pub learning_rate: f64,
}

impl Default for Refinement {
    fn default() -> Self {
        Self {
            steps: 100,
            learning_rate: 0.05,
        }
    }
}

/// The codes under refinement, as a module so that Burn's Adam updates them.
#[derive(Module, Debug)]
struct Codes {
    z: Param<Tensor<2>>,
}

/// Codes whose samples approximate `images` (`[n, features]`, flat): the encoder's guess,
/// then `refinement.steps` Adam updates of each code on its own squared error `‖G(z) − x‖²`,
/// each followed by a projection onto `noise`'s support ([`Noise::project`]). The generator is
/// used in evaluation mode and takes no gradient. Rows are independent: a code's result does
/// not depend on the other rows of the batch.
pub fn infer_codes<G: GanGenerator<D>, const D: usize>(
    generator: &G,
    encoder: &Encoder,
    noise: Noise,
    images: Tensor<2>,
    refinement: Refinement,
) -> Result<Tensor<2>> {
    let guess = noise.project(encoder.valid().forward(images.clone()));
    refine_codes(generator, noise, images, guess, refinement)
}

/// [`infer_codes`] from given starting codes `[n, noise_dim]` instead of the encoder's guess.
pub fn refine_codes<G: GanGenerator<D>, const D: usize>(
    generator: &G,
    noise: Noise,
    images: Tensor<2>,
    start: Tensor<2>,
    refinement: Refinement,
) -> Result<Tensor<2>> {
    if refinement.steps == 0 {
        return Ok(start);
    }
    if !(refinement.learning_rate > 0.0 && refinement.learning_rate.is_finite()) {
        return Err(TrainError::Config(format!(
            "the refinement's learning rate must be finite and positive, not {}",
            refinement.learning_rate
        )));
    }
    let plain = images.device().inner();
    let device = plain.clone().autodiff();
    // Evaluation mode survives the move to the autodiff device: no parameter gradients, no
    // batch statistics; only the codes are optimised.
    let generator = generator.valid().fork(&device);
    let x = on(images, &device);
    let mut codes = Codes {
        z: Param::from_tensor(on(start, &device)),
    };
    let mut optim = AdamConfig::new().init();
    for step in 0..refinement.steps {
        let samples = generator
            .generate(codes.z.val(), None)
            .flatten::<2>(1, D - 1);
        let loss = (samples - x.clone()).powi_scalar(2).sum();
        if !loss.clone().into_scalar::<f64>().is_finite() {
            return Err(TrainError::Diverged {
                step: step as u64,
                what: "the reconstruction error".into(),
            });
        }
        let grads = GradientsParams::from_grads(loss.backward(), &codes);
        codes = optim.step(refinement.learning_rate, codes, grads);
        // Projected as a fresh leaf: the projection is no part of the next step's graph.
        codes.z = codes
            .z
            .map(|z| noise.project(z.inner()).autodiff().require_grad());
    }
    Ok(on(codes.z.val(), &plain))
}

/// Mean squared error per value of each row of `a` against the same row of `b`, on the host.
pub fn row_errors(a: Tensor<2>, b: Tensor<2>) -> Vec<f64> {
    let d = a.dims()[1].max(1);
    let squared: Vec<f32> = (a - b)
        .powi_scalar(2)
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap_or_default();
    squared
        .chunks(d)
        .map(|row| row.iter().map(|&v| f64::from(v)).sum::<f64>() / d as f64)
        .collect()
}

/// For each row of `images`, the mean squared error per value of the nearest row of
/// `samples` (Euclidean), computed on `images`' device a block of rows at a time.
pub fn nearest_sample_errors(images: Tensor<2>, samples: Tensor<2>) -> Vec<f64> {
    let [n, d] = images.dims();
    let sample_norms = samples.clone().powi_scalar(2).sum_dim(1).transpose();
    let mut errors = Vec::with_capacity(n);
    let block = 256;
    for start in (0..n).step_by(block) {
        let rows = images.clone().narrow(0, start, block.min(n - start));
        let norms = rows.clone().powi_scalar(2).sum_dim(1);
        // ‖x − s‖² = ‖x‖² − 2 x·s + ‖s‖², clamped at 0 against rounding.
        let distances = (norms - rows.matmul(samples.clone().transpose()).mul_scalar(2.0)
            + sample_norms.clone())
        .clamp_min(0.0)
        .min_dim(1);
        let values: Vec<f32> = distances
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .unwrap_or_default();
        errors.extend(values.iter().map(|&v| f64::from(v) / d.max(1) as f64));
    }
    errors
}

/// Mean and sample standard deviation of `values`.
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}
