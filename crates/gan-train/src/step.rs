//! The training step: Algorithm 1 (`k` discriminator updates, then one generator update) and
//! the released code's simultaneous update, the objectives, the learning rules and the
//! discriminator's constraint. No file I/O here.

use burn::module::{ModuleMapper, Param};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use burn::tensor::activation::sigmoid;
use gan_data::{GOLDEN_GAMMA, splitmix64_finalize};
use gan_nn::{GanDiscriminator, GanGenerator, SharedLogits, cat_conditions};

use crate::config::{GeneratorMasks, Schedule};
use crate::error::{Result, TrainError};
use crate::trainer::Trainer;

/// The values of one training step, read back from the device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepStats {
    /// The discriminator's loss on the step's batch (before `discriminator_loss_scale`).
    pub d_loss: f64,
    /// The generator's loss (with an inpainting run's reconstruction term).
    pub g_loss: f64,
    /// Mean `D(x)` on the real batch.
    pub d_real: f64,
    /// Mean `D(G(z))` on the generated batch.
    pub d_fake: f64,
}

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
        let seed = step_seed(self.config.seed, self.step);
        self.device.seed(seed);
        let epoch = self.epoch();
        let stats = match self.config.schedule {
            Schedule::Simultaneous => self.simultaneous_update(epoch, seed)?,
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
        sync_running_state(&self.generator);
        sync_running_state(&self.discriminator);
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
        let x = self
            .data
            .gather_as::<D>(&rows, &self.device)
            .expect("the trainer checked the data's rank");
        let c = match self.config.inpainting {
            Some(_) => self.inpainting_condition(b, &x),
            None => self.class_condition(&rows),
        };
        (x, c)
    }

    /// `λ · mean |fake − real|`: the reconstruction term of an inpainting run's generator loss.
    fn reconstruction(&self, fake: Tensor<D>, real: Tensor<D>) -> Option<Tensor<1>> {
        let weight = self.config.inpainting.as_ref()?.reconstruction_weight;
        (weight > 0.0).then(|| (fake - real).abs().mean().mul_scalar(weight))
    }

    fn noise(&self) -> Tensor<2> {
        self.config.noise.sample(
            self.config.batch_size,
            self.generator.noise_dim(),
            &self.device,
        )
    }

    fn simultaneous_update(&mut self, epoch: u64, seed: u64) -> Result<StepStats> {
        let (x, c) = self.real_batch(self.batches);
        self.batches += 1;
        let fake = self.generator.generate(self.noise(), c.clone());
        let reconstruction = self.reconstruction(fake.clone(), x.clone());
        let SharedLogits {
            real: real_logits,
            fake: fake_logits,
            generator: g_logits,
        } = match self.config.generator_masks {
            GeneratorMasks::Shared => {
                let stacked = cat_conditions(c.clone(), c);
                // A stream of its own for models that replay their randomness.
                let replay = splitmix64_finalize(seed ^ GOLDEN_GAMMA);
                self.discriminator.logits_shared(x, fake, stacked, replay)
            }
            GeneratorMasks::Fresh => {
                let (real, fake_d) =
                    self.discriminator
                        .logits_train_pair(x, fake.clone().detach(), c.clone());
                let generator = self.discriminator.clone().no_grad().logits_train(fake, c);
                SharedLogits {
                    real,
                    fake: fake_d,
                    generator,
                }
            }
        };
        let d_loss = self
            .loss
            .discriminator(real_logits.clone(), fake_logits.clone());
        let g_loss = with_reconstruction(self.loss.generator(g_logits), reconstruction);
        let stats = read_stats(
            d_loss.clone(),
            g_loss.clone(),
            real_logits,
            fake_logits,
            self.step,
        )?;
        // G's logits come through a copy of D whose parameters take no gradient and D's from
        // rows detached from G: the two objectives have separate graphs, so each network's
        // backward pass and update run on a core of their own, with the values one backward
        // pass over the sum of both objectives would give.
        let d_objective = d_loss.mul_scalar(self.config.discriminator_loss_scale);
        let (step, max_col_norm) = (self.step, self.config.max_col_norm);
        let (d_rule, g_rule) = (&mut self.d_rule, &mut self.g_rule);
        let (discriminator, generator) = (self.discriminator.clone(), self.generator.clone());
        let (discriminator, generator) = rayon::join(
            || {
                let grads = GradientsParams::from_grads(d_objective.backward(), &discriminator);
                update_discriminator(d_rule, max_col_norm, step, epoch, discriminator, grads)
            },
            || {
                let grads = GradientsParams::from_grads(g_loss.backward(), &generator);
                g_rule.step(step, epoch, generator, grads)
            },
        );
        self.discriminator = discriminator;
        self.generator = generator;
        Ok(stats)
    }

    fn d_update(&mut self, epoch: u64) -> (Tensor<1>, Tensor<2>, Tensor<2>) {
        let update = self.batches;
        let (x, c) = self.real_batch(update);
        self.batches += 1;
        let fake = self.generator.generate(self.noise(), c.clone()).detach();
        let (real_logits, fake_logits) = self.discriminator.logits_train_pair(x, fake, c);
        let d_loss = self
            .loss
            .discriminator(real_logits.clone(), fake_logits.clone());
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
        // Conditions for G's own batch: those of the next real batch, which Algorithm 1
        // samples from the data as it does x (no real rows are consumed).
        let (c, real) = if self.config.inpainting.is_some() {
            let (x, c) = self.real_batch(self.batches);
            (c, Some(x))
        } else if self.classes.is_some() {
            let rows = self.batch_rows(self.batches);
            (self.class_condition(&rows), None)
        } else {
            (None, None)
        };
        let fake = self.generator.generate(self.noise(), c.clone());
        let reconstruction = real.and_then(|x| self.reconstruction(fake.clone(), x));
        let g_loss = with_reconstruction(
            self.loss.generator(frozen.logits_train(fake, c)),
            reconstruction,
        );
        let g_grads = GradientsParams::from_grads(g_loss.backward(), &self.generator);
        self.generator = self
            .g_rule
            .step(self.step, epoch, self.generator.clone(), g_grads);
        g_loss.detach()
    }

    fn apply_d_grads(&mut self, update: u64, epoch: u64, grads: GradientsParams) {
        let d = self.discriminator.clone();
        let max_col_norm = self.config.max_col_norm;
        self.discriminator =
            update_discriminator(&mut self.d_rule, max_col_norm, update, epoch, d, grads);
    }
}

/// One update of the discriminator, then pylearn2's column-norm constraint where it has one.
fn update_discriminator<M: burn::module::Module>(
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

fn with_reconstruction(adversarial: Tensor<1>, reconstruction: Option<Tensor<1>>) -> Tensor<1> {
    match reconstruction {
        Some(r) => adversarial + r,
        None => adversarial,
    }
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
    .map_err(|e| TrainError::Serialize(format!("step statistics: {e:?}")))?;
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

/// pylearn2's `max_col_norm` on every rank-2 parameter (a linear layer's `[in, out]` weight:
/// one column per output unit or maxout piece): `W ← W · min(‖w‖, c) / (‖w‖ + 1e-7)`.
/// Biases and other ranks are left alone.
pub struct MaxColumnNorm(pub f64);

impl ModuleMapper for MaxColumnNorm {
    fn map_float<const R: usize>(&mut self, param: Param<Tensor<R>>) -> Param<Tensor<R>> {
        if R != 2 {
            return param;
        }
        let c = self.0;
        param.map(|w| {
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
        })
    }
}
