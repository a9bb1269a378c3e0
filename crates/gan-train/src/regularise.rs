//! The discriminator's regularisers as configured parts of a run: spectral normalisation,
//! gradient penalties (R1, R2, WGAN-GP), instance noise, and the paper's max-column-norm
//! constraint. Each is saved in `config.json`; spectral normalisation's vectors are saved in
//! each checkpoint.

use burn::module::{ModuleMapper, Param};
use burn::tensor::{Distribution, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};

/// What regularises the discriminator. All off by default; any combination may be on.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Regularisers {
    /// Spectral normalisation of every weight of D (one power-iteration step per D update;
    /// see [`crate::SpectralNorm`]).
    pub spectral_norm: bool,
    /// R1: `γ/2 · E‖∇ₓD(x)‖²` on real rows, added to D's loss (see [`crate::penalty`]).
    pub r1: Option<f64>,
    /// R2: the same on generated rows.
    pub r2: Option<f64>,
    /// WGAN-GP: `γ · E(‖∇ₓD(x̂)‖ − 1)²` on interpolates of real and generated rows.
    pub gp: Option<f64>,
    /// Instance noise: `N(0, σ²)` added to every row D sees in training (real and generated,
    /// in both players' objectives).
    pub instance_noise: Option<f64>,
    /// pylearn2's max-norm constraint on D's weight columns (one column per output unit or
    /// maxout piece), applied after each D update.
    pub max_col_norm: Option<f64>,
}

impl Regularisers {
    /// Whether any gradient penalty is on.
    pub fn has_penalty(&self) -> bool {
        self.r1.is_some() || self.r2.is_some() || self.gp.is_some()
    }

    /// Whether D is kept Lipschitz (spectral normalisation or a penalty), as the Wasserstein
    /// loss needs.
    pub fn constrains_lipschitz(&self) -> bool {
        self.spectral_norm || self.has_penalty()
    }

    /// Checks every weight: finite, and positive (γ and σ may be zero: the term is then off
    /// in effect, but a negative γ would reward steep discriminators).
    pub fn validate(&self) -> Result<()> {
        let weights = [
            ("r1", self.r1),
            ("r2", self.r2),
            ("gp", self.gp),
            ("instance_noise", self.instance_noise),
        ];
        for (name, value) in weights {
            if let Some(v) = value
                && !(v >= 0.0 && v.is_finite())
            {
                return Err(TrainError::Config(format!(
                    "{name} must be a finite number ≥ 0, got {v}"
                )));
            }
        }
        if let Some(c) = self.max_col_norm
            && !(c > 0.0 && c.is_finite())
        {
            return Err(TrainError::Config(format!(
                "max_col_norm must be positive, got {c}"
            )));
        }
        Ok(())
    }
}

/// `x + σ·ε`, `ε ~ N(0, I)` from the device's random stream (`x` unchanged without noise).
pub(crate) fn with_instance_noise<const R: usize>(x: Tensor<R>, sigma: Option<f64>) -> Tensor<R> {
    match sigma {
        Some(s) if s > 0.0 => {
            let noise = Tensor::random(x.dims(), Distribution::Normal(0.0, s), &x.device());
            x + noise
        }
        _ => x,
    }
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
