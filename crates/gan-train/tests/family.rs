//! A model family from outside gan-train, through the same machinery as the built-in ones: it
//! trains with the configured parts (least squares, spectral normalisation, an average of G),
//! checkpoints, resumes bit for bit from its own `config.json`, and its generator loads for
//! sampling. And the registry: every built-in preset builds a config whose family builds its
//! players.

mod common;

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::leaky_relu;
use burn::tensor::{Device, Tensor};
use common::{cpu, gaussian_data, params, rng_lock};
use gan_data::Dataset;
use gan_nn::{GanDiscriminator, GanGenerator};
use gan_objective::Loss;
use gan_train::*;
use serde::{Deserialize, Serialize};

/// Two-layer perceptrons for 1-D data.
#[derive(Module, Debug)]
struct Mlp2 {
    hidden: Linear,
    out: Linear,
    noise: usize,
}

impl Mlp2 {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.out.forward(leaky_relu(self.hidden.forward(x), 0.2))
    }
}

impl GanGenerator<2> for Mlp2 {
    fn noise_dim(&self) -> usize {
        self.noise
    }
    fn generate(&self, noise: Tensor<2>, _: Option<Tensor<2>>) -> Tensor<2> {
        self.forward(noise)
    }
}

impl GanDiscriminator<2> for Mlp2 {
    fn logits(&self, x: Tensor<2>, _: Option<Tensor<2>>) -> Tensor<2> {
        self.forward(x)
    }
    fn logits_train(&self, x: Tensor<2>, c: Option<Tensor<2>>) -> Tensor<2> {
        self.logits(x, c)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TinyConfig {
    noise: usize,
    width: usize,
}

struct Tiny;

impl Family<2> for Tiny {
    type Config = TinyConfig;
    type Generator = Mlp2;
    type Discriminator = Mlp2;

    fn players(
        model: &TinyConfig,
        _: &TrainConfig,
        data: &Dataset,
        device: &Device,
    ) -> Result<(Mlp2, Mlp2)> {
        let g = Tiny::generator(model, device)?;
        let d = Mlp2 {
            hidden: LinearConfig::new(data.dim(), model.width).init(device),
            out: LinearConfig::new(model.width, 1).init(device),
            noise: 0,
        };
        Ok((g, d))
    }

    fn generator(model: &TinyConfig, device: &Device) -> Result<Mlp2> {
        Ok(Mlp2 {
            hidden: LinearConfig::new(model.noise, model.width).init(device),
            out: LinearConfig::new(model.width, 1).init(device),
            noise: model.noise,
        })
    }
}

fn tiny_run() -> RunConfig<TinyConfig> {
    let mut train = TrainConfig::new(OptimizerConfig::adam(1e-3), OptimizerConfig::adam(1e-3))
        .with_batch_size(32)
        .with_seed(8)
        .with_log_every(5)
        .with_checkpoint(
            CheckpointConfig::new()
                .with_every_steps(Some(10))
                .with_every_minutes(None),
        );
    train.loss = Loss::LeastSquares.into();
    train.regularisers.spectral_norm = true;
    train.ema = Some(EmaConfig::new(0.95));
    RunConfig {
        model: TinyConfig {
            noise: 3,
            width: 12,
        },
        train,
    }
}

#[test]
fn a_family_of_ones_own_trains_checkpoints_resumes_and_samples() {
    let _rng = rng_lock();
    let config = tiny_run();
    let straight = tempfile::tempdir().unwrap();
    let mut s =
        create_family_run::<2, Tiny>(&config, gaussian_data(), &cpu(), straight.path()).unwrap();
    s.train(&Until::steps(30), &mut []).unwrap();

    let split = tempfile::tempdir().unwrap();
    let mut t =
        create_family_run::<2, Tiny>(&config, gaussian_data(), &cpu(), split.path()).unwrap();
    t.train(&Until::steps(20), &mut []).unwrap();
    drop(t);
    let (mut t, info) =
        resume_family_run::<2, Tiny>(split.path(), gaussian_data(), &cpu()).unwrap();
    assert_eq!(info.step, 20);
    t.train(&Until::steps(30), &mut []).unwrap();
    assert_eq!(params(t.generator()), params(s.generator()));
    assert_eq!(params(t.discriminator()), params(s.discriminator()));
    assert_eq!(
        params(t.generator_average().unwrap()),
        params(s.generator_average().unwrap())
    );

    let g =
        load_family_generator::<2, Tiny>(split.path(), &cpu(), GeneratorWeights::Average).unwrap();
    assert_eq!(params(&g), params(t.generator_average().unwrap()));
    let samples = g.generate(gan_nn::Noise::Gaussian.sample(5, 3, &cpu()), None);
    assert_eq!(samples.dims(), [5, 1]);
    let raw =
        load_family_generator::<2, Tiny>(split.path(), &cpu(), GeneratorWeights::Raw).unwrap();
    assert_eq!(params(&raw), params(t.generator()));
}

#[test]
fn feature_matching_with_a_discriminator_without_features_is_a_typed_error() {
    let _rng = rng_lock();
    let mut config = tiny_run();
    config.train.feature_matching = Some(1.0);
    let mut t =
        family_trainer::<2, Tiny>(&config.model, &config.train, gaussian_data(), &cpu()).unwrap();
    let err = t.step().unwrap_err();
    assert!(
        matches!(&err, TrainError::Config(m) if m.contains("features_train")),
        "{err}"
    );
}

/// Builds each preset's players on small data of the shape it takes.
struct BuildPlayers<'a> {
    config: &'a RunConfig,
    data: Dataset,
}

impl FamilyTask for BuildPlayers<'_> {
    type Output = Result<usize>;
    fn run<const R: usize, F: Family<R>>(self, model: &F::Config) -> Result<usize> {
        let t = family_trainer::<R, F>(model, &self.config.train, self.data, &cpu())?;
        Ok(t.generator().num_params())
    }
}

#[test]
fn every_preset_builds_players_through_the_registry() {
    let _rng = rng_lock();
    let images = |shape: Vec<usize>| {
        let n = 130;
        let d: usize = shape.iter().product();
        let values = (0..n * d).map(|i| (i % 7) as f32 / 7.0).collect();
        Dataset::new(values, shape, None).unwrap()
    };
    for preset in PRESETS {
        let data = match preset.default_data {
            DefaultData::Cifar10 => images(vec![3, 32, 32]),
            DefaultData::Mnist => images(vec![28, 28]),
        };
        let data = if preset.name == "paper-cifar10-fc" {
            Dataset::new(data.features().to_vec(), vec![3072], None).unwrap()
        } else {
            data
        };
        let config = preset.config(&data, false).unwrap();
        let n = config
            .model
            .with_family(BuildPlayers {
                config: &config,
                data,
            })
            .unwrap();
        assert!(n > 0, "{}", preset.name);
    }
    assert!(Preset::named("paper-mnist").is_ok());
    assert!(Preset::named("nonsense").is_err());
    let mnist_like = Dataset::new(vec![0.5; 130 * 784], vec![784], None).unwrap();
    assert!(
        Preset::named("paper-cifar10-fc")
            .unwrap()
            .config(&mnist_like, false)
            .is_err()
    );
    assert!(
        Preset::named("inpaint")
            .unwrap()
            .config(&mnist_like, true)
            .is_err()
    );
}
