//! Generators and discriminators made by PyTorch (`tests/fixtures/make_fixtures.py`) compute
//! here what they computed there, and what gan-interop writes reads back as PyTorch wrote it.

use std::path::{Path, PathBuf};

use burn::nn::activation::ActivationConfig;
use burn::tensor::{Device, Tensor};
use gan_backend::Backend;
use gan_data::{Dataset, read_npy};
use gan_interop::{
    InteropError, WeightFormat, export_discriminator, export_generator, import_discriminator,
    import_generator,
};
use gan_nn::{
    DiscriminatorConfig, GeneratorConfig, HiddenLayerConfig, InputDropoutConfig, MaxoutLayerConfig,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn npy(name: &str) -> Dataset {
    read_npy(&fixture(name)).unwrap()
}

/// The paper's generator preset: two ReLU hidden layers and a sigmoid output.
fn preset() -> GeneratorConfig {
    GeneratorConfig::paper_mnist()
}

/// A discriminator preset with the fixture's pieces (3, then 2) and the released dropout.
fn d_preset() -> DiscriminatorConfig {
    DiscriminatorConfig::new(
        784,
        vec![
            MaxoutLayerConfig::new(240, 3),
            MaxoutLayerConfig::new(240, 2),
        ],
        vec![
            InputDropoutConfig::new(0.8, 1.25),
            InputDropoutConfig::new(0.5, 2.0),
            InputDropoutConfig::new(0.5, 2.0),
        ],
    )
}

fn rows(data: &Dataset, device: &Device) -> Tensor<2> {
    data.to_tensor(device)
}

fn assert_close(got: Tensor<2>, want: &Dataset, tolerance: f32) {
    assert_eq!(got.dims(), [want.len(), want.dim()]);
    let got = got.into_data().try_into_vec::<f32>().unwrap();
    for (i, (g, w)) in got.iter().zip(want.features()).enumerate() {
        assert!(
            (g - w).abs() <= tolerance,
            "value {i}: {g} vs PyTorch's {w}"
        );
    }
}

#[test]
fn pytorch_generators_compute_what_pytorch_computed() {
    let (z, gz) = (npy("z.npy"), npy("gz.npy"));
    for backend in gan_backend::test_backends() {
        let device = backend.device();
        for file in ["g.pt", "g_legacy.pt", "g.safetensors"] {
            let (config, generator) = import_generator(&fixture(file), &preset(), &device)
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(config.d_noise, 6);
            let hidden: Vec<usize> = config.hidden.iter().map(|l| l.width).collect();
            assert_eq!(hidden, [10, 9], "{file}");
            assert_eq!(config.d_output, 12);
            assert!(matches!(
                config.hidden[0].activation,
                ActivationConfig::Relu
            ));
            assert!(matches!(
                config.output_activation,
                ActivationConfig::Sigmoid
            ));
            assert_close(generator.forward(rows(&z, &device)), &gz, 1e-5);
        }
        eprintln!(
            "{}: three PyTorch files agree with PyTorch to 1e-5",
            backend.name()
        );
    }
}

#[test]
fn an_exported_generator_is_the_layout_pytorch_wrote() {
    let device = Backend::default_cpu().unwrap().device();
    let (_, generator) = import_generator(&fixture("g.pt"), &preset(), &device).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g.safetensors");
    export_generator(&generator, &out).unwrap();
    let mut ours = gan_interop::read_shapes(&out).unwrap();
    let theirs = gan_interop::read_shapes(&fixture("g.safetensors")).unwrap();
    assert_eq!(ours, theirs, "keys and [out, in] shapes");
    ours.clear();
    // The values: the re-read file computes exactly what the imported one did.
    let (_, again) = import_generator(&out, &preset(), &device).unwrap();
    let z = rows(&npy("z.npy"), &device);
    let before = generator
        .forward(z.clone())
        .into_data()
        .try_into_vec::<f32>()
        .unwrap();
    let after = again.forward(z).into_data().try_into_vec::<f32>().unwrap();
    assert_eq!(before, after);
    // Exporting again over the file replaces it.
    export_generator(&again, &out).unwrap();
    assert!(import_generator(&out, &preset(), &device).is_ok());
}

#[test]
fn pytorch_discriminators_compute_what_pytorch_computed_and_round_trip() {
    let (x, dx) = (npy("x.npy"), npy("dx.npy"));
    let device = Backend::default_cpu().unwrap().device();
    let (config, discriminator) =
        import_discriminator(&fixture("d.safetensors"), &d_preset(), &device).unwrap();
    assert_eq!(config.d_input, 12);
    let units: Vec<(usize, usize)> = config
        .hidden
        .iter()
        .map(|l| (l.num_units, l.num_pieces))
        .collect();
    assert_eq!(units, [(7, 3), (5, 2)]);
    assert_close(discriminator.forward(rows(&x, &device)), &dx, 1e-5);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.safetensors");
    export_discriminator(&discriminator, &out).unwrap();
    assert_eq!(
        gan_interop::read_shapes(&out).unwrap(),
        gan_interop::read_shapes(&fixture("d.safetensors")).unwrap()
    );
    let (_, again) = import_discriminator(&out, &d_preset(), &device).unwrap();
    assert_close(again.forward(rows(&x, &device)), &dx, 1e-5);
    // The pieces come from the preset: a preset with 4 pieces cannot split 21 rows.
    let mut four = d_preset();
    four.hidden[0].num_pieces = 4;
    let err = import_discriminator(&out, &four, &device).unwrap_err();
    assert!(
        err.to_string()
            .contains("multiple of the preset's 4 pieces"),
        "{err}"
    );
}

fn layout_error(file: &str, template: &GeneratorConfig) -> String {
    let device = Backend::default_cpu().unwrap().device();
    match import_generator(&fixture(file), template, &device) {
        Err(err @ InteropError::Layout { .. }) => err.to_string(),
        Err(other) => panic!("{file}: not a layout error: {other}"),
        Ok(_) => panic!("{file} was accepted"),
    }
}

#[test]
fn files_that_do_not_fit_name_the_first_mismatch() {
    assert!(layout_error("g_missing_bias.pt", &preset()).contains("missing key 2.bias"));
    let chain = layout_error("g_bad_chain.safetensors", &preset());
    assert!(
        chain.contains("2.weight") && chain.contains("input width 11"),
        "{chain}"
    );
    let f64 = layout_error("g_f64.safetensors", &preset());
    assert!(f64.contains("float32"), "{f64}");
    let count = layout_error("g_one_hidden.pt", &preset());
    assert!(
        count.contains("2 Linear layers, but the preset has 3"),
        "{count}"
    );
    // A preset of one hidden layer takes that file.
    let one = GeneratorConfig::new(
        100,
        vec![HiddenLayerConfig::new(1, ActivationConfig::Relu)],
        784,
    );
    let device = Backend::default_cpu().unwrap().device();
    assert!(import_generator(&fixture("g_one_hidden.pt"), &one, &device).is_ok());
    // Shapes the file's bytes cannot hold are refused before anything is allocated for them.
    let huge = layout_error("g_huge_claim.pt", &preset());
    assert!(
        huge.contains("0.weight") && huge.contains("claim more than"),
        "{huge}"
    );
    // A discriminator file is no generator.
    let d = layout_error("d.safetensors", &preset());
    assert!(d.contains("missing key 0.weight"), "{d}");
}

#[test]
fn damaged_or_unknown_files_are_errors_not_panics() {
    let device = Backend::default_cpu().unwrap().device();
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        WeightFormat::of(Path::new("g.onnx")),
        Err(InteropError::UnknownFormat { .. })
    ));
    assert_eq!(
        WeightFormat::of(Path::new("g.pth")).unwrap(),
        WeightFormat::PyTorch
    );
    let missing = dir.path().join("absent.pt");
    assert!(matches!(
        import_generator(&missing, &preset(), &device),
        Err(InteropError::Read { .. })
    ));
    for file in ["g.pt", "g_legacy.pt", "g.safetensors"] {
        let bytes = std::fs::read(fixture(file)).unwrap();
        for cut in [0, 8, bytes.len() / 2, bytes.len() - 1] {
            let damaged = dir.path().join(file);
            std::fs::write(&damaged, &bytes[..cut]).unwrap();
            let result = import_generator(&damaged, &preset(), &device);
            assert!(result.is_err(), "{file} cut at {cut} was accepted");
        }
    }
}
