//! The DCGAN-style family (Radford et al. 2015): strided convolutions with batch norm, for
//! images whose sides are multiples of 4, unconditional or conditioned on the labels; and its
//! preset.

use std::path::Path;

use burn::tensor::Device;
use gan_data::Dataset;
use gan_nn::{DcganConfig, DcganDiscriminator, DcganGenerator};

use super::{Family, builtin_trainer, image_shape, output_activation_for, resume_builtin};
use crate::config::{OptimizerConfig, TrainConfig};
use crate::error::{Result, TrainError};
use crate::run::ResumeInfo;
use crate::run_config::{ModelConfig, RunConfig};
use crate::trainer::Trainer;

/// The DCGAN-style pair ([`ModelConfig::Dcgan`]).
pub struct DcganFamily;

impl Family<4> for DcganFamily {
    type Config = DcganConfig;
    type Generator = DcganGenerator;
    type Discriminator = DcganDiscriminator;

    fn players(
        model: &DcganConfig,
        _train: &TrainConfig,
        _data: &Dataset,
        device: &Device,
    ) -> Result<(DcganGenerator, DcganDiscriminator)> {
        Ok(model.init(device)?)
    }

    fn generator(model: &DcganConfig, device: &Device) -> Result<DcganGenerator> {
        Ok(model.init_generator(device)?)
    }

    fn size(model: &DcganConfig) -> Result<Option<gan_nn::SizeEstimate>> {
        Ok(Some(model.size()?))
    }
}

/// The trainer of the DCGAN-style pair.
pub type DcganTrainer = Trainer<DcganGenerator, DcganDiscriminator, 4>;

impl RunConfig {
    /// The `dcgan` preset for `data` (items `[H, W]` or `[C, H, W]`, sides multiples of 4): the
    /// players of [`DcganConfig`] with the generator's output in the data's range (sigmoid for
    /// `[0, 1]`, tanh for `[−1, 1]`, linear otherwise), conditioned on the labels one-hot when
    /// `conditional`; Adam (lr 2e-4, β₁ 0.5) for both, batch 64, Algorithm 1 with `k = 1`.
    pub fn dcgan(data: &Dataset, conditional: bool) -> Result<Self> {
        let image = image_shape(data.item_shape(), "dcgan")?;
        let output = output_activation_for(data);
        let condition_dim = match (conditional, data.num_classes()) {
            (false, _) => 0,
            (true, Some(classes)) => classes,
            (true, None) => {
                return Err(TrainError::Config(
                    "a conditional model needs labelled data".into(),
                ));
            }
        };
        let model = DcganConfig::new(image)
            .with_output_activation(output)
            .with_condition_dim(condition_dim);
        model.validate()?;
        let adam = OptimizerConfig::adam(2e-4);
        Ok(Self {
            model: ModelConfig::Dcgan(model),
            train: TrainConfig::new(adam, adam).with_batch_size(64),
        })
    }
}

impl DcganTrainer {
    /// A trainer of the DCGAN-style pair in memory, the device seeded with the config's seed
    /// before the players are built.
    pub fn dcgan(config: &RunConfig, data: Dataset, device: &Device) -> Result<Self> {
        let model = match &config.model {
            ModelConfig::Dcgan(model) => Some(model),
            _ => None,
        };
        builtin_trainer::<4, DcganFamily>(config, model, "DCGAN pair", data, device)
    }

    /// Continues the run of the DCGAN-style pair in `run_dir`.
    pub fn resume_dcgan(
        run_dir: &Path,
        data: Dataset,
        device: &Device,
    ) -> Result<(Self, ResumeInfo)> {
        resume_builtin(run_dir, data, device, Self::dcgan)
    }
}
