//! The Parzen evaluator against closed forms, the f64 reference, and real MNIST.

use burn::tensor::{Device, Tensor, TensorData};
use gan_backend::{Backend, test_backends};
use gan_parzen::*;

fn matrix(values: &[f32], d: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(values.to_vec(), [values.len() / d, d]),
        device,
    )
}

fn on_each_device(body: impl Fn(&Device)) {
    for backend in test_backends() {
        eprintln!("backend: {backend}");
        body(&backend.device());
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn one_sample_gives_the_gaussian_log_density() {
    on_each_device(|device| {
        let mu = [0.2f32, -0.4, 1.0];
        let x = [0.5f32, 0.1, 0.7, -1.0, 0.0, 2.0];
        let sigma = 0.7;
        let ll = ParzenEvaluator::default()
            .log_likelihoods(&matrix(&mu, 3, device), &matrix(&x, 3, device), &[sigma])
            .unwrap()
            .remove(0);
        for (row, got) in x.chunks(3).zip(&ll) {
            let sq: f64 = row
                .iter()
                .zip(&mu)
                .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
                .sum();
            let expected = -sq / (2.0 * sigma * sigma)
                - 1.5 * (2.0 * std::f64::consts::PI * sigma * sigma).ln();
            assert!(close(*got, expected, 1e-5), "{got} vs {expected}");
        }
        // N identical samples: the same density as one.
        let many: Vec<f32> = mu.iter().copied().cycle().take(3 * 50).collect();
        let ll_many = ParzenEvaluator::default()
            .log_likelihoods(&matrix(&many, 3, device), &matrix(&x, 3, device), &[sigma])
            .unwrap()
            .remove(0);
        for (a, b) in ll.iter().zip(&ll_many) {
            assert!(close(*a, *b, 1e-5));
        }
    });
}

#[test]
fn one_dimensional_case_matches_a_hand_computation() {
    // μ = [0, 1, 2], x = [0.5, 3.0], σ = 0.5: log p(x) = log(mean_i exp(−(x−μ_i)²/0.5)) − log(0.5√(2π)).
    let hand = |x: f64| {
        let s: f64 = [0.0f64, 1.0, 2.0]
            .iter()
            .map(|m| (-(x - m).powi(2) / 0.5).exp())
            .sum();
        (s / 3.0).ln() - (0.5 * (2.0 * std::f64::consts::PI).sqrt()).ln()
    };
    // x = 0.5: exp(-0.5) twice and exp(-4.5) once; x = 3: exp(-18), exp(-8), exp(-2).
    assert!(
        (hand(0.5)
            - (((2.0 * (-0.5f64).exp() + (-4.5f64).exp()) / 3.0).ln() - 0.225_791_352_644_727_4))
            .abs()
            < 1e-12
    );
    on_each_device(|device| {
        let r = ParzenEvaluator::default()
            .evaluate_with_sigma(
                &matrix(&[0.0, 1.0, 2.0], 1, device),
                &matrix(&[0.5, 3.0], 1, device),
                0.5,
            )
            .unwrap();
        let (a, b) = (hand(0.5), hand(3.0));
        assert!(
            close(r.mean, (a + b) / 2.0, 1e-6),
            "{} vs {}",
            r.mean,
            (a + b) / 2.0
        );
        assert!(close(r.se, ((a - b).abs() / 2.0) / 2f64.sqrt(), 1e-6));
        assert_eq!((r.n_test, r.n_samples, r.sigma), (2, 3, 0.5));
    });
}

#[test]
fn tiny_sigma_does_not_underflow() {
    on_each_device(|device| {
        // Distances of 1 with σ = 0.01: exp(−5000) underflows in any float, the log-sum-exp
        // relative to the nearest sample does not.
        let ll = ParzenEvaluator::default()
            .log_likelihoods(
                &matrix(&[0.0, 1.0, 5.0], 1, device),
                &matrix(&[2.0], 1, device),
                &[0.01],
            )
            .unwrap();
        let expected =
            -1.0 / (2.0 * 0.0001) - 3f64.ln() - (0.01 * (2.0 * std::f64::consts::PI).sqrt()).ln();
        assert!(
            close(ll[0][0], expected, 1e-6),
            "{} vs {expected}",
            ll[0][0]
        );
        assert!(close(
            reference_log_likelihood(&[0.0, 1.0, 5.0], &[2.0], 1, 0.01)[0],
            expected,
            1e-12
        ));
    });
}

#[test]
fn device_path_matches_the_f64_reference_on_mnist_and_tiling_changes_nothing() {
    let Some(dir) = gan_data::mnist_dir_from_env() else {
        return;
    };
    let mnist = gan_data::Mnist::load(&dir).unwrap();
    let samples = mnist.train.slice(0..400).unwrap();
    let test = mnist.test.slice(0..150).unwrap();
    on_each_device(|device| {
        let s = matrix(samples.features(), 784, device);
        let t = matrix(test.features(), 784, device);
        let sigmas = [0.05, 0.1, 0.17, 0.3, 0.6, 1.0];
        let ours = ParzenEvaluator::default()
            .log_likelihoods(&s, &t, &sigmas)
            .unwrap();
        for (k, &sigma) in sigmas.iter().enumerate() {
            let reference =
                reference_log_likelihood(samples.features(), test.features(), 784, sigma);
            let (a, b) = (mean_and_se(&ours[k]).0, mean_and_se(&reference).0);
            assert!(close(a, b, 1e-4), "σ = {sigma}: device {a} vs f64 {b}");
        }
        // Tiles of 7 samples × a few rows: many sample tiles and row tiles, same numbers.
        let tiny = ParzenEvaluator::new(ParzenConfig {
            tile_budget_bytes: 4 * 7 * 11,
            ..ParzenConfig::default()
        });
        let tiled = tiny.log_likelihoods(&s, &t, &sigmas).unwrap();
        // Tile shapes change the f32 summation order of the 784-term distance products: allow
        // each row a squared-distance error of 3e-4 (≈ √784 ulps of norms ~100), i.e.
        // 3e-4 / (2σ²) in log p.
        for (k, &sigma) in sigmas.iter().enumerate() {
            let tol = 3e-4 / (2.0 * sigma * sigma);
            for (a, b) in ours[k].iter().zip(&tiled[k]) {
                assert!((a - b).abs() <= tol, "σ = {sigma}: tiled {b} vs whole {a}");
            }
            assert!(close(
                mean_and_se(&ours[k]).0,
                mean_and_se(&tiled[k]).0,
                1e-5
            ));
        }
        // Permuting samples and test rows.
        let rev = |d: &gan_data::Dataset| -> Vec<f32> {
            (0..d.len()).rev().flat_map(|i| d.row(i).to_vec()).collect()
        };
        let permuted = ParzenEvaluator::default()
            .log_likelihoods(
                &matrix(&rev(&samples), 784, device),
                &matrix(&rev(&test), 784, device),
                &sigmas,
            )
            .unwrap();
        for (k, _) in sigmas.iter().enumerate() {
            let mut back = permuted[k].clone();
            back.reverse();
            let tol = 3e-4 / (2.0 * sigmas[k] * sigmas[k]);
            for (a, b) in ours[k].iter().zip(&back) {
                assert!((a - b).abs() <= tol, "permuted {b} vs {a}");
            }
        }
    });
}

/// The protocol with 10,000 real training images standing in for generator samples: the
/// float64 reference's 241.19 at σ ≈ 0.167; uniform noise images score far below.
#[test]
fn real_images_as_samples_score_the_float64_reference_and_noise_scores_strongly_negative() {
    let Some(dir) = gan_data::mnist_dir_from_env() else {
        return;
    };
    let mnist = gan_data::Mnist::load(&dir).unwrap();
    let device = Backend::default_cpu().unwrap().device();
    let evaluator = ParzenEvaluator::paper_protocol();
    let samples = matrix(mnist.train.head(10_000).features(), 784, &device);
    let valid = matrix(mnist.valid.features(), 784, &device);
    let test = matrix(mnist.test.features(), 784, &device);
    let report = evaluator.evaluate(&samples, &valid, &test).unwrap();
    eprintln!("{}", serde_json::to_string(&report).unwrap());
    assert_eq!(
        (report.n_test, report.n_samples, report.grid.len()),
        (10_000, 10_000, 10)
    );
    // Pinned to the float64 numpy computation of the same protocol
    // (`tests/reference/make_reference.py`): the chosen σ, every grid score, the mean and its
    // standard error, each to 1e-4 relative.
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/reference/mnist_protocol.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let want = |v: &serde_json::Value| v.as_f64().unwrap();
    assert!(close(report.sigma, want(&reference["sigma"]), 1e-12));
    assert!(
        close(report.mean, want(&reference["mean"]), 1e-4),
        "mean {}",
        report.mean
    );
    assert!(
        close(report.se, want(&reference["se"]), 1e-4),
        "se {}",
        report.se
    );
    for (got, expected) in report
        .grid
        .iter()
        .zip(reference["grid"].as_array().unwrap())
    {
        assert!(close(got.sigma, want(&expected["sigma"]), 1e-12));
        assert!(
            close(got.score, want(&expected["score"]), 1e-4),
            "{got:?} vs {expected}"
        );
    }

    device.seed(1);
    let noise = Tensor::<2>::random([10_000, 784], burn::tensor::Distribution::Default, &device);
    let bad = evaluator
        .evaluate(&noise, &valid, &test.clone().narrow(0, 0, 1000))
        .unwrap();
    eprintln!(
        "uniform noise: {} ± {} (σ = {})",
        bad.mean, bad.se, bad.sigma
    );
    assert!(bad.mean < -200.0, "noise scored {}", bad.mean);
}

#[test]
fn bad_input_is_a_typed_error() {
    let device = Backend::default_cpu().unwrap().device();
    let e = ParzenEvaluator::default();
    let s = matrix(&[0.0, 1.0, 2.0, 3.0], 2, &device);
    for sigma in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            e.evaluate_with_sigma(&s, &s, sigma).unwrap_err(),
            ParzenError::Sigma(_)
        ));
    }
    let empty = Tensor::<2>::zeros([0, 2], &device);
    assert_eq!(
        e.evaluate_with_sigma(&empty, &s, 0.5).unwrap_err(),
        ParzenError::Empty("samples")
    );
    assert_eq!(
        e.evaluate_with_sigma(&s, &empty, 0.5).unwrap_err(),
        ParzenError::Empty("test")
    );
    let wide = matrix(&[0.0; 6], 3, &device);
    assert!(matches!(
        e.evaluate_with_sigma(&s, &wide, 0.5).unwrap_err(),
        ParzenError::Width {
            expected: 2,
            actual: 3,
            ..
        }
    ));
    assert!(matches!(
        e.evaluate(&s, &wide, &s).unwrap_err(),
        ParzenError::Width {
            which: "validation",
            ..
        }
    ));
    let nan = matrix(&[0.0, f32::NAN, 1.0, 1.0], 2, &device);
    assert_eq!(
        e.evaluate_with_sigma(&nan, &s, 0.5).unwrap_err(),
        ParzenError::NotFinite("samples")
    );
    assert_eq!(
        e.evaluate_with_sigma(&s, &nan, 0.5).unwrap_err(),
        ParzenError::NotFinite("test")
    );
    let no_grid = ParzenEvaluator::new(ParzenConfig {
        sigma_grid: vec![],
        ..ParzenConfig::default()
    });
    assert!(matches!(
        no_grid.evaluate(&s, &s, &s).unwrap_err(),
        ParzenError::Config(_)
    ));
}

#[test]
fn the_default_grid_is_the_papers() {
    let g = ParzenConfig::default().sigma_grid;
    assert_eq!(g.len(), 10);
    assert!((g[0] - 0.1).abs() < 1e-15 && (g[9] - 1.0).abs() < 1e-15);
    for w in g.windows(2) {
        assert!((w[1] / w[0] - 10f64.powf(1.0 / 9.0)).abs() < 1e-12);
    }
}

/// Rows in 784-d whose nearest sample is very close (f32's `‖x‖² + ‖μ‖² − 2x·μ` keeps none of
/// those distances' digits): for every σ down to 1e-20, the answer is the float64 brute-force
/// one to 1e-4 relative, or the typed refusal; never NaN. Here nothing is refused: the nearest
/// distance is recomputed exactly and the other samples are far.
#[test]
fn small_sigma_in_784_dimensions_is_exact_or_refused() {
    let d = 784;
    // Samples: 64 rows of a fixed pseudo-random pattern in [0, 1).
    let mut state = 12345u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 40) as f32) / (1u64 << 24) as f32
    };
    let samples: Vec<f32> = (0..64 * d).map(|_| next()).collect();
    // Test rows: samples 0..16 moved by steps of 1e-3 to 1e-6 in a few pixels.
    let mut test = samples[..16 * d].to_vec();
    for (r, row) in test.chunks_mut(d).enumerate() {
        let step = 10f32.powi(-3 - (r % 4) as i32);
        for (j, v) in row.iter_mut().enumerate().take(5 + r) {
            *v += if j % 2 == 0 { step } else { -step };
        }
    }
    on_each_device(|device| {
        let (s, t) = (matrix(&samples, d, device), matrix(&test, d, device));
        for sigma in [1e-20, 1e-15, 1e-8, 1e-4, 1e-3, 1e-2, 0.05, 0.17, 1.0] {
            let reference = mean_and_se(&reference_log_likelihood(&samples, &test, d, sigma)).0;
            match ParzenEvaluator::default().log_likelihoods(&s, &t, &[sigma]) {
                Ok(ll) => {
                    let got = mean_and_se(&ll[0]).0;
                    assert!(got.is_finite(), "σ = {sigma}: {got}");
                    assert!(
                        close(got, reference, 1e-4),
                        "σ = {sigma}: {got} vs f64 {reference}"
                    );
                }
                Err(e) => panic!("σ = {sigma}: {e} (f64: {reference})"),
            }
        }
        // Past 1/(2σ²) overflowing f64: refused as an invalid σ.
        assert!(matches!(
            ParzenEvaluator::default().log_likelihoods(&s, &t, &[1e-160]),
            Err(ParzenError::Sigma(_))
        ));
    });
}

/// Two samples at nearly the same distance from every test row, closer together than f32 can
/// tell apart, at a σ that magnifies the difference: the f32 answer cannot be given to 1e-4.
/// The evaluator recomputes it exactly in f64 when that is cheap enough, and otherwise says
/// so (a typed error) instead of answering.
#[test]
fn a_sigma_single_precision_cannot_resolve_is_refused() {
    let d = 784;
    let base: Vec<f32> = (0..d).map(|j| ((j * 37) % 101) as f32 / 101.0).collect();
    // The second sample differs from the first by 2e-4 in one pixel: its squared distance to
    // the rows differs by ~4e-8, below f32's cancellation error on norms of ~250, but
    // 4e-8/(2σ²) = 0.02 nats at σ = 1e-3 is far more than 1e-4 of the small mean.
    let mut other = base.clone();
    other[0] += 2e-4;
    let samples = [base.clone(), other].concat();
    let test: Vec<f32> = base.iter().map(|v| v + 3e-4).collect();
    on_each_device(|device| {
        let (s, t) = (matrix(&samples, d, device), matrix(&test, d, device));
        // Small enough to recompute in f64 by default: answered exactly.
        let exact = ParzenEvaluator::default()
            .log_likelihoods(&s, &t, &[1e-3])
            .unwrap();
        let reference = reference_log_likelihood(&samples, &test, d, 1e-3)[0];
        assert!(
            close(exact[0][0], reference, 1e-12),
            "{} vs {reference}",
            exact[0][0]
        );
        // With no budget for that, refused.
        let result = ParzenEvaluator::new(ParzenConfig {
            exact_fallback_budget: 0,
            ..ParzenConfig::default()
        })
        .log_likelihoods(&s, &t, &[1e-3]);
        match result {
            Err(ParzenError::Precision { sigma, bound, mean }) => {
                assert_eq!(sigma, 1e-3);
                assert!(bound > 1e-4 * mean.abs().max(1.0), "{bound} {mean}");
                // The bound covers the true error.
                assert!(
                    (mean - reference).abs() <= bound,
                    "{mean} vs {reference} ± {bound}"
                );
            }
            other => panic!("not refused: {other:?} (f64: {reference})"),
        }
    });
}

/// Samples given three rows at a time, as a file would give them, or failing partway.
struct Chunked<'a> {
    rows: &'a [f32],
    d: usize,
    device: Device,
    fail_after: Option<usize>,
}

impl SampleSource for Chunked<'_> {
    fn shape(&self) -> [usize; 2] {
        [self.rows.len() / self.d, self.d]
    }

    fn for_each_chunk(
        &self,
        max_rows: usize,
        f: &mut dyn FnMut(Tensor<2>) -> Result<(), ParzenError>,
    ) -> Result<(), ParzenError> {
        for (i, chunk) in self.rows.chunks(self.d * max_rows.min(3)).enumerate() {
            if self.fail_after == Some(i) {
                return Err(ParzenError::Source("the file ended early".into()));
            }
            f(matrix(chunk, self.d, &self.device))?;
        }
        Ok(())
    }
}

#[test]
fn samples_read_a_chunk_at_a_time_give_the_f64_reference() {
    // 40 samples in 6-d, rows near them, σ from wide to tiny: chunks of three samples (each a
    // separate pass of the tiles) against the plain f64 computation on all of them.
    let d = 6;
    let samples: Vec<f32> = (0..40 * d)
        .map(|i| ((i * 37 % 101) as f32) / 50.0)
        .collect();
    let x: Vec<f32> = samples[..12 * d].iter().map(|v| v + 1e-3).collect();
    on_each_device(|device| {
        let chunked = Chunked {
            rows: &samples,
            d,
            device: device.clone(),
            fail_after: None,
        };
        let sigmas = [1.0, 0.1, 0.01];
        let ours = ParzenEvaluator::default()
            .log_likelihoods(&chunked, &matrix(&x, d, device), &sigmas)
            .unwrap();
        for (k, &sigma) in sigmas.iter().enumerate() {
            let reference = reference_log_likelihood(&samples, &x, d, sigma);
            for (a, b) in ours[k].iter().zip(&reference) {
                assert!(close(*a, *b, 1e-4), "σ = {sigma}: chunked {a} vs f64 {b}");
            }
        }
        // A source that fails partway, and a NaN in a later chunk: typed errors.
        let failing = Chunked {
            fail_after: Some(2),
            ..chunked
        };
        let err =
            ParzenEvaluator::default().log_likelihoods(&failing, &matrix(&x, d, device), &[1.0]);
        assert!(matches!(err, Err(ParzenError::Source(_))), "{err:?}");
        let mut bad = samples.clone();
        bad[30 * d] = f32::NAN;
        let nan = Chunked {
            rows: &bad,
            d,
            device: device.clone(),
            fail_after: None,
        };
        let err = ParzenEvaluator::default().log_likelihoods(&nan, &matrix(&x, d, device), &[1.0]);
        assert_eq!(err, Err(ParzenError::NotFinite("samples")));
    });
}
