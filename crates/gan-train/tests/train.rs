//! Trainer tests on small models: schedules and the momentum rule, configs, isolation of the
//! two updates, determinism, and learning (a toy Gaussian, real MNIST, the norm constraint).
//! Resume, damage and export are in `resume.rs`.

mod common;

use std::path::Path;

use burn::module::Module;
use burn::nn::LinearConfig;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use common::*;
use gan_backend::test_backends;
use gan_data::Dataset;
use gan_nn::*;
use gan_train::*;

#[test]
fn schedules_follow_the_released_rule() {
    let _rng = rng_lock();
    let rule = OptimizerConfig::paper_momentum();
    assert_eq!(rule.learning_rate_at(0), 0.1);
    assert!((rule.learning_rate_at(1000) / (0.1 / 1.000004f64.powi(1000)) - 1.0).abs() < 1e-12);
    assert_eq!(rule.learning_rate_at(10_000_000), 1e-6, "floored");
    // pylearn2's MomentumAdjustor(final 0.7, start 1, saturate 250) is called once before
    // training and after each epoch: during 0-based epoch e it has been called e + 1 times,
    // so mu = 0.5 + 0.2 * min(e / 249, 1). Values written out by hand:
    let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-12;
    assert_eq!(rule.momentum_at(0), Some(0.5));
    assert!(close(rule.momentum_at(1), 0.500_803_212_851_405_6)); // 0.5 + 0.2/249
    assert!(close(rule.momentum_at(125), 0.600_401_606_425_702_8)); // 0.5 + 25/249
    assert!(close(rule.momentum_at(248), 0.699_196_787_148_594_4)); // 0.7 - 0.2/249
    assert_eq!(rule.momentum_at(249), Some(0.7));
    assert_eq!(rule.momentum_at(900), Some(0.7));
    // gan-core 0.1's count, one epoch behind, stays selectable.
    let lagged = rule.with_momentum_count(MomentumCount::CompletedEpochs);
    assert_eq!(lagged.momentum_at(1), Some(0.5));
    assert!(close(lagged.momentum_at(2), 0.500_803_212_851_405_6));
    assert!(close(lagged.momentum_at(249), 0.699_196_787_148_594_4));
    assert_eq!(lagged.momentum_at(250), Some(0.7));
    assert_eq!(OptimizerConfig::adam(2e-4).momentum_at(3), None);

    let paper_run = RunConfig::paper_mnist();
    let ModelConfig::Mlp(paper_model) = &paper_run.model else {
        unreachable!("the paper\'s players")
    };
    assert!(paper_model.output_bias_from_marginals);
    let paper = &paper_run.train;
    assert_eq!(paper.batch_size, 100);
    assert_eq!(paper.schedule, Schedule::Simultaneous);
    assert_eq!(paper.discriminator_loss_scale, 0.5);
    assert_eq!(
        paper.loss,
        LossChoice::Builtin(gan_objective::Loss::NonSaturating)
    );
    assert_eq!(paper.regularisers, Regularisers::default());
    assert_eq!(paper.ema, None);
    assert_eq!(paper.noise, Noise::Gaussian);
    assert_eq!(paper.generator_masks, GeneratorMasks::Shared);
    let json = paper_run.to_json().unwrap();
    let back = RunConfig::<ModelConfig>::from_json(&json).unwrap();
    assert_eq!(back.to_json().unwrap(), json);
    paper.validate().unwrap();
    // Sized for other rows: only the two widths change.
    let mut narrow = RunConfig::paper_mnist_for(36);
    let ModelConfig::Mlp(model) = &mut narrow.model else {
        unreachable!("the paper\'s players")
    };
    assert_eq!(
        (model.generator.d_output, model.discriminator.d_input),
        (36, 36)
    );
    (model.generator.d_output, model.discriminator.d_input) = (784, 784);
    assert_eq!(narrow.to_json().unwrap(), json);
}

/// A config saved by gan-core 0.1 (no `generator_masks`, no `momentum_count`) loads with the
/// behaviour it was trained with, so that its run continues as it began.
#[test]
fn configs_without_the_new_fields_keep_the_old_behaviour() {
    // gan-core 0.1's flat layout: the paper's players beside the training fields.
    let paper = RunConfig::paper_mnist();
    let mut old = serde_json::to_value(&paper.train).unwrap();
    let flat = old.as_object_mut().unwrap();
    flat.remove("generator_masks");
    flat.remove("preprocessing");
    for rule in ["d_optimizer", "g_optimizer"] {
        flat[rule].as_object_mut().unwrap().remove("momentum_count");
    }
    let ModelConfig::Mlp(model) = &paper.model else {
        unreachable!("the paper\'s players")
    };
    let model = serde_json::to_value(model).unwrap();
    for (key, value) in model.as_object().unwrap() {
        flat.insert(key.clone(), value.clone());
    }
    let loaded = RunConfig::<ModelConfig>::from_json(&old.to_string()).unwrap();
    assert_eq!(loaded.train.generator_masks, GeneratorMasks::Fresh);
    assert_eq!(loaded.train.preprocessing, gan_data::Preprocessing::None);
    for rule in [loaded.train.d_optimizer, loaded.train.g_optimizer] {
        assert!(matches!(
            rule,
            OptimizerConfig::Momentum {
                momentum_count: MomentumCount::CompletedEpochs,
                ..
            }
        ));
        assert_eq!(rule.momentum_at(1), Some(0.5));
    }
    assert_eq!(
        serde_json::to_value(&loaded.model).unwrap(),
        serde_json::to_value(&paper.model).unwrap()
    );
    // The config.json gan-core 0.1 wrote for its 500,000-step paper run (kept with that run's
    // evaluations in docs/runs, as the models/mnist-paper export shipped it) reads the same way.
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/runs/gan-core-0.1-paper");
    let shipped = read_run_config::<ModelConfig>(&shipped).unwrap();
    assert_eq!(shipped.train.generator_masks, GeneratorMasks::Fresh);
    assert!(RunConfig::<ModelConfig>::from_json("{").is_err());
}

/// The output bias inverts a sigmoid on data in [0, 1]; elsewhere it is an error, not a
/// silent ±16 bias.
#[test]
fn output_bias_from_marginals_needs_a_sigmoid_on_unit_data() {
    let _rng = rng_lock();
    let device = cpu();
    let mut linear_out = toy_config(Schedule::Simultaneous);
    mlp(&mut linear_out).output_bias_from_marginals = true;
    let err = MlpTrainer::mlp(&linear_out, gaussian_data(), &device)
        .err()
        .unwrap();
    assert!(err.to_string().contains("sigmoid"), "{err}");
    let mut sigmoid_out = linear_out;
    mlp(&mut sigmoid_out).generator.output_activation = ActivationConfig::Sigmoid;
    let err = MlpTrainer::mlp(&sigmoid_out, gaussian_data(), &device)
        .err()
        .unwrap();
    assert!(err.to_string().contains("[0, 1]"), "{err}");
    let unit = Dataset::new(
        (0..4096).map(|i| (i % 7) as f32 / 6.0).collect(),
        vec![1],
        None,
    )
    .unwrap();
    MlpTrainer::mlp(&sigmoid_out, unit, &device).unwrap();
}

#[test]
fn invalid_configs_are_rejected() {
    let _rng = rng_lock();
    let device = cpu();
    let mut c = toy_config(Schedule::Alternating { k: 0 });
    assert!(matches!(
        MlpTrainer::mlp(&c.clone(), gaussian_data(), &device),
        Err(TrainError::Config(_))
    ));
    c.train.schedule = Schedule::Simultaneous;
    c.train.batch_size = 0;
    assert!(matches!(
        MlpTrainer::mlp(&c.clone(), gaussian_data(), &device),
        Err(TrainError::Config(_))
    ));
    c.train.batch_size = 10_000;
    assert!(matches!(
        MlpTrainer::mlp(&c.clone(), gaussian_data(), &device),
        Err(TrainError::Config(_))
    ));
    let mut c = toy_config(Schedule::Simultaneous);
    c.train.d_optimizer = OptimizerConfig::Momentum {
        learning_rate: 0.1,
        lr_decay: 0.5,
        min_lr: 0.0,
        momentum_start: 0.5,
        momentum_end: 0.7,
        momentum_start_epoch: 1,
        momentum_end_epoch: 2,
        momentum_count: MomentumCount::Pylearn2,
    };
    assert!(matches!(
        MlpTrainer::mlp(&c, gaussian_data(), &device),
        Err(TrainError::Config(_))
    ));
    let two_d = Dataset::new(vec![0.0; 400], vec![2], None).unwrap();
    assert!(matches!(
        MlpTrainer::mlp(&toy_config(Schedule::Simultaneous), two_d, &device),
        Err(TrainError::Config(_))
    ));
}

/// The pylearn2 momentum rule against a trajectory computed by hand in f64: one weight and one
/// bias fitting `w·x + b = y` by squared error, with η decaying and μ ramping between epochs.
#[test]
fn momentum_rule_matches_a_hand_computed_trajectory() {
    let _rng = rng_lock();
    let config = OptimizerConfig::Momentum {
        learning_rate: 0.1,
        lr_decay: 1.5,
        min_lr: 0.02,
        momentum_start: 0.5,
        momentum_end: 0.9,
        momentum_start_epoch: 1,
        momentum_end_epoch: 3,
        momentum_count: MomentumCount::Pylearn2,
    };
    let (x, y) = (2.0f64, 1.0f64);
    let epochs = [0u64, 1, 2, 2, 3, 5];
    for backend in test_backends() {
        let device = backend.autodiff_device();
        let mut layer = LinearConfig::new(1, 1)
            .with_initializer(Initializer::Constant { value: 0.3 })
            .init(&device);
        let mut rule = LearningRule::new(config);
        let (mut w, mut b, mut vw, mut vb) = (0.3f64, 0.3f64, 0.0f64, 0.0f64);
        for (step, &epoch) in epochs.iter().enumerate() {
            let input = Tensor::<2>::from_data(TensorData::new(vec![x as f32], [1, 1]), &device);
            let err = layer.forward(input).sub_scalar(y);
            let loss = (err.clone() * err).sum();
            let grads = GradientsParams::from_grads(loss.backward(), &layer);
            layer = rule.step(step as u64, epoch, layer, grads);

            let r = 2.0 * (w * x + b - y);
            let (gw, gb) = (r * x, r);
            let eta = config.learning_rate_at(step as u64);
            let mu = config.momentum_at(epoch).unwrap();
            vw = mu * vw - eta * gw;
            vb = mu * vb - eta * gb;
            w += vw;
            b += vb;
            let got_w = f64::from(values(layer.weight.val())[0]);
            let got_b = f64::from(values(layer.bias.as_ref().unwrap().val())[0]);
            assert!(
                (got_w - w).abs() < 1e-5 * w.abs().max(1.0),
                "{backend} step {step}: w {got_w} vs {w}"
            );
            assert!(
                (got_b - b).abs() < 1e-5 * b.abs().max(1.0),
                "{backend} step {step}: b {got_b} vs {b}"
            );
        }
        // η reached its floor: 0.1 / 1.5^5 < 0.02.
        assert_eq!(config.learning_rate_at(5), 0.02);
    }
}

#[test]
fn discriminator_updates_leave_the_generator_alone_and_vice_versa() {
    let _rng = rng_lock();
    for backend in test_backends() {
        let device = backend.device();
        let mut trainer = MlpTrainer::mlp(
            &toy_config(Schedule::Alternating { k: 3 }),
            gaussian_data(),
            &device,
        )
        .unwrap();
        let (g0, d0) = (params(trainer.generator()), params(trainer.discriminator()));
        trainer.discriminator_update().unwrap();
        assert_eq!(params(trainer.generator()), g0, "a D update moved G");
        let d1 = params(trainer.discriminator());
        assert_ne!(d1, d0, "a D update did not move D");
        trainer.generator_update().unwrap();
        assert_eq!(params(trainer.discriminator()), d1, "a G update moved D");
        assert_ne!(params(trainer.generator()), g0, "a G update did not move G");
    }
}

#[test]
fn same_seed_gives_bit_identical_weights_and_another_seed_does_not() {
    let _rng = rng_lock();
    for backend in test_backends() {
        let device = backend.device();
        let run = |seed: u64| {
            let mut t = MlpTrainer::mlp(
                &with_train(toy_config(Schedule::Simultaneous), |t| t.seed = seed),
                gaussian_data(),
                &device,
            )
            .unwrap();
            t.train(&Until::steps(30), &mut []).unwrap();
            (params(t.generator()), params(t.discriminator()))
        };
        let a = run(1);
        assert_eq!(a, run(1), "{backend}: same seed, different weights");
        assert_ne!(a, run(2), "{backend}: the seed changes nothing");
    }
}

/// Figure 1 in miniature: on N(3, 0.5²), G's samples move to the data's mean and spread, and D
/// ends near 1/2 on the data's support.
#[test]
fn toy_gaussian_generator_matches_the_data_and_d_tends_to_one_half() {
    let _rng = rng_lock();
    let device = cpu();
    let config = toy_config(Schedule::Alternating { k: 1 });
    let mut t = MlpTrainer::mlp(&config, gaussian_data(), &device).unwrap();
    let initial = sample_moments(&t, &device);
    t.train(&Until::steps(3000), &mut []).unwrap();
    let (mean, std) = sample_moments(&t, &device);
    eprintln!("p_g moments: initial {initial:?}, final ({mean:.3}, {std:.3}); data (3, 0.5)");
    assert!((mean - 3.0).abs() < 0.15, "mean {mean}");
    assert!((std - 0.5).abs() < 0.15, "std {std}");
    let xs: Vec<f32> = (0..41).map(|i| 2.0 + i as f32 * 0.05).collect();
    let d = t.discriminator().valid();
    let p = values(d.probability(Tensor::from_data(
        TensorData::new(xs.clone(), [41, 1]),
        &d.output.weight.val().device(),
    )));
    let worst = p.iter().map(|v| (v - 0.5).abs()).fold(0.0f32, f32::max);
    eprintln!("max |D(x) - 1/2| on [2, 4]: {worst:.3}");
    assert!(worst < 0.15, "D is not near 1/2 on the support: {worst}");
}

fn sample_moments(t: &MlpTrainer, device: &Device) -> (f64, f64) {
    device.seed(99);
    let g = t.generator().valid();
    let v: Vec<f64> = values(g.forward(Noise::Uniform.sample(4000, 4, device)))
        .iter()
        .map(|&x| f64::from(x))
        .collect();
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (
        mean,
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt(),
    )
}

/// A few hundred steps of the paper's preset on real MNIST: D's loss falls from its initial
/// value and everything stays finite.
#[test]
fn paper_preset_on_real_mnist_lowers_the_discriminator_loss() {
    let _rng = rng_lock();
    let Some(dir) = gan_data::mnist_dir_from_env() else {
        return;
    };
    let mnist = gan_data::Mnist::load(&dir).unwrap();
    let device = cpu();
    let config = with_train(RunConfig::paper_mnist(), |t| t.log_every = 50);
    let mut t = MlpTrainer::mlp(&config, mnist.train, &device).unwrap();
    let mut records = Vec::new();
    let mut collect = OnRecord(|r: &MetricsRecord| records.push(r.clone()));
    t.train(&Until::steps(300), &mut [&mut collect]).unwrap();
    assert_eq!(records.len(), 6);
    for r in &records {
        assert!(
            [r.d_loss, r.g_loss]
                .into_iter()
                .chain([r.d_real, r.d_fake, r.value].map(Option::unwrap))
                .all(f64::is_finite),
            "{r:?}"
        );
    }
    eprintln!(
        "D loss by 50 steps: {:?}",
        records.iter().map(|r| r.d_loss).collect::<Vec<_>>()
    );
    // At initialisation D(x) ≈ 1/2 everywhere: −V ≈ log 4.
    assert!((records[0].d_loss - 4f64.ln()).abs() < 0.3);
    assert!(records[5].d_loss < records[0].d_loss - 0.05, "{records:?}");
    assert!(records[5].d_real > records[5].d_fake);
    assert!(records[5].real_output > records[5].fake_output);
}

#[test]
fn max_col_norm_bounds_every_discriminator_column() {
    let _rng = rng_lock();
    let c = 0.05;
    let mut config = toy_config(Schedule::Alternating { k: 2 });
    config.train.d_optimizer = OptimizerConfig::adam(0.05);
    config.train.regularisers.max_col_norm = Some(c);
    let mut t = MlpTrainer::mlp(&config, gaussian_data(), &cpu()).unwrap();
    t.train(&Until::steps(20), &mut []).unwrap();
    let d = t.discriminator();
    let weights: Vec<Tensor<2>> = d
        .hidden
        .iter()
        .map(|l| l.linear.weight.val())
        .chain(std::iter::once(d.output.weight.val()))
        .collect();
    let mut largest = 0.0f32;
    for w in weights {
        let [rows, cols] = w.dims();
        let v = values(w);
        for j in 0..cols {
            let norm = (0..rows)
                .map(|i| v[i * cols + j].powi(2))
                .sum::<f32>()
                .sqrt();
            assert!(
                norm <= c as f32 * (1.0 + 1e-5),
                "column {j} has norm {norm} > {c}"
            );
            largest = largest.max(norm);
        }
    }
    // The constraint is active (some columns sit at the bound), not vacuous.
    assert!(largest > 0.9 * c as f32, "largest column norm {largest}");
}
