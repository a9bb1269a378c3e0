//! `gan import`, `gan export --format safetensors` and `gan generate`, run as a user would, on
//! the PyTorch-written fixtures of gan-interop (tests/fixtures/make_fixtures.py).

use std::path::{Path, PathBuf};

use assert_cmd::Command;

mod common;
use common::{fails_with, succeeds};

/// `gan` on the Flex backend.
fn gan() -> Command {
    let mut cmd = common::gan();
    cmd.env("GAN_BACKEND", "flex");
    cmd
}

fn run(cmd: &mut Command) -> String {
    String::from_utf8_lossy(&succeeds(cmd).stdout).into_owned()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../gan-interop/tests/fixtures")
        .join(name)
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn values(path: &Path) -> Vec<f32> {
    gan_data::read_npy(path).unwrap().features().to_vec()
}

#[test]
fn a_pytorch_generator_imports_generates_as_in_pytorch_and_exports_as_pytorch_wrote_it() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    for file in ["g.pt", "g.safetensors"] {
        let out = run(gan()
            .arg("import")
            .args(["--from".as_ref(), fixture(file).as_os_str()])
            .args(["--out".as_ref(), model.as_os_str()]));
        assert!(out.contains("6 → 10 → 9 → 12"), "{out}");
        let gz = dir.path().join("gz.npy");
        run(gan()
            .arg("generate")
            .args(["--run-dir".as_ref(), model.as_os_str()])
            .args(["--z".as_ref(), fixture("z.npy").as_os_str()])
            .args(["--npy".as_ref(), gz.as_os_str()]));
        let (ours, torch) = (values(&gz), values(&fixture("gz.npy")));
        assert_eq!(ours.len(), torch.len());
        for (a, b) in ours.iter().zip(&torch) {
            assert!((a - b).abs() <= 1e-5, "{file}: {a} vs PyTorch's {b}");
        }
    }
    let exported = dir.path().join("exported");
    run(gan()
        .args(["export", "--format", "safetensors"])
        .args(["--run-dir".as_ref(), model.as_os_str()])
        .args(["--out".as_ref(), exported.as_os_str()]));
    assert_eq!(
        gan_interop::read_shapes(&exported.join("generator.safetensors")).unwrap(),
        gan_interop::read_shapes(&fixture("g.safetensors")).unwrap()
    );
}

#[test]
fn the_shipped_runs_players_export_in_pytorchs_layout() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("st");
    run(gan()
        .args(["export", "--format", "safetensors", "--discriminator"])
        .args([
            "--run-dir".as_ref(),
            repo("models/mnist-paper/run").as_os_str(),
        ])
        .args(["--out".as_ref(), out.as_os_str()]));
    let g = gan_interop::read_shapes(&out.join("generator.safetensors")).unwrap();
    let g: Vec<(&str, &[usize])> = g.iter().map(|(k, v)| (k.as_str(), v.as_slice())).collect();
    assert_eq!(
        g,
        [
            ("0.bias", &[1200][..]),
            ("0.weight", &[1200, 100]),
            ("2.bias", &[1200]),
            ("2.weight", &[1200, 1200]),
            ("4.bias", &[784]),
            ("4.weight", &[784, 1200]),
        ]
    );
    let d = gan_interop::read_shapes(&out.join("discriminator.safetensors")).unwrap();
    assert_eq!(d["hidden.0.linear.weight"], [1200, 784]);
    assert_eq!(d["hidden.1.linear.weight"], [1200, 240]);
    assert_eq!(d["output.weight"], [1, 240]);
    assert_eq!(d.len(), 6);
}

#[test]
fn interop_mistakes_are_one_line_errors_that_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fails_with(
        gan()
            .arg("import")
            .args(["--from".as_ref(), fixture("g_missing_bias.pt").as_os_str()])
            .args(["--out".as_ref(), out.as_os_str()]),
        "missing key 2.bias",
    );
    fails_with(
        gan()
            .args(["import", "--preset", "dcgan"])
            .args(["--from".as_ref(), fixture("g.pt").as_os_str()])
            .args(["--out".as_ref(), out.as_os_str()]),
        "paper-mnist",
    );
    fails_with(
        gan()
            .args(["import", "--from", "weights.onnx"])
            .args(["--out".as_ref(), out.as_os_str()]),
        "unknown weight format",
    );
    assert!(!out.exists());
    let shipped = repo("models/mnist-paper");
    fails_with(
        gan()
            .args(["export", "--format", "safetensors", "--discriminator"])
            .args(["--run-dir".as_ref(), shipped.as_os_str()])
            .args(["--out".as_ref(), out.as_os_str()]),
        "holds no discriminator",
    );
    fails_with(
        gan()
            .args(["export", "--format", "safetensors", "--precision", "f16"])
            .args(["--run-dir".as_ref(), shipped.as_os_str()])
            .args(["--out".as_ref(), out.as_os_str()]),
        "float32",
    );
    fails_with(
        gan()
            .args(["export", "--discriminator"])
            .args(["--run-dir".as_ref(), shipped.as_os_str()])
            .args(["--out".as_ref(), out.as_os_str()]),
        "--format safetensors",
    );
    assert!(!out.exists());
    // Codes of the wrong width.
    fails_with(
        gan()
            .arg("generate")
            .args(["--run-dir".as_ref(), shipped.as_os_str()])
            .args(["--z".as_ref(), fixture("z.npy").as_os_str()])
            .args(["--npy".as_ref(), dir.path().join("g.npy").as_os_str()]),
        "codes of width 6, but the generator takes 100",
    );
    // Non-finite codes, and a directory where a file is expected.
    let bad = dir.path().join("nan.npy");
    let mut z = vec![0.5f32; 2 * 100];
    z[130] = f32::NAN;
    gan_data::write_npy(&bad, &z, &[2, 100]).unwrap();
    let generate = |z: &std::path::Path| {
        let mut cmd = gan();
        cmd.arg("generate")
            .args(["--run-dir".as_ref(), shipped.as_os_str()])
            .args(["--z".as_ref(), z.as_os_str()])
            .args(["--npy".as_ref(), dir.path().join("g.npy").as_os_str()]);
        cmd
    };
    fails_with(&mut generate(&bad), "code 1 holds NaN");
    fails_with(&mut generate(dir.path()), "is a directory");
    assert!(!dir.path().join("g.npy").exists());
}
