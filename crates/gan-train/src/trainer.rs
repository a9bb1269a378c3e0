//! The trainer: two players, their learning rules and the data, stepped until a limit, with
//! hooks every N steps. The step itself is in `step.rs`, run-directory I/O in `run.rs`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor};
use gan_data::{BatchSampler, Dataset};
use gan_data::{GOLDEN_GAMMA, splitmix64_finalize};
use gan_nn::{GanDiscriminator, GanGenerator};
use gan_objective::AdversarialLoss;

use crate::conditioning::Conditioning;
use crate::config::TrainConfig;
use crate::ema::GeneratorEma;
use crate::error::{Result, TrainError};
use crate::loss_choice::LossChoice;
use crate::optim::LearningRule;
use crate::spectral::SpectralNorm;
use crate::stats::Window;

/// The GAN trainer: any [`GanGenerator`] and [`GanDiscriminator`] of sample rank `D`, their
/// learning rules and the data, stepping through Algorithm 1 (or the released code's
/// simultaneous variant).
///
/// Every random draw of step `t` (noise, dropout masks) comes from the device's generator
/// re-seeded with `(seed, t)`, and the data order of each epoch depends only on
/// `(seed, epoch)`. Training is therefore a pure function of the config, the initial players
/// and the step count: resuming from a checkpoint reproduces an uninterrupted run bit for bit
/// on the CPU backends. (Two caveats. A device's random generator is process-wide: another
/// thread drawing on the same device while this trainer steps changes its draws. On wgpu,
/// autotuning may pick different kernels in a new process, so a resumed run agrees to f32
/// rounding, not bit for bit.)
pub struct Trainer<G, Dm, const D: usize>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    pub(crate) config: TrainConfig,
    pub(crate) device: Device,
    pub(crate) generator: G,
    pub(crate) discriminator: Dm,
    pub(crate) g_rule: LearningRule,
    pub(crate) d_rule: LearningRule,
    /// `None` while a loss supplied in code by the run has not been supplied again.
    pub(crate) loss: Option<Box<dyn AdversarialLoss>>,
    pub(crate) spectral: Option<SpectralNorm>,
    pub(crate) ema: Option<GeneratorEma<G>>,
    pub(crate) data: Dataset,
    pub(crate) conditioning: Conditioning,
    pub(crate) sampler: BatchSampler,
    pub(crate) epoch_order: Option<(u64, Vec<usize>)>,
    pub(crate) step: u64,
    pub(crate) batches: u64,
    pub(crate) elapsed_before: f64,
    pub(crate) session_start: Instant,
    /// Time this session spent in hooks (evaluations, sample grids), not training time.
    pub(crate) paused: Duration,
    pub(crate) run_dir: Option<PathBuf>,
    pub(crate) last_checkpoint: Instant,
    pub(crate) window: Window,
}

impl<G, Dm, const D: usize> Trainer<G, Dm, D>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    /// A trainer in memory (no run directory, no checkpoints) for players built on `device`
    /// (plain or autodiff: the players are forked to its autodiff form). The learning rules, the
    /// loss, the discriminator's regularisers and the generator's average come from the config;
    /// [`Trainer::with_rules`] and [`Trainer::with_loss`] replace the first two. A conditional pair (`condition_dim > 0`) is
    /// trained on the data's labels, one-hot. The data's rows are transformed first by the
    /// config's `preprocessing` (nothing by default).
    ///
    /// The players' parameters are initialised here (Burn initialises them lazily), from the
    /// device's stream seeded with the config's seed, generator first: the initial weights
    /// follow from the seed. A sample shape the players do not accept panics in the first step,
    /// in the players' own forward pass (Burn's shape checks).
    pub fn new(
        config: TrainConfig,
        generator: G,
        discriminator: Dm,
        data: Dataset,
        device: &Device,
    ) -> Result<Self> {
        config.validate()?;
        let data = config.preprocessing.apply(data)?;
        if data.len() < config.batch_size {
            return Err(TrainError::Config(format!(
                "{} training rows are fewer than one batch of {}",
                data.len(),
                config.batch_size
            )));
        }
        let conditioning = Conditioning::for_run(
            &generator,
            &discriminator,
            &data,
            config.inpainting.as_ref(),
        )?;
        // The data must form batches of the players' rank (no random draws: see below).
        data.gather_as::<D>(&[0], &device.clone().inner())?;
        let device = if device.is_autodiff() {
            device.clone()
        } else {
            device.clone().autodiff()
        };
        // Burn initialises parameters lazily, and a lazy parameter shares its state with its
        // clones: a frozen copy (`no_grad`) made before first use would initialise the player's
        // own parameters without gradients. Players built on a plain device train on its autodiff form: forked there (a
        // parameter not yet initialised is only told where to initialise: no random draw),
        // initialised from the config's seed, then given gradients if they have none (Burn
        // treats a module built on a plain device as a validation copy).
        let (generator, discriminator) = (generator.fork(&device), discriminator.fork(&device));
        device.seed(config.seed);
        let generator = with_gradients(initialise(generator));
        let discriminator = with_gradients(initialise(discriminator));
        // Spectral normalisation's first vectors come from a stream of their own, after the
        // players' initialisation (which they therefore leave as it was).
        let spectral = config.regularisers.spectral_norm.then(|| {
            let stream = splitmix64_finalize(config.seed ^ GOLDEN_GAMMA.rotate_left(17));
            SpectralNorm::new(&discriminator, stream)
        });
        let ema = config.ema.map(|c| GeneratorEma::new(c, &generator));
        let sampler = BatchSampler::new(data.len(), config.batch_size, config.seed)?;
        Ok(Self {
            g_rule: LearningRule::new(config.g_optimizer),
            d_rule: LearningRule::new(config.d_optimizer),
            loss: config.loss.build(),
            spectral,
            ema,
            config,
            device,
            generator,
            discriminator,
            data,
            conditioning,
            sampler,
            epoch_order: None,
            step: 0,
            batches: 0,
            elapsed_before: 0.0,
            session_start: Instant::now(),
            paused: Duration::ZERO,
            run_dir: None,
            last_checkpoint: Instant::now(),
            window: Window::default(),
        })
    }

    /// Replaces the learning rules (any Burn optimiser, see [`LearningRule::custom`]). Set
    /// them before training or resuming: a checkpoint restores their state.
    pub fn with_rules(mut self, generator: LearningRule, discriminator: LearningRule) -> Self {
        self.g_rule = generator;
        self.d_rule = discriminator;
        self
    }

    /// Trains with `loss` (a built-in [`gan_objective::Loss`] or one of your own), recorded in
    /// the config by its [`AdversarialLoss::name`]. A run trained with a loss of your own must be
    /// given it again before [`Trainer::resume_run`]: without it, resuming and stepping are
    /// [`TrainError::LossNotSupplied`], and a loss of another name is
    /// [`TrainError::LossMismatch`].
    pub fn with_loss(mut self, loss: impl AdversarialLoss + 'static) -> Self {
        self.config.loss = LossChoice::of(&loss);
        self.loss = Some(Box::new(loss));
        self
    }

    /// The loss being trained, or the error of a run whose loss of its own was not supplied.
    pub(crate) fn loss(&self) -> Result<&dyn AdversarialLoss> {
        self.loss
            .as_deref()
            .ok_or_else(|| self.config.loss.missing())
    }

    /// The generator's exponential moving average (on the plain device, evaluation mode), when
    /// the run keeps one.
    pub fn generator_average(&self) -> Option<&G> {
        self.ema.as_ref().map(|e| &e.average)
    }

    /// The generator to sample and evaluate: the average of its weights where the run keeps
    /// one, otherwise an inference copy of the trained generator.
    pub fn sampling_generator(&self) -> G {
        match self.generator_average() {
            Some(average) => average.clone(),
            None => self.generator.valid(),
        }
    }

    /// Spectral normalisation's power-iteration state, when the run normalises D.
    pub fn spectral_norm(&self) -> Option<&SpectralNorm> {
        self.spectral.as_ref()
    }

    /// The training configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The generator (on the autodiff device; `.valid()` gives an inference copy).
    pub fn generator(&self) -> &G {
        &self.generator
    }

    /// The discriminator.
    pub fn discriminator(&self) -> &Dm {
        &self.discriminator
    }

    /// The autodiff device training runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The training data.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// Number of classes of a conditional run (`None`: unconditional), its condition width.
    pub fn classes(&self) -> Option<usize> {
        self.conditioning.classes()
    }

    /// How the run conditions its players.
    pub fn conditioning(&self) -> &Conditioning {
        &self.conditioning
    }

    /// Steps completed.
    pub fn step_count(&self) -> u64 {
        self.step
    }

    /// The run directory, if any.
    pub fn run_dir(&self) -> Option<&Path> {
        self.run_dir.as_deref()
    }

    /// Epochs completed: full passes of real batches consumed by the discriminator.
    pub fn epoch(&self) -> u64 {
        self.batches / self.sampler.full_batches() as u64
    }

    /// Training wall time so far, seconds, across resumes: the time spent in hooks
    /// (evaluations, sample grids, plots) is not counted.
    pub fn elapsed_secs(&self) -> f64 {
        let session = self.session_start.elapsed().saturating_sub(self.paused);
        self.elapsed_before + session.as_secs_f64()
    }

    /// Real batches consumed so far (discriminator updates).
    pub fn batches_consumed(&self) -> u64 {
        self.batches
    }

    /// Steps in one epoch (one discriminator update per step, `k` with Algorithm 1).
    pub fn steps_per_epoch(&self) -> u64 {
        let per_step = match self.config.schedule {
            crate::Schedule::Alternating { k } => k as u64,
            crate::Schedule::Simultaneous => 1,
        };
        (self.sampler.full_batches() as u64 / per_step).max(1)
    }
}

/// Reads every parameter once, which initialises a lazy one.
fn initialise<M: Module>(module: M) -> M {
    struct Touch;
    impl ModuleVisitor for Touch {
        fn visit_float<const R: usize>(&mut self, param: &Param<Tensor<R>>) {
            let _ = param.val();
        }
    }
    module.visit(&mut Touch);
    module
}

/// `module`, or its training form when none of its parameters takes a gradient.
fn with_gradients<M: Module>(module: M) -> M {
    struct AnyTracked(bool);
    impl ModuleVisitor for AnyTracked {
        fn visit_float<const R: usize>(&mut self, param: &Param<Tensor<R>>) {
            self.0 |= param.val().is_require_grad();
        }
    }
    let mut tracked = AnyTracked(false);
    module.visit(&mut tracked);
    if tracked.0 { module } else { module.train() }
}
