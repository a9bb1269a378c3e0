//! The paper's convolutional CIFAR-10 family (Figure 2d): the "deconvolution" generator and
//! the convolutional maxout discriminator, and their released configuration.

use std::path::Path;

use burn::tensor::Device;
use gan_data::{Dataset, Preprocessing};
use gan_nn::{ConvMaxoutDiscriminator, DeconvGenerator, PaperConvConfig};

use super::{Family, builtin_trainer, resume_builtin};
use crate::config::{OptimizerConfig, TrainConfig};
use crate::error::{Result, TrainError};
use crate::run::ResumeInfo;
use crate::run_config::{ModelConfig, RunConfig};
use crate::trainer::Trainer;

/// pylearn2's `gcn: 55.`, the released CIFAR-10 models' data.
pub const CIFAR10_GCN: Preprocessing = Preprocessing::GlobalContrast { scale: 55.0 };

/// The paper's convolutional CIFAR-10 pair ([`ModelConfig::PaperConv`]).
pub struct PaperConvFamily;

impl Family<4> for PaperConvFamily {
    type Config = PaperConvConfig;
    type Generator = DeconvGenerator;
    type Discriminator = ConvMaxoutDiscriminator;

    fn players(
        model: &PaperConvConfig,
        _train: &TrainConfig,
        _data: &Dataset,
        device: &Device,
    ) -> Result<(DeconvGenerator, ConvMaxoutDiscriminator)> {
        Ok(model.init(device)?)
    }

    fn generator(model: &PaperConvConfig, device: &Device) -> Result<DeconvGenerator> {
        Ok(model.generator.init(device)?)
    }

    fn size(model: &PaperConvConfig) -> Result<Option<gan_nn::SizeEstimate>> {
        Ok(Some(model.size()?))
    }
}

/// The trainer of the paper's convolutional CIFAR-10 pair.
pub type PaperConvTrainer = Trainer<DeconvGenerator, ConvMaxoutDiscriminator, 4>;

impl PaperConvTrainer {
    /// A trainer of the paper's convolutional pair in memory, the device seeded with the
    /// config's seed before the players are built.
    pub fn paper_conv(config: &RunConfig, data: Dataset, device: &Device) -> Result<Self> {
        let model = match &config.model {
            ModelConfig::PaperConv(model) => Some(model),
            _ => None,
        };
        builtin_trainer::<4, PaperConvFamily>(
            config,
            model,
            "paper's convolutional pair",
            data,
            device,
        )
    }

    /// Continues the run of the paper's convolutional pair in `run_dir`.
    pub fn resume_paper_conv(
        run_dir: &Path,
        data: Dataset,
        device: &Device,
    ) -> Result<(Self, ResumeInfo)> {
        resume_builtin(run_dir, data, device, Self::paper_conv)
    }
}

impl RunConfig {
    /// [`RunConfig::paper_cifar10_conv`] for `data`, which must hold CIFAR-10's 3 × 32 × 32
    /// images.
    pub fn paper_cifar10_conv_for(data: &Dataset) -> Result<Self> {
        if data.item_shape() != [3, 32, 32] {
            return Err(TrainError::Config(format!(
                "the paper-cifar10-conv preset takes CIFAR-10's 3 × 32 × 32 images; the data's \
                 items are {:?}",
                data.item_shape()
            )));
        }
        Ok(Self::paper_cifar10_conv())
    }

    /// The released convolutional CIFAR-10 configuration (`cifar10_convolutional.yaml`,
    /// Figure 2d): the players of [`PaperConvConfig::paper_cifar10`], trained as MNIST's but
    /// with batch 128 and η 0.004, on rows normalised by [`CIFAR10_GCN`].
    pub fn paper_cifar10_conv() -> Self {
        let rule = OptimizerConfig::paper_momentum().with_learning_rate(0.004);
        let mut train = TrainConfig::paper_mnist().with_batch_size(128);
        (train.d_optimizer, train.g_optimizer) = (rule, rule);
        train.preprocessing = CIFAR10_GCN;
        Self {
            model: ModelConfig::PaperConv(PaperConvConfig::paper_cifar10()),
            train,
        }
    }
}
