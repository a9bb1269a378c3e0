//! gan-core's side of the PyTorch comparison (`benches/compare/compare.py` drives it).
//!
//! `cargo bench --bench compare` alone only prints how to run the comparison; the driver calls
//! the built binary as `compare train|parzen --backend B --reps N` and reads one JSON line:
//! the wall time of every measured repetition, warm-up excluded, and the CPU seconds the
//! process used per wall-clock second over them (Linux: read from `/proc/self/stat`). Threads are set by the
//! driver through `RAYON_NUM_THREADS` (Flex, and NdArray's element-wise ops) and
//! `MATMUL_NUM_THREADS` (NdArray's matrix products).

#[path = "../common.rs"]
mod common;

use std::time::Instant;

use gan_core::backend::Backend;
use gan_core::parzen::ParzenEvaluator;
use gan_core::train::{MlpTrainer, RunConfig};

fn usage() -> ! {
    eprintln!(
        "usage: compare train|parzen [--backend flex|ndarray] [--reps N] [--warmup N] \
         [--tile-mib M]\n\
         (run benches/compare/compare.py for the side-by-side comparison with PyTorch)"
    );
    std::process::exit(2)
}

fn main() {
    // `cargo bench` passes `--bench`; anything else that is not ours is an error.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(what) = args.first().cloned() else {
        println!("compare: nothing to do alone; run `python3 benches/compare/compare.py`");
        return;
    };
    let (mut backend, mut reps, mut warmup) = (Backend::default_cpu().unwrap(), 30usize, 5usize);
    let mut evaluator = ParzenEvaluator::paper_protocol();
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--backend" => backend = value.parse().unwrap_or_else(|_| usage()),
            "--reps" => reps = value.parse().unwrap_or_else(|_| usage()),
            "--warmup" => warmup = value.parse().unwrap_or_else(|_| usage()),
            "--tile-mib" => {
                let mib: usize = value.parse().unwrap_or_else(|_| usage());
                evaluator.config.tile_budget_bytes = mib << 20;
            }
            _ => usage(),
        }
    }
    let mnist = common::mnist();
    let mut times = Vec::with_capacity(reps);
    let mut cpu_clock = CpuClock::start();
    match what.as_str() {
        "train" => {
            let config = RunConfig::paper_mnist();
            let mut trainer = MlpTrainer::mlp(&config, mnist.train, &backend.device()).unwrap();
            for _ in 0..warmup {
                trainer.step().unwrap();
            }
            cpu_clock = CpuClock::start();
            for _ in 0..reps {
                let start = Instant::now();
                trainer.step().unwrap();
                times.push(start.elapsed().as_secs_f64());
            }
        }
        "parzen" => {
            let device = backend.device();
            let samples = mnist.train.head(10_000).to_tensor(&device);
            let valid = mnist.valid.to_tensor(&device);
            let test = mnist.test.to_tensor(&device);
            for i in 0..warmup + reps {
                if i == warmup {
                    cpu_clock = CpuClock::start();
                }
                let start = Instant::now();
                let report = evaluator.evaluate(&samples, &valid, &test).unwrap();
                if i >= warmup {
                    times.push(start.elapsed().as_secs_f64());
                }
                std::hint::black_box(report);
            }
        }
        _ => usage(),
    }
    let cpu_per_wall = cpu_clock.per_wall_second();
    let list: Vec<String> = times.iter().map(|t| format!("{t:.6}")).collect();
    println!(
        "{{\"impl\":\"gan-core/{backend}\",\"what\":\"{what}\",\"times\":[{}],\
         \"cpu_per_wall\":{cpu_per_wall:.4}}}",
        list.join(",")
    );
}

/// The process's CPU time against the wall clock since `start`.
struct CpuClock {
    cpu: f64,
    wall: Instant,
}

impl CpuClock {
    fn start() -> Self {
        Self {
            cpu: process_cpu_seconds(),
            wall: Instant::now(),
        }
    }

    fn per_wall_second(&self) -> f64 {
        (process_cpu_seconds() - self.cpu) / self.wall.elapsed().as_secs_f64()
    }
}

/// User plus system time of this process, all threads (fields 14 and 15 of
/// `/proc/self/stat`, in Linux's fixed 100 ticks per second); NaN where there is no procfs.
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // The command name (field 2) may hold spaces: count fields after its closing bracket.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    ticks.iter().sum::<f64>() / 100.0
}
