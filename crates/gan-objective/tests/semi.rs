//! The semi-supervised objectives against f64 references written out by hand, on every test
//! backend.

use burn::tensor::{Device, Int, Tensor, TensorData};
use gan_backend::test_backends;
use gan_objective::{feature_matching_loss, supervised_loss, unsupervised_loss};

const LOGITS: [[f64; 3]; 4] = [
    [2.0, -1.0, 0.5],
    [-3.0, 4.0, 1.0],
    [0.0, 0.0, 0.0],
    [90.0, 88.0, -5.0],
];

fn matrix(rows: &[[f64; 3]], device: &Device) -> Tensor<2> {
    let flat: Vec<f32> = rows.iter().flatten().map(|&v| v as f32).collect();
    Tensor::from_data(TensorData::new(flat, [rows.len(), 3]), device)
}

fn scalar(t: Tensor<1>) -> f64 {
    t.into_scalar::<f64>()
}

fn log_sum_exp(row: &[f64]) -> f64 {
    let max = row.iter().cloned().fold(f64::MIN, f64::max);
    max + row.iter().map(|v| (v - max).exp()).sum::<f64>().ln()
}

fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

#[test]
fn supervised_loss_is_the_mean_cross_entropy_over_the_real_classes() {
    for backend in test_backends() {
        let device = backend.device();
        let labels = [0i64, 1, 2, 1];
        let y = Tensor::<1, Int>::from_data(TensorData::new(labels.to_vec(), [4]), &device);
        let got = scalar(supervised_loss(matrix(&LOGITS, &device), y));
        let expected = LOGITS
            .iter()
            .zip(labels)
            .map(|(row, l)| log_sum_exp(row) - row[l as usize])
            .sum::<f64>()
            / 4.0;
        assert!(
            (got - expected).abs() < 1e-4,
            "{backend}: {got} vs {expected}"
        );
    }
}

#[test]
fn the_unsupervised_loss_is_half_the_discriminator_loss_on_log_z() {
    for backend in test_backends() {
        let device = backend.device();
        let column = |rows: &[[f64; 3]]| {
            let v: Vec<f32> = rows.iter().map(|r| log_sum_exp(r) as f32).collect();
            Tensor::<2>::from_data(TensorData::new(v, [rows.len(), 1]), &device)
        };
        let got = scalar(unsupervised_loss(
            column(&LOGITS[..2]),
            column(&LOGITS[2..]),
        ));
        let expected = 0.5
            * (LOGITS[..2]
                .iter()
                .map(|r| softplus(-log_sum_exp(r)))
                .sum::<f64>()
                / 2.0
                + LOGITS[2..]
                    .iter()
                    .map(|r| softplus(log_sum_exp(r)))
                    .sum::<f64>()
                    / 2.0);
        assert!(
            (got - expected).abs() < 1e-3,
            "{backend}: {got} vs {expected}"
        );
    }
}

#[test]
fn feature_matching_compares_the_batch_means() {
    for backend in test_backends() {
        let device = backend.device();
        let real = matrix(&LOGITS[..3], &device);
        let fake = matrix(&LOGITS[1..], &device);
        let got = scalar(feature_matching_loss(real, fake));
        let mean = |rows: &[[f64; 3]], j: usize| rows.iter().map(|r| r[j]).sum::<f64>() / 3.0;
        let expected = (0..3)
            .map(|j| (mean(&LOGITS[..3], j) - mean(&LOGITS[1..], j)).powi(2))
            .sum::<f64>()
            / 3.0;
        assert!(
            (got - expected).abs() < 1e-3,
            "{backend}: {got} vs {expected}"
        );
        // Equal batch means: no gradient to follow, whatever the rows.
        let same = scalar(feature_matching_loss(
            matrix(&[[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], &device),
            matrix(&[[2.0, 2.0, 2.0]], &device),
        ));
        assert!(same.abs() < 1e-9);
    }
}
