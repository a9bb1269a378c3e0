//! The Gaussian Parzen-window evaluation of Goodfellow et al. (2014), Table 1.
//!
//! For samples `μ_i` (rows of a matrix, `N` of them) drawn from a generator, a bandwidth `σ`
//! and a test row `x` of dimension `d`:
//!
//! `log p(x) = logmeanexp_i(−‖x − μ_i‖² / (2σ²)) − d·log(σ√(2π))`
//!
//! σ is chosen on validation rows from a grid, then the mean log-likelihood of the test rows
//! and its standard error are reported.
//!
//! Squared distances are computed on the device as `‖x‖² + ‖μ‖² − 2x·μᵀ`, one tile of rows at
//! a time so that memory stays within [`ParzenConfig::tile_budget_bytes`]. The samples come
//! from a [`SampleSource`] (a tensor, or a file or generator read again chunk by chunk), so
//! memory does not grow with their number. Every σ of the grid
//! is scored from the same distance tile. The log-mean-exp is taken relative to each row's
//! nearest sample, whose distance is recomputed exactly in f64, so a tiny σ never underflows
//! and f32's cancellation does not reach the answer; what it can still move is bounded, and a
//! σ whose bound exceeds [`RELATIVE_TOLERANCE`] of the result is refused
//! ([`ParzenError::Precision`]) rather than answered wrongly.
//! [`reference_log_likelihood`] is a plain f64 implementation used as the independent check.
//!
//! ```
//! use burn::tensor::{Tensor, TensorData};
//! use gan_parzen::ParzenEvaluator;
//! # let device = gan_backend::Backend::default_cpu().unwrap().device();
//! let samples = Tensor::<2>::from_data(TensorData::new(vec![0.0f32, 1.0, 2.0], [3, 1]), &device);
//! let test = Tensor::<2>::from_data(TensorData::new(vec![0.5f32, 3.0], [2, 1]), &device);
//! let report = ParzenEvaluator::default().evaluate_with_sigma(&samples, &test, 0.5).unwrap();
//! assert_eq!((report.n_test, report.n_samples), (2, 3));
//! ```

mod precision;
mod reference;
mod source;
mod tiles;

pub use precision::RELATIVE_TOLERANCE;

pub use reference::reference_log_likelihood;
pub use source::SampleSource;

use burn::tensor::Tensor;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Invalid input to the evaluator.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ParzenError {
    /// σ is not a finite positive number, or so small that 1/(2σ²) overflows.
    #[error("sigma must be finite and positive (at least 1e-154), got {0}")]
    Sigma(f64),
    /// σ is so small that single precision cannot give the log-likelihood to
    /// [`RELATIVE_TOLERANCE`] (see the crate's `precision` notes).
    #[error(
        "sigma {sigma:e}: single-precision distances leave the mean log-likelihood ({mean:.6}) uncertain by up to {bound:.3e} nats, more than {RELATIVE_TOLERANCE:e} of the rows' magnitude; use a larger sigma"
    )]
    Precision {
        /// The σ refused.
        sigma: f64,
        /// The mean log-likelihood computed.
        mean: f64,
        /// The bound on its error, nats.
        bound: f64,
    },
    /// A matrix has no rows or no columns.
    #[error("the {0} matrix is empty")]
    Empty(&'static str),
    /// Two matrices have different widths.
    #[error("the {which} matrix has {actual} columns but the samples have {expected}")]
    Width {
        /// Which matrix.
        which: &'static str,
        /// The samples' width.
        expected: usize,
        /// Its width.
        actual: usize,
    },
    /// A matrix holds NaN or infinite values.
    #[error("the {0} matrix contains NaN or infinite values")]
    NotFinite(&'static str),
    /// A configuration value is unusable.
    #[error("invalid Parzen configuration: {0}")]
    Config(String),
    /// A [`SampleSource`] could not give its samples (a file that failed to read).
    #[error("{0}")]
    Source(String),
}

/// Settings of the evaluation protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParzenConfig {
    /// The σ values tried in cross-validation.
    pub sigma_grid: Vec<f64>,
    /// How many validation rows score each σ (the first ones).
    pub n_valid: usize,
    /// How many generator samples the protocol draws (used by callers that sample).
    pub n_samples: usize,
    /// Upper bound, in bytes, of one f32 distance tile `[test rows, sample rows]`. Peak
    /// memory is a small multiple of it (the tile and its exponentials).
    pub tile_budget_bytes: usize,
    /// For a σ whose f32 estimate cannot be given to [`RELATIVE_TOLERANCE`], the most
    /// multiply-adds (samples × rows × width) the evaluator spends recomputing it exactly in
    /// f64 on the host (on every core) before refusing it instead. 0: always refuse.
    #[serde(default = "default_exact_budget")]
    pub exact_fallback_budget: u64,
}

fn default_exact_budget() -> u64 {
    2_000_000_000
}

impl Default for ParzenConfig {
    /// The paper's protocol: 10 σ log-spaced over [0.1, 1], 1,000 validation rows, 10,000
    /// samples, 16 MiB tiles.
    ///
    /// Tiles are kept small on purpose: a buffer under the C allocator's largest mmap threshold
    /// (32 MiB in glibc) is reused from the heap, while a larger one is mapped afresh, and
    /// zeroed page by page by the kernel, for every operation on the tile. 16 MiB tiles run the
    /// paper protocol 17–19 % faster than 128 MiB ones on the CPU (`docs/performance.md`).
    fn default() -> Self {
        Self {
            sigma_grid: log_space(0.1, 1.0, 10),
            n_valid: 1000,
            n_samples: 10_000,
            tile_budget_bytes: 16 << 20,
            exact_fallback_budget: default_exact_budget(),
        }
    }
}

/// `n` values log-spaced from `lo` to `hi` inclusive (NumPy's `logspace` on the exponents).
pub fn log_space(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![lo];
    }
    let (a, b) = (lo.log10(), hi.log10());
    (0..n)
        .map(|i| 10f64.powf(a + (b - a) * i as f64 / (n - 1) as f64))
        .collect()
}

/// The score of one σ in cross-validation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GridScore {
    /// The bandwidth.
    pub sigma: f64,
    /// Mean log-likelihood of the validation rows.
    pub score: f64,
}

/// The result of an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParzenReport {
    /// Mean log-likelihood of the test rows.
    pub mean: f64,
    /// Its standard error, `std / √n` with the population standard deviation.
    pub se: f64,
    /// The bandwidth used.
    pub sigma: f64,
    /// Every σ tried and its validation score (empty when σ was given).
    pub grid: Vec<GridScore>,
    /// Test rows evaluated.
    pub n_test: usize,
    /// Samples in the density estimate.
    pub n_samples: usize,
}

impl ParzenReport {
    /// The report of per-row log-likelihoods `ll` under `sigma` with `n_samples` samples
    /// (no cross-validation grid).
    pub fn of_rows(ll: &[f64], sigma: f64, n_samples: usize) -> Self {
        let (mean, se) = mean_and_se(ll);
        Self {
            mean,
            se,
            sigma,
            grid: Vec::new(),
            n_test: ll.len(),
            n_samples,
        }
    }
}

/// The Parzen-window evaluator.
#[derive(Debug, Clone, Default)]
pub struct ParzenEvaluator {
    /// Its settings.
    pub config: ParzenConfig,
}

impl ParzenEvaluator {
    /// The paper's protocol ([`ParzenConfig::default`]).
    pub fn paper_protocol() -> Self {
        Self::default()
    }

    /// An evaluator with the given settings.
    pub fn new(config: ParzenConfig) -> Self {
        Self { config }
    }

    /// `log p(x)` of every row of `x` under the Parzen window of `samples`, for every σ in
    /// `sigmas`: `result[s][i]` is row `i` under `sigmas[s]`.
    pub fn log_likelihoods(
        &self,
        samples: &dyn SampleSource,
        x: &Tensor<2>,
        sigmas: &[f64],
    ) -> Result<Vec<Vec<f64>>, ParzenError> {
        for &s in sigmas {
            if !(s.is_finite() && s > 0.0 && (1.0 / (2.0 * s * s)).is_finite()) {
                return Err(ParzenError::Sigma(s));
            }
        }
        let [n, d] = samples.shape();
        let [m, dx] = x.dims();
        if n == 0 || d == 0 {
            return Err(ParzenError::Empty("samples"));
        }
        if m == 0 {
            return Err(ParzenError::Empty("test"));
        }
        if dx != d {
            return Err(ParzenError::Width {
                which: "test",
                expected: d,
                actual: dx,
            });
        }
        check_finite(x, "test")?;
        if self.config.tile_budget_bytes < 4 {
            return Err(ParzenError::Config(
                "tile_budget_bytes must allow at least one value".into(),
            ));
        }
        let sums = tiles::log_sums(samples, x, sigmas, self.config.tile_budget_bytes)?;
        let mut out = sums.values;
        let work = (n as u64).saturating_mul(m as u64).saturating_mul(d as u64);
        let mut x_host = None;
        for ((values, bounds), &sigma) in out.iter_mut().zip(&sums.bounds).zip(sigmas) {
            // log(1/n) − d·log(σ√(2π)): the mean over samples and the Gaussian's normaliser.
            let log_norm =
                -(n as f64).ln() - d as f64 * (sigma * (2.0 * std::f64::consts::PI).sqrt()).ln();
            values.iter_mut().for_each(|v| *v += log_norm);
            // Relative to the rows' magnitude: a mean near 0 (rows of both signs) has no
            // relative precision of its own.
            let scale = values.iter().map(|v| v.abs()).sum::<f64>() / values.len() as f64;
            let (mean, bound) = (mean(values), mean(bounds));
            if bound <= RELATIVE_TOLERANCE * scale.max(1.0) {
                continue;
            }
            if work > self.config.exact_fallback_budget {
                return Err(ParzenError::Precision { sigma, mean, bound });
            }
            let x_host = x_host.get_or_insert_with(|| host_values(x));
            *values = exact_log_likelihoods(samples, x_host, d, sigma)?;
        }
        Ok(out)
    }

    /// Cross-validates σ over the grid on the first `n_valid` rows of `valid`; returns the
    /// best σ and every score.
    pub fn cross_validate(
        &self,
        samples: &dyn SampleSource,
        valid: &Tensor<2>,
    ) -> Result<(f64, Vec<GridScore>), ParzenError> {
        if self.config.sigma_grid.is_empty() {
            return Err(ParzenError::Config("the sigma grid is empty".into()));
        }
        let rows = valid.dims()[0].min(self.config.n_valid);
        if rows == 0 {
            return Err(ParzenError::Empty("validation"));
        }
        let [_, dv] = valid.dims();
        if dv != samples.shape()[1] {
            return Err(ParzenError::Width {
                which: "validation",
                expected: samples.shape()[1],
                actual: dv,
            });
        }
        let valid = valid.clone().narrow(0, 0, rows);
        let ll = self.log_likelihoods(samples, &valid, &self.config.sigma_grid)?;
        let grid: Vec<GridScore> = self
            .config
            .sigma_grid
            .iter()
            .zip(&ll)
            .map(|(&sigma, v)| GridScore {
                sigma,
                score: mean(v),
            })
            .collect();
        let best = grid
            .iter()
            .copied()
            .fold(None::<GridScore>, |best, g| match best {
                Some(b) if b.score >= g.score => Some(b),
                _ => Some(g),
            })
            .expect("non-empty grid");
        Ok((best.sigma, grid))
    }

    /// The full protocol: σ by cross-validation on `valid`, then the test rows.
    pub fn evaluate(
        &self,
        samples: &dyn SampleSource,
        valid: &Tensor<2>,
        test: &Tensor<2>,
    ) -> Result<ParzenReport, ParzenError> {
        let (sigma, grid) = self.cross_validate(samples, valid)?;
        let mut report = self.evaluate_with_sigma(samples, test, sigma)?;
        report.grid = grid;
        Ok(report)
    }

    /// The test rows' mean log-likelihood and standard error for a given σ.
    pub fn evaluate_with_sigma(
        &self,
        samples: &dyn SampleSource,
        test: &Tensor<2>,
        sigma: f64,
    ) -> Result<ParzenReport, ParzenError> {
        let ll = self.log_likelihoods(samples, test, &[sigma])?.remove(0);
        Ok(ParzenReport::of_rows(&ll, sigma, samples.shape()[0]))
    }
}

/// Small enough to compute exactly: the f64 direct differences, rows on every core, chunk by
/// chunk of samples, the chunks' log-mean-exps combined by their sizes.
fn exact_log_likelihoods(
    samples: &dyn SampleSource,
    x: &[f32],
    d: usize,
    sigma: f64,
) -> Result<Vec<f64>, ParzenError> {
    let n = samples.shape()[0] as f64;
    let mut total = vec![f64::NEG_INFINITY; x.len() / d];
    samples.for_each_chunk(10_000, &mut |chunk| {
        let s = host_values(&chunk);
        let weight = ((s.len() / d) as f64 / n).ln();
        let part: Vec<f64> = x
            .par_chunks(d * 64)
            .flat_map_iter(|rows| reference_log_likelihood(&s, rows, d, sigma))
            .collect();
        for (t, p) in total.iter_mut().zip(part) {
            let v = p + weight;
            let (hi, lo) = if *t > v { (*t, v) } else { (v, *t) };
            *t = if lo == f64::NEG_INFINITY {
                hi
            } else {
                hi + (lo - hi).exp().ln_1p()
            };
        }
        Ok(())
    })?;
    Ok(total)
}

/// Mean and standard error (population std / √n) of per-row log-likelihoods.
pub fn mean_and_se(values: &[f64]) -> (f64, f64) {
    let m = mean(values);
    let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / values.len() as f64;
    (m, (var / values.len() as f64).sqrt())
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn host_values(t: &Tensor<2>) -> Vec<f32> {
    t.clone()
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("f32 data")
}

pub(crate) fn check_finite(t: &Tensor<2>, which: &'static str) -> Result<(), ParzenError> {
    // NaN and ±inf make the sum non-finite; a sum of finite values could overflow only past
    // 3e38, far beyond any data this evaluates.
    let total: f64 = t.clone().abs().sum().into_scalar::<f64>();
    if total.is_finite() {
        Ok(())
    } else {
        Err(ParzenError::NotFinite(which))
    }
}
