//! `gan semi` as a user runs it: a short run on a toy MNIST-format set whose classes are the XOR
//! of two image halves (no linear function of the pixels separates them), where the
//! discriminator's features, and a (K+1)-class discriminator trained with the labels, must beat
//! the raw-pixel baseline; and its refusals.

use std::path::Path;

use assert_cmd::Command;

mod common;
use common::{fails_with, succeeds};

fn gan() -> Command {
    let mut cmd = common::gan();
    cmd.env("GAN_BACKEND", "flex");
    cmd
}

fn idx(dims: &[u32], payload: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        bytes.extend(d.to_be_bytes());
    }
    bytes.extend_from_slice(payload);
    bytes
}

/// `n` 28×28 images: the left half bright or dark, the right half bright or dark (with a little
/// noise); the label is 1 where exactly one half is bright.
fn xor_images(n: usize, seed: usize) -> (Vec<u8>, Vec<u8>) {
    let (mut pixels, mut labels) = (Vec::new(), Vec::new());
    for i in 0..n {
        let bits = [(i + seed) % 2, (i / 2 + seed) % 2];
        for p in 0..784 {
            let bright = bits[usize::from(p % 28 >= 14)] == 1;
            let noise = ((i * 31 + p * 17 + seed) % 41) as u8;
            pixels.push(if bright { 180 + noise } else { 20 + noise });
        }
        labels.push((bits[0] ^ bits[1]) as u8);
    }
    (pixels, labels)
}

fn write_toy_mnist(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for (prefix, n, seed) in [("train", 400u32, 0), ("t10k", 200, 1)] {
        let (pixels, labels) = xor_images(n as usize, seed);
        std::fs::write(
            dir.join(format!("{prefix}-images-idx3-ubyte")),
            idx(&[n, 28, 28], &pixels),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("{prefix}-labels-idx1-ubyte")),
            idx(&[n], &labels),
        )
        .unwrap();
    }
}

#[test]
fn discriminator_features_beat_raw_pixels_on_a_toy_xor() {
    let dir = tempfile::tempdir().unwrap();
    let (data, run) = (dir.path().join("toy"), dir.path().join("run"));
    write_toy_mnist(&data);
    succeeds(
        gan()
            .args(["train", "--steps", "40", "--seed", "0", "--data"])
            .arg(data.join("train-images-idx3-ubyte"))
            .arg("--run-dir")
            .arg(&run),
    );
    let semi = |extra: &[&str]| {
        let mut cmd = gan();
        cmd.arg("semi")
            .arg("--run-dir")
            .arg(&run)
            .arg("--data-dir")
            .arg(&data)
            .args(extra);
        cmd
    };
    let out = succeeds(&mut semi(&["--labels-per-class", "10", "--json"]));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (error, baseline) = (
        report["error"].as_f64().unwrap(),
        report["baseline_error"].as_f64().unwrap(),
    );
    assert_eq!(report["labels"], 20);
    assert_eq!(report["features"], "d");
    assert_eq!(report["feature_dim"], 480, "two maxout layers of 240");
    assert_eq!(report["test_rows"], 200);
    assert!(
        baseline > 0.3,
        "XOR is not linear in the pixels: {baseline}"
    );
    assert!(
        error < baseline - 0.2,
        "D's features: {error}, raw pixels: {baseline}"
    );
    // A human-readable line without --json.
    let line = String::from_utf8(succeeds(&mut semi(&["--labels-per-class", "1"])).stdout).unwrap();
    assert!(
        line.contains("test error") && line.contains("raw pixels"),
        "{line}"
    );
    // Refusals: no labels, more labels than a class has, an encoder that was never trained.
    fails_with(
        &mut semi(&["--labels-per-class", "0"]),
        "at least one label",
    );
    fails_with(&mut semi(&["--labels-per-class", "201"]), "fewer than");
    fails_with(
        &mut semi(&["--labels-per-class", "2", "--features", "inference"]),
        "train-inference",
    );
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    fails_with(
        gan()
            .args(["semi", "--labels-per-class", "1", "--run-dir"])
            .arg(&empty)
            .arg("--data-dir")
            .arg(&data),
        "no training checkpoint",
    );
}

#[test]
fn a_kplus1_discriminator_beats_raw_pixels_and_is_reused_from_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = (dir.path().join("toy"), dir.path().join("semi"));
    write_toy_mnist(&data);
    let semi = |steps: &str| {
        let mut cmd = gan();
        cmd.args([
            "semi",
            "--method",
            "kplus1",
            "--labels-per-class",
            "10",
            "--json",
        ])
        .args(["--steps", steps, "--data-dir"])
        .arg(&data)
        .arg("--out")
        .arg(&out);
        cmd
    };
    let first = succeeds(&mut semi("60"));
    let report: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    let (error, baseline) = (
        report["error"].as_f64().unwrap(),
        report["baseline_error"].as_f64().unwrap(),
    );
    assert_eq!(report["method"], "kplus1");
    assert_eq!(report["labels"], 20);
    assert_eq!(report["feature_dim"], 250);
    assert!(
        baseline > 0.3 && error < baseline - 0.2,
        "{error} vs {baseline}"
    );
    assert!(out.join("semi.bpk").is_file() && out.join("semi.json").is_file());
    // The same command again evaluates the stored classifier: the same error, no training.
    let again = succeeds(&mut semi("60"));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already trained"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(report["error"].as_f64().unwrap(), error);
    fails_with(&mut semi("0"), "at least one step");
    fails_with(
        gan()
            .args(["semi", "--labels-per-class", "1", "--data-dir"])
            .arg(&data),
        "--run-dir",
    );
}
