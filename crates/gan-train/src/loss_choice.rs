//! Which adversarial loss a run trains with, as saved in its config: a built-in one by name,
//! or one supplied in code, recorded by its name so that resuming without it is an error.

use gan_objective::{AdversarialLoss, Loss};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};

/// A run's loss: `"hinge"` (any [`Loss`]) or `{"custom": "name"}` in `config.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LossChoice {
    /// A built-in loss.
    Builtin(Loss),
    /// A loss supplied in code ([`crate::Trainer::with_loss`]), by its
    /// [`AdversarialLoss::name`].
    Custom {
        /// The loss's name.
        custom: String,
    },
}

impl Default for LossChoice {
    fn default() -> Self {
        LossChoice::Builtin(Loss::NonSaturating)
    }
}

impl From<Loss> for LossChoice {
    fn from(loss: Loss) -> Self {
        LossChoice::Builtin(loss)
    }
}

impl LossChoice {
    /// The choice that records `loss`: built-in when its name is a built-in loss's.
    pub fn of(loss: &dyn AdversarialLoss) -> Self {
        let name = loss.name();
        match Loss::ALL.into_iter().find(|l| Loss::name(*l) == name) {
            Some(builtin) => LossChoice::Builtin(builtin),
            None => LossChoice::Custom { custom: name },
        }
    }

    /// The loss's name.
    pub fn name(&self) -> &str {
        match self {
            LossChoice::Builtin(loss) => Loss::name(*loss),
            LossChoice::Custom { custom } => custom,
        }
    }

    /// The built-in loss, or `None` for one supplied in code.
    pub fn builtin(&self) -> Option<Loss> {
        match self {
            LossChoice::Builtin(loss) => Some(*loss),
            LossChoice::Custom { .. } => None,
        }
    }

    /// The loss to train with: the built-in one, or `None` when the run's loss was supplied in
    /// code and must be supplied again.
    pub(crate) fn build(&self) -> Option<Box<dyn AdversarialLoss>> {
        self.builtin()
            .map(|loss| Box::new(loss) as Box<dyn AdversarialLoss>)
    }

    /// The error of a run whose loss, supplied in code, was not supplied again.
    pub(crate) fn missing(&self) -> TrainError {
        TrainError::LossNotSupplied {
            name: self.name().to_string(),
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        match self {
            LossChoice::Custom { custom } if custom.trim().is_empty() => Err(TrainError::Config(
                "a custom loss needs a name (AdversarialLoss::name)".into(),
            )),
            _ => Ok(()),
        }
    }
}
