//! Every numeric flag of every command at its edges (0, 1, −1, NaN, ±inf, huge): a result or a
//! one-line error, never a panic. Each case runs the real binary on small inputs the test
//! writes. A value whose work is long by design (training until stopped, a real training run)
//! is named as such and stopped after a short budget; any other value must finish, and one
//! still running after a long budget is a failure (a hang, or an absurd count accepted).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a value named as long work runs before it counts as accepted and computing.
const BUDGET: Duration = Duration::from_secs(6);
/// How long any other value may take before it counts as a hang.
const HANG: Duration = Duration::from_secs(90);
/// Stands in for the MNIST directory when it is missing: the cases that need it are skipped
/// (and `mnist_dir_from_env` fails under `CI=true`).
const NO_MNIST: &str = "<no MNIST>";

const COUNTS: &[&str] = &["0", "1", "-1", "18446744073709551615"];
const SEEDS: &[&str] = &["0", "18446744073709551615", "-1"];
const REALS: &[&str] = &["0", "-1", "NaN", "inf", "-inf", "1e308"];

struct Inputs {
    dir: tempfile::TempDir,
}

impl Inputs {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let rows = |n: usize, d: usize, salt: usize| -> Vec<f32> {
            (0..n * d)
                .map(|i| ((i * 7919 + salt) % 997) as f32 / 997.0)
                .collect()
        };
        for (name, n, d, salt) in [
            ("x.npy", 64, 12, 1),
            ("v.npy", 20, 12, 2),
            ("t.npy", 20, 12, 3),
            ("ring.npy", 50, 2, 4),
            ("x784.npy", 100, 784, 5),
            ("v784.npy", 20, 784, 6),
            ("t784.npy", 20, 784, 7),
        ] {
            gan_data::write_npy(&dir.path().join(name), &rows(n, d, salt), &[n, d]).unwrap();
        }
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../gan-interop/tests/fixtures/g.pt");
        let status = Command::new(env!("CARGO_BIN_EXE_gan"))
            .args(["import", "--backend", "flex", "--from"])
            .arg(fixture)
            .arg("--out")
            .arg(dir.path().join("tiny"))
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let status = Command::new(env!("CARGO_BIN_EXE_gan"))
            .args([
                "train-inference",
                "--backend",
                "flex",
                "--steps",
                "5",
                "--hidden",
                "8",
            ])
            .arg("--run-dir")
            .arg(dir.path().join("tiny"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        // Evaluations for `gan summary`.
        let evals = dir.path().join("evals");
        std::fs::create_dir_all(&evals).unwrap();
        let line = |step: u64, mean: f64| {
            format!("{{\"step\":{step},\"wall_time_s\":{step}.0,\"mean\":{mean},\"se\":1.0}}\n")
        };
        let records = line(100, 150.0) + &line(200, 210.0);
        std::fs::write(evals.join("parzen.jsonl"), records).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
        .display()
        .to_string()
}

/// Runs `gan args…` for at most `budget`; returns `None` when it was still running.
fn run(args: &[String], budget: Duration) -> Option<(i32, String)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gan"))
        .args(args)
        .env("GAN_BACKEND", "flex")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            return Some((status.code().unwrap_or(-1), stderr));
        }
        if start.elapsed() > budget {
            child.kill().unwrap();
            child.wait().unwrap();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One command line with a flag to vary.
struct Case {
    base: Vec<String>,
    flag: &'static str,
    values: &'static [&'static str],
    /// Values whose work is long by design: these may still be running after [`BUDGET`].
    long_work: &'static [&'static str],
}

fn case(base: Vec<String>, flag: &'static str, values: &'static [&'static str]) -> Case {
    Case {
        base,
        flag,
        values,
        long_work: &[],
    }
}

impl Case {
    fn long_work(mut self, values: &'static [&'static str]) -> Self {
        self.long_work = values;
        self
    }
}

/// A refusal's stderr: one `error: ` line, with at most clap's usage tip after it.
fn is_one_line_error(stderr: &str) -> bool {
    let mut lines = stderr.trim_end().lines();
    lines
        .next()
        .is_some_and(|first| first.starts_with("error: "))
        && lines.all(|l| {
            l.trim().is_empty()
                || l.starts_with("For more information, try")
                || l.trim_start().starts_with("tip: ")
        })
}

fn cases(inputs: &Inputs, out: &Path) -> Vec<Case> {
    let (x, v, t, ring, tiny) = (
        inputs.path("x.npy"),
        inputs.path("v.npy"),
        inputs.path("t.npy"),
        inputs.path("ring.npy"),
        inputs.path("tiny"),
    );
    let png = out.join("out.png").display().to_string();
    let run_dir = out.join("run").display().to_string();
    let paper = repo("models/mnist-paper");
    let classifier_out = out.join("classifier").display().to_string();
    let mnist =
        gan_data::mnist_dir_from_env().map_or(NO_MNIST.to_string(), |d| d.display().to_string());
    let sample = ["sample", "--run-dir", &paper, "--out", &png];
    let interpolate = ["interpolate", "--run-dir", &paper, "--out", &png];
    let eval = ["eval", "--run-dir", &tiny, "--valid", &v, "--test", &t];
    let parzen = ["parzen", "--samples", &x, "--test", &t];
    let metrics = [
        "metrics",
        "--samples",
        &x,
        "--reference",
        &v,
        "--features",
        "raw",
        "--metrics",
        "fid,kid,prdc",
    ];
    let modes = ["modes", "--samples", &ring, "--mixture", "ring8"];
    let (x784, v784, t784) = (
        inputs.path("x784.npy"),
        inputs.path("v784.npy"),
        inputs.path("t784.npy"),
    );
    // The paper's players, on 100 rows of 784 values (one batch an epoch).
    let train = [
        "train",
        "--data",
        &x784,
        "--valid",
        &v784,
        "--test",
        &t784,
        "--run-dir",
        &run_dir,
    ];
    let classifier = ["classifier", "--data-dir", &mnist, "--out", &classifier_out];
    let with = |base: &[&str], more: &[&str]| -> Vec<String> {
        base.iter().chain(more).map(|s| s.to_string()).collect()
    };
    let infer = ["train-inference", "--run-dir", &tiny, "--hidden", "8"];
    let reconstruct = ["reconstruct", "--run-dir", &tiny, "--images", &x];
    let test_images = format!("{mnist}/t10k-images-idx3-ubyte.gz");
    let between = [
        "interpolate",
        "--run-dir",
        &paper,
        "--out",
        &png,
        "--between",
        &format!("{test_images}:0"),
        &format!("{test_images}:1"),
    ]
    .map(|s| s.to_string());
    let between: Vec<&str> = between.iter().map(String::as_str).collect();
    let semi = ["semi", "--run-dir", &paper, "--data-dir", &mnist];
    let evals = inputs.path("evals");
    let summary = ["summary", "--run-dir", &evals];
    let mut all = vec![
        case(with(&summary, &[]), "--at-minutes", REALS),
        case(with(&summary, &[]), "--parzen", REALS),
        // The linear probe on one label per class runs the generator's features of MNIST.
        case(with(&semi, &[]), "--labels-per-class", COUNTS).long_work(&["1"]),
        case(with(&semi, &["--labels-per-class", "1"]), "--seed", SEEDS).long_work(SEEDS),
        case(
            with(&semi, &["--method", "kplus1", "--labels-per-class", "1"]),
            "--steps",
            COUNTS,
        ),
        case(
            with(
                &semi,
                &[
                    "--method",
                    "kplus1",
                    "--labels-per-class",
                    "1",
                    "--steps",
                    "1",
                ],
            ),
            "--learning-rate",
            REALS,
        ),
        case(with(&infer, &[]), "--steps", COUNTS),
        case(with(&infer, &["--steps", "2"]), "--batch-size", COUNTS),
        case(with(&infer, &["--steps", "2"]), "--learning-rate", REALS),
        case(with(&infer, &["--steps", "2"]), "--seed", SEEDS),
        case(with(&infer, &["--steps", "2"]), "--refine-steps", COUNTS),
        case(with(&infer, &["--steps", "2"]), "--refine-lr", REALS),
        case(with(&reconstruct, &[]), "--skip", COUNTS),
        case(with(&reconstruct, &[]), "--n", COUNTS),
        case(with(&reconstruct, &[]), "--batch", COUNTS),
        case(with(&reconstruct, &[]), "--refine-steps", COUNTS),
        case(with(&reconstruct, &[]), "--refine-lr", REALS),
        case(with(&reconstruct, &[]), "--baseline-samples", COUNTS),
        case(
            with(&reconstruct, &["--baseline-samples", "5"]),
            "--seed",
            SEEDS,
        ),
        case(with(&between, &[]), "--steps", COUNTS),
        case(with(&sample, &["--cols", "2"]), "--n", COUNTS),
        case(with(&sample, &["--n", "4"]), "--cols", COUNTS),
        case(with(&sample, &["--n", "4"]), "--seed", SEEDS),
        case(with(&interpolate, &["--steps", "2"]), "--rows", COUNTS),
        case(with(&interpolate, &["--rows", "1"]), "--steps", COUNTS),
        case(
            with(&interpolate, &["--rows", "1", "--steps", "2"]),
            "--seed",
            SEEDS,
        ),
        case(with(&eval, &["--test-rows", "5"]), "--samples", COUNTS),
        case(with(&eval, &["--samples", "30"]), "--test-rows", COUNTS),
        case(
            with(&eval, &["--samples", "30", "--test-rows", "5"]),
            "--seed",
            SEEDS,
        ),
        case(with(&parzen, &[]), "--sigma", REALS),
        case(with(&metrics, &[]), "--k", COUNTS),
        case(
            with(&metrics, &["--kid-subset-size", "10"]),
            "--kid-subsets",
            COUNTS,
        ),
        case(
            with(&metrics, &["--kid-subsets", "3"]),
            "--kid-subset-size",
            COUNTS,
        ),
        case(with(&metrics, &[]), "--seed", SEEDS),
        case(with(&modes, &[]), "--min-count", COUNTS),
        // Training until stopped is what a huge limit asks for (Ctrl-C checkpoints it).
        case(with(&train, &[]), "--steps", COUNTS).long_work(&["18446744073709551615"]),
        case(with(&train, &[]), "--epochs", COUNTS).long_work(&["18446744073709551615"]),
        case(with(&train, &[]), "--minutes", REALS).long_work(&["inf", "1e308"]),
        case(with(&train, &["--steps", "2"]), "--seed", SEEDS),
        case(
            with(&train, &["--steps", "2"]),
            "--checkpoint-every",
            COUNTS,
        ),
        case(with(&train, &["--steps", "2"]), "--eval-every", COUNTS),
        case(with(&train, &["--steps", "2"]), "--eval-minutes", REALS),
        case(
            with(&train, &["--steps", "2", "--eval-every", "1"]),
            "--eval-samples",
            COUNTS,
        ),
        // Two evaluations of 10,000 samples each.
        case(
            with(&train, &["--steps", "2", "--eval-every", "1"]),
            "--eval-test-rows",
            COUNTS,
        )
        .long_work(&["1", "18446744073709551615"]),
    ];
    // The configured parts of a run (losses, regularisers, the average of G, learning rates).
    for flag in [
        "--r1",
        "--r2",
        "--gp",
        "--instance-noise",
        "--feature-matching",
        "--ema",
        "--g-lr",
        "--d-lr",
    ] {
        all.push(case(with(&train, &["--steps", "2"]), flag, REALS));
    }
    all.push(case(
        with(&train, &["--steps", "2", "--ema", "0.9"]),
        "--ema-start",
        COUNTS,
    ));
    all.push(case(
        with(&train, &["--steps", "2", "--ema", "0.9"]),
        "--ema-rampup",
        REALS,
    ));
    for flag in ["--batch-size", "--k"] {
        all.push(case(with(&train, &["--steps", "2"]), flag, COUNTS));
    }
    // Training the classifier on MNIST is a minute's work or more.
    for (flag, values, long) in [
        ("--epochs", COUNTS, &["1"][..]),
        ("--batch-size", COUNTS, &["1"]),
        ("--learning-rate", REALS, &[]),
        ("--seed", SEEDS, SEEDS),
    ] {
        all.push(case(with(&classifier, &[]), flag, values).long_work(long));
    }
    let before = all.len();
    all.retain(|c| !c.base.iter().any(|a| a.contains(NO_MNIST)));
    if all.len() < before {
        eprintln!("SKIPPED: {} cases that need MNIST", before - all.len());
    }
    all
}

#[test]
fn every_numeric_flag_at_its_edges_is_a_result_or_a_one_line_error() {
    let inputs = Inputs::new();
    let mut failures = Vec::new();
    let mut tally = [0usize; 3]; // succeeded, refused, still running
    for case in cases(&inputs, &inputs.dir.path().join("out")) {
        for value in case.values {
            let out = inputs.dir.path().join("out");
            let _ = std::fs::remove_dir_all(&out);
            std::fs::create_dir_all(&out).unwrap();
            let mut args = case.base.clone();
            args.push(format!("{}={value}", case.flag));
            let shown = format!("gan {}", args.join(" "));
            let long = case.long_work.contains(value);
            match run(&args, if long { BUDGET } else { HANG }) {
                None if long => {
                    eprintln!("long work, stopped after {BUDGET:?}: {shown}");
                    tally[2] += 1;
                }
                None => failures.push(format!("{shown}\n  still running after {HANG:?}")),
                Some((0, _)) => tally[0] += 1,
                Some((code, stderr)) => {
                    tally[1] += 1;
                    if stderr.contains("panicked")
                        || !is_one_line_error(&stderr)
                        || !(code == 1 || code == 2)
                    {
                        failures.push(format!("{shown}\n  exit {code}: {}", stderr.trim_end()));
                    }
                }
            }
        }
    }
    eprintln!(
        "{} ran, {} refused, {} long work stopped after {BUDGET:?}",
        tally[0], tally[1], tally[2]
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Neither half may be empty: the cases must both run commands and refuse values.
    assert!(tally[0] >= 20 && tally[1] >= 40, "{tally:?}");
}
