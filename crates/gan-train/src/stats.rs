//! What a step reports: the two losses, D's raw outputs on the real and generated batches, the
//! probabilities `D(x)` where the loss makes the outputs logits, and the gradient penalty; and
//! the window of steps a metrics record averages.

use burn::tensor::Tensor;
use burn::tensor::activation::sigmoid;

use crate::error::{Result, TrainError};

/// The values of one training step, read back from the device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepStats {
    /// The discriminator's adversarial loss on the step's batch (before
    /// `discriminator_loss_scale`, without the penalties).
    pub d_loss: f64,
    /// The generator's loss (with an inpainting run's reconstruction term).
    pub g_loss: f64,
    /// Mean raw output of D (its logit for the logistic losses) on the real batch.
    pub real_output: f64,
    /// Mean raw output of D on the generated batch.
    pub fake_output: f64,
    /// Mean `D(x) = sigmoid(output)` on the real batch, for the logistic losses only.
    pub d_real: Option<f64>,
    /// Mean `D(G(z))` on the generated batch, for the logistic losses only.
    pub d_fake: Option<f64>,
    /// The sum of D's gradient penalties (their values, weights included), when any is on.
    pub penalty: Option<f64>,
}

/// The tensors a step's statistics are read from.
pub(crate) struct StepOutputs {
    pub(crate) d_loss: Tensor<1>,
    pub(crate) g_loss: Tensor<1>,
    pub(crate) real_logits: Tensor<2>,
    pub(crate) fake_logits: Tensor<2>,
    pub(crate) penalty: Option<Tensor<1>>,
}

impl StepOutputs {
    /// The statistics, in one read from the device; a non-finite value is
    /// [`TrainError::Diverged`] at `step`. `logistic`: whether D's outputs are logits.
    pub(crate) fn read(self, logistic: bool, step: u64) -> Result<StepStats> {
        let (real, fake) = (self.real_logits.detach(), self.fake_logits.detach());
        let mut parts = vec![
            self.d_loss.detach(),
            self.g_loss.detach(),
            real.clone().mean(),
            fake.clone().mean(),
        ];
        if logistic {
            parts.extend([sigmoid(real).mean(), sigmoid(fake).mean()]);
        }
        let has_penalty = self.penalty.is_some();
        parts.extend(self.penalty.map(|p| p.detach()));
        let values = Tensor::cat(parts, 0)
            .into_data()
            .convert::<f64>()
            .try_into_vec::<f64>()
            .map_err(|e| TrainError::Serialize(format!("step statistics: {e:?}")))?;
        let mut names = vec![
            "the discriminator loss",
            "the generator loss",
            "D's mean output on real data",
            "D's mean output on generated data",
        ];
        if logistic {
            names.extend(["mean D(x)", "mean D(G(z))"]);
        }
        names.extend(has_penalty.then_some("the gradient penalty"));
        if let Some((_, what)) = values.iter().zip(&names).find(|(v, _)| !v.is_finite()) {
            return Err(TrainError::Diverged {
                step,
                what: what.to_string(),
            });
        }
        let probability = |i: usize| logistic.then(|| values[i]);
        Ok(StepStats {
            d_loss: values[0],
            g_loss: values[1],
            real_output: values[2],
            fake_output: values[3],
            d_real: probability(4),
            d_fake: probability(5),
            penalty: has_penalty.then(|| values[values.len() - 1]),
        })
    }
}

/// Sums of the statistics since the last metrics record.
#[derive(Debug, Default)]
pub(crate) struct Window {
    pub(crate) steps: u64,
    pub(crate) d_loss: f64,
    pub(crate) g_loss: f64,
    pub(crate) real_output: f64,
    pub(crate) fake_output: f64,
    pub(crate) d_real: Option<f64>,
    pub(crate) d_fake: Option<f64>,
    pub(crate) penalty: Option<f64>,
}

impl Window {
    pub(crate) fn add(&mut self, s: &StepStats) {
        fn add_optional(sum: &mut Option<f64>, value: Option<f64>) {
            if let Some(v) = value {
                *sum = Some(sum.unwrap_or(0.0) + v);
            }
        }
        self.steps += 1;
        self.d_loss += s.d_loss;
        self.g_loss += s.g_loss;
        self.real_output += s.real_output;
        self.fake_output += s.fake_output;
        add_optional(&mut self.d_real, s.d_real);
        add_optional(&mut self.d_fake, s.d_fake);
        add_optional(&mut self.penalty, s.penalty);
    }

    /// The means, as a step's statistics.
    pub(crate) fn means(&self) -> StepStats {
        let n = self.steps.max(1) as f64;
        StepStats {
            d_loss: self.d_loss / n,
            g_loss: self.g_loss / n,
            real_output: self.real_output / n,
            fake_output: self.fake_output / n,
            d_real: self.d_real.map(|s| s / n),
            d_fake: self.d_fake.map(|s| s / n),
            penalty: self.penalty.map(|s| s / n),
        }
    }
}
