use std::path::PathBuf;

use gan_nn::NnError;

/// What can go wrong reading or writing PyTorch-layout weights.
#[derive(Debug, thiserror::Error)]
pub enum InteropError {
    /// The file could not be read as a PyTorch checkpoint or a safetensors file.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the reader said.
        reason: String,
    },
    /// The file was read, but its keys, shapes or types do not fit the expected layout.
    #[error("{path} does not hold the expected layout: {reason}")]
    Layout {
        /// The file.
        path: PathBuf,
        /// The first mismatch found.
        reason: String,
    },
    /// The file's extension names no format this crate reads or writes.
    #[error("{path}: unknown weight format (expected .pt, .pth or .safetensors)")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The weights could not be written.
    #[error("cannot write {path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The module built from the file's widths is invalid.
    #[error(transparent)]
    Nn(#[from] NnError),
}

/// Result of the interop functions.
pub type Result<T> = std::result::Result<T, InteropError>;
