//! D's regularisers against independent float64 computations: spectral normalisation against
//! nalgebra's SVD of the same weights (σ, the normalised weights, the gradient through σ), and
//! the gradient penalties' values and parameter gradients against central differences of the
//! exact penalty of a small tanh discriminator, computed in f64 by hand.

mod common;

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::activation::tanh;
use burn::tensor::{Device, Tensor, TensorData};
use common::{cpu, rng_lock, values};
use gan_nn::GanDiscriminator;
use gan_train::SpectralNorm;
use gan_train::penalty::{PenaltyForm, input_gradient_penalty};
use nalgebra::{DMatrix, DVector};

#[derive(Module, Debug)]
struct Weights {
    linear: Linear,
    conv: Conv2d,
}

/// A weight's matrix view `[d₀, d₁ ⋯]` in f64.
fn matrix<const R: usize>(w: Tensor<R>) -> DMatrix<f64> {
    let dims = w.dims();
    let cols: usize = dims[1..].iter().product();
    let v: Vec<f64> = values(w).into_iter().map(f64::from).collect();
    DMatrix::from_row_slice(dims[0], cols, &v)
}

fn top_singular(m: &DMatrix<f64>) -> (f64, DVector<f64>, DVector<f64>) {
    let svd = m.clone().svd(true, true);
    let i = svd.singular_values.imax();
    let u = svd.u.unwrap().column(i).into_owned();
    let v = svd.v_t.unwrap().row(i).transpose().into_owned();
    (svd.singular_values[i], u, v)
}

#[test]
fn spectral_norm_matches_the_svd_and_its_gradient_reaches_the_weights_through_sigma() {
    let _rng = rng_lock();
    let device = cpu().autodiff();
    device.seed(11);
    // Wide uniform weights: their largest singular values lie far from 1.
    let init = Initializer::Uniform {
        min: -1.5,
        max: 1.5,
    };
    let module = Weights {
        linear: LinearConfig::new(6, 9)
            .with_initializer(init.clone())
            .init(&device),
        conv: Conv2dConfig::new([3, 4], [3, 3])
            .with_initializer(init)
            .init(&device),
    };
    let mut sn = SpectralNorm::new(&module, 5);
    assert_eq!(sn.len(), 2, "the two weights, not the biases");
    for _ in 0..300 {
        sn.power_iteration(&module);
    }
    let weights = [
        matrix(module.linear.weight.val()),
        matrix(module.conv.weight.val()),
    ];
    let sigmas = sn.sigmas(&module);
    for (w, sigma) in weights.iter().zip(&sigmas) {
        let (expected, _, _) = top_singular(w);
        assert!(
            (sigma - expected).abs() < 1e-4 * expected,
            "{sigma} vs {expected}"
        );
    }
    let normalised = sn.normalise(module.clone());
    let after = [
        matrix(normalised.linear.weight.val()),
        matrix(normalised.conv.weight.val()),
    ];
    for (w, before) in after.iter().zip(&weights) {
        let (top, _, _) = top_singular(w);
        assert!((top - 1.0).abs() < 1e-4, "largest singular value {top}");
        assert!(
            (top_singular(before).0 - 1.0).abs() > 0.05,
            "the test's weights were not already normalised"
        );
    }

    // d/dW Σ R ⊙ (W / σ(W)) with σ = uᵀWv, u and v fixed: R/σ − ⟨R, W⟩/σ² · u vᵀ.
    let linear = module.linear.weight.val();
    let r: Vec<f32> = (0..54)
        .map(|i| ((i * 37 % 11) as f32 - 5.0) / 7.0)
        .collect();
    let r_tensor = Tensor::<2>::from_data(TensorData::new(r.clone(), [6, 9]), &device);
    let grads = (normalised.linear.weight.val() * r_tensor).sum().backward();
    let got: Vec<f64> = values(linear.grad(&grads).unwrap())
        .into_iter()
        .map(f64::from)
        .collect();
    let w = &weights[0];
    let (sigma, u, v) = top_singular(w);
    let r = DMatrix::from_row_slice(6, 9, &r.iter().map(|&x| f64::from(x)).collect::<Vec<_>>());
    let expected = &r / sigma - (&u * v.transpose()) * (r.dot(w) / (sigma * sigma));
    for (i, g) in got.iter().enumerate() {
        let e = expected[(i / 9, i % 9)];
        assert!((g - e).abs() < 1e-4 * (1.0 + e.abs()), "{i}: {g} vs {e}");
    }

    // The vectors survive a round trip bit for bit; another module's shapes are refused.
    let bytes = sn.to_bytes().unwrap();
    let back = sn.from_bytes(&bytes, &cpu()).unwrap();
    assert_eq!(back.to_bytes().unwrap(), bytes);
    assert!(sn.from_bytes(&bytes[..bytes.len() - 3], &cpu()).is_err());
    let other = SpectralNorm::new(&LinearConfig::new(2, 2).init(&device), 1);
    assert!(other.from_bytes(&bytes, &cpu()).is_err());
}

/// D(x) = w₂ · tanh(W₁ᵀx + b₁) + b₂: smooth, with an input gradient written by hand.
#[derive(Module, Debug)]
struct TanhD {
    hidden: Linear,
    out: Linear,
}

impl GanDiscriminator<2> for TanhD {
    fn logits(&self, x: Tensor<2>, _: Option<Tensor<2>>) -> Tensor<2> {
        self.out.forward(tanh(self.hidden.forward(x)))
    }
    fn logits_train(&self, x: Tensor<2>, c: Option<Tensor<2>>) -> Tensor<2> {
        self.logits(x, c)
    }
}

const IN: usize = 3;
const HID: usize = 4;

/// The parameters in one f64 vector: W₁ `[IN, HID]`, b₁, w₂ `[HID, 1]`, b₂.
fn unpack(p: &[f64]) -> (&[f64], &[f64], &[f64], f64) {
    let (w1, rest) = p.split_at(IN * HID);
    let (b1, rest) = rest.split_at(HID);
    let (w2, rest) = rest.split_at(HID);
    (w1, b1, w2, rest[0])
}

/// The exact penalty in f64: ‖∇ₓD‖ per row, then R1's γ/2·mean‖g‖² or GP's γ·mean(‖g‖ − 1)².
fn exact_penalty(p: &[f64], rows: &[[f64; IN]], form: PenaltyForm) -> f64 {
    let (w1, b1, w2, _) = unpack(p);
    let norms = rows.iter().map(|x| {
        let mut g = [0.0; IN];
        for k in 0..HID {
            let a = b1[k] + (0..IN).map(|i| x[i] * w1[i * HID + k]).sum::<f64>();
            let s = w2[k] * (1.0 - a.tanh().powi(2));
            for (i, gi) in g.iter_mut().enumerate() {
                *gi += s * w1[i * HID + k];
            }
        }
        g.iter().map(|v| v * v).sum::<f64>().sqrt()
    });
    let n = rows.len() as f64;
    match form {
        PenaltyForm::ZeroCentred { gamma } => gamma / 2.0 * norms.map(|g| g * g).sum::<f64>() / n,
        PenaltyForm::OneCentred { gamma } => {
            gamma * norms.map(|g| (g - 1.0).powi(2)).sum::<f64>() / n
        }
    }
}

fn tanh_d(p: &[f64], device: &Device) -> TanhD {
    let (w1, b1, w2, b2) = unpack(p);
    let t = |v: &[f64], shape: Vec<usize>| {
        let v: Vec<f32> = v.iter().map(|&x| x as f32).collect();
        TensorData::new(v, shape)
    };
    let mut hidden = LinearConfig::new(IN, HID).init(device);
    let mut out = LinearConfig::new(HID, 1).init(device);
    hidden.weight = Param::from_data(t(w1, vec![IN, HID]), device);
    hidden.bias = Some(Param::from_data(t(b1, vec![HID]), device));
    out.weight = Param::from_data(t(w2, vec![HID, 1]), device);
    out.bias = Some(Param::from_data(t(&[b2], vec![1]), device));
    TanhD { hidden, out }
}

#[test]
fn gradient_penalties_match_central_differences_of_the_exact_penalty() {
    let _rng = rng_lock();
    let device = cpu().autodiff();
    let p: Vec<f64> = (0..IN * HID + 2 * HID + 1)
        .map(|i| ((i * 7 + 3) % 13) as f64 / 6.5 - 1.0)
        .collect();
    let rows = [
        [0.2, -0.4, 0.9],
        [-1.1, 0.3, 0.5],
        [0.7, 0.8, -0.6],
        [0.0, -0.2, 0.1],
    ];
    let x = Tensor::<2>::from_data(
        TensorData::new(
            rows.iter().flatten().map(|&v| v as f32).collect::<Vec<_>>(),
            [rows.len(), IN],
        ),
        &device,
    );
    for form in [
        PenaltyForm::ZeroCentred { gamma: 3.0 },
        PenaltyForm::OneCentred { gamma: 2.0 },
    ] {
        let d = tanh_d(&p, &device);
        let terms = input_gradient_penalty(&d, x.clone(), None, form, 9);
        let value = f64::from(values(terms.value)[0]);
        let exact = exact_penalty(&p, &rows, form);
        assert!(
            (value - exact).abs() < 1e-5 * (1.0 + exact),
            "{form:?}: {value} vs {exact}"
        );

        let grads = terms.surrogate.backward();
        let got: Vec<f64> = [d.hidden.weight.val(), d.out.weight.val()]
            .into_iter()
            .flat_map(|w| values(w.grad(&grads).unwrap()))
            .chain(values(
                d.hidden.bias.as_ref().unwrap().val().grad(&grads).unwrap(),
            ))
            .chain(values(
                d.out.bias.as_ref().unwrap().val().grad(&grads).unwrap(),
            ))
            .map(f64::from)
            .collect();
        // The same order from the f64 vector: W₁, w₂, b₁, b₂; central differences, step 1e-6.
        let order: Vec<usize> = (0..IN * HID)
            .chain(IN * HID + HID..IN * HID + 2 * HID)
            .chain(IN * HID..IN * HID + HID)
            .chain([IN * HID + 2 * HID])
            .collect();
        let scale = order
            .iter()
            .map(|&i| difference(&p, i, &rows, form).abs())
            .fold(0.0, f64::max);
        for (g, &i) in got.iter().zip(&order) {
            let e = difference(&p, i, &rows, form);
            assert!(
                (g - e).abs() < 2e-3 * scale,
                "{form:?} parameter {i}: {g} vs {e} (largest {scale})"
            );
        }
    }
}

fn difference(p: &[f64], i: usize, rows: &[[f64; IN]], form: PenaltyForm) -> f64 {
    let h = 1e-6;
    let (mut plus, mut minus) = (p.to_vec(), p.to_vec());
    plus[i] += h;
    minus[i] -= h;
    (exact_penalty(&plus, rows, form) - exact_penalty(&minus, rows, form)) / (2.0 * h)
}
