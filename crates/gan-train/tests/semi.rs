//! The linear probe of semi-supervised learning against independent computations: the closed
//! optimality condition of a symmetric two-class problem (solved by bisection in f64), a zero
//! gradient by finite differences of the objective computed on the host in f64, the labelled
//! draw, the feature scaling, and a toy where a nonlinear feature map beats the raw inputs.

use burn::tensor::{Device, Tensor, TensorData};
use gan_data::Dataset;
use gan_train::{
    FeatureScaling, ProbeConfig, draw_labelled, error_rate, fit_probe, linear_probe_error,
    probe_predictions,
};

fn device() -> Device {
    Device::flex()
}

fn matrix(values: Vec<f32>, cols: usize) -> Tensor<2> {
    let rows = values.len() / cols;
    Tensor::from_data(TensorData::new(values, [rows, cols]), &device())
}

fn host(t: Tensor<2>) -> Vec<f64> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap()
        .into_iter()
        .map(f64::from)
        .collect()
}

/// Weights `[d, k]` and biases `[k]` of a fitted probe, in f64.
fn parameters(probe: &burn::nn::Linear) -> (Vec<f64>, Vec<f64>) {
    let w = host(probe.weight.val());
    let b = probe.bias.as_ref().unwrap().val().unsqueeze_dim::<2>(0);
    (w, host(b))
}

/// Mean cross-entropy plus `l2/2 ‖W‖²`, in f64 on the host.
fn objective(x: &[f64], labels: &[u8], w: &[f64], b: &[f64], k: usize, l2: f64) -> f64 {
    let d = w.len() / k;
    let n = labels.len();
    let mut total = 0.0;
    for (row, &label) in x.chunks(d).zip(labels) {
        let logits: Vec<f64> = (0..k)
            .map(|c| b[c] + (0..d).map(|j| row[j] * w[j * k + c]).sum::<f64>())
            .collect();
        let max = logits.iter().cloned().fold(f64::MIN, f64::max);
        let log_sum = max + logits.iter().map(|l| (l - max).exp()).sum::<f64>().ln();
        total += log_sum - logits[usize::from(label)];
    }
    total / n as f64 + l2 / 2.0 * w.iter().map(|v| v * v).sum::<f64>()
}

#[test]
fn a_symmetric_two_class_fit_meets_its_optimality_condition() {
    // x = +1 is class 1, x = −1 class 0. With u = w₁ − w₀ (and w₀ = −w₁ at the optimum) the
    // objective is ln(1 + e^{−u}) + λu²/4, minimal where λu/2 = 1/(1 + e^{u}).
    let l2 = 0.1;
    let probe = fit_probe(
        matrix(vec![1.0, -1.0, 1.0, -1.0], 1),
        &[1, 0, 1, 0],
        2,
        l2,
        100,
    )
    .unwrap();
    let (w, b) = parameters(&probe);
    let condition = |u: f64| l2 * u / 2.0 - 1.0 / (1.0 + u.exp());
    let (mut lo, mut hi) = (0.0, 100.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if condition(mid) > 0.0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let expected = 0.5 * (lo + hi);
    let fitted = w[1] - w[0];
    assert!(
        (fitted - expected).abs() < 1e-3 * expected,
        "u = {fitted}, the condition's root is {expected}"
    );
    assert!((b[1] - b[0]).abs() < 1e-4, "biases {b:?}");
}

#[test]
fn a_fitted_probe_has_zero_gradient_by_finite_differences() {
    // 3 classes, 4 features, 30 rows of a fixed pseudo-random pattern: no closed form, but the
    // penalised objective's gradient must vanish at the optimum.
    let (k, d, n) = (3usize, 4usize, 30usize);
    let x: Vec<f32> = (0..n * d)
        .map(|i| ((i * 7919 + 13) % 101) as f32 / 50.0 - 1.0)
        .collect();
    let labels: Vec<u8> = (0..n).map(|i| ((i * 31 + i / 7) % k) as u8).collect();
    let l2 = 0.05;
    let probe = fit_probe(matrix(x.clone(), d), &labels, k, l2, 500).unwrap();
    let (w, b) = parameters(&probe);
    let x: Vec<f64> = x.into_iter().map(f64::from).collect();
    let h = 1e-5;
    for j in 0..w.len() {
        let (mut plus, mut minus) = (w.clone(), w.clone());
        plus[j] += h;
        minus[j] -= h;
        let slope = (objective(&x, &labels, &plus, &b, k, l2)
            - objective(&x, &labels, &minus, &b, k, l2))
            / (2.0 * h);
        assert!(slope.abs() < 2e-3, "∂/∂w[{j}] = {slope}");
    }
    for c in 0..k {
        let (mut plus, mut minus) = (b.clone(), b.clone());
        plus[c] += h;
        minus[c] -= h;
        let slope = (objective(&x, &labels, &w, &plus, k, l2)
            - objective(&x, &labels, &w, &minus, k, l2))
            / (2.0 * h);
        assert!(slope.abs() < 2e-3, "∂/∂b[{c}] = {slope}");
    }
}

#[test]
fn the_labelled_draw_takes_each_class_equally_and_follows_its_seed() {
    let labels: Vec<u8> = (0..300).map(|i| (i % 3) as u8).collect();
    let a = draw_labelled(&labels, 3, 7, 1).unwrap();
    assert_eq!(a.len(), 21);
    for c in 0..3u8 {
        assert_eq!(a.iter().filter(|&&i| labels[i] == c).count(), 7);
    }
    assert_eq!(a, draw_labelled(&labels, 3, 7, 1).unwrap());
    assert_ne!(a, draw_labelled(&labels, 3, 7, 2).unwrap());
    assert!(draw_labelled(&labels, 3, 101, 1).is_err());
    assert!(draw_labelled(&labels, 3, 0, 1).is_err());
    assert!(
        draw_labelled(&labels, 4, 1, 1).is_err(),
        "class 3 has no rows"
    );
}

#[test]
fn the_scaling_centres_each_feature_and_divides_by_the_root_mean_variance() {
    let values: Vec<f32> = (0..50 * 3)
        .map(|i| ((i * 37) % 17) as f32 * (1 + i % 3) as f32)
        .collect();
    let data = Dataset::new(values.clone(), vec![3], None).unwrap();
    let scaling = FeatureScaling::fit(&|x| x, &data, &device()).unwrap();
    let column = |j: usize| values.iter().skip(j).step_by(3).map(|&v| f64::from(v));
    let means: Vec<f64> = (0..3).map(|j| column(j).sum::<f64>() / 50.0).collect();
    let variance = (0..3)
        .map(|j| column(j).map(|v| (v - means[j]).powi(2)).sum::<f64>() / 50.0)
        .sum::<f64>()
        / 3.0;
    for (got, expected) in scaling.mean.iter().zip(&means) {
        assert!((f64::from(*got) - expected).abs() < 1e-4);
    }
    assert!((f64::from(scaling.scale) - variance.sqrt()).abs() < 1e-4);
    let scaled = host(scaling.apply(matrix(values, 3)));
    assert!(scaled.iter().sum::<f64>().abs() < 1e-3);
}

/// XOR of two noisy inputs, as rows `[a, b]` with labels `a > ½ xor b > ½`.
fn xor(rows: usize, seed: usize) -> Dataset {
    let mut values = Vec::with_capacity(rows * 2);
    let mut labels = Vec::with_capacity(rows);
    for i in 0..rows {
        let bits = [(i + seed) % 2, (i / 2 + seed) % 2];
        for (j, &bit) in bits.iter().enumerate() {
            let jitter = ((i * 7 + j * 13 + seed) % 21) as f32 / 100.0 - 0.1;
            values.push(bit as f32 * 0.8 + 0.1 + jitter);
        }
        labels.push((bits[0] ^ bits[1]) as u8);
    }
    Dataset::new(values, vec![2], Some(labels)).unwrap()
}

#[test]
fn a_nonlinear_feature_map_beats_the_raw_inputs_on_xor() {
    let (train, test) = (xor(400, 0), xor(200, 1));
    let config = ProbeConfig::default();
    let raw = linear_probe_error(&|x| x, &train, &test, 10, 0, &config, &device()).unwrap();
    // |a − b| is the XOR itself; a linear read-out of it needs one weight.
    let gap = |x: Tensor<2>| {
        let a = x.clone().narrow(1, 0, 1);
        let b = x.narrow(1, 1, 1);
        Tensor::cat(vec![(a.clone() - b.clone()).abs(), a + b], 1)
    };
    let ours = linear_probe_error(&gap, &train, &test, 10, 0, &config, &device()).unwrap();
    assert_eq!(
        (ours.labels, ours.feature_dim, ours.test_rows),
        (20, 2, 200)
    );
    assert!(
        raw.error > 0.3,
        "XOR is not linear: raw error {}",
        raw.error
    );
    assert!(
        ours.error < 0.05,
        "|a − b| separates XOR: error {}",
        ours.error
    );
    assert!(
        !ours.penalty.cv_errors.is_empty(),
        "10 labels per class allow 5 folds"
    );
}

#[test]
fn predictions_and_error_rate_agree_with_a_hand_made_probe() {
    let mut probe = burn::nn::LinearConfig::new(2, 2).init(&device());
    probe.weight = probe.weight.map(|_| matrix(vec![1.0, -1.0, -1.0, 1.0], 2));
    probe.bias = probe.bias.map(|b| b.map(|t| t.zeros_like()));
    let predicted =
        probe_predictions(&probe, matrix(vec![2.0, 1.0, 0.0, 3.0, 5.0, 5.5], 2)).unwrap();
    assert_eq!(predicted, vec![0, 1, 1]);
    assert!((error_rate(&predicted, &[0, 1, 0]) - 1.0 / 3.0).abs() < 1e-12);
}
