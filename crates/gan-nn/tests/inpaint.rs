//! The inpainting pair: the halves' masks against a direct enumeration, the generator's known
//! pixels returned bit for bit and its missing ones drawn from the noise, on every backend.

mod common;

use burn::module::Module;
use burn::tensor::{Distribution, Tensor, TensorData};
use common::{on_each_device, values};
use gan_nn::{GanDiscriminator, GanGenerator, Half, InpaintConfig, inpaint_condition};

#[test]
fn each_half_masks_the_pixels_it_names() {
    // An odd height: the bottom half takes the middle row (rows ≥ ⌊H/2⌋).
    let (h, w) = (5, 4);
    let expect = |missing: &dyn Fn(usize, usize) -> bool| -> Vec<f32> {
        let mut keep = Vec::new();
        for r in 0..h {
            for c in 0..w {
                keep.push(if missing(r, c) { 0.0 } else { 1.0 });
            }
        }
        keep
    };
    assert_eq!(Half::Top.keep_mask(h, w), expect(&|r, _| r < 2));
    assert_eq!(Half::Bottom.keep_mask(h, w), expect(&|r, _| r >= 2));
    assert_eq!(Half::Left.keep_mask(h, w), expect(&|_, c| c < 2));
    assert_eq!(Half::Right.keep_mask(h, w), expect(&|_, c| c >= 2));
    for half in Half::ALL {
        assert_eq!(half.to_string().parse::<Half>().unwrap(), half);
    }
    let err = "diagonal".parse::<Half>().unwrap_err().to_string();
    assert!(err.contains("top, bottom, left or right"), "{err}");
}

#[test]
fn the_generator_keeps_the_known_half_and_fills_the_other_from_the_noise() {
    on_each_device(|device| {
        let config = InpaintConfig::new([1, 8, 8])
            .with_noise_dim(6)
            .with_base_channels(8);
        let (g, d) = config.init(device).unwrap();
        let (g, d) = (g.valid(), d.valid());
        assert_eq!(GanGenerator::condition_dim(&g), 2 * 64);
        assert_eq!(config.condition_dim(), 2 * 64);
        let n = 3;
        let pixels: Vec<f32> = (0..n * 64)
            .map(|i| ((i * 37) % 101) as f32 / 100.0)
            .collect();
        let images: Tensor<4> = Tensor::from_data(TensorData::new(pixels, [n, 1, 8, 8]), device);
        let keep: Vec<f32> = Half::Bottom.keep_mask(8, 8).repeat(n);
        let keep: Tensor<4> = Tensor::from_data(TensorData::new(keep, [n, 1, 8, 8]), device);
        let condition = inpaint_condition(images.clone(), keep);
        let noise = |seed| {
            device.seed(seed);
            Tensor::random([n, 6], Distribution::Normal(0.0, 1.0), device)
        };
        let a = values(g.generate(noise(1), Some(condition.clone())));
        let b = values(g.generate(noise(2), Some(condition.clone())));
        let given = values(images.clone());
        assert_eq!(a.len(), n * 64);
        let mut differs = 0;
        for i in 0..n * 64 {
            if (i % 64) / 8 < 4 {
                // Known: bit for bit, whatever the noise.
                assert_eq!(a[i].to_bits(), given[i].to_bits(), "pixel {i}");
                assert_eq!(b[i].to_bits(), given[i].to_bits(), "pixel {i}");
            } else {
                assert!((0.0..=1.0).contains(&a[i]), "sigmoid output {}", a[i]);
                differs += usize::from(a[i] != b[i]);
            }
        }
        assert!(
            differs > n * 16,
            "the noise moved only {differs} missing pixels"
        );
        let logits = d.logits(images, Some(condition));
        assert_eq!(logits.dims(), [n, 1]);
        assert!(values(logits).iter().all(|v| v.is_finite()));
    });
}

#[test]
fn bad_shapes_are_refused() {
    on_each_device(|device| {
        for image in [[1, 6, 8], [0, 8, 8], [1, 8, 0]] {
            assert!(InpaintConfig::new(image).init(device).is_err(), "{image:?}");
        }
        assert!(
            InpaintConfig::new([1, 8, 8])
                .with_noise_dim(0)
                .init(device)
                .is_err()
        );
    });
}
