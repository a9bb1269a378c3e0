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
