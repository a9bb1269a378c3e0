//! The hooks of `gan train`: the progress bar, the run's sample grid and plot after each
//! checkpoint, and the Parzen evaluation every N steps.

use std::path::{Path, PathBuf};

use burn::tensor::Tensor;
use gan_nn::{GanDiscriminator, GanGenerator};
use gan_train::{Cadence, Hook, MetricsRecord, ParzenHook, ParzenRecord, Trainer};
use indicatif::{ProgressBar, ProgressStyle};

use crate::error::CliError;
use crate::images::write_image_grid;
use crate::inputs::host;
use crate::plots::RunCurves;

type HookResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// The progress bar: by steps when the run is bounded by steps or epochs, by training time
/// (evaluations not counted, as `--minutes` counts) when it is bounded by minutes, a spinner
/// otherwise.
pub struct Progress {
    pub bar: ProgressBar,
    /// The training seconds the bar starts from, when it shows time.
    by_time: Option<f64>,
}

impl Progress {
    /// The bar of a run at `step` after `training_s` seconds of training.
    pub fn new(
        target_steps: Option<u64>,
        minutes: Option<f64>,
        step: u64,
        training_s: f64,
    ) -> Self {
        let (bar, by_time, template) = match (target_steps, minutes) {
            (Some(t), _) => (
                ProgressBar::new(t).with_position(step),
                None,
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} steps (ETA {eta}) {msg}",
            ),
            (None, Some(m)) => (
                ProgressBar::new((m * 60.0).ceil() as u64),
                Some(training_s),
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
            Some(start) => (r.wall_time_s - start).max(0.0) as u64,
            None => r.step,
        };
        self.bar.set_position(pos);
        self.bar
            .set_message(format!("step {} epoch {} {}", r.step, r.epoch, r.summary()));
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

/// The Parzen evaluation at `cadence` (gan-train's [`ParzenHook`], logged to
/// `parzen.jsonl`), printed above the progress bar, with the plot redrawn.
pub fn evaluation<'a>(
    cadence: Cadence,
    n_samples: usize,
    valid: Tensor<2>,
    test: Tensor<2>,
    run_dir: PathBuf,
    bar: ProgressBar,
) -> Result<ParzenHook<'a>, CliError> {
    Ok(
        ParzenHook::new(cadence, n_samples, valid, test)?.on_report(move |r: &ParzenRecord| {
            bar.println(format!(
                "step {}: Parzen LL {:.1} ± {:.1} (σ = {:.3}, {:.0} s)",
                r.step,
                r.report.mean,
                r.report.se,
                r.report.sigma,
                r.eval_time_s.unwrap_or(0.0)
            ));
            write_run_plot(&run_dir, &bar);
        }),
    )
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
    // Rows that are not images (2-D points, feature vectors) have no grid.
    if !crate::images::drawable(trainer.data().item_shape()) {
        return Ok(());
    }
    let device = trainer.device().clone().inner();
    device.seed(0);
    let cols = trainer.classes().unwrap_or(10).clamp(1, 20);
    let n = cols * 10;
    let values = host(trainer.sample_rows(n, &device));
    let d = values.len() / n;
    let prep = trainer.config().preprocessing;
    let rows: Vec<Vec<f32>> = values.chunks(d).map(|r| prep.for_display(r)).collect();
    write_image_grid(path, &rows, cols, trainer.data().item_shape())
}
