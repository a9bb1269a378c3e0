//! The training data of `gan train`: MNIST (found, or downloaded and verified), or what the user
//! brings with `--data` (an IDX or NPY file, a directory of images, a CIFAR-10 binary directory
//! or an MNIST directory), with the sets the Parzen evaluation needs.

use std::path::{Path, PathBuf};

use gan_data::{
    Cifar10, CifarScaling, DEFAULT_MNIST_MIRROR, Dataset, MIRROR_ENV, Mnist, default_data_dir,
    read_array, read_array_with_labels, read_image_dir,
};

use crate::DataArgs;
use crate::error::CliError;

/// Training rows, and the validation and test sets of the Parzen evaluation when known.
pub struct TrainingData {
    /// The rows the players train on.
    pub train: Dataset,
    /// Validation and test sets (`None` when neither the data nor the flags give them).
    pub eval: Option<(Dataset, Dataset)>,
}

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

fn is_mnist_dir(dir: &Path) -> bool {
    gan_data::MNIST_FILES
        .iter()
        .all(|f| dir.join(f.name).is_file() || dir.join(format!("{}.gz", f.name)).is_file())
}

/// Seed of the hold-out split of data that comes without evaluation sets.
pub const HOLDOUT_SEED: u64 = 0;

/// Splits off a seeded hold-out for the Parzen evaluation: a permutation of the rows by
/// [`HOLDOUT_SEED`] (the batch sampler's), its first tenth the validation set, its second
/// tenth the test set, the rest (in the original order) the training rows.
pub fn holdout(data: &Dataset) -> Result<(Dataset, Dataset, Dataset), CliError> {
    let n = data.len();
    let tenth = n / 10;
    if tenth == 0 {
        return Err(CliError::Usage(format!(
            "{n} rows are too few to hold out evaluation sets (at least 10)"
        )));
    }
    let order = gan_data::BatchSampler::new(n, 1, HOLDOUT_SEED)?.epoch_order(0);
    let (valid, rest) = order.split_at(tenth);
    let (test, train) = rest.split_at(tenth);
    let mut train = train.to_vec();
    train.sort_unstable();
    Ok((data.subset(&train), data.subset(valid), data.subset(test)))
}

/// A CIFAR-10 binary directory or an MNIST directory as (train, valid, test); `None` for any
/// other directory.
fn read_split_dir(path: &Path) -> Result<Option<(Dataset, Dataset, Dataset)>, CliError> {
    Ok(if path.join("data_batch_1.bin").is_file() {
        let cifar = Cifar10::load(path, CifarScaling::Unit)?;
        Some((cifar.train, cifar.valid, cifar.test))
    } else if is_mnist_dir(path) {
        let mnist = Mnist::load(path)?;
        Some((mnist.train, mnist.valid, mnist.test))
    } else {
        None
    })
}

/// The training rows at `path`, as `--data` reads them: a CIFAR-10 or MNIST directory (its
/// training split), a directory of images, TFD, or an IDX or NPY file.
pub fn training_rows(path: &Path) -> Result<Dataset, CliError> {
    Ok(read_data(path, None)?.0)
}

/// The data at `path` (with `labels` for an array file), and its own evaluation sets where it
/// has them (MNIST, CIFAR-10, TFD).
fn read_data(
    path: &Path,
    labels: Option<&Path>,
) -> Result<(Dataset, Option<(Dataset, Dataset)>), CliError> {
    if path.is_dir() {
        if labels.is_some() {
            return Err(CliError::Usage(
                "--labels goes with an array file; a directory's labels are its class subdirectories".into(),
            ));
        }
        Ok(match read_split_dir(path)? {
            Some((train, valid, test)) => (train, Some((valid, test))),
            None => (read_image_dir(path)?, None),
        })
    } else if is_mat(path) {
        if labels.is_some() {
            return Err(CliError::Usage(
                "--labels goes with an array file; TFD's labels are in its .mat file".into(),
            ));
        }
        let (train, valid, test) = read_tfd(path)?;
        Ok((train, Some((valid, test))))
    } else {
        let train = match labels {
            Some(l) => read_array_with_labels(path, l)?,
            None => read_array(path)?,
        };
        Ok((train, None))
    }
}

fn is_mat(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("mat"))
}

/// The Toronto Face Database as the released model trains on it: fold 0's unlabelled images,
/// with fold 0's validation and test images for the evaluations.
fn read_tfd(path: &Path) -> Result<(Dataset, Dataset, Dataset), CliError> {
    let tfd = gan_data::Tfd::load(path)?;
    let split = |set| tfd.split(set, 0);
    Ok((
        split(gan_data::TfdSet::Unlabeled)?,
        split(gan_data::TfdSet::Valid)?,
        split(gan_data::TfdSet::Test)?,
    ))
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
/// (see [`holdout`]).
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
    if !path.exists() {
        return Err(CliError::Usage(format!(
            "--data {}: no such file or directory",
            path.display()
        )));
    }
    let user_eval = || -> Result<Option<(Dataset, Dataset)>, CliError> {
        valid_test
            .map(|(v, t)| Ok((read_array(v)?, read_array(t)?)))
            .transpose()
    };
    let (train, eval) = match read_data(path, labels)? {
        (train, Some(eval)) => (train, Some(eval)),
        (train, None) => (train, user_eval()?),
    };
    if eval.is_none() && with_holdout {
        let (train, valid, test) = holdout(&train)?;
        return Ok(TrainingData {
            train,
            eval: Some((valid, test)),
        });
    }
    Ok(TrainingData { train, eval })
}
