//! Hooks: work that runs beside training (evaluations, sample grids, plots, progress), at
//! its own cadence, from inside [`Trainer::train`](crate::Trainer::train).

use std::path::Path;

use gan_nn::{GanDiscriminator, GanGenerator};

use crate::metrics::MetricsRecord;
use crate::trainer::Trainer;

/// Work that runs beside training: every N steps (evaluate, write a sample grid, plot), on each
/// metrics record (a progress bar), and after each checkpoint. Every method has a default
/// that does nothing; a hook's error stops training after the step it ran at.
pub trait Hook<G, Dm, const D: usize>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    /// Run [`Hook::on_step`] after every step whose count is a multiple of this (`None`:
    /// never).
    fn every(&self) -> Option<u64> {
        None
    }

    /// Runs after the steps [`Hook::every`] names.
    fn on_step(
        &mut self,
        _trainer: &Trainer<G, Dm, D>,
    ) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Ok(())
    }

    /// Sees every metrics record as it is written.
    fn on_record(&mut self, _record: &MetricsRecord) {}

    /// Runs after each checkpoint is written.
    fn on_checkpoint(
        &mut self,
        _trainer: &Trainer<G, Dm, D>,
        _path: &Path,
    ) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Ok(())
    }
}

/// A hook that only sees metrics records: `Trainer::train(&until, &mut [&mut OnRecord(|r| …)])`.
pub struct OnRecord<F>(pub F);

impl<F, G, Dm, const D: usize> Hook<G, Dm, D> for OnRecord<F>
where
    F: FnMut(&MetricsRecord),
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    fn on_record(&mut self, record: &MetricsRecord) {
        (self.0)(record)
    }
}

/// How often an evaluation hook runs: every N steps, or every M minutes of training time
/// (the time spent in hooks not counted, so the evaluations of a run bounded by `--minutes`
/// fall at the same training times however long each takes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cadence {
    /// After every step whose count is a multiple of this (at least 1).
    Steps(u64),
    /// Each time another this many minutes of training time have passed (finite, > 0).
    Minutes(f64),
}

impl From<u64> for Cadence {
    fn from(steps: u64) -> Self {
        Cadence::Steps(steps)
    }
}

impl Cadence {
    /// Whether the cadence can run: at least one step, or a finite positive number of minutes.
    pub fn is_valid(&self) -> bool {
        match *self {
            Cadence::Steps(n) => n > 0,
            Cadence::Minutes(m) => m.is_finite() && m > 0.0,
        }
    }

    /// The [`Hook::every`] of a hook with this cadence: its steps, or every step for a time
    /// cadence (whose hook then asks [`CadenceClock::due`]).
    pub fn every(&self) -> Option<u64> {
        match *self {
            Cadence::Steps(n) => Some(n),
            Cadence::Minutes(_) => Some(1),
        }
    }
}

/// Tracks when a [`Cadence`] is next due from the trainer's training time.
#[derive(Debug, Clone)]
pub struct CadenceClock {
    cadence: Cadence,
    next_s: Option<f64>,
}

impl CadenceClock {
    /// A clock for `cadence`; the first time cadence is due at the first multiple of its
    /// period after the training time it first sees (so a resumed run keeps its grid).
    pub fn new(cadence: Cadence) -> Self {
        Self {
            cadence,
            next_s: None,
        }
    }

    /// The cadence's [`Hook::every`].
    pub fn every(&self) -> Option<u64> {
        self.cadence.every()
    }

    /// For a hook called after `trainer`'s latest step: the training time then (read before
    /// the hook's own work, which is not training time) when the hook should run, advancing
    /// the clock; `None` when it should not.
    pub fn due_for<G, Dm, const D: usize>(&mut self, trainer: &Trainer<G, Dm, D>) -> Option<f64>
    where
        G: GanGenerator<D>,
        Dm: GanDiscriminator<D>,
    {
        let training_s = trainer.elapsed_secs();
        self.due(trainer.step_count(), training_s)
            .then_some(training_s)
    }

    /// Whether the hook should run now, at `step` after `training_s` seconds of training
    /// (advancing the clock when it should).
    pub fn due(&mut self, step: u64, training_s: f64) -> bool {
        match self.cadence {
            Cadence::Steps(n) => n > 0 && step.is_multiple_of(n),
            Cadence::Minutes(m) => {
                let period = m * 60.0;
                let after = |t: f64| ((t / period).floor() + 1.0) * period;
                let next = *self.next_s.get_or_insert_with(|| after(training_s));
                let due = training_s >= next;
                if due {
                    self.next_s = Some(after(training_s));
                }
                due
            }
        }
    }
}
