//! The tiled computation behind [`crate::ParzenEvaluator::log_likelihoods`]: distance tiles
//! that fit [`crate::ParzenConfig::tile_budget_bytes`], one log-sum-exp per row and σ.

use burn::tensor::{Device, Tensor};
use rayon::prelude::*;

/// `log Σ_i exp(−‖x − μ_i‖²/(2σ²))` (without the normalising constants) of every row of `x`
/// against the rows of `samples`, for every σ: `result[s][row]`. Inputs are checked by the
/// caller (non-empty, same width, finite, a budget of at least one value); `x` is on the
/// samples' device.
pub(crate) fn log_sums(
    samples: &Tensor<2>,
    x: &Tensor<2>,
    sigmas: &[f64],
    tile_budget_bytes: usize,
) -> Vec<Vec<f64>> {
    let [n, _] = samples.dims();
    let [m, _] = x.dims();
    // One tile is [rows, cols] f32: all samples at once if the budget allows, else fewer.
    let cells = tile_budget_bytes / 4;
    let cols = n.min(cells).max(1);
    let rows = (cells / cols).clamp(1, m);
    // Per sample tile, once: [−2μᵀ; ‖μ‖²], `[d + 1, cols]`, so that a test tile with a
    // column of ones appended gets its distances (less ‖x‖²) from one matrix product.
    let sample_tiles: Vec<Tensor<2>> = (0..n)
        .step_by(cols)
        .map(|start| {
            let tile = samples.clone().narrow(0, start, cols.min(n - start));
            let norms = tile.clone().powi_scalar(2).sum_dim(1).transpose();
            Tensor::cat(vec![tile.transpose().mul_scalar(-2.0), norms], 0)
        })
        .collect();
    let starts: Vec<usize> = (0..m).step_by(rows).collect();
    let tile = |&start: &usize| {
        let tile = x.clone().narrow(0, start, rows.min(m - start));
        tile_log_likelihoods(tile, &sample_tiles, sigmas)
    };
    // On the CPU, test tiles run on every core at once (each tile's exponentials and
    // reductions are single-threaded in Burn's CPU backends); results are the same as in
    // turn. A GPU takes them one after another.
    let per_tile: Vec<Vec<Vec<f64>>> = if runs_on_host(&x.device()) {
        starts.par_iter().map(tile).collect()
    } else {
        starts.iter().map(tile).collect()
    };
    let mut out = vec![Vec::with_capacity(m); sigmas.len()];
    for per_sigma in per_tile {
        for (dst, values) in out.iter_mut().zip(per_sigma) {
            dst.extend(values);
        }
    }
    out
}

/// Whether `device` computes on the host's cores (Flex, NdArray), not on a GPU. Burn 0.22
/// exposes a device's backend only through its `Debug` form (`Device<Flex(..)>`,
/// `Device<Autodiff { device: NdArray(..), .. }>`).
fn runs_on_host(device: &Device) -> bool {
    let name = format!("{device:?}");
    name.contains("Flex(") || name.contains("NdArray(")
}

/// For one tile of test rows: `logsumexp_i(−‖x − μ_i‖²/(2σ²))` for every σ (without the
/// normalising constants), streaming over the sample tiles.
///
/// The device computes `e_i = ‖μ_i‖² − 2x·μ_i`, the squared distance less the row's constant
/// `‖x‖²` (which comes out of the log-sum-exp), as one product `[x, 1]·[−2μᵀ; ‖μ‖²]`, then for
/// every σ the sum of `exp((min_i e_i − e_i)/(2σ²))` over the tile: every exponent is ≤ 0 and the nearest sample
/// contributes 1, so nothing underflows to `−∞` for tiny σ, and one distance tile serves the
/// whole grid. The sample tiles are combined on the host in f64 (a log-add-exp per row), so no
/// device tensor is carried from one sample tile to the next. (An earlier version kept a
/// running minimum and rescaled sums on the device; on wgpu with Burn 0.22.1's fusion, the
/// sums then read back wrong after a few tiles, an aliasing of buffers in the fused graph.)
fn tile_log_likelihoods(x: Tensor<2>, samples: &[Tensor<2>], sigmas: &[f64]) -> Vec<Vec<f64>> {
    let to_host = |t: Tensor<2>| {
        t.into_data()
            .convert::<f64>()
            .try_into_vec::<f64>()
            .expect("f64 data")
    };
    let x_norms = to_host(x.clone().powi_scalar(2).sum_dim(1));
    let rows = x_norms.len();
    let ones = Tensor::ones([rows, 1], &x.device());
    let x = Tensor::cat(vec![x, ones], 1);
    let inv: Vec<f64> = sigmas.iter().map(|&s| 1.0 / (2.0 * s * s)).collect();
    // Per row: the smallest e so far, and per σ the log of Σ exp(−e/(2σ²)) so far.
    let mut min_e = vec![f64::INFINITY; rows];
    let mut log_sums = vec![vec![f64::NEG_INFINITY; rows]; sigmas.len()];
    for mu_t_neg2_and_norms in samples {
        let e = x.clone().matmul(mu_t_neg2_and_norms.clone());
        let tile_min = e.clone().min_dim(1);
        // min − e (≤ 0) once per tile, shared by every σ of the grid.
        let below_min = tile_min.clone() - e;
        // Exponents are clamped at −80 (exp(−80) ≈ 2·10⁻³⁵) so that none underflows: libm's
        // `expf` takes a slow path (and sets errno) for every result that does, which was a
        // third of the protocol's time. The clamp moves a sum of at least 1 (the nearest
        // sample's term) by under 10⁻³⁰.
        let per_sigma: Vec<Tensor<2>> = inv
            .iter()
            .map(|&inv| {
                below_min
                    .clone()
                    .mul_scalar(inv)
                    .clamp_min(-80.0)
                    .exp()
                    .sum_dim(1)
            })
            .collect();
        // One transfer per tile: [rows, 1 + σs].
        let host = to_host(Tensor::cat([vec![tile_min], per_sigma].concat(), 1));
        for (i, row) in host.chunks_exact(1 + sigmas.len()).enumerate() {
            min_e[i] = min_e[i].min(row[0]);
            for (k, &sum) in row[1..].iter().enumerate() {
                log_sums[k][i] = log_add_exp(log_sums[k][i], sum.ln() - row[0] * inv[k]);
            }
        }
    }
    // log p up to constants = log Σ exp(−(e + ‖x‖²)/(2σ²)), with the nearest squared distance
    // clamped at 0 (rounding can make it slightly negative).
    log_sums
        .into_iter()
        .zip(&inv)
        .map(|(sums, &inv)| {
            sums.into_iter()
                .zip(min_e.iter().zip(&x_norms))
                .map(|(log_sum, (&m, &x2))| log_sum + (m - (m + x2).max(0.0)) * inv)
                .collect()
        })
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
