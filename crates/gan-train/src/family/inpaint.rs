//! The inpainting family (the paper's future work 3): a generator that completes an image from
//! its known half against a discriminator that sees the mask, and its preset.

use std::path::Path;

use burn::tensor::Device;
use gan_data::Dataset;
use gan_nn::{InpaintConfig, InpaintDiscriminator, InpaintGenerator};

use super::{Family, builtin_trainer, image_shape, output_activation_for, resume_builtin};
use crate::config::{OptimizerConfig, TrainConfig};
use crate::error::{Result, TrainError};
use crate::inpainting::InpaintingConfig;
use crate::run::ResumeInfo;
use crate::run_config::{ModelConfig, RunConfig};
use crate::trainer::Trainer;

/// The inpainting pair ([`ModelConfig::Inpaint`]); its runs set `train.inpainting`.
pub struct InpaintFamily;

impl Family<4> for InpaintFamily {
    type Config = InpaintConfig;
    type Generator = InpaintGenerator;
    type Discriminator = InpaintDiscriminator;

    fn players(
        model: &InpaintConfig,
        train: &TrainConfig,
        _data: &Dataset,
        device: &Device,
    ) -> Result<(InpaintGenerator, InpaintDiscriminator)> {
        if train.inpainting.is_none() {
            return Err(TrainError::Config(
                "an inpainting pair needs train.inpainting (its masks and reconstruction weight)"
                    .into(),
            ));
        }
        Ok(model.init(device)?)
    }

    fn generator(model: &InpaintConfig, device: &Device) -> Result<InpaintGenerator> {
        Ok(model.init_generator(device)?)
    }

    fn size(model: &InpaintConfig) -> Result<Option<gan_nn::SizeEstimate>> {
        Ok(Some(model.size()?))
    }
}

/// The trainer of the inpainting pair.
pub type InpaintTrainer = Trainer<InpaintGenerator, InpaintDiscriminator, 4>;

impl RunConfig {
    /// The `inpaint` preset for `data` (items `[H, W]` or `[C, H, W]`, sides multiples of 4):
    /// the players of [`InpaintConfig`] with the output activation for the data's range,
    /// trained on all four halves with pix2pix's reconstruction weight
    /// ([`InpaintingConfig::all_halves`]); Adam (lr 2e-4, β₁ 0.5) for both, batch 64,
    /// Algorithm 1 with `k = 1`.
    pub fn inpaint(data: &Dataset) -> Result<Self> {
        let model = InpaintConfig::new(image_shape(data.item_shape(), "inpainting")?)
            .with_output_activation(output_activation_for(data));
        model.validate()?;
        let adam = OptimizerConfig::adam(2e-4);
        let mut train = TrainConfig::new(adam, adam).with_batch_size(64);
        train.inpainting = Some(InpaintingConfig::all_halves());
        Ok(Self {
            model: ModelConfig::Inpaint(model),
            train,
        })
    }
}

impl InpaintTrainer {
    /// A trainer of the inpainting pair in memory, the device seeded with the config's seed
    /// before the players are built. The config must set `train.inpainting`.
    pub fn inpaint(config: &RunConfig, data: Dataset, device: &Device) -> Result<Self> {
        let model = match &config.model {
            ModelConfig::Inpaint(model) => Some(model),
            _ => None,
        };
        builtin_trainer::<4, InpaintFamily>(config, model, "inpainting pair", data, device)
    }

    /// Continues the inpainting run in `run_dir`.
    pub fn resume_inpaint(
        run_dir: &Path,
        data: Dataset,
        device: &Device,
    ) -> Result<(Self, ResumeInfo)> {
        resume_builtin(run_dir, data, device, Self::inpaint)
    }
}
