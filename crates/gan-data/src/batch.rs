//! Seeded, epoch-based minibatches.

use burn::tensor::{Device, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::dataset::Dataset;
use crate::error::{DataError, Result};

/// SplitMix64's increment, `2^64 / φ`: adding `(counter + 1) · GOLDEN_GAMMA` to a seed before
/// [`splitmix64_finalize`] gives each counter value its own stream.
pub const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function (Steele, Lea and Flood, 2014): a bijection of `u64` whose
/// outputs for neighbouring inputs look unrelated. gan-core derives every per-epoch and
/// per-step seed with it, so that a resumed run draws exactly what an uninterrupted one would.
///
/// ```
/// use gan_data::splitmix64_finalize;
/// // The first output of SplitMix64 seeded with 0 (its state advances by GOLDEN_GAMMA first).
/// assert_eq!(splitmix64_finalize(gan_data::GOLDEN_GAMMA), 0xE220_A839_7B1D_CDAF);
/// ```
pub fn splitmix64_finalize(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Shuffled minibatch indices over `n` rows, a fresh permutation every epoch.
///
/// The permutation of epoch `e` depends only on `(seed, e)`, so a run resumed at epoch `e`,
/// batch `b` sees exactly the batches an uninterrupted run would.
///
/// **The last partial batch:** when `batch_size` does not divide `n`, each epoch's last batch
/// holds the remaining `n % batch_size` rows; no row is dropped. [`BatchSampler::full_batches`]
/// gives the count of full batches for callers that need a fixed size (they then skip those
/// rows in that epoch, by their own choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSampler {
    n: usize,
    batch_size: usize,
    seed: u64,
}

impl BatchSampler {
    /// A sampler over `n` rows; `n` and `batch_size` must be positive. A batch size above `n`
    /// is `n`: one batch of every row.
    pub fn new(n: usize, batch_size: usize, seed: u64) -> Result<Self> {
        if n == 0 || batch_size == 0 {
            return Err(DataError::Invalid(format!(
                "a batch sampler needs rows and a positive batch size (n = {n}, batch_size = {batch_size})"
            )));
        }
        Ok(Self {
            n,
            batch_size: batch_size.min(n),
            seed,
        })
    }

    /// Batches per epoch, the partial last one included.
    pub fn batches_per_epoch(&self) -> usize {
        self.n.div_ceil(self.batch_size)
    }

    /// Full-size batches per epoch.
    pub fn full_batches(&self) -> usize {
        self.n / self.batch_size
    }

    /// The row order of epoch `epoch` (0-based).
    pub fn epoch_order(&self, epoch: u64) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.n).collect();
        // Mix the epoch into the seed (one SplitMix64 step) so epochs get unrelated streams.
        let z = self
            .seed
            .wrapping_add(epoch.wrapping_add(1).wrapping_mul(GOLDEN_GAMMA));
        order.shuffle(&mut StdRng::seed_from_u64(splitmix64_finalize(z)));
        order
    }

    /// The rows of batch `index` in epoch `epoch`.
    pub fn batch(&self, epoch: u64, index: usize) -> Vec<usize> {
        let order = self.epoch_order(epoch);
        let start = (index * self.batch_size).min(self.n);
        order[start..(start + self.batch_size).min(self.n)].to_vec()
    }

    /// Every batch of epoch `epoch`, in order.
    pub fn epoch(&self, epoch: u64) -> Vec<Vec<usize>> {
        self.epoch_order(epoch)
            .chunks(self.batch_size)
            .map(<[usize]>::to_vec)
            .collect()
    }
}

/// Iterates over one epoch of a dataset as `[batch, dim]` tensors on a device.
pub struct EpochBatches<'a> {
    data: &'a Dataset,
    batches: std::vec::IntoIter<Vec<usize>>,
    device: Device,
}

impl Dataset {
    /// The batches of epoch `epoch` under `sampler`, as tensors on `device`.
    pub fn epoch_batches(
        &self,
        sampler: &BatchSampler,
        epoch: u64,
        device: &Device,
    ) -> Result<EpochBatches<'_>> {
        if sampler.n != self.len() {
            return Err(DataError::Invalid(format!(
                "sampler covers {} rows, dataset has {}",
                sampler.n,
                self.len()
            )));
        }
        Ok(EpochBatches {
            data: self,
            batches: sampler.epoch(epoch).into_iter(),
            device: device.clone(),
        })
    }
}

impl Iterator for EpochBatches<'_> {
    type Item = Tensor<2>;

    fn next(&mut self) -> Option<Self::Item> {
        self.batches
            .next()
            .map(|rows| self.data.gather(&rows, &self.device))
    }
}
