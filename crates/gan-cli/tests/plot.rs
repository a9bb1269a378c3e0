//! `gan plot`: a run's curves as a PNG, and other runs' Parzen curves beside its own; `gan
//! summary`: runs' time-to-quality table.

use std::path::Path;

mod common;
use common::{fails_with, gan, succeeds};

/// A run directory with `n` metrics records and, optionally, evaluations.
fn write_run_logs(run: &Path, n: u64, evals: &[(u64, f64)], tail: &str) {
    std::fs::create_dir_all(run).unwrap();
    let mut metrics = String::new();
    for i in 1..=n {
        let t = i as f64 / n as f64;
        let record = gan_train::MetricsRecord {
            step: i * 100,
            epoch: i / 5,
            wall_time_s: i as f64,
            learning_rate: 0.1,
            momentum: Some(0.5),
            d_loss: 1.4 - 0.3 * t,
            g_loss: 0.7 + 0.5 * t,
            real_output: Some(0.8 * t),
            fake_output: Some(-0.8 * t),
            d_real: Some(0.5 + 0.2 * t),
            d_fake: Some(0.5 - 0.2 * t),
            value: Some(-1.4 + 0.3 * t),
            d_penalty: None,
            steps_averaged: 100,
        };
        metrics += &serde_json::to_string(&record).unwrap();
        metrics.push('\n');
    }
    metrics += tail;
    std::fs::write(run.join("metrics.jsonl"), metrics).unwrap();
    if !evals.is_empty() {
        let lines: Vec<String> = evals
            .iter()
            .map(|&(step, mean)| {
                format!(
                    r#"{{"step":{step},"epoch":1,"wall_time_s":1.0,"mean":{mean},"se":2.0,"sigma":0.2,"grid":[],"n_test":10000,"n_samples":10000}}"#
                )
            })
            .collect();
        std::fs::write(run.join("parzen.jsonl"), lines.join("\n") + "\n").unwrap();
    }
}

#[test]
fn plot_draws_losses_outputs_and_the_parzen_curve() {
    let dir = tempfile::tempdir().unwrap();
    let (with_evals, without) = (dir.path().join("a"), dir.path().join("b"));
    // A partial last line (a run killed while appending) is skipped, not an error.
    write_run_logs(
        &with_evals,
        30,
        &[(1000, 120.0), (2000, 150.0)],
        "{\"step\":31",
    );
    write_run_logs(&without, 30, &[], "");
    for (run, panels) in [(&with_evals, 3), (&without, 2)] {
        let out = gan().args(["plot", "--run-dir"]).arg(run).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let img = image::open(run.join("training.png")).unwrap().to_rgb8();
        assert_eq!((img.width(), img.height()), (900, 300 * panels));
        // Curves and text were drawn: the red D-loss line, and dark (text, axes) pixels.
        let count = |f: &dyn Fn(&image::Rgb<u8>) -> bool| img.pixels().filter(|p| f(p)).count();
        assert!(count(&|p| p[0] > 200 && p[1] < 60 && p[2] < 60) > 200);
        assert!(count(&|p| p[0] < 80 && p[1] < 80 && p[2] < 80) > 2000);
    }
    // --out elsewhere.
    let elsewhere = dir.path().join("curves.png");
    let out = gan()
        .args(["plot", "--run-dir"])
        .arg(&without)
        .arg("--out")
        .arg(&elsewhere)
        .output()
        .unwrap();
    assert!(out.status.success() && elsewhere.is_file());

    // No metrics, or a damaged line in the middle: one-line errors naming the file.
    fails_with(
        gan()
            .args(["plot", "--run-dir"])
            .arg(dir.path().join("none")),
        "metrics.jsonl",
    );
    let damaged = dir.path().join("c");
    write_run_logs(&damaged, 3, &[], "not json\n{\"step\": 1}\n");
    fails_with(
        gan().args(["plot", "--run-dir"]).arg(&damaged),
        "metrics.jsonl line 4",
    );
}

/// Pixels of the image close to `colour`.
fn pixels_near(img: &image::RgbImage, colour: [u8; 3]) -> usize {
    img.pixels()
        .filter(|p| (0..3).all(|i| p[i].abs_diff(colour[i]) < 30))
        .count()
}

#[test]
fn plot_draws_other_runs_parzen_curves_beside_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let (main, other, logs_only) = (
        dir.path().join("main"),
        dir.path().join("other"),
        dir.path().join("logs-only"),
    );
    write_run_logs(&main, 30, &[(1000, 120.0), (2000, 150.0)], "");
    // The compared run went further (the step axis then reaches its last evaluation).
    write_run_logs(
        &other,
        10,
        &[(1000, 110.0), (3000, 160.0), (6000, 170.0)],
        "",
    );
    write_run_logs(&logs_only, 10, &[], "");
    let blue = [31, 119, 180];

    let alone = dir.path().join("alone.png");
    succeeds(
        gan()
            .args(["plot", "--run-dir"])
            .arg(&main)
            .arg("--out")
            .arg(&alone),
    );
    let alone = image::open(&alone).unwrap().to_rgb8();
    assert_eq!(pixels_near(&alone, blue), 0);

    let both = dir.path().join("both.png");
    succeeds(
        gan()
            .args(["plot", "--run-dir"])
            .arg(&main)
            .arg("--compare")
            .arg(&other)
            .arg("--out")
            .arg(&both),
    );
    let both = image::open(&both).unwrap().to_rgb8();
    assert_eq!((both.width(), both.height()), (900, 900));
    // The compared curve is drawn, in the third panel only.
    let third = image::imageops::crop_imm(&both, 0, 600, 900, 300).to_image();
    assert!(
        pixels_near(&third, blue) > 300,
        "{}",
        pixels_near(&third, blue)
    );
    assert_eq!(pixels_near(&both, blue), pixels_near(&third, blue));

    // A run without logs is drawn when a compared run has evaluations; a compared run without
    // evaluations is a one-line error naming its file.
    let out = dir.path().join("third.png");
    succeeds(
        gan()
            .args(["plot", "--run-dir"])
            .arg(&logs_only)
            .arg("--compare")
            .arg(&other)
            .arg("--out")
            .arg(&out),
    );
    assert_eq!(image::open(&out).unwrap().height(), 900);
    fails_with(
        gan()
            .args(["plot", "--run-dir"])
            .arg(&main)
            .arg("--compare")
            .arg(&logs_only),
        "parzen.jsonl",
    );
}

#[test]
fn plot_by_training_minutes_compares_parzen_and_fid_of_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (main, other) = (dir.path().join("main"), dir.path().join("other"));
    write_run_logs(&main, 30, &[(1000, 120.0), (2000, 150.0)], "");
    // The compared run has FID records only (quality.jsonl), at other training times.
    std::fs::create_dir_all(&other).unwrap();
    let quality: Vec<String> = [(500, 60.0, 40.0), (1500, 600.0, 12.0)]
        .iter()
        .map(|&(step, t, fid)| {
            format!(
                r#"{{"step":{step},"wall_time_s":{t},"eval_time_s":2.0,"samples":100,"reference":100,"fid":{fid},"precision":0.9,"recall":0.8,"density":0.9,"coverage":0.8}}"#
            )
        })
        .collect();
    std::fs::write(other.join("quality.jsonl"), quality.join("\n") + "\n").unwrap();
    let out = dir.path().join("time.png");
    succeeds(
        gan()
            .args(["plot", "--x", "minutes", "--run-dir"])
            .arg(&main)
            .arg("--compare")
            .arg(&other)
            .arg("--out")
            .arg(&out),
    );
    let img = image::open(&out).unwrap().to_rgb8();
    // Losses, D outputs, Parzen (the main run's) and FID (the compared run's).
    assert_eq!(img.height(), 1200);
    let blue = [31, 119, 180];
    let fid_panel = image::imageops::crop_imm(&img, 0, 900, 900, 300).to_image();
    assert!(pixels_near(&fid_panel, blue) > 200);
    assert_eq!(pixels_near(&img, blue), pixels_near(&fid_panel, blue));
}

/// Evaluation records at the given training minutes: Parzen (mean, se 2.0) and FID.
fn write_evaluations(run: &Path, minutes: &[f64], parzen: &[f64], fid: &[f64]) {
    std::fs::create_dir_all(run).unwrap();
    let (mut p, mut q) = (String::new(), String::new());
    for (i, m) in minutes.iter().enumerate() {
        let (step, s) = ((i as u64 + 1) * 1000, m * 60.0);
        p.push_str(&format!(
            "{{\"step\":{step},\"wall_time_s\":{s},\"mean\":{},\"se\":2.0}}\n",
            parzen[i]
        ));
        q.push_str(&format!(
            "{{\"step\":{step},\"wall_time_s\":{s},\"fid\":{}}}\n",
            fid[i]
        ));
    }
    std::fs::write(run.join("parzen.jsonl"), p).unwrap();
    std::fs::write(run.join("quality.jsonl"), q).unwrap();
}

#[test]
fn summary_tabulates_minutes_to_thresholds_and_values_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let (fast, slow) = (dir.path().join("fast"), dir.path().join("slow"));
    // Crosses 200 at its third evaluation (15 min), 225 at its fifth (25 min), dips after.
    write_evaluations(
        &fast,
        &[5.0, 10.0, 15.0, 20.0, 25.0, 29.5, 35.0],
        &[150.0, 190.0, 205.0, 220.0, 226.0, 224.0, 240.0],
        &[50.0, 40.0, 30.0, 20.0, 15.0, 12.5, 9.0],
    );
    write_evaluations(
        &slow,
        &[10.0, 20.0, 40.0],
        &[120.0, 160.0, 210.0],
        &[80.0, 60.0, 30.0],
    );
    let out = succeeds(
        gan()
            .args(["summary", "--at-minutes", "30", "--run-dir"])
            .arg(&fast)
            .arg("--run-dir")
            .arg(&slow),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].contains("min to Parzen 200") && lines[0].contains("min to Parzen 225"));
    let fast_row = format!(
        "| {} | 6000 | 224.0 (2.0) | 12.5 | 15.0 | 25.0 |",
        fast.display()
    );
    assert_eq!(lines[2], fast_row);
    // The slow run's last evaluation by 30 minutes is at 20; it reaches 200 at 40 and never 225.
    let slow_row = format!(
        "| {} | 2000 | 160.0 (2.0) | 60.0 | 40.0 | – |",
        slow.display()
    );
    assert_eq!(lines[3], slow_row);

    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    fails_with(
        gan().args(["summary", "--run-dir"]).arg(&empty),
        "no evaluations",
    );
    fails_with(
        gan()
            .args(["summary", "--at-minutes", "NaN", "--run-dir"])
            .arg(&fast),
        "--at-minutes",
    );
}
