//! `gan semi`: semi-supervised MNIST classification from a run's frozen discriminator and/or
//! inference network (the paper's future work 4), beside the same probe on raw pixels.

use std::path::{Path, PathBuf};

use burn::tensor::Tensor;
use clap::{Args, ValueEnum};
use gan_nn::{Discriminator, Encoder, FeatureExtractor};
use gan_train::{
    ProbeConfig, ProbeReport, linear_probe_error, list_checkpoints, load_mlp_discriminator,
};
use serde::Serialize;

use crate::error::CliError;
use crate::inference::Inverter;
use crate::{DataArgs, DeviceArgs, print_json};

#[derive(Args, Debug)]
pub struct SemiArgs {
    /// The run whose networks give the features: its newest checkpoint's discriminator, and the
    /// inference network beside its generator (`gan train-inference`). A model directory whose
    /// training state lies in `run/` (as `models/mnist-paper`) works too.
    #[arg(long)]
    run_dir: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// Labelled training images per class (drawn at random; the other training images serve
    /// unlabelled, only to centre and scale the features).
    #[arg(long)]
    labels_per_class: usize,
    /// Seed of the labelled draw and of the cross-validation folds.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Which frozen network's hidden layers the classifier reads.
    #[arg(long, value_enum, default_value_t = FeatureArg::D)]
    features: FeatureArg,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

/// The feature maps `gan semi` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureArg {
    /// The discriminator's maxout layers.
    D,
    /// The inference network's hidden layers and code.
    Inference,
    /// Both, side by side.
    Both,
}

#[derive(Serialize)]
struct SemiReport {
    /// Test error of the probe on the chosen features.
    error: f64,
    /// Labelled training images in all.
    labels: usize,
    labels_per_class: usize,
    features: FeatureArg,
    feature_dim: usize,
    /// Test error of the same probe on raw pixels with the same labels.
    baseline_error: f64,
    seed: u64,
    test_rows: usize,
    /// The L2 penalty cross-validation chose, for the features and for the pixels.
    l2: f64,
    baseline_l2: f64,
}

pub fn semi(a: SemiArgs) -> Result<(), CliError> {
    let device = a.device.device()?;
    let mnist = a.data.mnist()?;
    let discriminator = match a.features {
        FeatureArg::D | FeatureArg::Both => Some(load_mlp_discriminator(
            &training_state_dir(&a.run_dir)?,
            &device,
        )?),
        FeatureArg::Inference => None,
    };
    let encoder = match a.features {
        FeatureArg::Inference | FeatureArg::Both => {
            Some(Inverter::load(&a.run_dir, &device)?.into_encoder())
        }
        FeatureArg::D => None,
    };
    let width = mnist.train.dim();
    for d in discriminator.iter().map(|d| d.feature_input_dim()) {
        check_width(d, width, "discriminator")?;
    }
    for d in encoder.iter().map(|e| e.feature_input_dim()) {
        check_width(d, width, "inference network")?;
    }
    let config = ProbeConfig::default();
    let map = |x: Tensor<2>| features_of(discriminator.as_ref(), encoder.as_ref(), x);
    let ours = linear_probe_error(
        &map,
        &mnist.train,
        &mnist.test,
        a.labels_per_class,
        a.seed,
        &config,
        &device,
    )?;
    let baseline = linear_probe_error(
        &|x| x,
        &mnist.train,
        &mnist.test,
        a.labels_per_class,
        a.seed,
        &config,
        &device,
    )?;
    report(&a, &ours, &baseline)
}

/// The features of `x`: the discriminator's, the encoder's, or both concatenated.
fn features_of(d: Option<&Discriminator>, e: Option<&Encoder>, x: Tensor<2>) -> Tensor<2> {
    match (d, e) {
        (Some(d), Some(e)) => Tensor::cat(vec![d.features(x.clone()), e.features(x)], 1),
        (Some(d), None) => d.features(x),
        (None, Some(e)) => e.features(x),
        (None, None) => x,
    }
}

/// Where the discriminator of `run_dir` is: the directory itself when it holds checkpoints,
/// else its `run/` (a model directory with its training state beside the export).
fn training_state_dir(run_dir: &Path) -> Result<PathBuf, CliError> {
    let has_checkpoints = |dir: &Path| list_checkpoints(dir).is_ok_and(|c| !c.is_empty());
    if has_checkpoints(run_dir) {
        return Ok(run_dir.to_path_buf());
    }
    let nested = run_dir.join("run");
    if has_checkpoints(&nested) {
        return Ok(nested);
    }
    Err(CliError::Usage(format!(
        "{}: no training checkpoint (in it or in its run/): the discriminator features need a \
         run's training state, which an exported generator does not hold",
        run_dir.display()
    )))
}

fn check_width(d: usize, data: usize, what: &str) -> Result<(), CliError> {
    if d == data {
        return Ok(());
    }
    Err(CliError::Usage(format!(
        "the {what} reads rows of {d} values, the MNIST images have {data}"
    )))
}

fn report(a: &SemiArgs, ours: &ProbeReport, baseline: &ProbeReport) -> Result<(), CliError> {
    let report = SemiReport {
        error: ours.error,
        labels: ours.labels,
        labels_per_class: a.labels_per_class,
        features: a.features,
        feature_dim: ours.feature_dim,
        baseline_error: baseline.error,
        seed: a.seed,
        test_rows: ours.test_rows,
        l2: ours.penalty.l2,
        baseline_l2: baseline.penalty.l2,
    };
    if a.json {
        return print_json(&report);
    }
    println!(
        "test error {:.2} % with {} labels ({:?} features, {} wide, L2 {}); raw pixels: {:.2} % \
         (L2 {}), over {} test images",
        100.0 * report.error,
        report.labels,
        report.features,
        report.feature_dim,
        report.l2,
        100.0 * report.baseline_error,
        report.baseline_l2,
        report.test_rows
    );
    Ok(())
}
