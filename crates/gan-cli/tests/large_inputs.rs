//! Work that grows with the input runs in batches: 300,000 MNIST-sized images in a 229 KB
//! gzip IDX go through `parzen` (as samples and as test rows), `inpaint`, `reconstruct`,
//! `generate` and `eval` (300,000 samples), and 3,000,000 2-D samples through `modes`, each
//! under an address-space cap of 1.5 GiB. Holding those images as f32 takes 0.94 GB, and
//! each command held two or more copies before it read in batches (peaks of 1.9 to 21 GB,
//! issue 34). Tiny models keep the arithmetic short; the rows keep MNIST's width.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// The address-space cap of each command, in KiB (`ulimit -v`).
const CAP_KIB: u64 = 3 << 19;
/// Images in the big file.
const N: usize = 300_000;

/// `gan` with `args` under the cap; panics with its stderr unless it succeeds.
fn capped(args: &[&str]) -> String {
    let started = std::time::Instant::now();
    // `modes` computes nothing on a device.
    let backend: &[&str] = if args[0] == "modes" {
        &[]
    } else {
        &["--backend", "flex"]
    };
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -v {CAP_KIB}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_gan"))
        .args(args)
        .args(backend)
        .output()
        .unwrap();
    eprintln!("gan {}: {:.1} s", args[0], started.elapsed().as_secs_f64());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "gan {}: {stderr}", args.join(" "));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// 300,000 blank 28 × 28 images as a gzip IDX file, compressed by `gzip` as they are written.
fn blank_images(path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    let mut gzip = Command::new("gzip")
        .arg("-c")
        .stdin(Stdio::piped())
        .stdout(file)
        .spawn()
        .expect("gzip");
    let stdin = gzip.stdin.as_mut().unwrap();
    let mut header = vec![0, 0, 8, 3];
    for d in [N as u32, 28, 28] {
        header.extend(d.to_be_bytes());
    }
    stdin.write_all(&header).unwrap();
    let zeros = vec![0u8; 784 * 1000];
    for _ in 0..N / 1000 {
        stdin.write_all(&zeros).unwrap();
    }
    drop(gzip.stdin.take());
    assert!(gzip.wait().unwrap().success());
}

/// A run of `preset` on `data`, retrained from its config with `shrink` applied.
fn tiny_run(dir: &Path, preset: &str, data: &Path, shrink: impl Fn(&mut Value)) -> PathBuf {
    let first = dir.join(format!("{preset}-first"));
    let args = [
        "train",
        "--preset",
        preset,
        "--steps",
        "1",
        "--batch-size",
        "16",
        "--data",
    ];
    capped(&[&args[..], &[s(data), "--run-dir", s(&first)]].concat());
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(first.join("config.json")).unwrap()).unwrap();
    shrink(&mut config["model"]);
    let file = dir.join(format!("{preset}.json"));
    std::fs::write(&file, config.to_string()).unwrap();
    let run = dir.join(preset);
    capped(&[
        "train",
        "--config",
        s(&file),
        "--steps",
        "2",
        "--data",
        s(data),
        "--run-dir",
        s(&run),
    ]);
    run
}

/// Ctrl-C (SIGINT) two seconds into `generate`: a one-line error, exit 1, and neither the
/// array nor its temporary file left.
fn interrupted_leaves_nothing(run: &Path, codes: &Path, npy: &Path) {
    let child = Command::new(env!("CARGO_BIN_EXE_gan"))
        .args([
            "generate",
            "--backend",
            "flex",
            "--run-dir",
            s(run),
            "--z",
            s(codes),
            "--npy",
        ])
        .arg(npy)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(2));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(kill.unwrap().success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let last = stderr.trim_end().lines().last().unwrap_or("");
    assert!(last.starts_with("error: interrupted"), "{stderr}");
    assert!(!npy.exists() && !npy.with_extension("npy.tmp").exists());
}

#[test]
fn commands_read_300000_images_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let big = d.join("blank-idx3-ubyte.gz");
    blank_images(&big);
    let pixels: Vec<f32> = (0..64 * 784).map(|i| (i % 11) as f32 / 11.0).collect();
    let small = d.join("small.npy");
    gan_data::write_npy(&small, &pixels, &[64, 1, 28, 28]).unwrap();
    let mlp = tiny_run(d, "paper-mnist", &small, |model| {
        for layer in model["generator"]["hidden"].as_array_mut().unwrap() {
            layer["width"] = 8.into();
        }
        for layer in model["discriminator"]["hidden"].as_array_mut().unwrap() {
            layer["num_units"] = 8.into();
            layer["num_pieces"] = 2.into();
        }
        model["generator"]["d_noise"] = 4.into();
    });
    let inpainter = tiny_run(d, "inpaint", &small, |model| {
        model["base_channels"] = 2.into();
        model["bottleneck"] = 4.into();
        model["noise_dim"] = 2.into();
    });

    let out = capped(&[
        "parzen",
        "--samples",
        s(&big),
        "--test",
        s(&small),
        "--sigma",
        "0.5",
    ]);
    assert!(out.contains("64 test rows, 300000 samples"), "{out}");
    let out = capped(&[
        "parzen",
        "--samples",
        s(&small),
        "--test",
        s(&big),
        "--sigma",
        "0.5",
    ]);
    assert!(out.contains("300000 test rows, 64 samples"), "{out}");

    let completed = d.join("completed.npy");
    let grid = d.join("grid.png");
    capped(&[
        "inpaint",
        "--run-dir",
        s(&inpainter),
        "--images",
        s(&big),
        "--mask",
        "top",
        "--npy",
        s(&completed),
        "--out",
        s(&grid),
    ]);
    let rows = gan_data::ArrayRows::open(&completed).unwrap();
    assert_eq!((rows.rows(), rows.dim()), (N, 784));
    assert!(grid.is_file());

    capped(&[
        "train-inference",
        "--run-dir",
        s(&mlp),
        "--steps",
        "1",
        "--hidden",
        "8",
    ]);
    let reconstructed = d.join("reconstructed.npy");
    let out = capped(&[
        "reconstruct",
        "--run-dir",
        s(&mlp),
        "--images",
        s(&big),
        "--refine-steps",
        "0",
        "--npy",
        s(&reconstructed),
    ]);
    assert!(out.starts_with("300000 images"), "{out}");
    assert_eq!(gan_data::ArrayRows::open(&reconstructed).unwrap().rows(), N);

    let codes = d.join("z.npy");
    let z: Vec<f32> = (0..N * 4).map(|i| ((i % 17) as f32 - 8.0) / 4.0).collect();
    gan_data::write_npy(&codes, &z, &[N, 4]).unwrap();
    let generated = d.join("generated.npy");
    capped(&[
        "generate",
        "--run-dir",
        s(&mlp),
        "--z",
        s(&codes),
        "--npy",
        s(&generated),
    ]);
    let rows = gan_data::ArrayRows::open(&generated).unwrap();
    assert_eq!((rows.rows(), rows.dim()), (N, 784));
    drop(rows);
    interrupted_leaves_nothing(&mlp, &codes, &d.join("interrupted.npy"));
    for file in [&completed, &reconstructed, &generated] {
        std::fs::remove_file(file).unwrap();
    }

    let out = capped(&[
        "eval",
        "--run-dir",
        s(&mlp),
        "--samples",
        "300000",
        "--test-rows",
        "64",
        "--valid",
        s(&small),
        "--test",
        s(&small),
        "--json",
    ]);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["n_samples"], 300_000, "{out}");

    let ring = d.join("ring.npy");
    let points: Vec<f32> = (0..3_000_000)
        .flat_map(|i| {
            let angle = (i % 8) as f32 * std::f32::consts::FRAC_PI_4;
            [2.0 * angle.cos(), 2.0 * angle.sin()]
        })
        .collect();
    gan_data::write_npy(&ring, &points, &[3_000_000, 2]).unwrap();
    let out = capped(&["modes", "--samples", s(&ring), "--mixture", "ring8"]);
    assert!(out.starts_with("8 of 8 modes covered"), "{out}");
    assert!(out.contains("3000000 of 3000000 samples"), "{out}");
}
