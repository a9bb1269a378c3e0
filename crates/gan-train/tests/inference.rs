//! Learned inference on small generators: the encoder learns to invert a fixed generator, the
//! refinement reaches the least-squares codes of a linear generator (solved independently in
//! float64), rows are refined independently, and stored encoders are guarded by checksums.

use burn::module::Param;
use burn::nn::Initializer;
use burn::tensor::{Device, Distribution, Tensor, TensorData};
use gan_backend::Backend;
use gan_nn::*;
use gan_train::*;

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap()
}

fn cpu() -> Device {
    Backend::default_cpu().unwrap().device()
}

/// G: 4 → 32 ReLU → 12 sigmoid, weights U(−1, 1) so that the map is far from constant.
fn small_generator(device: &Device, seed: u64) -> Generator {
    device.seed(seed);
    GeneratorConfig::new(
        4,
        vec![HiddenLayerConfig::new(32, ActivationConfig::Relu)],
        12,
    )
    .with_init(Initializer::Uniform {
        min: -1.0,
        max: 1.0,
    })
    .init(device)
    .unwrap()
}

fn encoder_config() -> EncoderConfig {
    EncoderConfig::new(12, 4).with_hidden(vec![64, 64])
}

fn training(steps: usize) -> InferenceTraining {
    InferenceTraining {
        steps,
        batch_size: 64,
        learning_rate: 3e-3,
        seed: 3,
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn the_encoder_inverts_a_small_generator_better_than_random_codes() {
    let device = cpu();
    let g = small_generator(&device, 1);
    let encoder = train_encoder(
        &g,
        Noise::Gaussian,
        &encoder_config(),
        training(1500),
        &device,
        |_, _| {},
    )
    .unwrap();
    device.seed(99);
    let z = Noise::Gaussian.sample(500, 4, &device);
    let x = g.forward(z.clone());
    let guess = encoder.forward(x.clone());
    // The codes themselves: far nearer than the prior's unit variance.
    let code_error = mean(&row_errors(guess.clone(), z));
    assert!(code_error < 0.25, "code error {code_error}");
    // And the reconstructions beat those of random codes by a wide margin.
    let inferred = mean(&row_errors(g.forward(guess.clone()), x.clone()));
    let random = mean(&row_errors(
        g.forward(Noise::Gaussian.sample(500, 4, &device)),
        x.clone(),
    ));
    assert!(
        inferred < 0.25 * random,
        "inferred {inferred} vs random {random}"
    );
    // Refinement lowers the error further.
    let refinement = Refinement {
        steps: 100,
        learning_rate: 0.02,
    };
    let refined = infer_codes(&g, &encoder, Noise::Gaussian, x.clone(), refinement).unwrap();
    let refined_error = mean(&row_errors(g.forward(refined), x));
    assert!(
        refined_error < inferred,
        "refined {refined_error} vs guess {inferred}"
    );
}

/// Solves `a · y = b` (n × n, float64) by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap();
        a.swap(col, pivot);
        b.swap(col, pivot);
        let pivot_row = a[col].clone();
        for row in col + 1..n {
            let f = a[row][col] / pivot_row[col];
            for (value, above) in a[row].iter_mut().zip(&pivot_row).skip(col) {
                *value -= f * above;
            }
            b[row] -= f * b[col];
        }
    }
    let mut y = vec![0.0; n];
    for row in (0..n).rev() {
        let rest: f64 = (row + 1..n).map(|k| a[row][k] * y[k]).sum();
        y[row] = (b[row] - rest) / a[row][row];
    }
    y
}

#[test]
fn refinement_reaches_the_least_squares_codes_of_a_linear_generator() {
    let device = cpu();
    let (dz, dx, n) = (3, 8, 4);
    let mut g = GeneratorConfig::new(dz, vec![], dx)
        .with_output_activation(ActivationConfig::Identity)
        .init(&device)
        .unwrap();
    let w: Vec<f32> = (0..dz * dx)
        .map(|i| ((i * 7 % 11) as f32 - 5.0) / 4.0)
        .collect();
    let b: Vec<f32> = (0..dx).map(|i| (i as f32 - 3.0) / 10.0).collect();
    g.layers[0].weight = Param::from_tensor(Tensor::from_data(
        TensorData::new(w.clone(), [dz, dx]),
        &device,
    ));
    g.layers[0].bias = Some(Param::from_tensor(Tensor::from_data(
        TensorData::new(b.clone(), [dx]),
        &device,
    )));
    device.seed(5);
    let x = Tensor::<2>::random([n, dx], Distribution::Normal(0.0, 1.0), &device);
    let refinement = Refinement {
        steps: 3000,
        learning_rate: 0.01,
    };
    let start = Tensor::zeros([n, dz], &device);
    let z = values(refine_codes(&g, Noise::Gaussian, x.clone(), start, refinement).unwrap());
    // The normal equations (W Wᵀ) z = W (x − b), per row, in float64.
    let xs = values(x);
    let gram: Vec<Vec<f64>> = (0..dz)
        .map(|i| {
            (0..dz)
                .map(|j| {
                    (0..dx)
                        .map(|k| f64::from(w[i * dx + k]) * f64::from(w[j * dx + k]))
                        .sum()
                })
                .collect()
        })
        .collect();
    for row in 0..n {
        let rhs: Vec<f64> = (0..dz)
            .map(|i| {
                (0..dx)
                    .map(|k| f64::from(w[i * dx + k]) * f64::from(xs[row * dx + k] - b[k]))
                    .sum()
            })
            .collect();
        let expected = solve(gram.clone(), rhs);
        for i in 0..dz {
            let got = f64::from(z[row * dz + i]);
            assert!(
                (got - expected[i]).abs() < 5e-3,
                "row {row} code {i}: {got} vs {expected:?}"
            );
        }
    }
}

#[test]
fn rows_are_refined_independently_and_codes_stay_in_the_prior_support() {
    let device = cpu();
    let g = small_generator(&device, 2);
    device.seed(8);
    let x = Tensor::<2>::random([3, 12], Distribution::Uniform(0.0, 1.0), &device);
    let start = Tensor::<2>::random([3, 4], Distribution::Uniform(-1.0, 1.0), &device);
    let refinement = Refinement {
        steps: 50,
        learning_rate: 0.5,
    };
    let together =
        values(refine_codes(&g, Noise::Uniform, x.clone(), start.clone(), refinement).unwrap());
    let alone = values(
        refine_codes(
            &g,
            Noise::Uniform,
            x.narrow(0, 1, 1),
            start.narrow(0, 1, 1),
            refinement,
        )
        .unwrap(),
    );
    for i in 0..4 {
        assert!(
            (together[4 + i] - alone[i]).abs() < 1e-5,
            "{together:?} vs {alone:?}"
        );
    }
    let bound = 3f32.sqrt();
    assert!(
        together.iter().all(|v| v.abs() <= bound + 1e-6),
        "{together:?}"
    );
    let bad = Refinement {
        steps: 5,
        learning_rate: f64::NAN,
    };
    assert!(
        refine_codes(
            &g,
            Noise::Uniform,
            Tensor::zeros([1, 12], &device),
            Tensor::zeros([1, 4], &device),
            bad
        )
        .is_err()
    );
}

fn manifest(g: &Generator, precision: Precision) -> InferenceManifest {
    InferenceManifest {
        encoder: encoder_config(),
        training: training(10),
        noise: Noise::Gaussian,
        refinement: Refinement::default(),
        precision,
        generator_sha256: generator_fingerprint(g).unwrap(),
        sha256: String::new(),
    }
}

#[test]
fn a_stored_encoder_loads_for_its_generator_only() {
    let device = cpu();
    let dir = tempfile::tempdir().unwrap();
    let g = small_generator(&device, 1);
    let encoder = train_encoder(
        &g,
        Noise::Gaussian,
        &encoder_config(),
        training(10),
        &device,
        |_, _| {},
    )
    .unwrap();
    device.seed(4);
    let x = Tensor::<2>::random([5, 12], Distribution::Uniform(0.0, 1.0), &device);
    let before = values(encoder.forward(x.clone()));
    for precision in [Precision::F32, Precision::F16] {
        save_encoder(dir.path(), &encoder, manifest(&g, precision)).unwrap();
        let (loaded, read) = load_encoder(dir.path(), &g, &device).unwrap();
        assert_eq!(read.precision, precision);
        let after = values(loaded.forward(x.clone()));
        let tolerance = if precision == Precision::F32 {
            0.0
        } else {
            1e-2
        };
        for (p, q) in before.iter().zip(&after) {
            assert!((p - q).abs() <= tolerance, "{precision:?}: {p} vs {q}");
        }
    }
    // Another generator: refused, by the checksum of its weights.
    let other = small_generator(&device, 2);
    assert_ne!(
        generator_fingerprint(&other).unwrap(),
        generator_fingerprint(&g).unwrap()
    );
    let refused = load_encoder(dir.path(), &other, &device).unwrap_err();
    assert!(matches!(refused, TrainError::Inference { .. }), "{refused}");
    assert!(
        refused.to_string().contains("another generator"),
        "{refused}"
    );
    // A damaged weights file, a missing one, and a directory without an encoder.
    let weights = dir.path().join(INFERENCE_FILE);
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&weights, &bytes).unwrap();
    assert!(
        load_encoder(dir.path(), &g, &device)
            .unwrap_err()
            .to_string()
            .contains("checksum")
    );
    std::fs::remove_file(&weights).unwrap();
    assert!(load_encoder(dir.path(), &g, &device).is_err());
    let empty = tempfile::tempdir().unwrap();
    assert!(
        load_encoder(empty.path(), &g, &device)
            .unwrap_err()
            .to_string()
            .contains("train-inference")
    );
}

#[test]
fn training_refuses_bad_settings() {
    let device = cpu();
    let g = small_generator(&device, 1);
    let wrong_width = EncoderConfig::new(12, 5);
    assert!(
        train_encoder(
            &g,
            Noise::Gaussian,
            &wrong_width,
            training(1),
            &device,
            |_, _| {}
        )
        .is_err()
    );
    let wrong_input = EncoderConfig::new(13, 4);
    assert!(
        train_encoder(
            &g,
            Noise::Gaussian,
            &wrong_input,
            training(1),
            &device,
            |_, _| {}
        )
        .is_err()
    );
    for bad in [
        InferenceTraining {
            steps: 0,
            ..training(1)
        },
        InferenceTraining {
            batch_size: 0,
            ..training(1)
        },
        InferenceTraining {
            learning_rate: 0.0,
            ..training(1)
        },
        InferenceTraining {
            learning_rate: f64::INFINITY,
            ..training(1)
        },
    ] {
        assert!(
            train_encoder(
                &g,
                Noise::Gaussian,
                &encoder_config(),
                bad,
                &device,
                |_, _| {}
            )
            .is_err()
        );
    }
}

#[test]
fn nearest_sample_errors_match_a_brute_force_search() {
    let device = cpu();
    device.seed(6);
    let images = Tensor::<2>::random([7, 5], Distribution::Uniform(0.0, 1.0), &device);
    let samples = Tensor::<2>::random([40, 5], Distribution::Uniform(0.0, 1.0), &device);
    let got = nearest_sample_errors(images.clone(), samples.clone());
    let (x, s) = (values(images), values(samples));
    for i in 0..7 {
        let best = (0..40)
            .map(|j| {
                (0..5)
                    .map(|k| f64::from(x[i * 5 + k] - s[j * 5 + k]).powi(2))
                    .sum::<f64>()
                    / 5.0
            })
            .fold(f64::INFINITY, f64::min);
        assert!((got[i] - best).abs() < 1e-5, "{} vs {best}", got[i]);
    }
}
