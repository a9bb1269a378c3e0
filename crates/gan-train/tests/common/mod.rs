//! Helpers shared by gan-train's test files.
// Each test file uses the helpers it needs.
#![allow(dead_code)]

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::tensor::{Device, Tensor};
use gan_backend::Backend;
use gan_data::Dataset;
use gan_data::toy::{Gaussian1d, ToyDistribution};
use gan_nn::*;
use gan_train::*;

/// The backends' random generators are process-wide: a test that depends on the exact sequence
/// of draws holds this lock, so that tests running beside it do not draw in between.
pub fn rng_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The fastest CPU backend compiled in.
pub fn cpu() -> Device {
    Backend::default_cpu().unwrap().device()
}

/// Every parameter of a module, flattened, for bit-exact comparisons.
pub fn params<M: Module>(m: &M) -> Vec<f32> {
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

/// A tensor's values as f32.
pub fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap()
}

/// A small GAN on 1-D data: G 4 → 16 → 16 → 1 (linear output), D maxout 1 → 16×4 → 16×4 → 1.
pub fn toy_config(schedule: Schedule) -> RunConfig {
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
pub fn with_train(mut c: RunConfig, f: impl FnOnce(&mut TrainConfig)) -> RunConfig {
    f(&mut c.train);
    c
}

/// The paper-architecture players of `c`.
pub fn mlp(c: &mut RunConfig) -> &mut MlpGanConfig {
    let ModelConfig::Mlp(m) = &mut c.model else {
        unreachable!("the paper\'s players")
    };
    m
}

/// The paper-architecture generator of a run or export.
pub fn mlp_generator(dir: &Path, device: &Device) -> Generator {
    load_generator(dir, device)
        .unwrap()
        .downcast_ref::<Generator>()
        .expect("the paper's generator")
        .clone()
}

pub fn gaussian_data() -> Dataset {
    Gaussian1d::new(3.0, 0.5).unwrap().sample(4096, 5).unwrap()
}

pub fn train_to(config: &RunConfig, run_dir: &Path, steps: u64) -> (Vec<f32>, Vec<f32>) {
    let mut t =
        MlpTrainer::create_mlp_run(&config.clone(), gaussian_data(), &cpu(), run_dir).unwrap();
    t.train(&Until::steps(steps), &mut []).unwrap();
    (params(t.generator()), params(t.discriminator()))
}

/// Runs this test binary's ignored test `child` in a child process, with `env` set to `dir`,
/// until `dir` holds `checkpoints` checkpoints (at most `limit`), then kills it without warning
/// (SIGKILL on Unix): the first half of every SIGKILL-and-resume test.
pub fn kill_child_after_checkpoints(
    child: &str,
    env: &str,
    dir: &Path,
    checkpoints: usize,
    limit: std::time::Duration,
) {
    let mut process = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", child])
        .env(env, dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + limit;
    while list_checkpoints(dir).map(|c| c.len()).unwrap_or(0) < checkpoints {
        assert!(
            std::time::Instant::now() < deadline,
            "child made no checkpoints"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    process.kill().unwrap();
    process.wait().unwrap();
}
