use thiserror::Error;

/// Everything a command can fail with; printed as one line.
#[derive(Debug, Error)]
pub enum CliError {
    /// A flag or argument combination that cannot work.
    #[error("{0}")]
    Usage(String),
    /// Data files.
    #[error(transparent)]
    Data(#[from] gan_data::DataError),
    /// Training and run directories.
    #[error(transparent)]
    Train(#[from] gan_train::TrainError),
    /// The evaluator.
    #[error(transparent)]
    Parzen(#[from] gan_parzen::ParzenError),
    /// The sample-quality metrics.
    #[error(transparent)]
    Metrics(#[from] gan_metrics::MetricsError),
    /// PyTorch weights in and out.
    #[error(transparent)]
    Interop(#[from] gan_interop::InteropError),
    /// Model configs.
    #[error(transparent)]
    Model(#[from] gan_nn::NnError),
    /// Ctrl-C stopped a command between batches.
    #[error("interrupted (Ctrl-C); no output was written")]
    Interrupted,
    /// Writing an output file.
    #[error("{path}: {message}")]
    Output {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

impl CliError {
    /// Writing `path` failed.
    pub fn output(path: &std::path::Path, e: impl std::fmt::Display) -> Self {
        CliError::Output {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }
}
