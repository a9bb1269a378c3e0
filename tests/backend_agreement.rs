//! wgpu against Flex: the same forward passes, losses, Parzen evaluation and training steps
//! from the same weights and inputs agree within f32 tolerance.
//!
//! Built only with the `wgpu` feature (`cargo test --workspace --features wgpu`, as CI does on
//! Mesa's software Vulkan driver). Kept small: on a software driver every new kernel shape is
//! compiled (and autotuned) on first use.
#![cfg(all(feature = "wgpu", feature = "flex"))]

use std::sync::OnceLock;

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use gan_core::backend::Backend;
use gan_core::data::{Dataset, Mnist, mnist_dir_from_env};
use gan_core::nn::{
    DcganConfig, DiscriminatorConfig, GanDiscriminator, GanGenerator, GeneratorConfig, Half,
    InpaintConfig, InputDropoutConfig, inpaint_condition,
};
use gan_core::objective::{GeneratorLoss, discriminator_loss, value_function};
use gan_core::parzen::{ParzenConfig, ParzenEvaluator};
use gan_core::train::{LearningRule, OptimizerConfig};

/// Real MNIST for the Parzen comparison, or `None` (the test then says SKIPPED).
fn mnist() -> Option<&'static Mnist> {
    static MNIST: OnceLock<Option<Mnist>> = OnceLock::new();
    MNIST
        .get_or_init(|| mnist_dir_from_env().map(|dir| Mnist::load(&dir).expect("real MNIST")))
        .as_ref()
}

fn devices() -> (Device, Device) {
    (Backend::Flex.device(), Backend::Wgpu.device())
}

fn host<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap()
}

fn rows(data: &Dataset, device: &Device) -> Tensor<2> {
    data.to_tensor(device)
}

/// A deterministic matrix with entries in [-scale, scale), the same on every device.
fn matrix(rows: usize, cols: usize, scale: f32, salt: u64, device: &Device) -> Tensor<2> {
    let values = (0..rows * cols)
        .map(|i| {
            let mut h = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
            h ^= h >> 31;
            h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
            h ^= h >> 29;
            ((h >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
        })
        .collect();
    Tensor::from_data(TensorData::new(values, [rows, cols]), device)
}

/// Image-like rows: values in [0, 1], about half of them exactly 0 (as MNIST's background).
fn images(rows: usize, salt: u64, device: &Device) -> Tensor<2> {
    matrix(rows, 784, 1.0, salt, device).clamp_min(0.0)
}

/// Largest |a − b| / max(1, |b|): absolute near zero, relative for large values.
fn max_rel_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(1.0))
        .fold(0.0, f32::max)
}

/// Every parameter of a module, flattened, in visiting order.
fn parameters<M: Module>(module: &M) -> Vec<f32> {
    struct Collect(Vec<f32>);
    impl burn::module::ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
            self.0.extend(host(param.val()));
        }
    }
    let mut c = Collect(Vec::new());
    module.visit(&mut c);
    c.0
}

#[test]
fn paper_networks_forward_the_same() {
    let (cpu, gpu) = devices();
    cpu.seed(3);
    let g = GeneratorConfig::paper_mnist().init(&cpu).unwrap();
    let d = DiscriminatorConfig::paper_mnist().init(&cpu).unwrap();
    let (g_gpu, d_gpu) = (g.clone().to_device(&gpu), d.clone().to_device(&gpu));

    let z = |dev: &Device| matrix(64, 100, 2.0, 1, dev);
    let (x_cpu, x_gpu) = (host(g.forward(z(&cpu))), host(g_gpu.forward(z(&gpu))));
    // Sigmoid outputs in (0, 1) after three products of widths up to 1200.
    assert!(max_rel_diff(&x_gpu, &x_cpu) < 1e-4, "G(z) differs");

    let (l_cpu, l_gpu) = (
        host(d.forward(images(64, 2, &cpu))),
        host(d_gpu.forward(images(64, 2, &gpu))),
    );
    assert!(max_rel_diff(&l_gpu, &l_cpu) < 1e-4, "D logits differ");
}

#[test]
fn losses_agree_including_saturated_logits() {
    let (cpu, gpu) = devices();
    let logits = |salt, dev: &Device| {
        let mut t = matrix(50, 1, 8.0, salt, dev);
        // Saturated values, where a naive log(sigmoid) would give -inf.
        t = Tensor::cat(vec![t, Tensor::from_floats([[100.0], [-100.0]], dev)], 0);
        t
    };
    let on = |dev: &Device| {
        let (r, f) = (logits(7, dev), logits(8, dev));
        [
            host(value_function(r.clone(), f.clone()))[0],
            host(discriminator_loss(r, f.clone()))[0],
            host(GeneratorLoss::Minimax.loss(f.clone()))[0],
            host(GeneratorLoss::NonSaturating.loss(f))[0],
        ]
    };
    let (a, b) = (on(&cpu), on(&gpu));
    assert!(a.iter().chain(&b).all(|v| v.is_finite()));
    assert!(max_rel_diff(&b, &a) < 1e-5, "{a:?} vs {b:?}");
}

#[test]
fn parzen_protocol_agrees() {
    let Some(m) = mnist() else { return };
    let (cpu, gpu) = devices();
    let evaluator = ParzenEvaluator::new(ParzenConfig {
        n_valid: 100,
        // Small tiles on purpose: several tiles per matrix on both devices.
        tile_budget_bytes: 64 * 1000 * 4,
        ..ParzenConfig::default()
    });
    let on = |dev: &Device| {
        evaluator
            .evaluate(
                &rows(&m.train.head(1000), dev),
                &rows(&m.valid.head(100), dev),
                &rows(&m.test.head(200), dev),
            )
            .unwrap()
    };
    let (a, b) = (on(&cpu), on(&gpu));
    assert_eq!(a.sigma, b.sigma, "the same σ is chosen");
    assert!(
        (a.mean - b.mean).abs() <= 1e-4 * a.mean.abs(),
        "{a:?}\n{b:?}"
    );
    assert!((a.se - b.se).abs() <= 1e-3 * a.se, "{a:?}\n{b:?}");
    for (x, y) in a.grid.iter().zip(&b.grid) {
        assert!((x.score - y.score).abs() <= 1e-4 * x.score.abs().max(1.0));
    }
}

#[test]
fn three_simultaneous_training_steps_agree() {
    let (cpu, gpu) = devices();
    let (cpu, gpu) = (cpu.autodiff(), gpu.autodiff());
    cpu.seed(11);
    // No dropout: the masks are the one random draw the two devices would make differently.
    let no_dropout = vec![InputDropoutConfig::new(1.0, 1.0); 3];
    let g = GeneratorConfig::paper_mnist().init(&cpu).unwrap();
    let mut d_config = DiscriminatorConfig::paper_mnist();
    d_config.input_dropout = no_dropout;
    let d = d_config.init(&cpu).unwrap();
    // `fork`, not `to_device`: the copy gets its own autodiff graph. A `to_device` copy stays
    // tied to the original's graph, and the CPU run's backward pass would consume it.
    let (g_gpu, d_gpu) = (g.clone().fork(&gpu), d.clone().fork(&gpu));
    let (g_init, d_init) = (parameters(&g), parameters(&d));

    let run = |mut g: gan_core::nn::Generator, mut d: gan_core::nn::Discriminator, dev: &Device| {
        let mut g_rule = LearningRule::new(OptimizerConfig::paper_momentum());
        let mut d_rule = LearningRule::new(OptimizerConfig::paper_momentum());
        for step in 0..3u64 {
            let x = images(32, 100 + step, dev);
            let fake = g.forward(matrix(32, 100, 1.5, step, dev));
            let d_loss =
                discriminator_loss(d.forward_train(x), d.forward_train(fake.clone().detach()));
            let g_loss = GeneratorLoss::NonSaturating.loss(d.clone().no_grad().forward_train(fake));
            let mut grads = (d_loss.mul_scalar(0.5) + g_loss).backward();
            let d_grads = GradientsParams::from_module(&mut grads, &d);
            let g_grads = GradientsParams::from_module(&mut grads, &g);
            d = d_rule.step(step, 0, d, d_grads);
            g = g_rule.step(step, 0, g, g_grads);
        }
        (parameters(&g), parameters(&d))
    };
    let (g_a, d_a) = run(g, d, &cpu);
    let (g_b, d_b) = run(g_gpu, d_gpu, &gpu);
    for (name, init, a, b) in [("G", g_init, g_a, g_b), ("D", d_init, d_a, d_b)] {
        // The weights agree to f32 rounding, and so do the updates themselves: the difference
        // between the devices is under 1% of how far three steps moved the weights (so the
        // comparison is not of two untouched copies).
        let moved = max_rel_diff(&a, &init);
        let apart = max_rel_diff(&b, &a);
        eprintln!("{name}: moved {moved:e}, devices apart {apart:e}");
        // At initialisation G's gradients are small (D outputs about ½): three paper-preset
        // steps move its weights by about 1e-6, still 250 f32 ulps of a weight of 0.05.
        assert!(moved > 1e-7, "{name} did not train");
        assert!(
            apart < 1e-4 && apart < 1e-2 * moved,
            "{name} differs: {apart:e} vs {moved:e}"
        );
    }
}

/// The DCGAN-style pair (transposed and strided convolutions, batch norm, LeakyReLU) forwards
/// the same on wgpu as on Flex, on a few small shapes.
#[test]
fn convolutional_players_forward_the_same() {
    let (cpu, gpu) = devices();
    cpu.seed(5);
    for (image, condition_dim) in [([1, 8, 8], 0), ([3, 12, 8], 2)] {
        let config = DcganConfig::new(image)
            .with_noise_dim(6)
            .with_base_channels(8)
            .with_condition_dim(condition_dim);
        let (g, d) = config.init(&cpu).unwrap();
        let (g_gpu, d_gpu) = (g.clone().to_device(&gpu), d.clone().to_device(&gpu));
        let c = |dev: &Device| (condition_dim > 0).then(|| matrix(5, condition_dim, 1.0, 4, dev));
        let z = |dev: &Device| matrix(5, 6, 2.0, 3, dev);
        let x_cpu = g.generate(z(&cpu), c(&cpu));
        let x_gpu = g_gpu.generate(z(&gpu), c(&gpu));
        assert_eq!(x_cpu.dims(), [5, image[0], image[1], image[2]]);
        assert!(
            max_rel_diff(&host(x_gpu.clone()), &host(x_cpu.clone())) < 1e-4,
            "G differs"
        );
        let l_cpu = host(d.logits(x_cpu, c(&cpu)));
        let l_gpu = host(d_gpu.logits(x_gpu, c(&gpu)));
        assert!(max_rel_diff(&l_gpu, &l_cpu) < 1e-4, "D differs");
    }
}

/// The inpainting pair forwards the same on wgpu as on Flex, and keeps the known half exactly
/// there too. (Its first composite, a select between the transposed convolution's output and a
/// view of the condition, gave wrong pixels on wgpu only.)
#[test]
fn inpainting_players_forward_the_same() {
    let (cpu, gpu) = devices();
    cpu.seed(6);
    let config = InpaintConfig::new([1, 8, 8])
        .with_noise_dim(6)
        .with_base_channels(8)
        .with_bottleneck(16);
    let (g, d) = config.init(&cpu).unwrap();
    let (g_gpu, d_gpu) = (g.clone().to_device(&gpu), d.clone().to_device(&gpu));
    let condition = |dev: &Device| {
        let images = matrix(5, 64, 0.5, 7, dev)
            .add_scalar(0.5)
            .reshape([5, 1, 8, 8]);
        let keep = Half::Bottom.keep_mask(8, 8).repeat(5);
        let keep: Tensor<4> = Tensor::from_data(TensorData::new(keep, [5, 1, 8, 8]), dev);
        inpaint_condition(images, keep)
    };
    let z = |dev: &Device| matrix(5, 6, 2.0, 3, dev);
    let x_cpu = g.generate(z(&cpu), Some(condition(&cpu)));
    let x_gpu = g_gpu.generate(z(&gpu), Some(condition(&gpu)));
    let (a, b) = (host(x_cpu.clone()), host(x_gpu.clone()));
    assert!(max_rel_diff(&b, &a) < 1e-4, "G differs");
    let given = host(condition(&cpu));
    for i in 0..5 * 64 {
        if (i % 64) / 8 < 4 {
            assert_eq!(
                b[i].to_bits(),
                given[(i / 64) * 128 + i % 64].to_bits(),
                "pixel {i}"
            );
        }
    }
    let l_cpu = host(d.logits(x_cpu, Some(condition(&cpu))));
    let l_gpu = host(d_gpu.logits(x_gpu, Some(condition(&gpu))));
    assert!(max_rel_diff(&l_gpu, &l_cpu) < 1e-4, "D differs");
}

/// D's regularisers on wgpu as on Flex: spectral normalisation's power iteration and σ, and an
/// R1 penalty's value and parameter update through the normalised discriminator.
#[test]
fn spectral_norm_and_the_gradient_penalty_agree() {
    use gan_core::nn::MaxoutLayerConfig;
    use gan_core::train::SpectralNorm;
    use gan_core::train::penalty::{PenaltyForm, input_gradient_penalty};

    let (cpu, gpu) = devices();
    let (cpu, gpu) = (cpu.autodiff(), gpu.autodiff());
    cpu.seed(5);
    let d_config = DiscriminatorConfig::new(
        64,
        vec![MaxoutLayerConfig::new(16, 3)],
        vec![InputDropoutConfig::new(1.0, 1.0); 2],
    );
    let d = d_config.init(&cpu).unwrap();
    let d_gpu = d.clone().fork(&gpu);
    let init = parameters(&d);
    let sn = SpectralNorm::new(&d, 3);
    let sn_gpu = sn
        .from_bytes(&sn.to_bytes().unwrap(), &gpu.clone().inner())
        .unwrap();

    let run = |d: gan_core::nn::Discriminator, mut sn: SpectralNorm, dev: &Device| {
        for _ in 0..5 {
            sn.power_iteration(&d);
        }
        let sigmas = sn.sigmas(&d);
        let x = images(16, 7, dev).narrow(1, 0, 64);
        let terms = input_gradient_penalty(
            &sn.normalise(d.clone()),
            x,
            None,
            PenaltyForm::ZeroCentred { gamma: 10.0 },
            9,
        );
        let value = host(terms.value)[0];
        let grads = GradientsParams::from_grads(terms.surrogate.backward(), &d);
        let mut rule = LearningRule::new(OptimizerConfig::paper_momentum());
        (sigmas, value, parameters(&rule.step(0, 0, d, grads)))
    };
    let (sigma_a, value_a, d_a) = run(d, sn, &cpu);
    let (sigma_b, value_b, d_b) = run(d_gpu, sn_gpu, &gpu);
    for (a, b) in sigma_a.iter().zip(&sigma_b) {
        assert!((a - b).abs() < 1e-4 * a.abs(), "σ {a} vs {b}");
    }
    assert!(
        (value_a - value_b).abs() < 1e-3 * value_a.abs(),
        "R1 {value_a} vs {value_b}"
    );
    let (moved, apart) = (max_rel_diff(&d_a, &init), max_rel_diff(&d_b, &d_a));
    eprintln!("R1 update: moved {moved:e}, devices apart {apart:e}");
    assert!(
        moved > 1e-6 && apart < 2e-2 * moved,
        "{apart:e} vs {moved:e}"
    );
}
