//! Neural-network modules for generative adversarial nets (Goodfellow et al., 2014).
//!
//! Every module follows Burn's `burn-nn` shape: a serialisable `*Config` with `init(&device)`,
//! and a module with `forward`. Configs validate themselves, so a bad width or probability is a
//! [`NnError`], never a panic.
//!
//! - [`Maxout`]: `h_i = max_j (x·W_ij + b_ij)`, one fused linear layer then a max over pieces.
//! - [`Generator`]: an MLP from noise to data ([`GeneratorConfig::paper_mnist`]).
//! - [`Discriminator`]: maxout layers, input dropout, a linear logit output
//!   ([`DiscriminatorConfig::paper_mnist`]).
//! - [`Noise`]: the priors `p_z` of the released code.
//! - [`GanGenerator`], [`GanDiscriminator`]: the players as traits; any Burn module that
//!   implements them trains with `gan-train`. [`MlpGanConfig`] builds the paper's pair,
//!   [`DcganConfig`] a DCGAN-style convolutional one, [`PaperConvConfig`] the paper's
//!   convolutional CIFAR-10 pair ([`DeconvGenerator`], [`ConvMaxoutDiscriminator`] of
//!   [`MaxoutConv`] layers).
//! - [`ImageClassifier`]: a LeNet-style classifier, the feature network of the MNIST metrics.
//! - [`InpaintGenerator`], [`InpaintDiscriminator`]: a pair conditioned on the known half of
//!   an image ([`Half`]), for inpainting `p(x_S | x_S')` (future work 3).
//! - [`Encoder`]: the inference network `z ← x` of the paper's future work 2.
//! - [`FeatureExtractor`]: a frozen discriminator or encoder as a feature map for classifiers
//!   trained on few labels (future work 4).
//! - [`ClassDiscriminator`]: a discriminator with `K` class logits and generated data as class
//!   `K + 1` (Salimans et al. 2016), for semi-supervised GAN training.

mod bn_generator;
mod class_discriminator;
mod classifier;
mod dcgan;
mod deconv;
mod discriminator;
mod dropout;
mod encoder;
mod error;
mod features;
mod generator;
mod inpaint;
mod maxout;
mod maxout_conv;
mod mlp;
mod noise;
mod paper_conv;
mod players;
mod size;
mod weight_norm;

pub use bn_generator::{BatchNormGenerator, BatchNormGeneratorConfig};
pub use class_discriminator::{
    ClassDiscriminator, ClassDiscriminatorConfig, ClassOutput, gan_logit,
};
pub use classifier::{ImageClassifier, ImageClassifierConfig};
pub use dcgan::{DcganConfig, DcganDiscriminator, DcganGenerator};
pub use deconv::{DeconvGenerator, DeconvGeneratorConfig};
pub use discriminator::{Discriminator, DiscriminatorConfig, DropoutMasks, MaxoutLayerConfig};
pub use dropout::{InputDropout, InputDropoutConfig};
pub use encoder::{Encoder, EncoderConfig};
pub use error::NnError;
pub use features::FeatureExtractor;
pub use generator::{Generator, GeneratorConfig, HiddenLayerConfig};
pub use inpaint::{
    Half, InpaintConfig, InpaintDiscriminator, InpaintGenerator, inpaint_condition,
    inpaint_condition_dim,
};
pub use maxout::{Maxout, MaxoutConfig};
pub use maxout_conv::{MaxoutConv, MaxoutConvConfig};
pub use mlp::MlpGanConfig;
pub use noise::Noise;
pub use paper_conv::{
    ConvMaxoutDiscriminator, ConvMaxoutDiscriminatorConfig, MaxoutConvLayerConfig, PaperConvConfig,
};
pub use players::{GanDiscriminator, GanGenerator, SharedLogits, cat_conditions};
pub use size::SizeEstimate;
pub use weight_norm::{WeightNormLinear, WeightNormLinearConfig};

/// Burn's parameter initializers, re-exported for configs.
pub use burn::nn::Initializer;
/// Burn's activation configs, re-exported for building generators.
pub use burn::nn::activation::{Activation, ActivationConfig};

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};

/// A [`Linear`] layer whose weight comes from `init` and whose bias starts at zero, as every
/// layer of the released pylearn2 models does.
pub(crate) fn linear_zero_bias(
    d_input: usize,
    d_output: usize,
    init: &Initializer,
    device: &Device,
) -> Linear {
    Linear {
        weight: init.init_with([d_input, d_output], Some(d_input), Some(d_output), device),
        bias: Some(Param::from_tensor(Tensor::zeros([d_output], device))),
    }
}

/// The largest magnitude an initializer's parameters may take (a weight scale beyond it is a
/// mistake, and f32 cannot hold much more).
pub const INITIALIZER_BOUND: f64 = 1e6;

/// Rejects initializers whose parameters are not finite, too large, or describe an empty
/// range or a negative scale.
pub(crate) fn validate_initializer(init: &Initializer) -> Result<(), NnError> {
    // Burn samples in f32 and unwraps its distribution's construction: a bound past f32's
    // range, an empty range or a negative scale would panic inside it.
    let check = |what: &str, value: f64| {
        if value.is_finite() && value.abs() <= INITIALIZER_BOUND {
            Ok(())
        } else {
            Err(NnError::Invalid(format!(
                "{what} must be a finite number of magnitude at most {INITIALIZER_BOUND:e}, got {value}"
            )))
        }
    };
    let positive = |what: &str, value: f64| {
        check(what, value)?;
        if value > 0.0 {
            Ok(())
        } else {
            Err(NnError::Invalid(format!(
                "{what} must be positive, got {value}"
            )))
        }
    };
    match *init {
        Initializer::Uniform { min, max } => {
            check("uniform initializer min", min)?;
            check("uniform initializer max", max)?;
            if min >= max {
                return Err(NnError::Invalid(format!(
                    "uniform initializer range [{min}, {max}] is empty (min must be below max)"
                )));
            }
            Ok(())
        }
        Initializer::Normal { mean, std } => {
            check("normal initializer mean", mean)?;
            check("normal initializer std", std)?;
            if std < 0.0 {
                return Err(NnError::Invalid(format!(
                    "normal initializer std must not be negative, got {std}"
                )));
            }
            Ok(())
        }
        Initializer::Constant { value } => check("constant initializer value", value),
        Initializer::KaimingUniform { gain, .. }
        | Initializer::KaimingNormal { gain, .. }
        | Initializer::XavierUniform { gain }
        | Initializer::XavierNormal { gain } => positive("initializer gain", gain),
        Initializer::Orthogonal { gain } => check("orthogonal initializer gain", gain),
        Initializer::Ones | Initializer::Zeros => Ok(()),
    }
}
