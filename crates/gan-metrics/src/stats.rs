//! Summary statistics the metrics report: means, population standard deviations, quantiles.

/// Mean of `values` (NaN for none).
pub(crate) fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Mean and population standard deviation (numpy's default `ddof = 0`, as torch-fidelity).
pub(crate) fn mean_and_std(values: &[f64]) -> (f64, f64) {
    let m = mean(values);
    let variance = values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / values.len() as f64;
    (m, variance.sqrt())
}

/// `values` in ascending order.
pub(crate) fn sorted(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// The q-quantile of ascending `sorted` values, interpolated linearly between order statistics
/// (numpy's default); NaN for no values.
pub(crate) fn quantile_of_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

/// The q-quantile with linear interpolation between order statistics (numpy's default); NaN
/// for no values.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    quantile_of_sorted(&sorted(values), q)
}
