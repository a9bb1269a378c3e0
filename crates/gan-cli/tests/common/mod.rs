//! Helpers shared by the command-line tests: running `gan` and checking how it ends.
// Each test file uses the helpers it needs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The `gan` binary of this build.
pub fn gan() -> Command {
    Command::cargo_bin("gan").unwrap()
}

/// Runs a command expected to succeed; its output.
pub fn succeeds(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a command expected to fail: exit code 1, one line on stderr naming `needle`, no panic.
pub fn fails_with(cmd: &mut Command, needle: &str) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "not one line: {stderr}"
    );
    assert!(
        stderr.starts_with("error: ") && stderr.contains(needle),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

/// The repository's shipped models (`models/`).
pub fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

/// The MNIST directory and the shipped models, for tests of a shipped model (`None`: MNIST is
/// not there and the test skips; under `CI=true` that fails instead).
pub fn mnist_and_models() -> Option<(PathBuf, PathBuf)> {
    Some((gan_data::mnist_dir_from_env()?, models()))
}

/// Runs `gan ARGS --json` on the shipped model `name` with MNIST and the shipped classifier;
/// the report.
pub fn shipped_model_report(
    args: &[&str],
    mnist: &Path,
    models: &Path,
    name: &str,
) -> serde_json::Value {
    let out = succeeds(
        gan()
            .args(args)
            .arg("--json")
            .arg("--data-dir")
            .arg(mnist)
            .arg("--classifier")
            .arg(models.join("mnist-classifier"))
            .arg("--run-dir")
            .arg(models.join(name)),
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
