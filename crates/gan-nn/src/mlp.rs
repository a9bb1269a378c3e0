//! The paper's pair of players, an MLP generator and a maxout discriminator, as one config and
//! as implementations of the player traits.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor};

use crate::error::NnError;
use crate::players::{GanDiscriminator, GanGenerator, SharedLogits};
use crate::{ActivationConfig, Discriminator, DiscriminatorConfig, Generator, GeneratorConfig};

/// The paper's architecture family: an MLP [`Generator`] and a maxout [`Discriminator`] on
/// flat samples (`[batch, features]`).
#[derive(Config, Debug)]
pub struct MlpGanConfig {
    /// The generator.
    pub generator: GeneratorConfig,
    /// The discriminator.
    pub discriminator: DiscriminatorConfig,
    /// Initialise the generator's output bias from the data's per-feature means, as pylearn2's
    /// `init_sigmoid_bias_from_marginals`. Only for a sigmoid output on data in `[0, 1]`.
    #[config(default = true)]
    pub output_bias_from_marginals: bool,
    /// Clip applied to the marginals before the logit.
    #[config(default = 1e-7)]
    pub marginal_eps: f64,
}

impl MlpGanConfig {
    /// The released MNIST pair (see [`GeneratorConfig::paper_mnist`] and
    /// [`DiscriminatorConfig::paper_mnist`]), output bias from the marginals.
    pub fn paper_mnist() -> Self {
        Self::new(
            GeneratorConfig::paper_mnist(),
            DiscriminatorConfig::paper_mnist(),
        )
    }

    /// The released fully connected CIFAR-10 pair (see [`GeneratorConfig::paper_cifar10_fc`]
    /// and [`DiscriminatorConfig::paper_cifar10_fc`]): a linear output, so no output bias from
    /// marginals (the released YAML comments it out).
    pub fn paper_cifar10_fc() -> Self {
        Self::new(
            GeneratorConfig::paper_cifar10_fc(),
            DiscriminatorConfig::paper_cifar10_fc(),
        )
        .with_output_bias_from_marginals(false)
    }

    /// Checks both networks, that they agree on the sample width, and that the output bias
    /// from marginals meets a sigmoid output.
    pub fn validate(&self) -> Result<(), NnError> {
        self.generator.validate()?;
        self.discriminator.validate()?;
        if self.generator.d_output != self.discriminator.d_input {
            return Err(NnError::Shape {
                what: "generator output against discriminator input".into(),
                expected: vec![self.discriminator.d_input],
                actual: vec![self.generator.d_output],
            });
        }
        if self.output_bias_from_marginals
            && !matches!(self.generator.output_activation, ActivationConfig::Sigmoid)
        {
            return Err(NnError::Invalid(format!(
                "output_bias_from_marginals needs a sigmoid output, but the generator's is {:?}; \
                 set output_bias_from_marginals to false",
                self.generator.output_activation
            )));
        }
        Ok(())
    }

    /// Builds both networks, generator first (the order the random stream is drawn in), its
    /// output bias set from `marginals` (the data's per-feature means, in `[0, 1]`) when
    /// `output_bias_from_marginals` is on.
    pub fn init(
        &self,
        device: &Device,
        marginals: Option<&[f32]>,
    ) -> Result<(Generator, Discriminator), NnError> {
        self.validate()?;
        let mut generator = self.generator.init(device)?;
        if self.output_bias_from_marginals {
            let marginals = marginals.ok_or_else(|| {
                NnError::Invalid("output_bias_from_marginals needs the data's marginals".into())
            })?;
            generator = generator.with_output_bias_from_marginals(marginals, self.marginal_eps)?;
        }
        Ok((generator, self.discriminator.init(device)?))
    }
}

pub(crate) fn unconditional(condition: Option<Tensor<2>>, who: &str) {
    assert!(
        condition.is_none(),
        "the paper's {who} takes no condition (its condition_dim is 0)"
    );
}

impl GanGenerator<2> for Generator {
    fn noise_dim(&self) -> usize {
        self.d_noise()
    }

    /// # Panics
    ///
    /// If given a condition: the trainer checks `condition_dim` first.
    fn generate(&self, noise: Tensor<2>, condition: Option<Tensor<2>>) -> Tensor<2> {
        unconditional(condition, "generator");
        self.forward(noise)
    }
}

impl GanDiscriminator<2> for Discriminator {
    fn logits(&self, x: Tensor<2>, condition: Option<Tensor<2>>) -> Tensor<2> {
        unconditional(condition, "discriminator");
        self.forward(x)
    }

    fn logits_train(&self, x: Tensor<2>, condition: Option<Tensor<2>>) -> Tensor<2> {
        unconditional(condition, "discriminator");
        self.forward_train(x)
    }

    fn features_train(&self, x: Tensor<2>, condition: Option<Tensor<2>>) -> Option<Tensor<2>> {
        unconditional(condition, "discriminator");
        Some(Discriminator::features_train(self, x))
    }

    /// One stacked pass over real and generated rows with masks drawn once, then the
    /// generated rows alone through a frozen copy with those rows' masks: the same `D(S)` as
    /// the default's replay, at half the second pass's cost. Draws from the current stream
    /// (no re-seeding), then runs the two passes on two cores: they share no graph.
    fn logits_shared(
        &self,
        real: Tensor<2>,
        fake: Tensor<2>,
        condition: Option<Tensor<2>>,
        _replay_seed: u64,
    ) -> SharedLogits {
        unconditional(condition, "discriminator");
        let (m, n) = (real.dims()[0], fake.dims()[0]);
        let masks = self.draw_masks(m + n, &real.device());
        let stacked = Tensor::cat(vec![real, fake.clone().detach()], 0);
        let fake_masks = masks.rows(m, n);
        let (trained, frozen) = (self.clone(), self.clone().no_grad());
        let (logits, generator) = rayon::join(
            move || trained.forward_masked(stacked, &masks),
            move || frozen.forward_masked(fake, &fake_masks),
        );
        SharedLogits {
            real: logits.clone().narrow(0, 0, m),
            fake: logits.narrow(0, m, n),
            generator,
        }
    }
}
