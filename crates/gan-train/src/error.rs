use std::path::PathBuf;

use thiserror::Error;

/// Why training could not start, continue or save.
#[derive(Debug, Error)]
pub enum TrainError {
    /// The configuration is invalid.
    #[error("invalid training config: {0}")]
    Config(String),
    /// The model and its batch would take more memory than the limit allows.
    #[error(
        "{doing}, this model would take about {gib:.1} GiB ({parameters} parameters, {activations} activations a row), over the memory limit of {limit_gib:.1} GiB: use smaller widths or batches (for images too large for the paper's MLP, --preset dcgan), or raise the limit (--memory-limit GIB)"
    )]
    MemoryLimit {
        /// What the memory is for ("training at batch 100").
        doing: String,
        /// The estimate, GiB.
        gib: f64,
        /// The model's parameters.
        parameters: u64,
        /// Its activations per row.
        activations: u64,
        /// The limit, GiB.
        limit_gib: f64,
    },
    /// A state or config could not be serialised.
    #[error("cannot serialise {0}")]
    Serialize(String),
    /// Saved optimiser state (velocities, Adam moments) that does not decode or fit.
    #[error("cannot read the optimiser state: {0}")]
    OptimizerState(String),
    /// A hook (evaluation, sample grid, plot) failed; training stopped after its step.
    #[error("hook failed at step {step}: {source}")]
    Hook {
        /// The step after which the hook ran.
        step: u64,
        /// Its error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A model config is invalid.
    #[error(transparent)]
    Model(#[from] gan_nn::NnError),
    /// The data could not be used.
    #[error(transparent)]
    Data(#[from] gan_data::DataError),
    /// A loss or parameter became NaN or infinite. The last checkpoint on disk is untouched.
    #[error("training diverged at step {step}: {what} is not finite")]
    Diverged {
        /// The step (0-based) whose update produced the value.
        step: u64,
        /// What was not finite.
        what: String,
    },
    /// Reading or writing a run directory failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A checkpoint is corrupt, partial or from another configuration.
    #[error("checkpoint {}: {reason}", path.display())]
    Checkpoint {
        /// The checkpoint directory.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An exported generator could not be written or read.
    #[error("exported generator {}: {reason}", path.display())]
    Export {
        /// The file or directory at fault.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An inference network could not be written or read, or was trained for another
    /// generator.
    #[error("inference network {}: {reason}", path.display())]
    Inference {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The run was trained with a loss supplied in code, and it was not supplied again.
    #[error(
        "the run was trained with the loss `{name}`, supplied in code: give it again with \
         Trainer::with_loss before resuming or stepping"
    )]
    LossNotSupplied {
        /// The loss's recorded name.
        name: String,
    },
    /// The loss supplied differs from the one the run was trained with.
    #[error("the run was trained with the loss `{saved}`, not `{supplied}`")]
    LossMismatch {
        /// The loss in the run's config.
        saved: String,
        /// The loss this trainer has.
        supplied: String,
    },
    /// The run directory holds no usable checkpoint.
    #[error("{}: no valid checkpoint to resume from{}", run_dir.display(), if skipped.is_empty() { String::new() } else { format!(" (damaged: {})", skipped.join("; ")) })]
    NoCheckpoint {
        /// The run directory.
        run_dir: PathBuf,
        /// Checkpoints found but damaged, with the reason.
        skipped: Vec<String>,
    },
}

impl TrainError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TrainError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = TrainError> = std::result::Result<T, E>;
