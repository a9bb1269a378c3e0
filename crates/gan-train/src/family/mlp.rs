//! The paper's MLP family: the MLP generator and maxout discriminator on flat samples, and the
//! released configurations that train them (MNIST, Table 1; fully connected CIFAR-10,
//! Figure 2c).

use std::path::Path;

use burn::tensor::Device;
use gan_data::Dataset;
use gan_nn::{Discriminator, Generator, MlpGanConfig};

use super::{Family, builtin_trainer, paper_conv::CIFAR10_GCN, resume_builtin, seeded_autodiff};
use crate::config::{OptimizerConfig, TrainConfig};
use crate::error::{Result, TrainError};
use crate::run::ResumeInfo;
use crate::run_config::{ModelConfig, RunConfig};
use crate::trainer::Trainer;

/// The trainer of the paper's MLP pair.
pub type MlpTrainer = Trainer<Generator, Discriminator, 2>;

/// Builds the paper's pair for `data`: the device seeded with `seed` first, the generator's
/// output bias from the data's marginals when the config asks for it (refused unless the
/// data lies in `[0, 1]`), and the sample width checked against the data's.
pub fn mlp_players(
    model: &MlpGanConfig,
    seed: u64,
    data: &Dataset,
    device: &Device,
) -> Result<(Generator, Discriminator)> {
    model.validate()?;
    if data.dim() != model.discriminator.d_input {
        return Err(TrainError::Config(format!(
            "data has {} features but the discriminator takes {}",
            data.dim(),
            model.discriminator.d_input
        )));
    }
    let marginals = if model.output_bias_from_marginals {
        if let Some(v) = data.features().iter().find(|v| !(0.0..=1.0).contains(*v)) {
            return Err(TrainError::Config(format!(
                "output_bias_from_marginals needs data in [0, 1], but the data holds {v}; \
                 set output_bias_from_marginals to false or rescale the data"
            )));
        }
        Some(data.marginals())
    } else {
        None
    };
    let device = seeded_autodiff(device, seed);
    Ok(model.init(&device, marginals.as_deref())?)
}

/// The paper's MLP generator and maxout discriminator on flat samples
/// ([`ModelConfig::Mlp`]).
pub struct MlpFamily;

impl Family<2> for MlpFamily {
    type Config = MlpGanConfig;
    type Generator = Generator;
    type Discriminator = Discriminator;

    /// The players of [`mlp_players`]; the output bias reads the marginals of the rows the
    /// players will see (after the run's preprocessing).
    fn players(
        model: &MlpGanConfig,
        train: &TrainConfig,
        data: &Dataset,
        device: &Device,
    ) -> Result<(Generator, Discriminator)> {
        let preprocessing = train.preprocessing;
        if preprocessing.is_none() {
            mlp_players(model, train.seed, data, device)
        } else {
            let prepared = preprocessing.apply(data.clone())?;
            mlp_players(model, train.seed, &prepared, device)
        }
    }

    fn generator(model: &MlpGanConfig, device: &Device) -> Result<Generator> {
        Ok(model.generator.init(device)?)
    }

    fn size(model: &MlpGanConfig) -> Result<Option<gan_nn::SizeEstimate>> {
        Ok(Some(model.size()?))
    }
}

impl MlpTrainer {
    /// A trainer of the paper's pair in memory, the players built by [`mlp_players`].
    pub fn mlp(config: &RunConfig, data: Dataset, device: &Device) -> Result<Self> {
        let model = match &config.model {
            ModelConfig::Mlp(model) => Some(model),
            _ => None,
        };
        builtin_trainer::<2, MlpFamily>(config, model, "paper's MLP pair", data, device)
    }

    /// A new run of the paper's pair in `run_dir`.
    pub fn create_mlp_run(
        config: &RunConfig,
        data: Dataset,
        device: &Device,
        run_dir: &Path,
    ) -> Result<Self> {
        Self::mlp(config, data, device)?.create_run(run_dir, &config.model)
    }

    /// Continues the run of the paper's pair in `run_dir`.
    pub fn resume_mlp(
        run_dir: &Path,
        data: Dataset,
        device: &Device,
    ) -> Result<(Self, ResumeInfo)> {
        resume_builtin(run_dir, data, device, Self::mlp)
    }
}

impl RunConfig {
    /// The released MNIST configuration of the paper (Table 1): the players of
    /// [`MlpGanConfig::paper_mnist`], the training of [`TrainConfig::paper_mnist`].
    pub fn paper_mnist() -> Self {
        Self {
            model: ModelConfig::Mlp(MlpGanConfig::paper_mnist()),
            train: TrainConfig::paper_mnist(),
        }
    }

    /// [`RunConfig::paper_mnist`] for rows of `width` values instead of MNIST's 784: the
    /// generator's output and the discriminator's input resized, all else as released.
    pub fn paper_mnist_for(width: usize) -> Self {
        let mut config = Self::paper_mnist();
        if let ModelConfig::Mlp(mlp) = &mut config.model {
            mlp.generator.d_output = width;
            mlp.discriminator.d_input = width;
        }
        config
    }

    /// [`RunConfig::paper_cifar10_fc`] for `data`, which must hold CIFAR-10's 3,072 values a
    /// row.
    pub fn paper_cifar10_fc_for(data: &Dataset) -> Result<Self> {
        if data.dim() != 3072 {
            return Err(TrainError::Config(format!(
                "the paper-cifar10-fc preset takes CIFAR-10's 3,072 values a row; the data has {}",
                data.dim()
            )));
        }
        Ok(Self::paper_cifar10_fc())
    }

    /// The released fully connected CIFAR-10 configuration (`cifar10_fully_connected.yaml`,
    /// Figure 2c): the players of [`MlpGanConfig::paper_cifar10_fc`], trained as MNIST's
    /// ([`TrainConfig::paper_mnist`]: simultaneous updates, the same dropout, batch 100,
    /// momentum 0.5 → 0.7) but with η 0.025, on rows normalised by [`CIFAR10_GCN`].
    pub fn paper_cifar10_fc() -> Self {
        let rule = OptimizerConfig::paper_momentum().with_learning_rate(0.025);
        let mut train = TrainConfig::paper_mnist();
        (train.d_optimizer, train.g_optimizer) = (rule, rule);
        train.preprocessing = CIFAR10_GCN;
        Self {
            model: ModelConfig::Mlp(MlpGanConfig::paper_cifar10_fc()),
            train,
        }
    }
}
