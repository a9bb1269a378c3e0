//! The subcommands.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;
use clap::{Args, ValueEnum};
use gan_parzen::{ParzenConfig, ParzenEvaluator, ParzenReport};
use gan_train::{CheckpointConfig, MetricsRecord, TrainConfig, Trainer, Until};
use indicatif::{ProgressBar, ProgressStyle};

use crate::error::CliError;
use crate::images::write_grid;
use crate::inputs::{from_host, generate, host, read_matrix};
use crate::plots::RunCurves;
use crate::{DataArgs, DeviceArgs};

/// Built-in training configurations.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Preset {
    /// The released MNIST configuration of the paper (Table 1).
    PaperMnist,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Built-in configuration to train (ignored with --config or --resume).
    #[arg(long, value_enum, default_value = "paper-mnist")]
    preset: Preset,
    /// A TrainConfig as JSON, instead of the preset.
    #[arg(long)]
    config: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    /// Directory for config.json, checkpoints, metrics.jsonl and images.
    #[arg(long)]
    run_dir: PathBuf,
    /// Stop after this many steps in total.
    #[arg(long, group = "limit")]
    steps: Option<u64>,
    /// Stop after this many epochs in total.
    #[arg(long, group = "limit")]
    epochs: Option<u64>,
    /// Stop after this many minutes.
    #[arg(long, group = "limit")]
    minutes: Option<f64>,
    #[command(flatten)]
    device: DeviceArgs,
    /// Seed of initialisation, noise, dropout and data order (new runs only).
    #[arg(long)]
    seed: Option<u64>,
    /// Write a checkpoint every this many steps (new runs only).
    #[arg(long)]
    checkpoint_every: Option<u64>,
    /// Continue the run in --run-dir from its newest valid checkpoint.
    #[arg(long)]
    resume: bool,
    /// Run the Parzen evaluation every this many steps (0: never), logged to parzen.jsonl.
    #[arg(long, default_value_t = 0)]
    eval_every: u64,
    /// Generator samples for the evaluations during training.
    #[arg(long, default_value_t = 10_000)]
    eval_samples: usize,
    /// Test rows for the evaluations during training (the first ones).
    #[arg(long, default_value_t = 10_000)]
    eval_test_rows: usize,
}

/// One line of `parzen.jsonl`.
#[derive(serde::Serialize)]
struct EvalLine<'a> {
    step: u64,
    epoch: u64,
    wall_time_s: f64,
    #[serde(flatten)]
    report: &'a ParzenReport,
}

pub fn train(a: TrainArgs) -> Result<(), CliError> {
    let device = a.device.device()?;
    let mnist = a.data.mnist()?;
    let mut trainer = if a.resume {
        if a.seed.is_some() || a.checkpoint_every.is_some() || a.config.is_some() {
            return Err(CliError::Usage("--resume continues the run's own config: drop --seed, --checkpoint-every and --config".into()));
        }
        let (trainer, info) = Trainer::resume(&a.run_dir, mnist.train.clone(), &device)?;
        for s in &info.skipped {
            eprintln!("warning: skipped damaged checkpoint {s}");
        }
        eprintln!(
            "resumed {} at step {}",
            info.checkpoint.display(),
            info.step
        );
        trainer
    } else {
        let mut config = match &a.config {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|text| TrainConfig::from_json(&text).map_err(|e| e.to_string()))
                .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?,
            None => match a.preset {
                Preset::PaperMnist => TrainConfig::paper_mnist(),
            },
        };
        if let Some(seed) = a.seed {
            config.seed = seed;
        }
        if let Some(n) = a.checkpoint_every {
            config.checkpoint = CheckpointConfig {
                every_steps: Some(n),
                ..config.checkpoint
            };
        }
        Trainer::create_run(config, mnist.train.clone(), &device, &a.run_dir)?
    };
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| CliError::Usage(format!("cannot install the Ctrl-C handler: {e}")))?;
    let epoch_steps = (mnist.train.len() / trainer.config().batch_size) as u64;
    let target = a.steps.or(a.epochs.map(|e| e * epoch_steps));
    let bar = match target {
        Some(t) => ProgressBar::new(t).with_position(trainer.step_count()),
        None => ProgressBar::new_spinner(),
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} ({per_sec}, ETA {eta}) {msg}",
        )
        .expect("valid template"),
    );
    let eval = a.eval_every > 0;
    // The evaluation sets go to the device only when evaluations are asked for.
    let eval_sets = eval.then(|| {
        (
            mnist.valid.to_tensor(&device),
            mnist.test.head(a.eval_test_rows).to_tensor(&device),
        )
    });
    let run_dir = a.run_dir.clone();
    let started = Instant::now();
    let mut summary;
    loop {
        // Train in segments between evaluations (the whole run when not evaluating).
        let next_eval = if eval {
            Some((trainer.step_count() / a.eval_every + 1) * a.eval_every)
        } else {
            None
        };
        let seg_steps = match (next_eval, target) {
            (Some(e), Some(t)) => Some(e.min(t)),
            (e, t) => e.or(t),
        };
        let minutes_left = a
            .minutes
            .map(|m| m - started.elapsed().as_secs_f64() / 60.0);
        let until = Until {
            steps: seg_steps,
            epochs: None,
            minutes: minutes_left,
            stop: Some(stop.clone()),
        };
        summary = trainer.train(&until, |r: &MetricsRecord| {
            bar.set_position(r.step);
            bar.set_message(format!(
                "epoch {} D {:.3} G {:.3} D(x) {:.2} D(G(z)) {:.2}",
                r.epoch, r.d_loss, r.g_loss, r.d_real, r.d_fake
            ));
        })?;
        if let Some(c) = &summary.final_checkpoint {
            write_run_samples(&trainer, &run_dir.join("samples.png"), &device)?;
            write_run_plot(&run_dir, &bar);
            bar.println(format!("checkpoint {}", c.display()));
        }
        let finished = stop.load(Ordering::SeqCst)
            || target.is_some_and(|t| trainer.step_count() >= t)
            || a.minutes
                .is_some_and(|m| started.elapsed().as_secs_f64() >= m * 60.0);
        if let Some((valid, test)) = eval_sets
            .as_ref()
            .filter(|_| next_eval == Some(trainer.step_count()))
        {
            let g = trainer.generator().valid();
            let samples = generate(
                &g,
                trainer.config().noise,
                a.eval_samples,
                &g.layers[0].weight.val().device(),
            );
            let report = ParzenEvaluator::paper_protocol().evaluate(&samples, valid, test)?;
            let line = EvalLine {
                step: trainer.step_count(),
                epoch: trainer.epoch(),
                wall_time_s: trainer.elapsed_secs(),
                report: &report,
            };
            append_line(
                &run_dir.join("parzen.jsonl"),
                &serde_json::to_string(&line).expect("serialises"),
            )?;
            bar.println(format!(
                "step {}: Parzen LL {:.1} ± {:.1} (σ = {:.3})",
                line.step, report.mean, report.se, report.sigma
            ));
            write_run_plot(&run_dir, &bar);
        }
        if finished || !eval {
            break;
        }
    }
    bar.finish_with_message(format!(
        "stopped at step {} (epoch {})",
        summary.step, summary.epoch
    ));
    Ok(())
}

/// Redraws `training.png`; a plot that cannot be drawn is a warning, not a reason to stop
/// training (nothing is plotted before the first metrics record, for instance).
fn write_run_plot(run_dir: &Path, bar: &ProgressBar) {
    if let Err(e) =
        RunCurves::read(run_dir).and_then(|c| c.write_png(&run_dir.join("training.png")))
    {
        bar.println(format!("warning: training.png not drawn: {e}"));
    }
}

fn append_line(path: &Path, line: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| CliError::output(path, e))?;
    writeln!(f, "{line}").map_err(|e| CliError::output(path, e))
}

fn write_run_samples(trainer: &Trainer, path: &Path, device: &Device) -> Result<(), CliError> {
    device.seed(0);
    let g = trainer.generator().valid();
    let d = g.d_output();
    let values = host(generate(
        &g,
        trainer.config().noise,
        100,
        &g.layers[0].weight.val().device(),
    ));
    write_grid(
        path,
        &values.chunks(d).map(<[f32]>::to_vec).collect::<Vec<_>>(),
        10,
        d,
    )
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The run to evaluate (its newest valid checkpoint).
    #[arg(long)]
    run_dir: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Generator samples in the density estimate (the paper: 10,000).
    #[arg(long, default_value_t = 10_000)]
    samples: usize,
    /// Test rows evaluated (the paper: all 10,000).
    #[arg(long, default_value_t = 10_000)]
    test_rows: usize,
    /// Seed of the generator's noise.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn eval(a: EvalArgs) -> Result<(), CliError> {
    let device = a.device.device()?;
    let config = gan_train::read_config(&a.run_dir)?;
    let g = gan_train::load_generator(&a.run_dir, &device)?;
    let mnist = a.data.mnist()?;
    device.seed(a.seed);
    let samples = generate(&g, config.noise, a.samples, &device);
    let valid = mnist.valid.to_tensor(&device);
    let test = mnist.test.head(a.test_rows).to_tensor(&device);
    let report = ParzenEvaluator::new(ParzenConfig {
        n_samples: a.samples,
        ..ParzenConfig::default()
    })
    .evaluate(&samples, &valid, &test)?;
    print_report(&report, a.json);
    Ok(())
}

fn print_report(report: &ParzenReport, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(report).expect("serialises")
        );
    } else {
        println!(
            "Parzen log-likelihood: {:.2} ± {:.2} (σ = {:.4}, {} test rows, {} samples)",
            report.mean, report.se, report.sigma, report.n_test, report.n_samples
        );
    }
}

#[derive(Args, Debug)]
pub struct ParzenArgs {
    /// The samples of the density estimate (.npy or IDX).
    #[arg(long)]
    samples: PathBuf,
    /// The rows to evaluate (.npy or IDX).
    #[arg(long)]
    test: PathBuf,
    /// Validation rows for choosing σ (required without --sigma).
    #[arg(long)]
    valid: Option<PathBuf>,
    /// Use this σ instead of cross-validating.
    #[arg(long)]
    sigma: Option<f64>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn parzen(a: ParzenArgs) -> Result<(), CliError> {
    let device = a.device.device()?;
    let samples = read_matrix(&a.samples)?.to_tensor(&device);
    let test = read_matrix(&a.test)?.to_tensor(&device);
    let evaluator = ParzenEvaluator::paper_protocol();
    let report = match (a.sigma, &a.valid) {
        (Some(sigma), _) => evaluator.evaluate_with_sigma(&samples, &test, sigma)?,
        (None, Some(valid)) => {
            evaluator.evaluate(&samples, &read_matrix(valid)?.to_tensor(&device), &test)?
        }
        (None, None) => {
            return Err(CliError::Usage(
                "give --valid FILE to cross-validate σ, or --sigma S".into(),
            ));
        }
    };
    print_report(&report, a.json);
    Ok(())
}

#[derive(Args, Debug)]
pub struct SampleArgs {
    /// The run whose generator samples (its newest valid checkpoint).
    #[arg(long)]
    run_dir: PathBuf,
    /// Number of samples.
    #[arg(long, default_value_t = 100)]
    n: usize,
    /// Seed of the noise.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The grid image to write.
    #[arg(long, default_value = "samples.png")]
    out: PathBuf,
    /// Also write the samples as a float32 .npy array.
    #[arg(long)]
    npy: Option<PathBuf>,
    /// MNIST directory: add a rightmost column with the training image nearest to each row's
    /// last sample (Figure 2).
    #[arg(long)]
    nearest: Option<PathBuf>,
    /// Columns of the grid.
    #[arg(long, default_value_t = 10)]
    cols: usize,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn sample(a: SampleArgs) -> Result<(), CliError> {
    if a.n == 0 || a.cols == 0 {
        return Err(CliError::Usage("--n and --cols must be positive".into()));
    }
    let device = a.device.device()?;
    let config = gan_train::read_config(&a.run_dir)?;
    let g = gan_train::load_generator(&a.run_dir, &device)?;
    device.seed(a.seed);
    let samples = generate(&g, config.noise, a.n, &device);
    let d = g.d_output();
    let values = host(samples.clone());
    if let Some(path) = &a.npy {
        gan_data::write_npy(path, &values, &[a.n, d])?;
    }
    let rows: Vec<Vec<f32>> = values.chunks(d).map(<[f32]>::to_vec).collect();
    let (grid, cols) = match &a.nearest {
        None => (rows, a.cols),
        Some(dir) => {
            let train = gan_data::Mnist::load(dir)?.train;
            let mut grid = Vec::new();
            for chunk in rows.chunks(a.cols) {
                let last = chunk.last().expect("non-empty chunk");
                grid.extend(chunk.iter().cloned());
                grid.extend(std::iter::repeat_n(vec![0.5; d], a.cols - chunk.len()));
                grid.push(nearest(&train, last).to_vec());
            }
            (grid, a.cols + 1)
        }
    };
    write_grid(&a.out, &grid, cols, d)?;
    println!("wrote {}", a.out.display());
    Ok(())
}

/// The training row nearest (Euclidean) to `x`.
fn nearest<'a>(train: &'a gan_data::Dataset, x: &[f32]) -> &'a [f32] {
    (0..train.len())
        .map(|i| train.row(i))
        .min_by(|a, b| dist(a, x).total_cmp(&dist(b, x)))
        .expect("non-empty training set")
}

fn dist(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum()
}

#[derive(Args, Debug)]
pub struct InterpolateArgs {
    /// The run whose generator is used.
    #[arg(long)]
    run_dir: PathBuf,
    /// The image to write.
    #[arg(long, default_value = "interpolation.png")]
    out: PathBuf,
    /// Pairs of endpoints (one per row).
    #[arg(long, default_value_t = 10)]
    rows: usize,
    /// Images per row, endpoints included (at least 2).
    #[arg(long, default_value_t = 10)]
    steps: usize,
    /// Seed of the endpoints.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn interpolate(a: InterpolateArgs) -> Result<(), CliError> {
    if a.rows == 0 || a.steps < 2 {
        return Err(CliError::Usage(
            "--rows must be positive and --steps at least 2".into(),
        ));
    }
    let device = a.device.device()?;
    let config = gan_train::read_config(&a.run_dir)?;
    let g = gan_train::load_generator(&a.run_dir, &device)?;
    device.seed(a.seed);
    let dz = g.d_noise();
    let ends = host(config.noise.sample(2 * a.rows, dz, &device));
    let mut z = Vec::with_capacity(a.rows * a.steps * dz);
    for pair in ends.chunks(2 * dz) {
        let (z0, z1) = pair.split_at(dz);
        for s in 0..a.steps {
            let t = s as f32 / (a.steps - 1) as f32;
            z.extend(z0.iter().zip(z1).map(|(p, q)| (1.0 - t) * p + t * q));
        }
    }
    let images = host(g.forward(from_host(z, dz, &device)));
    let d = g.d_output();
    write_grid(
        &a.out,
        &images.chunks(d).map(<[f32]>::to_vec).collect::<Vec<_>>(),
        a.steps,
        d,
    )?;
    println!("wrote {}", a.out.display());
    Ok(())
}

#[derive(Args, Debug)]
pub struct PlotArgs {
    /// The run directory (its metrics.jsonl, and parzen.jsonl when evaluations were run).
    #[arg(long)]
    run_dir: PathBuf,
    /// The PNG to write (default: RUN_DIR/training.png).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn plot(a: PlotArgs) -> Result<(), CliError> {
    let out = a.out.unwrap_or_else(|| a.run_dir.join("training.png"));
    RunCurves::read(&a.run_dir)?.write_png(&out)?;
    println!("{}", out.display());
    Ok(())
}

/// Storage precision of an exported generator.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PrecisionArg {
    /// 32-bit floats, the weights as trained.
    F32,
    /// Half precision: half the size, each weight rounded to 11 significant bits.
    F16,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The run whose newest valid checkpoint is exported.
    #[arg(long)]
    run_dir: PathBuf,
    /// Directory for the exported generator (created if needed); `sample`, `eval` and
    /// `interpolate` take it as their --run-dir.
    #[arg(long)]
    out: PathBuf,
    /// How the weights are stored.
    #[arg(long, value_enum, default_value = "f32")]
    precision: PrecisionArg,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn export(a: ExportArgs) -> Result<(), CliError> {
    let device = a.device.device()?;
    let precision = match a.precision {
        PrecisionArg::F32 => gan_train::Precision::F32,
        PrecisionArg::F16 => gan_train::Precision::F16,
    };
    let model = gan_train::export_generator(&a.run_dir, &a.out, precision, &device)?;
    let weights = a.out.join(gan_train::GENERATOR_FILE);
    let size = std::fs::metadata(&weights).map_err(|e| CliError::output(&weights, e))?;
    println!(
        "exported the generator at step {} (epoch {}) as {:?}: {} ({:.1} MB)",
        model.step,
        model.epoch,
        model.precision,
        weights.display(),
        size.len() as f64 / 1e6
    );
    Ok(())
}
