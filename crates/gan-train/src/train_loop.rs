//! The training loop: steps until a limit, metrics records, checkpoints at the configured
//! cadence, and the hooks.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use gan_nn::{GanDiscriminator, GanGenerator};

use crate::checkpoint::METRICS_FILE;
use crate::error::{Result, TrainError};
use crate::hooks::Hook;
use crate::metrics::{self, MetricsRecord};
use crate::stats::Window;
use crate::trainer::Trainer;

/// When [`Trainer::train`] stops. Every limit is optional; the first one reached ends training.
#[derive(Debug, Clone, Default)]
pub struct Until {
    /// Stop once this many steps have been completed in total (counting resumed ones).
    pub steps: Option<u64>,
    /// Stop once this many epochs have been completed in total.
    pub epochs: Option<u64>,
    /// Stop after this many minutes of training in this call (time spent in hooks, such as
    /// evaluations, is not counted).
    pub minutes: Option<f64>,
    /// Stop when this flag is set (e.g. by a Ctrl-C handler).
    pub stop: Option<Arc<AtomicBool>>,
}

impl Until {
    /// Stop after `steps` total steps.
    pub fn steps(steps: u64) -> Self {
        Self {
            steps: Some(steps),
            ..Self::default()
        }
    }
}

/// What a call to [`Trainer::train`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSummary {
    /// Total steps completed.
    pub step: u64,
    /// Epochs completed.
    pub epoch: u64,
    /// Steps run by this call.
    pub steps_run: u64,
    /// The checkpoint written when training stopped, if the trainer has a run directory.
    pub final_checkpoint: Option<PathBuf>,
}

impl<G, Dm, const D: usize> Trainer<G, Dm, D>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    fn take_record(&mut self) -> MetricsRecord {
        let means = self.window.means();
        let last = self.step.saturating_sub(1);
        let record = MetricsRecord {
            step: self.step,
            epoch: self.epoch(),
            wall_time_s: self.elapsed_secs(),
            learning_rate: self.d_rule.learning_rate_at(last),
            momentum: self.config.d_optimizer.momentum_at(self.epoch()),
            d_loss: means.d_loss,
            g_loss: means.g_loss,
            real_output: Some(means.real_output),
            fake_output: Some(means.fake_output),
            d_real: means.d_real,
            d_fake: means.d_fake,
            value: means.d_real.map(|_| -means.d_loss),
            d_penalty: means.penalty,
            steps_averaged: self.window.steps,
        };
        self.window = Window::default();
        record
    }

    /// Trains until a limit in `until` is reached. Every `log_every` steps a metrics record
    /// goes to `metrics.jsonl` and to each hook; hooks run at their own cadence; checkpoints
    /// are written at the configured cadence, and, with a run directory, when training stops.
    pub fn train(
        &mut self,
        until: &Until,
        hooks: &mut [&mut dyn Hook<G, Dm, D>],
    ) -> Result<TrainSummary> {
        let start = self.elapsed_secs();
        let first = self.step;
        let done = |t: &Self| {
            until.steps.is_some_and(|s| t.step >= s)
                || until.epochs.is_some_and(|e| t.epoch() >= e)
                || until
                    .minutes
                    .is_some_and(|m| t.elapsed_secs() - start >= m * 60.0)
                || until
                    .stop
                    .as_ref()
                    .is_some_and(|f| f.load(Ordering::SeqCst))
        };
        while !done(self) {
            self.step()?;
            if self.step.is_multiple_of(self.config.log_every) {
                let record = self.take_record();
                if let Some(dir) = &self.run_dir {
                    metrics::append(&dir.join(METRICS_FILE), &record)?;
                }
                hooks.iter_mut().for_each(|h| h.on_record(&record));
            }
            if self.run_dir.is_some() && self.checkpoint_due() {
                self.checkpoint_with_hooks(hooks)?;
            }
            for hook in hooks.iter_mut() {
                if hook
                    .every()
                    .is_some_and(|n| n > 0 && self.step.is_multiple_of(n))
                {
                    let step = self.step;
                    let started = Instant::now();
                    let result = hook.on_step(self);
                    self.paused += started.elapsed();
                    result.map_err(|source| TrainError::Hook { step, source })?;
                }
            }
        }
        let final_checkpoint = match &self.run_dir {
            Some(_) if self.step > first => Some(self.checkpoint_with_hooks(hooks)?),
            _ => None,
        };
        Ok(TrainSummary {
            step: self.step,
            epoch: self.epoch(),
            steps_run: self.step - first,
            final_checkpoint,
        })
    }

    fn checkpoint_with_hooks(&mut self, hooks: &mut [&mut dyn Hook<G, Dm, D>]) -> Result<PathBuf> {
        let path = self.save_checkpoint()?;
        for hook in hooks.iter_mut() {
            let step = self.step;
            let started = Instant::now();
            let result = hook.on_checkpoint(self, &path);
            self.paused += started.elapsed();
            result.map_err(|source| TrainError::Hook { step, source })?;
        }
        Ok(path)
    }

    fn checkpoint_due(&self) -> bool {
        let c = &self.config.checkpoint;
        c.every_steps.is_some_and(|n| self.step.is_multiple_of(n))
            || c.every_minutes
                .is_some_and(|m| self.last_checkpoint.elapsed().as_secs_f64() >= m * 60.0)
    }
}
