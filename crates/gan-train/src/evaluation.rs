//! Evaluation during training, shared by the command line and the examples: samples of the
//! trainer's generator (its average where the run keeps one), and Table 1's Parzen-window
//! protocol as a [`Hook`] every N steps, logged to the run's `parzen.jsonl`.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use gan_nn::{GanDiscriminator, GanGenerator};
use gan_parzen::{ParzenEvaluator, ParzenReport};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::hooks::{Cadence, CadenceClock, Hook};
use crate::trainer::Trainer;

/// The Parzen log of a run directory.
pub const PARZEN_FILE: &str = "parzen.jsonl";

/// Conditions for `n` samples of a generator taking `classes`-wide conditions: sample `i` gets
/// class `i mod classes`, one-hot (`None` for an unconditional generator, `classes = 0`).
pub fn cycled_classes(n: usize, classes: usize, device: &Device) -> Option<Tensor<2>> {
    (classes > 0).then(|| {
        let mut values = vec![0f32; n * classes];
        for i in 0..n {
            values[i * classes + i % classes] = 1.0;
        }
        Tensor::from_data(TensorData::new(values, [n, classes]), device)
    })
}

impl<G, Dm, const D: usize> Trainer<G, Dm, D>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    /// `n` samples of [`Trainer::sampling_generator`] as flat rows `[n, features]` on `device`
    /// (the plain form of the trainer's device), drawn 1000 at a time from the device's random
    /// stream: a conditional generator's cycle through the classes (`i mod classes`), an
    /// inpainting one's complete training rows.
    pub fn sample_rows(&self, n: usize, device: &Device) -> Tensor<2> {
        let g = self.sampling_generator();
        let parts = (0..n).step_by(1000).map(|start| {
            let len = 1000.min(n - start);
            let condition = self.inpainting_conditions(start, len, device).or_else(|| {
                self.classes()
                    .and_then(|k| cycled_classes(start + len, k, device))
                    .map(|c| c.narrow(0, start, len))
            });
            let z = self.config().noise.sample(len, g.noise_dim(), device);
            g.generate(z, condition).reshape([len as i32, -1])
        });
        Tensor::cat(parts.collect(), 0)
    }
}

/// One line of `parzen.jsonl`: the step, the training time behind it, the time the evaluation
/// itself took (not training time), and the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParzenRecord {
    /// Steps completed.
    pub step: u64,
    /// Epochs completed.
    pub epoch: u64,
    /// Training wall time so far, seconds (across resumes; evaluations not counted).
    pub wall_time_s: f64,
    /// Seconds this evaluation took (absent in logs written before it was recorded).
    #[serde(default)]
    pub eval_time_s: Option<f64>,
    /// The evaluation.
    #[serde(flatten)]
    pub report: ParzenReport,
}

/// Table 1's Parzen-window protocol ([`ParzenEvaluator::paper_protocol`]: σ chosen on `valid`,
/// the log-likelihood of `test`) on `n_samples` samples at a [`Cadence`] (every N steps, or
/// every M minutes of training time). Each record is
/// appended to the run directory's `parzen.jsonl` (when the trainer has one) and handed to
/// `on_report`.
pub struct ParzenHook<'a> {
    clock: CadenceClock,
    n_samples: usize,
    valid: Tensor<2>,
    test: Tensor<2>,
    on_report: Box<dyn FnMut(&ParzenRecord) + 'a>,
}

impl<'a> ParzenHook<'a> {
    /// The evaluation at `cadence` (a step count converts: every N ≥ 1 steps) with
    /// `n_samples` samples (at least 1), against flat rows `valid` and `test` (on the device
    /// to evaluate on, already preprocessed as the run's data is).
    pub fn new(
        cadence: impl Into<Cadence>,
        n_samples: usize,
        valid: Tensor<2>,
        test: Tensor<2>,
    ) -> Result<Self> {
        let cadence = cadence.into();
        if !cadence.is_valid() || n_samples == 0 {
            return Err(TrainError::Config(
                "a Parzen evaluation needs every ≥ 1 step (or a finite, positive number of minutes) and at least one sample".into(),
            ));
        }
        Ok(Self {
            clock: CadenceClock::new(cadence),
            n_samples,
            valid,
            test,
            on_report: Box::new(|_| {}),
        })
    }

    /// Calls `f` with each record (to print it, redraw a plot, …).
    pub fn on_report(mut self, f: impl FnMut(&ParzenRecord) + 'a) -> Self {
        self.on_report = Box::new(f);
        self
    }
}

impl<G, Dm, const D: usize> Hook<G, Dm, D> for ParzenHook<'_>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    fn every(&self) -> Option<u64> {
        self.clock.every()
    }

    fn on_step(
        &mut self,
        trainer: &Trainer<G, Dm, D>,
    ) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let Some(training_s) = self.clock.due_for(trainer) else {
            return Ok(());
        };
        let start = Instant::now();
        let samples = trainer.sample_rows(self.n_samples, &self.valid.device());
        let report =
            ParzenEvaluator::paper_protocol().evaluate(&samples, &self.valid, &self.test)?;
        let record = ParzenRecord {
            step: trainer.step_count(),
            epoch: trainer.epoch(),
            wall_time_s: training_s,
            eval_time_s: Some(start.elapsed().as_secs_f64()),
            report,
        };
        if let Some(dir) = trainer.run_dir() {
            append_record(&dir.join(PARZEN_FILE), &record)?;
        }
        (self.on_report)(&record);
        Ok(())
    }
}

/// Appends `record` as one JSON line to a run log (`parzen.jsonl`, a caller's own).
pub fn append_record(path: &Path, record: &impl Serialize) -> Result<()> {
    let line = serde_json::to_string(record).map_err(|e| TrainError::Serialize(e.to_string()))?;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| TrainError::io(path, e))?;
    writeln!(f, "{line}").map_err(|e| TrainError::io(path, e))
}
