//! Model families: how a pair of players is built from its config, for a run. A family is one
//! type implementing [`Family`]; the built-in ones (`mlp.rs`, `dcgan.rs`, `paper_conv.rs`,
//! `inpaint.rs`, each with its presets) are registered in [`ModelConfig::with_family`], the one
//! place that matches on a config's kind. A family of your own uses the same generic machinery
//! ([`family_trainer`], [`create_family_run`], [`resume_family_run`],
//! [`load_family_generator`]) without being registered.

mod dcgan;
mod inpaint;
mod mlp;
mod paper_conv;
mod presets;

use std::path::Path;

use burn::tensor::Device;
use gan_data::Dataset;
use gan_nn::{ActivationConfig, GanDiscriminator, GanGenerator, SizeEstimate};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::TrainConfig;
use crate::error::{Result, TrainError};
use crate::export::GeneratorWeights;
use crate::memory::{MemoryUse, check_memory};
use crate::run::{ResumeInfo, load_generator_weights, read_run_config};
use crate::run_config::{ModelConfig, RunConfig};
use crate::trainer::Trainer;

pub use dcgan::{DcganFamily, DcganTrainer};
pub use inpaint::{InpaintFamily, InpaintTrainer};
pub use mlp::{MlpFamily, MlpTrainer, mlp_players};
pub use paper_conv::{CIFAR10_GCN, PaperConvFamily, PaperConvTrainer};
pub use presets::{DefaultData, PRESETS, Preset};

/// A model family of samples of rank `R`: its players' config and how to build them.
pub trait Family<const R: usize> {
    /// The players' config, saved in the run's `config.json`.
    type Config: Serialize + DeserializeOwned + Clone;
    /// The generator.
    type Generator: GanGenerator<R> + 'static;
    /// The discriminator.
    type Discriminator: GanDiscriminator<R>;

    /// Both players for a run trained by `train` on `data`, built on `device` (the autodiff
    /// device, already seeded with the run's seed).
    fn players(
        model: &Self::Config,
        train: &TrainConfig,
        data: &Dataset,
        device: &Device,
    ) -> Result<(Self::Generator, Self::Discriminator)>;

    /// The generator alone, of the run's structure, to load weights into.
    fn generator(model: &Self::Config, device: &Device) -> Result<Self::Generator>;

    /// Both players' size, counted from the config before anything is built, for the memory
    /// limit ([`crate::check_memory`]); `None` (the default) when the family cannot say, and
    /// no limit is checked.
    fn size(_model: &Self::Config) -> Result<Option<SizeEstimate>> {
        Ok(None)
    }
}

/// Work done with whichever family a config names: [`ModelConfig::with_family`] calls
/// [`FamilyTask::run`] with the family's type.
pub trait FamilyTask {
    /// What the work returns.
    type Output;
    /// The work, for family `F` of sample rank `R` and its players' config.
    fn run<const R: usize, F: Family<R>>(self, model: &F::Config) -> Self::Output;
}

impl ModelConfig {
    /// Runs `task` with the family this config names: the registry of built-in families.
    pub fn with_family<T: FamilyTask>(&self, task: T) -> T::Output {
        match self {
            ModelConfig::Mlp(model) => task.run::<2, MlpFamily>(model),
            ModelConfig::Dcgan(model) => task.run::<4, DcganFamily>(model),
            ModelConfig::PaperConv(model) => task.run::<4, PaperConvFamily>(model),
            ModelConfig::Inpaint(model) => task.run::<4, InpaintFamily>(model),
        }
    }
}

/// The trainer of family `F`'s players.
pub type FamilyTrainer<F, const R: usize> =
    Trainer<<F as Family<R>>::Generator, <F as Family<R>>::Discriminator, R>;

/// The trainer of family `F`'s players for `model`, trained by `train` on `data`: the device
/// seeded with the run's seed, the players built by [`Family::players`].
pub fn family_trainer<const R: usize, F: Family<R>>(
    model: &F::Config,
    train: &TrainConfig,
    data: Dataset,
    device: &Device,
) -> Result<FamilyTrainer<F, R>> {
    if let Some(size) = F::size(model)? {
        check_memory(
            &size,
            MemoryUse::Training {
                batch: train.batch_size,
            },
        )?;
    }
    let device = seeded_autodiff(device, train.seed);
    let (g, d) = F::players(model, train, &data, &device)?;
    Trainer::new(train.clone(), g, d, data, &device)
}

/// A new run of family `F` in `run_dir` (its `config.json` holds `config` as given).
pub fn create_family_run<const R: usize, F: Family<R>>(
    config: &RunConfig<F::Config>,
    data: Dataset,
    device: &Device,
    run_dir: &Path,
) -> Result<FamilyTrainer<F, R>> {
    family_trainer::<R, F>(&config.model, &config.train, data, device)?
        .create_run(run_dir, &config.model)
}

/// Continues the run of family `F` in `run_dir` from its newest valid checkpoint.
pub fn resume_family_run<const R: usize, F: Family<R>>(
    run_dir: &Path,
    data: Dataset,
    device: &Device,
) -> Result<(FamilyTrainer<F, R>, ResumeInfo)> {
    let config = read_run_config::<F::Config>(run_dir)?;
    let mut trainer = family_trainer::<R, F>(&config.model, &config.train, data, device)?;
    let info = trainer.resume_run(run_dir)?;
    Ok((trainer, info))
}

/// Rows the sampling commands generate at a time (the batch the memory limit is checked for).
pub const SAMPLING_BATCH: usize = 1000;

/// The generator of a run (or an export) of family `F`, its `weights`.
pub fn load_family_generator<const R: usize, F: Family<R>>(
    run_dir: &Path,
    device: &Device,
    weights: GeneratorWeights,
) -> Result<F::Generator> {
    let config = read_run_config::<F::Config>(run_dir)?;
    check_sampling_memory::<R, F>(&config.model)?;
    load_generator_weights(run_dir, F::generator(&config.model, device)?, weights)
}

/// Refuses a generator of family `F` whose weights and [`SAMPLING_BATCH`] rows of activations
/// would pass the memory limit, before anything is allocated.
pub(crate) fn check_sampling_memory<const R: usize, F: Family<R>>(model: &F::Config) -> Result<()> {
    match F::size(model)? {
        Some(size) => check_memory(
            &size,
            MemoryUse::Sampling {
                batch: SAMPLING_BATCH,
            },
        ),
        None => Ok(()),
    }
}

/// The `[channels, height, width]` of image items (`[H, W]` counts as one channel); `what`
/// names the model that needs images, for the error.
pub fn image_shape(item_shape: &[usize], what: &str) -> Result<[usize; 3]> {
    match *item_shape {
        [h, w] => Ok([1, h, w]),
        [c, h, w] => Ok([c, h, w]),
        ref other => Err(TrainError::Config(format!(
            "{what} needs images ([H, W] or [C, H, W] items), not items of shape {other:?}"
        ))),
    }
}

/// The output activation for images in the data's range: sigmoid for `[0, 1]`, tanh for
/// `[−1, 1]`, linear otherwise.
pub(crate) fn output_activation_for(data: &Dataset) -> ActivationConfig {
    let (lo, hi) = data
        .features()
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if lo >= 0.0 && hi <= 1.0 {
        ActivationConfig::Sigmoid
    } else if lo >= -1.0 && hi <= 1.0 {
        ActivationConfig::Tanh
    } else {
        ActivationConfig::Identity
    }
}

/// The autodiff form of `device` (itself when it is one), seeded: players built on it start
/// from `seed`.
pub(crate) fn seeded_autodiff(device: &Device, seed: u64) -> Device {
    let device = if device.is_autodiff() {
        device.clone()
    } else {
        device.clone().autodiff()
    };
    device.seed(seed);
    device
}

/// A trainer built by `build` from `run_dir`'s config of built-in players, continued from its
/// newest valid checkpoint.
pub(crate) fn resume_builtin<G, Dm, const R: usize>(
    run_dir: &Path,
    data: Dataset,
    device: &Device,
    build: fn(&RunConfig, Dataset, &Device) -> Result<Trainer<G, Dm, R>>,
) -> Result<(Trainer<G, Dm, R>, ResumeInfo)>
where
    G: GanGenerator<R>,
    Dm: GanDiscriminator<R>,
{
    let config = read_run_config::<ModelConfig>(run_dir)?;
    let mut trainer = build(&config, data, device)?;
    let info = trainer.resume_run(run_dir)?;
    Ok((trainer, info))
}

/// The trainer of family `F` for a [`RunConfig`] of built-in players whose `model` is `F`'s
/// (`None`, the config naming another family, is refused).
pub(crate) fn builtin_trainer<const R: usize, F: Family<R>>(
    config: &RunConfig,
    model: Option<&F::Config>,
    what: &str,
    data: Dataset,
    device: &Device,
) -> Result<FamilyTrainer<F, R>> {
    let model =
        model.ok_or_else(|| TrainError::Config(format!("the run's players are not the {what}")))?;
    family_trainer::<R, F>(model, &config.train, data, device)
}
