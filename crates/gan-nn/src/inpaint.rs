//! Inpainting, `p(x_S | x_S')` (the paper's future work 3): a conditional pair whose condition
//! is the known part of an image. The generator encodes the known pixels and their mask, joins
//! the code with projected noise and decodes a full image through skip connections (a small
//! U-Net, as pix2pix's generator); its output keeps the known pixels exactly and fills only the
//! missing ones. The discriminator is the DCGAN discriminator reading the image with the mask
//! as an extra channel, so it judges whether the filled part fits the known one.
//!
//! The condition is one row per image, `[known ‖ keep]`: the `C·H·W` known pixels (zero where
//! missing) then the `H·W` mask (1 known, 0 missing). [`inpaint_condition`] builds it.

use std::fmt;
use std::str::FromStr;

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::nn::{BatchNorm, BatchNormConfig, Initializer, Linear, LinearConfig};
use burn::tensor::activation::{leaky_relu, relu};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::dcgan::{doubling_conv, halving_conv};
use crate::error::{NnError, nonzero};
use crate::players::{GanDiscriminator, GanGenerator};
use crate::{Activation, ActivationConfig, DcganConfig, DcganDiscriminator};

/// The half of an image that is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Half {
    /// Rows `0 .. H/2`.
    Top,
    /// Rows `H/2 .. H`.
    Bottom,
    /// Columns `0 .. W/2`.
    Left,
    /// Columns `W/2 .. W`.
    Right,
}

impl Half {
    /// All four halves.
    pub const ALL: [Half; 4] = [Half::Top, Half::Bottom, Half::Left, Half::Right];

    /// Whether pixel `(row, col)` of an `height × width` image lies in this (missing) half.
    pub fn contains(self, row: usize, col: usize, height: usize, width: usize) -> bool {
        match self {
            Half::Top => row < height / 2,
            Half::Bottom => row >= height / 2,
            Half::Left => col < width / 2,
            Half::Right => col >= width / 2,
        }
    }

    /// The keep mask of an `height × width` image with this half missing, row-major: 1 for a
    /// known pixel, 0 for a missing one.
    pub fn keep_mask(self, height: usize, width: usize) -> Vec<f32> {
        (0..height * width)
            .map(|i| {
                if self.contains(i / width, i % width, height, width) {
                    0.0
                } else {
                    1.0
                }
            })
            .collect()
    }
}

impl fmt::Display for Half {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Half::Top => "top",
            Half::Bottom => "bottom",
            Half::Left => "left",
            Half::Right => "right",
        })
    }
}

impl FromStr for Half {
    type Err = NnError;

    fn from_str(s: &str) -> Result<Self, NnError> {
        Half::ALL
            .into_iter()
            .find(|h| h.to_string() == s)
            .ok_or_else(|| NnError::Invalid(format!("no half {s:?}: top, bottom, left or right")))
    }
}

/// Width of the condition rows `[known ‖ keep]` of `[C, H, W]` images: `(C + 1)·H·W`.
pub fn inpaint_condition_dim(image: [usize; 3]) -> usize {
    let [c, h, w] = image;
    (c + 1) * h * w
}

/// The condition rows `[known ‖ keep]` of `images` `[n, C, H, W]` under keep masks `keep`
/// `[n, 1, H, W]` (1 known, 0 missing).
pub fn inpaint_condition(images: Tensor<4>, keep: Tensor<4>) -> Tensor<2> {
    let known: Tensor<2> = (images * keep.clone()).flatten(1, 3);
    Tensor::cat(vec![known, keep.flatten(1, 3)], 1)
}

/// Configuration of an [`InpaintGenerator`] and an [`InpaintDiscriminator`] for one image shape.
#[derive(Config, Debug)]
pub struct InpaintConfig {
    /// Image shape `[channels, height, width]`; height and width multiples of 4.
    pub image: [usize; 3],
    /// Width of the noise `z`.
    #[config(default = 100)]
    pub noise_dim: usize,
    /// Feature maps of the deepest layer of each network; the others have half as many.
    #[config(default = 64)]
    pub base_channels: usize,
    /// Width of the generator's fully connected bottleneck: it summarises the whole known
    /// half for every output pixel (a convolutional code alone sees only its neighbourhood).
    #[config(default = 256)]
    pub bottleneck: usize,
    /// The generator's output activation (`Sigmoid` for data in `[0, 1]`).
    #[config(default = "ActivationConfig::Sigmoid")]
    pub output_activation: ActivationConfig,
    /// Initializer of every weight (DCGAN's normal, standard deviation 0.02).
    #[config(default = "Initializer::Normal { mean: 0.0, std: 0.02 }")]
    pub init: Initializer,
}

/// The generator: `[known, keep]` → /2 → /2 (the code) → linear bottleneck; `z ‖ bottleneck`
/// → `[b, H/4, W/4]`, joined with the code, ×2, joined with the first code layer, ×2 → output
/// activation; then the known pixels are put back, so that only the missing ones come from
/// the network.
#[derive(Module, Debug)]
pub struct InpaintGenerator {
    down1: Conv2d,
    down2: Conv2d,
    norm_down2: BatchNorm,
    summarise: Linear,
    project: Linear,
    norm_noise: BatchNorm,
    up1: ConvTranspose2d,
    norm_up1: BatchNorm,
    up2: ConvTranspose2d,
    output: Activation,
    noise_dim: usize,
    base_channels: usize,
    image: [usize; 3],
}

/// The discriminator: DCGAN's, on the image with its keep mask as one more channel.
#[derive(Module, Debug)]
pub struct InpaintDiscriminator {
    inner: DcganDiscriminator,
    image: [usize; 3],
}

impl InpaintConfig {
    /// Checks the image side and the widths.
    pub fn validate(&self) -> Result<(), NnError> {
        self.size()?.check_sane("the inpainting pair")?;
        nonzero(self.image[0], "inpaint image channels")?;
        nonzero(self.noise_dim, "inpaint noise_dim")?;
        nonzero(self.bottleneck, "inpaint bottleneck")?;
        self.dcgan_discriminator().validate()
    }

    /// Width of the condition rows: `(C + 1)·H·W`.
    pub fn condition_dim(&self) -> usize {
        inpaint_condition_dim(self.image)
    }

    fn dcgan_discriminator(&self) -> DcganConfig {
        let [c, h, w] = self.image;
        DcganConfig::new([c + 1, h, w])
            .with_base_channels(self.base_channels)
            .with_init(self.init.clone())
    }

    /// Builds the generator.
    pub fn init_generator(&self, device: &Device) -> Result<InpaintGenerator, NnError> {
        self.validate()?;
        let [c, h, w] = self.image;
        let b = self.base_channels;
        Ok(InpaintGenerator {
            down1: halving_conv(c + 1, b / 2, &self.init, device),
            down2: halving_conv(b / 2, b, &self.init, device),
            norm_down2: BatchNormConfig::new(b).init(device),
            summarise: LinearConfig::new(b * (h / 4) * (w / 4), self.bottleneck)
                .with_initializer(self.init.clone())
                .init(device),
            project: LinearConfig::new(self.noise_dim + self.bottleneck, b * (h / 4) * (w / 4))
                .with_initializer(self.init.clone())
                .init(device),
            norm_noise: BatchNormConfig::new(b).init(device),
            up1: doubling_conv(2 * b, b / 2, &self.init, device),
            norm_up1: BatchNormConfig::new(b / 2).init(device),
            up2: doubling_conv(b, c, &self.init, device),
            output: self.output_activation.init(device),
            noise_dim: self.noise_dim,
            base_channels: b,
            image: self.image,
        })
    }

    /// Builds the discriminator.
    pub fn init_discriminator(&self, device: &Device) -> Result<InpaintDiscriminator, NnError> {
        self.validate()?;
        Ok(InpaintDiscriminator {
            inner: self.dcgan_discriminator().init_discriminator(device)?,
            image: self.image,
        })
    }

    /// Builds both players, generator first.
    pub fn init(
        &self,
        device: &Device,
    ) -> Result<(InpaintGenerator, InpaintDiscriminator), NnError> {
        Ok((
            self.init_generator(device)?,
            self.init_discriminator(device)?,
        ))
    }
}

/// Condition rows as images `[n, C + 1, H, W]`: the known pixels' `C` planes, then the keep
/// mask's (the row layout is exactly these planes in turn).
fn condition_planes(image: [usize; 3], condition: Option<Tensor<2>>) -> Tensor<4> {
    let [c, h, w] = image;
    let condition = condition.expect("an inpainting model needs its condition [known ‖ keep]");
    let n = condition.dims()[0];
    condition.reshape([n, c + 1, h, w])
}

impl InpaintGenerator {
    /// Shape `[C, H, W]` of the images it completes.
    pub fn image_shape(&self) -> [usize; 3] {
        self.image
    }
}

impl GanGenerator<4> for InpaintGenerator {
    fn noise_dim(&self) -> usize {
        self.noise_dim
    }

    fn condition_dim(&self) -> usize {
        inpaint_condition_dim(self.image)
    }

    fn generate(&self, noise: Tensor<2>, condition: Option<Tensor<2>>) -> Tensor<4> {
        let planes = condition_planes(self.image, condition);
        let [n, c1, h, w] = planes.dims();
        let code1 = leaky_relu(self.down1.forward(planes.clone()), 0.2);
        let code2 = leaky_relu(
            self.norm_down2.forward(self.down2.forward(code1.clone())),
            0.2,
        );
        let b = self.base_channels;
        let summary = relu(self.summarise.forward(code2.clone().flatten(1, 3)));
        let z = relu(
            self.norm_noise.forward(
                self.project
                    .forward(Tensor::cat(vec![noise, summary], 1))
                    .reshape([n, b, h / 4, w / 4]),
            ),
        );
        let x = relu(
            self.norm_up1
                .forward(self.up1.forward(Tensor::cat(vec![code2, z], 1))),
        );
        let filled = self
            .output
            .forward(self.up2.forward(Tensor::cat(vec![x, code1], 1)));
        // The known pixels are selected, not blended, so that they come back exactly. (Done
        // on flat rows: on wgpu, the transposed convolution's output may be laid out
        // channels-last, and a select mixing it with a view of the condition went wrong.)
        let flat = (c1 - 1) * h * w;
        let rows = planes.reshape([n, c1 * h * w]);
        let known = rows.clone().narrow(1, 0, flat);
        let keep = rows
            .narrow(1, flat, h * w)
            .greater_elem(0.5)
            .repeat_dim(1, c1 - 1);
        let filled: Tensor<2> = filled.reshape([n, flat]);
        filled.mask_where(keep, known).reshape([n, c1 - 1, h, w])
    }
}

impl InpaintDiscriminator {
    fn with_mask(&self, x: Tensor<4>, condition: Option<Tensor<2>>) -> Tensor<4> {
        let planes = condition_planes(self.image, condition);
        let c = self.image[0];
        Tensor::cat(vec![x, planes.narrow(1, c, 1)], 1)
    }
}

impl GanDiscriminator<4> for InpaintDiscriminator {
    fn condition_dim(&self) -> usize {
        inpaint_condition_dim(self.image)
    }

    fn logits(&self, x: Tensor<4>, condition: Option<Tensor<2>>) -> Tensor<2> {
        self.inner.logits(self.with_mask(x, condition), None)
    }

    fn logits_train(&self, x: Tensor<4>, condition: Option<Tensor<2>>) -> Tensor<2> {
        self.inner.logits_train(self.with_mask(x, condition), None)
    }

    /// Each batch alone, for DCGAN's batch norm.
    fn logits_train_pair(
        &self,
        real: Tensor<4>,
        fake: Tensor<4>,
        condition: Option<Tensor<2>>,
    ) -> (Tensor<2>, Tensor<2>) {
        (
            self.logits_train(real, condition.clone()),
            self.logits_train(fake, condition),
        )
    }
}
