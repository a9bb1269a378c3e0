//! Gradient penalties on the discriminator's input without a second backward pass.
//!
//! R1 (`γ/2 · E‖∇ₓD(x)‖²` on real data, Mescheder et al. 2018), R2 (the same on generated data)
//! and WGAN-GP's `γ · E(‖∇ₓD(x̂)‖ − 1)²` on interpolates (Gulrajani et al. 2017) all need the
//! gradient, with respect to D's parameters θ, of a function of the input gradient
//! `g = ∇ₓD(x; θ)`. Burn 0.22's autodiff is first order, so it is computed in two first-order
//! steps. For a per-sample penalty `φ(‖g‖²)`,
//!
//! `∇_θ φ(‖g‖²) = 2φ'(‖g‖²) · J_θ(g)ᵀ g = 2φ'(‖g‖²) ‖g‖ · ∇_θ [∂D(x; θ)/∂u]`, `u = g / ‖g‖`,
//!
//! and the directional derivative `∂D/∂u` is a central difference
//! `(D(x + h u) − D(x − h u)) / 2h`, whose θ-gradient ordinary backpropagation gives (error
//! `O(h²)`). So: one backward pass for `g` (input only), then the surrogate
//! `mean_i c_i · (D(x_i + h u_i) − D(x_i − h u_i)) / 2h` with `c_i = 2φ'(‖g_i‖²)‖g_i‖` held
//! constant, whose parameter gradient is the penalty's. The three passes through D draw the
//! same randomness (the device is re-seeded before each), so a dropout discriminator is
//! differentiated through one set of masks. This is a Hessian-vector product by finite
//! differences (Pearlmutter 1994 discusses the exact and the differenced forms); it costs three
//! forward passes and one backward pass of D per penalty.

use burn::tensor::{Distribution, Tensor};
use gan_nn::GanDiscriminator;

/// Step `h` of the central difference, in the data's units along a unit direction. Data in
/// `[0, 1]` or `[−1, 1]` moves by `h` in norm: small enough that the `O(h²)` error is far below
/// f32 training noise, large enough that `D(x + hu) − D(x − hu)` keeps digits in f32.
pub const DIFFERENCE_STEP: f64 = 1e-2;

/// Which penalty, with its weight γ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PenaltyForm {
    /// `γ/2 · mean ‖∇ₓD‖²` (R1 on real rows, R2 on generated rows).
    ZeroCentred {
        /// γ.
        gamma: f64,
    },
    /// `γ · mean (‖∇ₓD‖ − 1)²` (WGAN-GP, on interpolates).
    OneCentred {
        /// γ.
        gamma: f64,
    },
}

/// A penalty's value (detached, for the logs) and the surrogate whose parameter gradient is
/// the penalty's.
#[derive(Debug, Clone)]
pub struct PenaltyTerms {
    /// The penalty's value, `[1]`.
    pub value: Tensor<1>,
    /// The term to add to D's objective, `[1]`.
    pub surrogate: Tensor<1>,
}

/// The penalty `form` of `discriminator`'s training-mode logits at rows `x` (with their
/// conditions), the device seeded with `seed` before each of the three passes. `x` is
/// treated as data (detached).
pub fn input_gradient_penalty<Dm, const R: usize>(
    discriminator: &Dm,
    x: Tensor<R>,
    condition: Option<Tensor<2>>,
    form: PenaltyForm,
    seed: u64,
) -> PenaltyTerms
where
    Dm: GanDiscriminator<R>,
{
    let dims = x.dims();
    let n = dims[0];
    let features = dims[1..].iter().product::<usize>();
    let device = x.device();
    let x = x.detach();

    // g = ∇ₓ Σ D(x): the input's gradient alone (a copy of D without parameter gradients).
    device.seed(seed);
    let probe = x.clone().require_grad();
    let logits = discriminator
        .clone()
        .no_grad()
        .logits_train(probe.clone(), condition.clone());
    let grads = logits.sum().backward();
    let g = probe
        .grad(&grads)
        .unwrap_or_else(|| Tensor::zeros(dims, &device.clone().inner()))
        .reshape([n, features]);
    let norm = g.clone().powi_scalar(2).sum_dim(1).sqrt(); // [n, 1]
    let direction = (g / norm.clone().clamp_min(1e-12)).reshape(dims);
    let (value, coefficient) = match form {
        // φ(s) = γ/2 · s: c = γ‖g‖.
        PenaltyForm::ZeroCentred { gamma } => (
            norm.clone().powi_scalar(2).mean().mul_scalar(gamma / 2.0),
            norm.mul_scalar(gamma),
        ),
        // φ(s) = γ(√s − 1)²: c = 2γ(‖g‖ − 1).
        PenaltyForm::OneCentred { gamma } => (
            norm.clone()
                .sub_scalar(1.0)
                .powi_scalar(2)
                .mean()
                .mul_scalar(gamma),
            norm.sub_scalar(1.0).mul_scalar(2.0 * gamma),
        ),
    };
    let step = Tensor::from_inner(direction.mul_scalar(DIFFERENCE_STEP));
    device.seed(seed);
    let plus = discriminator.logits_train(x.clone() + step.clone(), condition.clone());
    device.seed(seed);
    let minus = discriminator.logits_train(x - step, condition);
    let difference = (plus - minus).div_scalar(2.0 * DIFFERENCE_STEP); // [n, 1]
    let surrogate = (difference * Tensor::from_inner(coefficient)).mean();
    PenaltyTerms {
        value: Tensor::from_inner(value),
        surrogate,
    }
}

/// WGAN-GP's interpolates `α x + (1 − α) x̃`, one `α ~ U(0, 1)` per row, from the device's
/// random stream. Both batches are treated as data (detached).
pub fn interpolates<const R: usize>(real: Tensor<R>, fake: Tensor<R>) -> Tensor<R> {
    let dims = real.dims();
    let mut alpha_shape = [1; R];
    alpha_shape[0] = dims[0];
    let alpha = Tensor::<R>::random(alpha_shape, Distribution::Uniform(0.0, 1.0), &real.device());
    let (real, fake) = (real.detach(), fake.detach());
    fake.clone() + (real - fake) * alpha
}
