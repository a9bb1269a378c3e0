//! The generators gan-core builds by name ([`ModelConfig`], through the registry
//! [`ModelConfig::with_family`]), loaded for sampling and evaluation, and exported.

use std::any::Any;
use std::path::Path;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use gan_nn::{
    DcganGenerator, DeconvGenerator, Discriminator, GanGenerator, Generator, InpaintGenerator,
};

use crate::error::{Result, TrainError};
use crate::export::{ExportedModel, GeneratorWeights, Precision, export_generator_weights};
use crate::family::{Family, FamilyTask};
use crate::run::{load_discriminator_into, load_generator_weights, read_run_config};
use crate::run_config::ModelConfig;

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
    /// The built-in generator `g` is (one of the registered families' generators).
    fn from_module<G: Module + 'static>(g: G) -> Result<Self> {
        let any: Box<dyn Any> = Box::new(g);
        let any = match any.downcast::<Generator>() {
            Ok(g) => return Ok(Self::Mlp(*g)),
            Err(any) => any,
        };
        let any = match any.downcast::<DcganGenerator>() {
            Ok(g) => return Ok(Self::Dcgan(g)),
            Err(any) => any,
        };
        let any = match any.downcast::<DeconvGenerator>() {
            Ok(g) => return Ok(Self::PaperConv(g)),
            Err(any) => any,
        };
        match any.downcast::<InpaintGenerator>() {
            Ok(g) => Ok(Self::Inpaint(g)),
            Err(_) => Err(TrainError::Config(
                "a registered family's generator has no BuiltinGenerator variant".into(),
            )),
        }
    }

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
    config.model.with_family(LoadGenerator {
        run_dir,
        device,
        weights,
    })
}

struct LoadGenerator<'a> {
    run_dir: &'a Path,
    device: &'a Device,
    weights: GeneratorWeights,
}

impl FamilyTask for LoadGenerator<'_> {
    type Output = Result<BuiltinGenerator>;

    fn run<const R: usize, F: Family<R>>(self, model: &F::Config) -> Self::Output {
        let g = F::generator(model, self.device)?;
        let g = load_generator_weights(self.run_dir, g, self.weights)?;
        BuiltinGenerator::from_module(g)
    }
}

/// Exports the generator of a run of built-in players (see
/// [`export_generator_module`](crate::export_generator_module)): the average of its weights
/// where the run keeps one.
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
    struct Export<'a> {
        run_dir: &'a Path,
        out_dir: &'a Path,
        precision: Precision,
        device: &'a Device,
        weights: GeneratorWeights,
    }
    impl FamilyTask for Export<'_> {
        type Output = Result<ExportedModel>;
        fn run<const R: usize, F: Family<R>>(self, model: &F::Config) -> Self::Output {
            let g = F::generator(model, self.device)?;
            export_generator_weights(self.run_dir, self.out_dir, self.precision, g, self.weights)
        }
    }
    let config = read_run_config::<ModelConfig>(run_dir)?;
    config.model.with_family(Export {
        run_dir,
        out_dir,
        precision,
        device,
        weights,
    })
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
