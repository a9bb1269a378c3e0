//! The trainer: two players, their learning rules and the data, stepped until a limit, with
//! hooks every N steps. The step itself is in `step.rs`, run-directory I/O in `run.rs`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor};
use gan_data::{BatchSampler, Dataset};
use gan_nn::{GanDiscriminator, GanGenerator};
use gan_objective::{AdversarialLoss, StandardLoss};

use crate::checkpoint::METRICS_FILE;
use crate::config::TrainConfig;
use crate::error::{Result, TrainError};
use crate::hooks::Hook;
use crate::metrics::{self, MetricsRecord};
use crate::optim::LearningRule;

/// When [`Trainer::train`] stops. Every limit is optional; the first one reached ends training.
#[derive(Debug, Clone, Default)]
pub struct Until {
    /// Stop once this many steps have been completed in total (counting resumed ones).
    pub steps: Option<u64>,
    /// Stop once this many epochs have been completed in total.
    pub epochs: Option<u64>,
    /// Stop after this many minutes of this call.
    pub minutes: Option<f64>,
    /// Stop when this flag is set (e.g. by a Ctrl-C handler).
    pub stop: Option<Arc<AtomicBool>>,
}

impl Until {
    /// Stop after `steps` total steps.
    pub fn steps(steps: u64) -> Self {
        Self {
            steps: Some(steps),
            ..Self::default()
        }
    }
}

/// What a call to [`Trainer::train`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSummary {
    /// Total steps completed.
    pub step: u64,
    /// Epochs completed.
    pub epoch: u64,
    /// Steps run by this call.
    pub steps_run: u64,
    /// The checkpoint written when training stopped, if the trainer has a run directory.
    pub final_checkpoint: Option<PathBuf>,
}

#[derive(Default)]
pub(crate) struct Window {
    pub(crate) sum: [f64; 4],
    pub(crate) steps: u64,
}

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
    pub(crate) loss: Box<dyn AdversarialLoss>,
    pub(crate) data: Dataset,
    pub(crate) classes: Option<usize>,
    pub(crate) sampler: BatchSampler,
    pub(crate) epoch_order: Option<(u64, Vec<usize>)>,
    pub(crate) step: u64,
    pub(crate) batches: u64,
    pub(crate) elapsed_before: f64,
    pub(crate) session_start: Instant,
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
    /// (plain or autodiff: the players are forked to its autodiff form). The learning rules come from the
    /// config and the loss from its `generator_loss`; [`Trainer::with_rules`] and
    /// [`Trainer::with_loss`] replace them. A conditional pair (`condition_dim > 0`) is
    /// trained on the data's labels, one-hot.
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
        if data.len() < config.batch_size {
            return Err(TrainError::Config(format!(
                "{} training rows are fewer than one batch of {}",
                data.len(),
                config.batch_size
            )));
        }
        let classes = check_conditions::<G, Dm, D>(&generator, &discriminator, &data)?;
        // The data must form batches of the players' rank (no random draws: see below).
        data.gather_as::<D>(&[0], &device.clone().inner())?;
        let device = if device.is_autodiff() {
            device.clone()
        } else {
            device.clone().autodiff()
        };
        // Burn initialises parameters lazily, on first use, and a lazy parameter shares its
        // state with every clone: a frozen copy (`no_grad`) made before first use would
        // initialise the player's own parameters without gradients. Initialise both players
        // here, from the config's seed, so that training never depends on what touches them
        // first.
        // Players built on a plain device train on its autodiff form: forked there (a
        // parameter not yet initialised is only told where to initialise: no random draw),
        // initialised from the config's seed, then given gradients if they have none (Burn
        // treats a module built on a plain device as a validation copy).
        let (generator, discriminator) = (generator.fork(&device), discriminator.fork(&device));
        device.seed(config.seed);
        let generator = with_gradients(initialise(generator));
        let discriminator = with_gradients(initialise(discriminator));
        let sampler = BatchSampler::new(data.len(), config.batch_size, config.seed)?;
        Ok(Self {
            g_rule: LearningRule::new(config.g_optimizer),
            d_rule: LearningRule::new(config.d_optimizer),
            loss: Box::new(StandardLoss::new(config.generator_loss)),
            config,
            device,
            generator,
            discriminator,
            data,
            classes,
            sampler,
            epoch_order: None,
            step: 0,
            batches: 0,
            elapsed_before: 0.0,
            session_start: Instant::now(),
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

    /// Replaces the losses (the config's `generator_loss` is then not used).
    pub fn with_loss(mut self, loss: impl AdversarialLoss + 'static) -> Self {
        self.loss = Box::new(loss);
        self
    }

    /// The conditions of data rows `rows` (their labels one-hot), for a conditional pair.
    pub(crate) fn condition(&self, rows: &[usize]) -> Option<Tensor<2>> {
        let classes = self.classes?;
        Some(self.data.one_hot_labels(rows, classes, &self.device))
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

    /// Number of classes of a conditional run (`None`: unconditional).
    pub fn classes(&self) -> Option<usize> {
        self.classes
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

    /// Training wall time so far, seconds, across resumes.
    pub fn elapsed_secs(&self) -> f64 {
        self.elapsed_before + self.session_start.elapsed().as_secs_f64()
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

    fn take_record(&mut self) -> MetricsRecord {
        let n = self.window.steps.max(1) as f64;
        let [d_loss, g_loss, d_real, d_fake] = self.window.sum.map(|s| s / n);
        let last = self.step.saturating_sub(1);
        let record = MetricsRecord {
            step: self.step,
            epoch: self.epoch(),
            wall_time_s: self.elapsed_secs(),
            learning_rate: self.d_rule.learning_rate_at(last),
            momentum: self.config.d_optimizer.momentum_at(self.epoch()),
            d_loss,
            g_loss,
            d_real,
            d_fake,
            value: -d_loss,
            steps_averaged: self.window.steps,
        };
        self.window = Window::default();
        record
    }

    /// Trains until a limit in `until` is reached. Every `log_every` steps a metrics record
    /// goes to `metrics.jsonl` and to each hook; hooks run at their own cadence; checkpoints
    /// are written at the configured cadence, and, with a run directory, when training stops.
    pub fn train(
        &mut self,
        until: &Until,
        hooks: &mut [&mut dyn Hook<G, Dm, D>],
    ) -> Result<TrainSummary> {
        let start = Instant::now();
        let first = self.step;
        let done = |t: &Self| {
            until.steps.is_some_and(|s| t.step >= s)
                || until.epochs.is_some_and(|e| t.epoch() >= e)
                || until
                    .minutes
                    .is_some_and(|m| start.elapsed().as_secs_f64() >= m * 60.0)
                || until
                    .stop
                    .as_ref()
                    .is_some_and(|f| f.load(Ordering::SeqCst))
        };
        while !done(self) {
            self.step()?;
            if self.step.is_multiple_of(self.config.log_every) {
                let record = self.take_record();
                if let Some(dir) = &self.run_dir {
                    metrics::append(&dir.join(METRICS_FILE), &record)?;
                }
                hooks.iter_mut().for_each(|h| h.on_record(&record));
            }
            if self.run_dir.is_some() && self.checkpoint_due() {
                self.checkpoint_with_hooks(hooks)?;
            }
            for hook in hooks.iter_mut() {
                if hook
                    .every()
                    .is_some_and(|n| n > 0 && self.step.is_multiple_of(n))
                {
                    let step = self.step;
                    hook.on_step(self)
                        .map_err(|source| TrainError::Hook { step, source })?;
                }
            }
        }
        let final_checkpoint = match &self.run_dir {
            Some(_) if self.step > first => Some(self.checkpoint_with_hooks(hooks)?),
            _ => None,
        };
        Ok(TrainSummary {
            step: self.step,
            epoch: self.epoch(),
            steps_run: self.step - first,
            final_checkpoint,
        })
    }

    fn checkpoint_with_hooks(&mut self, hooks: &mut [&mut dyn Hook<G, Dm, D>]) -> Result<PathBuf> {
        let path = self.save_checkpoint()?;
        for hook in hooks.iter_mut() {
            let step = self.step;
            hook.on_checkpoint(self, &path)
                .map_err(|source| TrainError::Hook { step, source })?;
        }
        Ok(path)
    }

    fn checkpoint_due(&self) -> bool {
        let c = &self.config.checkpoint;
        c.every_steps.is_some_and(|n| self.step.is_multiple_of(n))
            || c.every_minutes
                .is_some_and(|m| self.last_checkpoint.elapsed().as_secs_f64() >= m * 60.0)
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

/// Checks that the players agree on conditioning, and that a conditional pair has labels.
/// Returns the number of classes of a conditional run.
fn check_conditions<G, Dm, const D: usize>(g: &G, d: &Dm, data: &Dataset) -> Result<Option<usize>>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    let (gc, dc) = (g.condition_dim(), d.condition_dim());
    if gc != dc {
        return Err(TrainError::Config(format!(
            "the generator takes conditions of width {gc} but the discriminator {dc}"
        )));
    }
    if gc == 0 {
        return Ok(None);
    }
    let classes = data.num_classes().ok_or_else(|| {
        TrainError::Config("a conditional pair needs labelled data (give --labels)".into())
    })?;
    if classes > gc {
        return Err(TrainError::Config(format!(
            "the data has {classes} classes but the players take conditions of width {gc}"
        )));
    }
    Ok(Some(gc))
}
