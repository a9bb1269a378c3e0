//! Dropout masks drawn apart from the training pass. Alone in its test binary: it compares
//! two draws of the process-wide random stream, which tests running beside it would disturb.

use burn::tensor::{Device, Distribution, Tensor};
use gan_backend::test_backends;
use gan_nn::*;

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

fn on_each_device(body: impl Fn(&Device)) {
    for backend in test_backends() {
        let device = backend.device();
        device.seed(7);
        body(&device);
    }
}

/// Masks drawn apart from the pass are the masks `forward_train` draws from the same seed
/// (values 0 or the layer's scale), and a row range of them gives that range's logits.
#[test]
fn drawn_masks_reproduce_the_training_pass() {
    on_each_device(|device| {
        let d = DiscriminatorConfig::new(
            6,
            vec![MaxoutLayerConfig::new(5, 3), MaxoutLayerConfig::new(4, 2)],
            vec![
                InputDropoutConfig::new(0.8, 1.25),
                InputDropoutConfig::none(),
                InputDropoutConfig::new(0.5, 2.0),
            ],
        )
        .with_init(Initializer::Uniform {
            min: -0.5,
            max: 0.5,
        })
        .init(device)
        .unwrap();
        let x = Tensor::<2>::random([9, 6], Distribution::Default, device);
        // Burn initialises parameters on first use: do it before the seeded draws.
        let _ = d.forward(x.clone());
        device.seed(21);
        let trained = values(d.forward_train(x.clone()));
        device.seed(21);
        let masks = d.draw_masks(9, device);
        assert_eq!(masks.layers.len(), 3);
        assert!(
            masks.layers[1].is_none(),
            "a keep-all, scale-1 layer needs no mask"
        );
        for (mask, scale) in [(&masks.layers[0], 1.25f32), (&masks.layers[2], 2.0)] {
            let mask = values(mask.clone().unwrap());
            assert!(mask.iter().all(|&v| v == 0.0 || v == scale), "{mask:?}");
            assert!(mask.contains(&0.0) && mask.contains(&scale));
        }
        let masked = values(d.forward_masked(x.clone(), &masks));
        assert_eq!(trained, masked);
        let tail = values(d.forward_masked(x.clone().narrow(0, 4, 5), &masks.rows(4, 5)));
        for (a, b) in masked[4..].iter().zip(&tail) {
            assert!((a - b).abs() <= 1e-5 * a.abs().max(1.0), "{a} vs {b}");
        }
        // Fresh draws differ.
        let other = values(d.forward_train(x));
        assert_ne!(trained, other);
    });
}
