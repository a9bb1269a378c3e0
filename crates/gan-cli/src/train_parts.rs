//! `gan train`'s flags for the configured parts of a run: the loss, D's regularisers, G's
//! feature matching, the average of G, one learning rate per player, the noise prior, the batch
//! size and Algorithm 1's k. Each applies to the
//! training config of any model family; on `--resume`, a flag that differs from the saved
//! config is refused.

use clap::{Args, ValueEnum};
use gan_nn::Noise;
use gan_objective::Loss;
use gan_train::{EmaConfig, LossChoice, Schedule, TrainConfig};

use crate::error::CliError;

/// The noise priors `--noise` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NoiseArg {
    /// N(0, I).
    Gaussian,
    /// Uniform on [−√3, √3] per coordinate (the released mnist.yaml's prior).
    Uniform,
    /// Uniform on the unit sphere.
    Sphere,
}

impl From<NoiseArg> for Noise {
    fn from(n: NoiseArg) -> Self {
        match n {
            NoiseArg::Gaussian => Noise::Gaussian,
            NoiseArg::Uniform => Noise::Uniform,
            NoiseArg::Sphere => Noise::Spherical,
        }
    }
}

#[derive(Args, Debug, Default)]
pub struct TrainParts {
    /// The adversarial loss of both players: minimax, non-saturating, hinge, least-squares or
    /// wasserstein (which needs --gp or --spectral-norm) [default: the preset's].
    #[arg(long, value_parser = parse_loss)]
    loss: Option<Loss>,
    /// Spectral normalisation of every weight of D (one power-iteration step per D update).
    #[arg(long)]
    spectral_norm: bool,
    /// R1 gradient penalty γ/2·E‖∇D(x)‖² on real data, with this γ.
    #[arg(long, value_name = "GAMMA")]
    r1: Option<f64>,
    /// R2 gradient penalty: the same on generated data.
    #[arg(long, value_name = "GAMMA")]
    r2: Option<f64>,
    /// WGAN-GP's penalty γ·E(‖∇D(x̂)‖ − 1)² on interpolates of real and generated data.
    #[arg(long, value_name = "GAMMA")]
    gp: Option<f64>,
    /// Keep an exponential moving average of G's weights with this decay (e.g. 0.999); sample,
    /// eval, interpolate, export and the evaluations use it unless given --raw-weights.
    #[arg(long, value_name = "DECAY")]
    ema: Option<f64>,
    /// Steps during which the average just copies G.
    #[arg(long, value_name = "STEPS", requires = "ema")]
    ema_start: Option<u64>,
    /// StyleGAN2's ramp-up: the average's horizon 1/(1 − decay) is at most this fraction of the
    /// steps averaged so far (e.g. 0.1), so a long average follows G early in the run.
    #[arg(long, value_name = "FRACTION", requires = "ema")]
    ema_rampup: Option<f64>,
    /// The generator's learning rate (the initial one of a scheduled rule).
    #[arg(long, value_name = "LR")]
    g_lr: Option<f64>,
    /// The discriminator's learning rate (the initial one of a scheduled rule).
    #[arg(long, value_name = "LR")]
    d_lr: Option<f64>,
    /// The noise prior p(z).
    #[arg(long, value_enum)]
    noise: Option<NoiseArg>,
    /// Instance noise: N(0, σ²) added to every row D sees in training.
    #[arg(long, value_name = "SIGMA")]
    instance_noise: Option<f64>,
    /// Feature matching added to G's loss with this weight: the squared distance between the
    /// mean features of D's last hidden layer on real and generated batches.
    #[arg(long, value_name = "WEIGHT")]
    feature_matching: Option<f64>,
    /// Rows per minibatch, real and generated [default: the preset's].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=65_536))]
    batch_size: Option<u64>,
    /// Algorithm 1's k: discriminator steps per generator step, each on a fresh real batch and
    /// fresh noise (alternating updates) [default: the preset's schedule; the paper presets
    /// update both players at once from one batch].
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..=gan_train::MAX_K as u64))]
    k: Option<u64>,
}

fn parse_loss(s: &str) -> Result<Loss, String> {
    s.parse::<Loss>().map_err(|e| e.to_string())
}

/// One flag's change of a training config.
type Change = Box<dyn Fn(&mut TrainConfig)>;

impl TrainParts {
    /// The flags given, each with its check and its change.
    fn changes(&self) -> Result<Vec<(&'static str, Change)>, CliError> {
        let mut changes: Vec<(&'static str, Change)> = Vec::new();
        if let Some(loss) = self.loss {
            changes.push((
                "--loss",
                Box::new(move |t| t.loss = LossChoice::Builtin(loss)),
            ));
        }
        if self.spectral_norm {
            changes.push((
                "--spectral-norm",
                Box::new(|t| t.regularisers.spectral_norm = true),
            ));
        }
        for (flag, value, set) in [
            ("--r1", self.r1, set_r1 as fn(&mut TrainConfig, f64)),
            ("--r2", self.r2, set_r2),
            ("--gp", self.gp, set_gp),
            ("--instance-noise", self.instance_noise, set_instance_noise),
            (
                "--feature-matching",
                self.feature_matching,
                set_feature_matching,
            ),
        ] {
            if let Some(v) = value {
                positive(flag, v)?;
                changes.push((flag, Box::new(move |t| set(t, v))));
            }
        }
        if let Some(decay) = self.ema {
            let start_step = self.ema_start.unwrap_or(0);
            let ema = EmaConfig {
                decay,
                start_step,
                rampup: self.ema_rampup,
            };
            ema.validate().map_err(|e| {
                let flag = if EmaConfig::new(decay).validate().is_err() {
                    "--ema"
                } else {
                    "--ema-rampup"
                };
                CliError::Usage(format!("{flag}: {e}"))
            })?;
            changes.push(("--ema", Box::new(move |t| t.ema = Some(ema))));
        }
        if let Some(lr) = self.g_lr {
            positive("--g-lr", lr)?;
            changes.push((
                "--g-lr",
                Box::new(move |t| t.g_optimizer = t.g_optimizer.with_learning_rate(lr)),
            ));
        }
        if let Some(lr) = self.d_lr {
            positive("--d-lr", lr)?;
            changes.push((
                "--d-lr",
                Box::new(move |t| t.d_optimizer = t.d_optimizer.with_learning_rate(lr)),
            ));
        }
        if let Some(noise) = self.noise {
            changes.push(("--noise", Box::new(move |t| t.noise = noise.into())));
        }
        // Both are bounded by clap's ranges, so the casts cannot truncate.
        if let Some(rows) = self.batch_size {
            changes.push((
                "--batch-size",
                Box::new(move |t| t.batch_size = rows as usize),
            ));
        }
        if let Some(k) = self.k {
            let schedule = Schedule::Alternating { k: k as usize };
            changes.push(("--k", Box::new(move |t| t.schedule = schedule)));
        }
        Ok(changes)
    }

    /// Applies every flag given to `train`, and refuses a combination that cannot train.
    pub fn apply(&self, train: &mut TrainConfig) -> Result<(), CliError> {
        for (_, change) in self.changes()? {
            change(train);
        }
        let wasserstein = train.loss.builtin() == Some(Loss::Wasserstein);
        if wasserstein && !train.regularisers.constrains_lipschitz() {
            return Err(CliError::Usage(
                "--loss wasserstein needs a Lipschitz discriminator: add --gp GAMMA or \
                 --spectral-norm (or a gradient penalty in the config)"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The first flag given whose value differs from the run's saved config, on --resume.
    pub fn differing(&self, saved: &TrainConfig) -> Result<Option<&'static str>, CliError> {
        let saved_json = serde_json::to_value(saved).ok();
        for (flag, change) in self.changes()? {
            let mut changed = saved.clone();
            change(&mut changed);
            if serde_json::to_value(&changed).ok() != saved_json {
                return Ok(Some(flag));
            }
        }
        Ok(None)
    }
}

fn set_r1(t: &mut TrainConfig, v: f64) {
    t.regularisers.r1 = Some(v);
}
fn set_r2(t: &mut TrainConfig, v: f64) {
    t.regularisers.r2 = Some(v);
}
fn set_gp(t: &mut TrainConfig, v: f64) {
    t.regularisers.gp = Some(v);
}
fn set_instance_noise(t: &mut TrainConfig, v: f64) {
    t.regularisers.instance_noise = Some(v);
}
fn set_feature_matching(t: &mut TrainConfig, v: f64) {
    t.feature_matching = Some(v);
}

/// A weight or rate must be a positive finite number (leave the flag out for none).
fn positive(flag: &str, v: f64) -> Result<(), CliError> {
    if v > 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "{flag} must be a positive finite number, got {v} (leave the flag out for none)"
        )))
    }
}
