//! What can go wrong when computing a metric.

use thiserror::Error;

/// Input a metric cannot be computed on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MetricsError {
    /// The value buffer does not hold `rows × dim` numbers.
    #[error("{what}: {len} values do not make {rows} rows of dimension {dim}")]
    Shape {
        /// Which input.
        what: &'static str,
        /// Values given.
        len: usize,
        /// Rows asked for.
        rows: usize,
        /// Dimension asked for.
        dim: usize,
    },
    /// A value is NaN or infinite.
    #[error("{what}: row {row} holds a value that is not finite")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// The first such row.
        row: usize,
    },
    /// Two inputs that must share a dimension do not.
    #[error("{what}: dimensions differ ({left} and {right})")]
    DimensionMismatch {
        /// Which metric.
        what: &'static str,
        /// The first input's dimension.
        left: usize,
        /// The second input's dimension.
        right: usize,
    },
    /// Too few rows for the metric to be defined.
    #[error("{metric} needs at least {needed} rows in {what}, got {got}")]
    TooFewRows {
        /// Which metric.
        metric: &'static str,
        /// Which input.
        what: &'static str,
        /// Least number of rows.
        needed: usize,
        /// Rows given.
        got: usize,
    },
    /// A parameter out of its range.
    #[error("invalid {name}: {reason}")]
    Parameter {
        /// The parameter.
        name: &'static str,
        /// Why it is refused.
        reason: String,
    },
    /// The eigen-decomposition did not converge (a covariance with non-finite entries).
    #[error("the eigen-decomposition of a {0}×{0} covariance did not converge")]
    Eigen(usize),
}

/// Result of gan-metrics.
pub type Result<T> = std::result::Result<T, MetricsError>;
