//! `gan metrics` (FID, KID, precision/recall, density/coverage, class measures and
//! memorisation on arrays) and `gan modes` (mode coverage on the 2-D mixtures).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use gan_data::Mixture2d;
use gan_metrics::{Rows, mode_coverage};

use crate::DeviceArgs;
use crate::batches::{for_each_batch, open_rows};
use crate::error::CliError;
use crate::measured::Reduction;
use crate::quality::{self, FeatureSpace, Metric, QualityOptions};

/// The feature-space options `gan metrics` and `gan eval` share.
#[derive(Args, Debug, Clone)]
pub struct FeatureArgs {
    /// Feature space of FID, KID and the k-NN measures: `raw` (the arrays) or `mnist` (the
    /// MNIST classifier's 128 features; `gan eval` uses it for MNIST-shaped runs by default).
    #[arg(long, value_enum)]
    pub features: Option<FeatureSpace>,
    /// Directory of the MNIST classifier.
    #[arg(
        long,
        default_value = "models/mnist-classifier",
        env = "GAN_CLASSIFIER"
    )]
    pub classifier: PathBuf,
    /// Neighbourhood size k of precision, recall, density and coverage.
    #[arg(long, default_value_t = 5)]
    pub k: usize,
    /// Also report KID as mean ± sd over this many random subsets (torch-fidelity: 100; at
    /// most 100,000).
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(..=100_000))]
    pub kid_subsets: Option<usize>,
    /// Rows per KID subset (torch-fidelity: 1,000; fewer when a set is smaller).
    #[arg(long, default_value_t = 1000)]
    pub kid_subset_size: usize,
}

impl FeatureArgs {
    /// The options, with `default` as the feature space when none is given.
    pub fn options(&self, default: FeatureSpace, seed: u64) -> Result<QualityOptions, CliError> {
        if self.k == 0 {
            return Err(CliError::Usage("--k must be at least 1".into()));
        }
        Ok(QualityOptions {
            features: self.features.unwrap_or(default),
            classifier: self.classifier.clone(),
            k: self.k,
            kid_subsets: self.kid_subsets.map(|n| (n, self.kid_subset_size)),
            seed,
            requested: None,
        })
    }
}

#[derive(Args, Debug)]
pub struct MetricsArgs {
    /// Generated samples (.npy or IDX), one per row.
    #[arg(long)]
    samples: PathBuf,
    /// Reference rows (.npy or IDX): the real data, e.g. the test set.
    #[arg(long)]
    reference: PathBuf,
    /// Training rows (.npy or IDX) for memorisation, the reference acting as held-out rows.
    #[arg(long)]
    train: Option<PathBuf>,
    /// Which metrics (comma-separated); the class measures need the MNIST classifier.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "fid,kid,prdc"
    )]
    metrics: Vec<Metric>,
    #[command(flatten)]
    features: FeatureArgs,
    /// Seed of the KID subsets.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn metrics(a: MetricsArgs) -> Result<(), CliError> {
    let mut metrics = quality::expand(&a.metrics);
    if metrics.remove(&Metric::Parzen) && !a.metrics.contains(&Metric::All) {
        return Err(CliError::Usage(
            "Parzen needs validation rows to choose σ: use `gan parzen` or `gan eval`".into(),
        ));
    }
    if a.train.is_none() && a.metrics.contains(&Metric::All) {
        metrics.remove(&Metric::Memorisation);
    }
    if metrics.remove(&Metric::Agreement) && !a.metrics.contains(&Metric::All) {
        return Err(CliError::Usage(
            "agreement needs the class each sample was drawn for: use `gan eval` on a conditional run"
                .into(),
        ));
    }
    let device = a.device.device()?;
    let options = a.features.options(FeatureSpace::Raw, a.seed)?;
    // Each file a batch at a time, reduced to what the metrics compare.
    let classifier = quality::classifier_for(&metrics, &options, &device)?;
    let reduction = quality::reduction(&metrics, &options, classifier.as_ref(), &device);
    let samples = reduction.of_file(&a.samples)?;
    let reference = reduction.of_file(&a.reference)?;
    let train = (a.train.as_deref())
        .filter(|_| metrics.contains(&Metric::Memorisation))
        .map(|path| {
            let rows_only = Reduction {
                classifier: None,
                ..reduction
            };
            rows_only.of_file(path)
        })
        .transpose()?;
    let report = quality::compute(&metrics, &samples, &reference, train.as_ref(), &options)?;
    quality::print(&report, a.json)?;
    Ok(())
}

/// A standard 2-D mixture of the mode-collapse literature.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MixtureArg {
    /// 8 Gaussians on a circle of radius 2, σ = 0.02.
    Ring8,
    /// 25 Gaussians at {−4, −2, 0, 2, 4}², σ = 0.05.
    Grid25,
}

impl MixtureArg {
    /// The mixture's centres and common standard deviation.
    pub fn mixture(self) -> Mixture2d {
        match self {
            MixtureArg::Ring8 => Mixture2d::ring8(),
            MixtureArg::Grid25 => Mixture2d::grid25(),
        }
    }
}

#[derive(Args, Debug)]
pub struct ModesArgs {
    /// 2-D samples (.npy, `[n, 2]`).
    #[arg(long)]
    samples: PathBuf,
    /// The mixture the samples should cover.
    #[arg(long, value_enum)]
    mixture: MixtureArg,
    /// High-quality samples a mode needs to count as covered.
    #[arg(long, default_value_t = 20)]
    min_count: usize,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn modes(a: ModesArgs) -> Result<(), CliError> {
    let mixture = a.mixture.mixture();
    let centres = mixture
        .centres()
        .iter()
        .flat_map(|&(x, y)| [x, y])
        .collect();
    let centres = Rows::new("the centres", centres, mixture.centres().len(), 2)?;
    // A batch of samples at a time; the counts add up.
    let mut samples = open_rows(&a.samples)?;
    let mut report: Option<gan_metrics::ModeCoverage> = None;
    for_each_batch(&mut samples, |_, batch| {
        let rows = Rows::from_f32("the samples", batch.features(), batch.len(), batch.dim())?;
        let part = mode_coverage(&rows, &centres, mixture.std(), a.min_count)?;
        report = Some(match report.take() {
            Some(so_far) => so_far.merge(&part)?,
            None => part,
        });
        Ok(())
    })?;
    let report =
        report.ok_or_else(|| CliError::Usage(format!("{}: no samples", a.samples.display())))?;
    if a.json {
        crate::print_json(&report)?;
    } else {
        println!(
            "{} of {} modes covered (at least {} high-quality samples each); {} of {} samples ({:.1} %) within 3σ of a centre",
            report.modes_covered,
            report.modes,
            report.min_count,
            report.high_quality,
            report.samples,
            100.0 * report.high_quality_fraction
        );
        println!("per mode: {:?}", report.counts);
    }
    Ok(())
}
