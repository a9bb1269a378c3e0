use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};

use crate::error::NnError;

/// Configuration of an [`InputDropout`]: the probability of keeping each input and the factor
/// kept inputs are multiplied by.
///
/// pylearn2 names these `input_include_probs` and `input_scales`; they are separate settings
/// there, so they are separate here (Burn's `Dropout` ties the scale to `1 / keep`).
#[derive(Config, Debug)]
pub struct InputDropoutConfig {
    /// Probability of keeping each input, in `(0, 1]`.
    pub keep_prob: f64,
    /// Factor applied to kept inputs; positive.
    pub scale: f64,
}

impl InputDropoutConfig {
    /// The usual inverted dropout: keep `keep_prob`, scale `1 / keep_prob`.
    pub fn inverted(keep_prob: f64) -> Self {
        Self::new(keep_prob, 1.0 / keep_prob)
    }

    /// No dropout: keep everything, scale 1.
    pub fn none() -> Self {
        Self::new(1.0, 1.0)
    }

    /// Checks `keep_prob ∈ (0, 1]` and `scale > 0`, both finite.
    pub fn validate(&self) -> Result<(), NnError> {
        if !(self.keep_prob > 0.0 && self.keep_prob <= 1.0) {
            return Err(NnError::KeepProbability(self.keep_prob));
        }
        if !(self.scale.is_finite() && self.scale > 0.0) {
            return Err(NnError::Scale(self.scale));
        }
        Ok(())
    }

    /// Builds the module.
    pub fn init(&self) -> Result<InputDropout, NnError> {
        self.validate()?;
        Ok(InputDropout {
            keep_prob: self.keep_prob,
            scale: self.scale,
        })
    }
}

/// Dropout on a layer's input, with separate keep probability and scale.
///
/// It acts only in [`InputDropout::forward_train`]; [`InputDropout::forward`] is the identity,
/// as the released models evaluate without dropout.
#[derive(Module, Debug)]
pub struct InputDropout {
    /// Probability of keeping each input.
    pub keep_prob: f64,
    /// Factor applied to kept inputs.
    pub scale: f64,
}

impl InputDropout {
    /// Evaluation: the identity.
    pub fn forward<const D: usize>(&self, input: Tensor<D>) -> Tensor<D> {
        input
    }

    /// Training: each element is kept with probability `keep_prob` and multiplied by `scale`,
    /// or set to zero. Draws from the device's random stream (see `Device::seed`).
    pub fn forward_train<const D: usize>(&self, input: Tensor<D>) -> Tensor<D> {
        let scaled = if self.scale == 1.0 {
            input
        } else {
            input.mul_scalar(self.scale)
        };
        if self.keep_prob >= 1.0 {
            return scaled;
        }
        let mask = scaled.random_like(Distribution::Bernoulli(self.keep_prob));
        scaled * mask
    }

    /// A mask for `[rows, width]` inputs, drawn as [`InputDropout::forward_train`] draws it:
    /// `scale` where kept, `0` where dropped; `None` when every input is kept and scaled by 1.
    pub fn draw_mask(&self, rows: usize, width: usize, device: &Device) -> Option<Tensor<2>> {
        if self.keep_prob >= 1.0 {
            return (self.scale != 1.0).then(|| Tensor::full([rows, width], self.scale, device));
        }
        let keep = Tensor::<2>::random(
            [rows, width],
            Distribution::Bernoulli(self.keep_prob),
            device,
        );
        Some(if self.scale == 1.0 {
            keep
        } else {
            keep.mul_scalar(self.scale)
        })
    }
}
