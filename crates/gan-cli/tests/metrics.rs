//! `gan metrics`, `gan modes`, `gan classifier` and `gan eval --metrics`, run as a user would;
//! numbers checked against the float64 references of gan-metrics (independent numpy code).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

mod common;
use common::{fails_with, gan};

fn json(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../gan-metrics/tests/reference")
        .join(name)
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(reference("expected.json")).unwrap()).unwrap()
}

fn classifier() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/mnist-classifier")
}

fn close(got: &Value, want: &Value) {
    let (got, want) = (got.as_f64().unwrap(), want.as_f64().unwrap());
    assert!(
        (got - want).abs() <= 1e-4 * want.abs(),
        "{got} against {want}"
    );
}

#[test]
fn metrics_on_arrays_match_the_references() {
    let e = expected();
    let report = json(
        gan()
            .args([
                "metrics",
                "--json",
                "--metrics",
                "fid,kid,prdc,memorisation",
                "--samples",
            ])
            .arg(reference("fake.npy"))
            .arg("--reference")
            .arg(reference("real.npy"))
            .arg("--train")
            .arg(reference("real.npy")),
    );
    close(&report["fid"], &e["gaussian"]["fid"]);
    close(&report["kid"], &e["gaussian"]["kid"]);
    for key in ["precision", "recall", "density", "coverage"] {
        close(&report[key], &e["gaussian"]["prdc_k5"][key]);
    }
    assert_eq!(
        (report["samples"].as_u64(), report["reference"].as_u64()),
        (Some(250), Some(300))
    );
    assert_eq!(report["features"], "raw");
    assert!(report["memorisation"]["sample_mean"].as_f64().unwrap() > 0.0);

    let k3 = json(
        gan()
            .args([
                "metrics",
                "--json",
                "--metrics",
                "prdc",
                "--k",
                "3",
                "--samples",
            ])
            .arg(reference("fake.npy"))
            .arg("--reference")
            .arg(reference("real.npy")),
    );
    close(&k3["coverage"], &e["gaussian"]["prdc_k3"]["coverage"]);
    assert!(k3.get("fid").is_none());

    // Memorisation: samples `fake`, training rows `real`, held-out rows `test`.
    let m = json(
        gan()
            .args([
                "metrics",
                "--json",
                "--metrics",
                "memorisation",
                "--samples",
            ])
            .arg(reference("fake.npy"))
            .arg("--reference")
            .arg(reference("test.npy"))
            .arg("--train")
            .arg(reference("real.npy")),
    );
    let want = &e["gaussian"]["memorisation"];
    close(&m["memorisation"]["sample_mean"], &want["sample_mean"]);
    close(&m["memorisation"]["heldout_median"], &want["test_median"]);
}

#[test]
fn modes_match_the_reference_counts() {
    let e = expected();
    for (file, mixture, min_count, key) in [
        ("ring_samples.npy", "ring8", "20", &e["modes"]["ring8"]),
        ("grid_samples.npy", "grid25", "20", &e["modes"]["grid25"]),
        ("ring_samples.npy", "ring8", "5", &e["modes"]["ring8_min5"]),
    ] {
        let report = json(
            gan()
                .args([
                    "modes",
                    "--json",
                    "--mixture",
                    mixture,
                    "--min-count",
                    min_count,
                    "--samples",
                ])
                .arg(reference(file)),
        );
        assert_eq!(report["counts"], key["counts"], "{mixture}");
        assert_eq!(report["modes_covered"], key["modes_covered"]);
        assert_eq!(report["high_quality"], key["high_quality"]);
    }
}

#[test]
fn metric_mistakes_are_one_line_errors() {
    let (fake, real) = (reference("fake.npy"), reference("real.npy"));
    let metrics = |extra: &[&str]| {
        let mut cmd = gan();
        cmd.arg("metrics")
            .arg("--samples")
            .arg(&fake)
            .arg("--reference")
            .arg(&real)
            .args(extra);
        cmd
    };
    fails_with(&mut metrics(&["--k", "0"]), "--k must be at least 1");
    fails_with(&mut metrics(&["--k", "300"]), "needs at least 301 rows");
    fails_with(&mut metrics(&["--metrics", "parzen"]), "gan parzen");
    fails_with(&mut metrics(&["--metrics", "memorisation"]), "--train");
    fails_with(
        &mut metrics(&["--metrics", "kid", "--kid-subsets", "0"]),
        "subsets",
    );
    fails_with(
        &mut metrics(&["--features", "mnist", "--classifier", "/no/classifier"]),
        "no classifier in /no/classifier",
    );
    fails_with(
        gan()
            .arg("metrics")
            .arg("--samples")
            .arg(&fake)
            .arg("--reference")
            .arg(reference("wide_real.npy")),
        "values per row",
    );
    fails_with(
        gan()
            .args(["modes", "--mixture", "ring8", "--samples"])
            .arg(&fake),
        "dimensions differ",
    );
    fails_with(
        gan().args(["modes", "--mixture", "ring8", "--samples", "/no/file.npy"]),
        "no such file",
    );
    fails_with(
        gan()
            .args([
                "modes",
                "--mixture",
                "ring8",
                "--min-count",
                "0",
                "--samples",
            ])
            .arg(reference("ring_samples.npy")),
        "min count",
    );
}

/// Real test images against other real test images, in the shipped classifier's features:
/// what a perfect generator would score.
#[test]
fn mnist_features_of_real_images_score_as_real() {
    let Some(mnist) = gan_data::mnist_dir_from_env() else {
        return;
    };
    let test = gan_data::Mnist::load(&mnist).unwrap().test;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, rows: std::ops::Range<usize>| {
        let path = dir.path().join(name);
        let part = test.slice(rows).unwrap();
        gan_data::write_npy(&path, part.features(), &[part.len(), 784]).unwrap();
        path
    };
    let (a, b) = (write("a.npy", 0..1000), write("b.npy", 1000..2000));
    let report = json(
        gan()
            .args([
                "metrics",
                "--json",
                "--features",
                "mnist",
                "--metrics",
                "fid,prdc,classes",
            ])
            .arg("--classifier")
            .arg(classifier())
            .arg("--samples")
            .arg(&a)
            .arg("--reference")
            .arg(&b),
    );
    assert_eq!(report["feature_dim"], 128);
    let histogram: Vec<u64> = report["class_histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    assert_eq!(histogram.iter().sum::<u64>(), 1000);
    // Every digit appears: the smallest class holds ~8 % of the test images.
    assert!(histogram.iter().all(|&c| c > 60), "{histogram:?}");
    // A 99 % classifier is confident on real digits of ten balanced classes: close to 10.
    assert!(
        report["class_score"]["mean"].as_f64().unwrap() > 8.5,
        "{report}"
    );
    assert!(report["precision"].as_f64().unwrap() > 0.85, "{report}");
    assert!(report["recall"].as_f64().unwrap() > 0.85, "{report}");
}

#[test]
fn eval_reports_parzen_and_the_metrics_of_a_run() {
    let Some(mnist) = gan_data::mnist_dir_from_env() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = gan()
        .args(["train", "--steps", "2", "--seed", "1", "--data-dir"])
        .arg(&mnist)
        .arg("--run-dir")
        .arg(&run)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(
        gan()
            .args([
                "eval",
                "--json",
                "--metrics",
                "parzen,fid,kid,classes",
                "--samples",
                "300",
            ])
            .args([
                "--test-rows",
                "300",
                "--kid-subsets",
                "4",
                "--kid-subset-size",
                "100",
            ])
            .arg("--classifier")
            .arg(classifier())
            .arg("--data-dir")
            .arg(&mnist)
            .arg("--run-dir")
            .arg(&run),
    );
    assert_eq!(report["parzen"]["n_samples"], 300);
    assert_eq!(
        report["features"], "mnist",
        "MNIST-shaped runs default to the classifier"
    );
    assert!(report["fid"].as_f64().unwrap() > 0.0);
    assert_eq!(report["kid_subsets"]["subsets"], 4);
    let histogram = report["class_histogram"].as_array().unwrap();
    assert_eq!(
        histogram.iter().map(|c| c.as_u64().unwrap()).sum::<u64>(),
        300
    );
    fails_with(
        gan()
            .args([
                "eval",
                "--metrics",
                "fid",
                "--features",
                "mnist",
                "--classifier",
                "/nowhere",
            ])
            .arg("--data-dir")
            .arg(&mnist)
            .arg("--run-dir")
            .arg(&run),
        "no classifier",
    );
}
