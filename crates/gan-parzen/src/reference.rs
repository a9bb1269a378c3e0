/// The Parzen-window log-likelihood in plain f64 loops, for tests and small inputs:
/// `log p(x) = logmeanexp_i(−‖x − μ_i‖²/(2σ²)) − d·log(σ√(2π))` for each row of `x`.
///
/// `samples` and `x` are row-major with `d` columns. Written independently of the tiled
/// device path (direct differences, no matrix-product form) so each checks the other.
pub fn reference_log_likelihood(samples: &[f32], x: &[f32], d: usize, sigma: f64) -> Vec<f64> {
    let n = samples.len() / d;
    let log_norm = -(n as f64).ln() - d as f64 * (sigma * (2.0 * std::f64::consts::PI).sqrt()).ln();
    x.chunks_exact(d)
        .map(|row| {
            let terms: Vec<f64> = samples
                .chunks_exact(d)
                .map(|mu| {
                    let sq: f64 = row
                        .iter()
                        .zip(mu)
                        .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
                        .sum();
                    -sq / (2.0 * sigma * sigma)
                })
                .collect();
            let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            max + terms.iter().map(|t| (t - max).exp()).sum::<f64>().ln() + log_norm
        })
        .collect()
}
