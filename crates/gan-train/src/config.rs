use burn::config::Config;
use gan_data::Preprocessing;
use gan_nn::Noise;
use serde::{Deserialize, Serialize};

use crate::ema::EmaConfig;
use crate::error::{Result, TrainError};
use crate::inpainting::InpaintingConfig;
use crate::loss_choice::LossChoice;
use crate::regularise::Regularisers;

/// How discriminator and generator updates interleave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// Algorithm 1: `k` discriminator steps, each on a fresh real batch and fresh noise, then
    /// one generator step on fresh noise.
    Alternating {
        /// Discriminator steps per generator step.
        k: usize,
    },
    /// The released code: one real batch and one generated batch feed both objectives, and
    /// both networks are updated from gradients taken at the same parameters (`k = 1`).
    Simultaneous,
}

/// Which dropout masks the generator's objective sees in the [`Schedule::Simultaneous`]
/// update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeneratorMasks {
    /// The released code (`AdversaryCost2`): the generator's objective reads the same
    /// dropped-out outputs `D(S)` as the discriminator's fake term. The default.
    Shared,
    /// A fresh mask for the generator's pass (gan-core 0.1's behaviour, kept to compare
    /// against and to continue runs started with it; a saved config without this field means
    /// this).
    Fresh,
}

/// How the momentum ramp counts epochs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MomentumCount {
    /// As pylearn2's `MomentumAdjustor`, whose first call comes before training: during
    /// 0-based epoch `e` its count is `e + 1`. The default.
    Pylearn2,
    /// Completed epochs only, one behind the released code (gan-core 0.1's behaviour, kept to
    /// compare against and to continue runs started with it; a saved config without this field
    /// means this).
    CompletedEpochs,
}

/// A learning rule with its schedule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OptimizerConfig {
    /// SGD with momentum in pylearn2's form: `v ← μv − η∇; θ ← θ + v`.
    /// `η_t = max(learning_rate / lr_decay^t, min_lr)` for update `t` (0-based). `μ` follows
    /// pylearn2's `MomentumAdjustor(start, saturate)`: with `n` the epoch count of
    /// `momentum_count`, `μ = momentum_start + (momentum_end − momentum_start) ·
    /// clamp((n − momentum_start_epoch) / (momentum_end_epoch − momentum_start_epoch), 0, 1)`.
    Momentum {
        /// Initial learning rate η₀.
        learning_rate: f64,
        /// Factor η is divided by after every step (1 for a constant rate).
        lr_decay: f64,
        /// Floor of η.
        min_lr: f64,
        /// Initial momentum.
        momentum_start: f64,
        /// Final momentum.
        momentum_end: f64,
        /// Epoch at which the ramp starts.
        momentum_start_epoch: u64,
        /// Epoch at which the ramp reaches `momentum_end`.
        momentum_end_epoch: u64,
        /// How epochs are counted for the ramp.
        momentum_count: MomentumCount,
    },
    /// Adam (Burn's implementation) with a constant learning rate.
    Adam {
        /// Learning rate.
        learning_rate: f64,
        /// β₁.
        beta1: f32,
        /// β₂.
        beta2: f32,
        /// ε.
        epsilon: f32,
    },
}

impl OptimizerConfig {
    /// The released MNIST rule: η 0.1 divided by 1.000004 per step, floor 1e-6; μ 0.5 → 0.7
    /// by `MomentumAdjustor(start=1, saturate=250)`: `μ = 0.5 + 0.2 · min(e / 249, 1)` during
    /// 0-based epoch `e`.
    pub fn paper_momentum() -> Self {
        OptimizerConfig::Momentum {
            learning_rate: 0.1,
            lr_decay: 1.000004,
            min_lr: 1e-6,
            momentum_start: 0.5,
            momentum_end: 0.7,
            momentum_start_epoch: 1,
            momentum_end_epoch: 250,
            momentum_count: MomentumCount::Pylearn2,
        }
    }

    /// Adam with the usual GAN settings (lr 2e-4, β₁ 0.5, β₂ 0.999).
    pub fn adam(learning_rate: f64) -> Self {
        OptimizerConfig::Adam {
            learning_rate,
            beta1: 0.5,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }

    /// The same rule starting from step size `eta` (its decay, floor and momentum kept).
    pub fn with_learning_rate(mut self, eta: f64) -> Self {
        match &mut self {
            OptimizerConfig::Momentum { learning_rate, .. }
            | OptimizerConfig::Adam { learning_rate, .. } => *learning_rate = eta,
        }
        self
    }

    /// The same rule with its momentum ramp counted as `count` (Adam is returned unchanged).
    pub fn with_momentum_count(mut self, count: MomentumCount) -> Self {
        if let OptimizerConfig::Momentum { momentum_count, .. } = &mut self {
            *momentum_count = count;
        }
        self
    }

    /// The learning rate used for update number `step` (0-based).
    pub fn learning_rate_at(&self, step: u64) -> f64 {
        match *self {
            OptimizerConfig::Momentum {
                learning_rate,
                lr_decay,
                min_lr,
                ..
            } => {
                // Closed form rather than repeated division, so a resumed run computes exactly
                // the rate an uninterrupted one would.
                (learning_rate * lr_decay.powf(-(step as f64))).max(min_lr)
            }
            OptimizerConfig::Adam { learning_rate, .. } => learning_rate,
        }
    }

    /// The momentum during 0-based epoch `epoch`, or `None` for Adam.
    pub fn momentum_at(&self, epoch: u64) -> Option<f64> {
        match *self {
            OptimizerConfig::Momentum {
                momentum_start: a,
                momentum_end: b,
                momentum_start_epoch: s,
                momentum_end_epoch: e,
                momentum_count,
                ..
            } => {
                let n = match momentum_count {
                    MomentumCount::Pylearn2 => epoch + 1,
                    MomentumCount::CompletedEpochs => epoch,
                };
                Some(if n <= s {
                    a
                } else if n >= e {
                    b
                } else {
                    a + (b - a) * (n - s) as f64 / (e - s) as f64
                })
            }
            OptimizerConfig::Adam { .. } => None,
        }
    }

    fn validate(&self, which: &str) -> Result<()> {
        let bad = |what: String| Err(TrainError::Config(format!("{which} optimizer: {what}")));
        match *self {
            OptimizerConfig::Momentum {
                learning_rate,
                lr_decay,
                min_lr,
                momentum_start,
                momentum_end,
                momentum_start_epoch,
                momentum_end_epoch,
                ..
            } => {
                if !(learning_rate > 0.0 && learning_rate.is_finite()) {
                    return bad(format!(
                        "learning_rate must be positive, got {learning_rate}"
                    ));
                }
                if !(lr_decay >= 1.0 && lr_decay.is_finite()) {
                    return bad(format!("lr_decay must be at least 1, got {lr_decay}"));
                }
                if !(min_lr >= 0.0 && min_lr.is_finite()) {
                    return bad(format!("min_lr must be non-negative, got {min_lr}"));
                }
                for m in [momentum_start, momentum_end] {
                    if !(0.0..1.0).contains(&m) {
                        return bad(format!("momentum must lie in [0, 1), got {m}"));
                    }
                }
                if momentum_end_epoch < momentum_start_epoch {
                    return bad("momentum_end_epoch is before momentum_start_epoch".into());
                }
            }
            OptimizerConfig::Adam {
                learning_rate,
                beta1,
                beta2,
                epsilon,
            } => {
                if !(learning_rate > 0.0 && learning_rate.is_finite()) {
                    return bad(format!(
                        "learning_rate must be positive, got {learning_rate}"
                    ));
                }
                if !((0.0..1.0).contains(&beta1) && (0.0..1.0).contains(&beta2) && epsilon > 0.0) {
                    return bad("betas must lie in [0, 1) and epsilon be positive".into());
                }
            }
        }
        Ok(())
    }
}

/// When to write checkpoints and how many to keep.
#[derive(Config, Debug)]
pub struct CheckpointConfig {
    /// Write a checkpoint every this many steps (`None`: not by step count).
    #[config(default = "Some(1000)")]
    pub every_steps: Option<u64>,
    /// Write a checkpoint when this many minutes have passed since the last one.
    #[config(default = "Some(10.0)")]
    pub every_minutes: Option<f64>,
    /// How many checkpoints to keep (the newest); at least 1.
    #[config(default = 3)]
    pub keep_last: usize,
}

/// The most discriminator steps per generator step a schedule may take (WGAN uses 5, and 100
/// early on; more only stalls the generator).
pub const MAX_K: usize = 100;

/// The training algorithm: everything that defines a run except the players themselves
/// (TF-GAN's `GANLoss`, `GANTrainOps` and `GANTrainSteps` in one serialisable config).
#[derive(Config, Debug)]
pub struct TrainConfig {
    /// The noise prior.
    #[config(default = "Noise::Gaussian")]
    pub noise: Noise,
    /// Minibatch size `m` (real and generated).
    #[config(default = 100)]
    pub batch_size: usize,
    /// How D and G updates interleave.
    #[config(default = "Schedule::Alternating { k: 1 }")]
    pub schedule: Schedule,
    /// The adversarial loss of both players (the paper's non-saturating one by default).
    #[config(default = "LossChoice::default()")]
    pub loss: LossChoice,
    /// Which dropout masks the generator's objective sees in the simultaneous update.
    #[config(default = "GeneratorMasks::Shared")]
    pub generator_masks: GeneratorMasks,
    /// Factor on the discriminator loss `−V` (the released code minimises `−V/2`).
    #[config(default = 1.0)]
    pub discriminator_loss_scale: f64,
    /// The discriminator's learning rule.
    pub d_optimizer: OptimizerConfig,
    /// The generator's learning rule.
    pub g_optimizer: OptimizerConfig,
    /// What regularises the discriminator (spectral normalisation, gradient penalties,
    /// instance noise, the max-column-norm constraint).
    #[config(default = "Regularisers::default()")]
    pub regularisers: Regularisers,
    /// An exponential moving average of the generator's weights, which sampling, evaluation
    /// and export use by default.
    #[config(default = "None")]
    pub ema: Option<EmaConfig>,
    /// Weight λ of feature matching added to G's loss (Salimans et al. 2016):
    /// `λ · mean_f (E f(x) − E f(G(z)))²` over D's last hidden layer, on the next real batch.
    #[config(default = "None")]
    pub feature_matching: Option<f64>,
    /// Seed of initialisation, noise, dropout and data order.
    #[config(default = 0)]
    pub seed: u64,
    /// Steps between metrics records.
    #[config(default = 100)]
    pub log_every: u64,
    /// Checkpoint cadence.
    #[config(default = "CheckpointConfig::new()")]
    pub checkpoint: CheckpointConfig,
    /// What is done to the data's rows before training ([`crate::Trainer::new`] applies it)
    /// and before evaluation (the command line applies it to the evaluation sets).
    #[config(default = "Preprocessing::None")]
    pub preprocessing: Preprocessing,
    /// An inpainting run: the players' condition is each real image's known half
    /// ([`InpaintingConfig`]) instead of its label.
    #[config(default = "None")]
    pub inpainting: Option<InpaintingConfig>,
}

impl TrainConfig {
    /// The released MNIST training (see `docs/paper.md`; the players are
    /// [`gan_nn::MlpGanConfig::paper_mnist`]): Gaussian `z ∈ R^100`, batch 100, simultaneous updates with `d_obj = −V/2` and the non-saturating
    /// `g_obj` read from the same dropped-out `D(S)`, momentum SGD with η 0.1 / 1.000004 per
    /// step (floor 1e-6) and μ 0.5 → 0.7 counted as pylearn2's `MomentumAdjustor`.
    pub fn paper_mnist() -> Self {
        Self::new(
            OptimizerConfig::paper_momentum(),
            OptimizerConfig::paper_momentum(),
        )
        .with_schedule(Schedule::Simultaneous)
        .with_discriminator_loss_scale(0.5)
    }

    /// Checks the whole configuration.
    pub fn validate(&self) -> Result<()> {
        self.preprocessing.validate()?;
        if let Some(inpainting) = &self.inpainting {
            inpainting.validate()?;
        }
        if self.batch_size == 0 {
            return Err(TrainError::Config("batch_size must be at least 1".into()));
        }
        if let Schedule::Alternating { k } = self.schedule
            && !(1..=MAX_K).contains(&k)
        {
            return Err(TrainError::Config(format!(
                "the alternating schedule's k (discriminator steps per generator step) must lie \
                 in 1..={MAX_K}, got {k}"
            )));
        }
        if !(self.discriminator_loss_scale > 0.0 && self.discriminator_loss_scale.is_finite()) {
            return Err(TrainError::Config(
                "discriminator_loss_scale must be positive".into(),
            ));
        }
        self.loss.validate()?;
        self.regularisers.validate()?;
        if let Some(ema) = &self.ema {
            ema.validate()?;
        }
        if let Some(w) = self.feature_matching
            && !(w > 0.0 && w.is_finite())
        {
            return Err(TrainError::Config(format!(
                "feature_matching must be a positive weight, got {w}"
            )));
        }
        if self
            .loss
            .builtin()
            .is_some_and(|l| l.needs_lipschitz_constraint())
            && !self.regularisers.constrains_lipschitz()
        {
            return Err(TrainError::Config(
                "the Wasserstein loss needs a Lipschitz discriminator: add a gradient penalty \
                 (gp) or spectral normalisation"
                    .into(),
            ));
        }
        if self.log_every == 0 {
            return Err(TrainError::Config("log_every must be at least 1".into()));
        }
        if self.checkpoint.keep_last == 0 {
            return Err(TrainError::Config(
                "checkpoint.keep_last must be at least 1".into(),
            ));
        }
        if self.checkpoint.every_steps == Some(0) {
            return Err(TrainError::Config(
                "checkpoint.every_steps must be at least 1".into(),
            ));
        }
        self.d_optimizer.validate("discriminator")?;
        self.g_optimizer.validate("generator")
    }
}
