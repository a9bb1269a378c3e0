//! `gan semi`: semi-supervised MNIST classification from a run's frozen discriminator and/or
//! inference network (the paper's future work 4), beside the same probe on raw pixels.

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor};
use clap::{Args, ValueEnum};
use gan_data::Dataset;
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
    /// How the classifier is made: a linear probe on a trained run's frozen networks, or a
    /// (K+1)-class discriminator trained with the labels (Salimans et al. 2016).
    #[arg(long, value_enum, default_value_t = Method::Probe)]
    pub method: Method,
    /// The run whose networks give the features (--method probe): its newest checkpoint's
    /// discriminator, and the inference network beside its generator (`gan train-inference`).
    /// A model directory whose training state lies in `run/` (as `models/mnist-paper`) works too.
    #[arg(long)]
    run_dir: Option<PathBuf>,
    /// Where --method kplus1 keeps its classifier (`semi.bpk`, `semi.json`); one trained there
    /// before with the same labels and settings is evaluated instead of trained again.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Training steps of --method kplus1 (100 rows of each kind per step; at most
    /// 10,000,000).
    #[arg(long, default_value_t = 9000, value_parser = clap::value_parser!(u64).range(..=10_000_000))]
    pub steps: u64,
    /// Adam's step size for --method kplus1 (both players).
    #[arg(long, default_value_t = 0.003)]
    pub learning_rate: f64,
    /// Rate of the Polyak average of the discriminator's parameters that --method kplus1 keeps
    /// as its classifier (in (0, 1]; 1 keeps the last update's parameters).
    #[arg(long, default_value_t = 0.001)]
    pub average_rate: f64,
    #[command(flatten)]
    pub data: DataArgs,
    /// Labelled training images per class (drawn at random; the other training images serve
    /// unlabelled, only to centre and scale the features).
    #[arg(long)]
    pub labels_per_class: usize,
    /// Seed of the labelled draw and of the cross-validation folds.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Which frozen network's hidden layers the classifier reads.
    #[arg(long, value_enum, default_value_t = FeatureArg::D)]
    features: FeatureArg,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub device: DeviceArgs,
}

/// How `gan semi` makes its classifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// A linear probe on frozen features of a trained run.
    Probe,
    /// A (K+1)-class discriminator trained with feature matching on the labels and all images.
    Kplus1,
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

/// What `gan semi` reports (`--json` prints it as it is).
#[derive(Serialize)]
pub struct SemiReport {
    /// Test error of the classifier.
    pub error: f64,
    /// Labelled training images in all.
    pub labels: usize,
    pub labels_per_class: usize,
    pub method: Method,
    /// The features the classifier reads: d, inference, both, or `kplus1` (the trained
    /// (K+1)-class discriminator's own layers).
    pub features: String,
    pub feature_dim: usize,
    /// Test error of the linear probe on raw pixels with the same labels.
    pub baseline_error: f64,
    pub seed: u64,
    pub test_rows: usize,
    /// The probe's L2 penalty chosen by cross-validation (none for --method kplus1), and the
    /// baseline's.
    pub l2: Option<f64>,
    pub baseline_l2: f64,
    /// --method kplus1: test error of the last update's parameters (`error` is the average's).
    pub last_error: Option<f64>,
}

pub fn semi(a: SemiArgs) -> Result<(), CliError> {
    if a.method == Method::Kplus1 {
        return crate::semi_gan::semi_gan(a);
    }
    let device = a.device.device()?;
    let mnist = a.data.mnist()?;
    let run_dir = a
        .run_dir
        .clone()
        .ok_or_else(|| CliError::Usage("--method probe needs --run-dir".into()))?;
    let discriminator = match a.features {
        FeatureArg::D | FeatureArg::Both => Some(load_mlp_discriminator(
            &training_state_dir(&run_dir)?,
            &device,
        )?),
        FeatureArg::Inference => None,
    };
    let encoder = match a.features {
        FeatureArg::Inference | FeatureArg::Both => {
            Some(Inverter::load(&run_dir, &device)?.into_encoder())
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
    let baseline = pixel_baseline(&a, &mnist.train, &mnist.test, &device)?;
    report(&a, &ours, &baseline)
}

/// The linear probe on raw pixels with the same labels: the baseline of both methods.
pub fn pixel_baseline(
    a: &SemiArgs,
    train: &Dataset,
    test: &Dataset,
    device: &Device,
) -> Result<ProbeReport, CliError> {
    let config = ProbeConfig::default();
    Ok(linear_probe_error(
        &|x| x,
        train,
        test,
        a.labels_per_class,
        a.seed,
        &config,
        device,
    )?)
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
    let features = match a.features {
        FeatureArg::D => "d",
        FeatureArg::Inference => "inference",
        FeatureArg::Both => "both",
    };
    let report = SemiReport {
        error: ours.error,
        labels: ours.labels,
        labels_per_class: a.labels_per_class,
        method: Method::Probe,
        features: features.into(),
        feature_dim: ours.feature_dim,
        baseline_error: baseline.error,
        seed: a.seed,
        test_rows: ours.test_rows,
        l2: Some(ours.penalty.l2),
        baseline_l2: baseline.penalty.l2,
        last_error: None,
    };
    print_report(&report, a.json)
}

/// Prints a report as JSON or as one line.
pub fn print_report(report: &SemiReport, json: bool) -> Result<(), CliError> {
    if json {
        return print_json(report);
    }
    println!(
        "test error {:.2} % with {} labels ({} features, {} wide); raw pixels: {:.2} %, over {} \
         test images",
        100.0 * report.error,
        report.labels,
        report.features,
        report.feature_dim,
        100.0 * report.baseline_error,
        report.test_rows
    );
    if let Some(last) = report.last_error {
        println!("without the parameter average: {:.2} %", 100.0 * last);
    }
    Ok(())
}
