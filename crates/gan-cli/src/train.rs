//! `gan train`: a new run or a resumed one, with a progress bar, sample grids and plots after
//! each checkpoint, and Parzen evaluations every N steps (all as trainer hooks).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use burn::tensor::{Device, Tensor};
use clap::{Args, ValueEnum};
use gan_nn::{GanDiscriminator, GanGenerator};
use gan_parzen::{ParzenEvaluator, ParzenReport};
use gan_train::{
    CheckpointConfig, DcganTrainer, Hook, MetricsRecord, MlpTrainer, ModelConfig, ResumeInfo,
    RunConfig, Trainer, Until,
};
use indicatif::{ProgressBar, ProgressStyle};

use crate::data::training_data;
use crate::error::CliError;
use crate::images::write_image_grid;
use crate::inputs::{cycled_classes, host, read_run};
use crate::plots::RunCurves;
use crate::{DataArgs, DeviceArgs};

type HookResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Built-in training configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// The released MNIST configuration of the paper (Table 1): flat samples of any width.
    PaperMnist,
    /// A DCGAN-style convolutional pair (Adam 2e-4, β₁ 0.5, batch 64) for images whose side is
    /// a multiple of 4.
    Dcgan,
}

impl Preset {
    fn config(self, data: &gan_data::Dataset, conditional: bool) -> Result<RunConfig, CliError> {
        match (self, conditional) {
            (Preset::PaperMnist, true) => Err(CliError::Usage(
                "--conditional needs a conditional model (--preset dcgan)".into(),
            )),
            (Preset::PaperMnist, false) => Ok(RunConfig::paper_mnist()),
            (Preset::Dcgan, _) => Ok(RunConfig::dcgan(data, conditional)?),
        }
    }
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Built-in configuration to train [default: paper-mnist].
    #[arg(long, value_enum, conflicts_with = "config")]
    preset: Option<Preset>,
    /// A run config as JSON (`{"model": …, "train": …}`, as a run's config.json), instead of
    /// a preset.
    #[arg(long)]
    config: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    /// Training data instead of MNIST: an IDX or .npy file, a directory of PNG/JPEG images
    /// (one subdirectory per class for labels), a CIFAR-10 binary directory or an MNIST
    /// directory.
    #[arg(long = "data")]
    data_path: Option<PathBuf>,
    /// Labels for an IDX or .npy --data file (.npy or IDX, one integer per sample).
    #[arg(long, requires = "data_path")]
    labels: Option<PathBuf>,
    /// Train p(x | c) on the data's labels (one-hot conditions).
    #[arg(long)]
    conditional: bool,
    /// Validation samples for --eval-every on --data (σ is chosen on them).
    #[arg(long, requires = "test")]
    valid: Option<PathBuf>,
    /// Test samples for --eval-every on --data.
    #[arg(long, requires = "valid")]
    test: Option<PathBuf>,
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
    /// Seed of initialisation, noise, dropout and data order.
    #[arg(long)]
    seed: Option<u64>,
    /// Write a checkpoint every this many steps.
    #[arg(long)]
    checkpoint_every: Option<u64>,
    /// Continue the run in --run-dir from its newest valid checkpoint. The original command
    /// line may be repeated: only values that differ from the run's saved config are refused.
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

impl TrainArgs {
    /// The config this command line asks for: the preset (for `data`) or file, with --seed and
    /// --checkpoint-every applied.
    fn requested(&self, data: &gan_data::Dataset) -> Result<RunConfig, CliError> {
        let mut config = match &self.config {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|text| RunConfig::from_json(&text).map_err(|e| e.to_string()))
                .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?,
            None => self
                .preset
                .unwrap_or(Preset::PaperMnist)
                .config(data, self.conditional)?,
        };
        if let Some(seed) = self.seed {
            config.train.seed = seed;
        }
        if let Some(n) = self.checkpoint_every {
            config.train.checkpoint = CheckpointConfig {
                every_steps: Some(n),
                ..config.train.checkpoint
            };
        }
        Ok(config)
    }

    /// On --resume, refuses the values given on the command line that differ from the run's
    /// saved config (so that the original command line can be repeated as it was).
    fn check_resume(&self, saved: &RunConfig, data: &gan_data::Dataset) -> Result<(), CliError> {
        let conflict = |what: &str| {
            Err(CliError::Usage(format!(
                "--resume continues the run's own config, and {what} differs from it (see {}/config.json)",
                self.run_dir.display()
            )))
        };
        if self.seed.is_some_and(|s| s != saved.train.seed) {
            return conflict("--seed");
        }
        if self
            .checkpoint_every
            .is_some_and(|n| Some(n) != saved.train.checkpoint.every_steps)
        {
            return conflict("--checkpoint-every");
        }
        if self.config.is_some() || self.preset.is_some() || self.conditional {
            let mut requested = self.requested(data)?;
            requested.train.seed = saved.train.seed;
            requested.train.checkpoint = saved.train.checkpoint.clone();
            let same = serde_json::to_value(&requested).ok() == serde_json::to_value(saved).ok();
            if !same {
                return conflict(if self.config.is_some() {
                    "--config"
                } else {
                    "--preset"
                });
            }
        }
        Ok(())
    }
}

pub fn train(a: TrainArgs) -> Result<(), CliError> {
    if a.eval_every > 0 && (a.eval_samples == 0 || a.eval_test_rows == 0) {
        return Err(CliError::Usage(
            "--eval-samples and --eval-test-rows must be positive with --eval-every".into(),
        ));
    }
    let device = a.device.device()?;
    let valid_test = a.valid.as_deref().zip(a.test.as_deref());
    let data = training_data(
        &a.data,
        a.data_path.as_deref(),
        a.labels.as_deref(),
        valid_test,
    )?;
    let eval_sets = match (a.eval_every > 0, &data.eval) {
        (false, _) => None,
        (true, Some((valid, test))) => Some((
            valid.to_tensor(&device),
            test.head(a.eval_test_rows).to_tensor(&device),
        )),
        (true, None) => {
            return Err(CliError::Usage(
                "--eval-every on --data needs --valid and --test (the Parzen protocol chooses σ on the first and reports the second)".into(),
            ));
        }
    };
    let train = data.train;
    if a.resume {
        let saved = read_run(&a.run_dir)?;
        a.check_resume(&saved, &train)?;
        match saved.model {
            ModelConfig::Mlp(_) => {
                let (t, info) = MlpTrainer::resume_mlp(&a.run_dir, train, &device)?;
                report_resume(&info);
                run(t, &a, eval_sets)
            }
            ModelConfig::Dcgan(_) => {
                let (t, info) = DcganTrainer::resume_dcgan(&a.run_dir, train, &device)?;
                report_resume(&info);
                run(t, &a, eval_sets)
            }
        }
    } else {
        let config = a.requested(&train)?;
        match &config.model {
            ModelConfig::Mlp(_) => {
                let t = MlpTrainer::create_mlp_run(&config, train, &device, &a.run_dir)?;
                run(t, &a, eval_sets)
            }
            ModelConfig::Dcgan(_) => {
                let t = DcganTrainer::dcgan(&config, train, &device)?
                    .create_run(&a.run_dir, &config.model)?;
                run(t, &a, eval_sets)
            }
        }
    }
}

fn report_resume(info: &ResumeInfo) {
    for s in &info.skipped {
        eprintln!("warning: skipped damaged checkpoint {s}");
    }
    eprintln!(
        "resumed {} at step {}",
        info.checkpoint.display(),
        info.step
    );
}

/// Trains with the progress bar, the run outputs and the evaluation as hooks, until the
/// command line's limit or Ctrl-C.
fn run<G, Dm, const D: usize>(
    mut trainer: Trainer<G, Dm, D>,
    a: &TrainArgs,
    eval_sets: Option<(Tensor<2>, Tensor<2>)>,
) -> Result<(), CliError>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| CliError::Usage(format!("cannot install the Ctrl-C handler: {e}")))?;
    let target = a.steps.or(a.epochs.map(|e| e * trainer.steps_per_epoch()));
    let mut progress = Progress::new(target, a.minutes, trainer.step_count());
    let mut outputs = RunOutputs {
        run_dir: a.run_dir.clone(),
        bar: progress.bar.clone(),
    };
    let mut eval = eval_sets.map(|(valid, test)| Evaluation {
        every: a.eval_every,
        n_samples: a.eval_samples,
        valid,
        test,
        run_dir: a.run_dir.clone(),
        bar: progress.bar.clone(),
    });
    let until = Until {
        steps: target,
        epochs: None,
        minutes: a.minutes,
        stop: Some(stop),
    };
    let mut hooks: Vec<&mut dyn Hook<G, Dm, D>> = vec![&mut progress, &mut outputs];
    if let Some(e) = eval.as_mut() {
        hooks.push(e);
    }
    let summary = trainer.train(&until, &mut hooks)?;
    outputs.bar.finish_with_message(format!(
        "stopped at step {} (epoch {})",
        summary.step, summary.epoch
    ));
    Ok(())
}

/// The progress bar: by steps when the run is bounded by steps or epochs, by time when it is
/// bounded by minutes, a spinner otherwise.
struct Progress {
    bar: ProgressBar,
    by_time: Option<Instant>,
}

impl Progress {
    fn new(target_steps: Option<u64>, minutes: Option<f64>, step: u64) -> Self {
        let (bar, by_time, template) = match (target_steps, minutes) {
            (Some(t), _) => (
                ProgressBar::new(t).with_position(step),
                None,
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} steps (ETA {eta}) {msg}",
            ),
            (None, Some(m)) => (
                ProgressBar::new((m * 60.0).ceil() as u64),
                Some(Instant::now()),
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} s {msg}",
            ),
            (None, None) => (
                ProgressBar::new_spinner(),
                None,
                "{spinner} [{elapsed_precise}] {msg}",
            ),
        };
        bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
        Self { bar, by_time }
    }
}

impl<G: GanGenerator<D>, Dm: GanDiscriminator<D>, const D: usize> Hook<G, Dm, D> for Progress {
    fn on_record(&mut self, r: &MetricsRecord) {
        let pos = match self.by_time {
            Some(start) => start.elapsed().as_secs(),
            None => r.step,
        };
        self.bar.set_position(pos);
        self.bar.set_message(format!(
            "step {} epoch {} D {:.3} G {:.3} D(x) {:.2} D(G(z)) {:.2}",
            r.step, r.epoch, r.d_loss, r.g_loss, r.d_real, r.d_fake
        ));
    }
}

/// After each checkpoint: `samples.png` and `training.png` in the run directory.
struct RunOutputs {
    run_dir: PathBuf,
    bar: ProgressBar,
}

impl<G: GanGenerator<D>, Dm: GanDiscriminator<D>, const D: usize> Hook<G, Dm, D> for RunOutputs {
    fn on_checkpoint(&mut self, trainer: &Trainer<G, Dm, D>, path: &Path) -> HookResult {
        write_run_samples(trainer, &self.run_dir.join("samples.png"))?;
        write_run_plot(&self.run_dir, &self.bar);
        self.bar.println(format!("checkpoint {}", path.display()));
        Ok(())
    }
}

/// The Parzen evaluation every `every` steps, logged to `parzen.jsonl`.
struct Evaluation {
    every: u64,
    n_samples: usize,
    valid: Tensor<2>,
    test: Tensor<2>,
    run_dir: PathBuf,
    bar: ProgressBar,
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

impl<G: GanGenerator<D>, Dm: GanDiscriminator<D>, const D: usize> Hook<G, Dm, D> for Evaluation {
    fn every(&self) -> Option<u64> {
        Some(self.every)
    }

    fn on_step(&mut self, trainer: &Trainer<G, Dm, D>) -> HookResult {
        let samples = sample_rows(trainer, self.n_samples, &self.valid.device());
        let report =
            ParzenEvaluator::paper_protocol().evaluate(&samples, &self.valid, &self.test)?;
        let line = EvalLine {
            step: trainer.step_count(),
            epoch: trainer.epoch(),
            wall_time_s: trainer.elapsed_secs(),
            report: &report,
        };
        append_line(
            &self.run_dir.join("parzen.jsonl"),
            &serde_json::to_string(&line)?,
        )?;
        self.bar.println(format!(
            "step {}: Parzen LL {:.1} ± {:.1} (σ = {:.3})",
            line.step, report.mean, report.se, report.sigma
        ));
        write_run_plot(&self.run_dir, &self.bar);
        Ok(())
    }
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

/// `n` samples of the trainer's generator as flat rows; a conditional generator's cycle
/// through the classes (`i mod classes`).
fn sample_rows<G, Dm, const D: usize>(
    trainer: &Trainer<G, Dm, D>,
    n: usize,
    device: &Device,
) -> Tensor<2>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    let g = trainer.generator().valid();
    let parts = (0..n).step_by(1000).map(|start| {
        let len = 1000.min(n - start);
        let condition = trainer
            .classes()
            .and_then(|k| cycled_classes(start + len, k, device))
            .map(|c| c.narrow(0, start, len));
        let z = trainer.config().noise.sample(len, g.noise_dim(), device);
        g.generate(z, condition).reshape([len as i32, -1])
    });
    Tensor::cat(parts.collect(), 0)
}

/// `samples.png`: 100 samples (a conditional run: one column per class), in the data's
/// image shape.
fn write_run_samples<G, Dm, const D: usize>(
    trainer: &Trainer<G, Dm, D>,
    path: &Path,
) -> Result<(), CliError>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    let device = trainer.device().clone().inner();
    device.seed(0);
    let cols = trainer.classes().unwrap_or(10).clamp(1, 20);
    let n = cols * 10;
    let values = host(sample_rows(trainer, n, &device));
    let d = values.len() / n;
    let rows: Vec<Vec<f32>> = values.chunks(d).map(<[f32]>::to_vec).collect();
    write_image_grid(path, &rows, cols, trainer.data().item_shape())
}
