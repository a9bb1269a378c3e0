//! Semi-supervised GAN training (Salimans et al. 2016, feature matching): a discriminator with
//! `K` class logits ([`ClassDiscriminator`]) learns from a few labelled rows (cross-entropy), from
//! the unlabelled rows and from generated rows (the GAN game on `log Z`), while the generator
//! matches the mean of the discriminator's last hidden layer on real rows. The classifier is the
//! discriminator itself.
//!
//! Each step, as in the released code: one discriminator update on a labelled batch, an
//! unlabelled batch and a generated batch, then one generator update on a second unlabelled
//! batch. The step's draws come from `(seed, step)`.

use std::path::Path;

use burn::module::{Module, ModuleMapper, Param};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData};
use gan_data::{BatchSampler, Dataset, GOLDEN_GAMMA};
use gan_nn::{
    BatchNormGenerator, BatchNormGeneratorConfig, ClassDiscriminator, ClassDiscriminatorConfig,
    GanGenerator, Noise, gan_logit,
};
use gan_objective::{feature_matching_loss, supervised_loss, unsupervised_loss};
use serde::{Deserialize, Serialize};

use crate::average::ParameterAverage;
use crate::checkpoint::{sha256, write_atomic};
use crate::error::{Result, TrainError};
use crate::export::{Precision, module_bytes, module_from_bytes, read_json_if_present};
use crate::probe::error_rate;
use crate::run::check_finite;
use crate::step::step_seed;

/// File of the trained classifier (the discriminator) in its directory.
pub const SEMI_FILE: &str = "semi.bpk";
/// File of its manifest.
pub const SEMI_MANIFEST: &str = "semi.json";

/// How a semi-supervised GAN is trained (defaults: Salimans et al.'s MNIST settings, Adam at
/// 0.003 with β₁ 0.5, batches of 100; 9,000 steps are 18 passes over MNIST's 50,000 training rows:
/// 6,000 left two of three draws with 10 labels per class above 12 % test error, 9,000 took them
/// to about 5 %).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SemiGanTraining {
    /// Steps (one D and one G update each).
    pub steps: u64,
    /// Rows of each batch (labelled, unlabelled, generated).
    pub batch_size: usize,
    /// Adam's step size, both players.
    pub learning_rate: f64,
    /// Adam's β₁, both players.
    pub beta_1: f32,
    /// Weight of the unsupervised loss in D's objective.
    pub unlabelled_weight: f64,
    /// Seed of the initial weights, the batches, the noise.
    pub seed: u64,
    /// Rate `r` of the Polyak average of D's parameters that is returned as the classifier
    /// (`a ← a + r (p − a)` after each update, bias-corrected). The released code uses 0.0001
    /// over 180,000 updates; 0.001 averages about the last 1,000 of a shorter run.
    pub average_rate: f64,
}

impl Default for SemiGanTraining {
    fn default() -> Self {
        Self {
            steps: 9000,
            batch_size: 100,
            learning_rate: 0.003,
            beta_1: 0.5,
            unlabelled_weight: 1.0,
            seed: 0,
            average_rate: 0.001,
        }
    }
}

/// The losses of one step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SemiGanStats {
    /// The step, counted from 1.
    pub step: u64,
    /// Cross-entropy on the labelled batch.
    pub supervised: f64,
    /// The unsupervised GAN loss of D.
    pub unsupervised: f64,
    /// The generator's feature-matching loss.
    pub feature_matching: f64,
}

/// What is stored beside the classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SemiGanManifest {
    /// The discriminator's shape.
    pub discriminator: ClassDiscriminatorConfig,
    /// How it was trained.
    pub training: SemiGanTraining,
    /// The labelled training rows (indices into the training set).
    pub labelled: Vec<usize>,
    /// Share of test rows misclassified by the stored (averaged) classifier, when measured.
    pub test_error: Option<f64>,
    /// Share misclassified by the last update's parameters, when measured.
    pub last_error: Option<f64>,
    /// SHA-256 of the weights file.
    pub sha256: String,
}

/// Salimans et al.'s MNIST generator: 100 → 500 → 500 → `d_output`, batch norm and softplus in
/// the hidden layers, a weight-normalised sigmoid output.
pub fn semi_generator_config(d_output: usize) -> BatchNormGeneratorConfig {
    BatchNormGeneratorConfig::new(d_output)
}

/// [`semi_generator_config`] initialised from `seed`, so that a run repeats: the CPU backends
/// draw from one process-wide stream, and one never seeded draws from the system's entropy.
/// The generator's stream is `!seed`, apart from the discriminator's (which
/// [`train_semi_gan`] starts from `seed` itself).
pub fn semi_generator(d_output: usize, seed: u64, device: &Device) -> Result<BatchNormGenerator> {
    device.seed(!seed);
    Ok(semi_generator_config(d_output).init(device)?)
}

/// The two classifiers a semi-supervised run ends with.
#[derive(Debug, Clone)]
pub struct SemiGanClassifiers {
    /// The Polyak average of D's parameters (what the released code tests, and what is stored).
    pub averaged: ClassDiscriminator,
    /// D's parameters after the last update.
    pub last: ClassDiscriminator,
}

/// Trains a [`ClassDiscriminator`] of `config` against `generator` (any unconditional generator
/// of flat rows, moved to the autodiff form of `device`) on all rows of `train` (unlabelled) and
/// its `labelled` rows (their labels); `on_step` sees each step's losses. The discriminator is
/// initialised from the seed, then from the data (its units standardised on 500 training rows,
/// as the released code does). The generator is taken as it is: build it with
/// [`semi_generator`] (or seed the device first) for a run that repeats. Returns the averaged and the last discriminator, in evaluation
/// form.
pub fn train_semi_gan<G: GanGenerator<2>>(
    config: &ClassDiscriminatorConfig,
    generator: G,
    training: SemiGanTraining,
    train: &Dataset,
    labelled: &[usize],
    device: &Device,
    mut on_step: impl FnMut(&SemiGanStats),
) -> Result<SemiGanClassifiers> {
    let labels = check_inputs(config, &generator, &training, train, labelled)?;
    let device = device.clone().autodiff();
    device.seed(training.seed);
    let mut d = config.init(&device)?;
    let mut g = generator.fork(&device).map(&mut Trainable);
    let d_noise = g.noise_dim();
    let adam = AdamConfig::new().with_beta_1(training.beta_1);
    let (mut d_optim, mut g_optim) = (adam.init(), adam.init());
    let m = training.batch_size;
    let unlabelled = BatchSampler::new(train.len(), m, training.seed)?;
    let unlabelled_g = BatchSampler::new(train.len(), m, training.seed ^ GOLDEN_GAMMA)?;
    let labelled_order = BatchSampler::new(labelled.len(), labelled.len(), training.seed)?;
    let noise = Noise::Uniform;
    let first: Vec<usize> = unlabelled.epoch_order(0).into_iter().take(500).collect();
    d.init_from_data(train.gather(&first, &device));
    let mut average = ParameterAverage::new(&d, training.average_rate)?;
    for step in 0..training.steps {
        device.seed(step_seed(training.seed, step));
        // Labelled rows: the whole labelled set reshuffled, cycled to fill the batch.
        let order = labelled_order.epoch_order(step);
        let picks: Vec<usize> = (0..m).map(|i| order[i % order.len()]).collect();
        let x_lab = train.gather(
            &picks.iter().map(|&p| labelled[p]).collect::<Vec<_>>(),
            &device,
        );
        let y: Vec<i64> = picks.iter().map(|&p| i64::from(labels[p])).collect();
        let y = Tensor::<1, Int>::from_data(TensorData::new(y, [m]), &device);
        let x_unl = train.gather(&nth_batch(&unlabelled, step), &device);
        let fake = g.generate(noise.sample(m, d_noise, &device), None).detach();
        let supervised = supervised_loss(d.forward_train(x_lab).logits, y);
        let unsupervised = unsupervised_loss(
            gan_logit(d.forward_train(x_unl).logits),
            gan_logit(d.forward_train(fake).logits),
        );
        let d_loss =
            supervised.clone() + unsupervised.clone().mul_scalar(training.unlabelled_weight);
        let grads = GradientsParams::from_grads(d_loss.backward(), &d);
        d = d_optim.step(training.learning_rate, d, grads);
        average.update(&d);

        let frozen = d.clone().no_grad();
        let x_real = train.gather(&nth_batch(&unlabelled_g, step), &device);
        let real_features = frozen.forward_train(x_real).features.detach();
        let fake = g.generate(noise.sample(m, d_noise, &device), None);
        let g_loss = feature_matching_loss(real_features, frozen.forward_train(fake).features);
        let grads = GradientsParams::from_grads(g_loss.backward(), &g);
        g = g_optim.step(training.learning_rate, g, grads);

        let stats = read_stats(step + 1, supervised, unsupervised, g_loss)?;
        on_step(&stats);
    }
    // The last update's result is read by no loss: a step too large shows here.
    check_finite(&d, "the discriminator's parameters", training.steps)?;
    let averaged = average
        .average()
        .ok_or_else(|| TrainError::Config("semi-supervised training needs a step".into()))?;
    Ok(SemiGanClassifiers {
        averaged,
        last: d.valid(),
    })
}

/// Share of `test`'s labelled rows that `classifier` misclassifies, 1,000 rows at a time.
pub fn class_error(
    classifier: &ClassDiscriminator,
    test: &Dataset,
    device: &Device,
) -> Result<f64> {
    let labels = test
        .labels()
        .ok_or_else(|| TrainError::Config("the test rows need labels".into()))?;
    let model = classifier.clone().fork(device);
    let mut predicted = Vec::with_capacity(test.len());
    for start in (0..test.len()).step_by(1000) {
        let rows: Vec<usize> = (start..(start + 1000).min(test.len())).collect();
        let batch = model
            .classify(test.gather(&rows, device))
            .into_data()
            .convert::<i64>()
            .try_into_vec::<i64>()
            .map_err(|e| TrainError::Serialize(format!("predictions: {e:?}")))?;
        // Arg-max indices are never negative.
        predicted.extend(batch.into_iter().map(|p| p as usize));
    }
    Ok(error_rate(&predicted, labels))
}

/// Writes the classifier (f32) and its manifest into `dir`, each atomically.
pub fn save_semi_gan(
    dir: &Path,
    classifier: &ClassDiscriminator,
    mut manifest: SemiGanManifest,
) -> Result<SemiGanManifest> {
    let path = dir.join(SEMI_FILE);
    let bytes = module_bytes(classifier.clone(), Precision::F32)
        .map_err(|e| TrainError::Serialize(format!("{}: {e}", path.display())))?;
    manifest.sha256 = sha256(&bytes);
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| TrainError::Serialize(format!("the semi-supervised manifest: {e}")))?;
    std::fs::create_dir_all(dir).map_err(|e| TrainError::io(dir, e))?;
    write_atomic(&path, &bytes)?;
    write_atomic(&dir.join(SEMI_MANIFEST), &json)?;
    Ok(manifest)
}

/// Loads a classifier saved by [`save_semi_gan`] (its checksum verified), or `None` when `dir`
/// holds none.
pub fn load_semi_gan(
    dir: &Path,
    device: &Device,
) -> Result<Option<(ClassDiscriminator, SemiGanManifest)>> {
    let invalid =
        |path: std::path::PathBuf, reason: String| TrainError::Checkpoint { path, reason };
    let Some(manifest) =
        read_json_if_present::<SemiGanManifest>(&dir.join(SEMI_MANIFEST), invalid)?
    else {
        return Ok(None);
    };
    let path = dir.join(SEMI_FILE);
    let bytes = std::fs::read(&path).map_err(|e| TrainError::io(&path, e))?;
    if sha256(&bytes) != manifest.sha256 {
        return Err(invalid(
            path,
            format!("checksum differs from {SEMI_MANIFEST}"),
        ));
    }
    let model = module_from_bytes(bytes, manifest.discriminator.init(device)?)
        .map_err(|reason| invalid(path, reason))?;
    Ok(Some((model, manifest)))
}

/// Makes every float parameter a tracked leaf of the autodiff device it is on (a module built on
/// a plain device and forked to an autodiff one is not tracked by itself).
struct Trainable;

impl ModuleMapper for Trainable {
    fn map_float<const R: usize>(&mut self, param: Param<Tensor<R>>) -> Param<Tensor<R>> {
        param.map(|t| t.inner().autodiff().require_grad())
    }
}

/// Unlabelled batch number `b`: full batches of each epoch's seeded order.
fn nth_batch(sampler: &BatchSampler, b: u64) -> Vec<usize> {
    let per_epoch = sampler.full_batches() as u64;
    sampler.batch(b / per_epoch, (b % per_epoch) as usize)
}

fn check_inputs<G: GanGenerator<2>>(
    config: &ClassDiscriminatorConfig,
    generator: &G,
    training: &SemiGanTraining,
    train: &Dataset,
    labelled: &[usize],
) -> Result<Vec<u8>> {
    config.validate()?;
    let all = train
        .labels()
        .ok_or_else(|| TrainError::Config("semi-supervised training needs labels".into()))?;
    if config.d_input != train.dim() {
        return Err(TrainError::Config(format!(
            "the rows have {} values, the discriminator reads {}",
            train.dim(),
            config.d_input
        )));
    }
    if generator.condition_dim() != 0 {
        return Err(TrainError::Config(
            "semi-supervised training takes an unconditional generator".into(),
        ));
    }
    if training.batch_size == 0 || training.batch_size > train.len() || labelled.is_empty() {
        return Err(TrainError::Config(format!(
            "semi-supervised training needs labelled rows and a batch size in 1..={} (got {})",
            train.len(),
            training.batch_size
        )));
    }
    let finite_positive = training.learning_rate > 0.0 && training.learning_rate.is_finite();
    let weight_ok = training.unlabelled_weight >= 0.0 && training.unlabelled_weight.is_finite();
    let rate_ok = training.average_rate > 0.0 && training.average_rate <= 1.0;
    if !(finite_positive && weight_ok && rate_ok && (0.0..1.0).contains(&training.beta_1)) {
        return Err(TrainError::Config(
            "semi-supervised training needs a finite positive learning rate, a finite \
             unlabelled weight ≥ 0, an average rate in (0, 1] and β₁ in [0, 1)"
                .into(),
        ));
    }
    if training.steps == 0 {
        return Err(TrainError::Config(
            "semi-supervised training needs at least one step".into(),
        ));
    }
    labelled
        .iter()
        .map(|&i| match all.get(i) {
            Some(&l) if usize::from(l) < config.classes => Ok(l),
            Some(&l) => Err(TrainError::Config(format!(
                "label {l} is out of range for {} classes",
                config.classes
            ))),
            None => Err(TrainError::Config(format!(
                "labelled row {i} is out of range"
            ))),
        })
        .collect()
}

fn read_stats(
    step: u64,
    supervised: Tensor<1>,
    unsupervised: Tensor<1>,
    g_loss: Tensor<1>,
) -> Result<SemiGanStats> {
    let values = Tensor::cat(
        vec![supervised.detach(), unsupervised.detach(), g_loss.detach()],
        0,
    )
    .into_data()
    .convert::<f64>()
    .try_into_vec::<f64>()
    .map_err(|e| TrainError::Serialize(format!("step losses: {e:?}")))?;
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(TrainError::Diverged {
            step,
            what: [
                "the supervised loss",
                "the unsupervised loss",
                "feature matching",
            ][i]
                .into(),
        });
    }
    Ok(SemiGanStats {
        step,
        supervised: values[0],
        unsupervised: values[1],
        feature_matching: values[2],
    })
}
