//! `models/mnist-conditional`, the shipped p(x | c): its samples are classified as the class
//! they were drawn for as `docs/reproduction.md` says, and `--class` draws one class.

mod common;
use common::{gan, succeeds};

#[test]
fn the_shipped_conditional_model_draws_the_class_asked_for() {
    let Some((mnist, models)) = common::mnist_and_models() else {
        return;
    };
    let model = models.join("mnist-conditional");
    let exported = gan_train::read_exported(&model)
        .unwrap()
        .expect("model.json");
    assert_eq!(exported.precision, gan_train::Precision::F16);
    let report = common::shipped_model_report(
        &["eval", "--metrics", "agreement"],
        &mnist,
        &models,
        "mnist-conditional",
    );
    let agreement = &report["class_agreement"];
    let (mean, worst) = (
        agreement["mean"].as_f64().unwrap(),
        agreement["worst"]["rate"].as_f64().unwrap(),
    );
    // The targets, and the figures documented (10,000 samples, seed 0).
    assert!(mean >= 0.95 && worst >= 0.85, "{agreement}");
    assert!((mean - DOCUMENTED_MEAN).abs() < 0.005, "{mean}");
    let per_class = agreement["per_class"].as_array().unwrap();
    assert_eq!(per_class.len(), 10);
    assert!(per_class.iter().all(|c| c["samples"] == 1000));

    // One class alone: a grid of 3s.
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("threes.npy");
    succeeds(
        gan()
            .args(["sample", "--class", "3", "--n", "20", "--run-dir"])
            .arg(&model)
            .arg("--npy")
            .arg(&npy)
            .arg("--out")
            .arg(dir.path().join("threes.png")),
    );
    let threes = gan_data::read_npy(&npy).unwrap();
    assert_eq!((threes.len(), threes.dim()), (20, 784));
}

const DOCUMENTED_MEAN: f64 = 0.99;
