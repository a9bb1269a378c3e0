//! Trainer tests of what survives a stop: exact resume (also after SIGKILL), damaged
//! checkpoints, divergence, and exported generators.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use gan_backend::test_backends;
use gan_nn::{ActivationConfig, HiddenLayerConfig};
use gan_train::*;

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
            r.d_real.unwrap() > 0.0
                && r.d_real.unwrap() < 1.0
                && r.learning_rate > 0.0
                && (r.momentum.unwrap() - mu).abs() < 1e-12,
            "{r:?}"
        );
        assert!((r.value.unwrap() + r.d_loss).abs() < 1e-12);
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
    kill_child_after_checkpoints(
        "child_trains_until_killed",
        "GAN_TRAIN_CHILD_DIR",
        dir.path(),
        3,
        std::time::Duration::from_secs(120),
    );

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
    // An edited config.json (another optimiser) is refused, naming the field...
    let mut edited = read_run_config::<ModelConfig>(dir.path()).unwrap();
    edited.train.g_optimizer = OptimizerConfig::paper_momentum();
    std::fs::write(dir.path().join(CONFIG_FILE), edited.to_json().unwrap()).unwrap();
    let refused = MlpTrainer::resume_mlp(dir.path(), gaussian_data(), &cpu()).err();
    assert!(
        refused.is_some_and(|e| e.to_string().contains("train.g_optimizer")),
        "an edited optimiser was accepted"
    );
    std::fs::write(dir.path().join(CONFIG_FILE), config.to_json().unwrap()).unwrap();
    // ...so continue the same run with absurd rules given in code: parameters overflow within
    // steps.
    let before =
        std::fs::read(list_checkpoints(dir.path()).unwrap()[0].join(GENERATOR_FILE)).unwrap();
    let absurd = || LearningRule::new(OptimizerConfig::adam(1e30));
    let mut t = MlpTrainer::mlp(&config, gaussian_data(), &cpu())
        .unwrap()
        .with_rules(absurd(), absurd());
    t.resume_run(dir.path()).unwrap();
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
