use burn::config::Config;
use gan_nn::{DiscriminatorConfig, GeneratorConfig, Noise};
use gan_objective::GeneratorLoss;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};

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

/// A learning rule with its schedule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OptimizerConfig {
    /// SGD with momentum in pylearn2's form: `v ← μv − η∇; θ ← θ + v`.
    /// `η_t = max(learning_rate / lr_decay^t, min_lr)` after `t` steps; `μ` is
    /// `momentum_start` up to epoch `momentum_start_epoch`, then rises linearly to
    /// `momentum_end` at `momentum_end_epoch` (epochs counted as completed passes).
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
    /// between epochs 1 and 250.
    pub fn paper_momentum() -> Self {
        OptimizerConfig::Momentum {
            learning_rate: 0.1,
            lr_decay: 1.000004,
            min_lr: 1e-6,
            momentum_start: 0.5,
            momentum_end: 0.7,
            momentum_start_epoch: 1,
            momentum_end_epoch: 250,
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

    /// The momentum during epoch `epoch` (completed passes over the data), or `None` for Adam.
    pub fn momentum_at(&self, epoch: u64) -> Option<f64> {
        match *self {
            OptimizerConfig::Momentum {
                momentum_start: a,
                momentum_end: b,
                momentum_start_epoch: s,
                momentum_end_epoch: e,
                ..
            } => Some(if epoch <= s {
                a
            } else if epoch >= e {
                b
            } else {
                a + (b - a) * (epoch - s) as f64 / (e - s) as f64
            }),
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

/// Everything that defines a training run. Serialised as `config.json` in the run directory.
#[derive(Config, Debug)]
pub struct TrainConfig {
    /// The generator.
    pub generator: GeneratorConfig,
    /// The discriminator.
    pub discriminator: DiscriminatorConfig,
    /// The noise prior.
    #[config(default = "Noise::Gaussian")]
    pub noise: Noise,
    /// Minibatch size `m` (real and generated).
    #[config(default = 100)]
    pub batch_size: usize,
    /// How D and G updates interleave.
    #[config(default = "Schedule::Alternating { k: 1 }")]
    pub schedule: Schedule,
    /// The generator's objective.
    #[config(default = "GeneratorLoss::NonSaturating")]
    pub generator_loss: GeneratorLoss,
    /// Factor on the discriminator loss `−V` (the released code minimises `−V/2`).
    #[config(default = 1.0)]
    pub discriminator_loss_scale: f64,
    /// The discriminator's learning rule.
    pub d_optimizer: OptimizerConfig,
    /// The generator's learning rule.
    pub g_optimizer: OptimizerConfig,
    /// Optional max-norm constraint on the discriminator's weight columns (one column per
    /// output unit or maxout piece), applied after each of its updates.
    #[config(default = "None")]
    pub max_col_norm: Option<f64>,
    /// Initialise the generator's output bias from the data's per-feature means (for a sigmoid
    /// output on data in [0, 1]).
    #[config(default = true)]
    pub output_bias_from_marginals: bool,
    /// Clip applied to the marginals before the logit.
    #[config(default = 1e-7)]
    pub marginal_eps: f64,
    /// Seed of initialisation, noise, dropout and data order.
    #[config(default = 0)]
    pub seed: u64,
    /// Steps between metrics records.
    #[config(default = 100)]
    pub log_every: u64,
    /// Checkpoint cadence.
    #[config(default = "CheckpointConfig::new()")]
    pub checkpoint: CheckpointConfig,
}

impl TrainConfig {
    /// The released MNIST configuration (see `docs/paper.md`): the paper's G and D, Gaussian
    /// `z ∈ R^100`, batch 100, simultaneous updates with `d_obj = −V/2` and the non-saturating
    /// `g_obj`, momentum SGD with η 0.1 / 1.000004 per step (floor 1e-6) and μ 0.5 → 0.7 over
    /// epochs 1..250, output bias from the data marginals.
    pub fn paper_mnist() -> Self {
        Self::new(
            GeneratorConfig::paper_mnist(),
            DiscriminatorConfig::paper_mnist(),
            OptimizerConfig::paper_momentum(),
            OptimizerConfig::paper_momentum(),
        )
        .with_schedule(Schedule::Simultaneous)
        .with_discriminator_loss_scale(0.5)
    }

    /// Checks the whole configuration.
    pub fn validate(&self) -> Result<()> {
        self.generator.validate()?;
        self.discriminator.validate()?;
        if self.generator.d_output != self.discriminator.d_input {
            return Err(TrainError::Config(format!(
                "generator produces {} features but the discriminator takes {}",
                self.generator.d_output, self.discriminator.d_input
            )));
        }
        if self.batch_size == 0 {
            return Err(TrainError::Config("batch_size must be at least 1".into()));
        }
        if let Schedule::Alternating { k: 0 } = self.schedule {
            return Err(TrainError::Config(
                "alternating schedule needs k ≥ 1".into(),
            ));
        }
        if !(self.discriminator_loss_scale > 0.0 && self.discriminator_loss_scale.is_finite()) {
            return Err(TrainError::Config(
                "discriminator_loss_scale must be positive".into(),
            ));
        }
        if let Some(c) = self.max_col_norm
            && !(c > 0.0 && c.is_finite())
        {
            return Err(TrainError::Config(format!(
                "max_col_norm must be positive, got {c}"
            )));
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
