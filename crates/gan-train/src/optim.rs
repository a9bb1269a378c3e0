//! Learning rules: pylearn2's momentum SGD (written here, because its update and its per-step
//! momentum schedule are not what Burn's `Sgd` computes) and Burn's Adam.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use burn::module::Module;
use burn::optim::{
    AdamConfig, GradientsParams, ModuleOptimizer, Optimizer, RecordState, StateSink, StateSource,
};
use burn::tensor::{Bytes, Device, Tensor};

use crate::config::OptimizerConfig;
use crate::error::{Result, TrainError};

/// pylearn2's momentum: `v ← μv − η∇; θ ← θ + v`, velocity starting at zero.
///
/// Burn's `Sgd` with momentum computes `v ← μv + ∇; θ ← θ − ηv`: the same while η and μ stay
/// constant, different under the paper's per-step η decay and μ ramp. Burn calls `step` with η;
/// μ changes between steps, so it lives in a shared cell the [`LearningRule`] sets before each
/// update.
#[derive(Clone, Debug)]
pub struct PylearnMomentum {
    momentum: Arc<AtomicU64>,
}

impl PylearnMomentum {
    /// A rule whose momentum is read from `momentum` (f64 bits) at every step.
    pub fn new(momentum: Arc<AtomicU64>) -> Self {
        Self { momentum }
    }
}

/// The velocity of one parameter.
#[derive(Clone)]
pub struct Velocity<const D: usize> {
    /// `v`, in parameter units.
    pub velocity: Tensor<D>,
}

impl<const D: usize> RecordState for Velocity<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_tensor(prefix, "velocity", self.velocity.to_data());
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        let data = src.take_tensor(prefix, "velocity")?;
        Some(Self {
            velocity: Tensor::from_data(data, device),
        })
    }
}

impl Optimizer for PylearnMomentum {
    type State<const D: usize> = Velocity<D>;

    fn step<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let step = grad.mul_scalar(-lr);
        let velocity = match state {
            Some(s) => {
                let mu = f64::from_bits(self.momentum.load(Ordering::Relaxed));
                s.velocity.mul_scalar(mu) + step
            }
            None => step,
        };
        (tensor + velocity.clone(), Some(Velocity { velocity }))
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        Velocity {
            velocity: state.velocity.to_device(device),
        }
    }
}

/// One network's optimiser together with its schedule.
pub struct LearningRule {
    schedule: RuleSchedule,
    optim: ModuleOptimizer,
    momentum: Arc<AtomicU64>,
}

enum RuleSchedule {
    Config(OptimizerConfig),
    Constant(f64),
}

impl LearningRule {
    /// A fresh rule (zero velocity / zero Adam moments).
    pub fn new(config: OptimizerConfig) -> Self {
        let momentum = Arc::new(AtomicU64::new(0f64.to_bits()));
        let optim = match config {
            OptimizerConfig::Momentum { .. } => {
                ModuleOptimizer::from(PylearnMomentum::new(momentum.clone()))
            }
            OptimizerConfig::Adam {
                beta1,
                beta2,
                epsilon,
                ..
            } => AdamConfig::new()
                .with_beta_1(beta1)
                .with_beta_2(beta2)
                .with_epsilon(epsilon)
                .init(),
        };
        Self {
            schedule: RuleSchedule::Config(config),
            optim,
            momentum,
        }
    }

    /// Any Burn optimiser (`SgdConfig::new().init()`, `AdamWConfig::new().init()`, one of
    /// your own through `ModuleOptimizer::from`) at a constant learning rate. Its state is
    /// checkpointed like the built-in rules'.
    pub fn custom(optim: ModuleOptimizer, learning_rate: f64) -> Self {
        Self {
            schedule: RuleSchedule::Constant(learning_rate),
            optim,
            momentum: Arc::new(AtomicU64::new(0f64.to_bits())),
        }
    }

    /// A rule with no state, to stand in while the real one is being restored.
    pub(crate) fn placeholder() -> Self {
        Self::custom(AdamConfig::new().init(), 0.0)
    }

    /// The learning rate of update number `step` (0-based).
    pub fn learning_rate_at(&self, step: u64) -> f64 {
        match &self.schedule {
            RuleSchedule::Config(c) => c.learning_rate_at(step),
            RuleSchedule::Constant(lr) => *lr,
        }
    }

    /// Applies update number `step` (0-based), during epoch `epoch`, to `module`.
    pub fn step<M: Module>(
        &mut self,
        step: u64,
        epoch: u64,
        module: M,
        grads: GradientsParams,
    ) -> M {
        if let RuleSchedule::Config(c) = &self.schedule
            && let Some(mu) = c.momentum_at(epoch)
        {
            self.momentum.store(mu.to_bits(), Ordering::Relaxed);
        }
        self.optim.step(self.learning_rate_at(step), module, grads)
    }

    /// The optimiser state (velocities or Adam moments) as a burnpack byte buffer.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let bytes = self
            .optim
            .into_bytes()
            .map_err(|e| TrainError::Serialize(format!("optimiser state: {e}")))?;
        Ok(bytes.to_vec())
    }

    /// Restores the state saved by [`LearningRule::to_bytes`]. Burn materialises it on its
    /// default device (`BURN_DEVICE` picks that device; `gan` sets it to `--backend`) and moves
    /// each parameter's state to the parameter's device at its first update.
    pub fn load_bytes(mut self, bytes: Vec<u8>) -> Result<Self> {
        self.optim = self
            .optim
            .from_bytes(Bytes::from_bytes_vec(bytes))
            .map_err(|e| TrainError::OptimizerState(e.to_string()))?;
        Ok(self)
    }
}
