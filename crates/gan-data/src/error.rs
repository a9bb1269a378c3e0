use std::path::{Path, PathBuf};

use thiserror::Error;

/// Everything that can go wrong turning files into datasets. Each variant names the file.
#[derive(Debug, Error)]
pub enum DataError {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A gzip stream is corrupt or ends early.
    #[error("{path}: corrupt or truncated gzip stream: {source}")]
    Gzip {
        /// The file.
        path: PathBuf,
        /// The decoder's error.
        source: std::io::Error,
    },
    /// The file's content does not follow its format.
    #[error("{path}: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong, in words.
        reason: String,
    },
    /// The payload is shorter or longer than the header says.
    #[error("{path}: header announces {expected} bytes of data, file holds {actual}")]
    Length {
        /// The file.
        path: PathBuf,
        /// Bytes the header requires.
        expected: u64,
        /// Bytes present.
        actual: u64,
    },
    /// Two files that belong together disagree (image and label counts, CIFAR batch sizes).
    #[error("{path}: {reason}")]
    Mismatch {
        /// The second of the two files.
        path: PathBuf,
        /// What disagrees.
        reason: String,
    },
    /// A downloaded file's SHA-256 is not the expected one; nothing was kept.
    #[error(
        "{path}: SHA-256 mismatch (expected {expected}, got {actual}); the download was discarded"
    )]
    Checksum {
        /// Where the file would have gone.
        path: PathBuf,
        /// The expected digest (hex).
        expected: String,
        /// The digest of what arrived (hex).
        actual: String,
    },
    /// An HTTP download failed.
    #[error("downloading {url}: {reason}")]
    Download {
        /// The URL.
        url: String,
        /// The error.
        reason: String,
    },
    /// A request that cannot be met (an empty dataset, a batch size of 0, rows out of range).
    #[error("{0}")]
    Invalid(String),
}

impl DataError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn format(path: &Path, reason: impl Into<String>) -> Self {
        DataError::Format {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = DataError> = std::result::Result<T, E>;
