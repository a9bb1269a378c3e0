//! The players gan-core builds by name ([`ModelConfig`]): what the command line trains,
//! resumes, exports and loads. A user's own players use the generic API
//! ([`Trainer::new`], [`Trainer::create_run`], [`resume`](crate::resume),
//! [`load_generator_into`](crate::load_generator_into), [`export_generator_module`](crate::export_generator_module)) in the same way.

use std::path::Path;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use gan_data::Dataset;
use gan_nn::{
    ActivationConfig, ConvMaxoutDiscriminator, DcganConfig, DcganDiscriminator, DcganGenerator,
    DeconvGenerator, Discriminator, GanGenerator, Generator, InpaintGenerator, MlpGanConfig,
};

use crate::config::{OptimizerConfig, TrainConfig};
use crate::error::{Result, TrainError};
use crate::export::{ExportedModel, GeneratorWeights, Precision, export_generator_weights};
use crate::run::{ResumeInfo, load_discriminator_into, load_generator_weights, read_run_config};
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

impl MlpTrainer {
    /// A trainer of the paper's pair in memory, the players built by [`mlp_players`].
    pub fn mlp(config: &RunConfig, data: Dataset, device: &Device) -> Result<Self> {
        let ModelConfig::Mlp(model) = &config.model else {
            return Err(TrainError::Config(
                "the run's players are not the paper's MLP pair".into(),
            ));
        };
        // The output bias reads the marginals of the rows the players will see.
        let preprocessing = config.train.preprocessing;
        let (g, d) = if preprocessing.is_none() {
            mlp_players(model, config.train.seed, &data, device)?
        } else {
            let prepared = preprocessing.apply(data.clone())?;
            mlp_players(model, config.train.seed, &prepared, device)?
        };
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

    /// Continues the run of the paper's pair in `run_dir`.
    pub fn resume_mlp(
        run_dir: &Path,
        data: Dataset,
        device: &Device,
    ) -> Result<(Self, ResumeInfo)> {
        resume_builtin(run_dir, data, device, Self::mlp)
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
        let (g, d) = dcgan_players(&config.model, config.train.seed, device)?;
        Trainer::new(config.train.clone(), g, d, data, device)
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

/// The trainer of the paper's convolutional CIFAR-10 pair.
pub type PaperConvTrainer = Trainer<DeconvGenerator, ConvMaxoutDiscriminator, 4>;

impl PaperConvTrainer {
    /// A trainer of the paper's convolutional pair in memory, the device seeded with the
    /// config's seed before the players are built.
    pub fn paper_conv(config: &RunConfig, data: Dataset, device: &Device) -> Result<Self> {
        let ModelConfig::PaperConv(model) = &config.model else {
            return Err(TrainError::Config(
                "the run's players are not the paper's convolutional pair".into(),
            ));
        };
        let device = seeded_autodiff(device, config.train.seed);
        let (g, d) = model.init(&device)?;
        Trainer::new(config.train.clone(), g, d, data, &device)
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

/// A trainer built by `build` from `run_dir`'s config, continued from its newest checkpoint.
pub(crate) fn resume_builtin<G, Dm, const D: usize>(
    run_dir: &Path,
    data: Dataset,
    device: &Device,
    build: fn(&RunConfig, Dataset, &Device) -> Result<Trainer<G, Dm, D>>,
) -> Result<(Trainer<G, Dm, D>, ResumeInfo)>
where
    G: GanGenerator<D>,
    Dm: gan_nn::GanDiscriminator<D>,
{
    let config = read_run_config::<ModelConfig>(run_dir)?;
    let mut trainer = build(&config, data, device)?;
    let info = trainer.resume_run(run_dir)?;
    Ok((trainer, info))
}

fn dcgan_players(
    model: &ModelConfig,
    seed: u64,
    device: &Device,
) -> Result<(DcganGenerator, DcganDiscriminator)> {
    let ModelConfig::Dcgan(model) = model else {
        return Err(TrainError::Config(
            "the run's players are not the DCGAN pair".into(),
        ));
    };
    let device = seeded_autodiff(device, seed);
    Ok(model.init(&device)?)
}

/// A generator that gan-core builds by name, loaded for sampling and evaluation.
#[derive(Debug, Clone)]
pub enum BuiltinGenerator {
    /// The paper's MLP.
    Mlp(Generator),
    /// The DCGAN-style generator (boxed: its layer configs make it large).
    Dcgan(Box<DcganGenerator>),
    /// The paper's convolutional CIFAR-10 generator.
    PaperConv(Box<DeconvGenerator>),
    /// An inpainting generator: it completes images ([`crate::inpaint`]) rather than
    /// sampling from noise alone.
    Inpaint(Box<InpaintGenerator>),
}

impl BuiltinGenerator {
    /// Width of the noise it takes.
    pub fn noise_dim(&self) -> usize {
        match self {
            Self::Mlp(g) => g.d_noise(),
            Self::Dcgan(g) => g.noise_dim(),
            Self::PaperConv(g) => g.noise_dim(),
            Self::Inpaint(g) => g.noise_dim(),
        }
    }

    /// Width of the condition it takes (0: unconditional).
    pub fn condition_dim(&self) -> usize {
        match self {
            Self::Mlp(_) => 0,
            Self::Dcgan(g) => GanGenerator::condition_dim(g.as_ref()),
            Self::PaperConv(_) => 0,
            Self::Inpaint(g) => GanGenerator::condition_dim(g.as_ref()),
        }
    }

    /// Samples for `noise` (and a condition), each flattened to one row `[n, features]`. (An
    /// inpainting generator's condition is the known half: see [`crate::inpaint`].)
    pub fn generate_rows(&self, noise: Tensor<2>, condition: Option<Tensor<2>>) -> Tensor<2> {
        match self {
            Self::Mlp(g) => g.generate(noise, condition),
            Self::Dcgan(g) => g.generate(noise, condition).flatten(1, 3),
            Self::PaperConv(g) => g.generate(noise, condition).flatten(1, 3),
            Self::Inpaint(g) => g.generate(noise, condition).flatten(1, 3),
        }
    }

    /// Shape of one sample: `[features]` for the MLP, `[C, H, W]` for DCGAN.
    pub fn sample_shape(&self) -> Vec<usize> {
        match self {
            Self::Mlp(g) => vec![g.d_output()],
            Self::Dcgan(g) => g.image_shape().to_vec(),
            Self::PaperConv(g) => g.image_shape().to_vec(),
            Self::Inpaint(g) => g.image_shape().to_vec(),
        }
    }

    /// An inference copy (no autodiff, batch norm on running statistics).
    pub fn valid(&self) -> Self {
        match self {
            Self::Mlp(g) => Self::Mlp(g.valid()),
            Self::Dcgan(g) => Self::Dcgan(Box::new(g.as_ref().valid())),
            Self::PaperConv(g) => Self::PaperConv(Box::new(g.as_ref().valid())),
            Self::Inpaint(g) => Self::Inpaint(Box::new(g.as_ref().valid())),
        }
    }
}

/// The generator of a run of built-in players (or of an export of one), on `device`: the
/// average of its weights where the run keeps one ([`load_generator_with`] chooses).
pub fn load_generator(run_dir: &Path, device: &Device) -> Result<BuiltinGenerator> {
    load_generator_with(run_dir, device, GeneratorWeights::Average)
}

/// [`load_generator`] with the choice of `weights`.
pub fn load_generator_with(
    run_dir: &Path,
    device: &Device,
    weights: GeneratorWeights,
) -> Result<BuiltinGenerator> {
    let config = read_run_config::<ModelConfig>(run_dir)?;
    let load = |g| load_generator_weights(run_dir, g, weights);
    Ok(match &config.model {
        ModelConfig::Mlp(model) => BuiltinGenerator::Mlp(load(model.generator.init(device)?)?),
        ModelConfig::Dcgan(model) => BuiltinGenerator::Dcgan(Box::new(load_generator_weights(
            run_dir,
            model.init_generator(device)?,
            weights,
        )?)),
        ModelConfig::PaperConv(model) => BuiltinGenerator::PaperConv(Box::new(
            load_generator_weights(run_dir, model.generator.init(device)?, weights)?,
        )),
        ModelConfig::Inpaint(model) => BuiltinGenerator::Inpaint(Box::new(load_generator_weights(
            run_dir,
            model.init_generator(device)?,
            weights,
        )?)),
    })
}

/// Exports the generator of a run of built-in players (see [`export_generator_module`](crate::export_generator_module)): the
/// average of its weights where the run keeps one.
pub fn export_generator(
    run_dir: &Path,
    out_dir: &Path,
    precision: Precision,
    device: &Device,
) -> Result<ExportedModel> {
    export_generator_with(
        run_dir,
        out_dir,
        precision,
        device,
        GeneratorWeights::Average,
    )
}

/// [`export_generator`] with the choice of `weights`.
pub fn export_generator_with(
    run_dir: &Path,
    out_dir: &Path,
    precision: Precision,
    device: &Device,
    weights: GeneratorWeights,
) -> Result<ExportedModel> {
    let config = read_run_config::<ModelConfig>(run_dir)?;
    let (run, out) = (run_dir, out_dir);
    match &config.model {
        ModelConfig::Mlp(model) => {
            export_generator_weights(run, out, precision, model.generator.init(device)?, weights)
        }
        ModelConfig::Dcgan(model) => {
            export_generator_weights(run, out, precision, model.init_generator(device)?, weights)
        }
        ModelConfig::PaperConv(model) => {
            export_generator_weights(run, out, precision, model.generator.init(device)?, weights)
        }
        ModelConfig::Inpaint(model) => {
            export_generator_weights(run, out, precision, model.init_generator(device)?, weights)
        }
    }
}

/// The maxout discriminator of an MLP run's newest checkpoint, on `device`: the feature map of
/// semi-supervised learning ([`gan_nn::FeatureExtractor`]). An export holds no discriminator, and
/// a convolutional run's is not a feature map here: both are errors.
pub fn load_mlp_discriminator(run_dir: &Path, device: &Device) -> Result<Discriminator> {
    let config = read_run_config::<ModelConfig>(run_dir)?;
    match &config.model {
        ModelConfig::Mlp(model) => {
            load_discriminator_into(run_dir, model.discriminator.init(device)?)
        }
        ModelConfig::Dcgan(_) | ModelConfig::PaperConv(_) | ModelConfig::Inpaint(_) => {
            Err(TrainError::Config(format!(
                "{}: a convolutional discriminator is not offered as a feature map; use an MLP run",
                run_dir.display()
            )))
        }
    }
}
