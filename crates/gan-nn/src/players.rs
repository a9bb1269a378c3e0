//! The two players as traits: any Burn module that implements them is trained by `gan-train`
//! (the paper's MLP and maxout nets are implementations, not special cases).
//!
//! Samples are tensors of rank `D`, batch first: `[batch, features]` for an MLP (`D = 2`),
//! `[batch, channels, height, width]` for a convolutional model (`D = 4`). A condition, where
//! a model has one, is a `[batch, c]` tensor (the trainer gives class labels one-hot); how a
//! model consumes it (concatenation, an embedding of its arg-max, …) is the model's own.

use burn::module::Module;
use burn::tensor::Tensor;

/// A generator `G(z | c)`: noise `[batch, noise_dim]` (and a condition) to samples.
pub trait GanGenerator<const D: usize>: Module {
    /// Width of the noise `z` it takes.
    fn noise_dim(&self) -> usize;

    /// Width of the condition it takes (`0`: an unconditional model, the default).
    fn condition_dim(&self) -> usize {
        0
    }

    /// Samples `[batch, …]` for noise `[batch, noise_dim]` and, for a conditional model, a
    /// condition `[batch, c]`. Training-mode behaviour (batch statistics) follows Burn's usual
    /// rule: on an autodiff device the module trains, after `.valid()` it evaluates.
    fn generate(&self, noise: Tensor<2>, condition: Option<Tensor<2>>) -> Tensor<D>;
}

/// The logits of the released code's simultaneous update (`AdversaryCost2`), each `[batch, 1]`.
#[derive(Debug, Clone)]
pub struct SharedLogits {
    /// `D`'s training-mode logits on the real batch.
    pub real: Tensor<2>,
    /// `D`'s training-mode logits on the generated batch, detached from `G`: the
    /// discriminator's fake term.
    pub fake: Tensor<2>,
    /// The same values as `fake`, but through a copy of `D` whose parameters take no gradient
    /// and with `G`'s graph attached: the generator's objective reads these.
    pub generator: Tensor<2>,
}

/// A discriminator `D(x | c)`, giving logits (`D = sigmoid(logit)`): the objective needs the
/// logit for numerically stable log-probabilities.
pub trait GanDiscriminator<const D: usize>: Module {
    /// Width of the condition it takes (`0`: an unconditional model, the default).
    fn condition_dim(&self) -> usize {
        0
    }

    /// Evaluation-mode logits `[batch, 1]` (no dropout).
    fn logits(&self, x: Tensor<D>, condition: Option<Tensor<2>>) -> Tensor<2>;

    /// Training-mode logits `[batch, 1]`: dropout, noise or batch statistics as the model has
    /// them, drawing any randomness from the device's random stream.
    fn logits_train(&self, x: Tensor<D>, condition: Option<Tensor<2>>) -> Tensor<2>;

    /// Training-mode features `[batch, f]` of D's last hidden layer, the layer that feature
    /// matching (Salimans et al. 2016) compares between real and generated batches; `None`
    /// (the default) for a model that does not expose them.
    fn features_train(&self, _x: Tensor<D>, _condition: Option<Tensor<2>>) -> Option<Tensor<2>> {
        None
    }

    /// Training-mode logits of a real and a generated batch of the same size, both with
    /// `condition`: `(real, fake)`. The default runs one pass over both stacked (one matrix
    /// product per layer at twice the rows, faster on the CPU); a model with batch statistics
    /// overrides it to see each batch alone, as DCGAN does.
    fn logits_train_pair(
        &self,
        real: Tensor<D>,
        fake: Tensor<D>,
        condition: Option<Tensor<2>>,
    ) -> (Tensor<2>, Tensor<2>) {
        let (m, n) = (real.dims()[0], fake.dims()[0]);
        let stacked = cat_conditions(condition.clone(), condition);
        let logits = self.logits_train(Tensor::cat(vec![real, fake], 0), stacked);
        (logits.clone().narrow(0, 0, m), logits.narrow(0, m, n))
    }

    /// [`SharedLogits`] for a real and a generated batch (with their conditions): one
    /// training-mode pass whose fake rows serve both objectives.
    ///
    /// The default runs the training pass over both batches stacked, then a copy without
    /// parameter gradients over the same stacked batch with `G`'s graph attached, after
    /// re-seeding the device with `replay_seed` before each, so that both passes draw the same
    /// randomness and give the same values (batch-norm running statistics see the batch twice).
    /// A model whose randomness it can hold (the paper's
    /// dropout masks) overrides this with a cheaper pass over the generated rows alone.
    fn logits_shared(
        &self,
        real: Tensor<D>,
        fake: Tensor<D>,
        condition: Option<Tensor<2>>,
        replay_seed: u64,
    ) -> SharedLogits {
        let (m, n) = (real.dims()[0], fake.dims()[0]);
        let device = real.device();
        device.seed(replay_seed);
        let logits = self.logits_train(
            Tensor::cat(vec![real.clone(), fake.clone().detach()], 0),
            condition.clone(),
        );
        device.seed(replay_seed);
        let generator = self
            .clone()
            .no_grad()
            .logits_train(Tensor::cat(vec![real.detach(), fake], 0), condition)
            .narrow(0, m, n);
        SharedLogits {
            real: logits.clone().narrow(0, 0, m),
            fake: logits.narrow(0, m, n),
            generator,
        }
    }
}

/// Stacks the conditions of two batches (both present or both absent).
pub fn cat_conditions(a: Option<Tensor<2>>, b: Option<Tensor<2>>) -> Option<Tensor<2>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(Tensor::cat(vec![a, b], 0)),
        _ => None,
    }
}
