use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::optim::GradientsParams;
use burn::store::ModuleRecord;
use burn::tensor::activation::sigmoid;
use burn::tensor::{Bytes, Device, Tensor};
use gan_data::{BatchSampler, Dataset, GOLDEN_GAMMA, splitmix64_finalize};
use gan_nn::{Discriminator, Generator};
use gan_objective::discriminator_loss;

use crate::checkpoint::{self, CONFIG_FILE, CheckpointFiles, LoadedCheckpoint, METRICS_FILE};
use crate::config::{GeneratorMasks, Schedule, TrainConfig};
use crate::error::{Result, TrainError};
use crate::export;
use crate::metrics::{self, MetricsRecord};
use crate::optim::LearningRule;

/// The values of one training step, read back from the device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepStats {
    /// `−V` on the step's batch (before `discriminator_loss_scale`).
    pub d_loss: f64,
    /// The generator's loss.
    pub g_loss: f64,
    /// Mean `D(x)` on the real batch.
    pub d_real: f64,
    /// Mean `D(G(z))` on the generated batch.
    pub d_fake: f64,
}

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

/// What [`Trainer::resume`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct ResumeInfo {
    /// The checkpoint loaded.
    pub checkpoint: PathBuf,
    /// Its step.
    pub step: u64,
    /// Newer checkpoints that were damaged and skipped, with the reason.
    pub skipped: Vec<String>,
}

#[derive(Default)]
struct Window {
    sum: [f64; 4],
    steps: u64,
}

/// The GAN trainer: the two networks, their learning rules and the data, stepping through
/// Algorithm 1 (or the released code's simultaneous variant).
///
/// Every random draw of step `t` (noise, dropout masks) comes from the device's generator
/// re-seeded with `(seed, t)`, and the data order of each epoch depends only on
/// `(seed, epoch)`. Training is therefore a pure function of the config and the step count:
/// resuming from a checkpoint reproduces an uninterrupted run bit for bit on the CPU backends.
/// (Two caveats. A device's random generator is process-wide: another thread drawing on the
/// same device while this trainer steps changes its draws. On wgpu, autotuning may pick
/// different kernels in a new process, so a resumed run agrees to f32 rounding, not bit for
/// bit.)
pub struct Trainer {
    config: TrainConfig,
    device: Device,
    generator: Generator,
    discriminator: Discriminator,
    g_rule: LearningRule,
    d_rule: LearningRule,
    data: Dataset,
    sampler: BatchSampler,
    epoch_order: Option<(u64, Vec<usize>)>,
    step: u64,
    batches: u64,
    elapsed_before: f64,
    session_start: Instant,
    run_dir: Option<PathBuf>,
    last_checkpoint: Instant,
    window: Window,
}

fn step_seed(seed: u64, step: u64) -> u64 {
    // Unrelated streams for neighbouring steps. (XOR here where the batch sampler adds: the
    // two mixes stay as they were so that runs resume with the draws they started with.)
    splitmix64_finalize(seed ^ step.wrapping_add(1).wrapping_mul(GOLDEN_GAMMA))
}

fn decode_failed(path: &Path, what: &str, e: impl std::fmt::Display) -> TrainError {
    TrainError::Checkpoint {
        path: path.to_path_buf(),
        reason: format!("{what}: {e}"),
    }
}

impl Trainer {
    /// A trainer in memory (no run directory, no checkpoints). `device` may be plain or
    /// autodiff; training uses its autodiff form.
    pub fn new(config: TrainConfig, data: Dataset, device: &Device) -> Result<Self> {
        config.validate()?;
        if data.dim() != config.discriminator.d_input {
            return Err(TrainError::Config(format!(
                "data has {} features but the discriminator takes {}",
                data.dim(),
                config.discriminator.d_input
            )));
        }
        if data.len() < config.batch_size {
            return Err(TrainError::Config(format!(
                "{} training rows are fewer than one batch of {}",
                data.len(),
                config.batch_size
            )));
        }
        let device = if device.is_autodiff() {
            device.clone()
        } else {
            device.clone().autodiff()
        };
        device.seed(config.seed);
        let mut generator = config.generator.init(&device)?;
        if config.output_bias_from_marginals {
            check_marginal_bias(&config, &data)?;
            generator = generator
                .with_output_bias_from_marginals(&data.marginals(), config.marginal_eps)?;
        }
        let discriminator = config.discriminator.init(&device)?;
        let sampler = BatchSampler::new(data.len(), config.batch_size, config.seed)?;
        Ok(Self {
            g_rule: LearningRule::new(config.g_optimizer),
            d_rule: LearningRule::new(config.d_optimizer),
            config,
            device,
            generator,
            discriminator,
            data,
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

    /// A new run in `run_dir`: writes `config.json` there. Refuses a directory that already
    /// holds checkpoints (use [`Trainer::resume`]).
    pub fn create_run(
        config: TrainConfig,
        data: Dataset,
        device: &Device,
        run_dir: &Path,
    ) -> Result<Self> {
        if !checkpoint::list_checkpoints(run_dir)?.is_empty() {
            return Err(TrainError::Config(format!(
                "{} already holds a run; resume it or choose another directory",
                run_dir.display()
            )));
        }
        let mut trainer = Self::new(config, data, device)?;
        std::fs::create_dir_all(run_dir).map_err(|e| TrainError::io(run_dir, e))?;
        checkpoint::write_atomic(
            &run_dir.join(CONFIG_FILE),
            trainer.config.to_string().as_bytes(),
        )?;
        let _ = std::fs::remove_file(run_dir.join(METRICS_FILE));
        trainer.run_dir = Some(run_dir.to_path_buf());
        Ok(trainer)
    }

    /// Continues the run in `run_dir` from its newest valid checkpoint, with the same training
    /// data it was started with.
    pub fn resume(run_dir: &Path, data: Dataset, device: &Device) -> Result<(Self, ResumeInfo)> {
        if export::read_exported(run_dir)?.is_some() {
            return Err(TrainError::Export {
                path: run_dir.to_path_buf(),
                reason: "an exported generator holds no training state; resume the run it was \
                         exported from"
                    .into(),
            });
        }
        let config = read_config(run_dir)?;
        let loaded = checkpoint::load_latest(run_dir)?;
        let mut trainer = Self::new(config, data, device)?;
        let path = loaded.path.clone();
        let file = |name: &str| Bytes::from_bytes_vec(loaded.files[name].clone());
        let g_record = ModuleRecord::from_bytes(file(checkpoint::GENERATOR_FILE))
            .map_err(|e| decode_failed(&path, "generator", e))?;
        trainer.generator = trainer
            .generator
            .try_load_record(g_record)
            .map_err(|e| decode_failed(&path, "generator", e))?;
        let d_record = ModuleRecord::from_bytes(file(checkpoint::DISCRIMINATOR_FILE))
            .map_err(|e| decode_failed(&path, "discriminator", e))?;
        trainer.discriminator = trainer
            .discriminator
            .try_load_record(d_record)
            .map_err(|e| decode_failed(&path, "discriminator", e))?;
        trainer.g_rule = trainer
            .g_rule
            .load_bytes(loaded.files[checkpoint::G_OPTIMIZER_FILE].clone())
            .map_err(|e| decode_failed(&path, "generator optimiser", e))?;
        trainer.d_rule = trainer
            .d_rule
            .load_bytes(loaded.files[checkpoint::D_OPTIMIZER_FILE].clone())
            .map_err(|e| decode_failed(&path, "discriminator optimiser", e))?;
        trainer.step = loaded.state.step;
        trainer.batches = loaded.state.batches;
        trainer.elapsed_before = loaded.state.elapsed_secs;
        metrics::truncate_after(&run_dir.join(METRICS_FILE), trainer.step)?;
        trainer.run_dir = Some(run_dir.to_path_buf());
        let info = ResumeInfo {
            checkpoint: loaded.path,
            step: loaded.state.step,
            skipped: loaded.skipped,
        };
        Ok((trainer, info))
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The generator (on the autodiff device; `.valid()` gives an inference copy).
    pub fn generator(&self) -> &Generator {
        &self.generator
    }

    /// The discriminator.
    pub fn discriminator(&self) -> &Discriminator {
        &self.discriminator
    }

    /// The autodiff device training runs on.
    pub fn device(&self) -> &Device {
        &self.device
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

    /// Real batch number `b` of the run: full batches of each epoch's shuffled order. Rows left
    /// over when the batch size does not divide the data are skipped in that epoch (a
    /// different remainder each epoch).
    fn real_batch(&mut self, b: u64) -> Tensor<2> {
        let per_epoch = self.sampler.full_batches() as u64;
        let (epoch, index) = (b / per_epoch, (b % per_epoch) as usize);
        if self.epoch_order.as_ref().is_none_or(|(e, _)| *e != epoch) {
            self.epoch_order = Some((epoch, self.sampler.epoch_order(epoch)));
        }
        let order = &self.epoch_order.as_ref().expect("set above").1;
        let m = self.config.batch_size;
        self.data
            .gather(&order[index * m..(index + 1) * m], &self.device)
    }

    fn noise(&self) -> Tensor<2> {
        self.config.noise.sample(
            self.config.batch_size,
            self.generator.d_noise(),
            &self.device,
        )
    }

    /// Runs one step: `k` discriminator updates then one generator update (alternating), or
    /// one simultaneous update of both. Errors with [`TrainError::Diverged`] on a non-finite
    /// loss, leaving the step count unchanged.
    pub fn step(&mut self) -> Result<StepStats> {
        self.device.seed(step_seed(self.config.seed, self.step));
        let epoch = self.epoch();
        let scale = self.config.discriminator_loss_scale;
        let stats = match self.config.schedule {
            Schedule::Simultaneous => {
                let x = self.real_batch(self.batches);
                self.batches += 1;
                let fake = self.generator.forward(self.noise());
                let (real_logits, fake_logits, g_logits) = simultaneous_logits(
                    &self.discriminator,
                    x,
                    fake,
                    self.config.generator_masks,
                );
                let d_loss = discriminator_loss(real_logits.clone(), fake_logits.clone());
                let g_loss = self.config.generator_loss.loss(g_logits);
                let mut grads = (d_loss.clone().mul_scalar(scale) + g_loss.clone()).backward();
                let d_grads = GradientsParams::from_module(&mut grads, &self.discriminator);
                let g_grads = GradientsParams::from_module(&mut grads, &self.generator);
                let stats = read_stats(d_loss, g_loss, real_logits, fake_logits, self.step)?;
                self.apply_d_grads(self.step, epoch, d_grads);
                self.generator =
                    self.g_rule
                        .step(self.step, epoch, self.generator.clone(), g_grads);
                stats
            }
            Schedule::Alternating { k } => {
                let mut d_out = None;
                for _ in 0..k {
                    d_out = Some(self.d_update(epoch));
                }
                let (d_loss, real_logits, fake_logits) = d_out.expect("k ≥ 1");
                let g_loss = self.g_update(epoch);
                read_stats(d_loss, g_loss, real_logits, fake_logits, self.step)?
            }
        };
        self.step += 1;
        self.window.steps += 1;
        for (s, v) in
            self.window
                .sum
                .iter_mut()
                .zip([stats.d_loss, stats.g_loss, stats.d_real, stats.d_fake])
        {
            *s += v;
        }
        Ok(stats)
    }

    /// One discriminator update of Algorithm 1 on the next real batch and fresh noise. The
    /// generator is not touched. [`Trainer::step`] calls this `k` times per step; calling it
    /// directly is for experiments with other interleavings.
    pub fn discriminator_update(&mut self) -> Result<()> {
        let (d_loss, _, _) = self.d_update(self.epoch());
        check_scalar(d_loss, "the discriminator loss", self.step)
    }

    /// One generator update on fresh noise, through the current discriminator. The
    /// discriminator is not touched.
    pub fn generator_update(&mut self) -> Result<()> {
        let g_loss = self.g_update(self.epoch());
        check_scalar(g_loss, "the generator loss", self.step)
    }

    fn d_update(&mut self, epoch: u64) -> (Tensor<1>, Tensor<2>, Tensor<2>) {
        let update = self.batches;
        let x = self.real_batch(update);
        self.batches += 1;
        let fake = self.generator.forward(self.noise()).detach();
        let (real_logits, fake_logits) = discriminate(&self.discriminator, x, fake);
        let d_loss = discriminator_loss(real_logits.clone(), fake_logits.clone());
        let grads = d_loss
            .clone()
            .mul_scalar(self.config.discriminator_loss_scale)
            .backward();
        let d_grads = GradientsParams::from_grads(grads, &self.discriminator);
        self.apply_d_grads(update, epoch, d_grads);
        (d_loss.detach(), real_logits.detach(), fake_logits.detach())
    }

    fn g_update(&mut self, epoch: u64) -> Tensor<1> {
        let frozen = self.discriminator.clone().no_grad();
        let fake = self.generator.forward(self.noise());
        let g_loss = self.config.generator_loss.loss(frozen.forward_train(fake));
        let g_grads = GradientsParams::from_grads(g_loss.backward(), &self.generator);
        self.generator = self
            .g_rule
            .step(self.step, epoch, self.generator.clone(), g_grads);
        g_loss.detach()
    }

    fn apply_d_grads(&mut self, update: u64, epoch: u64, grads: GradientsParams) {
        let mut d = self
            .d_rule
            .step(update, epoch, self.discriminator.clone(), grads);
        if let Some(c) = self.config.max_col_norm {
            for layer in &mut d.hidden {
                layer.linear = constrain_columns(layer.linear.clone(), c);
            }
            d.output = constrain_columns(d.output.clone(), c);
        }
        self.discriminator = d;
    }

    fn take_record(&mut self) -> MetricsRecord {
        let n = self.window.steps.max(1) as f64;
        let [d_loss, g_loss, d_real, d_fake] = self.window.sum.map(|s| s / n);
        let last = self.step.saturating_sub(1);
        let record = MetricsRecord {
            step: self.step,
            epoch: self.epoch(),
            wall_time_s: self.elapsed_secs(),
            learning_rate: self.config.d_optimizer.learning_rate_at(last),
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

    /// Trains until a limit in `until` is reached, writing a metrics record every
    /// `log_every` steps (to `metrics.jsonl` and `on_record`) and checkpoints at the
    /// configured cadence; with a run directory, a final checkpoint is written when it stops.
    pub fn train(
        &mut self,
        until: &Until,
        mut on_record: impl FnMut(&MetricsRecord),
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
                on_record(&record);
            }
            if self.run_dir.is_some() && self.checkpoint_due() {
                self.save_checkpoint()?;
            }
        }
        let final_checkpoint = match &self.run_dir {
            Some(_) if self.step > first => Some(self.save_checkpoint()?),
            _ => None,
        };
        Ok(TrainSummary {
            step: self.step,
            epoch: self.epoch(),
            steps_run: self.step - first,
            final_checkpoint,
        })
    }

    fn checkpoint_due(&self) -> bool {
        let c = &self.config.checkpoint;
        c.every_steps.is_some_and(|n| self.step.is_multiple_of(n))
            || c.every_minutes
                .is_some_and(|m| self.last_checkpoint.elapsed().as_secs_f64() >= m * 60.0)
    }

    /// Writes a checkpoint of the current state to the run directory (atomically), after
    /// checking every parameter is finite. Returns its path.
    pub fn save_checkpoint(&mut self) -> Result<PathBuf> {
        let dir = self.run_dir.clone().ok_or_else(|| {
            TrainError::Config("this trainer has no run directory (use Trainer::create_run)".into())
        })?;
        check_finite(&self.generator, "a generator parameter", self.step)?;
        check_finite(&self.discriminator, "a discriminator parameter", self.step)?;
        let record_bytes = |r: ModuleRecord, what: &str| -> Result<Vec<u8>> {
            r.into_bytes()
                .map(|b| b.to_vec())
                .map_err(|e| TrainError::Config(format!("cannot serialise the {what}: {e}")))
        };
        let files = CheckpointFiles {
            files: vec![
                (
                    checkpoint::GENERATOR_FILE,
                    record_bytes(self.generator.clone().into_record(), "generator")?,
                ),
                (
                    checkpoint::DISCRIMINATOR_FILE,
                    record_bytes(self.discriminator.clone().into_record(), "discriminator")?,
                ),
                (checkpoint::G_OPTIMIZER_FILE, self.g_rule.to_bytes()?),
                (checkpoint::D_OPTIMIZER_FILE, self.d_rule.to_bytes()?),
            ],
        };
        let path = checkpoint::save_checkpoint(
            &dir,
            self.step,
            self.batches,
            self.epoch(),
            self.elapsed_secs(),
            files,
            self.config.checkpoint.keep_last,
        )?;
        self.last_checkpoint = Instant::now();
        Ok(path)
    }
}

/// Reads a run directory's `config.json`.
pub fn read_config(run_dir: &Path) -> Result<TrainConfig> {
    let path = run_dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| TrainError::io(&path, e))?;
    TrainConfig::from_json(&text).map_err(|e| match e {
        TrainError::Config(reason) => TrainError::Config(format!("{}: {reason}", path.display())),
        other => other,
    })
}

/// Loads a generator onto `device`: the exported one when `run_dir` holds a `model.json`
/// (see [`export_generator`](crate::export_generator)), otherwise that of the newest valid
/// checkpoint.
pub fn load_generator(run_dir: &Path, device: &Device) -> Result<Generator> {
    let config = read_config(run_dir)?;
    if let Some(model) = export::read_exported(run_dir)? {
        return export::load_exported(run_dir, &model, config.generator.init(device)?);
    }
    let loaded = checkpoint::load_latest(run_dir)?;
    checkpoint_generator(&config, &loaded, device)
}

/// The generator of a loaded checkpoint, built from `config` (a record that does not fit the
/// config is refused).
pub(crate) fn checkpoint_generator(
    config: &TrainConfig,
    loaded: &LoadedCheckpoint,
    device: &Device,
) -> Result<Generator> {
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(
        loaded.files[checkpoint::GENERATOR_FILE].clone(),
    ))
    .map_err(|e| decode_failed(&loaded.path, "generator", e))?;
    config
        .generator
        .init(device)?
        .try_load_record(record)
        .map_err(|e| decode_failed(&loaded.path, "generator", e))
}

/// D's training-mode logits on a real and a generated batch, from one forward pass over both
/// stacked: one matrix product per layer at twice the rows instead of two, fewer and larger
/// operations (7–16 % off the Flex train step, docs/performance.md). Dropout masks are drawn
/// independently per element either way.
fn discriminate(d: &Discriminator, real: Tensor<2>, fake: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
    let (m, n) = (real.dims()[0], fake.dims()[0]);
    let logits = d.forward_train(Tensor::cat(vec![real, fake], 0));
    (logits.clone().narrow(0, 0, m), logits.narrow(0, m, n))
}

/// The simultaneous update's logits: D's own (real, and generated rows detached from G) from
/// one stacked pass, and G's: the generated rows through a copy of D whose parameters take no
/// gradient, so that one backward pass of both objectives gives each network the gradient of
/// its own objective only. With [`GeneratorMasks::Shared`] G's pass applies the masks D's pass
/// used on those rows, so both objectives read the same `D(S)` (the released `AdversaryCost2`).
fn simultaneous_logits(
    d: &Discriminator,
    real: Tensor<2>,
    fake: Tensor<2>,
    masks: GeneratorMasks,
) -> (Tensor<2>, Tensor<2>, Tensor<2>) {
    let frozen = d.clone().no_grad();
    match masks {
        GeneratorMasks::Shared => {
            let (m, n) = (real.dims()[0], fake.dims()[0]);
            let masks = d.draw_masks(m + n, &real.device());
            let stacked = Tensor::cat(vec![real, fake.clone().detach()], 0);
            let logits = d.forward_masked(stacked, &masks);
            let g_logits = frozen.forward_masked(fake, &masks.rows(m, n));
            (logits.clone().narrow(0, 0, m), logits.narrow(0, m, n), g_logits)
        }
        GeneratorMasks::Fresh => {
            let (real_logits, fake_logits) = discriminate(d, real, fake.clone().detach());
            (real_logits, fake_logits, frozen.forward_train(fake))
        }
    }
}

/// pylearn2's `init_sigmoid_bias_from_marginals` inverts a sigmoid on data in `[0, 1]`;
/// anywhere else it would set silent ±16 biases, so it is refused.
fn check_marginal_bias(config: &TrainConfig, data: &Dataset) -> Result<()> {
    if !matches!(
        config.generator.output_activation,
        gan_nn::ActivationConfig::Sigmoid
    ) {
        return Err(TrainError::Config(format!(
            "output_bias_from_marginals needs a sigmoid output, but the generator's is {:?}; \
             set output_bias_from_marginals to false",
            config.generator.output_activation
        )));
    }
    if let Some(v) = data
        .features()
        .iter()
        .find(|v| !(0.0..=1.0).contains(*v))
    {
        return Err(TrainError::Config(format!(
            "output_bias_from_marginals needs data in [0, 1], but the data holds {v}; \
             set output_bias_from_marginals to false or rescale the data"
        )));
    }
    Ok(())
}

fn check_scalar(value: Tensor<1>, what: &str, step: u64) -> Result<()> {
    if value.into_scalar::<f64>().is_finite() {
        Ok(())
    } else {
        Err(TrainError::Diverged {
            step,
            what: what.into(),
        })
    }
}

fn read_stats(
    d_loss: Tensor<1>,
    g_loss: Tensor<1>,
    real_logits: Tensor<2>,
    fake_logits: Tensor<2>,
    step: u64,
) -> Result<StepStats> {
    let values = Tensor::cat(
        vec![
            d_loss.detach(),
            g_loss.detach(),
            sigmoid(real_logits.detach()).mean(),
            sigmoid(fake_logits.detach()).mean(),
        ],
        0,
    )
    .into_data()
    .convert::<f64>()
    .try_into_vec::<f64>()
    .expect("f64 data");
    for (v, what) in values.iter().zip([
        "the discriminator loss",
        "the generator loss",
        "mean D(x)",
        "mean D(G(z))",
    ]) {
        if !v.is_finite() {
            return Err(TrainError::Diverged {
                step,
                what: what.into(),
            });
        }
    }
    Ok(StepStats {
        d_loss: values[0],
        g_loss: values[1],
        d_real: values[2],
        d_fake: values[3],
    })
}

/// Scales each column of a linear layer's weight (one output unit or maxout piece) to norm at
/// most `c`, as pylearn2's `max_col_norm`: `W ← W · min(‖w‖, c) / (‖w‖ + 1e-7)`.
fn constrain_columns(mut layer: Linear, c: f64) -> Linear {
    layer.weight = layer.weight.map(|w| {
        let require_grad = w.is_require_grad();
        let inner = w.inner();
        let norms = inner.clone().powi_scalar(2).sum_dim(0).sqrt();
        let scale = norms.clone().clamp_max(c) / norms.add_scalar(1e-7);
        let constrained = Tensor::from_inner(inner * scale);
        if require_grad {
            constrained.require_grad()
        } else {
            constrained
        }
    });
    layer
}

struct FiniteCheck {
    all_finite: bool,
}

impl burn::module::ModuleVisitor for FiniteCheck {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if self.all_finite {
            let sum: f64 = param.val().inner().abs().sum().into_scalar::<f64>();
            self.all_finite = sum.is_finite();
        }
    }
}

fn check_finite<M: Module>(module: &M, what: &str, step: u64) -> Result<()> {
    let mut check = FiniteCheck { all_finite: true };
    module.visit(&mut check);
    if check.all_finite {
        Ok(())
    } else {
        Err(TrainError::Diverged {
            step,
            what: what.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;
    use gan_nn::{
        DiscriminatorConfig, GeneratorConfig, HiddenLayerConfig, InputDropoutConfig,
        MaxoutLayerConfig,
    };
    use crate::config::GeneratorMasks;
    use gan_objective::GeneratorLoss;

    fn grad_values<const D: usize>(grads: &mut GradientsParams, p: &Param<Tensor<D>>) -> Vec<f32> {
        grads
            .remove::<D>(p.id)
            .unwrap()
            .into_data()
            .try_into_vec::<f32>()
            .unwrap()
    }

    /// With shared masks, G's objective reads exactly the dropped-out `D(S)` of D's fake
    /// term (fresh masks give other values), and the one backward pass still gives each
    /// network only its own objective's gradient: compared with each objective's gradient
    /// taken alone through the same masks.
    #[test]
    fn shared_masks_feed_both_objectives_and_keep_the_gradients_apart() {
        for backend in gan_backend::test_backends() {
            let device = backend.autodiff_device();
            device.seed(5);
            let g = GeneratorConfig::new(
                4,
                vec![HiddenLayerConfig::new(8, gan_nn::ActivationConfig::Relu)],
                6,
            )
            .init(&device)
            .unwrap();
            let d = DiscriminatorConfig::new(
                6,
                vec![MaxoutLayerConfig::new(5, 3)],
                vec![
                    InputDropoutConfig::new(0.8, 1.25),
                    InputDropoutConfig::new(0.5, 2.0),
                ],
            )
            .with_init(burn::nn::Initializer::Uniform {
                min: -0.5,
                max: 0.5,
            })
            .init(&device)
            .unwrap();
            let x = Tensor::<2>::random([7, 6], Distribution::Default, &device);
            let z = Tensor::<2>::random([7, 4], Distribution::Normal(0.0, 1.0), &device);
            let loss = GeneratorLoss::NonSaturating;
            let values = |t: Tensor<2>| t.into_data().try_into_vec::<f32>().unwrap();

            device.seed(9);
            let fake = g.forward(z.clone());
            let (real_l, fake_l, g_l) =
                simultaneous_logits(&d, x.clone(), fake, GeneratorMasks::Shared);
            let (fake_v, g_v) = (values(fake_l.clone()), values(g_l.clone()));
            for (a, b) in fake_v.iter().zip(&g_v) {
                assert!((a - b).abs() <= 1e-5 * a.abs().max(1.0), "{a} vs {b}");
            }
            let d_loss = discriminator_loss(real_l, fake_l);
            let mut both = (d_loss.mul_scalar(0.5) + loss.loss(g_l)).backward();
            let mut d_both = GradientsParams::from_module(&mut both, &d);
            let mut g_both = GradientsParams::from_module(&mut both, &g);

            // The same masks, drawn again from the same seed, for each objective alone.
            device.seed(9);
            let masks = d.draw_masks(14, &device);
            let (real_masks, fake_masks) = (masks.rows(0, 7), masks.rows(7, 7));
            let fake = g.forward(z.clone());
            let d_only = discriminator_loss(
                d.forward_masked(x.clone(), &real_masks),
                d.forward_masked(fake.clone().detach(), &fake_masks),
            )
            .mul_scalar(0.5);
            let mut d_ref = GradientsParams::from_grads(d_only.backward(), &d);
            let g_only = loss.loss(d.forward_masked(fake, &fake_masks));
            let mut g_ref = GradientsParams::from_grads(g_only.backward(), &g);
            let close = |a: Vec<f32>, b: Vec<f32>| {
                assert_eq!(a.len(), b.len());
                for (a, b) in a.iter().zip(&b) {
                    assert!((a - b).abs() <= 1e-5 * a.abs().max(1e-3), "{a} vs {b}");
                }
            };
            let w = &d.hidden[0].linear.weight;
            close(grad_values(&mut d_both, w), grad_values(&mut d_ref, w));
            let w = &d.output.weight;
            close(grad_values(&mut d_both, w), grad_values(&mut d_ref, w));
            for layer in &g.layers {
                close(
                    grad_values(&mut g_both, &layer.weight),
                    grad_values(&mut g_ref, &layer.weight),
                );
            }

            // Fresh masks (gan-core 0.1) give G's pass other values.
            device.seed(9);
            let fake = g.forward(z);
            let (_, fake_l, g_l) = simultaneous_logits(&d, x, fake, GeneratorMasks::Fresh);
            assert_ne!(values(fake_l), values(g_l), "fresh masks equal the shared ones");
        }
    }

    /// The simultaneous step's single backward pass gives D exactly the gradient of its own
    /// loss and G exactly the gradient of its own loss.
    #[test]
    fn one_backward_pass_separates_the_two_objectives() {
        for backend in gan_backend::test_backends() {
            let device = backend.autodiff_device();
            device.seed(3);
            let g = GeneratorConfig::new(
                4,
                vec![HiddenLayerConfig::new(8, gan_nn::ActivationConfig::Relu)],
                5,
            )
            .init(&device)
            .unwrap();
            let d = DiscriminatorConfig::new(
                5,
                vec![MaxoutLayerConfig::new(6, 2)],
                vec![InputDropoutConfig::none(), InputDropoutConfig::none()],
            )
            .with_init(burn::nn::Initializer::Uniform {
                min: -0.5,
                max: 0.5,
            })
            .init(&device)
            .unwrap();
            let x = Tensor::<2>::random([7, 5], Distribution::Default, &device);
            let z = Tensor::<2>::random([7, 4], Distribution::Normal(0.0, 1.0), &device);
            let loss = GeneratorLoss::NonSaturating;

            let fake = g.forward(z.clone());
            let d_loss = discriminator_loss(d.forward(x.clone()), d.forward(fake.clone().detach()));
            let g_loss = loss.loss(d.clone().no_grad().forward(fake));
            let mut both = (d_loss.mul_scalar(0.5) + g_loss).backward();
            let mut d_both = GradientsParams::from_module(&mut both, &d);
            let mut g_both = GradientsParams::from_module(&mut both, &g);

            let d_only = discriminator_loss(d.forward(x), d.forward(g.forward(z.clone()).detach()))
                .mul_scalar(0.5);
            let mut d_ref = GradientsParams::from_grads(d_only.backward(), &d);
            let g_only = loss.loss(d.forward(g.forward(z)));
            let mut g_ref = GradientsParams::from_grads(g_only.backward(), &g);

            let w = &d.hidden[0].linear.weight;
            assert_eq!(grad_values(&mut d_both, w), grad_values(&mut d_ref, w));
            let w = &g.layers[0].weight;
            assert_eq!(grad_values(&mut g_both, w), grad_values(&mut g_ref, w));
            assert!(
                g_both.remove::<2>(d.output.weight.id).is_none(),
                "G's gradients include a D parameter"
            );
            assert!(
                d_both.remove::<2>(g.layers[1].weight.id).is_none(),
                "D's gradients include a G parameter"
            );
        }
    }
}
