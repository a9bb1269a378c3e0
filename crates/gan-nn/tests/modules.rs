//! Device-generic tests of gan-nn: every body takes a `Device` and runs on each backend that
//! `gan_backend::test_backends()` lists (every backend compiled in: wgpu too in a `wgpu` build).

use burn::config::Config;
use burn::tensor::{Distribution, Tensor, TensorData};
use gan_backend::test_backends;
use gan_nn::*;

mod common;
use common::{on_each_device, values};

#[test]
fn maxout_matches_a_hand_computed_max_over_pieces() {
    on_each_device(|device| {
        let (d_in, units, pieces, batch) = (3, 2, 4, 5);
        let maxout = MaxoutConfig::new(d_in, units, pieces).init(device).unwrap();
        let w: Vec<f32> = (0..d_in * units * pieces)
            .map(|i| ((i * 37 % 23) as f32 - 11.0) / 7.0)
            .collect();
        let b: Vec<f32> = (0..units * pieces)
            .map(|i| (i as f32 - 3.0) / 5.0)
            .collect();
        let x: Vec<f32> = (0..batch * d_in)
            .map(|i| ((i * 13 % 11) as f32 - 5.0) / 3.0)
            .collect();
        let maxout = maxout
            .with_parameters(
                Tensor::from_data(TensorData::new(w.clone(), [d_in, units * pieces]), device),
                Tensor::from_data(TensorData::new(b.clone(), [units * pieces]), device),
            )
            .unwrap();
        let out = values(maxout.forward(Tensor::from_data(
            TensorData::new(x.clone(), [batch, d_in]),
            device,
        )));
        for r in 0..batch {
            for i in 0..units {
                let expected = (0..pieces)
                    .map(|j| {
                        let col = i * pieces + j;
                        (0..d_in)
                            .map(|k| {
                                f64::from(x[r * d_in + k]) * f64::from(w[k * units * pieces + col])
                            })
                            .sum::<f64>()
                            + f64::from(b[col])
                    })
                    .fold(f64::NEG_INFINITY, f64::max);
                let got = f64::from(out[r * units + i]);
                assert!(
                    (got - expected).abs() < 1e-5,
                    "row {r} unit {i}: {got} vs {expected}"
                );
            }
        }
        // `piece` exposes the same affine maps.
        let (w1, b1) = maxout.piece(1).unwrap();
        let err = maxout.piece(pieces).unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
        let w1 = values(w1);
        assert_eq!(w1[units + 1], w[units * pieces + pieces + 1]); // k = 1, unit 1, piece 1
        assert_eq!(values(b1)[0], b[1]);
    });
}

#[test]
fn invalid_configs_are_typed_errors() {
    let device = test_backends()[0].device();
    assert_eq!(
        MaxoutConfig::new(4, 3, 0).init(&device).unwrap_err(),
        NnError::ZeroPieces
    );
    assert!(matches!(
        MaxoutConfig::new(0, 3, 2).init(&device).unwrap_err(),
        NnError::ZeroWidth { .. }
    ));
    for keep in [0.0, -0.1, 1.5, f64::NAN] {
        assert!(matches!(
            InputDropoutConfig::new(keep, 1.0).init().unwrap_err(),
            NnError::KeepProbability(_)
        ));
    }
    for scale in [0.0, -2.0, f64::INFINITY, f64::NAN] {
        assert!(matches!(
            InputDropoutConfig::new(0.5, scale).init().unwrap_err(),
            NnError::Scale(_)
        ));
    }
    let mut d = DiscriminatorConfig::paper_mnist();
    d.input_dropout.pop();
    assert!(matches!(
        d.init(&device).unwrap_err(),
        NnError::LengthMismatch {
            expected: 3,
            actual: 2,
            ..
        }
    ));
    let mut d = DiscriminatorConfig::paper_mnist();
    d.hidden[1].num_pieces = 0;
    assert_eq!(d.init(&device).unwrap_err(), NnError::ZeroPieces);
    let mut g = GeneratorConfig::paper_mnist();
    g.hidden[0].width = 0;
    assert!(matches!(
        g.init(&device).unwrap_err(),
        NnError::ZeroWidth { .. }
    ));
    // Initializers Burn would panic on (f32 overflow, an empty range, a negative scale).
    for init in [
        Initializer::Uniform {
            min: 1.0,
            max: f64::NAN,
        },
        Initializer::Uniform {
            min: -1e300,
            max: 1.0,
        },
        Initializer::Uniform { min: 0.5, max: 0.5 },
        Initializer::Normal {
            mean: 0.0,
            std: -1.0,
        },
        Initializer::XavierUniform { gain: -1.0 },
        Initializer::KaimingNormal {
            gain: 1e300,
            fan_out_only: false,
        },
    ] {
        let g = GeneratorConfig::paper_mnist().with_init(init.clone());
        assert!(
            matches!(g.init(&device).unwrap_err(), NnError::Invalid(_)),
            "{init:?}"
        );
    }
}

#[test]
fn configs_round_trip_through_json() {
    let g = GeneratorConfig::paper_mnist();
    let g2: GeneratorConfig = serde_json::from_str(&serde_json::to_string(&g).unwrap()).unwrap();
    assert_eq!(
        serde_json::to_value(&g).unwrap(),
        serde_json::to_value(&g2).unwrap()
    );
    assert_eq!(g2.hidden.len(), 2);
    let d = DiscriminatorConfig::paper_mnist();
    let json = d.to_string();
    let d2 = DiscriminatorConfig::load_binary(json.as_bytes()).unwrap();
    assert_eq!(d2.input_dropout[0].keep_prob, 0.8);
    assert_eq!(d2.input_dropout[2].scale, 2.0);
    assert_eq!(
        serde_json::to_value(&d).unwrap(),
        serde_json::to_value(&d2).unwrap()
    );
    let n: Noise = serde_json::from_str("\"spherical\"").unwrap();
    assert_eq!(n, Noise::Spherical);
}

#[test]
fn discriminator_probability_is_the_sigmoid_of_its_deterministic_logit() {
    on_each_device(|device| {
        let cfg = DiscriminatorConfig::new(
            6,
            vec![MaxoutLayerConfig::new(4, 3)],
            vec![
                InputDropoutConfig::new(0.5, 2.0),
                InputDropoutConfig::inverted(0.5),
            ],
        )
        .with_init(Initializer::Uniform {
            min: -1.0,
            max: 1.0,
        });
        let d = cfg.init(device).unwrap();
        let x = Tensor::random([16, 6], Distribution::Uniform(-1.0, 1.0), device);
        let a = values(d.forward(x.clone()));
        assert_eq!(
            a,
            values(d.forward(x.clone())),
            "evaluation must be deterministic"
        );
        let p = values(d.probability(x.clone()));
        for (a, p) in a.iter().zip(&p) {
            let expected = 1.0 / (1.0 + (-f64::from(*a)).exp());
            assert!((f64::from(*p) - expected).abs() < 1e-6);
        }
        // Training mode applies dropout: different masks give different logits.
        let t1 = values(d.forward_train(x.clone()));
        let t2 = values(d.forward_train(x));
        assert_ne!(t1, t2);
        assert_ne!(t1, a);
    });
}

#[test]
fn dropout_keeps_at_the_configured_rate_and_scales_in_training_and_is_identity_in_eval() {
    on_each_device(|device| {
        for (keep, scale) in [(0.8, 1.25), (0.5, 2.0), (0.3, 3.0)] {
            let drop = InputDropoutConfig::new(keep, scale).init().unwrap();
            let n = 200_000usize;
            let x = Tensor::<2>::random([n / 100, 100], Distribution::Uniform(0.5, 1.5), device);
            let xs = values(x.clone());
            assert_eq!(
                values(drop.forward(x.clone())),
                xs,
                "eval must be exactly the identity"
            );
            let y = values(drop.forward_train(x));
            let mut kept = 0usize;
            for (xi, yi) in xs.iter().zip(&y) {
                if *yi != 0.0 {
                    kept += 1;
                    let rel =
                        (f64::from(*yi) - f64::from(*xi) * scale).abs() / (f64::from(*xi) * scale);
                    assert!(rel < 1e-6, "kept value {yi} is not {xi} x {scale}");
                }
            }
            let rate = kept as f64 / n as f64;
            let sd = (keep * (1.0 - keep) / n as f64).sqrt();
            assert!(
                (rate - keep).abs() < 5.0 * sd,
                "keep rate {rate} vs {keep} (5 sd = {})",
                5.0 * sd
            );
        }
    });
}

#[test]
fn output_bias_from_marginals_reproduces_the_marginals_through_the_sigmoid() {
    on_each_device(|device| {
        let g = GeneratorConfig::new(
            3,
            vec![HiddenLayerConfig::new(4, ActivationConfig::Tanh)],
            5,
        )
        .init(device)
        .unwrap();
        let marginals = [0.0f32, 0.25, 0.5, 0.9, 1.0];
        let eps = 1e-3;
        let g = g.with_output_bias_from_marginals(&marginals, eps).unwrap();
        let bias = values(g.layers[1].bias.as_ref().unwrap().val());
        for (p, b) in marginals.iter().zip(&bias) {
            let clipped = f64::from(*p).clamp(eps, 1.0 - eps);
            let back = 1.0 / (1.0 + (-f64::from(*b)).exp());
            assert!((back - clipped).abs() < 1e-6, "{p}: sigmoid({b}) = {back}");
        }
        assert!(matches!(
            g.clone().with_output_bias_from_marginals(&[0.5; 4], eps),
            Err(NnError::Shape { .. })
        ));
        assert!(
            g.with_output_bias_from_marginals(&[f32::NAN; 5], eps)
                .is_err()
        );
    });
}

#[test]
fn generator_activations_are_configurable() {
    on_each_device(|device| {
        for (act, check) in [
            (
                ActivationConfig::Relu,
                (|v: f32| v >= 0.0) as fn(f32) -> bool,
            ),
            (ActivationConfig::Sigmoid, |v| (0.0..=1.0).contains(&v)),
            (ActivationConfig::Tanh, |v| (-1.0..=1.0).contains(&v)),
        ] {
            let g = GeneratorConfig::new(2, vec![], 50)
                .with_output_activation(act)
                .with_init(Initializer::Uniform {
                    min: -3.0,
                    max: 3.0,
                })
                .init(device)
                .unwrap();
            let out = values(g.forward(Tensor::random(
                [20, 2],
                Distribution::Normal(0.0, 3.0),
                device,
            )));
            assert!(out.iter().all(|&v| check(v)));
        }
        // Identity (linear) output leaves values unbounded: some exceed 1 in magnitude.
        let g = GeneratorConfig::new(2, vec![], 50)
            .with_output_activation(ActivationConfig::Identity)
            .with_init(Initializer::Uniform {
                min: -3.0,
                max: 3.0,
            })
            .init(device)
            .unwrap();
        let out = values(g.forward(Tensor::random(
            [20, 2],
            Distribution::Normal(0.0, 3.0),
            device,
        )));
        assert!(out.iter().any(|v| v.abs() > 1.0));
    });
}

#[test]
fn noise_priors_have_their_moments_and_supports() {
    on_each_device(|device| {
        let (n, dim) = (4000, 50);
        let stats = |v: &[f32]| {
            let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len() as f64;
            let var = v
                .iter()
                .map(|&x| (f64::from(x) - mean).powi(2))
                .sum::<f64>()
                / v.len() as f64;
            (mean, var)
        };
        for noise in [Noise::Gaussian, Noise::Uniform] {
            let z = Noise::sample(noise, n, dim, device);
            assert_eq!(z.dims(), [n, dim]);
            let v = values(z);
            let (mean, var) = stats(&v);
            assert!(mean.abs() < 0.01, "{noise:?} mean {mean}");
            assert!((var - 1.0).abs() < 0.02, "{noise:?} var {var}");
            if noise == Noise::Uniform {
                assert!(v.iter().all(|x| x.abs() <= 3f32.sqrt() + 1e-6));
            }
        }
        let z = values(Noise::Spherical.sample(100, dim, device));
        for row in z.chunks(dim) {
            let norm: f64 = row
                .iter()
                .map(|&x| f64::from(x).powi(2))
                .sum::<f64>()
                .sqrt();
            assert!((norm - 1.0).abs() < 1e-5);
        }
    });
}

/// Every float parameter of a module, flattened, in visiting order.
struct Parameters(Vec<Vec<f32>>);

impl burn::module::ModuleVisitor for Parameters {
    fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
        self.0.push(values(param.val()));
    }
}

#[test]
fn encoder_computes_relu_layers_then_a_linear_output() {
    on_each_device(|device| {
        let encoder = EncoderConfig::new(4, 2)
            .with_hidden(vec![3])
            .init(device)
            .unwrap();
        assert_eq!((encoder.d_input(), encoder.d_latent()), (4, 2));
        let x: Vec<f32> = (0..8).map(|i| (i as f32 - 3.5) / 2.0).collect();
        let input = Tensor::from_data(TensorData::new(x.clone(), [2, 4]), device);
        let z = values(encoder.forward(input));
        // The same layers by hand from the module's parameters: w1 [4, 3], b1, w2 [3, 2], b2.
        let mut params = Parameters(Vec::new());
        burn::module::Module::visit(&encoder, &mut params);
        let [w1, b1, w2, b2] = <[Vec<f32>; 4]>::try_from(params.0).unwrap();
        for row in 0..2 {
            let h: Vec<f32> = (0..3)
                .map(|j| {
                    let pre: f32 = (0..4).map(|i| x[row * 4 + i] * w1[i * 3 + j]).sum();
                    (pre + b1[j]).max(0.0)
                })
                .collect();
            for k in 0..2 {
                let expected = b2[k] + (0..3).map(|j| h[j] * w2[j * 2 + k]).sum::<f32>();
                let got = z[row * 2 + k];
                assert!((got - expected).abs() < 1e-5, "{got} vs {expected}");
            }
        }
        assert!(EncoderConfig::new(0, 2).init(device).is_err());
        let zero_hidden = EncoderConfig::new(4, 2).with_hidden(vec![3, 0]);
        assert!(zero_hidden.init(device).is_err());
    });
}
