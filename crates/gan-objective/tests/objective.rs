//! Tests of the objective against independent f64 computations, on every test backend.

use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor, TensorData};
use gan_backend::test_backends;
use gan_objective::*;

fn values<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.into_data().convert::<f64>().try_to_vec::<f64>().unwrap()
}

fn column(v: &[f64], device: &Device) -> Tensor<2> {
    let v32: Vec<f32> = v.iter().map(|&x| x as f32).collect();
    Tensor::from_data(TensorData::new(v32, [v.len(), 1]), device)
}

fn on_each_device(body: impl Fn(&Device)) {
    for backend in test_backends() {
        eprintln!("backend: {backend}");
        body(&backend.device());
    }
}

/// f64 references, written independently of the tensor code.
fn softplus64(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}
fn sigmoid64(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
fn v_ref(real: &[f64], fake: &[f64]) -> f64 {
    -real.iter().map(|&a| softplus64(-a)).sum::<f64>() / real.len() as f64
        - fake.iter().map(|&a| softplus64(a)).sum::<f64>() / fake.len() as f64
}

const REAL: [f64; 6] = [-3.0, -0.5, 0.0, 0.7, 2.5, 8.0];
const FAKE: [f64; 5] = [-6.0, -1.2, 0.3, 1.9, 4.0];

#[test]
fn value_function_and_losses_match_f64_references() {
    on_each_device(|device| {
        let (real, fake) = (column(&REAL, device), column(&FAKE, device));
        let v = values(value_function(real.clone(), fake.clone()))[0];
        assert!((v - v_ref(&REAL, &FAKE)).abs() < 1e-5);
        let d = values(discriminator_loss(real, fake.clone()))[0];
        assert!((d + v_ref(&REAL, &FAKE)).abs() < 1e-5);
        let mm = values(GeneratorLoss::Minimax.loss(fake.clone()))[0];
        let mm_ref = FAKE.iter().map(|&a| (1.0 - sigmoid64(a)).ln()).sum::<f64>() / 5.0;
        assert!((mm - mm_ref).abs() < 1e-5, "{mm} vs {mm_ref}");
        let ns = values(GeneratorLoss::NonSaturating.loss(fake))[0];
        let ns_ref = -FAKE.iter().map(|&a| sigmoid64(a).ln()).sum::<f64>() / 5.0;
        assert!((ns - ns_ref).abs() < 1e-5, "{ns} vs {ns_ref}");
    });
}

#[test]
fn value_is_minus_log_4_when_d_is_one_half() {
    on_each_device(|device| {
        let half = Tensor::<2>::zeros([10, 1], device);
        let v = values(value_function(half.clone(), half))[0];
        assert!((v + 4f64.ln()).abs() < 1e-6, "{v}");
    });
}

#[test]
fn extreme_logits_give_finite_values_and_gradients() {
    on_each_device(|device| {
        let ad = device.clone().autodiff();
        let extreme = [-100.0, -40.0, 40.0, 100.0];
        let real = column(&extreme, &ad).require_grad();
        let fake = column(&extreme, &ad).require_grad();
        let v = value_function(real.clone(), fake.clone());
        let vv = values(v.clone())[0];
        assert!(vv.is_finite());
        assert!((vv - v_ref(&extreme, &extreme)).abs() / vv.abs() < 1e-5);
        let grads = v.backward();
        for t in [&real, &fake] {
            assert!(
                values(t.grad(&grads).unwrap())
                    .iter()
                    .all(|g| g.is_finite())
            );
        }
        for loss in [GeneratorLoss::Minimax, GeneratorLoss::NonSaturating] {
            let fake = column(&extreme, &ad).require_grad();
            let l = loss.loss(fake.clone());
            assert!(values(l.clone())[0].is_finite());
            let g = values(fake.grad(&l.backward()).unwrap());
            assert!(g.iter().all(|g| g.is_finite()), "{loss:?}: {g:?}");
        }
    });
}

/// Autodiff gradients against central finite differences of the f64 references.
#[test]
fn gradients_equal_finite_differences() {
    let h = 1e-6;
    let fd = |f: &dyn Fn(&[f64]) -> f64, x: &[f64]| -> Vec<f64> {
        (0..x.len())
            .map(|i| {
                let (mut up, mut down) = (x.to_vec(), x.to_vec());
                up[i] += h;
                down[i] -= h;
                (f(&up) - f(&down)) / (2.0 * h)
            })
            .collect()
    };
    let close = |got: &[f64], want: &[f64]| {
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() < 1e-6 + 1e-4 * w.abs(),
                "autodiff {g} vs finite difference {w}"
            );
        }
    };
    on_each_device(|device| {
        let ad = device.clone().autodiff();
        let real = column(&REAL, &ad).require_grad();
        let fake = column(&FAKE, &ad).require_grad();
        let grads = discriminator_loss(real.clone(), fake.clone()).backward();
        close(
            &values(real.grad(&grads).unwrap()),
            &fd(&|r: &[f64]| -v_ref(r, &FAKE), &REAL),
        );
        close(
            &values(fake.grad(&grads).unwrap()),
            &fd(&|f: &[f64]| -v_ref(&REAL, f), &FAKE),
        );

        let minimax = |f: &[f64]| f.iter().map(|&a| -softplus64(a)).sum::<f64>() / f.len() as f64;
        let nonsat = |f: &[f64]| f.iter().map(|&a| softplus64(-a)).sum::<f64>() / f.len() as f64;
        for (loss, reference) in [
            (GeneratorLoss::Minimax, &minimax as &dyn Fn(&[f64]) -> f64),
            (GeneratorLoss::NonSaturating, &nonsat),
        ] {
            let fake = column(&FAKE, &ad).require_grad();
            let g = values(fake.grad(&loss.loss(fake.clone()).backward()).unwrap());
            close(&g, &fd(reference, &FAKE));
        }
    });
}

/// The paper's argument for the non-saturating loss, measured: both generator losses push every
/// logit the same way, but when D confidently rejects a sample (D(G(z)) near 0) the minimax
/// gradient vanishes while the non-saturating one does not.
#[test]
fn non_saturating_gradient_is_larger_when_d_rejects_samples() {
    on_each_device(|device| {
        let ad = device.clone().autodiff();
        let logits = [-12.0, -8.0, -4.0, -1.0, 0.0, 1.0, 4.0];
        let grad = |loss: GeneratorLoss| {
            let fake = column(&logits, &ad).require_grad();
            values(fake.grad(&loss.loss(fake.clone()).backward()).unwrap())
        };
        let (mm, ns) = (
            grad(GeneratorLoss::Minimax),
            grad(GeneratorLoss::NonSaturating),
        );
        for ((a, m), n) in logits.iter().zip(&mm).zip(&ns) {
            assert!(
                *m < 0.0 && *n < 0.0,
                "both must push logit {a} up: {m}, {n}"
            );
            // Ratio of the two gradients is (1 - D) / D = exp(-a).
            let ratio = n / m;
            assert!(
                (ratio - (-a).exp()).abs() < 1e-3 * (-a).exp().max(1.0),
                "a = {a}: ratio {ratio}"
            );
        }
        // At D = 1/2 they coincide; at D(G(z)) ~ 6e-6 the non-saturating one is 160,000x larger.
        assert!((mm[4] - ns[4]).abs() < 1e-7);
        assert!(ns[0] / mm[0] > 1e5);
    });
}

/// Both generator losses have the same stationary point: with p_g = p_data and D = D* = 1/2, the
/// gradient with respect to the generator's distribution is zero for both; away from it they
/// point the same way.
#[test]
fn minimax_and_non_saturating_share_the_stationary_point() {
    let p_data = [0.1, 0.4, 0.3, 0.2];
    on_each_device(|device| {
        let ad = device.clone().autodiff();
        let grad_wrt_theta = |theta: &[f64], d_star: &[f64], loss: GeneratorLoss| {
            let theta = Tensor::<1>::from_data(
                TensorData::new(
                    theta.iter().map(|&t| t as f32).collect::<Vec<_>>(),
                    [theta.len()],
                ),
                &ad,
            )
            .require_grad();
            let p_g = softmax(theta.clone(), 0).reshape([1, d_star.len()]);
            let logits: Vec<f32> = d_star
                .iter()
                .map(|&d| (d / (1.0 - d)).ln() as f32)
                .collect();
            let a = Tensor::<2>::from_data(TensorData::new(logits, [1, d_star.len()]), &ad);
            // E_{p_g}[loss per point] with the discriminator held fixed.
            let per_point = match loss {
                GeneratorLoss::Minimax => log_one_minus_d(a),
                GeneratorLoss::NonSaturating => log_d(a).neg(),
            };
            let objective = (p_g * per_point).sum();
            values(theta.grad(&objective.backward()).unwrap())
        };
        let theta_at_data: Vec<f64> = p_data.iter().map(|p: &f64| p.ln()).collect();
        let d_star = optimal_discriminator(&p_data, &p_data).unwrap();
        assert!(d_star.iter().all(|&d| d == 0.5));
        for loss in [GeneratorLoss::Minimax, GeneratorLoss::NonSaturating] {
            let g = grad_wrt_theta(&theta_at_data, &d_star, loss);
            assert!(
                g.iter().all(|g| g.abs() < 1e-6),
                "{loss:?} not stationary: {g:?}"
            );
        }
        let theta_off = [0.0, 0.0, 0.0, 1.0];
        let p_g: Vec<f64> = {
            let e: Vec<f64> = theta_off.iter().map(|t: &f64| t.exp()).collect();
            let s: f64 = e.iter().sum();
            e.iter().map(|v| v / s).collect()
        };
        let d_star = optimal_discriminator(&p_data, &p_g).unwrap();
        let mm = grad_wrt_theta(&theta_off, &d_star, GeneratorLoss::Minimax);
        let ns = grad_wrt_theta(&theta_off, &d_star, GeneratorLoss::NonSaturating);
        let dot: f64 = mm.iter().zip(&ns).map(|(a, b)| a * b).sum();
        assert!(
            mm.iter().any(|g| g.abs() > 1e-3) && dot > 0.0,
            "{mm:?} {ns:?}"
        );
    });
}

#[test]
fn optimal_discriminator_maximises_v_and_gives_the_virtual_criterion() {
    let p_data = [0.05, 0.2, 0.5, 0.25, 0.0];
    let p_g = [0.3, 0.3, 0.1, 0.1, 0.2];
    let v = |d: &[f64]| -> f64 {
        p_data
            .iter()
            .zip(&p_g)
            .zip(d)
            .map(|((&pd, &pg), &d)| {
                let a = if pd > 0.0 { pd * d.ln() } else { 0.0 };
                let b = if pg > 0.0 { pg * (1.0 - d).ln() } else { 0.0 };
                a + b
            })
            .sum()
    };
    let d_star = optimal_discriminator(&p_data, &p_g).unwrap();
    assert_eq!(d_star[4], 0.0);
    let c = virtual_criterion(&p_data, &p_g).unwrap();
    assert!(
        (v(&d_star) - c).abs() < 1e-12,
        "V(D*) = {} vs C(G) = {c}",
        v(&d_star)
    );
    // Any perturbation of D* lowers V.
    for i in 0..4 {
        for eps in [-1e-3, 1e-3] {
            let mut d = d_star.clone();
            d[i] += eps;
            assert!(v(&d) < v(&d_star));
        }
    }
    assert!((virtual_criterion(&p_data, &p_data).unwrap() + 4f64.ln()).abs() < 1e-12);
    assert!(c > -(4f64.ln()));
    // Disjoint supports: JSD = log 2, C = 0.
    assert!((jensen_shannon(&[1.0, 0.0], &[0.0, 3.0]).unwrap() - 2f64.ln()).abs() < 1e-12);
    assert!(virtual_criterion(&[1.0, 0.0], &[0.0, 1.0]).unwrap().abs() < 1e-12);
    // Symmetry and scale invariance of the JSD.
    let a = jensen_shannon(&p_data, &p_g).unwrap();
    assert!((a - jensen_shannon(&p_g, &p_data).unwrap()).abs() < 1e-12);
    let scaled: Vec<f64> = p_g.iter().map(|p| p * 7.0).collect();
    assert!((a - jensen_shannon(&p_data, &scaled).unwrap()).abs() < 1e-12);
}

#[test]
fn bad_densities_are_typed_errors() {
    assert_eq!(
        optimal_discriminator(&[0.5], &[0.2, 0.8]).unwrap_err(),
        ObjectiveError::LengthMismatch { p_data: 1, p_g: 2 }
    );
    assert!(matches!(
        jensen_shannon(&[0.5, -0.1], &[0.2, 0.8]).unwrap_err(),
        ObjectiveError::InvalidDensity {
            which: "p_data",
            index: 1,
            ..
        }
    ));
    assert!(matches!(
        virtual_criterion(&[0.5, 0.5], &[f64::NAN, 0.8]).unwrap_err(),
        ObjectiveError::InvalidDensity {
            which: "p_g",
            index: 0,
            ..
        }
    ));
    assert_eq!(
        jensen_shannon(&[0.0, 0.0], &[0.2, 0.8]).unwrap_err(),
        ObjectiveError::ZeroMass("p_data")
    );
}
