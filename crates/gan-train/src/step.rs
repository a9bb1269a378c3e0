//! The training step: Algorithm 1 (`k` discriminator updates, then one generator update) and
//! the released code's simultaneous update, with the run's loss, the discriminator's
//! regularisers and the generator's average. No file I/O here.

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use gan_data::{GOLDEN_GAMMA, splitmix64_finalize};
use gan_nn::{GanDiscriminator, GanGenerator, SharedLogits, cat_conditions};

use crate::config::{GeneratorMasks, Schedule};
use crate::error::{Result, TrainError};
use crate::regularise::MaxColumnNorm;
use crate::stats::{StepOutputs, StepStats};
use crate::trainer::Trainer;

/// The seed of every random draw of step `step`.
pub(crate) fn step_seed(seed: u64, step: u64) -> u64 {
    // Unrelated streams for neighbouring steps. (XOR here where the batch sampler adds: the
    // two mixes stay as they were so that runs resume with the draws they started with.)
    splitmix64_finalize(seed ^ step.wrapping_add(1).wrapping_mul(GOLDEN_GAMMA))
}

impl<G, Dm, const D: usize> Trainer<G, Dm, D>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    /// Runs one step: `k` discriminator updates then one generator update (alternating), or
    /// one simultaneous update of both. Errors with [`TrainError::Diverged`] on a non-finite
    /// loss, leaving the step count unchanged.
    pub fn step(&mut self) -> Result<StepStats> {
        let logistic = self.loss()?.outputs_are_logits();
        let seed = step_seed(self.config.seed, self.step);
        self.device.seed(seed);
        let epoch = self.epoch();
        let stats = match self.config.schedule {
            Schedule::Simultaneous => self.simultaneous_update(epoch, seed, logistic)?,
            Schedule::Alternating { k } => {
                let mut d_out = None;
                for i in 0..k {
                    d_out = Some(self.d_update(epoch, penalty_seed(seed, i))?);
                }
                let d_out = d_out.expect("k ≥ 1");
                let outputs = StepOutputs {
                    g_loss: self.g_update(epoch)?,
                    ..d_out
                };
                outputs.read(logistic, self.step)?
            }
        };
        sync_running_state(&self.generator);
        sync_running_state(&self.discriminator);
        if let Some(ema) = &mut self.ema {
            ema.update(&self.generator, self.step + 1);
        }
        self.step += 1;
        self.window.add(&stats);
        Ok(stats)
    }

    /// One discriminator update of Algorithm 1 on the next real batch and fresh noise. The
    /// generator is not touched. [`Trainer::step`] calls this `k` times per step; calling it
    /// directly is for experiments with other interleavings.
    pub fn discriminator_update(&mut self) -> Result<()> {
        let seed = penalty_seed(
            step_seed(self.config.seed, self.step),
            self.batches as usize,
        );
        let out = self.d_update(self.epoch(), seed)?;
        check_scalar(out.d_loss, "the discriminator loss", self.step)
    }

    /// One generator update on fresh noise, through the current discriminator. The
    /// discriminator is not touched.
    pub fn generator_update(&mut self) -> Result<()> {
        let g_loss = self.g_update(self.epoch())?;
        check_scalar(g_loss, "the generator loss", self.step)
    }

    /// The data rows of real batch number `b` of the run: full batches of each epoch's
    /// shuffled order (rows left over when the batch size does not divide the data are
    /// skipped in that epoch, a different remainder each epoch).
    fn batch_rows(&mut self, b: u64) -> Vec<usize> {
        let per_epoch = self.sampler.full_batches() as u64;
        let (epoch, index) = (b / per_epoch, (b % per_epoch) as usize);
        if self.epoch_order.as_ref().is_none_or(|(e, _)| *e != epoch) {
            self.epoch_order = Some((epoch, self.sampler.epoch_order(epoch)));
        }
        let m = self.config.batch_size;
        let order = &self.epoch_order.as_ref().expect("set above").1;
        order[index * m..(index + 1) * m].to_vec()
    }

    /// Real batch number `b`, with its conditions.
    fn real_batch(&mut self, b: u64) -> (Tensor<D>, Option<Tensor<2>>) {
        let rows = self.batch_rows(b);
        let x = self.gather(&rows);
        let c = self.conditioning.of_batch(
            &self.data,
            self.config.seed,
            b,
            &rows,
            Some(&x),
            &self.device,
        );
        (x, c)
    }

    fn gather(&self, rows: &[usize]) -> Tensor<D> {
        self.data
            .gather_as::<D>(rows, &self.device)
            .expect("the trainer checked the data's rank")
    }

    /// Conditions for G's own batch, and the real rows behind them where a term of G's loss
    /// (inpainting's reconstruction, feature matching) needs them: those of the next real batch, which Algorithm 1 samples from the
    /// data as it does x (no real rows are consumed).
    fn generator_batch(&mut self) -> (Option<Tensor<2>>, Option<Tensor<D>>) {
        let needs_images =
            self.conditioning.generator_needs_images() || self.config.feature_matching.is_some();
        if self.conditioning.is_none() && !needs_images {
            return (None, None);
        }
        let b = self.batches;
        let rows = self.batch_rows(b);
        let x = needs_images.then(|| self.gather(&rows));
        let c = self.conditioning.of_batch(
            &self.data,
            self.config.seed,
            b,
            &rows,
            x.as_ref(),
            &self.device,
        );
        (c, x)
    }

    fn noise(&self) -> Tensor<2> {
        self.config.noise.sample(
            self.config.batch_size,
            self.generator.noise_dim(),
            &self.device,
        )
    }

    /// The released update; its statistics are read (and a non-finite one refused) before
    /// either player changes.
    fn simultaneous_update(&mut self, epoch: u64, seed: u64, logistic: bool) -> Result<StepStats> {
        let (x, c) = self.real_batch(self.batches);
        self.batches += 1;
        let fake = self.generator.generate(self.noise(), c.clone());
        let reconstruction = self
            .conditioning
            .generator_term(fake.clone(), Some(x.clone()));
        self.iterate_spectral_norm();
        let d = self.training_discriminator();
        let (x_seen, fake_seen) = (
            self.instance_noise(x.clone()),
            self.instance_noise(fake.clone()),
        );
        let SharedLogits {
            real: real_logits,
            fake: fake_logits,
            generator: g_logits,
        } = match self.config.generator_masks {
            GeneratorMasks::Shared => {
                let stacked = cat_conditions(c.clone(), c.clone());
                // A stream of its own for models that replay their randomness.
                let replay = splitmix64_finalize(seed ^ GOLDEN_GAMMA);
                d.logits_shared(x_seen, fake_seen, stacked, replay)
            }
            GeneratorMasks::Fresh => {
                let (real, fake_d) =
                    d.logits_train_pair(x_seen, fake_seen.clone().detach(), c.clone());
                let generator = d.clone().no_grad().logits_train(fake_seen, c.clone());
                SharedLogits {
                    real,
                    fake: fake_d,
                    generator,
                }
            }
        };
        let matching = self.feature_matching(&d, Some(&x), &fake, &c)?;
        let loss = self.loss()?;
        let d_loss = loss.discriminator(real_logits.clone(), fake_logits.clone());
        let g_loss = with_terms(loss.generator(g_logits), [reconstruction, matching]);
        let penalty = self.penalties(&d, &x, &fake.detach(), &c, penalty_seed(seed, 0));
        let stats = StepOutputs {
            d_loss: d_loss.clone(),
            g_loss: g_loss.clone(),
            real_logits,
            fake_logits,
            penalty: penalty.as_ref().map(|(value, _)| value.clone()),
        }
        .read(logistic, self.step)?;
        // G's logits come through a copy of D whose parameters take no gradient and D's from
        // rows detached from G: the two objectives have separate graphs, so each network's
        // backward pass and update run on a core of their own, with the values one backward
        // pass over the sum of both objectives would give.
        let mut d_objective = d_loss.mul_scalar(self.config.discriminator_loss_scale);
        if let Some((_, surrogate)) = penalty {
            d_objective = d_objective + surrogate;
        }
        let (step, max_col_norm) = (self.step, self.config.regularisers.max_col_norm);
        let (d_rule, g_rule) = (&mut self.d_rule, &mut self.g_rule);
        let (discriminator, generator) = (self.discriminator.clone(), self.generator.clone());
        let g_objective = g_loss;
        let (discriminator, generator) = rayon::join(
            || {
                let grads = GradientsParams::from_grads(d_objective.backward(), &discriminator);
                update_discriminator(d_rule, max_col_norm, step, epoch, discriminator, grads)
            },
            || {
                let grads = GradientsParams::from_grads(g_objective.backward(), &generator);
                g_rule.step(step, epoch, generator, grads)
            },
        );
        self.discriminator = discriminator;
        self.generator = generator;
        Ok(stats)
    }

    /// One D update; the outputs' `g_loss` is a placeholder the step replaces.
    fn d_update(&mut self, epoch: u64, seed: u64) -> Result<StepOutputs> {
        let update = self.batches;
        let (x, c) = self.real_batch(update);
        self.batches += 1;
        let fake = self.generator.generate(self.noise(), c.clone()).detach();
        self.iterate_spectral_norm();
        let d = self.training_discriminator();
        let (x_seen, fake_seen) = (
            self.instance_noise(x.clone()),
            self.instance_noise(fake.clone()),
        );
        let (real_logits, fake_logits) = d.logits_train_pair(x_seen, fake_seen, c.clone());
        let d_loss = self
            .loss()?
            .discriminator(real_logits.clone(), fake_logits.clone());
        let penalty = self.penalties(&d, &x, &fake, &c, seed);
        let mut objective = d_loss
            .clone()
            .mul_scalar(self.config.discriminator_loss_scale);
        if let Some((_, surrogate)) = &penalty {
            objective = objective + surrogate.clone();
        }
        let d_grads = GradientsParams::from_grads(objective.backward(), &self.discriminator);
        let d = self.discriminator.clone();
        let max_col_norm = self.config.regularisers.max_col_norm;
        self.discriminator =
            update_discriminator(&mut self.d_rule, max_col_norm, update, epoch, d, d_grads);
        Ok(StepOutputs {
            g_loss: d_loss.clone().detach(),
            d_loss: d_loss.detach(),
            real_logits: real_logits.detach(),
            fake_logits: fake_logits.detach(),
            penalty: penalty.map(|(value, _)| value),
        })
    }

    fn g_update(&mut self, epoch: u64) -> Result<Tensor<1>> {
        let frozen = self.training_discriminator().no_grad();
        let (c, real) = self.generator_batch();
        let fake = self.generator.generate(self.noise(), c.clone());
        let matching = self.feature_matching(&frozen, real.as_ref(), &fake, &c)?;
        let reconstruction = self.conditioning.generator_term(fake.clone(), real);
        let logits = frozen.logits_train(self.instance_noise(fake), c);
        let g_loss = with_terms(self.loss()?.generator(logits), [reconstruction, matching]);
        let g_grads = GradientsParams::from_grads(g_loss.backward(), &self.generator);
        self.generator = self
            .g_rule
            .step(self.step, epoch, self.generator.clone(), g_grads);
        Ok(g_loss.detach())
    }
}

/// The seed of the gradient penalties' passes in D update `update` of a step seeded `seed`.
fn penalty_seed(seed: u64, update: usize) -> u64 {
    splitmix64_finalize(seed ^ GOLDEN_GAMMA.wrapping_mul(update as u64 + 3))
}

/// One update of the discriminator, then pylearn2's column-norm constraint where it has one.
fn update_discriminator<M: Module>(
    rule: &mut crate::optim::LearningRule,
    max_col_norm: Option<f64>,
    update: u64,
    epoch: u64,
    discriminator: M,
    grads: GradientsParams,
) -> M {
    let d = rule.step(update, epoch, discriminator, grads);
    match max_col_norm {
        Some(c) => d.map(&mut MaxColumnNorm(c)),
        None => d,
    }
}

/// Folds the step's pending updates of Burn's `RunningState` (batch norm's running
/// statistics) into their values. Burn merges an update lazily, at the next update or when a
/// module is made `valid`, while a record reads the merged value only: without this, a
/// checkpoint would lose the pending update and a resumed run would drift from an uninterrupted
/// one. `valid` on a clone merges in place, since clones share the state.
fn sync_running_state<M: burn::module::Module>(module: &M) {
    let _ = module.clone().valid();
}

/// G's adversarial loss plus the terms that are on.
fn with_terms<const N: usize>(adversarial: Tensor<1>, terms: [Option<Tensor<1>>; N]) -> Tensor<1> {
    terms
        .into_iter()
        .flatten()
        .fold(adversarial, |sum, t| sum + t)
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
