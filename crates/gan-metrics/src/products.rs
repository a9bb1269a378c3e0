//! Inner products and squared distances between sets of rows, a block of rows at a time.
//!
//! Every metric here reduces a rows × rows matrix (distances or kernel values) that would not fit
//! in memory whole for large sets. Blocks of the left set's rows are handed to a closure in
//! parallel (rayon), each block's products computed by the `gemm` crate, the same blocked
//! matrix-product kernels Burn's Flex backend uses.

use rayon::prelude::*;

use crate::rows::Rows;

/// Entries of one block (rows × right rows): 4 Mi values, 32 MiB of float64 per thread.
const BLOCK_VALUES: usize = 1 << 22;

/// `out (m × n) = lhs · rhs` for float64 matrices given by pointer strides (row stride, column
/// stride) into slices; `out` is row-major.
#[allow(clippy::too_many_arguments)]
pub(crate) fn multiply(
    (m, n, k): (usize, usize, usize),
    lhs: &[f64],
    (lhs_rs, lhs_cs): (usize, usize),
    rhs: &[f64],
    (rhs_rs, rhs_cs): (usize, usize),
    out: &mut [f64],
) {
    let last = |rows: usize, cols: usize, rs: usize, cs: usize| {
        (rows.max(1) - 1) * rs + (cols.max(1) - 1) * cs
    };
    assert!(
        m * k == 0 || last(m, k, lhs_rs, lhs_cs) < lhs.len(),
        "lhs out of bounds"
    );
    assert!(
        k * n == 0 || last(k, n, rhs_rs, rhs_cs) < rhs.len(),
        "rhs out of bounds"
    );
    assert!(out.len() >= m * n, "out out of bounds");
    if m * n == 0 {
        return;
    }
    if k == 0 {
        out[..m * n].fill(0.0);
        return;
    }
    // SAFETY: the assertions above keep every strided index the kernel reads inside `lhs` and
    // `rhs`, and every index it writes (i·n + j, row-major) inside `out`, which a `&mut`
    // borrow keeps from aliasing the inputs.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            false,
            lhs.as_ptr(),
            lhs_cs as isize,
            lhs_rs as isize,
            rhs.as_ptr(),
            rhs_cs as isize,
            rhs_rs as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Rows of `left` per block, so that a block of products against `right` stays near
/// [`BLOCK_VALUES`].
fn block_rows(right_rows: usize) -> usize {
    (BLOCK_VALUES / right_rows.max(1)).clamp(8, 1024)
}

/// Calls `visit(first_row, rows, products)` for consecutive blocks of `left`'s rows, in
/// parallel, where `products[i · right.rows() + j] = left[first_row + i] · right[j]`; returns
/// what each call returned, in row order.
pub(crate) fn map_product_blocks<T, F>(left: &Rows, right: &Rows, visit: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize, usize, &[f64]) -> T + Sync,
{
    let (n, d) = (right.rows(), right.dim());
    let block = block_rows(n);
    let starts: Vec<usize> = (0..left.rows()).step_by(block).collect();
    starts
        .into_par_iter()
        .map(|first| {
            let rows = block.min(left.rows() - first);
            let mut products = vec![0.0; rows * n];
            let lhs = &left.values()[first * d..(first + rows) * d];
            multiply(
                (rows, n, d),
                lhs,
                (d, 1),
                right.values(),
                (1, d),
                &mut products,
            );
            visit(first, rows, &products)
        })
        .collect()
}

/// Like [`map_product_blocks`], with squared Euclidean distances `‖l − r‖²` (clamped at 0,
/// which rounding can cross) in place of inner products.
pub(crate) fn map_distance_blocks<T, F>(left: &Rows, right: &Rows, visit: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize, usize, &[f64]) -> T + Sync,
{
    let left_norms = left.squared_norms();
    let right_norms = right.squared_norms();
    map_product_blocks(left, right, |first, rows, products| {
        let n = right.rows();
        let distances: Vec<f64> = products
            .iter()
            .enumerate()
            .map(|(index, p)| {
                let (i, j) = (first + index / n, index % n);
                (left_norms[i] + right_norms[j] - 2.0 * p).max(0.0)
            })
            .collect();
        visit(first, rows, &distances)
    })
}

/// For every row of `rows`, the Euclidean distance to its k-th nearest row of the same set,
/// the row itself counted as the 0-th (the radius of the `prdc` package).
pub(crate) fn kth_neighbour_radii(rows: &Rows, k: usize) -> Vec<f64> {
    let n = rows.rows();
    map_distance_blocks(rows, rows, |_, block, distances| {
        distances
            .chunks_exact(n)
            .take(block)
            .map(|row| {
                let mut row = row.to_vec();
                let (_, kth, _) = row.select_nth_unstable_by(k, f64::total_cmp);
                kth.sqrt()
            })
            .collect::<Vec<_>>()
    })
    .concat()
}

/// For every row of `left`: the index of its nearest row of `right` and the Euclidean distance
/// to it.
pub(crate) fn nearest_rows(left: &Rows, right: &Rows) -> Vec<(usize, f64)> {
    let n = right.rows();
    map_distance_blocks(left, right, |_, _, distances| {
        distances
            .chunks_exact(n)
            .map(|row| {
                let (j, d) = row
                    .iter()
                    .enumerate()
                    .min_by(|a, b| a.1.total_cmp(b.1))
                    .map(|(j, d)| (j, *d))
                    .unwrap_or((0, f64::INFINITY));
                (j, d.sqrt())
            })
            .collect::<Vec<_>>()
    })
    .concat()
}
