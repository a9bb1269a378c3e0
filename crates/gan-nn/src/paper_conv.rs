//! The paper's convolutional CIFAR-10 pair (Figure 2d), as `cifar10_convolutional.yaml` and
//! `deconv.py` release it.
//!
//! - [`DeconvGenerator`]: an MLP to 8,000 sigmoid units, read as 80 channels of 10 × 10, then
//!   the released "deconvolution": a transposed convolution (5 × 5 kernel, stride 3, no
//!   padding: 10 → 32) to 3 channels, with one bias per output value (`tied_b: 0`) and no
//!   activation.
//! - [`ConvMaxoutDiscriminator`]: [`MaxoutConv`] layers, then dense [`Maxout`] layers and a
//!   logit, with pylearn2's input dropout before every layer.
//!
//! pylearn2 lays images out as `('c', 0, 1, 'b')` and Burn as `[batch, c, h, w]`; the 8,000
//! units read as channels and the feature maps flattened into the dense layer are taken in
//! Burn's order. Both sides of each reshape are fully connected layers with independent,
//! identically distributed initial weights, so the two orders differ only by a relabelling of
//! units: the same model, drawn from the same distribution.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Initializer, Linear};
use burn::tensor::{Device, Tensor};

use crate::deconv::{DeconvGenerator, DeconvGeneratorConfig};
use crate::discriminator::MaxoutLayerConfig;
use crate::dropout::{InputDropout, InputDropoutConfig};
use crate::error::{NnError, nonzero};
use crate::maxout::{Maxout, MaxoutConfig};
use crate::maxout_conv::{MaxoutConv, MaxoutConvConfig};
use crate::mlp::unconditional;
use crate::players::GanDiscriminator;

/// One convolutional layer of a [`ConvMaxoutDiscriminatorConfig`] (its input channels follow
/// from the layer below).
#[derive(Config, Debug)]
pub struct MaxoutConvLayerConfig {
    /// Output channels.
    pub num_channels: usize,
    /// Pieces per output channel.
    pub num_pieces: usize,
    /// Kernel side.
    pub kernel: usize,
    /// Zero padding on every side.
    pub pad: usize,
    /// Max-pooling window side.
    pub pool_shape: usize,
    /// Max-pooling stride.
    pub pool_stride: usize,
}

/// Configuration of a [`ConvMaxoutDiscriminator`].
#[derive(Config, Debug)]
pub struct ConvMaxoutDiscriminatorConfig {
    /// Shape of one input image, `[channels, height, width]` (height = width).
    pub image: [usize; 3],
    /// The convolutional maxout layers, in order.
    pub conv: Vec<MaxoutConvLayerConfig>,
    /// The dense maxout layers after them.
    pub dense: Vec<MaxoutLayerConfig>,
    /// Dropout on the input of each layer: conv layers, dense layers, then the output.
    pub input_dropout: Vec<InputDropoutConfig>,
    /// Initializer of every weight; biases start at zero.
    #[config(default = "Initializer::Uniform { min: -0.005, max: 0.005 }")]
    pub init: Initializer,
}

/// Convolutional maxout layers, dense maxout layers and a logit; see the module docs.
#[derive(Module, Debug)]
pub struct ConvMaxoutDiscriminator {
    /// The convolutional layers.
    pub conv: Vec<MaxoutConv>,
    /// The dense layers.
    pub dense: Vec<Maxout>,
    /// The logit.
    pub output: Linear,
    /// Dropout before each layer (conv, dense, output).
    pub dropout: Vec<InputDropout>,
}

impl ConvMaxoutDiscriminatorConfig {
    /// The released CIFAR-10 discriminator: conv maxout 32 × 2 (8 × 8, pad 4, pool 4 / 2),
    /// 32 × 2 (8 × 8, pad 3, pool 4 / 2), 192 × 2 (5 × 5, pad 3, pool 2 / 2), maxout 500 × 5,
    /// a sigmoid unit; weights U(−0.005, 0.005); input dropout keep 0.8 ×1.25 on the image and
    /// keep 0.5 ×2 on every later layer.
    pub fn paper_cifar10() -> Self {
        let layer = MaxoutConvLayerConfig::new;
        Self::new(
            [3, 32, 32],
            vec![
                layer(32, 2, 8, 4, 4, 2),
                layer(32, 2, 8, 3, 4, 2),
                layer(192, 2, 5, 3, 2, 2),
            ],
            vec![MaxoutLayerConfig::new(500, 5)],
            std::iter::once(InputDropoutConfig::new(0.8, 1.25))
                .chain(std::iter::repeat_n(InputDropoutConfig::new(0.5, 2.0), 4))
                .collect(),
        )
    }

    /// The conv layers' configs and the width of the flattened output of the last one.
    fn layers(&self) -> Result<(Vec<MaxoutConvConfig>, usize), NnError> {
        let [mut channels, h, w] = self.image;
        nonzero(channels * h * w, "discriminator image")?;
        if h != w {
            return Err(NnError::Invalid(format!(
                "images must be square, got {h} × {w}"
            )));
        }
        let mut side = h;
        let mut configs = Vec::new();
        for (i, l) in self.conv.iter().enumerate() {
            let c = MaxoutConvConfig::new(
                channels,
                l.num_channels,
                l.num_pieces,
                l.kernel,
                l.pad,
                l.pool_shape,
                l.pool_stride,
            )
            .with_init(self.init.clone());
            c.validate()?;
            side = c.output_side(side).ok_or_else(|| {
                NnError::Invalid(format!("conv layer {i}: a {side}-pixel input is too small"))
            })?;
            channels = l.num_channels;
            configs.push(c);
        }
        Ok((configs, channels * side * side))
    }

    /// Checks the layers fit the image and one dropout setting is given per layer.
    pub fn validate(&self) -> Result<(), NnError> {
        self.size()?.check_sane("the discriminator")?;
        self.layers()?;
        for l in &self.dense {
            nonzero(l.num_units, "discriminator dense units")?;
        }
        let layers = self.conv.len() + self.dense.len() + 1;
        if self.input_dropout.len() != layers {
            return Err(NnError::Invalid(format!(
                "{} dropout settings for {layers} layers",
                self.input_dropout.len()
            )));
        }
        self.input_dropout
            .iter()
            .try_for_each(InputDropoutConfig::validate)?;
        crate::validate_initializer(&self.init)
    }

    /// Builds the discriminator on `device`.
    pub fn init(&self, device: &Device) -> Result<ConvMaxoutDiscriminator, NnError> {
        self.validate()?;
        let (configs, flat) = self.layers()?;
        let conv = configs
            .iter()
            .map(|c| c.init(device))
            .collect::<Result<Vec<_>, _>>()?;
        let mut width = flat;
        let mut dense = Vec::new();
        for l in &self.dense {
            let c =
                MaxoutConfig::new(width, l.num_units, l.num_pieces).with_init(self.init.clone());
            dense.push(c.init(device)?);
            width = l.num_units;
        }
        let dropout = self
            .input_dropout
            .iter()
            .map(InputDropoutConfig::init)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ConvMaxoutDiscriminator {
            conv,
            dense,
            output: crate::linear_zero_bias(width, 1, &self.init, device),
            dropout,
        })
    }
}

impl ConvMaxoutDiscriminator {
    fn run(&self, x: Tensor<4>, train: bool) -> Tensor<2> {
        let mut x = x;
        for (i, layer) in self.conv.iter().enumerate() {
            x = layer.forward(self.drop(i, x, train));
        }
        let mut h: Tensor<2> = x.flatten(1, 3);
        let first_dense = self.conv.len();
        for (i, layer) in self.dense.iter().enumerate() {
            h = layer.forward(self.drop(first_dense + i, h, train));
        }
        self.output
            .forward(self.drop(first_dense + self.dense.len(), h, train))
    }

    /// Layer `i`'s input dropout, in training only.
    fn drop<const D: usize>(&self, i: usize, h: Tensor<D>, train: bool) -> Tensor<D> {
        if train {
            self.dropout[i].forward_train(h)
        } else {
            self.dropout[i].forward(h)
        }
    }
}

impl GanDiscriminator<4> for ConvMaxoutDiscriminator {
    fn logits(&self, x: Tensor<4>, condition: Option<Tensor<2>>) -> Tensor<2> {
        unconditional(condition, "discriminator");
        self.run(x, false)
    }

    fn logits_train(&self, x: Tensor<4>, condition: Option<Tensor<2>>) -> Tensor<2> {
        unconditional(condition, "discriminator");
        self.run(x, true)
    }
}

/// The paper's convolutional CIFAR-10 pair.
#[derive(Config, Debug)]
pub struct PaperConvConfig {
    /// The generator.
    pub generator: DeconvGeneratorConfig,
    /// The discriminator.
    pub discriminator: ConvMaxoutDiscriminatorConfig,
}

impl PaperConvConfig {
    /// The released pair (see [`DeconvGeneratorConfig::paper_cifar10`] and
    /// [`ConvMaxoutDiscriminatorConfig::paper_cifar10`]).
    pub fn paper_cifar10() -> Self {
        Self::new(
            DeconvGeneratorConfig::paper_cifar10(),
            ConvMaxoutDiscriminatorConfig::paper_cifar10(),
        )
    }

    /// Checks both players and that the generator draws the discriminator's images.
    pub fn validate(&self) -> Result<(), NnError> {
        self.generator.validate()?;
        self.discriminator.validate()?;
        let (g, d) = (self.generator.image_shape(), self.discriminator.image);
        if g != d {
            return Err(NnError::Invalid(format!(
                "the generator draws {g:?} images, the discriminator takes {d:?}"
            )));
        }
        Ok(())
    }

    /// Builds both players on `device`, generator first.
    pub fn init(
        &self,
        device: &Device,
    ) -> Result<(DeconvGenerator, ConvMaxoutDiscriminator), NnError> {
        self.validate()?;
        Ok((
            self.generator.init(device)?,
            self.discriminator.init(device)?,
        ))
    }
}
