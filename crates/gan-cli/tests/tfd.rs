//! `gan train --data TFD.mat` and `gan eval --tfd TFD.mat` on gan-data's small TFD fixture
//! (20 images of 4 × 4; `crates/gan-data/tests/fixtures/make_tfd.py`).

use std::path::PathBuf;

mod common;
use common::{fails_with, gan, succeeds};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../gan-data/tests/fixtures/tfd_small.mat")
}

/// Test images of fold `f` in the fixture: labelled rows (i mod 4 ≠ 0) with mark
/// 1 + (i + f) mod 3 = 3.
fn test_rows(fold: usize) -> usize {
    (0..20)
        .filter(|i| i % 4 != 0 && (i + fold) % 3 == 2)
        .count()
}

#[test]
fn trains_on_fold_0_unlabelled_images_and_evaluates_every_fold() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = gan_train::RunConfig::paper_mnist_for(16);
    config.train.batch_size = 5;
    let config_path = dir.path().join("config.json");
    std::fs::write(&config_path, config.to_json().unwrap()).unwrap();
    let run = dir.path().join("run");
    succeeds(
        gan()
            .args(["train", "--steps", "2", "--config"])
            .arg(&config_path)
            .arg("--data")
            .arg(fixture())
            .arg("--run-dir")
            .arg(&run),
    );

    let out = succeeds(
        gan()
            .args(["eval", "--samples", "50", "--json", "--run-dir"])
            .arg(&run)
            .arg("--tfd")
            .arg(fixture()),
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let folds = report["folds"].as_array().unwrap();
    assert_eq!(folds.len(), 5);
    let means: Vec<f64> = folds.iter().map(|f| f["mean"].as_f64().unwrap()).collect();
    for (f, fold) in folds.iter().enumerate() {
        assert_eq!(fold["fold"], f);
        assert_eq!(fold["n_test"].as_u64().unwrap() as usize, test_rows(f));
        assert_eq!(fold["n_samples"], 50);
    }
    // Mean over the folds, and the folds' standard deviation (n − 1) over √5.
    let mean = means.iter().sum::<f64>() / 5.0;
    let sd = (means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / 4.0).sqrt();
    assert!((report["mean"].as_f64().unwrap() - mean).abs() < 1e-9);
    assert!((report["se"].as_f64().unwrap() - sd / 5f64.sqrt()).abs() < 1e-9);

    // It trained on fold 0's unlabelled images: the 5 rows with i mod 4 = 0, too few for a
    // batch of 6.
    config.train.batch_size = 6;
    std::fs::write(&config_path, config.to_json().unwrap()).unwrap();
    fails_with(
        gan()
            .args(["train", "--steps", "1", "--config"])
            .arg(&config_path)
            .arg("--data")
            .arg(fixture())
            .arg("--run-dir")
            .arg(dir.path().join("six")),
        "5 training rows",
    );

    // Only Parzen is measured per fold.
    fails_with(
        gan()
            .args(["eval", "--metrics", "fid", "--run-dir"])
            .arg(&run)
            .arg("--tfd")
            .arg(fixture()),
        "per fold",
    );
}
