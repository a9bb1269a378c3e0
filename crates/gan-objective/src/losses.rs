//! The adversarial losses a run chooses by name: the paper's two, and the three the field has
//! used since (hinge, least squares, Wasserstein). Each maps the discriminator's raw outputs
//! (logits for the logistic losses, scores for the others) to what each player descends.

use std::fmt;
use std::str::FromStr;

use burn::tensor::Tensor;
use burn::tensor::activation::relu;
use serde::{Deserialize, Serialize};

use crate::{AdversarialLoss, GeneratorLoss, discriminator_loss};

/// A built-in adversarial loss, saved by name in a run's config.
///
/// With `r = D(x)` and `f = D(G(z))` the discriminator's raw outputs (means over each batch):
///
/// | loss | discriminator descends | generator descends |
/// | --- | --- | --- |
/// | `minimax` | `softplus(−r) + softplus(f)` (`−V`) | `−softplus(f)` (`log(1 − D(G(z)))`) |
/// | `non_saturating` | `softplus(−r) + softplus(f)` (`−V`) | `softplus(−f)` (`−log D(G(z))`) |
/// | `hinge` | `relu(1 − r) + relu(1 + f)` | `−f` |
/// | `least_squares` | `½(r − 1)² + ½f²` | `½(f − 1)²` |
/// | `wasserstein` | `f − r` | `−f` |
///
/// Least squares is Mao et al.'s (2017) with targets `a = 0`, `b = c = 1`; hinge is the
/// geometric GAN's (Lim & Ye 2017) as SN-GAN trains it; Wasserstein is the critic's objective of
/// Arjovsky et al. (2017), which needs a Lipschitz constraint on D (a gradient penalty or
/// spectral normalisation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// The paper's objective as Algorithm 1 writes it.
    Minimax,
    /// The paper's practical choice for G; the default.
    #[default]
    NonSaturating,
    /// The hinge loss.
    Hinge,
    /// Least squares (LSGAN).
    LeastSquares,
    /// The Wasserstein critic.
    Wasserstein,
}

impl Loss {
    /// Every built-in loss.
    pub const ALL: [Loss; 5] = [
        Loss::Minimax,
        Loss::NonSaturating,
        Loss::Hinge,
        Loss::LeastSquares,
        Loss::Wasserstein,
    ];

    /// The name saved in configs and taken by `--loss`.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Minimax => "minimax",
            Loss::NonSaturating => "non_saturating",
            Loss::Hinge => "hinge",
            Loss::LeastSquares => "least_squares",
            Loss::Wasserstein => "wasserstein",
        }
    }

    /// Whether D's output is a logit, so that `sigmoid(output)` is the probability `D(x)`.
    pub fn is_logistic(self) -> bool {
        matches!(self, Loss::Minimax | Loss::NonSaturating)
    }

    /// Whether D's output is unbounded in a way only a Lipschitz constraint on D controls.
    pub fn needs_lipschitz_constraint(self) -> bool {
        self == Loss::Wasserstein
    }
}

impl From<GeneratorLoss> for Loss {
    fn from(loss: GeneratorLoss) -> Self {
        match loss {
            GeneratorLoss::Minimax => Loss::Minimax,
            GeneratorLoss::NonSaturating => Loss::NonSaturating,
        }
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Loss::name(*self))
    }
}

/// The error of parsing a loss name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown loss `{0}` (choose minimax, non-saturating, hinge, least-squares or wasserstein)")]
pub struct UnknownLoss(pub String);

impl FromStr for Loss {
    type Err = UnknownLoss;

    /// Accepts the config names and their kebab-case forms (`least-squares`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().to_ascii_lowercase().replace('-', "_");
        Loss::ALL
            .into_iter()
            .find(|l| l.name() == key)
            .ok_or_else(|| UnknownLoss(s.to_string()))
    }
}

impl AdversarialLoss for Loss {
    fn name(&self) -> String {
        Loss::name(*self).to_string()
    }

    fn outputs_are_logits(&self) -> bool {
        self.is_logistic()
    }

    fn discriminator(&self, real: Tensor<2>, fake: Tensor<2>) -> Tensor<1> {
        match self {
            Loss::Minimax | Loss::NonSaturating => discriminator_loss(real, fake),
            Loss::Hinge => {
                relu(real.neg().add_scalar(1.0)).mean() + relu(fake.add_scalar(1.0)).mean()
            }
            Loss::LeastSquares => (real.sub_scalar(1.0).powi_scalar(2).mean()
                + fake.powi_scalar(2).mean())
            .mul_scalar(0.5),
            Loss::Wasserstein => fake.mean() - real.mean(),
        }
    }

    fn generator(&self, fake: Tensor<2>) -> Tensor<1> {
        match self {
            Loss::Minimax => GeneratorLoss::Minimax.loss(fake),
            Loss::NonSaturating => GeneratorLoss::NonSaturating.loss(fake),
            Loss::Hinge | Loss::Wasserstein => fake.mean().neg(),
            Loss::LeastSquares => fake.sub_scalar(1.0).powi_scalar(2).mean().mul_scalar(0.5),
        }
    }
}
