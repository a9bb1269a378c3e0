//! The hooks of `gan train`: the progress bar, the run's sample grid and plot after each
//! checkpoint, and the Parzen evaluation every N steps.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::{Device, Tensor};
use gan_nn::{GanDiscriminator, GanGenerator};
use gan_parzen::{ParzenEvaluator, ParzenReport};
use gan_train::{Hook, MetricsRecord, Trainer};
use indicatif::{ProgressBar, ProgressStyle};

use crate::error::CliError;
use crate::images::write_image_grid;
use crate::inputs::{cycled_classes, host};
use crate::plots::RunCurves;

type HookResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// The progress bar: by steps when the run is bounded by steps or epochs, by time when it is
/// bounded by minutes, a spinner otherwise.
pub struct Progress {
    pub bar: ProgressBar,
    by_time: Option<Instant>,
}

impl Progress {
    pub fn new(target_steps: Option<u64>, minutes: Option<f64>, step: u64) -> Self {
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
pub struct RunOutputs {
    pub run_dir: PathBuf,
    pub bar: ProgressBar,
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
pub struct Evaluation {
    pub every: u64,
    pub n_samples: usize,
    pub valid: Tensor<2>,
    pub test: Tensor<2>,
    pub run_dir: PathBuf,
    pub bar: ProgressBar,
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
/// through the classes (`i mod classes`), an inpainting one's complete training rows.
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
            .inpainting_conditions(start, len, device)
            .or_else(|| {
                trainer
                    .classes()
                    .and_then(|k| cycled_classes(start + len, k, device))
                    .map(|c| c.narrow(0, start, len))
            });
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
    let prep = trainer.config().preprocessing;
    let rows: Vec<Vec<f32>> = values.chunks(d).map(|r| prep.for_display(r)).collect();
    write_image_grid(path, &rows, cols, trainer.data().item_shape())
}
