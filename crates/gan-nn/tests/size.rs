//! Model sizes counted from the configs, before anything is built: the parameter count
//! against the built modules' own (`Module::num_params`), and widths no machine could hold as
//! typed errors instead of overflow panics or allocation aborts.

use burn::module::Module;
use burn::tensor::Device;
use gan_backend::Backend;
use gan_nn::*;

fn cpu() -> Device {
    Backend::Flex.device()
}

fn assert_counts(what: &str, estimate: SizeEstimate, built: usize) {
    assert_eq!(estimate.parameters, built as u64, "{what}: parameters");
    assert!(estimate.activations_per_row > 0, "{what}");
}

#[test]
fn parameter_counts_match_the_built_modules() {
    let device = cpu();
    let mlp = MlpGanConfig::paper_mnist();
    let (g, d) = (
        mlp.generator.init(&device).unwrap(),
        mlp.discriminator.init(&device).unwrap(),
    );
    assert_counts(
        "paper MNIST",
        mlp.size().unwrap(),
        g.num_params() + d.num_params(),
    );
    // 100 → 1200 → 1200 → 784, with biases, by hand.
    let g_hand = 101 * 1200 + 1201 * 1200 + 1201 * 784;
    assert_eq!(mlp.generator.size().unwrap().parameters, g_hand);

    for dcgan in [
        DcganConfig::new([1, 28, 28]),
        DcganConfig::new([3, 32, 32]).with_condition_dim(10),
    ] {
        let (g, d) = dcgan.init(&device).unwrap();
        assert_counts(
            "dcgan",
            dcgan.size().unwrap(),
            g.num_params() + d.num_params(),
        );
    }
    let inpaint = InpaintConfig::new([1, 28, 28]);
    let (g, d) = inpaint.init(&device).unwrap();
    assert_counts(
        "inpaint",
        inpaint.size().unwrap(),
        g.num_params() + d.num_params(),
    );
    let conv = PaperConvConfig::paper_cifar10();
    let (g, d) = conv.init(&device).unwrap();
    assert_counts(
        "paper conv",
        conv.size().unwrap(),
        g.num_params() + d.num_params(),
    );
}

#[test]
fn widths_past_any_machine_are_typed_errors() {
    let huge = [usize::MAX, 1 << 62, 1_000_000_000_000];
    for width in huge {
        let mut mlp = MlpGanConfig::paper_mnist();
        mlp.generator.hidden[0].width = width;
        let err = mlp.validate().unwrap_err().to_string();
        assert!(
            err.contains("generator") && (err.contains("2^64") || err.contains("2^40")),
            "{err}"
        );
        let mut mlp = MlpGanConfig::paper_mnist();
        mlp.discriminator.hidden[1].num_pieces = width;
        assert!(mlp.validate().is_err(), "{width}");
        let mut mlp = MlpGanConfig::paper_mnist();
        mlp.generator.d_noise = width;
        assert!(mlp.size().is_err() || mlp.validate().is_err(), "{width}");
        let dcgan = DcganConfig::new([1, 28, 28]).with_base_channels(width);
        assert!(dcgan.validate().is_err(), "{width}");
        let inpaint = InpaintConfig::new([1, 28, 28]).with_bottleneck(width);
        assert!(inpaint.validate().is_err(), "{width}");
        let mut conv = PaperConvConfig::paper_cifar10();
        conv.discriminator.conv[0].pad = width;
        assert!(conv.validate().is_err(), "{width}");
    }
    // What a paper-sized model takes at batch 100: counted, and small.
    let bytes = MlpGanConfig::paper_mnist()
        .size()
        .unwrap()
        .training_bytes(100)
        .unwrap();
    assert!(bytes > 50 << 20 && bytes < 200 << 20, "{bytes}");
}
