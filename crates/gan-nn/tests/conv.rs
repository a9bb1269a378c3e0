//! The paper's convolutional CIFAR-10 players: the maxout convolution and the transposed
//! convolution against naive loops written here, the released layer sizes, and bad configs,
//! on every backend compiled in.

use burn::module::Param;
use burn::tensor::{Tensor, TensorData};
use gan_nn::*;

mod common;
use common::{on_each_device, values};

/// Deterministic values in about [−1, 1].
fn wave(n: usize, salt: usize) -> Vec<f32> {
    (0..n)
        .map(|i| (((i * 37 + salt * 11) % 29) as f32 - 14.0) / 14.0)
        .collect()
}

#[test]
fn maxout_conv_is_a_convolution_a_max_over_pieces_and_a_pool_with_partial_windows() {
    on_each_device(|device| {
        // 2 input channels of 5 × 5, kernel 2, pad 1: a 6 × 6 detector; pool 4 / stride 3
        // covers rows 0..4 and 3..6, the second window partial.
        let (cin, units, pieces, k, pad, side) = (2, 3, 2, 2, 1, 5);
        let config = MaxoutConvConfig::new(cin, units, pieces, k, pad, 4, 3);
        assert_eq!(config.output_side(side), Some(2));
        let mut layer = config.init(device).unwrap();
        let (w, b) = (
            wave(units * pieces * cin * k * k, 1),
            wave(units * pieces, 2),
        );
        layer.conv.weight = Param::from_tensor(Tensor::from_data(
            TensorData::new(w.clone(), [units * pieces, cin, k, k]),
            device,
        ));
        layer.conv.bias = Some(Param::from_tensor(Tensor::from_data(
            TensorData::new(b.clone(), [units * pieces]),
            device,
        )));
        let x = wave(cin * side * side, 3);
        let out = values(layer.forward(Tensor::from_data(
            TensorData::new(x.clone(), [1, cin, side, side]),
            device,
        )));

        let det = side + 2 * pad - k + 1;
        let at = |c: usize, y: isize, x_: isize| -> f64 {
            let inside = (0..side as isize).contains(&y) && (0..side as isize).contains(&x_);
            if inside {
                f64::from(x[(c * side + y as usize) * side + x_ as usize])
            } else {
                0.0
            }
        };
        let detector = |unit: usize, y: usize, x_: usize| -> f64 {
            (0..pieces)
                .map(|p| {
                    let o = unit * pieces + p;
                    let mut s = f64::from(b[o]);
                    for c in 0..cin {
                        for ky in 0..k {
                            for kx in 0..k {
                                let wv = f64::from(w[((o * cin + c) * k + ky) * k + kx]);
                                s += wv
                                    * at(
                                        c,
                                        (y + ky) as isize - pad as isize,
                                        (x_ + kx) as isize - pad as isize,
                                    );
                            }
                        }
                    }
                    s
                })
                .fold(f64::NEG_INFINITY, f64::max)
        };
        for unit in 0..units {
            for (py, px) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                let mut m = f64::NEG_INFINITY;
                for y in (py * 3)..(py * 3 + 4).min(det) {
                    for x_ in (px * 3)..(px * 3 + 4).min(det) {
                        m = m.max(detector(unit, y, x_));
                    }
                }
                let got = f64::from(out[(unit * 2 + py) * 2 + px]);
                assert!(
                    (got - m).abs() < 1e-4,
                    "unit {unit} ({py}, {px}): {got} vs {m}"
                );
            }
        }
    });
}

#[test]
fn the_deconvolution_spreads_each_input_over_a_strided_kernel_plus_a_bias_per_value() {
    on_each_device(|device| {
        // 2 maps of 3 × 3, kernel 2, stride 3: each input writes its own 2 × 2 block of an
        // 8 × 8 image; the gaps get the bias alone.
        let config = DeconvGeneratorConfig::new(
            4,
            vec![HiddenLayerConfig::new(18, ActivationConfig::Identity)],
            [2, 3, 3],
            1,
            2,
            3,
        );
        assert_eq!(config.image_shape(), [1, 8, 8]);
        let mut g = config.init(device).unwrap();
        let eye: Vec<f32> = (0..4 * 18)
            .map(|i| if i % 18 == i / 18 { 1.0 } else { 0.0 })
            .collect();
        g.layers[0].weight =
            Param::from_tensor(Tensor::from_data(TensorData::new(eye, [4, 18]), device));
        let maps = wave(18, 4);
        g.layers[0].bias = Some(Param::from_tensor(Tensor::from_data(
            TensorData::new(
                maps.iter()
                    .enumerate()
                    .map(|(i, &v)| if i < 4 { 0.0 } else { v })
                    .collect::<Vec<_>>(),
                [18],
            ),
            device,
        )));
        let w = wave(2 * 2 * 2, 5);
        g.deconv.weight = Param::from_tensor(Tensor::from_data(
            TensorData::new(w.clone(), [2, 1, 2, 2]),
            device,
        ));
        let bias = wave(64, 6);
        g.bias = Param::from_tensor(Tensor::from_data(
            TensorData::new(bias.clone(), [1, 8, 8]),
            device,
        ));
        let z: Vec<f32> = maps[..4].to_vec();
        let out = values(g.forward(Tensor::from_data(TensorData::new(z, [1, 4]), device)));
        for y in 0..8 {
            for x in 0..8 {
                let mut want = f64::from(bias[y * 8 + x]);
                for c in 0..2 {
                    for i in 0..3 {
                        for j in 0..3 {
                            let (ky, kx) =
                                (y as isize - 3 * i as isize, x as isize - 3 * j as isize);
                            if (0..2).contains(&ky) && (0..2).contains(&kx) {
                                let input = f64::from(maps[(c * 3 + i) * 3 + j]);
                                want +=
                                    input * f64::from(w[(c * 2 + ky as usize) * 2 + kx as usize]);
                            }
                        }
                    }
                }
                let got = f64::from(out[y * 8 + x]);
                assert!((got - want).abs() < 1e-5, "({y}, {x}): {got} vs {want}");
            }
        }
    });
}

#[test]
fn the_released_pair_has_the_released_sizes_and_bad_configs_are_errors() {
    let config = PaperConvConfig::paper_cifar10();
    config.validate().unwrap();
    let d = &config.discriminator;
    let sides: Vec<usize> = d
        .conv
        .iter()
        .scan(32, |side, l| {
            let c = MaxoutConvConfig::new(
                1,
                l.num_channels,
                l.num_pieces,
                l.kernel,
                l.pad,
                l.pool_shape,
                l.pool_stride,
            );
            *side = c.output_side(*side).unwrap();
            Some(*side)
        })
        .collect();
    // Detector maps of 33, 15 and 9 (pylearn2's `partial_sum` 33 and 15 say so), pooled with
    // partial windows.
    assert_eq!(sides, vec![16, 7, 5]);
    assert_eq!(config.generator.image_shape(), [3, 32, 32]);

    let device = burn::tensor::Device::flex();
    let d = d.init(&device).unwrap();
    assert_eq!(d.conv[0].conv.weight.dims(), [64, 3, 8, 8]);
    assert_eq!(d.dense[0].linear.weight.dims(), [192 * 5 * 5, 2500]);
    let logits = d.logits(Tensor::zeros([2, 3, 32, 32], &device), None);
    assert_eq!(logits.dims(), [2, 1]);

    let mut bad = PaperConvConfig::paper_cifar10();
    bad.generator.start = [81, 10, 10];
    assert!(
        bad.init(&device).is_err(),
        "the last dense layer no longer fills the maps"
    );
    let mut bad = PaperConvConfig::paper_cifar10();
    bad.discriminator.input_dropout.pop();
    assert!(bad.validate().is_err(), "one dropout setting short");
    let mut bad = PaperConvConfig::paper_cifar10();
    bad.discriminator.image = [3, 8, 8];
    assert!(bad.validate().is_err(), "too small for the layers");
    let mut bad = PaperConvConfig::paper_cifar10();
    bad.generator.stride = 2;
    assert!(bad.validate().is_err(), "draws 23 × 23 images");
}

/// A conditional DCGAN discriminator must be able to tell an image drawn for the wrong class:
/// how much the logit changes between two classes has to depend on the image. (With the
/// class concatenated before a linear logit, as before the projection, the change is one
/// constant for every image.)
#[test]
fn the_conditional_dcgan_discriminator_weighs_the_class_against_the_image() {
    on_each_device(|device| {
        let d = DcganConfig::new([1, 8, 8])
            .with_noise_dim(4)
            .with_base_channels(8)
            .with_condition_dim(2)
            .init_discriminator(device)
            .unwrap();
        let class = |c: usize| {
            let one_hot: Vec<f32> = (0..4).map(|i| if i % 2 == c { 1.0 } else { 0.0 }).collect();
            Tensor::<2>::from_data(TensorData::new(one_hot, [2, 2]), device)
        };
        let x = Tensor::<4>::from_data(TensorData::new(wave(2 * 64, 7), [2, 1, 8, 8]), device);
        let (a, b) = (
            values(d.logits(x.clone(), Some(class(0)))),
            values(d.logits(x, Some(class(1)))),
        );
        let (first, second) = (a[0] - b[0], a[1] - b[1]);
        // Relative to their size: the initial weights are small, so are both changes.
        assert!(
            (first - second).abs() > 1e-2 * (first.abs() + second.abs()),
            "the class shifts both images' logits alike: {first} and {second}"
        );
    });
}
