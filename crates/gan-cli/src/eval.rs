//! `gan eval`: a run's generator against the test set, with the paper's Parzen protocol and
//! the sample-quality metrics.

use std::path::PathBuf;

use clap::Args;
use gan_data::Dataset;
use gan_parzen::{ParzenConfig, ParzenEvaluator, ParzenReport};
use serde::Serialize;

use crate::batches::head_rows;
use crate::error::CliError;
use crate::inputs::{check_rows, cycled_classes, generate, host, read_matrix, read_run};
use crate::measured::Reduction;
use crate::metrics::FeatureArgs;
use crate::parzen::{GeneratedSamples, print_report};
use crate::quality::{self, FeatureSpace, Metric, QualityReport};
use crate::{DataArgs, DeviceArgs};

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The run to evaluate (its newest valid checkpoint).
    #[arg(long)]
    run_dir: PathBuf,
    #[command(flatten)]
    weights: crate::WeightsArgs,
    #[command(flatten)]
    data: DataArgs,
    /// Which measures (comma-separated): parzen, fid, kid, prdc, classes, memorisation or all.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "parzen")]
    metrics: Vec<Metric>,
    #[command(flatten)]
    features: FeatureArgs,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Generator samples (the paper's Parzen estimate: 10,000; at most 10,000,000, which
    /// Parzen draws again for each pass rather than holding).
    #[arg(long, default_value_t = 10_000,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(..=10_000_000))]
    samples: usize,
    /// Test rows evaluated (the paper: all 10,000).
    #[arg(long, default_value_t = 10_000)]
    test_rows: usize,
    /// Seed of the generator's noise.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Validation samples (.npy or IDX) for a run on other data than MNIST: σ is chosen on
    /// them.
    #[arg(long, requires = "test")]
    valid: Option<PathBuf>,
    /// Test samples (.npy or IDX) for a run on other data than MNIST.
    #[arg(long, requires = "valid")]
    test: Option<PathBuf>,
    /// Training rows (.npy or IDX) for memorisation on other data than MNIST.
    #[arg(long, requires = "test")]
    train: Option<PathBuf>,
    /// The Toronto Face Database (`TFD_48x48.mat`): the Parzen protocol on each of its five
    /// folds (σ on the fold's validation images), reported as the mean over folds ± its
    /// standard error.
    #[arg(long, conflicts_with_all = ["valid", "test", "train"])]
    tfd: Option<PathBuf>,
    #[command(flatten)]
    device: DeviceArgs,
}

/// The JSON of `gan eval` with more than Parzen: the metrics' keys, and Parzen's report.
#[derive(Serialize)]
struct EvalReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    parzen: Option<ParzenReport>,
    #[serde(flatten)]
    quality: QualityReport,
}

pub fn eval(a: EvalArgs) -> Result<(), CliError> {
    if a.samples == 0 || a.test_rows == 0 {
        return Err(CliError::Usage(
            "--samples and --test-rows must be positive".into(),
        ));
    }
    let mut metrics = quality::expand(&a.metrics);
    let device = a.device.device()?;
    let config = read_run(&a.run_dir)?;
    let g = crate::inputs::load_sampler(&a.run_dir, &device, a.weights.weights())?;
    // Parzen draws its samples again for each pass, never holding them all; the other
    // measures and --tfd take them in memory.
    let source = GeneratedSamples {
        generator: &g,
        noise: config.train.noise,
        n: a.samples,
        seed: a.seed,
        device: device.clone(),
    };
    let in_memory = || -> Result<_, CliError> {
        check_rows("--samples", a.samples, g.sample_shape().iter().product())?;
        device.seed(a.seed);
        let condition = cycled_classes(a.samples, g.condition_dim(), &device);
        Ok(generate(
            &g,
            config.train.noise,
            a.samples,
            condition,
            &device,
        ))
    };
    if let Some(path) = &a.tfd {
        let samples = in_memory()?;
        if metrics.iter().any(|m| *m != Metric::Parzen) {
            return Err(CliError::Usage(
                "--tfd measures the Parzen protocol per fold only (--metrics parzen)".into(),
            ));
        }
        let report = crate::tfd_eval::parzen_per_fold(path, &samples, a.test_rows, &device)?;
        return crate::tfd_eval::print(&report, a.json);
    }
    let n_valid = ParzenConfig::default().n_valid;
    let (valid, test, train) = match a.valid.as_deref().zip(a.test.as_deref()) {
        Some((v, t)) => {
            let train = a.train.as_deref().map(read_matrix).transpose()?;
            if train.is_none() && a.metrics.contains(&Metric::All) {
                metrics.remove(&Metric::Memorisation);
            }
            (head_rows(v, n_valid)?, head_rows(t, a.test_rows)?, train)
        }
        None => {
            let mnist = a.data.mnist()?;
            (mnist.valid, mnist.test, Some(mnist.train))
        }
    };
    // The generator draws rows as its run's data was transformed for training.
    let prep = config.train.preprocessing;
    let (valid, test) = (prep.apply(valid)?, prep.apply(test)?);
    let train = train.map(|t| prep.apply(t)).transpose()?;
    let test = test.head(a.test_rows);
    let parzen = if metrics.remove(&Metric::Parzen) {
        let report = ParzenEvaluator::new(ParzenConfig {
            n_samples: a.samples,
            ..ParzenConfig::default()
        })
        .evaluate(&source, &valid.to_tensor(&device), &test.to_tensor(&device))?;
        Some(report)
    } else {
        None
    };
    if metrics.is_empty() {
        let report = parzen.expect("Parzen was the only measure");
        print_report(&report, a.json)?;
        return Ok(());
    }
    let samples = in_memory()?;
    let d = samples.dims()[1];
    let samples = Dataset::new(host(samples), vec![d], None)?;
    let mnist_shaped = g.sample_shape().iter().product::<usize>() == 784;
    let default = if mnist_shaped {
        FeatureSpace::Mnist
    } else {
        FeatureSpace::Raw
    };
    let mut options = a.features.options(default, a.seed)?;
    // Samples were drawn for classes 0, 1, …, classes − 1 in turn (`cycled_classes`).
    let classes = g.condition_dim();
    if classes > 0 {
        options.requested = Some((0..a.samples).map(|i| i % classes).collect());
    } else if metrics.remove(&Metric::Agreement) && !a.metrics.contains(&Metric::All) {
        return Err(CliError::Usage(
            "agreement measures a conditional run; this generator takes no class".into(),
        ));
    }
    let classifier = quality::classifier_for(&metrics, &options, &device)?;
    let reduction = quality::reduction(&metrics, &options, classifier.as_ref(), &device);
    let rows_only = Reduction {
        classifier: None,
        ..reduction
    };
    let train = (train.as_ref())
        .filter(|_| metrics.contains(&Metric::Memorisation))
        .map(|t| rows_only.of_rows(t, "the training rows"))
        .transpose()?;
    let quality = quality::compute(
        &metrics,
        &reduction.of_rows(&samples, "the samples")?,
        &reduction.of_rows(&test, "the test rows")?,
        train.as_ref(),
        &options,
    )?;
    if a.json {
        let report = EvalReport { parzen, quality };
        crate::print_json(&report)?;
    } else {
        if let Some(report) = &parzen {
            print_report(report, false)?;
        }
        quality::print(&quality, false)?;
    }
    Ok(())
}
