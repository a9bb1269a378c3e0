//! A linear probe: multinomial logistic regression (softmax) on frozen feature rows, with an L2
//! penalty chosen by cross-validation on the labelled rows alone. Fitted by Burn's L-BFGS with a
//! strong-Wolfe line search on the whole (small) labelled set.

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::optim::{GradientsParams, LBFGSConfig, LineSearchFn};
use burn::tensor::{Int, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::inference::on;

/// How a [`fit_probe`] is fitted and its penalty chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeConfig {
    /// Candidate L2 penalties `λ` on the weights (the loss is the mean cross-entropy plus
    /// `λ/2 ‖W‖²`; the biases are free).
    pub l2_grid: Vec<f64>,
    /// Folds of the cross-validation, at most the labels of the rarest class.
    pub folds: usize,
    /// The penalty used when cross-validation is impossible (one label per class).
    pub default_l2: f64,
    /// L-BFGS iterations per fit.
    pub max_iter: usize,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        Self {
            l2_grid: vec![1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0],
            folds: 5,
            default_l2: 1e-2,
            max_iter: 300,
        }
    }
}

impl ProbeConfig {
    /// Checks the grid, the folds and the iteration count.
    pub fn validate(&self) -> Result<()> {
        let bad = |v: f64| !(v.is_finite() && v >= 0.0);
        if self.l2_grid.is_empty() || self.l2_grid.iter().any(|&v| bad(v)) {
            return Err(TrainError::Config(format!(
                "the probe's L2 grid must hold finite penalties ≥ 0, got {:?}",
                self.l2_grid
            )));
        }
        if bad(self.default_l2) || self.folds < 2 || self.max_iter == 0 {
            return Err(TrainError::Config(format!(
                "the probe needs a finite default penalty ≥ 0 (got {}), at least 2 folds (got {}) \
                 and 1 iteration (got {})",
                self.default_l2, self.folds, self.max_iter
            )));
        }
        Ok(())
    }
}

/// The penalty cross-validation chose and the mean validation error of every candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PenaltyChoice {
    /// The chosen `λ`.
    pub l2: f64,
    /// `(λ, mean error over the folds)` for each candidate; empty where cross-validation was
    /// impossible and [`ProbeConfig::default_l2`] was used.
    pub cv_errors: Vec<(f64, f64)>,
}

/// Fits a softmax regression `features [n, d] → classes` with penalty `l2` on the autodiff form of
/// `features`' device; returns the layer in evaluation form (`[d] → [classes]` logits).
pub fn fit_probe(
    features: Tensor<2>,
    labels: &[u8],
    classes: usize,
    l2: f64,
    max_iter: usize,
) -> Result<Linear> {
    let [n, d] = features.dims();
    if n != labels.len() || n == 0 {
        return Err(TrainError::Config(format!(
            "the probe needs one label per feature row, got {} labels for {n} rows",
            labels.len()
        )));
    }
    if let Some(bad) = labels.iter().find(|&&l| usize::from(l) >= classes) {
        return Err(TrainError::Config(format!(
            "label {bad} is out of range for {classes} classes"
        )));
    }
    let device = features.device().inner().autodiff();
    let x = on(features, &device);
    let targets: Vec<i64> = labels.iter().map(|&l| i64::from(l)).collect();
    let y = Tensor::<1, Int>::from_data(TensorData::new(targets, [n]), &device);
    let loss = CrossEntropyLossConfig::new().init(&device);
    let mut model = LinearConfig::new(d, classes)
        .with_initializer(Initializer::Zeros)
        .init(&device);
    let mut optim = LBFGSConfig::new()
        .with_max_iter(max_iter)
        .with_line_search_fn(LineSearchFn::StrongWolfe)
        .init();
    let mut finite = true;
    let closure = |m: Linear| {
        let penalty = m.weight.val().powi_scalar(2).sum().mul_scalar(l2 / 2.0);
        let total = loss.forward(m.forward(x.clone()), y.clone()) + penalty;
        let value = total.clone().into_scalar::<f64>();
        finite &= value.is_finite();
        (value, GradientsParams::from_grads(total.backward(), &m))
    };
    let (fitted, value) = optim.step(1.0, model, closure);
    model = fitted;
    if !(finite && value.is_finite()) {
        return Err(TrainError::Diverged {
            step: 0,
            what: "the linear probe's loss".into(),
        });
    }
    Ok(model.valid())
}

/// Predicted classes of feature rows under a fitted probe.
pub fn probe_predictions(probe: &Linear, features: Tensor<2>) -> Result<Vec<usize>> {
    let device = features.device();
    let logits = probe.clone().fork(&device).forward(features);
    let best = logits.argmax(1).into_data().convert::<i64>();
    let best = best
        .try_into_vec::<i64>()
        .map_err(|e| TrainError::Serialize(format!("probe predictions: {e:?}")))?;
    Ok(best.into_iter().map(|c| c.max(0) as usize).collect())
}

/// Share of rows whose predicted class is not their label.
pub fn error_rate(predicted: &[usize], labels: &[u8]) -> f64 {
    let wrong = predicted
        .iter()
        .zip(labels)
        .filter(|(p, l)| **p != usize::from(**l))
        .count();
    wrong as f64 / labels.len().max(1) as f64
}

/// Chooses the penalty by stratified `k`-fold cross-validation on the labelled rows (folds
/// shuffled with `seed`; `k` = `config.folds`, at most the labels of the rarest class). With a
/// single label in some class no fold could test it: [`ProbeConfig::default_l2`] is returned.
pub fn choose_penalty(
    features: Tensor<2>,
    labels: &[u8],
    classes: usize,
    config: &ProbeConfig,
    seed: u64,
) -> Result<PenaltyChoice> {
    config.validate()?;
    let rarest = (0..classes)
        .map(|c| labels.iter().filter(|&&l| usize::from(l) == c).count())
        .min()
        .unwrap_or(0);
    let k = config.folds.min(rarest);
    if k < 2 {
        return Ok(PenaltyChoice {
            l2: config.default_l2,
            cv_errors: Vec::new(),
        });
    }
    let folds = stratified_folds(labels, classes, k, seed);
    let mut cv_errors = Vec::with_capacity(config.l2_grid.len());
    for &l2 in &config.l2_grid {
        let mut wrong = 0.0;
        for fold in &folds {
            let (train, test): (Vec<usize>, Vec<usize>) =
                (0..labels.len()).partition(|&i| !fold[i]);
            let pick = |rows: &[usize]| rows.iter().map(|&i| labels[i]).collect::<Vec<u8>>();
            let probe = fit_probe(
                select(&features, &train),
                &pick(&train),
                classes,
                l2,
                config.max_iter,
            )?;
            let predicted = probe_predictions(&probe, select(&features, &test))?;
            wrong += error_rate(&predicted, &pick(&test)) * test.len() as f64;
        }
        cv_errors.push((l2, wrong / labels.len() as f64));
    }
    // The smallest error; among ties the strongest penalty (the simpler model).
    let best = cv_errors.iter().fold(
        cv_errors[0],
        |best, &c| if c.1 <= best.1 { c } else { best },
    );
    Ok(PenaltyChoice {
        l2: best.0,
        cv_errors,
    })
}

/// For each fold, a mask over the rows: `true` where the row is held out in that fold. Each
/// class's rows are shuffled and dealt round the folds, so every fold holds every class.
fn stratified_folds(labels: &[u8], classes: usize, k: usize, seed: u64) -> Vec<Vec<bool>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut folds = vec![vec![false; labels.len()]; k];
    for c in 0..classes {
        let mut rows: Vec<usize> = (0..labels.len())
            .filter(|&i| usize::from(labels[i]) == c)
            .collect();
        rows.shuffle(&mut rng);
        for (j, row) in rows.into_iter().enumerate() {
            folds[j % k][row] = true;
        }
    }
    folds
}

fn select(features: &Tensor<2>, rows: &[usize]) -> Tensor<2> {
    let device = features.device();
    let index: Vec<i64> = rows.iter().map(|&i| i as i64).collect();
    let index = Tensor::<1, Int>::from_data(TensorData::new(index, [rows.len()]), &device);
    features.clone().select(0, index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    #[test]
    fn folds_hold_every_row_once_and_every_class() {
        let labels: Vec<u8> = (0..30).map(|i| (i % 3) as u8).collect();
        let folds = stratified_folds(&labels, 3, 5, 7);
        for row in 0..labels.len() {
            assert_eq!(folds.iter().filter(|f| f[row]).count(), 1);
        }
        for fold in &folds {
            for c in 0..3u8 {
                assert_eq!((0..30).filter(|&i| fold[i] && labels[i] == c).count(), 2);
            }
        }
    }

    #[test]
    fn one_label_per_class_falls_back_to_the_default_penalty() {
        let device = Device::default();
        let x = Tensor::<2>::from_data(
            TensorData::new(vec![0.0f32, 1.0, 2.0, 3.0], [2, 2]),
            &device,
        );
        let choice = choose_penalty(x, &[0, 1], 2, &ProbeConfig::default(), 0).unwrap();
        assert_eq!(choice.l2, ProbeConfig::default().default_l2);
        assert!(choice.cv_errors.is_empty());
    }
}
