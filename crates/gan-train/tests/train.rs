//! Trainer tests on small models: schedules, isolation of the two updates, determinism,
//! resume (also after SIGKILL), damaged checkpoints, divergence, and learning on real data.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use burn::module::{Module, Param};
use burn::nn::{Initializer, LinearConfig};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use gan_backend::{Backend, test_backends};
use gan_data::Dataset;
use gan_data::toy::{Gaussian1d, ToyDistribution};
use gan_nn::*;
use gan_train::*;

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap()
}

/// Every parameter of a module, flattened, for bit-exact comparisons.
fn params<M: Module>(m: &M) -> Vec<f32> {
    struct Collect(Vec<f32>);
    impl burn::module::ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            self.0.extend(values(p.val()));
        }
    }
    let mut c = Collect(Vec::new());
    m.visit(&mut c);
    c.0
}

/// The backends' random generators are process-wide (one per device): a test that depends on
/// the exact sequence of draws (same seed, same weights; exact resume) would see the draws of
/// tests running beside it on other threads. Every test here that draws holds this lock.
fn rng_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn cpu() -> Device {
    Backend::default_cpu().unwrap().device()
}

/// A small GAN on 1-D data: G 4 → 16 → 16 → 1 (linear output), D maxout 1 → 16×4 → 16×4 → 1.
fn toy_config(schedule: Schedule) -> RunConfig {
    let generator = GeneratorConfig::new(
        4,
        vec![
            HiddenLayerConfig::new(16, ActivationConfig::Relu),
            HiddenLayerConfig::new(16, ActivationConfig::Relu),
        ],
        1,
    )
    .with_output_activation(ActivationConfig::Identity)
    .with_init(Initializer::Uniform {
        min: -0.5,
        max: 0.5,
    });
    let discriminator = DiscriminatorConfig::new(
        1,
        vec![MaxoutLayerConfig::new(16, 4), MaxoutLayerConfig::new(16, 4)],
        vec![
            InputDropoutConfig::none(),
            InputDropoutConfig::none(),
            InputDropoutConfig::none(),
        ],
    )
    .with_init(Initializer::Uniform {
        min: -0.3,
        max: 0.3,
    });
    RunConfig {
        model: ModelConfig::Mlp(
            MlpGanConfig::new(generator, discriminator).with_output_bias_from_marginals(false),
        ),
        train: TrainConfig::new(OptimizerConfig::adam(1e-3), OptimizerConfig::adam(1e-3))
            .with_schedule(schedule)
            .with_noise(Noise::Uniform)
            .with_batch_size(64)
            .with_seed(11)
            .with_log_every(50),
    }
}

/// `c` with its training config changed by `f`.
fn with_train(mut c: RunConfig, f: impl FnOnce(&mut TrainConfig)) -> RunConfig {
    f(&mut c.train);
    c
}

/// The paper-architecture players of `c`.
fn mlp(c: &mut RunConfig) -> &mut MlpGanConfig {
    let ModelConfig::Mlp(m) = &mut c.model else {
        unreachable!("the paper\'s players")
    };
    m
}

/// The paper-architecture generator of a run or export.
fn mlp_generator(dir: &Path, device: &Device) -> Generator {
    match load_generator(dir, device).unwrap() {
        BuiltinGenerator::Mlp(g) => g,
        other => panic!("not the paper's generator: {other:?}"),
    }
}

fn gaussian_data() -> Dataset {
    Gaussian1d::new(3.0, 0.5).unwrap().sample(4096, 5).unwrap()
}

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
        paper.generator_loss,
        gan_objective::GeneratorLoss::NonSaturating
    );
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

fn train_to(config: &RunConfig, run_dir: &Path, steps: u64) -> (Vec<f32>, Vec<f32>) {
    let mut t =
        MlpTrainer::create_mlp_run(&config.clone(), gaussian_data(), &cpu(), run_dir).unwrap();
    t.train(&Until::steps(steps), &mut []).unwrap();
    (params(t.generator()), params(t.discriminator()))
}

#[test]
fn resume_continues_exactly_and_metrics_read_as_one_run() {
    let _rng = rng_lock();
    for schedule in [Schedule::Simultaneous, Schedule::Alternating { k: 2 }] {
        let mut config = toy_config(schedule);
        config.train.d_optimizer = OptimizerConfig::paper_momentum();
        config.train.checkpoint = CheckpointConfig::new()
            .with_every_steps(Some(25))
            .with_every_minutes(None)
            .with_keep_last(2);
        let straight = tempfile::tempdir().unwrap();
        let expected = train_to(&config, straight.path(), 100);

        let split = tempfile::tempdir().unwrap();
        let mut t =
            MlpTrainer::create_mlp_run(&config.clone(), gaussian_data(), &cpu(), split.path())
                .unwrap();
        t.train(&Until::steps(50), &mut []).unwrap();
        drop(t);
        let (mut t, info) = MlpTrainer::resume_mlp(split.path(), gaussian_data(), &cpu()).unwrap();
        assert_eq!((info.step, info.skipped.len()), (50, 0));
        t.train(&Until::steps(100), &mut []).unwrap();
        assert_eq!(
            (params(t.generator()), params(t.discriminator())),
            expected,
            "{schedule:?}"
        );

        assert_eq!(
            list_checkpoints(split.path()).unwrap().len(),
            2,
            "keep_last = 2"
        );
        let steps: Vec<u64> = read_metrics(&split.path().join(METRICS_FILE))
            .unwrap()
            .iter()
            .map(|r| r.step)
            .collect();
        assert_eq!(steps, vec![50, 100]);
        let straight_metrics = read_metrics(&straight.path().join(METRICS_FILE)).unwrap();
        let split_metrics = read_metrics(&split.path().join(METRICS_FILE)).unwrap();
        assert_eq!(straight_metrics[1].d_loss, split_metrics[1].d_loss);
        let r = &straight_metrics[0];
        // pylearn2's count: mu = 0.5 + 0.2 * min(e / 249, 1) during 0-based epoch e.
        let mu = 0.5 + 0.2 * (r.epoch as f64 / 249.0).min(1.0);
        assert!(
            r.d_real > 0.0
                && r.d_real < 1.0
                && r.learning_rate > 0.0
                && (r.momentum.unwrap() - mu).abs() < 1e-12,
            "{r:?}"
        );
        assert!((r.value + r.d_loss).abs() < 1e-12);
        assert!(
            MlpTrainer::create_mlp_run(&config.clone(), gaussian_data(), &cpu(), split.path())
                .is_err(),
            "a run dir is not overwritten"
        );
    }
}

/// The child half of the SIGKILL test: trains forever with frequent checkpoints.
#[test]
#[ignore = "run by sigkill_mid_run_then_resume_matches_an_uninterrupted_run"]
fn child_trains_until_killed() {
    let Some(dir) = std::env::var_os("GAN_TRAIN_CHILD_DIR") else {
        return;
    };
    let (mut t, _) = match MlpTrainer::resume_mlp(Path::new(&dir), gaussian_data(), &cpu()) {
        Ok(r) => r,
        Err(_) => (
            MlpTrainer::create_mlp_run(&kill_config(), gaussian_data(), &cpu(), Path::new(&dir))
                .unwrap(),
            ResumeInfo {
                checkpoint: PathBuf::new(),
                step: 0,
                skipped: vec![],
            },
        ),
    };
    t.train(&Until::steps(u64::MAX), &mut []).unwrap();
}

fn kill_config() -> RunConfig {
    let mut c = with_train(toy_config(Schedule::Simultaneous), |t| t.log_every = 10);
    c.train.checkpoint = CheckpointConfig::new()
        .with_every_steps(Some(20))
        .with_every_minutes(None)
        .with_keep_last(3);
    c
}

#[test]
fn sigkill_mid_run_then_resume_matches_an_uninterrupted_run() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_trains_until_killed",
            "--nocapture",
        ])
        .env("GAN_TRAIN_CHILD_DIR", dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for a few checkpoints, then kill without warning (SIGKILL on Unix).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while list_checkpoints(dir.path()).map(|c| c.len()).unwrap_or(0) < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "child made no checkpoints"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut t, info) = MlpTrainer::resume_mlp(dir.path(), gaussian_data(), &cpu()).unwrap();
    assert!(
        info.step >= 40 && info.step % 20 == 0,
        "resumed at {}",
        info.step
    );
    let target = info.step + 60;
    t.train(&Until::steps(target), &mut []).unwrap();

    let straight = tempfile::tempdir().unwrap();
    assert_eq!(
        (params(t.generator()), params(t.discriminator())),
        train_to(&kill_config(), straight.path(), target)
    );
    // The metrics log holds each record once, in order, despite the kill.
    let steps: Vec<u64> = read_metrics(&dir.path().join(METRICS_FILE))
        .unwrap()
        .iter()
        .map(|r| r.step)
        .collect();
    assert_eq!(steps, (1..=target / 10).map(|i| i * 10).collect::<Vec<_>>());
}

#[test]
fn damaged_checkpoints_are_detected_and_skipped_or_refused() {
    let _rng = rng_lock();
    let mut config = toy_config(Schedule::Simultaneous);
    config.train.checkpoint = CheckpointConfig::new()
        .with_every_steps(Some(10))
        .with_every_minutes(None)
        .with_keep_last(3);
    let dir = tempfile::tempdir().unwrap();
    train_to(&config, dir.path(), 30);
    let ckpts = list_checkpoints(dir.path()).unwrap();
    assert_eq!(ckpts.len(), 3);
    // Flip a byte in the newest generator: resume falls back to step 20 and says why.
    let g = ckpts[0].join(GENERATOR_FILE);
    let mut bytes = std::fs::read(&g).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&g, bytes).unwrap();
    // Truncate the next one's optimiser state.
    let o = ckpts[1].join(D_OPTIMIZER_FILE);
    let bytes = std::fs::read(&o).unwrap();
    std::fs::write(&o, &bytes[..bytes.len() / 3]).unwrap();
    let (t, info) = MlpTrainer::resume_mlp(dir.path(), gaussian_data(), &cpu()).unwrap();
    assert_eq!(info.step, 10);
    assert_eq!(t.step_count(), 10);
    assert_eq!(info.skipped.len(), 2);
    assert!(
        info.skipped[0].contains("generator.bpk") && info.skipped[1].contains("d_optimizer.bpk"),
        "{:?}",
        info.skipped
    );
    std::fs::remove_file(ckpts[2].join("state.json")).unwrap();
    let err = MlpTrainer::resume_mlp(dir.path(), gaussian_data(), &cpu())
        .err()
        .unwrap();
    assert!(
        matches!(err, TrainError::NoCheckpoint { ref skipped, .. } if skipped.len() == 3),
        "{err}"
    );
}

#[test]
fn divergence_stops_with_the_step_and_keeps_the_last_checkpoint() {
    let _rng = rng_lock();
    let mut config = toy_config(Schedule::Simultaneous);
    config.train.checkpoint = CheckpointConfig::new()
        .with_every_steps(Some(5))
        .with_every_minutes(None);
    let dir = tempfile::tempdir().unwrap();
    let mut t =
        MlpTrainer::create_mlp_run(&config.clone(), gaussian_data(), &cpu(), dir.path()).unwrap();
    t.train(&Until::steps(5), &mut []).unwrap();
    drop(t);
    // Continue the same run with an absurd learning rate: parameters overflow within steps.
    let mut bad = read_run_config::<ModelConfig>(dir.path()).unwrap();
    bad.train.g_optimizer = OptimizerConfig::Momentum {
        learning_rate: 1e30,
        lr_decay: 1.0,
        min_lr: 0.0,
        momentum_start: 0.5,
        momentum_end: 0.5,
        momentum_start_epoch: 0,
        momentum_end_epoch: 0,
        momentum_count: MomentumCount::Pylearn2,
    };
    bad.train.d_optimizer = bad.train.g_optimizer;
    std::fs::write(dir.path().join(CONFIG_FILE), bad.to_json().unwrap()).unwrap();
    let before =
        std::fs::read(list_checkpoints(dir.path()).unwrap()[0].join(GENERATOR_FILE)).unwrap();
    let (mut t, _) = MlpTrainer::resume_mlp(dir.path(), gaussian_data(), &cpu()).unwrap();
    let err = t.train(&Until::steps(1000), &mut []).unwrap_err();
    let TrainError::Diverged { step, what } = &err else {
        panic!("expected divergence, got {err}")
    };
    assert!(*step >= 5 && *step < 1000, "{err}");
    assert!(err.to_string().contains(&format!("step {step}")) && !what.is_empty());
    let ckpts = list_checkpoints(dir.path()).unwrap();
    assert_eq!(
        std::fs::read(ckpts[0].join(GENERATOR_FILE)).unwrap(),
        before,
        "the good checkpoint was replaced"
    );
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
            [r.d_loss, r.g_loss, r.d_real, r.d_fake, r.value]
                .iter()
                .all(|v| v.is_finite()),
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
}

#[test]
fn max_col_norm_bounds_every_discriminator_column() {
    let _rng = rng_lock();
    let c = 0.05;
    let mut config = toy_config(Schedule::Alternating { k: 2 });
    config.train.d_optimizer = OptimizerConfig::adam(0.05);
    config.train.max_col_norm = Some(c);
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

#[test]
fn exported_generators_load_exactly_or_rounded_to_f16_and_refuse_damage() {
    let _rng = rng_lock();
    let mut config = with_train(toy_config(Schedule::Simultaneous), |t| t.log_every = 10);
    // Wide enough that the weights, not the file's headers, make up its size.
    mlp(&mut config).generator.hidden =
        vec![HiddenLayerConfig::new(256, ActivationConfig::Relu); 2];
    config.train.checkpoint = CheckpointConfig::new()
        .with_every_steps(Some(10))
        .with_every_minutes(None);
    let run = tempfile::tempdir().unwrap();
    train_to(&config, run.path(), 30);
    // A log line past the checkpoint (a run that stopped between checkpoints) is left behind.
    std::fs::write(
        run.path().join("parzen.jsonl"),
        "{\"step\":20,\"mean\":1.5}\n{\"step\":40,\"mean\":2.5}\n",
    )
    .unwrap();

    for backend in test_backends() {
        let device = backend.device();
        let trained = params(&mlp_generator(run.path(), &device));
        let f32_dir = tempfile::tempdir().unwrap();
        let f16_dir = tempfile::tempdir().unwrap();
        let exact = export_generator(run.path(), f32_dir.path(), Precision::F32, &device).unwrap();
        let half = export_generator(run.path(), f16_dir.path(), Precision::F16, &device).unwrap();
        assert_eq!((exact.step, exact.epoch), (30, half.epoch));
        assert_eq!(read_exported(f16_dir.path()).unwrap(), Some(half));

        let loaded = params(&mlp_generator(f32_dir.path(), &device));
        assert_eq!(loaded, trained, "{backend}: f32 export changed the weights");
        let loaded = params(&mlp_generator(f16_dir.path(), &device));
        let rounded: Vec<f32> = trained
            .iter()
            .map(|&w| burn::tensor::f16::from_f32(w).to_f32())
            .collect();
        assert_eq!(
            loaded, rounded,
            "{backend}: f16 export is not the f16 rounding"
        );
        assert_ne!(loaded, trained, "{backend}: f16 export kept full precision");

        let size = |dir: &Path| std::fs::metadata(dir.join(GENERATOR_FILE)).unwrap().len() as f64;
        // Two bytes saved per weight, less what burnpack's 256-byte alignment of each of the
        // six tensors takes back.
        let saved = size(f32_dir.path()) - size(f16_dir.path());
        let expected = 2.0 * trained.len() as f64;
        assert!(
            saved <= expected && saved >= expected - 6.0 * 256.0,
            "{backend}: f16 saves {saved} bytes, expected about {expected}"
        );
    }

    let out = tempfile::tempdir().unwrap();
    export_generator(run.path(), out.path(), Precision::F16, &cpu()).unwrap();
    let steps = |name: &str| -> Vec<u64> {
        std::fs::read_to_string(out.path().join(name))
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["step"]
                    .as_u64()
                    .unwrap()
            })
            .collect()
    };
    assert_eq!(steps(METRICS_FILE), vec![10, 20, 30]);
    assert_eq!(
        steps("parzen.jsonl"),
        vec![20],
        "logs are cut at the exported step"
    );
    let json = |c: &RunConfig| serde_json::to_value(c).unwrap();
    assert_eq!(
        json(&read_run_config::<ModelConfig>(out.path()).unwrap()),
        json(&config)
    );

    // A flipped byte in the weights is caught by the manifest's checksum.
    let weights = out.path().join(GENERATOR_FILE);
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&weights, bytes).unwrap();
    let err = load_generator(out.path(), &cpu()).err().unwrap();
    assert!(
        matches!(err, TrainError::Export { .. }) && err.to_string().contains("checksum"),
        "{err}"
    );
    // An export never lands in a run directory, where it would shadow the checkpoints.
    let err = export_generator(run.path(), run.path(), Precision::F16, &cpu())
        .err()
        .unwrap();
    assert!(matches!(err, TrainError::Export { .. }), "{err}");
    assert!(read_exported(run.path()).unwrap().is_none());
}
