//! Transformations a run applies to its data before training and evaluation. A run records
//! its [`Preprocessing`] in its config so that resuming, evaluating and drawing neighbours see
//! the values the players were trained on.

use serde::{Deserialize, Serialize};

use crate::cifar::global_contrast_normalize;
use crate::dataset::Dataset;
use crate::error::{DataError, Result};

/// How each row of a run's data is transformed (the default: left as it is).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Preprocessing {
    /// The rows as loaded.
    #[default]
    None,
    /// pylearn2's global contrast normalisation (`gcn: 55.` in the released CIFAR-10 models):
    /// each row minus its mean, scaled to L2 norm `scale`. See [`global_contrast_normalize`].
    GlobalContrast {
        /// The L2 norm each row ends with.
        scale: f32,
    },
}

impl Preprocessing {
    /// Whether this leaves the data as it is.
    pub fn is_none(&self) -> bool {
        matches!(self, Preprocessing::None)
    }

    /// Checks the parameters: a global contrast scale must be positive and finite.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Preprocessing::None => Ok(()),
            Preprocessing::GlobalContrast { scale } if scale > 0.0 && scale.is_finite() => Ok(()),
            Preprocessing::GlobalContrast { scale } => Err(DataError::Invalid(format!(
                "global contrast scale must be positive and finite, got {scale}"
            ))),
        }
    }

    /// `data` transformed row by row (labels and item shape kept); returned as it is for
    /// [`Preprocessing::None`].
    pub fn apply(&self, data: Dataset) -> Result<Dataset> {
        self.validate()?;
        let Preprocessing::GlobalContrast { scale } = *self else {
            return Ok(data);
        };
        let mut features = data.features().to_vec();
        for row in features.chunks_exact_mut(data.dim()) {
            global_contrast_normalize(row, scale);
        }
        Dataset::new(
            features,
            data.item_shape().to_vec(),
            data.labels().map(<[u8]>::to_vec),
        )
    }

    /// `row` mapped to `[0, 1]` for display, as pylearn2's viewers show it: unchanged for
    /// [`Preprocessing::None`]; after global contrast normalisation, divided by its largest
    /// absolute value (CIFAR-10's `adjust_for_viewer`), then `[−1, 1]` mapped to `[0, 1]`.
    pub fn for_display(&self, row: &[f32]) -> Vec<f32> {
        match self {
            Preprocessing::None => row.to_vec(),
            Preprocessing::GlobalContrast { .. } => {
                let peak = row.iter().fold(0f32, |m, v| m.max(v.abs()));
                let peak = if peak > 0.0 { peak } else { 1.0 };
                row.iter().map(|v| (v / peak + 1.0) / 2.0).collect()
            }
        }
    }
}
