//! D's last hidden layer as `GanDiscriminator::features_train` gives it (what feature matching
//! compares): the paper's maxout layers against a float64 computation from their pieces, and
//! the DCGAN discriminator's flattened last convolution.

mod common;

use burn::tensor::{Distribution, Tensor};
use common::{on_each_device, values};
use gan_nn::*;

#[test]
fn maxout_features_are_the_last_hidden_layer() {
    on_each_device(|device| {
        let no_dropout = vec![InputDropoutConfig::new(1.0, 1.0); 2];
        let d = DiscriminatorConfig::new(5, vec![MaxoutLayerConfig::new(3, 4)], no_dropout)
            .with_init(burn::nn::Initializer::Uniform {
                min: -1.0,
                max: 1.0,
            })
            .init(device)
            .unwrap();
        let x = Tensor::<2>::random([6, 5], Distribution::Uniform(-1.0, 1.0), device);
        let got = values(GanDiscriminator::features_train(&d, x.clone(), None).unwrap());
        // max over pieces j of x W_j + b_j, in f64 from each piece's affine map.
        let xs = values(x);
        let pieces: Vec<(Vec<f32>, Vec<f32>)> = (0..4)
            .map(|j| {
                let (w, b) = d.hidden[0].piece(j).unwrap();
                (values(w), values(b))
            })
            .collect();
        for r in 0..6 {
            for u in 0..3 {
                let expected = pieces
                    .iter()
                    .map(|(w, b)| {
                        (0..5)
                            .map(|k| f64::from(xs[r * 5 + k]) * f64::from(w[k * 3 + u]))
                            .sum::<f64>()
                            + f64::from(b[u])
                    })
                    .fold(f64::NEG_INFINITY, f64::max);
                let g = f64::from(got[r * 3 + u]);
                assert!(
                    (g - expected).abs() < 1e-5,
                    "row {r} unit {u}: {g} vs {expected}"
                );
            }
        }
    });
}

#[test]
fn dcgan_features_are_its_flattened_last_convolution() {
    on_each_device(|device| {
        let config = DcganConfig::new([1, 8, 8]).with_base_channels(4);
        let (_, d) = config.init(device).unwrap();
        let x = Tensor::<4>::random([3, 1, 8, 8], Distribution::Uniform(0.0, 1.0), device);
        let f = GanDiscriminator::features_train(&d, x, None).unwrap();
        // Two stride-2 convolutions: 8 × 8 → 2 × 2, with `base_channels` maps.
        assert_eq!(f.dims(), [3, 4 * 2 * 2]);
        assert!(values(f).iter().all(|v| v.is_finite()));
    });
}
