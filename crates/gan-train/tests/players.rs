//! Players other than the paper's: a convolutional pair (DCGAN-style) on generated images,
//! killed with SIGKILL and resumed bit-identically; and a user-defined conditional pair that
//! learns which mode belongs to which class.

use std::path::Path;

use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::{leaky_relu, relu};
use burn::tensor::{Device, Distribution, Tensor};
use gan_data::Dataset;
use gan_nn::{DcganConfig, DcganDiscriminator, DcganGenerator, GanDiscriminator, GanGenerator};
use gan_train::*;

mod common;
use common::{cpu, kill_child_after_checkpoints, rng_lock};

fn params<M: Module>(m: &M) -> Vec<f32> {
    collect(m, false)
}

/// The parameters that take gradients (without batch norm's running statistics).
fn weights<M: Module>(m: &M) -> Vec<f32> {
    collect(m, true)
}

fn collect<M: Module>(m: &M, trainable_only: bool) -> Vec<f32> {
    struct Collect(Vec<f32>, bool);
    impl burn::module::ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            let t = p.val();
            if !self.1 || t.is_require_grad() {
                self.0.extend(t.into_data().try_into_vec::<f32>().unwrap());
            }
        }
    }
    let mut c = Collect(Vec::new(), trainable_only);
    m.visit(&mut c);
    c.0
}

/// 256 grey 8×8 images, each a bright 3×3 square at a position that depends on its index.
fn squares() -> Dataset {
    let mut values = vec![0f32; 256 * 64];
    for (i, image) in values.chunks_exact_mut(64).enumerate() {
        let (r, c) = (i % 6, (i / 6) % 6);
        for y in r..r + 3 {
            for x in c..c + 3 {
                image[y * 8 + x] = 1.0;
            }
        }
    }
    Dataset::new(values, vec![1, 8, 8], None).unwrap()
}

fn dcgan() -> DcganConfig {
    DcganConfig::new([1, 8, 8])
        .with_noise_dim(8)
        .with_base_channels(8)
}

fn conv_config() -> TrainConfig {
    TrainConfig::new(OptimizerConfig::adam(2e-4), OptimizerConfig::adam(2e-4))
        .with_batch_size(16)
        .with_seed(4)
        .with_log_every(5)
        .with_checkpoint(
            CheckpointConfig::new()
                .with_every_steps(Some(5))
                .with_every_minutes(None),
        )
}

type ConvTrainer = Trainer<DcganGenerator, DcganDiscriminator, 4>;

fn conv_trainer(device: &Device) -> ConvTrainer {
    let (g, d) = dcgan().init(device).unwrap();
    Trainer::new(conv_config(), g, d, squares(), device).unwrap()
}

/// Run as a child process by the SIGKILL test: trains the conv pair until killed.
#[test]
#[ignore = "run by sigkill_conv_pair_then_resume_matches_an_uninterrupted_run"]
fn conv_child_trains_until_killed() {
    let Some(dir) = std::env::var_os("GAN_CONV_CHILD_DIR") else {
        return;
    };
    let mut t = conv_trainer(&cpu())
        .create_run(Path::new(&dir), &dcgan())
        .unwrap();
    t.train(&Until::steps(u64::MAX), &mut []).unwrap();
}

#[test]
fn sigkill_conv_pair_then_resume_matches_an_uninterrupted_run() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    kill_child_after_checkpoints(
        "conv_child_trains_until_killed",
        "GAN_CONV_CHILD_DIR",
        dir.path(),
        2,
        std::time::Duration::from_secs(300),
    );

    // The run's own config.json rebuilds the players.
    let (mut resumed, info) = resume::<DcganGenerator, DcganDiscriminator, DcganConfig, 4>(
        dir.path(),
        squares(),
        &cpu(),
        |model| Ok(model.init(&cpu())?),
    )
    .unwrap();
    assert!(
        info.step >= 5 && info.step % 5 == 0,
        "resumed at {}",
        info.step
    );
    let target = info.step + 10;
    resumed.train(&Until::steps(target), &mut []).unwrap();

    let mut straight = conv_trainer(&cpu());
    straight.train(&Until::steps(target), &mut []).unwrap();
    // Every parameter bit-identical, batch norm's running statistics included.
    assert_eq!(params(resumed.generator()), params(straight.generator()));
    assert_eq!(
        params(resumed.discriminator()),
        params(straight.discriminator())
    );
    assert!(weights(straight.generator()).len() < params(straight.generator()).len());
    assert!(
        params(straight.generator()) != params(&dcgan().init_generator(&cpu()).unwrap()),
        "training moved nothing"
    );

    // The generator loads from the run for sampling, in the data's shape.
    let g = load_generator_into(dir.path(), dcgan().init_generator(&cpu()).unwrap()).unwrap();
    let samples = g.valid().generate(
        Tensor::random([3, 8], Distribution::Normal(0.0, 1.0), &cpu()),
        None,
    );
    assert_eq!(samples.dims(), [3, 1, 8, 8]);
}

#[test]
fn players_that_disagree_with_the_data_are_refused() {
    let _rng = rng_lock();
    let device = cpu();
    let conditional = dcgan().with_condition_dim(2);
    let (g, d) = conditional.init(&device).unwrap();
    let err = Trainer::new(conv_config(), g, d, squares(), &device)
        .err()
        .unwrap();
    assert!(err.to_string().contains("labelled"), "{err}");
    let (g, _) = dcgan().init(&device).unwrap();
    let (_, d) = conditional.init(&device).unwrap();
    let err = Trainer::new(conv_config(), g, d, squares(), &device)
        .err()
        .unwrap();
    assert!(err.to_string().contains("width 0"), "{err}");
    assert!(DcganConfig::new([1, 10, 10]).init(&device).is_err());
}

/// A user-defined conditional pair: `z ‖ c → 32 → 32 → x` and `x ‖ c → 32 → 32 → logit`.
#[derive(Module, Debug)]
struct CondMlp {
    layers: Vec<Linear>,
    noise: usize,
    classes: usize,
}

impl CondMlp {
    fn new(d_in: usize, d_out: usize, noise: usize, classes: usize, device: &Device) -> Self {
        let widths = [d_in + classes, 32, 32, d_out];
        let layers = widths
            .windows(2)
            .map(|w| LinearConfig::new(w[0], w[1]).init(device))
            .collect();
        Self {
            layers,
            noise,
            classes,
        }
    }

    fn run(&self, x: Tensor<2>, c: Option<Tensor<2>>) -> Tensor<2> {
        let mut h = Tensor::cat(vec![x, c.expect("a conditional pair")], 1);
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(h);
            if i + 1 < self.layers.len() {
                h = if self.noise > 0 {
                    relu(h)
                } else {
                    leaky_relu(h, 0.2)
                };
            }
        }
        h
    }
}

impl GanGenerator<2> for CondMlp {
    fn noise_dim(&self) -> usize {
        self.noise
    }
    fn condition_dim(&self) -> usize {
        self.classes
    }
    fn generate(&self, noise: Tensor<2>, c: Option<Tensor<2>>) -> Tensor<2> {
        self.run(noise, c)
    }
}

impl GanDiscriminator<2> for CondMlp {
    fn condition_dim(&self) -> usize {
        self.classes
    }
    fn logits(&self, x: Tensor<2>, c: Option<Tensor<2>>) -> Tensor<2> {
        self.run(x, c)
    }
    fn logits_train(&self, x: Tensor<2>, c: Option<Tensor<2>>) -> Tensor<2> {
        self.run(x, c)
    }
}

/// Class 0 at −2 and class 1 at +2: after training, the samples drawn for each class land in
/// that class's mode.
#[test]
fn a_conditional_pair_puts_each_class_in_its_own_mode() {
    let _rng = rng_lock();
    let device = cpu().autodiff();
    device.seed(1);
    let n = 2048;
    let labels: Vec<u8> = (0..n).map(|i| (i % 2) as u8).collect();
    let noise = Tensor::<1>::random([n], Distribution::Normal(0.0, 0.25), &device)
        .into_data()
        .try_into_vec::<f32>()
        .unwrap();
    let values = labels
        .iter()
        .zip(noise)
        .map(|(&l, e)| if l == 0 { -2.0 + e } else { 2.0 + e })
        .collect();
    let data = Dataset::new(values, vec![1], Some(labels)).unwrap();
    let g = CondMlp::new(4, 1, 4, 2, &device);
    let d = CondMlp::new(1, 1, 0, 2, &device);
    let config = TrainConfig::new(OptimizerConfig::adam(2e-3), OptimizerConfig::adam(2e-3))
        .with_batch_size(64)
        .with_seed(3);
    let mut t: Trainer<CondMlp, CondMlp, 2> = Trainer::new(config, g, d, data, &device).unwrap();
    assert_eq!(t.classes(), Some(2));
    t.train(&Until::steps(1500), &mut []).unwrap();

    let g = t.generator().valid();
    let inner = device.clone().inner();
    for class in 0..2usize {
        let mut onehot = vec![0f32; 1000 * 2];
        (0..1000).for_each(|r| onehot[r * 2 + class] = 1.0);
        let c = Tensor::from_data(burn::tensor::TensorData::new(onehot, [1000, 2]), &inner);
        let z = Tensor::random([1000, 4], Distribution::Normal(0.0, 1.0), &inner);
        let x = g
            .generate(z, Some(c))
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        let mode = if class == 0 { -2.0 } else { 2.0 };
        let near = x.iter().filter(|v| (*v - mode).abs() < 1.0).count();
        assert!(
            near >= 900,
            "class {class}: {near} of 1000 samples near {mode}"
        );
    }
}

/// Burn initialises parameters lazily and shares that state between clones: a frozen copy of
/// D made before D's first forward pass (as a generator update first makes one) must not
/// leave D's own parameters without gradients.
#[test]
fn a_generator_update_first_does_not_freeze_the_discriminator() {
    let _rng = rng_lock();
    let device = cpu();
    let mut t = conv_trainer(&device);
    t.generator_update().unwrap();
    let d0 = params(t.discriminator());
    t.discriminator_update().unwrap();
    assert_ne!(
        params(t.discriminator()),
        d0,
        "D did not move after G's update came first"
    );
    let g0 = params(t.generator());
    t.generator_update().unwrap();
    assert_ne!(params(t.generator()), g0, "G did not move");
}
