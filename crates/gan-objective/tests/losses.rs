//! Every built-in loss against an independent f64 computation of its value and of its gradient
//! with respect to each of D's outputs, on every test backend.

use burn::tensor::{Device, Tensor, TensorData};
use gan_backend::test_backends;
use gan_objective::{AdversarialLoss, Loss};

const REAL: [f64; 6] = [-3.0, -0.5, 0.2, 0.7, 2.5, 8.0];
const FAKE: [f64; 5] = [-6.0, -1.2, 0.3, 1.9, 4.0];

fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `(value, ∂/∂real_i, ∂/∂fake_j)` of D's loss, written per element in f64.
fn d_reference(loss: Loss, r: &[f64], f: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
    let (m, n) = (r.len() as f64, f.len() as f64);
    let mean = |v: &[f64], g: &dyn Fn(f64) -> f64, k: f64| v.iter().map(|&x| g(x)).sum::<f64>() / k;
    match loss {
        Loss::Minimax | Loss::NonSaturating => (
            mean(r, &|a| softplus(-a), m) + mean(f, &|a| softplus(a), n),
            r.iter().map(|&a| -(1.0 - sigmoid(a)) / m).collect(),
            f.iter().map(|&a| sigmoid(a) / n).collect(),
        ),
        Loss::Hinge => (
            mean(r, &|a| (1.0 - a).max(0.0), m) + mean(f, &|a| (1.0 + a).max(0.0), n),
            r.iter()
                .map(|&a| if a < 1.0 { -1.0 / m } else { 0.0 })
                .collect(),
            f.iter()
                .map(|&a| if a > -1.0 { 1.0 / n } else { 0.0 })
                .collect(),
        ),
        Loss::LeastSquares => (
            0.5 * mean(r, &|a| (a - 1.0).powi(2), m) + 0.5 * mean(f, &|a| a * a, n),
            r.iter().map(|&a| (a - 1.0) / m).collect(),
            f.iter().map(|&a| a / n).collect(),
        ),
        Loss::Wasserstein => (
            mean(f, &|a| a, n) - mean(r, &|a| a, m),
            vec![-1.0 / m; r.len()],
            vec![1.0 / n; f.len()],
        ),
    }
}

/// `(value, ∂/∂fake_j)` of G's loss in f64.
fn g_reference(loss: Loss, f: &[f64]) -> (f64, Vec<f64>) {
    let n = f.len() as f64;
    let sum = |g: &dyn Fn(f64) -> f64| f.iter().map(|&x| g(x)).sum::<f64>() / n;
    let each = |g: &dyn Fn(f64) -> f64| f.iter().map(|&x| g(x) / n).collect::<Vec<_>>();
    match loss {
        // log(1 − σ(a)) = −softplus(a); its derivative −σ(a).
        Loss::Minimax => (sum(&|a| -softplus(a)), each(&|a| -sigmoid(a))),
        // −log σ(a) = softplus(−a); its derivative −(1 − σ(a)).
        Loss::NonSaturating => (sum(&|a| softplus(-a)), each(&|a| -(1.0 - sigmoid(a)))),
        Loss::Hinge | Loss::Wasserstein => (sum(&|a| -a), each(&|_| -1.0)),
        Loss::LeastSquares => (sum(&|a| 0.5 * (a - 1.0).powi(2)), each(&|a| a - 1.0)),
    }
}

fn column(v: &[f64], device: &Device) -> Tensor<2> {
    let v32: Vec<f32> = v.iter().map(|&x| x as f32).collect();
    Tensor::from_data(TensorData::new(v32, [v.len(), 1]), device).require_grad()
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.into_data().convert::<f64>().try_to_vec::<f64>().unwrap()
}

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 1e-5 * (1.0 + w.abs()),
            "{what}: {got:?} vs {want:?}"
        );
    }
}

#[test]
fn each_loss_matches_its_f64_value_and_gradient() {
    for backend in test_backends() {
        let device = backend.device().autodiff();
        for loss in Loss::ALL {
            let what = format!("{backend} {loss}");
            let (real, fake) = (column(&REAL, &device), column(&FAKE, &device));
            let d = loss.discriminator(real.clone(), fake.clone());
            let grads = d.backward();
            let (value, d_real, d_fake) = d_reference(loss, &REAL, &FAKE);
            assert_close(&values(d), &[value], &format!("{what}: D's loss"));
            assert_close(
                &values(real.grad(&grads).unwrap()),
                &d_real,
                &format!("{what}: ∂/∂r"),
            );
            assert_close(
                &values(fake.grad(&grads).unwrap()),
                &d_fake,
                &format!("{what}: ∂/∂f"),
            );

            let fake = column(&FAKE, &device);
            let g = AdversarialLoss::generator(&loss, fake.clone());
            let grads = g.backward();
            let (value, d_fake) = g_reference(loss, &FAKE);
            assert_close(&values(g), &[value], &format!("{what}: G's loss"));
            assert_close(
                &values(fake.grad(&grads).unwrap()),
                &d_fake,
                &format!("{what}: G ∂/∂f"),
            );
        }
    }
}

#[test]
fn names_round_trip_and_only_logistic_outputs_are_probabilities() {
    for loss in Loss::ALL {
        assert_eq!(loss.name().parse::<Loss>().unwrap(), loss);
        assert_eq!(loss.name().replace('_', "-").parse::<Loss>().unwrap(), loss);
        let json = serde_json::to_string(&loss).unwrap();
        assert_eq!(json, format!("\"{}\"", loss.name()));
        assert_eq!(AdversarialLoss::name(&loss), loss.name());
    }
    assert!("hinges".parse::<Loss>().is_err());
    let logistic: Vec<_> = Loss::ALL
        .into_iter()
        .filter(|l| l.outputs_are_logits())
        .collect();
    assert_eq!(logistic, [Loss::Minimax, Loss::NonSaturating]);
    assert!(Loss::Wasserstein.needs_lipschitz_constraint());
    assert!(!Loss::Hinge.needs_lipschitz_constraint());
}
