//! The tiled computation behind [`crate::ParzenEvaluator::log_likelihoods`]: distance tiles
//! that fit [`crate::ParzenConfig::tile_budget_bytes`], one log-sum-exp per row and σ, the
//! nearest sample's distance recomputed exactly, and a bound on what single precision left.

use burn::tensor::{Device, Int, Tensor, TensorData};
use rayon::prelude::*;

use crate::precision::{RowBound, exact_sq_distance, gap_error, tiny_regime};

/// Per σ, per test row: `log Σ_i exp(−‖x − μ_i‖²/(2σ²))` (without the normalising constants)
/// and a bound on its error (see [`crate::precision`]).
pub(crate) struct LogSums {
    pub values: Vec<Vec<f64>>,
    pub bounds: Vec<Vec<f64>>,
}

/// The samples on the device, whole and in tiles `[−2μᵀ; ‖μ‖²]` of `cols` samples.
struct Samples {
    whole: Tensor<2>,
    tiles: Vec<Tensor<2>>,
    cols: usize,
    max_norm: f64,
    dim: usize,
}

/// Every row of `x` against the rows of `samples`, for every σ. Inputs are checked by the
/// caller (non-empty, same width, finite, `1/(2σ²)` finite, a budget of at least one value);
/// `x` is on the samples' device.
pub(crate) fn log_sums(
    samples: &Tensor<2>,
    x: &Tensor<2>,
    sigmas: &[f64],
    tile_budget_bytes: usize,
) -> LogSums {
    let [n, dim] = samples.dims();
    let [m, _] = x.dims();
    // One tile is [rows, cols] f32: all samples at once if the budget allows, else fewer.
    let cells = tile_budget_bytes / 4;
    let cols = n.min(cells).max(1);
    let rows = (cells / cols).clamp(1, m);
    let max_norm = samples
        .clone()
        .powi_scalar(2)
        .sum_dim(1)
        .max()
        .into_scalar::<f64>();
    // Per sample tile, once: [−2μᵀ; ‖μ‖²], `[d + 1, cols]`, so that a test tile with a
    // column of ones appended gets its distances (less ‖x‖²) from one matrix product.
    let tiles = (0..n)
        .step_by(cols)
        .map(|start| {
            let tile = samples.clone().narrow(0, start, cols.min(n - start));
            let norms = tile.clone().powi_scalar(2).sum_dim(1).transpose();
            Tensor::cat(vec![tile.transpose().mul_scalar(-2.0), norms], 0)
        })
        .collect();
    let samples = Samples {
        whole: samples.clone(),
        tiles,
        cols,
        max_norm,
        dim,
    };
    let starts: Vec<usize> = (0..m).step_by(rows).collect();
    let tile = |&start: &usize| {
        let tile = x.clone().narrow(0, start, rows.min(m - start));
        tile_log_sums(tile, &samples, sigmas)
    };
    // On the CPU, test tiles run on every core at once (each tile's exponentials and
    // reductions are single-threaded in Burn's CPU backends); results are the same as in
    // turn. A GPU takes them one after another.
    let per_tile: Vec<LogSums> = if runs_on_host(&x.device()) {
        starts.par_iter().map(tile).collect()
    } else {
        starts.iter().map(tile).collect()
    };
    let mut out = LogSums {
        values: vec![Vec::with_capacity(m); sigmas.len()],
        bounds: vec![Vec::with_capacity(m); sigmas.len()],
    };
    for t in per_tile {
        for k in 0..sigmas.len() {
            out.values[k].extend(&t.values[k]);
            out.bounds[k].extend(&t.bounds[k]);
        }
    }
    out
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

/// For one tile of test rows: per σ, `log Σ_i exp(−‖x − μ_i‖²/(2σ²))` and its error bound.
///
/// The device computes `e_i = ‖μ_i‖² − 2x·μ_i`, the squared distance less the row's constant
/// `‖x‖²`, as one product `[x, 1]·[−2μᵀ; ‖μ‖²]`, then for every σ the sum of
/// `exp((min_i e_i − e_i)/(2σ²))` over the tile: every exponent is ≤ 0 and the nearest sample
/// contributes 1, so nothing underflows for tiny σ, and one distance tile serves the whole
/// grid. The host combines sample tiles in f64, relative to the nearest sample so far (no
/// device tensor is carried from one sample tile to the next: on wgpu with Burn 0.22.1's
/// fusion, sums carried on the device read back wrong after a few tiles). At the end the
/// nearest sample's squared distance, which `e` holds only to f32's cancellation error
/// `‖x‖² + ‖μ‖² − 2x·μ`, is recomputed exactly in f64 from the rows themselves.
fn tile_log_sums(x: Tensor<2>, samples: &Samples, sigmas: &[f64]) -> LogSums {
    let x_host = to_f32(x.clone());
    let rows = x_host.len() / samples.dim;
    let ones = Tensor::ones([rows, 1], &x.device());
    let x1 = Tensor::cat(vec![x.clone(), ones], 1);
    let inv: Vec<f64> = sigmas.iter().map(|&s| 1.0 / (2.0 * s * s)).collect();
    // Per row: the smallest e so far, its sample, and per σ log Σ exp(−(e − min e)/(2σ²)).
    let mut min_e = vec![f64::INFINITY; rows];
    let mut nearest = vec![0usize; rows];
    let mut rel = vec![vec![f64::NEG_INFINITY; rows]; sigmas.len()];
    for (t, tile) in samples.tiles.iter().enumerate() {
        let e = x1.clone().matmul(tile.clone());
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
        for (i, row) in host.chunks_exact(1 + sigmas.len()).enumerate() {
            let m = f64::from(row[0]);
            let old = min_e[i];
            if m < old {
                min_e[i] = m;
                nearest[i] = t * samples.cols + args[i];
            }
            for (k, &sum) in row[1..].iter().enumerate() {
                let tile_part = f64::from(sum).ln() - (m - min_e[i]) * inv[k];
                let old_part = rel[k][i] - (old - min_e[i]) * inv[k];
                rel[k][i] = log_add_exp(old_part, tile_part);
            }
        }
    }
    let d = samples.dim;
    // Only the nearest samples come to the host (not all of them: memory stays bounded).
    let picked: Vec<i64> = nearest.iter().map(|&j| j as i64).collect();
    let picked = Tensor::<1, Int>::from_data(TensorData::new(picked, [rows]), &x.device());
    let mus = to_f32(samples.whole.clone().select(0, picked));
    let exact: Vec<f64> = (0..rows)
        .map(|i| exact_sq_distance(&x_host[i * d..(i + 1) * d], &mus[i * d..(i + 1) * d]))
        .collect();
    let x_norms: Vec<f64> = x_host
        .chunks_exact(d)
        .map(|r| r.iter().map(|&v| f64::from(v).powi(2)).sum())
        .collect();
    let delta = gap_error(&min_e, &x_norms, &exact, samples.max_norm);
    let mut near = None;
    let mut bounds = Vec::with_capacity(sigmas.len());
    for (k, &inv_k) in inv.iter().enumerate() {
        let bound = if tiny_regime(delta, inv_k) {
            // Samples the f32 gaps cannot tell from the nearest one: counted on the device.
            let counts = near.get_or_insert_with(|| near_counts(&x1, samples, &min_e, &inv, delta));
            counts[k]
                .iter()
                .map(|&c| RowBound::Ties(c).nats(delta, inv_k))
                .collect()
        } else {
            rel[k]
                .iter()
                .map(|&r| RowBound::Tail(r).nats(delta, inv_k))
                .collect()
        };
        bounds.push(bound);
    }
    let values = rel
        .iter()
        .zip(&inv)
        .map(|(r, &inv)| r.iter().zip(&exact).map(|(&r, &d2)| r - d2 * inv).collect())
        .collect();
    LogSums { values, bounds }
}

/// Per σ, per row: how many samples lie within the f32 gap error (2δ) plus `40·2σ²` of the
/// row's nearest (its own included). A second pass over the sample tiles, run only for σ
/// so small that f32 gaps cannot rank near samples.
fn near_counts(
    x1: &Tensor<2>,
    samples: &Samples,
    min_e: &[f64],
    inv: &[f64],
    delta: f64,
) -> Vec<Vec<u64>> {
    let device = x1.device();
    let rows = min_e.len();
    let mins: Vec<f32> = min_e.iter().map(|&m| m as f32).collect();
    let mins = Tensor::<2>::from_data(burn::tensor::TensorData::new(mins, [rows, 1]), &device);
    let mut counts = vec![vec![0u64; rows]; inv.len()];
    for tile in &samples.tiles {
        let gap = x1.clone().matmul(tile.clone()) - mins.clone();
        for (k, &inv) in inv.iter().enumerate() {
            let reach = (2.0 * delta + 40.0 / inv) as f32;
            let near = gap.clone().lower_equal_elem(reach).int().sum_dim(1);
            for (c, n) in counts[k].iter_mut().zip(index_vec(near)) {
                *c += n as u64;
            }
        }
    }
    counts
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
