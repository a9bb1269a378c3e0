//! The training data of `gan train`: MNIST (found, or downloaded and verified, saying so), or
//! what the user brings with `--data`, opened by `gan_data::open_training_data` with the sets
//! the Parzen evaluation needs.

use std::path::{Path, PathBuf};

use gan_data::{
    DEFAULT_MNIST_MIRROR, MIRROR_ENV, Mnist, TrainingData, default_data_dir, open_training_data,
};

use crate::DataArgs;
use crate::error::CliError;

impl DataArgs {
    /// MNIST from `--data-dir`, else found in, or downloaded (with one line saying from where
    /// to where, SHA-256 verified) to, `$GAN_DATA_DIR/mnist`.
    pub fn mnist(&self) -> Result<Mnist, CliError> {
        Ok(match &self.data_dir {
            Some(dir) => Mnist::load(dir)?,
            None => {
                let dir: PathBuf = default_data_dir().join("mnist");
                match Mnist::load(&dir) {
                    Ok(mnist) => mnist,
                    Err(_) => {
                        let mirror = std::env::var(MIRROR_ENV)
                            .unwrap_or_else(|_| DEFAULT_MNIST_MIRROR.to_string());
                        eprintln!(
                            "downloading MNIST from {mirror} to {} (each file checked against its SHA-256)",
                            dir.display()
                        );
                        Mnist::load_or_download(&dir)?
                    }
                }
            }
        })
    }
}

/// `$GAN_DATA_DIR/cifar10` (default: under the user's cache directory), holding CIFAR-10's
/// binary batches: downloaded there first (162 MB, size and MD5 checked) when missing.
pub fn cifar10_dir() -> Result<PathBuf, CliError> {
    let dir = default_data_dir().join("cifar10");
    if !gan_data::CIFAR10_FILES
        .iter()
        .all(|f| dir.join(f).is_file())
    {
        eprintln!("downloading CIFAR-10 (162 MB) to {}", dir.display());
    }
    gan_data::ensure_cifar10(&dir)?;
    Ok(dir)
}

/// The data `--data` (and `--labels`) names, else MNIST. Evaluation sets: MNIST's and
/// CIFAR-10's own splits, else `--valid` and `--test`, else (with `holdout`) a seeded hold-out
/// (see `gan_data::holdout`).
pub fn training_data(
    args: &DataArgs,
    data: Option<&Path>,
    labels: Option<&Path>,
    valid_test: Option<(&Path, &Path)>,
    with_holdout: bool,
) -> Result<TrainingData, CliError> {
    let Some(path) = data else {
        let mnist = args.mnist()?;
        return Ok(TrainingData {
            train: mnist.train,
            eval: Some((mnist.valid, mnist.test)),
        });
    };
    Ok(open_training_data(path, labels, valid_test, with_holdout)?)
}
