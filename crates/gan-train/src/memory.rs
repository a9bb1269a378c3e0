//! The memory a model and its batch may take: counted from the config before anything is
//! allocated ([`gan_nn::SizeEstimate`]), against a process-wide limit that a caller can raise
//! (`gan --memory-limit`).

use std::sync::atomic::{AtomicU64, Ordering};

use gan_nn::SizeEstimate;

use crate::error::{Result, TrainError};

/// The default limit: 16 GiB, what a laptop can give a run.
pub const DEFAULT_MEMORY_LIMIT: u64 = 16 << 30;

static LIMIT: AtomicU64 = AtomicU64::new(DEFAULT_MEMORY_LIMIT);

/// Sets the limit (bytes) that training and loading a built-in model are checked against.
pub fn set_memory_limit(bytes: u64) {
    LIMIT.store(bytes, Ordering::Relaxed);
}

/// The limit in force (bytes).
pub fn memory_limit() -> u64 {
    LIMIT.load(Ordering::Relaxed)
}

/// What a model needs memory for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryUse {
    /// Training at a batch size (both players, gradients, optimiser states, activations).
    Training {
        /// Rows per batch.
        batch: usize,
    },
    /// Generating in batches of this many rows (the weights and one forward pass).
    Sampling {
        /// Rows per batch.
        batch: usize,
    },
}

/// Refuses `size` when `usage` would take more than [`memory_limit`], saying what it would
/// take and what to do instead.
pub fn check_memory(size: &SizeEstimate, usage: MemoryUse) -> Result<()> {
    let (bytes, doing) = match usage {
        MemoryUse::Training { batch } => (
            size.training_bytes(batch),
            format!("training at batch {batch}"),
        ),
        MemoryUse::Sampling { batch } => (
            size.inference_bytes(batch),
            format!("sampling {batch} at a time"),
        ),
    };
    let limit = memory_limit();
    match bytes {
        Some(b) if b <= limit => Ok(()),
        _ => Err(TrainError::MemoryLimit {
            doing,
            gib: bytes.map_or(f64::INFINITY, |b| b as f64 / f64::from(1u32 << 30)),
            parameters: size.parameters,
            activations: size.activations_per_row,
            limit_gib: limit as f64 / f64::from(1u32 << 30),
        }),
    }
}
