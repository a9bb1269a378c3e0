//! `gan train` on data the user brings: a folder of images with class subdirectories and a
//! labelled `.npy` array, with the DCGAN preset, conditional and not; then sampling and
//! exporting those runs.

use std::path::Path;

use assert_cmd::Command;
use image::{GrayImage, Luma};

fn gan() -> Command {
    Command::cargo_bin("gan").unwrap()
}

fn succeeds(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    stderr
}

fn fails_with(cmd: &mut Command, needle: &str) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(needle) && !stderr.contains("panicked"),
        "{stderr}"
    );
}

/// 70 grey 8×8 images in two class directories: a bright top half or a bright bottom half.
fn image_folder(root: &Path) {
    for (class, name) in ["top", "bottom"].iter().enumerate() {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..35u32 {
            GrayImage::from_fn(8, 8, |x, y| {
                let lit = (y < 4) == (class == 0);
                Luma([if lit { 200 + (x + i) as u8 % 50 } else { 10 }])
            })
            .save(dir.join(format!("{i:02}.png")))
            .unwrap();
        }
    }
}

#[test]
fn dcgan_trains_conditionally_on_an_image_folder_and_samples_one_column_per_class() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    image_folder(&images);
    let run = dir.path().join("run");
    let train = |steps: &str, extra: &[&str]| {
        let mut cmd = gan();
        cmd.args(["train", "--preset", "dcgan", "--conditional", "--data"])
            .arg(&images)
            .args(["--steps", steps, "--checkpoint-every", "1", "--run-dir"])
            .arg(&run)
            .args(extra);
        cmd
    };
    succeeds(&mut train("2", &[]));
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["model"]["kind"], "dcgan");
    assert_eq!(config["model"]["image"], serde_json::json!([1, 8, 8]));
    assert_eq!(config["model"]["condition_dim"], 2);
    let grid = image::open(run.join("samples.png")).unwrap();
    // Two classes: two columns of 10 samples, 8 pixels each with one-pixel gaps.
    assert_eq!((grid.width(), grid.height()), (2 * 9 + 1, 10 * 9 + 1));

    // The same command line resumes; another preset does not.
    let resumed = succeeds(&mut train("3", &["--resume"]));
    assert!(resumed.contains("at step 2"), "{resumed}");
    fails_with(
        gan()
            .args(["train", "--preset", "paper-mnist", "--resume", "--data"])
            .arg(&images)
            .arg("--run-dir")
            .arg(&run),
        "differs",
    );

    let out = dir.path().join("s.png");
    let npy = dir.path().join("s.npy");
    succeeds(
        gan()
            .args(["sample", "--n", "4", "--cols", "2", "--run-dir"])
            .arg(&run)
            .arg("--out")
            .arg(&out)
            .arg("--npy")
            .arg(&npy),
    );
    let samples = gan_data::read_npy(&npy).unwrap();
    assert_eq!((samples.len(), samples.dim()), (4, 64));
    assert!(samples.features().iter().all(|v| (0.0..=1.0).contains(v)));
    // One grid row per class; --class draws one class from the same noise.
    let one_class = dir.path().join("c1.npy");
    succeeds(
        gan()
            .args([
                "sample",
                "--n",
                "4",
                "--cols",
                "2",
                "--class",
                "1",
                "--run-dir",
            ])
            .arg(&run)
            .arg("--out")
            .arg(&out)
            .arg("--npy")
            .arg(&one_class),
    );
    let one_class = gan_data::read_npy(&one_class).unwrap();
    assert_eq!(
        one_class.row(2),
        samples.row(2),
        "row 1 of the grid is class 1"
    );
    assert_eq!(one_class.row(3), samples.row(3));
    assert_ne!(
        one_class.row(0),
        samples.row(0),
        "row 0 of the grid is class 0"
    );
    fails_with(
        gan()
            .args(["sample", "--class", "2", "--run-dir"])
            .arg(&run)
            .arg("--out")
            .arg(&out),
        "classes 0..1",
    );
    let export = dir.path().join("export");
    succeeds(
        gan()
            .args(["export", "--precision", "f16", "--run-dir"])
            .arg(&run)
            .arg("--out")
            .arg(&export),
    );
    succeeds(
        gan()
            .args(["sample", "--n", "2", "--run-dir"])
            .arg(&export)
            .arg("--out")
            .arg(&out),
    );
}

#[test]
fn labelled_arrays_train_and_mistakes_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("x.npy");
    let values: Vec<f32> = (0..100 * 64).map(|i| (i % 13) as f32 / 13.0).collect();
    gan_data::write_npy(&x, &values, &[100, 8, 8]).unwrap();
    let y = dir.path().join("y.npy");
    let labels: Vec<f32> = (0..100).map(|i| (i % 3) as f32).collect();
    gan_data::write_npy(&y, &labels, &[100]).unwrap();
    let run = dir.path().join("run");
    succeeds(
        gan()
            .args([
                "train",
                "--preset",
                "dcgan",
                "--conditional",
                "--steps",
                "1",
                "--data",
            ])
            .arg(&x)
            .arg("--labels")
            .arg(&y)
            .arg("--run-dir")
            .arg(&run),
    );
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["model"]["condition_dim"], 3);

    let other = dir.path().join("other");
    fails_with(
        gan()
            .args(["train", "--preset", "dcgan", "--conditional", "--data"])
            .arg(&x)
            .arg("--run-dir")
            .arg(&other),
        "labelled",
    );
    // Without --valid and --test, a seeded tenth each is held out for the evaluation.
    let held = dir.path().join("held");
    succeeds(
        gan()
            .args([
                "train",
                "--preset",
                "dcgan",
                "--steps",
                "1",
                "--eval-every",
                "1",
            ])
            .args(["--eval-samples", "30", "--data"])
            .arg(&x)
            .arg("--run-dir")
            .arg(&held),
    );
    let line: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(held.join("parzen.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (line["n_test"].as_u64(), line["n_samples"].as_u64()),
        (Some(10), Some(30))
    );
    let odd = dir.path().join("odd.npy");
    gan_data::write_npy(&odd, &values[..100 * 36], &[100, 6, 6]).unwrap();
    // The paper's MLP pair takes rows of any width: 36 here.
    let flat = dir.path().join("flat");
    succeeds(
        gan()
            .args(["train", "--preset", "paper-mnist", "--steps", "1", "--data"])
            .arg(&odd)
            .arg("--run-dir")
            .arg(&flat),
    );
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(flat.join("config.json")).unwrap()).unwrap();
    assert_eq!(
        (
            config["model"]["generator"]["d_output"].as_u64(),
            config["model"]["discriminator"]["d_input"].as_u64()
        ),
        (Some(36), Some(36))
    );
    fails_with(
        gan()
            .args(["train", "--preset", "dcgan", "--data"])
            .arg(&odd)
            .arg("--run-dir")
            .arg(&other),
        "multiple of 4",
    );
    fails_with(
        gan()
            .args(["train", "--data"])
            .arg(dir.path().join("missing.npy"))
            .arg("--run-dir")
            .arg(&other),
        "no such file",
    );
}
