//! The paper's released players (MNIST, fully connected CIFAR-10): their shapes and initial
//! weight ranges, on every backend compiled in.

use burn::tensor::{Distribution, Tensor};
use gan_nn::*;

mod common;
use common::{on_each_device, values};

#[test]
fn paper_models_have_the_released_shapes_and_init_ranges() {
    on_each_device(|device| {
        let g = GeneratorConfig::paper_mnist().init(device).unwrap();
        let dims: Vec<[usize; 2]> = g.layers.iter().map(|l| l.weight.dims()).collect();
        assert_eq!(dims, vec![[100, 1200], [1200, 1200], [1200, 784]]);
        for layer in &g.layers {
            let w = values(layer.weight.val());
            assert!(w.iter().all(|v| v.abs() <= 0.05));
            assert!(
                w.iter().any(|v| v.abs() > 0.04),
                "weights should fill U(-0.05, 0.05)"
            );
            assert!(
                values(layer.bias.as_ref().unwrap().val())
                    .iter()
                    .all(|&b| b == 0.0)
            );
        }
        let x = g.forward(Tensor::random(
            [7, 100],
            Distribution::Normal(0.0, 1.0),
            device,
        ));
        assert_eq!(x.dims(), [7, 784]);
        assert!(values(x).iter().all(|&v| (0.0..=1.0).contains(&v)));

        let d = DiscriminatorConfig::paper_mnist().init(device).unwrap();
        assert_eq!(d.hidden[0].linear.weight.dims(), [784, 1200]);
        assert_eq!(d.hidden[1].linear.weight.dims(), [240, 1200]);
        assert_eq!(d.output.weight.dims(), [240, 1]);
        assert!(
            values(d.hidden[0].linear.weight.val())
                .iter()
                .all(|v| v.abs() <= 0.005)
        );
        assert_eq!(d.d_input(), 784);
        assert_eq!((g.d_noise(), g.d_output()), (100, 784));
    });
}

/// The CIFAR-10 generator's output layer starts ten times wider than the layers below it (a
/// small generator of the same config form here; the released widths are checked as numbers).
#[test]
fn the_output_layer_can_have_its_own_init_range() {
    on_each_device(|device| {
        let config = GeneratorConfig::paper_cifar10_fc();
        let widths: Vec<usize> = config.hidden.iter().map(|l| l.width).collect();
        assert_eq!(
            (config.d_noise, widths, config.d_output),
            (100, vec![8000, 8000], 3072)
        );
        let small = GeneratorConfig {
            hidden: vec![
                HiddenLayerConfig::new(300, ActivationConfig::Relu),
                HiddenLayerConfig::new(300, ActivationConfig::Sigmoid),
            ],
            d_output: 200,
            ..config
        };
        let g = small.init(device).unwrap();
        let max_abs = |i: usize| {
            values(g.layers[i].weight.val())
                .iter()
                .fold(0f32, |m, v| m.max(v.abs()))
        };
        for hidden in [0, 1] {
            assert!(
                (0.04..=0.05).contains(&max_abs(hidden)),
                "{}",
                max_abs(hidden)
            );
        }
        assert!((0.45..=0.5).contains(&max_abs(2)), "{}", max_abs(2));
        // The linear output is unbounded: with these weights, well outside [0, 1].
        let x = values(g.forward(Tensor::ones([4, 100], device)));
        assert!(x.iter().any(|v| !(0.0..=1.0).contains(v)));
        let d = DiscriminatorConfig::paper_cifar10_fc();
        assert_eq!(d.d_input, 3072);
        assert!(
            d.hidden
                .iter()
                .all(|l| (l.num_units, l.num_pieces) == (1600, 5))
        );
        let bad =
            GeneratorConfig::paper_mnist().with_output_init(Some(burn::nn::Initializer::Uniform {
                min: f64::NAN,
                max: 1.0,
            }));
        assert!(bad.init(device).is_err());
    });
}
