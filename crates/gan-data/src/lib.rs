//! Datasets for gan-core: files on disk turned into Burn tensors, safely.
//!
//! - [`Mnist`]: the IDX files (raw or `.gz`), the paper's train/valid/test splits, and a
//!   download that verifies SHA-256 before anything lands in place.
//! - [`Cifar10`]: the binary batches, with optional global contrast normalisation, and a
//!   download that checks the published size and MD5 before extracting.
//! - [`Tfd`]: the Toronto Face Database's MATLAB file (which users bring), its five folds and
//!   splits as pylearn2 reads them.
//! - [`Preprocessing`]: what a run does to its data's rows (global contrast normalisation),
//!   recorded in the run's config.
//! - [`read_npy`] / [`write_npy`]: NumPy arrays in and out, for bringing your own data;
//!   [`read_array_with_labels`] adds a labels file, [`read_image_dir`] reads a directory of
//!   PNG/JPEG images (one subdirectory per class, optionally).
//! - [`ArrayRows`] / [`NpyRowWriter`]: the same arrays a chunk of rows at a time, for work
//!   whose memory must not grow with the rows.
//! - [`toy`]: 1-D Gaussians and mixtures, the 2-D ring, with exact log-densities.
//! - [`BatchSampler`]: seeded, epoch-based shuffled minibatches.
//!
//! Every failure is a [`DataError`] naming the file; sizes read from headers are checked
//! against the bytes actually present before anything is allocated from them.
//!
//! ```no_run
//! use gan_data::{Mnist, BatchSampler, default_data_dir};
//! # fn main() -> Result<(), gan_data::DataError> {
//! let mnist = Mnist::load_or_download(&default_data_dir().join("mnist"))?;
//! assert_eq!(mnist.train.len(), 50_000);
//! let sampler = BatchSampler::new(mnist.train.len(), 100, 42)?;
//! # let device = burn::tensor::Device::default();
//! for batch in mnist.train.epoch_batches(&sampler, 0, &device)? {
//!     assert_eq!(batch.dims(), [100, 784]);
//! }
//! # Ok(()) }
//! ```

mod batch;
mod cifar;
mod dataset;
mod download;
mod error;
mod idx;
mod images;
mod mat;
mod mixture2d;
mod mnist;
mod npy;
mod open;
mod preprocess;
mod rows;
mod tfd;
pub mod toy;

pub use batch::{BatchSampler, EpochBatches, GOLDEN_GAMMA, splitmix64_finalize};
pub use cifar::{
    ArchiveSpec, CIFAR10_ARCHIVE, CIFAR10_FILES, CIFAR10_MIRROR_ENV, Cifar10, CifarScaling,
    DEFAULT_CIFAR10_MIRROR, download_cifar10, ensure_cifar10, global_contrast_normalize,
    read_batch,
};
pub use dataset::Dataset;
pub use download::{md5_file, sha256_file};
pub use error::{DataError, Result};
pub use idx::{IdxArray, IdxType, parse_idx_bytes, read_idx};
pub use images::{read_array, read_array_with_labels, read_image_dir};
pub use mat::{MatArray, MatValues, parse_mat, read_mat};
pub use mixture2d::Mixture2d;
pub use mnist::{
    DATA_DIR_ENV, DEFAULT_MNIST_MIRROR, MIRROR_ENV, MNIST_CLASSES, MNIST_DIR_ENV, MNIST_FILES,
    Mnist, MnistFile, default_data_dir, download_missing, mnist_dir_from_env, read_labelled_images,
};
pub use npy::{parse_npy, read_npy, read_npy_scaled, write_npy};
pub use open::{HOLDOUT_SEED, TrainingData, holdout, open_training_data, training_rows};
pub use preprocess::Preprocessing;
pub use rows::{ArrayRows, NpyRowWriter};
pub use tfd::{TFD_FOLDS, Tfd, TfdSet};
