//! The sample-quality metrics of `gan metrics` and `gan eval --metrics`: which to compute, in
//! which feature space, and the report both commands print.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use clap::ValueEnum;
use gan_metrics::{
    ClassAgreement, ClassScore, KidSubsets, MemorisationSummary, Prdc, Rows, class_agreement,
    class_histogram, class_score, fid, kid, kid_subsets, memorisation, prdc,
};
use serde::Serialize;

use crate::error::CliError;
use crate::measured::{Measured, Reduction};

/// Where the rows compared by FID, KID and the k-NN measures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureSpace {
    /// The arrays as they are (pixels).
    Raw,
    /// The feature layer of the MNIST classifier (`models/mnist-classifier`).
    Mnist,
}

/// One metric of `--metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Metric {
    /// The paper's Parzen-window log-likelihood (`gan eval` only).
    Parzen,
    /// Fréchet distance of Gaussians fitted to the features.
    Fid,
    /// Kernel distance (unbiased MMD², cubic kernel).
    Kid,
    /// Precision, recall, density and coverage.
    Prdc,
    /// Inception-Score analogue and the predicted-class histogram (MNIST classifier).
    Classes,
    /// Distances to the nearest training image, samples against held-out images (pixels).
    Memorisation,
    /// A conditional run's samples classified as the class they were drawn for (per class,
    /// with binomial standard errors; MNIST classifier; `gan eval` only).
    Agreement,
    /// Every metric above.
    All,
}

/// `--metrics` expanded (`all` into every metric).
pub fn expand(metrics: &[Metric]) -> BTreeSet<Metric> {
    if metrics.contains(&Metric::All) {
        use Metric::*;
        return [Parzen, Fid, Kid, Prdc, Classes, Memorisation, Agreement].into();
    }
    metrics.iter().copied().collect()
}

/// Options of the feature-space metrics.
#[derive(Debug, Clone)]
pub struct QualityOptions {
    /// The feature space of FID, KID and PRDC.
    pub features: FeatureSpace,
    /// The classifier directory (`--features mnist` and the class measures).
    pub classifier: PathBuf,
    /// k of the k-NN measures.
    pub k: usize,
    /// KID over subsets as well: `(subsets, subset size)`.
    pub kid_subsets: Option<(usize, usize)>,
    /// Seed of the KID subsets.
    pub seed: u64,
    /// The class each sample was drawn for (conditional generators; `Agreement` needs it).
    pub requested: Option<Vec<usize>>,
}

/// Every number `gan metrics` and `gan eval --metrics` report (JSON keys as named here).
#[derive(Debug, Default, Serialize)]
pub struct QualityReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features: Option<FeatureSpace>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature_dim: Option<usize>,
    pub samples: usize,
    pub reference: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fid: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid_subsets: Option<KidSubsets>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub prdc: Option<Prdc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_score: Option<ClassScore>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_histogram: Option<Vec<usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memorisation: Option<MemorisationSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_agreement: Option<ClassAgreement>,
}

fn rows(what: &'static str, values: &[f32], len: usize) -> Result<Rows, CliError> {
    Ok(Rows::from_f32(
        what,
        values,
        len,
        values.len() / len.max(1),
    )?)
}

const FEATURE_METRICS: [Metric; 3] = [Metric::Fid, Metric::Kid, Metric::Prdc];

/// Whether `metrics` compare the rows themselves (raw features, memorisation), and whether
/// they need the MNIST classifier: what each batch of rows is reduced to ([`Measured`]).
pub fn needs(metrics: &BTreeSet<Metric>, options: &QualityOptions) -> (bool, bool) {
    let feature_metrics = FEATURE_METRICS.iter().any(|m| metrics.contains(m));
    let raw = feature_metrics && options.features == FeatureSpace::Raw;
    let classifier = metrics.contains(&Metric::Classes)
        || metrics.contains(&Metric::Agreement)
        || (feature_metrics && options.features == FeatureSpace::Mnist);
    (raw || metrics.contains(&Metric::Memorisation), classifier)
}

/// The classifier `metrics` need, loaded, if they need one.
pub fn classifier_for(
    metrics: &BTreeSet<Metric>,
    options: &QualityOptions,
    device: &Device,
) -> Result<Option<gan_nn::ImageClassifier>, CliError> {
    if !needs(metrics, options).1 {
        return Ok(None);
    }
    Ok(Some(load_classifier(&options.classifier, device)?.0))
}

/// How each batch of rows is reduced for `metrics`, with the classifier [`classifier_for`]
/// loaded for them.
pub fn reduction<'a>(
    metrics: &BTreeSet<Metric>,
    options: &QualityOptions,
    classifier: Option<&'a gan_nn::ImageClassifier>,
    device: &'a Device,
) -> Reduction<'a> {
    Reduction {
        keep_rows: needs(metrics, options).0,
        classifier,
        device,
    }
}

/// Computes `metrics` (Parzen excluded) of `samples` against `reference`, each reduced as
/// [`needs`] says; `train` is the training set memorisation measures distances to.
pub fn compute(
    metrics: &BTreeSet<Metric>,
    samples: &Measured,
    reference: &Measured,
    train: Option<&Measured>,
    options: &QualityOptions,
) -> Result<QualityReport, CliError> {
    if samples.dim != reference.dim {
        return Err(CliError::Usage(format!(
            "the samples have {} values per row, the reference {}",
            samples.dim, reference.dim
        )));
    }
    let mut report = QualityReport {
        samples: samples.len,
        reference: reference.len,
        ..Default::default()
    };
    if FEATURE_METRICS.iter().any(|m| metrics.contains(m)) {
        let (s, r) = match options.features {
            FeatureSpace::Mnist => (
                rows("the samples' features", &samples.features, samples.len)?,
                rows(
                    "the reference's features",
                    &reference.features,
                    reference.len,
                )?,
            ),
            FeatureSpace::Raw => (
                rows("the samples", &samples.rows, samples.len)?,
                rows("the reference", &reference.rows, reference.len)?,
            ),
        };
        report.features = Some(options.features);
        report.feature_dim = Some(s.dim());
        if metrics.contains(&Metric::Fid) {
            report.fid = Some(fid(&r, &s)?);
        }
        if metrics.contains(&Metric::Kid) {
            report.kid = Some(kid(&r, &s)?);
            if let Some((subsets, size)) = options.kid_subsets {
                report.kid_subsets = Some(kid_subsets(&r, &s, subsets, size, options.seed)?);
            }
        }
        if metrics.contains(&Metric::Prdc) {
            report.prdc = Some(prdc(&r, &s, options.k)?);
            report.k = Some(options.k);
        }
    }
    let probabilities = (!samples.probabilities.is_empty())
        .then(|| {
            rows(
                "the class probabilities",
                &samples.probabilities,
                samples.len,
            )
        })
        .transpose()?;
    if let (true, Some(p)) = (metrics.contains(&Metric::Classes), &probabilities) {
        report.class_score = Some(class_score(p, 10.min(samples.len))?);
        report.class_histogram = Some(class_histogram(p));
    }
    if let (true, Some(p)) = (metrics.contains(&Metric::Agreement), &probabilities) {
        let requested = options.requested.as_deref().ok_or_else(|| {
            CliError::Usage("agreement needs a conditional run's samples (gan eval)".into())
        })?;
        report.class_agreement = Some(class_agreement(p, requested)?);
    }
    if metrics.contains(&Metric::Memorisation) {
        let train = train.ok_or_else(|| {
            CliError::Usage("memorisation needs the training images (--train)".into())
        })?;
        let found = memorisation(
            &rows("the samples", &samples.rows, samples.len)?,
            &rows("the training rows", &train.rows, train.len)?,
            &rows("the reference", &reference.rows, reference.len)?,
        )?;
        report.memorisation = Some(found.summary);
    }
    Ok(report)
}

fn load_classifier(
    dir: &Path,
    device: &Device,
) -> Result<(gan_nn::ImageClassifier, gan_train::ClassifierManifest), CliError> {
    if !dir.join(gan_train::CLASSIFIER_MANIFEST).is_file() {
        return Err(CliError::Usage(format!(
            "no classifier in {} (give --classifier DIR, train one with `gan classifier`, or use --features raw)",
            dir.display()
        )));
    }
    Ok(gan_train::load_classifier(dir, device)?)
}

/// Prints the report as JSON, or one line per measure.
pub fn print(report: &QualityReport, json: bool) -> Result<(), CliError> {
    if json {
        return crate::print_json(report);
    }
    let space = report
        .features
        .map(|f| format!("{f:?}").to_lowercase())
        .unwrap_or_default();
    let dim = report.feature_dim.unwrap_or(0);
    println!(
        "{} samples against {} reference rows",
        report.samples, report.reference
    );
    if let Some(v) = report.fid {
        println!("FID ({space} features, {dim}-d): {v:.4}");
    }
    if let Some(v) = report.kid {
        println!("KID ({space} features): {v:.6}");
    }
    if let Some(s) = &report.kid_subsets {
        println!(
            "KID over {} subsets of {}: {:.6} ± {:.6}",
            s.subsets, s.subset_size, s.mean, s.std
        );
    }
    if let (Some(p), Some(k)) = (&report.prdc, report.k) {
        println!(
            "precision {:.4}, recall {:.4}, density {:.4}, coverage {:.4} (k = {k})",
            p.precision, p.recall, p.density, p.coverage
        );
    }
    if let Some(s) = &report.class_score {
        println!(
            "class score (Inception-Score analogue): {:.4} ± {:.4} over {} splits",
            s.mean, s.std, s.splits
        );
    }
    if let Some(h) = &report.class_histogram {
        println!("predicted classes: {h:?}");
    }
    if let Some(a) = &report.class_agreement {
        println!(
            "classified as requested: {:.2} % ± {:.2} (mean over {} classes); worst class {}: {:.2} % ± {:.2}",
            100.0 * a.mean,
            100.0 * a.mean_se,
            a.per_class.len(),
            a.worst.class,
            100.0 * a.worst.rate,
            100.0 * a.worst.se
        );
    }
    if let Some(m) = &report.memorisation {
        println!(
            "nearest training image: samples {:.4} (median {:.4}), held-out {:.4} (median {:.4}); ratio {:.4}; {:.2} % of samples closer than the closest 1 % of held-out images",
            m.sample_mean,
            m.sample_median,
            m.heldout_mean,
            m.heldout_median,
            m.mean_ratio,
            100.0 * m.closer_than_heldout_p01
        );
    }
    Ok(())
}
