//! The players gan-core builds by name ([`ModelConfig`]): what the command line trains,
//! resumes, exports and loads. A user's own players use the generic API
//! ([`Trainer::new`], [`Trainer::create_run`], [`resume`](crate::resume),
//! [`load_generator_into`], [`export_generator_module`]) in the same way.

use std::path::Path;

use burn::tensor::Device;
use gan_data::Dataset;
use gan_nn::{Discriminator, Generator, MlpGanConfig};

use crate::config::TrainConfig;
use crate::error::{Result, TrainError};
use crate::export::{ExportedModel, Precision, export_generator_module};
use crate::run::{ResumeInfo, load_generator_into, read_run_config};
use crate::run_config::{ModelConfig, RunConfig};
use crate::trainer::Trainer;

/// The trainer of the paper's MLP pair.
pub type MlpTrainer = Trainer<Generator, Discriminator, 2>;

impl RunConfig {
    /// The released MNIST configuration of the paper (Table 1): the players of
    /// [`MlpGanConfig::paper_mnist`], the training of [`TrainConfig::paper_mnist`].
    pub fn paper_mnist() -> Self {
        Self {
            model: ModelConfig::Mlp(MlpGanConfig::paper_mnist()),
            train: TrainConfig::paper_mnist(),
        }
    }
}

/// Builds the paper's pair for `data`: the device seeded with `seed` first, the generator's
/// output bias from the data's marginals when the config asks for it (refused unless the
/// data lies in `[0, 1]`), and the sample width checked against the data's.
pub fn mlp_players(
    model: &MlpGanConfig,
    seed: u64,
    data: &Dataset,
    device: &Device,
) -> Result<(Generator, Discriminator)> {
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
    let device = if device.is_autodiff() {
        device.clone()
    } else {
        device.clone().autodiff()
    };
    device.seed(seed);
    Ok(model.init(&device, marginals.as_deref())?)
}

impl MlpTrainer {
    /// A trainer of the paper's pair in memory, the players built by [`mlp_players`].
    pub fn mlp(config: &RunConfig, data: Dataset, device: &Device) -> Result<Self> {
        let ModelConfig::Mlp(model) = &config.model;
        let (g, d) = mlp_players(model, config.train.seed, &data, device)?;
        Trainer::new(config.train.clone(), g, d, data, device)
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

    /// Continues the run of built-in players in `run_dir`.
    pub fn resume_mlp(
        run_dir: &Path,
        data: Dataset,
        device: &Device,
    ) -> Result<(Self, ResumeInfo)> {
        let config = read_run_config::<ModelConfig>(run_dir)?;
        let mut trainer = Self::mlp(&config, data, device)?;
        let info = trainer.resume_run(run_dir)?;
        Ok((trainer, info))
    }
}

/// The generator of a run of built-in players (or of an export of one), on `device`.
pub fn load_generator(run_dir: &Path, device: &Device) -> Result<Generator> {
    let config = read_run_config::<ModelConfig>(run_dir)?;
    let ModelConfig::Mlp(model) = &config.model;
    load_generator_into(run_dir, model.generator.init(device)?)
}

/// Exports the generator of a run of built-in players (see [`export_generator_module`]).
pub fn export_generator(
    run_dir: &Path,
    out_dir: &Path,
    precision: Precision,
    device: &Device,
) -> Result<ExportedModel> {
    let config = read_run_config::<ModelConfig>(run_dir)?;
    let ModelConfig::Mlp(model) = &config.model;
    export_generator_module(run_dir, out_dir, precision, model.generator.init(device)?)
}
