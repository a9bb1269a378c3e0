//! `gan eval --tfd FILE`: the paper's Parzen protocol on the Toronto Face Database, fold by
//! fold. For each of the five folds σ is chosen on the fold's validation images and the
//! log-likelihood measured on its test images, from the same generator samples; the result is
//! the mean over the folds with its standard error (the folds' standard deviation over √5),
//! as the paper reports TFD (2057 ± 26).

use std::path::Path;

use burn::tensor::{Device, Tensor};
use gan_data::{TFD_FOLDS, Tfd, TfdSet};
use gan_parzen::{ParzenConfig, ParzenEvaluator, ParzenReport};
use serde::Serialize;

use crate::error::CliError;

/// One fold's result.
#[derive(Debug, Serialize)]
pub struct FoldReport {
    /// The fold, 0..5.
    pub fold: usize,
    /// The protocol's report on that fold.
    #[serde(flatten)]
    pub parzen: ParzenReport,
}

/// The five folds and their summary.
#[derive(Debug, Serialize)]
pub struct TfdParzenReport {
    /// Mean of the folds' log-likelihoods.
    pub mean: f64,
    /// Standard deviation of the folds' log-likelihoods (n − 1) over √folds.
    pub se: f64,
    /// Each fold.
    pub folds: Vec<FoldReport>,
}

/// Runs the protocol on every fold of `path` for `samples` (rows of the images' width).
pub fn parzen_per_fold(
    path: &Path,
    samples: &Tensor<2>,
    test_rows: usize,
    device: &Device,
) -> Result<TfdParzenReport, CliError> {
    let tfd = Tfd::load(path)?;
    let width = tfd.side() * tfd.side();
    if samples.dims()[1] != width {
        return Err(CliError::Usage(format!(
            "--tfd {}: images of {width} values, the generator draws {}",
            path.display(),
            samples.dims()[1]
        )));
    }
    let evaluator = ParzenEvaluator::new(ParzenConfig {
        n_samples: samples.dims()[0],
        ..ParzenConfig::default()
    });
    let folds = (0..TFD_FOLDS)
        .map(|fold| {
            let valid = tfd.split(TfdSet::Valid, fold)?.to_tensor(device);
            let test = tfd
                .split(TfdSet::Test, fold)?
                .head(test_rows)
                .to_tensor(device);
            let parzen = evaluator.evaluate(samples, &valid, &test)?;
            Ok(FoldReport { fold, parzen })
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    let values: Vec<f64> = folds.iter().map(|f| f.parzen.mean).collect();
    let (mean, se) = mean_and_se(&values);
    Ok(TfdParzenReport { mean, se, folds })
}

/// Mean and standard error (sample standard deviation over √n) of `values`.
fn mean_and_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, (var / n).sqrt())
}

/// Prints the report as JSON, or a line per fold and the summary.
pub fn print(report: &TfdParzenReport, json: bool) -> Result<(), CliError> {
    if json {
        return crate::print_json(report);
    }
    for f in &report.folds {
        println!(
            "fold {}: {:.2} ± {:.2} (σ = {:.4}, {} test rows)",
            f.fold, f.parzen.mean, f.parzen.se, f.parzen.sigma, f.parzen.n_test
        );
    }
    println!(
        "Parzen log-likelihood over {} folds: {:.2} ± {:.2}",
        report.folds.len(),
        report.mean,
        report.se
    );
    Ok(())
}
