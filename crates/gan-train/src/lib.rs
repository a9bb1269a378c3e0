//! Training generative adversarial nets: Algorithm 1 of Goodfellow et al. (2014), the released
//! code's simultaneous variant and schedule, crash-safe checkpoints, and exports of the
//! generator alone (f32 or f16, [`export_generator`]) for sampling and evaluation.
//!
//! ```no_run
//! use gan_train::{TrainConfig, Trainer, Until};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mnist = gan_data::Mnist::load_or_download(&gan_data::default_data_dir().join("mnist"))?;
//! let device = burn::tensor::Device::default();
//! let mut trainer = Trainer::create_run(TrainConfig::paper_mnist(), mnist.train, &device, "runs/mnist".as_ref())?;
//! trainer.train(&Until::steps(1000), |r| println!("step {} D {:.3} G {:.3}", r.step, r.d_loss, r.g_loss))?;
//! # Ok(()) }
//! ```

mod checkpoint;
mod config;
mod error;
mod export;
mod metrics;
mod optim;
mod trainer;

pub use checkpoint::{
    CONFIG_FILE, CheckpointState, D_OPTIMIZER_FILE, DISCRIMINATOR_FILE, G_OPTIMIZER_FILE,
    GENERATOR_FILE, METRICS_FILE, list_checkpoints,
};
pub use config::{
    CheckpointConfig, GeneratorMasks, MomentumCount, OptimizerConfig, Schedule, TrainConfig,
};
pub use error::{Result, TrainError};
pub use export::{ExportedModel, MODEL_FILE, Precision, export_generator, read_exported};
pub use metrics::{MetricsRecord, read as read_metrics};
pub use optim::{LearningRule, PylearnMomentum, Velocity};
pub use trainer::{
    ResumeInfo, StepStats, TrainSummary, Trainer, Until, load_generator, read_config,
};
