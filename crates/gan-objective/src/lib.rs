//! The adversarial objective of Goodfellow et al. (2014), from discriminator logits.
//!
//! `V(G, D) = E_x[log D(x)] + E_z[log(1 − D(G(z)))]`. Every log-probability is computed from
//! the logit `a` as `log D = −softplus(−a)` and `log(1 − D) = −softplus(a)`, never as
//! `log(sigmoid(a))`, so logits of ±100 give finite values and gradients.
//!
//! ```
//! # use burn::tensor::{Tensor, Device};
//! use gan_objective::{value_function, discriminator_loss, GeneratorLoss};
//! # let device = gan_backend::Backend::default_cpu().unwrap().device();
//! let real = Tensor::<2>::zeros([4, 1], &device); // D(x) = 1/2
//! let fake = Tensor::<2>::zeros([4, 1], &device);
//! let v: f32 = value_function(real.clone(), fake.clone()).into_scalar();
//! assert!((v + 4f32.ln()).abs() < 1e-6); // V = -log 4 when D = 1/2
//! let d_loss = discriminator_loss(real, fake.clone());
//! let g_loss = GeneratorLoss::NonSaturating.loss(fake);
//! # let _ = (d_loss, g_loss);
//! ```

mod closed_form;
mod losses;
mod semi;

pub use closed_form::{ObjectiveError, jensen_shannon, optimal_discriminator, virtual_criterion};
pub use losses::{Loss, UnknownLoss};
pub use semi::{feature_matching_loss, supervised_loss, unsupervised_loss};

use burn::tensor::Tensor;
use burn::tensor::activation::softplus;
use serde::{Deserialize, Serialize};

/// `log D(x)` for logits `a`: `−softplus(−a)`, elementwise.
pub fn log_d<const N: usize>(logits: Tensor<N>) -> Tensor<N> {
    softplus(logits.neg(), 1.0).neg()
}

/// `log(1 − D(x))` for logits `a`: `−softplus(a)`, elementwise.
pub fn log_one_minus_d<const N: usize>(logits: Tensor<N>) -> Tensor<N> {
    softplus(logits, 1.0).neg()
}

/// The minibatch estimate of `V(G, D)`: `mean log D(x) + mean log(1 − D(G(z)))`, from the
/// discriminator's logits on real and on generated data. A one-element tensor.
pub fn value_function(real_logits: Tensor<2>, fake_logits: Tensor<2>) -> Tensor<1> {
    log_d(real_logits).mean() + log_one_minus_d(fake_logits).mean()
}

/// The discriminator's loss, `−V`: the binary cross-entropy of real data against label 1 plus
/// that of generated data against label 0 (means over each batch). Descending it is
/// Algorithm 1's ascent of `V` for `D`. (The released code minimises half of this.)
pub fn discriminator_loss(real_logits: Tensor<2>, fake_logits: Tensor<2>) -> Tensor<1> {
    value_function(real_logits, fake_logits).neg()
}

/// Which objective the generator descends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeneratorLoss {
    /// Algorithm 1 as written: descend `mean log(1 − D(G(z)))`. Saturates while `D` rejects
    /// the samples confidently.
    Minimax,
    /// The paper's practical choice: ascend `mean log D(G(z))`, i.e. descend
    /// `mean softplus(−a)`. Same fixed point, strong gradients early on.
    #[default]
    NonSaturating,
}

impl GeneratorLoss {
    /// The loss the generator descends, from `D`'s logits on generated samples.
    pub fn loss(self, fake_logits: Tensor<2>) -> Tensor<1> {
        match self {
            GeneratorLoss::Minimax => log_one_minus_d(fake_logits).mean(),
            GeneratorLoss::NonSaturating => log_d(fake_logits).mean().neg(),
        }
    }
}

/// The two players' losses, from the discriminator's raw outputs: what the trainer descends
/// for each. The built-in ones are [`Loss`]; implement this trait to train with another
/// objective. A run records the loss by [`AdversarialLoss::name`], and resuming it without
/// supplying the same loss again is an error.
pub trait AdversarialLoss: Send {
    /// The name recorded in the run's config (a built-in loss's name means that loss).
    fn name(&self) -> String;
    /// Whether D's outputs are logits, so that `sigmoid(output)` is the probability `D(x)` the
    /// logs report (false by default: only raw outputs are reported).
    fn outputs_are_logits(&self) -> bool {
        false
    }
    /// The discriminator's loss on a real and a generated batch.
    fn discriminator(&self, real_logits: Tensor<2>, fake_logits: Tensor<2>) -> Tensor<1>;
    /// The generator's loss on a generated batch.
    fn generator(&self, fake_logits: Tensor<2>) -> Tensor<1>;
}

/// The paper's objective: [`discriminator_loss`] (`−V`) for the discriminator and the chosen
/// [`GeneratorLoss`] for the generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StandardLoss {
    /// The generator's objective.
    pub generator: GeneratorLoss,
}

impl StandardLoss {
    /// The paper's objective with the given generator loss.
    pub fn new(generator: GeneratorLoss) -> Self {
        Self { generator }
    }
}

impl AdversarialLoss for StandardLoss {
    fn name(&self) -> String {
        Loss::from(self.generator).name().to_string()
    }

    fn outputs_are_logits(&self) -> bool {
        true
    }

    fn discriminator(&self, real_logits: Tensor<2>, fake_logits: Tensor<2>) -> Tensor<1> {
        discriminator_loss(real_logits, fake_logits)
    }

    fn generator(&self, fake_logits: Tensor<2>) -> Tensor<1> {
        self.generator.loss(fake_logits)
    }
}
