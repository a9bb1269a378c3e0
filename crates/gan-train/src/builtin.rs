//! The generators gan-core builds by name ([`ModelConfig`], through the registry
//! [`ModelConfig::with_family`]), loaded for sampling and evaluation, and exported.

use std::any::Any;
use std::path::Path;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use gan_nn::{Discriminator, Encoder, EncoderConfig, GanGenerator, Noise};

use crate::error::{Result, TrainError};
use crate::export::{ExportedModel, GeneratorWeights, Precision, export_generator_weights};
use crate::family::{Family, FamilyTask};
use crate::inference::{
    InferenceManifest, InferenceTraining, generator_fingerprint, load_encoder, train_encoder,
};
use crate::reconstruct::{Refinement, refine_codes};
use crate::run::{load_discriminator_into, load_generator_reporting, read_run_config};
use crate::run_config::ModelConfig;

/// A generator of any registered family, loaded for sampling and evaluation, its family's type
/// erased: what the command line's sampling commands work with. The module itself is reached
/// with [`BuiltinGenerator::downcast_ref`].
pub struct BuiltinGenerator {
    inner: Box<dyn ErasedGenerator>,
    skipped: Vec<String>,
}

impl BuiltinGenerator {
    /// Erases `generator`'s type. Its sample shape is read from one generated sample.
    pub fn new<G: GanGenerator<R> + 'static, const R: usize>(generator: G) -> Self {
        let probe = generator.valid();
        let device = first_device(&probe);
        let z = Tensor::<2>::zeros([1, probe.noise_dim()], &device);
        let c = (probe.condition_dim() > 0)
            .then(|| Tensor::<2>::zeros([1, probe.condition_dim()], &device));
        let shape = probe.generate(z, c).dims()[1..].to_vec();
        Self {
            inner: Box::new(Typed::<G, R> { generator, shape }),
            skipped: Vec::new(),
        }
    }

    /// Newer checkpoints of the run that were damaged and skipped when this generator was
    /// loaded (with the reason): it then comes from an older one.
    pub fn skipped_checkpoints(&self) -> &[String] {
        &self.skipped
    }

    /// Width of the noise it takes.
    pub fn noise_dim(&self) -> usize {
        self.inner.noise_dim()
    }

    /// Width of the condition it takes (0: unconditional).
    pub fn condition_dim(&self) -> usize {
        self.inner.condition_dim()
    }

    /// Samples for `noise` (and a condition), each flattened to one row `[n, features]`. (An
    /// inpainting generator's condition is the known half: see [`crate::inpaint`].)
    pub fn generate_rows(&self, noise: Tensor<2>, condition: Option<Tensor<2>>) -> Tensor<2> {
        self.inner.generate_rows(noise, condition)
    }

    /// Shape of one sample: `[features]` for an MLP, `[C, H, W]` for an image model.
    pub fn sample_shape(&self) -> Vec<usize> {
        self.inner.sample_shape()
    }

    /// An inference copy (no autodiff, batch norm on running statistics).
    pub fn valid(&self) -> Self {
        Self {
            inner: self.inner.valid(),
            skipped: self.skipped.clone(),
        }
    }

    /// The module, when it is a `G`.
    pub fn downcast_ref<G: 'static>(&self) -> Option<&G> {
        self.inner.as_any().downcast_ref()
    }

    /// [`generator_fingerprint`] of the module.
    pub fn fingerprint(&self) -> Result<String> {
        self.inner.fingerprint()
    }

    /// [`train_encoder`] for the module.
    pub fn train_encoder(
        &self,
        noise: Noise,
        config: &EncoderConfig,
        training: InferenceTraining,
        device: &Device,
        on_progress: &mut dyn FnMut(usize, f64),
    ) -> Result<Encoder> {
        self.inner
            .train_encoder(noise, config, training, device, on_progress)
    }

    /// [`load_encoder`] for the module.
    pub fn load_encoder(
        &self,
        dir: &Path,
        device: &Device,
    ) -> Result<(Encoder, InferenceManifest)> {
        self.inner.load_encoder(dir, device)
    }

    /// [`refine_codes`] through the module.
    pub fn refine_codes(
        &self,
        noise: Noise,
        images: Tensor<2>,
        start: Tensor<2>,
        refinement: Refinement,
    ) -> Result<Tensor<2>> {
        self.inner.refine_codes(noise, images, start, refinement)
    }
}

impl Clone for BuiltinGenerator {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone_box(),
            skipped: self.skipped.clone(),
        }
    }
}

impl std::fmt::Debug for BuiltinGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.debug(f)
    }
}

/// What the sampling and inference commands do with a generator, without its type.
trait ErasedGenerator {
    fn noise_dim(&self) -> usize;
    fn condition_dim(&self) -> usize;
    fn generate_rows(&self, noise: Tensor<2>, condition: Option<Tensor<2>>) -> Tensor<2>;
    fn sample_shape(&self) -> Vec<usize>;
    fn valid(&self) -> Box<dyn ErasedGenerator>;
    fn clone_box(&self) -> Box<dyn ErasedGenerator>;
    fn as_any(&self) -> &dyn Any;
    fn debug(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result;
    fn fingerprint(&self) -> Result<String>;
    fn train_encoder(
        &self,
        noise: Noise,
        config: &EncoderConfig,
        training: InferenceTraining,
        device: &Device,
        on_progress: &mut dyn FnMut(usize, f64),
    ) -> Result<Encoder>;
    fn load_encoder(&self, dir: &Path, device: &Device) -> Result<(Encoder, InferenceManifest)>;
    fn refine_codes(
        &self,
        noise: Noise,
        images: Tensor<2>,
        start: Tensor<2>,
        refinement: Refinement,
    ) -> Result<Tensor<2>>;
}

struct Typed<G, const R: usize> {
    generator: G,
    shape: Vec<usize>,
}

impl<G: GanGenerator<R> + 'static, const R: usize> ErasedGenerator for Typed<G, R> {
    fn noise_dim(&self) -> usize {
        self.generator.noise_dim()
    }
    fn condition_dim(&self) -> usize {
        self.generator.condition_dim()
    }
    fn generate_rows(&self, noise: Tensor<2>, condition: Option<Tensor<2>>) -> Tensor<2> {
        let samples = self.generator.generate(noise, condition);
        let n = samples.dims()[0];
        samples.reshape([n as i32, -1])
    }
    fn sample_shape(&self) -> Vec<usize> {
        self.shape.clone()
    }
    fn valid(&self) -> Box<dyn ErasedGenerator> {
        Box::new(Typed::<G, R> {
            generator: self.generator.valid(),
            shape: self.shape.clone(),
        })
    }
    fn clone_box(&self) -> Box<dyn ErasedGenerator> {
        Box::new(Typed::<G, R> {
            generator: self.generator.clone(),
            shape: self.shape.clone(),
        })
    }
    fn as_any(&self) -> &dyn Any {
        &self.generator
    }
    fn debug(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.generator.fmt(f)
    }
    fn fingerprint(&self) -> Result<String> {
        generator_fingerprint(&self.generator)
    }
    fn train_encoder(
        &self,
        noise: Noise,
        config: &EncoderConfig,
        training: InferenceTraining,
        device: &Device,
        on_progress: &mut dyn FnMut(usize, f64),
    ) -> Result<Encoder> {
        train_encoder(
            &self.generator,
            noise,
            config,
            training,
            device,
            on_progress,
        )
    }
    fn load_encoder(&self, dir: &Path, device: &Device) -> Result<(Encoder, InferenceManifest)> {
        load_encoder(dir, &self.generator, device)
    }
    fn refine_codes(
        &self,
        noise: Noise,
        images: Tensor<2>,
        start: Tensor<2>,
        refinement: Refinement,
    ) -> Result<Tensor<2>> {
        refine_codes(&self.generator, noise, images, start, refinement)
    }
}

/// The device of `module`'s first parameter (the default device for a module without any).
fn first_device<M: Module>(module: &M) -> Device {
    module.devices().into_iter().next().unwrap_or_default()
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
        crate::family::check_sampling_memory::<R, F>(model)?;
        let g = F::generator(model, self.device)?;
        let (g, skipped) = load_generator_reporting(self.run_dir, g, self.weights)?;
        Ok(BuiltinGenerator {
            skipped,
            ..BuiltinGenerator::new(g)
        })
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
