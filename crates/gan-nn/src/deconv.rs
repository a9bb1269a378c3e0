//! The generator of the paper's convolutional CIFAR-10 model (`deconv.py`): dense layers, a
//! reshape to feature maps, and the released "deconvolution", a transposed convolution with
//! one bias per output value and no activation. See `paper_conv` for the pair.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::conv::{ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{Initializer, Linear};
use burn::tensor::{Device, Tensor};

use crate::error::{NnError, nonzero};
use crate::generator::HiddenLayerConfig;
use crate::mlp::unconditional;
use crate::players::GanGenerator;
use crate::{Activation, ActivationConfig};

/// Configuration of a [`DeconvGenerator`].
#[derive(Config, Debug)]
pub struct DeconvGeneratorConfig {
    /// Dimension of the noise `z`.
    pub d_noise: usize,
    /// The dense layers before the reshape; the last one's width is the product of `start`.
    pub hidden: Vec<HiddenLayerConfig>,
    /// `[channels, side, side]` the last dense layer is read as.
    pub start: [usize; 3],
    /// Channels of the generated image.
    pub channels_out: usize,
    /// Side of the transposed convolution's kernel.
    pub kernel: usize,
    /// Its stride (the released `output_stride`).
    pub stride: usize,
    /// Initializer of every weight; biases start at zero.
    #[config(default = "Initializer::Uniform { min: -0.05, max: 0.05 }")]
    pub init: Initializer,
}

/// Dense layers, a reshape to feature maps, and a transposed convolution with one bias per
/// output value; see the module docs.
#[derive(Module, Debug)]
pub struct DeconvGenerator {
    /// The dense layers.
    pub layers: Vec<Linear>,
    /// Their activations.
    pub activations: Vec<Activation>,
    /// The transposed convolution (no bias of its own).
    pub deconv: ConvTranspose2d,
    /// One bias per output value, `[channels_out, side, side]`.
    pub bias: Param<Tensor<3>>,
    /// The shape the last dense layer is read as.
    pub start: [usize; 3],
}

impl DeconvGeneratorConfig {
    /// The released CIFAR-10 generator: 100 → 8000 ReLU → 8000 sigmoid, read as 80 × 10 × 10,
    /// then a 5 × 5 transposed convolution with stride 3 to 3 × 32 × 32; weights
    /// U(−0.05, 0.05).
    pub fn paper_cifar10() -> Self {
        Self::new(
            100,
            vec![
                HiddenLayerConfig::new(8000, ActivationConfig::Relu),
                HiddenLayerConfig::new(8000, ActivationConfig::Sigmoid),
            ],
            [80, 10, 10],
            3,
            5,
            3,
        )
    }

    /// `[channels_out, side, side]` of a generated image: `stride · (side − 1) + kernel`.
    pub fn image_shape(&self) -> [usize; 3] {
        let side = self.stride * self.start[1].saturating_sub(1) + self.kernel;
        [self.channels_out, side, side]
    }

    /// Checks the widths, that the last dense layer fills `start`, and the initializer.
    pub fn validate(&self) -> Result<(), NnError> {
        self.size()?.check_sane("the generator")?;
        nonzero(self.d_noise, "generator d_noise")?;
        for (name, v) in [
            ("generator channels_out", self.channels_out),
            ("generator kernel", self.kernel),
            ("generator stride", self.stride),
        ] {
            nonzero(v, name)?;
        }
        let [c, h, w] = self.start;
        nonzero(c * h * w, "generator start shape")?;
        if h != w {
            return Err(NnError::Invalid(format!(
                "start maps must be square, got {h} × {w}"
            )));
        }
        match self.hidden.last() {
            Some(last) if last.width == c * h * w => {}
            _ => {
                return Err(NnError::Invalid(format!(
                    "the last dense layer must have {c} × {h} × {w} = {} units",
                    c * h * w
                )));
            }
        }
        crate::validate_initializer(&self.init)
    }

    /// Builds the generator on `device`.
    pub fn init(&self, device: &Device) -> Result<DeconvGenerator, NnError> {
        self.validate()?;
        let widths: Vec<usize> = std::iter::once(self.d_noise)
            .chain(self.hidden.iter().map(|l| l.width))
            .collect();
        let layers = widths
            .windows(2)
            .map(|w| crate::linear_zero_bias(w[0], w[1], &self.init, device))
            .collect();
        let activations = self
            .hidden
            .iter()
            .map(|l| l.activation.init(device))
            .collect();
        let deconv = ConvTranspose2dConfig::new(
            [self.start[0], self.channels_out],
            [self.kernel, self.kernel],
        )
        .with_stride([self.stride, self.stride])
        .with_bias(false)
        .with_initializer(self.init.clone())
        .init(device);
        Ok(DeconvGenerator {
            layers,
            activations,
            deconv,
            bias: Param::from_tensor(Tensor::zeros(self.image_shape(), device)),
            start: self.start,
        })
    }
}

impl DeconvGenerator {
    /// `[batch, d_noise] -> [batch, channels_out, side, side]`.
    pub fn forward(&self, noise: Tensor<2>) -> Tensor<4> {
        let mut h = noise;
        for (layer, activation) in self.layers.iter().zip(&self.activations) {
            h = activation.forward(layer.forward(h));
        }
        let [c, side, _] = self.start;
        let batch = h.dims()[0];
        let maps = h.reshape([batch, c, side, side]);
        self.deconv.forward(maps) + self.bias.val().unsqueeze_dim(0)
    }

    /// Shape of one generated image.
    pub fn image_shape(&self) -> [usize; 3] {
        let [c, h, w] = self.bias.dims();
        [c, h, w]
    }
}

impl GanGenerator<4> for DeconvGenerator {
    fn noise_dim(&self) -> usize {
        self.layers.first().map_or(0, |l| l.weight.dims()[0])
    }

    fn generate(&self, noise: Tensor<2>, condition: Option<Tensor<2>>) -> Tensor<4> {
        unconditional(condition, "generator");
        self.forward(noise)
    }
}
