//! An exponential moving average of the generator's weights (Karras et al. 2018, Yazıcı et al.
//! 2019): what a run samples, evaluates and exports by default when it keeps one.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};

/// The average's schedule: after step `t` (1-based count of completed steps), the average is
/// G's weights themselves while `t ≤ start_step`, then `ema ← β · ema + (1 − β) · θ` with
/// `β` = [`EmaConfig::decay_after`]`(t)`: `decay`, or less while the ramp-up holds it back.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EmaConfig {
    /// Weight of the old average, in `[0, 1)` (0.999 is usual).
    pub decay: f64,
    /// Steps during which the average just copies G (its early weights are worth forgetting).
    #[serde(default)]
    pub start_step: u64,
    /// StyleGAN2's ramp-up: the average's horizon `1/(1 − β)` is at most this fraction of the
    /// steps it has averaged, so a long average (0.9999) follows G early in a run instead of
    /// holding its first weights for thousands of steps. `None`: `decay` from the start.
    #[serde(default)]
    pub rampup: Option<f64>,
}

impl EmaConfig {
    /// An average with `decay` from the first step.
    pub fn new(decay: f64) -> Self {
        Self {
            decay,
            start_step: 0,
            rampup: None,
        }
    }

    /// The weight `β` of the old average in the update after step `completed` (1-based);
    /// 0 while the average copies G.
    pub fn decay_after(&self, completed: u64) -> f64 {
        let averaged = completed.saturating_sub(self.start_step);
        if averaged == 0 {
            return 0.0;
        }
        match self.rampup {
            None => self.decay,
            Some(fraction) => {
                let horizon = (fraction * averaged as f64).max(1.0);
                self.decay.min(1.0 - 1.0 / horizon)
            }
        }
    }

    /// Checks the decay and the ramp-up.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..1.0).contains(&self.decay) {
            return Err(TrainError::Config(format!(
                "the EMA decay must lie in [0, 1), got {}",
                self.decay
            )));
        }
        if let Some(fraction) = self.rampup
            && !(fraction > 0.0 && fraction <= 1.0)
        {
            return Err(TrainError::Config(format!(
                "the EMA ramp-up must lie in (0, 1], got {fraction}"
            )));
        }
        Ok(())
    }
}

/// The averaged generator (on the plain device, in evaluation mode) and its schedule.
#[derive(Debug, Clone)]
pub(crate) struct GeneratorEma<G> {
    pub(crate) config: EmaConfig,
    pub(crate) average: G,
}

impl<G: Module> GeneratorEma<G> {
    /// An average starting at `generator`'s weights.
    pub(crate) fn new(config: EmaConfig, generator: &G) -> Self {
        Self {
            config,
            average: generator.valid(),
        }
    }

    /// Moves the average after step `completed` (the count of steps done, 1 for the first).
    pub(crate) fn update(&mut self, generator: &G, completed: u64) {
        let keep = self.config.decay_after(completed);
        if keep == 0.0 {
            self.average = generator.valid();
            return;
        }
        let mut current = Collect(Vec::new());
        generator.visit(&mut current);
        let mut blend = Blend {
            current: current.0.into_iter(),
            keep,
        };
        self.average = self.average.clone().map(&mut blend);
    }
}

/// Each float parameter (buffers included), flattened, in visiting order.
struct Collect(Vec<Tensor<1>>);

impl ModuleVisitor for Collect {
    fn visit_float<const R: usize>(&mut self, param: &Param<Tensor<R>>) {
        let value = param.val().inner();
        let n = value.shape().num_elements();
        self.0.push(value.reshape([n]));
    }
}

/// `a ← keep · a + (1 − keep) · θ`, parameter by parameter in visiting order (the average and
/// G have the same structure).
struct Blend<I> {
    current: I,
    keep: f64,
}

impl<I: Iterator<Item = Tensor<1>>> ModuleMapper for Blend<I> {
    fn map_float<const R: usize>(&mut self, param: Param<Tensor<R>>) -> Param<Tensor<R>> {
        let Some(theta) = self.current.next() else {
            return param;
        };
        let keep = self.keep;
        param.map(|a| {
            let theta = theta.reshape(a.dims());
            a.mul_scalar(keep) + theta.mul_scalar(1.0 - keep)
        })
    }
}
