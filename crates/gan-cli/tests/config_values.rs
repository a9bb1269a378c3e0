//! Every numeric field of a run's `config.json` (the paper MLP's and DCGAN's) at 0, 1, −1 and huge values (`u64::MAX`, 2^32,
//! 1e300), read by the three commands that read a config: `gan train --config` (a new run),
//! then `gan sample` and `gan train --resume` on a trained run whose config was edited. Each
//! runs under a 4 GiB address-space cap and must end in a result or a one-line error: never a
//! panic, an allocation abort, a signal or a hang.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long one command may take before it counts as a hang.
const HANG: Duration = Duration::from_secs(60);
/// The address-space cap of each command, in KiB (`ulimit -v`).
const CAP_KIB: u64 = 4 << 20;

const INTEGERS: &[&str] = &["0", "1", "-1", "4294967296", "18446744073709551615"];
const FLOATS: &[&str] = &["0", "1", "-1", "1e300", "-1e300"];

/// `gan` with `args` under the memory cap; its exit code (None: killed by a signal or the
/// hang budget), stderr, and whether it hung.
fn capped(args: &[String]) -> (Option<i32>, String, bool) {
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -v {CAP_KIB}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_gan"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let hung = loop {
        if child.try_wait().unwrap().is_some() {
            break false;
        }
        if start.elapsed() > HANG {
            child.kill().unwrap();
            break true;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        hung,
    )
}

/// What is wrong with an outcome, if anything. A refusal is one line starting `error: `, last
/// (after any progress lines).
fn judge((code, stderr, hung): (Option<i32>, String, bool)) -> Option<String> {
    if hung {
        return Some("still running after the hang budget".into());
    }
    let lines: Vec<&str> = stderr.trim_end().lines().collect();
    let errors = lines.iter().filter(|l| l.starts_with("error")).count();
    let refused = lines.last().is_some_and(|l| l.starts_with("error: ")) && errors == 1;
    match code {
        Some(0) if !stderr.contains("panicked") => None,
        Some(1) if refused && !stderr.contains("panicked") => None,
        _ => {
            let head: Vec<&str> = lines.iter().take(3).copied().collect();
            Some(format!("exit {code:?}: {}", head.join(" / ")))
        }
    }
}

/// Every numeric leaf of `value` as a JSON pointer, with whether it is an integer.
fn numeric_leaves(value: &Value, at: String, out: &mut Vec<(String, bool)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                numeric_leaves(v, format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                numeric_leaves(v, format!("{at}/{i}"), out);
            }
        }
        Value::Number(n) => out.push((at, n.is_u64() || n.is_i64())),
        _ => {}
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

/// A preset's config made small (the MLP's widths 8 with two pieces, DCGAN's 4 base
/// channels): the base every case edits, with the optional parts present so that their fields
/// are varied too.
fn base_config(dir: &Path, preset: &str, data: &Path) -> Value {
    let run = dir.join(preset);
    let args = [
        "train",
        "--backend",
        "flex",
        "--steps",
        "1",
        "--ema",
        "0.9",
        "--r1",
        "1",
        "--preset",
        preset,
        "--run-dir",
    ];
    let mut args = strings(&args);
    args.extend([path(&run), "--data".into(), path(data)]);
    assert_eq!(judge(capped(&args)), None);
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    let model = &mut config["model"];
    if preset == "dcgan" {
        model["base_channels"] = 4.into();
        model["noise_dim"] = 4.into();
    } else {
        for layer in model["generator"]["hidden"].as_array_mut().unwrap() {
            layer["width"] = 8.into();
        }
        for layer in model["discriminator"]["hidden"].as_array_mut().unwrap() {
            layer["num_units"] = 8.into();
            layer["num_pieces"] = 2.into();
        }
        model["generator"]["d_noise"] = 4.into();
    }
    config["train"]["batch_size"] = 16.into();
    config["train"]["ema"]["rampup"] = 0.5.into();
    config["train"]["feature_matching"] = 0.5.into();
    config["train"]["regularisers"]["instance_noise"] = 0.1.into();
    config
}

#[test]
fn every_numeric_field_of_an_mlp_config_is_a_result_or_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("x.npy");
    let rows: Vec<f32> = (0..128 * 12).map(|i| (i % 13) as f32 / 13.0).collect();
    gan_data::write_npy(&data, &rows, &[128, 12]).unwrap();
    every_field_at_its_edges(dir.path(), "paper-mnist", &data);
}

#[test]
fn every_numeric_field_of_a_dcgan_config_is_a_result_or_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("images.npy");
    let pixels: Vec<f32> = (0..64 * 64).map(|i| (i % 7) as f32 / 7.0).collect();
    gan_data::write_npy(&data, &pixels, &[64, 1, 8, 8]).unwrap();
    every_field_at_its_edges(dir.path(), "dcgan", &data);
}

fn every_field_at_its_edges(dir: &Path, preset: &str, data: &Path) {
    let base = base_config(dir, preset, data);
    // A trained run of the base config, copied and edited for `sample` and `--resume`.
    let base_file = dir.join("base.json");
    std::fs::write(&base_file, base.to_string()).unwrap();
    let trained = dir.join("trained");
    // A new run from `config`, or (None) the run in `run` resumed.
    let train = |config: Option<&Path>, run: &Path, steps: &str| -> Vec<String> {
        let mut args = strings(&["train", "--backend", "flex", "--steps", steps]);
        args.extend(["--data".into(), path(data), "--run-dir".into(), path(run)]);
        match config {
            Some(config) => args.extend(["--config".into(), path(config)]),
            None => args.push("--resume".into()),
        }
        args
    };
    assert_eq!(judge(capped(&train(Some(&base_file), &trained, "2"))), None);

    let mut leaves = Vec::new();
    numeric_leaves(&base, String::new(), &mut leaves);
    assert!(leaves.len() > 20, "{} fields", leaves.len());
    let cases: Vec<(String, &str)> = leaves
        .iter()
        .flat_map(|(leaf, integer)| {
            let values = if *integer { INTEGERS } else { FLOATS };
            values.iter().map(move |v| (leaf.clone(), *v))
        })
        .collect();

    let failures = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for worker in 0..2 {
            let (cases, failures, next) = (&cases, &failures, &next);
            let (base, trained, train) = (&base, &trained, &train);
            let work = dir.join(format!("worker{worker}"));
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((leaf, value)) = cases.get(i) else {
                        break;
                    };
                    let _ = std::fs::remove_dir_all(&work);
                    std::fs::create_dir_all(&work).unwrap();
                    let mut config = base.clone();
                    *config.pointer_mut(leaf).unwrap() = serde_json::from_str(value).unwrap();
                    let file = work.join("config.json");
                    std::fs::write(&file, config.to_string()).unwrap();
                    let edited = copy_run(trained, &work.join("edited"));
                    std::fs::write(edited.join("config.json"), config.to_string()).unwrap();
                    let runs = [
                        train(Some(&file), &work.join("fresh"), "2"),
                        strings(&["sample", "--backend", "flex", "--n", "4", "--out"])
                            .into_iter()
                            .chain([path(&work.join("s.png")), "--run-dir".into()])
                            .chain([path(&edited)])
                            .collect(),
                        train(None, &edited, "3"),
                    ];
                    for args in runs {
                        if let Some(why) = judge(capped(&args)) {
                            let command = &args[0];
                            failures
                                .lock()
                                .unwrap()
                                .push(format!("{leaf} = {value}, {command}: {why}"));
                        }
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len() * 3,
        failures.join("\n")
    );
}

fn copy_run(from: &Path, to: &Path) -> PathBuf {
    let status = Command::new("cp")
        .arg("-r")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
    to.to_path_buf()
}
