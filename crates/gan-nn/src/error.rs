use thiserror::Error;

/// An invalid module configuration or input, reported instead of a panic.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum NnError {
    /// A layer width (input, output, hidden units) is zero.
    #[error("{what} must be at least 1, got 0")]
    ZeroWidth {
        /// Which width, e.g. `"maxout num_units"`.
        what: String,
    },
    /// A maxout layer with no pieces.
    #[error("maxout num_pieces must be at least 1, got 0")]
    ZeroPieces,
    /// A dropout keep probability outside `(0, 1]` (or NaN).
    #[error("dropout keep probability must be in (0, 1], got {0}")]
    KeepProbability(f64),
    /// A dropout scale that is not a finite positive number.
    #[error("dropout scale must be finite and positive, got {0}")]
    Scale(f64),
    /// Two lists in a config that must have the same length do not.
    #[error("{what}: expected {expected} entries, got {actual}")]
    LengthMismatch {
        /// What was being matched.
        what: String,
        /// The length required.
        expected: usize,
        /// The length found.
        actual: usize,
    },
    /// An input or parameter tensor with the wrong shape.
    #[error("{what}: expected shape {expected:?}, got {actual:?}")]
    Shape {
        /// What was being checked.
        what: String,
        /// The shape required.
        expected: Vec<usize>,
        /// The shape found.
        actual: Vec<usize>,
    },
    /// A configuration that does not fit together.
    #[error("{0}")]
    Invalid(String),
    /// A value that must be finite is not (an initializer bound, a marginal probability).
    #[error("{what} must be finite, got {value}")]
    NotFinite {
        /// What was being checked.
        what: String,
        /// The offending value.
        value: f64,
    },
}

pub(crate) fn nonzero(value: usize, what: &str) -> Result<(), NnError> {
    if value == 0 {
        Err(NnError::ZeroWidth {
            what: what.to_string(),
        })
    } else {
        Ok(())
    }
}
