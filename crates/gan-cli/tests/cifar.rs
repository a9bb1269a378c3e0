//! The released CIFAR-10 presets on small files in CIFAR-10's binary format (the real data is
//! 170 MB and never downloaded by the tests): a step or two of training, resumed, with the
//! run's data normalised as released.

use std::path::Path;

mod common;
use common::{fails_with, gan, succeeds};

/// Five training batches of 26 records (130: one batch of the convolutional preset's 128) and a test batch of 10: a label byte, then 3,072 pixel
/// bytes (red, green and blue planes of 32 × 32), varied per record.
fn cifar_dir(dir: &Path) {
    let batch = |seed: usize, n: usize| -> Vec<u8> {
        (0..n)
            .flat_map(|r| {
                let label = ((seed + r) % 10) as u8;
                std::iter::once(label)
                    .chain((0..3072).map(move |i| ((i * 7 + r * 31 + seed * 13) % 256) as u8))
            })
            .collect()
    };
    for i in 1..=5 {
        std::fs::write(dir.join(format!("data_batch_{i}.bin")), batch(i, 26)).unwrap();
    }
    std::fs::write(dir.join("test_batch.bin"), batch(9, 10)).unwrap();
}

/// Every training image (the first 40,000 rows: all of them here) as the grid must show it,
/// computed here in f64: GCN (scale 55) per image, over its largest magnitude, onto [0, 255].
fn displayed_training_images(dir: &Path) -> Vec<Vec<u8>> {
    let mut images = Vec::new();
    for i in 1..=5 {
        let bytes = std::fs::read(dir.join(format!("data_batch_{i}.bin"))).unwrap();
        for record in bytes.chunks(3073) {
            let x: Vec<f64> = record[1..].iter().map(|&p| f64::from(p) / 255.0).collect();
            let mean = x.iter().sum::<f64>() / 3072.0;
            let norm = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>().sqrt();
            let g: Vec<f64> = x.iter().map(|v| (v - mean) * 55.0 / norm).collect();
            let peak = g.iter().fold(0f64, |m, v| m.max(v.abs()));
            images.push(
                g.iter()
                    .map(|v| ((v / peak + 1.0) / 2.0 * 255.0).round() as u8)
                    .collect(),
            );
        }
    }
    images
}

#[test]
fn the_fully_connected_preset_trains_on_cifar10_files_and_resumes() {
    let root = tempfile::tempdir().unwrap();
    // Found as MNIST is: in $GAN_DATA_DIR/cifar10, without --data.
    let (data, run) = (root.path().join("cifar10"), root.path().join("run"));
    std::fs::create_dir_all(&data).unwrap();
    cifar_dir(&data);
    let train = |steps: &str| {
        let mut cmd = gan();
        cmd.args(["train", "--preset", "paper-cifar10-fc", "--steps", steps])
            .env("GAN_DATA_DIR", root.path())
            .arg("--run-dir")
            .arg(&run);
        cmd
    };
    succeeds(&mut train("1"));
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    assert_eq!(
        config["train"]["preprocessing"],
        serde_json::json!({"kind": "global_contrast", "scale": 55.0})
    );
    assert_eq!(config["train"]["d_optimizer"]["learning_rate"], 0.025);
    let g = &config["model"]["generator"];
    assert_eq!(
        (g["d_output"].as_u64(), g["hidden"][1]["width"].as_u64()),
        (Some(3072), Some(8000))
    );
    let stderr = String::from_utf8_lossy(&succeeds(train("2").arg("--resume")).stderr).to_string();
    assert!(stderr.contains("resumed"), "{stderr}");

    // Figure 2's layout: samples, then the nearest training image, each shown as pylearn2
    // shows GCN data (over its largest magnitude, [−1, 1] onto [0, 1]).
    let grid = root.path().join("grid.png");
    succeeds(
        gan()
            .args(["sample", "--n", "4", "--cols", "2", "--run-dir"])
            .arg(&run)
            .arg("--nearest")
            .arg(&data)
            .arg("--out")
            .arg(&grid),
    );
    let png = image::open(&grid).unwrap().to_rgb8();
    assert_eq!(png.dimensions(), (3 * 33 + 1, 2 * 33 + 1));
    let shown = displayed_training_images(&data);
    for row in 0..2u32 {
        let tile: Vec<u8> = (0..3)
            .flat_map(|ch| {
                let png = &png;
                (0..32u32 * 32)
                    .map(move |p| png.get_pixel(2 * 33 + 1 + p % 32, row * 33 + 1 + p / 32)[ch])
            })
            .collect();
        assert!(
            shown
                .iter()
                .any(|image| image.iter().zip(&tile).all(|(a, b)| a.abs_diff(*b) <= 1)),
            "row {row}: the last column is not a training image"
        );
    }

    // Missing files are downloaded (one line says so); a mirror that does not answer is an
    // error naming it.
    let out = gan()
        .args([
            "train",
            "--preset",
            "paper-cifar10-fc",
            "--steps",
            "1",
            "--run-dir",
        ])
        .arg(root.path().join("unreachable"))
        .env("GAN_DATA_DIR", root.path().join("empty"))
        .env("GAN_CIFAR10_MIRROR", "http://127.0.0.1:9/cifar")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("127.0.0.1:9/cifar/cifar-10-binary.tar.gz") && !stderr.contains("panicked"),
        "{stderr}"
    );

    // Rows of another width are refused by name, before anything is built.
    let mnist_like = root.path().join("rows.npy");
    gan_data::write_npy(&mnist_like, &vec![0.5; 200 * 784], &[200, 784]).unwrap();
    fails_with(
        gan()
            .args([
                "train",
                "--preset",
                "paper-cifar10-fc",
                "--steps",
                "1",
                "--data",
            ])
            .arg(&mnist_like)
            .arg("--run-dir")
            .arg(root.path().join("other")),
        "3,072",
    );
}

#[test]
fn the_convolutional_preset_trains_on_cifar10_images_and_resumes() {
    let root = tempfile::tempdir().unwrap();
    let (data, run) = (root.path().join("cifar"), root.path().join("run"));
    std::fs::create_dir_all(&data).unwrap();
    cifar_dir(&data);
    let train = |steps: &str| {
        let mut cmd = gan();
        cmd.args(["train", "--preset", "paper-cifar10-conv", "--steps", steps])
            .arg("--data")
            .arg(&data)
            .arg("--run-dir")
            .arg(&run);
        cmd
    };
    succeeds(&mut train("1"));
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["model"]["kind"], "paper_conv");
    assert_eq!(config["train"]["batch_size"], 128);
    assert_eq!(config["train"]["g_optimizer"]["learning_rate"], 0.004);
    assert_eq!(config["train"]["preprocessing"]["scale"], 55.0);
    let stderr = String::from_utf8_lossy(&succeeds(train("2").arg("--resume")).stderr).to_string();
    assert!(stderr.contains("resumed"), "{stderr}");
    let samples = root.path().join("samples.npy");
    succeeds(
        gan()
            .args(["sample", "--n", "3", "--run-dir"])
            .arg(&run)
            .arg("--npy")
            .arg(&samples)
            .arg("--out")
            .arg(root.path().join("samples.png")),
    );
    let (values, shape) = read_f32_npy(&samples);
    assert_eq!(shape, vec![3, 3072]);
    assert!(values.iter().all(|v| v.is_finite()));

    // Flat rows are no images: refused by name.
    let rows = root.path().join("rows.npy");
    gan_data::write_npy(&rows, &vec![0.5; 200 * 3072], &[200, 3072]).unwrap();
    fails_with(
        gan()
            .args([
                "train",
                "--preset",
                "paper-cifar10-conv",
                "--steps",
                "1",
                "--data",
            ])
            .arg(&rows)
            .arg("--run-dir")
            .arg(root.path().join("flat")),
        "3 × 32 × 32",
    );
}

fn read_f32_npy(path: &Path) -> (Vec<f32>, Vec<usize>) {
    let data = gan_data::read_npy(path).unwrap();
    (data.features().to_vec(), vec![data.len(), data.dim()])
}
