//! `gan train`'s configured parts from the command line: a DCGAN run with the hinge loss,
//! spectral normalisation, R1 and an average of G, killed with SIGKILL and resumed by the same
//! command line, ends bit-identical to an uninterrupted run (weights, average, power-iteration
//! vectors, optimiser states), with its batch size and k saved; flags that differ on --resume and combinations that cannot train
//! are refused; sampling uses the average unless told otherwise.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{fails_with, gan, succeeds};

/// 96 grey 8 × 8 images: a bright 3 × 3 square whose place depends on the index.
fn squares(dir: &Path) -> PathBuf {
    let mut values = vec![0f32; 96 * 64];
    for (i, image) in values.chunks_exact_mut(64).enumerate() {
        let (r, c) = (i % 6, (i / 6) % 6);
        for y in r..r + 3 {
            for x in c..c + 3 {
                image[y * 8 + x] = 1.0;
            }
        }
    }
    let path = dir.join("squares.npy");
    gan_data::write_npy(&path, &values, &[96, 1, 8, 8]).unwrap();
    path
}

/// The command line of the run, without its step limit.
fn parts_run(data: &Path, run_dir: &Path) -> Vec<String> {
    let mut args: Vec<String> = [
        "train",
        "--backend",
        "flex",
        "--preset",
        "dcgan",
        "--loss",
        "hinge",
        "--spectral-norm",
        "--r1",
        "1",
        "--ema",
        "0.9",
        "--ema-rampup",
        "0.5",
        "--d-lr",
        "4e-4",
        "--batch-size",
        "16",
        "--k",
        "2",
        "--seed",
        "3",
        "--checkpoint-every",
        "4",
        "--data",
    ]
    .map(String::from)
    .to_vec();
    args.push(data.display().to_string());
    args.push("--run-dir".into());
    args.push(run_dir.display().to_string());
    args
}

/// Every tensor of a record file: its name, type, shape and bytes, sorted. Each parameter's
/// identity, drawn afresh by each process, is left out: the file stores it beside each
/// parameter, and an optimiser's state names its tensors by it (`<id>.momentum.moment_1`).
fn record_tensors(path: &Path) -> Vec<(String, String, Vec<usize>, Vec<u8>)> {
    let bytes = burn::tensor::Bytes::from_bytes_vec(std::fs::read(path).unwrap());
    let mut tensors: Vec<_> = burn_pack::Reader::from_bytes(bytes)
        .unwrap()
        .into_tensors()
        .unwrap()
        .into_iter()
        .map(|t| {
            let (name, dtype, shape, _id, bytes) = t.into_parts().unwrap();
            let name = match name.split_once('.') {
                Some((id, rest)) if id.bytes().all(|b| b.is_ascii_digit()) => rest.to_string(),
                _ => name,
            };
            (name, format!("{dtype:?}"), shape.to_vec(), bytes.to_vec())
        })
        .collect();
    tensors.sort();
    tensors
}

fn checkpoints(run_dir: &Path) -> Vec<PathBuf> {
    gan_train::list_checkpoints(run_dir).unwrap_or_default()
}

#[test]
fn sigkill_mid_run_then_resume_with_the_same_command_line_is_bit_identical() {
    let dir = tempfile::tempdir().unwrap();
    let data = squares(dir.path());
    let target = "20";

    let straight = dir.path().join("straight");
    succeeds(
        gan()
            .args(parts_run(&data, &straight))
            .args(["--steps", target]),
    );

    // The same command line with no step limit, killed after two checkpoints.
    let killed = dir.path().join("killed");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gan"))
        .args(parts_run(&data, &killed))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    while checkpoints(&killed).len() < 2 {
        assert!(Instant::now() < deadline, "no checkpoints");
        assert!(child.try_wait().unwrap().is_none(), "the run ended");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let out = succeeds(
        gan()
            .args(parts_run(&data, &killed))
            .args(["--steps", target, "--resume"]),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("resumed"));

    let last = |run: &Path| checkpoints(run).into_iter().next().unwrap();
    let (a, b) = (last(&straight), last(&killed));
    assert!(a.ends_with("step-0000000020") && b.ends_with("step-0000000020"));
    for file in [
        gan_train::GENERATOR_FILE,
        gan_train::DISCRIMINATOR_FILE,
        gan_train::G_OPTIMIZER_FILE,
        gan_train::D_OPTIMIZER_FILE,
        gan_train::GENERATOR_AVERAGE_FILE,
    ] {
        let (x, y) = (record_tensors(&a.join(file)), record_tensors(&b.join(file)));
        assert!(!x.is_empty());
        assert!(x == y, "{file} differs after the kill and resume");
    }
    let read = |d: &Path| std::fs::read(d.join(gan_train::SPECTRAL_NORM_FILE)).unwrap();
    assert!(read(&a) == read(&b), "the power-iteration vectors differ");

    // The saved config names every part.
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(killed.join("config.json")).unwrap())
            .unwrap();
    let train = &config["train"];
    assert_eq!(train["loss"], "hinge");
    assert_eq!(train["regularisers"]["spectral_norm"], true);
    assert_eq!(train["regularisers"]["r1"], 1.0);
    assert_eq!(train["ema"]["decay"], 0.9);
    assert_eq!(train["ema"]["rampup"], 0.5);
    assert_eq!(train["d_optimizer"]["learning_rate"], 4e-4);
    assert_eq!(train["batch_size"], 16);
    assert_eq!(train["schedule"]["kind"], "alternating");
    assert_eq!(train["schedule"]["k"], 2);

    // --resume refuses a flag that differs from the saved run, naming it (the average's
    // ramp-up is part of --ema's setting).
    for (flags, named) in [
        (&["--loss", "least-squares"][..], "--loss"),
        (&["--ema", "0.5"], "--ema"),
        (&["--r2", "1"], "--r2"),
        (&["--batch-size", "8"], "--batch-size"),
        (&["--k", "1"], "--k"),
        (&["--ema", "0.9", "--ema-rampup", "0.25"], "--ema"),
    ] {
        fails_with(
            gan()
                .args(["train", "--backend", "flex", "--steps", "24", "--resume"])
                .arg("--data")
                .arg(&data)
                .arg("--run-dir")
                .arg(&killed)
                .args(flags),
            named,
        );
    }

    // Samples come from the average unless --raw-weights is given.
    let codes = dir.path().join("z.npy");
    let z: Vec<f32> = (0..4 * 100)
        .map(|i| ((i * 13 % 17) as f32 - 8.0) / 4.0)
        .collect();
    gan_data::write_npy(&codes, &z, &[4, 100]).unwrap();
    let generate = |raw: bool, name: &str| {
        let out = dir.path().join(name);
        let mut cmd = gan();
        cmd.args(["generate", "--backend", "flex", "--run-dir"])
            .arg(&killed)
            .arg("--z")
            .arg(&codes)
            .arg("--npy")
            .arg(&out);
        if raw {
            cmd.arg("--raw-weights");
        }
        succeeds(&mut cmd);
        std::fs::read(out).unwrap()
    };
    assert!(generate(false, "average.npy") != generate(true, "raw.npy"));

    // A damaged newest checkpoint: sampling falls back to the one before and says so.
    std::fs::write(last(&killed).join(gan_train::GENERATOR_FILE), b"damaged").unwrap();
    let out = succeeds(
        gan()
            .args(["sample", "--backend", "flex", "--run-dir"])
            .arg(&killed)
            .arg("--out")
            .arg(dir.path().join("grid.png")),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("skipped damaged checkpoint"), "{stderr}");
}

#[test]
fn combinations_that_cannot_train_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = squares(dir.path());
    let run = dir.path().join("run");
    let base = |more: &[&str]| {
        let mut cmd = gan();
        cmd.args([
            "train",
            "--backend",
            "flex",
            "--preset",
            "dcgan",
            "--steps",
            "1",
        ])
        .arg("--data")
        .arg(&data)
        .arg("--run-dir")
        .arg(&run)
        .args(more);
        cmd
    };
    fails_with(&mut base(&["--loss", "wasserstein"]), "Lipschitz");
    fails_with(&mut base(&["--r1", "0"]), "--r1");
    fails_with(&mut base(&["--gp=-1"]), "--gp");
    fails_with(&mut base(&["--ema", "1"]), "--ema");
    fails_with(
        &mut base(&["--ema", "0.9", "--ema-rampup", "2"]),
        "--ema-rampup",
    );
    fails_with(&mut base(&["--g-lr", "NaN"]), "--g-lr");
    let out = base(&["--loss", "hinges"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "clap refuses an unknown loss");
    succeeds(&mut base(&[
        "--loss",
        "wasserstein",
        "--gp",
        "10",
        "--noise",
        "sphere",
    ]));
}
