//! The tiled computation behind [`crate::ParzenEvaluator::log_likelihoods`]: distance tiles
//! that fit [`crate::ParzenConfig::tile_budget_bytes`], the samples read a chunk at a time,
//! one log-sum-exp per row and σ, the nearest sample's distance recomputed exactly, and a
//! bound on what single precision left.

use burn::tensor::{Device, Int, Tensor, TensorData};
use rayon::prelude::*;

use crate::precision::{RowBound, exact_sq_distance, gap_error, tiny_regime};
use crate::{ParzenError, SampleSource};

/// Per σ, per test row: `log Σ_i exp(−‖x − μ_i‖²/(2σ²))` (without the normalising constants)
/// and a bound on its error (see [`crate::precision`]).
pub(crate) struct LogSums {
    pub values: Vec<Vec<f64>>,
    pub bounds: Vec<Vec<f64>>,
}

/// Every row of `x` against the samples of `source`, for every σ. Inputs are checked by the
/// caller (non-empty, same width, `x` finite, `1/(2σ²)` finite, a budget of at least one
/// value); the samples are checked for finiteness here, chunk by chunk.
///
/// The samples are read once, a chunk of at most one tile's columns at a time, and each chunk
/// is scored against every tile of test rows before the next is read, so memory holds one
/// chunk and the test rows' running sums, whatever the number of samples. A second pass is
/// made only for σ so small that f32 gaps cannot rank near samples.
pub(crate) fn log_sums(
    source: &dyn SampleSource,
    x: &Tensor<2>,
    sigmas: &[f64],
    tile_budget_bytes: usize,
) -> Result<LogSums, ParzenError> {
    let [n, dim] = source.shape();
    let [m, _] = x.dims();
    // One tile is [rows, cols] f32: all samples at once if the budget allows, else fewer.
    let cells = tile_budget_bytes / 4;
    let cols = n.min(cells).max(1);
    let rows = (cells / cols).clamp(1, m);
    let inv: Vec<f64> = sigmas.iter().map(|&s| 1.0 / (2.0 * s * s)).collect();
    let device = x.device();
    let mut tiles: Vec<TestTile> = (0..m)
        .step_by(rows)
        .map(|start| TestTile::new(x.clone().narrow(0, start, rows.min(m - start)), &inv))
        .collect();
    let mut max_norm = 0f64;
    source.for_each_chunk(cols, &mut |chunk| {
        let (tile, norm) = sample_tile(chunk.clone().to_device(&device))?;
        max_norm = max_norm.max(norm);
        let mus = to_f32(chunk);
        each_tile(&mut tiles, &device, |t| t.absorb(&tile, &mus, dim, &inv));
        Ok(())
    })?;
    let mut finals: Vec<Final> = tiles
        .iter()
        .map(|t| t.finish(dim, max_norm, &inv))
        .collect();
    if finals.iter().any(|f| f.tiny.iter().any(|&t| t)) {
        // Samples the f32 gaps cannot tell from the nearest one: counted in a second pass.
        let mut counts: Vec<Vec<Vec<u64>>> = tiles
            .iter()
            .map(|t| vec![vec![0u64; t.min_e.len()]; inv.len()])
            .collect();
        source.for_each_chunk(cols, &mut |chunk| {
            let (tile, _) = sample_tile(chunk.to_device(&device))?;
            for ((t, f), c) in tiles.iter().zip(&finals).zip(counts.iter_mut()) {
                if f.tiny.iter().any(|&t| t) {
                    t.count_near(&tile, &inv, f.delta, c);
                }
            }
            Ok(())
        })?;
        for (f, c) in finals.iter_mut().zip(counts) {
            f.bound_ties(&c, &inv);
        }
    }
    let mut out = LogSums {
        values: vec![Vec::with_capacity(m); sigmas.len()],
        bounds: vec![Vec::with_capacity(m); sigmas.len()],
    };
    for f in finals {
        for k in 0..sigmas.len() {
            out.values[k].extend(&f.values[k]);
            out.bounds[k].extend(&f.bounds[k]);
        }
    }
    Ok(out)
}

/// A chunk of samples as the tile `[−2μᵀ; ‖μ‖²]`, `[d + 1, cols]`, so that a test tile with a
/// column of ones appended gets its distances (less ‖x‖²) from one matrix product; and the
/// chunk's largest ‖μ‖².
fn sample_tile(chunk: Tensor<2>) -> Result<(Tensor<2>, f64), ParzenError> {
    crate::check_finite(&chunk, "samples")?;
    let norms = chunk.clone().powi_scalar(2).sum_dim(1);
    let max_norm = norms.clone().max().into_scalar::<f64>();
    let tile = Tensor::cat(
        vec![chunk.transpose().mul_scalar(-2.0), norms.transpose()],
        0,
    );
    Ok((tile, max_norm))
}

/// Runs `f` on every test tile: on the CPU on every core at once (each tile's exponentials
/// and reductions are single-threaded in Burn's CPU backends; results are the same as in
/// turn), on a GPU one after another.
fn each_tile(tiles: &mut [TestTile], device: &Device, f: impl Fn(&mut TestTile) + Sync + Send) {
    if runs_on_host(device) {
        tiles.par_iter_mut().for_each(f);
    } else {
        tiles.iter_mut().for_each(f);
    }
}

fn to_f32(t: Tensor<2>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("f32 data")
}

/// Whether `device` computes on the host's cores (Flex, NdArray), not on a GPU. Burn 0.22
/// exposes a device's backend only through its `Debug` form (`Device<Flex(..)>`,
/// `Device<Autodiff { device: NdArray(..), .. }>`).
fn runs_on_host(device: &Device) -> bool {
    let name = format!("{device:?}");
    name.contains("Flex(") || name.contains("NdArray(")
}

/// One tile of test rows and what the samples read so far left it: per row, the smallest
/// `e = ‖μ‖² − 2x·μ`, its sample, and per σ `log Σ exp(−(e − min e)/(2σ²))`.
struct TestTile {
    /// `[x, 1]`, `[rows, d + 1]`, on the device.
    x1: Tensor<2>,
    x_host: Vec<f32>,
    min_e: Vec<f64>,
    /// The nearest sample of each row so far, `[rows, d]`.
    nearest: Vec<f32>,
    rel: Vec<Vec<f64>>,
}

/// A test tile's sums, their bounds, and what a second pass needs.
struct Final {
    values: Vec<Vec<f64>>,
    bounds: Vec<Vec<f64>>,
    /// δ, the error of one f32 distance in this tile.
    delta: f64,
    /// Per σ: whether its bounds need the near samples counted.
    tiny: Vec<bool>,
}

impl TestTile {
    fn new(x: Tensor<2>, inv: &[f64]) -> Self {
        let x_host = to_f32(x.clone());
        let rows = x.dims()[0];
        let ones = Tensor::ones([rows, 1], &x.device());
        Self {
            x1: Tensor::cat(vec![x, ones], 1),
            nearest: vec![0.0; x_host.len()],
            x_host,
            min_e: vec![f64::INFINITY; rows],
            rel: vec![vec![f64::NEG_INFINITY; rows]; inv.len()],
        }
    }

    /// Scores one chunk of samples (`tile`, with `mus` its rows on the host).
    ///
    /// The device computes `e_i`, the squared distance less the row's constant `‖x‖²`, as one
    /// product `[x, 1]·[−2μᵀ; ‖μ‖²]`, then for every σ the sum of `exp((min_i e_i − e_i)/(2σ²))`
    /// over the chunk: every exponent is ≤ 0 and the nearest sample contributes 1, so nothing
    /// underflows for tiny σ, and one distance tile serves the whole grid. The host combines
    /// chunks in f64, relative to the nearest sample so far (no device tensor is carried from
    /// one chunk to the next: on wgpu with Burn 0.22.1's fusion, sums carried on the device read
    /// back wrong after a few tiles).
    fn absorb(&mut self, tile: &Tensor<2>, mus: &[f32], d: usize, inv: &[f64]) {
        let e = self.x1.clone().matmul(tile.clone());
        let (tile_min, tile_arg) = e.clone().min_dim_with_indices(1);
        let below_min = tile_min.clone() - e;
        // Exponents are clamped at −80 (exp(−80) ≈ 2·10⁻³⁵) so that none underflows: libm's
        // `expf` takes a slow path for every result that does. 1/(2σ²) is capped at 10³⁰ on
        // the device (f32 overflows past 3·10³⁸, and 0·∞ would be NaN): any f32 gap that is
        // not 0 then still lands on the clamp.
        let per_sigma: Vec<Tensor<2>> = inv
            .iter()
            .map(|&inv| {
                below_min
                    .clone()
                    .mul_scalar(inv.min(1e30))
                    .clamp_min(-80.0)
                    .exp()
                    .sum_dim(1)
            })
            .collect();
        // One transfer per tile: [rows, 1 + σs], and the nearest sample's index.
        let host = to_f32(Tensor::cat([vec![tile_min], per_sigma].concat(), 1));
        let args = index_vec(tile_arg);
        for (i, row) in host.chunks_exact(1 + inv.len()).enumerate() {
            let m = f64::from(row[0]);
            let old = self.min_e[i];
            if m < old {
                self.min_e[i] = m;
                let j = args[i];
                self.nearest[i * d..(i + 1) * d].copy_from_slice(&mus[j * d..(j + 1) * d]);
            }
            let now = self.min_e[i];
            for (k, &sum) in row[1..].iter().enumerate() {
                let tile_part = f64::from(sum).ln() - (m - now) * inv[k];
                let old_part = self.rel[k][i] - (old - now) * inv[k];
                self.rel[k][i] = log_add_exp(old_part, tile_part);
            }
        }
    }

    /// The sums with the nearest sample's squared distance, which `e` holds only to f32's
    /// cancellation error `‖x‖² + ‖μ‖² − 2x·μ`, recomputed exactly in f64 from the rows
    /// themselves; and their bounds, but for σ so small that they need [`Self::count_near`].
    fn finish(&self, d: usize, max_norm: f64, inv: &[f64]) -> Final {
        let exact: Vec<f64> = self
            .x_host
            .chunks_exact(d)
            .zip(self.nearest.chunks_exact(d))
            .map(|(x, mu)| exact_sq_distance(x, mu))
            .collect();
        let x_norms: Vec<f64> = self
            .x_host
            .chunks_exact(d)
            .map(|r| r.iter().map(|&v| f64::from(v).powi(2)).sum())
            .collect();
        let delta = gap_error(&self.min_e, &x_norms, &exact, max_norm);
        let tiny: Vec<bool> = inv.iter().map(|&inv| tiny_regime(delta, inv)).collect();
        let bounds = (self.rel.iter().zip(inv))
            .map(|(rel, &inv)| {
                rel.iter()
                    .map(|&r| RowBound::Tail(r).nats(delta, inv))
                    .collect()
            })
            .collect();
        let values = (self.rel.iter().zip(inv))
            .map(|(r, &inv)| r.iter().zip(&exact).map(|(&r, &d2)| r - d2 * inv).collect())
            .collect();
        Final {
            values,
            bounds,
            delta,
            tiny,
        }
    }

    /// Adds to `counts[σ][row]` the samples of one chunk that lie within the f32 gap error
    /// (2δ) plus `40·2σ²` of the row's nearest (its own included), for the σ that need it.
    fn count_near(&self, tile: &Tensor<2>, inv: &[f64], delta: f64, counts: &mut [Vec<u64>]) {
        let device = self.x1.device();
        let rows = self.min_e.len();
        let mins: Vec<f32> = self.min_e.iter().map(|&m| m as f32).collect();
        let mins = Tensor::<2>::from_data(TensorData::new(mins, [rows, 1]), &device);
        let gap = self.x1.clone().matmul(tile.clone()) - mins;
        for (k, &inv) in inv.iter().enumerate() {
            if !tiny_regime(delta, inv) {
                continue;
            }
            let reach = (2.0 * delta + 40.0 / inv) as f32;
            let near = gap.clone().lower_equal_elem(reach).int().sum_dim(1);
            for (c, n) in counts[k].iter_mut().zip(index_vec(near)) {
                *c += n as u64;
            }
        }
    }
}

impl Final {
    /// Replaces the bounds of the tiny σ by the counts' (`counts[σ][row]`).
    fn bound_ties(&mut self, counts: &[Vec<u64>], inv: &[f64]) {
        for (k, &inv) in inv.iter().enumerate() {
            if self.tiny[k] {
                self.bounds[k] = (counts[k].iter())
                    .map(|&c| RowBound::Ties(c).nats(self.delta, inv))
                    .collect();
            }
        }
    }
}

fn index_vec(t: Tensor<2, Int>) -> Vec<usize> {
    t.into_data()
        .convert::<i64>()
        .try_into_vec::<i64>()
        .expect("integer data")
        .into_iter()
        .map(|v| v.max(0) as usize)
        .collect()
}

/// `ln(eᵃ + eᵇ)` without overflow; `−∞` is the empty sum.
fn log_add_exp(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY {
        hi
    } else {
        hi + (lo - hi).exp().ln_1p()
    }
}

#[cfg(test)]
mod tests {
    use gan_backend::{Backend, test_backends};

    /// The tiles go parallel on the CPU backends only: the check reads Burn's `Debug` form,
    /// which a Burn upgrade could change.
    #[test]
    fn host_devices_are_told_from_gpus() {
        for backend in test_backends() {
            for device in [backend.device(), backend.autodiff_device()] {
                assert_eq!(super::runs_on_host(&device), backend.is_cpu(), "{device:?}");
            }
        }
        assert!(super::runs_on_host(&Backend::Flex.device()));
    }
}
