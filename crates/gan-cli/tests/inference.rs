//! `gan train-inference`, `gan reconstruct` and `gan interpolate --between`, run as a user
//! would: on a small imported generator (quality against the random-sample baseline), on a
//! tiny MNIST run (grids, and an encoder refused once the generator changes), and on the
//! shipped model.

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

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn json(cmd: &mut Command) -> serde_json::Value {
    serde_json::from_slice(&succeeds(cmd).stdout).unwrap()
}

#[test]
fn inference_on_an_imported_generator_refines_and_writes_codes_and_reconstructions() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    // PyTorch's 6 → 10 → 9 → 12 generator (gan-interop's fixture) as a model directory.
    succeeds(
        gan()
            .arg("import")
            .arg("--from")
            .arg(repo("crates/gan-interop/tests/fixtures/g.pt"))
            .arg("--out")
            .arg(&model),
    );
    fails_with(
        gan()
            .arg("reconstruct")
            .arg("--run-dir")
            .arg(&model)
            .args(["--images", "x.npy"]),
        "train-inference",
    );
    succeeds(
        gan()
            .args(["train-inference", "--steps", "1500", "--hidden", "64,64"])
            .args([
                "--learning-rate",
                "0.003",
                "--precision",
                "f32",
                "--run-dir",
            ])
            .arg(&model),
    );
    // 200 images the generator can make, from codes it has not been given.
    let z: Vec<f32> = (0..200 * 6)
        .map(|i| ((i * 7919 % 1000) as f32 / 500.0 - 1.0) * 1.5)
        .collect();
    let (z_file, images) = (dir.path().join("z.npy"), dir.path().join("x.npy"));
    gan_data::write_npy(&z_file, &z, &[200, 6]).unwrap();
    succeeds(
        gan()
            .arg("generate")
            .arg("--run-dir")
            .arg(&model)
            .arg("--z")
            .arg(&z_file)
            .arg("--npy")
            .arg(&images),
    );
    let (recon, codes) = (dir.path().join("r.npy"), dir.path().join("c.npy"));
    let report = json(
        gan()
            .args([
                "reconstruct",
                "--json",
                "--baseline-samples",
                "1000",
                "--batch",
                "64",
            ])
            .arg("--run-dir")
            .arg(&model)
            .arg("--images")
            .arg(&images)
            .arg("--npy")
            .arg(&recon)
            .arg("--z-npy")
            .arg(&codes),
    );
    let mse = |key: &str| report[key]["mean"].as_f64().unwrap();
    assert_eq!(report["images"], 200);
    // (This small generator varies little, so the nearest of 1,000 random samples is already
    // close: the library's tests and docs/inference.md compare with that baseline.)
    assert!(mse("refined") < mse("encoder"), "{report}");
    assert!(
        mse("baseline") > 0.0 && report["baseline_samples"] == 1000,
        "{report}"
    );
    let recon = gan_data::read_npy(&recon).unwrap();
    assert_eq!((recon.len(), recon.dim()), (200, 12));
    let codes = gan_data::read_npy(&codes).unwrap();
    assert_eq!((codes.len(), codes.dim()), (200, 6));
    // Ranges of rows outside the file, and rows of another width.
    for (flags, needle) in [(["--skip", "200"], "--skip"), (["--n", "0"], "--n 0")] {
        fails_with(
            gan()
                .arg("reconstruct")
                .args(flags)
                .arg("--run-dir")
                .arg(&model)
                .arg("--images")
                .arg(&images),
            needle,
        );
    }
    fails_with(
        gan()
            .arg("reconstruct")
            .arg("--run-dir")
            .arg(&model)
            .arg("--images")
            .arg(&z_file),
        "rows of 6 values",
    );
}

#[test]
fn reconstructions_and_interpolations_of_real_digits() {
    let Some(mnist) = gan_data::mnist_dir_from_env() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let train = |steps: &str, resume: bool| {
        let mut cmd = gan();
        cmd.args(["train", "--steps", steps, "--seed", "3", "--data-dir"])
            .arg(&mnist)
            .arg("--run-dir")
            .arg(&run);
        if resume {
            cmd.arg("--resume");
        }
        succeeds(&mut cmd);
    };
    train("2", false);
    succeeds(
        gan()
            .args([
                "train-inference",
                "--steps",
                "20",
                "--hidden",
                "16",
                "--run-dir",
            ])
            .arg(&run),
    );
    let test_images = mnist.join("t10k-images-idx3-ubyte.gz");
    let grid = dir.path().join("grid.png");
    succeeds(
        gan()
            .args([
                "reconstruct",
                "--skip",
                "9990",
                "--refine-steps",
                "3",
                "--run-dir",
            ])
            .arg(&run)
            .arg("--images")
            .arg(&test_images)
            .arg("--out")
            .arg(&grid),
    );
    // Ten digits, each beside its reconstruction: 2 rows of 10 tiles of 28 px, 1 px gaps.
    let img = image::open(&grid).unwrap();
    assert_eq!((img.width(), img.height()), (10 * 29 + 1, 2 * 29 + 1));
    let interp = dir.path().join("between.png");
    let ends = [
        format!("{}:0", test_images.display()),
        format!("{}:1", test_images.display()),
    ];
    succeeds(
        gan()
            .args(["interpolate", "--steps", "5", "--run-dir"])
            .arg(&run)
            .arg("--between")
            .args(&ends)
            .arg("--out")
            .arg(&interp),
    );
    // The two originals around five interpolated samples.
    assert_eq!(image::open(&interp).unwrap().width(), 7 * 29 + 1);
    fails_with(
        gan()
            .args(["interpolate", "--run-dir"])
            .arg(&run)
            .args(["--between", "a.npy", "b.npy:1"]),
        "FILE:INDEX",
    );
    let past_end = format!("{}:10000", test_images.display());
    fails_with(
        gan()
            .args(["interpolate", "--run-dir"])
            .arg(&run)
            .arg("--between")
            .args([&ends[0], &past_end]),
        "holds 10000 images",
    );
    // Training on changes the generator: its old encoder is refused until retrained.
    train("3", true);
    fails_with(
        gan()
            .arg("reconstruct")
            .arg("--run-dir")
            .arg(&run)
            .arg("--images")
            .arg(&test_images),
        "another generator",
    );
}

#[test]
fn the_shipped_encoder_belongs_to_the_shipped_generator_and_refinement_helps() {
    let Some(mnist) = gan_data::mnist_dir_from_env() else {
        return;
    };
    let report = json(
        gan()
            .args(["reconstruct", "--json", "--skip", "9990", "--run-dir"])
            .arg(repo("models/mnist-paper"))
            .arg("--images")
            .arg(mnist.join("t10k-images-idx3-ubyte.gz")),
    );
    let mse = |key: &str| report[key]["mean"].as_f64().unwrap();
    assert_eq!(report["images"], 10);
    assert!(mse("refined") < mse("encoder"), "{report}");
}
