//! The configured parts of a run: the average of G against a hand-computed average of the
//! parameter trajectory, losses chosen by name and their statistics, a loss supplied in code
//! and recorded by name, configs written before the parts existed, and the paper preset's
//! first metrics record unchanged from the shipped run's.

mod common;

use burn::tensor::Tensor;
use common::*;
use gan_objective::{AdversarialLoss, Loss};
use gan_train::*;

#[test]
fn the_generator_average_is_the_hand_computed_average_of_the_trajectory() {
    let _rng = rng_lock();
    // A fixed decay after a copying start; then StyleGAN2's ramp-up, whose horizon
    // 0.5 · (steps averaged) holds β at 0, 0, 1/3, 1/2, 0.6, 2/3, ... until it reaches 0.8.
    average_matches_hand_computation(0.8, 3, None, |step| if step <= 3 { 0.0 } else { 0.8 });
    average_matches_hand_computation(0.8, 1, Some(0.5), |step| {
        let horizon = 0.5 * (step - 1) as f64;
        if horizon <= 1.0 {
            0.0
        } else {
            (1.0 - 1.0 / horizon).min(0.8)
        }
    });
}

fn average_matches_hand_computation(
    decay: f64,
    start: u64,
    rampup: Option<f64>,
    keep: impl Fn(u64) -> f64,
) {
    let config = with_train(toy_config(Schedule::Alternating { k: 1 }), |t| {
        t.ema = Some(EmaConfig {
            decay,
            start_step: start,
            rampup,
        });
        t.d_optimizer = OptimizerConfig::adam(1e-2);
        t.g_optimizer = OptimizerConfig::adam(1e-2);
    });
    let mut t = MlpTrainer::mlp(&config, gaussian_data(), &cpu()).unwrap();
    let mut expected: Vec<f64> = Vec::new();
    for step in 1..=12u64 {
        t.step().unwrap();
        let theta: Vec<f64> = params(t.generator()).into_iter().map(f64::from).collect();
        let beta = keep(step);
        expected = if beta == 0.0 {
            theta
        } else {
            expected
                .iter()
                .zip(&theta)
                .map(|(e, p)| beta * e + (1.0 - beta) * p)
                .collect()
        };
    }
    let got = params(t.generator_average().unwrap());
    let raw = params(t.generator());
    assert_eq!(got.len(), expected.len());
    let mut largest_gap = 0f64;
    for ((g, e), r) in got.iter().zip(&expected).zip(&raw) {
        assert!(
            (f64::from(*g) - e).abs() < 1e-5 * (1.0 + e.abs()),
            "{g} vs {e}"
        );
        largest_gap = largest_gap.max((f64::from(*r) - e).abs());
    }
    assert!(largest_gap > 1e-3, "the average equals the raw weights");
    // Sampling uses the average.
    assert_eq!(params(&t.sampling_generator()), got);
}

#[test]
fn the_average_and_spectral_vectors_are_checkpointed_and_resume_exactly() {
    let _rng = rng_lock();
    for schedule in [Schedule::Alternating { k: 2 }, Schedule::Simultaneous] {
        resumes_exactly_with_every_part(schedule);
    }
}

fn resumes_exactly_with_every_part(schedule: Schedule) {
    let config = with_train(toy_config(schedule), |t| {
        t.loss = Loss::Hinge.into();
        t.ema = Some(EmaConfig::new(0.9));
        t.regularisers.spectral_norm = true;
        t.regularisers.r1 = Some(1.0);
        t.regularisers.instance_noise = Some(0.05);
        t.feature_matching = Some(0.5);
        t.log_every = 10;
        t.checkpoint = CheckpointConfig::new()
            .with_every_steps(Some(10))
            .with_every_minutes(None);
    });
    let straight = tempfile::tempdir().unwrap();
    let mut s =
        MlpTrainer::create_mlp_run(&config, gaussian_data(), &cpu(), straight.path()).unwrap();
    s.train(&Until::steps(30), &mut []).unwrap();

    let split = tempfile::tempdir().unwrap();
    let mut t = MlpTrainer::create_mlp_run(&config, gaussian_data(), &cpu(), split.path()).unwrap();
    t.train(&Until::steps(20), &mut []).unwrap();
    drop(t);
    let (mut t, info) = MlpTrainer::resume_mlp(split.path(), gaussian_data(), &cpu()).unwrap();
    assert_eq!(info.step, 20);
    t.train(&Until::steps(30), &mut []).unwrap();
    assert_eq!(params(t.generator()), params(s.generator()));
    assert_eq!(params(t.discriminator()), params(s.discriminator()));
    assert_eq!(
        params(t.generator_average().unwrap()),
        params(s.generator_average().unwrap())
    );
    let vectors = |t: &MlpTrainer| t.spectral_norm().unwrap().to_bytes().unwrap();
    assert_eq!(vectors(&t), vectors(&s));
    // The hinge loss logs D's raw outputs and no probabilities; the penalty is logged.
    let records = read_metrics(&split.path().join(METRICS_FILE)).unwrap();
    let last = records.last().unwrap();
    assert!(last.d_real.is_none() && last.value.is_none());
    assert!(last.real_output.is_some() && last.d_penalty.is_some_and(|p| p > 0.0));
    // The run's generator loads as its average by default, and raw on request.
    let g = mlp_generator(split.path(), &cpu());
    assert_eq!(params(&g), params(t.generator_average().unwrap()));
    let ModelConfig::Mlp(model) = &config.model else {
        unreachable!("the toy config's players are the paper's")
    };
    let raw = load_generator_weights(
        split.path(),
        model.generator.init(&cpu()).unwrap(),
        GeneratorWeights::Raw,
    )
    .unwrap();
    assert_eq!(params(&raw), params(t.generator()));
}

/// Twice the hinge loss, under a name of its own.
struct DoubleHinge;

impl AdversarialLoss for DoubleHinge {
    fn name(&self) -> String {
        "double_hinge".into()
    }
    fn discriminator(&self, real: Tensor<2>, fake: Tensor<2>) -> Tensor<1> {
        Loss::Hinge.discriminator(real, fake).mul_scalar(2.0)
    }
    fn generator(&self, fake: Tensor<2>) -> Tensor<1> {
        AdversarialLoss::generator(&Loss::Hinge, fake).mul_scalar(2.0)
    }
}

#[test]
fn a_loss_supplied_in_code_is_recorded_and_must_be_supplied_again() {
    let _rng = rng_lock();
    let config = toy_config(Schedule::Alternating { k: 1 });
    let dir = tempfile::tempdir().unwrap();
    let mut t = MlpTrainer::mlp(&config, gaussian_data(), &cpu())
        .unwrap()
        .with_loss(DoubleHinge)
        .create_run(dir.path(), &config.model)
        .unwrap();
    t.train(&Until::steps(5), &mut []).unwrap();
    drop(t);
    let saved = read_run_config::<ModelConfig>(dir.path()).unwrap();
    assert_eq!(
        saved.train.loss,
        LossChoice::Custom {
            custom: "double_hinge".into()
        }
    );
    let missing = MlpTrainer::resume_mlp(dir.path(), gaussian_data(), &cpu());
    assert!(
        matches!(missing, Err(TrainError::LossNotSupplied { ref name }) if name == "double_hinge"),
        "{:?}",
        missing.err()
    );
    let mut bare = MlpTrainer::mlp(&saved, gaussian_data(), &cpu()).unwrap();
    assert!(matches!(
        bare.step(),
        Err(TrainError::LossNotSupplied { .. })
    ));
    let mut other = bare.with_loss(Loss::Hinge);
    assert!(matches!(
        other.resume_run(dir.path()),
        Err(TrainError::LossMismatch { .. })
    ));
    let mut same = MlpTrainer::mlp(&saved, gaussian_data(), &cpu())
        .unwrap()
        .with_loss(DoubleHinge);
    assert_eq!(same.resume_run(dir.path()).unwrap().step, 5);
    same.step().unwrap();
}

#[test]
fn configs_name_their_parts_and_older_configs_keep_their_behaviour() {
    // Before losses and regularisers were configured parts.
    let mut old = serde_json::to_value(RunConfig::paper_mnist()).unwrap();
    let train = old["train"].as_object_mut().unwrap();
    train.remove("loss");
    train.remove("regularisers");
    train.remove("ema");
    train.insert("generator_loss".into(), "minimax".into());
    train.insert("max_col_norm".into(), 1.9365.into());
    let read = RunConfig::<ModelConfig>::from_json(&old.to_string()).unwrap();
    assert_eq!(read.train.loss, LossChoice::Builtin(Loss::Minimax));
    assert_eq!(read.train.regularisers.max_col_norm, Some(1.9365));
    assert!(!read.train.regularisers.spectral_norm && read.train.ema.is_none());

    // Each part by name in JSON.
    let mut config = TrainConfig::paper_mnist();
    config.loss = Loss::LeastSquares.into();
    config.regularisers.gp = Some(10.0);
    config.ema = Some(EmaConfig::new(0.999));
    let json = serde_json::to_value(&config).unwrap();
    assert_eq!(json["loss"], "least_squares");
    assert_eq!(json["regularisers"]["gp"], 10.0);
    assert_eq!(json["ema"]["decay"], 0.999);

    // What cannot train is refused.
    let invalid = |f: &dyn Fn(&mut TrainConfig)| {
        let mut c = TrainConfig::paper_mnist();
        f(&mut c);
        c.validate().is_err()
    };
    assert!(invalid(&|c| c.loss = Loss::Wasserstein.into()));
    assert!(!invalid(&|c| {
        c.loss = Loss::Wasserstein.into();
        c.regularisers.spectral_norm = true;
    }));
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(invalid(&|c| c.regularisers.r1 = Some(bad)), "{bad}");
        assert!(invalid(&|c| c.regularisers.instance_noise = Some(bad)));
        assert!(invalid(&|c| c.ema = Some(EmaConfig::new(bad))));
    }
    assert!(invalid(&|c| c.ema = Some(EmaConfig::new(1.0))));
    for bad in [0.0, -0.5, 1.5, f64::NAN] {
        let ramped = EmaConfig {
            rampup: Some(bad),
            ..EmaConfig::new(0.99)
        };
        assert!(invalid(&|c| c.ema = Some(ramped)), "{bad}");
    }
    assert!(invalid(&|c| {
        c.loss = LossChoice::Custom { custom: " ".into() }
    }));
}

/// The paper preset trained from scratch by this code for 100 steps logs, to the last digit,
/// the first record of the shipped run (trained by gan-core before losses, regularisers and
/// averages were configured parts).
#[test]
fn the_paper_preset_logs_the_shipped_runs_first_record() {
    let _rng = rng_lock();
    let Some(mnist_dir) = gan_data::mnist_dir_from_env() else {
        return;
    };
    let run = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/mnist-paper/run");
    let config = read_run_config::<ModelConfig>(&run).unwrap();
    let shipped = read_metrics(&run.join(METRICS_FILE)).unwrap()[0].clone();
    assert_eq!(shipped.step, 100);
    let mnist = gan_data::Mnist::load(&mnist_dir).unwrap();
    let device = gan_backend::Backend::Flex.device();
    let mut t = MlpTrainer::mlp(&config, mnist.train, &device).unwrap();
    let mut records = Vec::new();
    let mut collect = OnRecord(|r: &MetricsRecord| records.push(r.clone()));
    t.train(&Until::steps(100), &mut [&mut collect]).unwrap();
    let ours = &records[0];
    let fields = |r: &MetricsRecord| {
        (
            r.step,
            r.epoch,
            r.learning_rate,
            r.momentum,
            r.d_loss,
            r.g_loss,
            r.d_real,
            r.d_fake,
            r.value,
            r.steps_averaged,
        )
    };
    assert_eq!(fields(ours), fields(&shipped));
}

/// A checkpoint records the training config that wrote it, and resuming under another one
/// (an edited `config.json`) is refused, naming the field; the cadences may change.
#[test]
fn resuming_under_an_edited_training_config_names_the_field() {
    let _rng = rng_lock();
    let config = with_train(toy_config(Schedule::Alternating { k: 1 }), |t| {
        t.d_optimizer = OptimizerConfig::paper_momentum();
    });
    let dir = tempfile::tempdir().unwrap();
    let mut t = MlpTrainer::create_mlp_run(&config, gaussian_data(), &cpu(), dir.path()).unwrap();
    t.train(&Until::steps(3), &mut []).unwrap();
    drop(t);
    let edited = |f: &dyn Fn(&mut TrainConfig)| {
        let mut c = config.clone();
        f(&mut c.train);
        let mut t = MlpTrainer::mlp(&c, gaussian_data(), &cpu()).unwrap();
        t.resume_run(dir.path()).map(|_| ())
    };
    let err = edited(&|t| t.d_optimizer = OptimizerConfig::adam(1e-3)).unwrap_err();
    assert!(err.to_string().contains("train.d_optimizer"), "{err}");
    let err = edited(&|t| t.regularisers.r2 = Some(1.0)).unwrap_err();
    assert!(err.to_string().contains("train.regularisers.r2"), "{err}");
    edited(&|t| t.log_every = 7).unwrap();
}
