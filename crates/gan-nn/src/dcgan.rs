//! A DCGAN-style convolutional pair (Radford et al., 2015) for images whose side is a multiple
//! of 4: the generator projects `z` to `side/4 × side/4` maps and doubles them twice with
//! transposed convolutions (batch norm and ReLU between); the discriminator halves the image
//! twice with strided convolutions (LeakyReLU 0.2, batch norm after the first) and ends in a
//! linear logit. A condition, where there is one, is concatenated to `z`, and enters the
//! discriminator as a projection (Miyato & Koyama 2018): the logit gains `⟨E c, φ(x)⟩`, the
//! flattened features `φ(x)` against a learned embedding of the class. (Concatenating `c` to
//! `φ(x)` before a linear logit, as gan-core 0.1 did, only adds a per-class constant: D then
//! cannot tell a digit drawn for the wrong class, and G learns to ignore its class.)

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Initializer, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::{leaky_relu, relu};
use burn::tensor::{Device, Tensor};

use crate::error::{NnError, nonzero};
use crate::players::{GanDiscriminator, GanGenerator};
use crate::{Activation, ActivationConfig};

/// Configuration of a [`DcganGenerator`] and a [`DcganDiscriminator`] for one image shape.
#[derive(Config, Debug)]
pub struct DcganConfig {
    /// Image shape `[channels, height, width]`; height and width multiples of 4.
    pub image: [usize; 3],
    /// Width of the noise `z`.
    #[config(default = 100)]
    pub noise_dim: usize,
    /// Width of the condition (0: unconditional).
    #[config(default = 0)]
    pub condition_dim: usize,
    /// Feature maps of the generator's first (and the discriminator's last) convolution
    /// layer; the other one has half as many.
    #[config(default = 64)]
    pub base_channels: usize,
    /// The generator's output activation: `Sigmoid` for data in `[0, 1]`, `Tanh` for
    /// `[−1, 1]`.
    #[config(default = "ActivationConfig::Sigmoid")]
    pub output_activation: ActivationConfig,
    /// Initializer of every weight (DCGAN: normal, standard deviation 0.02).
    #[config(default = "Initializer::Normal { mean: 0.0, std: 0.02 }")]
    pub init: Initializer,
}

/// The generator: `z (‖ c)` → linear → `[2b, h/4, w/4]` → BN, ReLU → ×2 → BN, ReLU → ×2 →
/// output activation.
#[derive(Module, Debug)]
pub struct DcganGenerator {
    project: Linear,
    norm0: BatchNorm,
    up1: ConvTranspose2d,
    norm1: BatchNorm,
    up2: ConvTranspose2d,
    output: Activation,
    noise_dim: usize,
    condition_dim: usize,
    start: [usize; 3],
    image: [usize; 3],
}

impl DcganGenerator {
    /// Shape `[C, H, W]` of the images it makes.
    pub fn image_shape(&self) -> [usize; 3] {
        self.image
    }
}

/// The discriminator: `x` → /2 (LeakyReLU) → /2 (BN, LeakyReLU) → flatten `φ(x)` → linear
/// logit, plus `⟨E c, φ(x)⟩` for a condition `c`.
#[derive(Module, Debug)]
pub struct DcganDiscriminator {
    down1: Conv2d,
    down2: Conv2d,
    norm2: BatchNorm,
    logit: Linear,
    /// `E`: the class embedding of the projection (conditional discriminators only).
    embed: Option<Linear>,
    condition_dim: usize,
}

impl DcganConfig {
    /// Checks the image side and the widths.
    pub fn validate(&self) -> Result<(), NnError> {
        self.size()?.check_sane("the dcgan pair")?;
        let [c, h, w] = self.image;
        nonzero(c, "dcgan image channels")?;
        nonzero(self.noise_dim, "dcgan noise_dim")?;
        nonzero(self.base_channels / 2, "dcgan base_channels / 2")?;
        if h == 0 || w == 0 || h % 4 != 0 || w % 4 != 0 {
            return Err(NnError::Invalid(format!(
                "dcgan needs an image side that is a positive multiple of 4, got {h}×{w}"
            )));
        }
        crate::validate_initializer(&self.init)
    }

    fn conv(&self, from: usize, to: usize, device: &Device) -> Conv2d {
        halving_conv(from, to, &self.init, device)
    }

    fn up(&self, from: usize, to: usize, device: &Device) -> ConvTranspose2d {
        doubling_conv(from, to, &self.init, device)
    }

    /// Builds the generator.
    pub fn init_generator(&self, device: &Device) -> Result<DcganGenerator, NnError> {
        self.validate()?;
        let [c, h, w] = self.image;
        let b = self.base_channels;
        let start = [b, h / 4, w / 4];
        Ok(DcganGenerator {
            project: LinearConfig::new(self.noise_dim + self.condition_dim, b * h / 4 * w / 4)
                .with_initializer(self.init.clone())
                .init(device),
            norm0: BatchNormConfig::new(b).init(device),
            up1: self.up(b, b / 2, device),
            norm1: BatchNormConfig::new(b / 2).init(device),
            up2: self.up(b / 2, c, device),
            output: self.output_activation.init(device),
            noise_dim: self.noise_dim,
            condition_dim: self.condition_dim,
            start,
            image: self.image,
        })
    }

    /// Builds the discriminator.
    pub fn init_discriminator(&self, device: &Device) -> Result<DcganDiscriminator, NnError> {
        self.validate()?;
        let [c, h, w] = self.image;
        let b = self.base_channels;
        Ok(DcganDiscriminator {
            down1: self.conv(c, b / 2, device),
            down2: self.conv(b / 2, b, device),
            norm2: BatchNormConfig::new(b).init(device),
            logit: LinearConfig::new(b * h / 4 * w / 4, 1)
                .with_initializer(self.init.clone())
                .init(device),
            embed: (self.condition_dim > 0).then(|| {
                LinearConfig::new(self.condition_dim, b * h / 4 * w / 4)
                    .with_bias(false)
                    .with_initializer(self.init.clone())
                    .init(device)
            }),
            condition_dim: self.condition_dim,
        })
    }

    /// Builds both players, generator first.
    pub fn init(&self, device: &Device) -> Result<(DcganGenerator, DcganDiscriminator), NnError> {
        Ok((
            self.init_generator(device)?,
            self.init_discriminator(device)?,
        ))
    }
}

/// A 4 × 4 convolution with stride 2 and padding 1: it halves an even side.
pub(crate) fn halving_conv(from: usize, to: usize, init: &Initializer, device: &Device) -> Conv2d {
    Conv2dConfig::new([from, to], [4, 4])
        .with_stride([2, 2])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .with_initializer(init.clone())
        .init(device)
}

/// A 4 × 4 transposed convolution with stride 2 and padding 1: it doubles a side.
pub(crate) fn doubling_conv(
    from: usize,
    to: usize,
    init: &Initializer,
    device: &Device,
) -> ConvTranspose2d {
    ConvTranspose2dConfig::new([from, to], [4, 4])
        .with_stride([2, 2])
        .with_padding([1, 1])
        .with_initializer(init.clone())
        .init(device)
}

/// `a ‖ c` along the feature axis, when there is a condition.
fn with_condition(a: Tensor<2>, condition: Option<Tensor<2>>) -> Tensor<2> {
    match condition {
        Some(c) => Tensor::cat(vec![a, c], 1),
        None => a,
    }
}

impl GanGenerator<4> for DcganGenerator {
    fn noise_dim(&self) -> usize {
        self.noise_dim
    }

    fn condition_dim(&self) -> usize {
        self.condition_dim
    }

    fn generate(&self, noise: Tensor<2>, condition: Option<Tensor<2>>) -> Tensor<4> {
        let batch = noise.dims()[0];
        let [b, h, w] = self.start;
        let x = self
            .project
            .forward(with_condition(noise, condition))
            .reshape([batch, b, h, w]);
        let x = relu(self.norm0.forward(x));
        let x = relu(self.norm1.forward(self.up1.forward(x)));
        self.output.forward(self.up2.forward(x))
    }
}

impl DcganDiscriminator {
    /// The last convolution's activations, flattened `[batch, channels · h · w]`.
    fn features(&self, x: Tensor<4>) -> Tensor<2> {
        let x = leaky_relu(self.down1.forward(x), 0.2);
        leaky_relu(self.norm2.forward(self.down2.forward(x)), 0.2).flatten(1, 3)
    }

    fn run(&self, x: Tensor<4>, condition: Option<Tensor<2>>) -> Tensor<2> {
        let features = self.features(x);
        let logit = self.logit.forward(features.clone());
        match (&self.embed, condition) {
            (Some(embed), Some(c)) => logit + (features * embed.forward(c)).sum_dim(1),
            (None, None) => logit,
            _ => panic!(
                "the discriminator's condition_dim is {}: give a condition exactly when it is positive",
                self.condition_dim
            ),
        }
    }
}

impl GanDiscriminator<4> for DcganDiscriminator {
    fn condition_dim(&self) -> usize {
        self.condition_dim
    }

    /// Batch norm uses its running statistics here only on a device without autodiff (a
    /// `.valid()` copy), as Burn's `BatchNorm` decides.
    fn logits(&self, x: Tensor<4>, condition: Option<Tensor<2>>) -> Tensor<2> {
        self.run(x, condition)
    }

    fn logits_train(&self, x: Tensor<4>, condition: Option<Tensor<2>>) -> Tensor<2> {
        self.run(x, condition)
    }

    /// The last convolution's activations (the projection of a condition comes after them).
    fn features_train(&self, x: Tensor<4>, _condition: Option<Tensor<2>>) -> Option<Tensor<2>> {
        Some(self.features(x))
    }

    /// Real and generated batches each alone, so that batch norm normalises each with its own
    /// statistics (as DCGAN trains).
    fn logits_train_pair(
        &self,
        real: Tensor<4>,
        fake: Tensor<4>,
        condition: Option<Tensor<2>>,
    ) -> (Tensor<2>, Tensor<2>) {
        (self.run(real, condition.clone()), self.run(fake, condition))
    }
}
