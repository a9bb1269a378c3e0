//! Opening training data by path, as `gan train --data` does: an IDX or NPY file (with a labels
//! file), a directory of images, a CIFAR-10 binary directory, an MNIST directory or TFD's
//! `.mat`, with the evaluation sets it has, or those given, or a seeded hold-out.

use std::path::Path;

use crate::{
    BatchSampler, Cifar10, CifarScaling, DataError, Dataset, Mnist, Result, read_array,
    read_array_with_labels, read_image_dir,
};

/// Training rows, and the validation and test sets of an evaluation when known.
#[derive(Debug, Clone)]
pub struct TrainingData {
    /// The rows the players train on.
    pub train: Dataset,
    /// Validation and test sets (`None` when neither the data nor the caller gives them).
    pub eval: Option<(Dataset, Dataset)>,
}

fn is_mnist_dir(dir: &Path) -> bool {
    crate::MNIST_FILES
        .iter()
        .all(|f| dir.join(f.name).is_file() || dir.join(format!("{}.gz", f.name)).is_file())
}

/// Seed of the hold-out split of data that comes without evaluation sets.
pub const HOLDOUT_SEED: u64 = 0;

/// Splits off a seeded hold-out for the Parzen evaluation: a permutation of the rows by
/// [`HOLDOUT_SEED`] (the batch sampler's), its first tenth the validation set, its second
/// tenth the test set, the rest (in the original order) the training rows.
pub fn holdout(data: &Dataset) -> Result<(Dataset, Dataset, Dataset)> {
    let n = data.len();
    let tenth = n / 10;
    if tenth == 0 {
        return Err(DataError::Invalid(format!(
            "{n} rows are too few to hold out evaluation sets (at least 10)"
        )));
    }
    let order = BatchSampler::new(n, 1, HOLDOUT_SEED)?.epoch_order(0);
    let (valid, rest) = order.split_at(tenth);
    let (test, train) = rest.split_at(tenth);
    let mut train = train.to_vec();
    train.sort_unstable();
    Ok((data.subset(&train), data.subset(valid), data.subset(test)))
}

/// A CIFAR-10 binary directory or an MNIST directory as (train, valid, test); `None` for any
/// other directory.
fn read_split_dir(path: &Path) -> Result<Option<(Dataset, Dataset, Dataset)>> {
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
pub fn training_rows(path: &Path) -> Result<Dataset> {
    Ok(read_data(path, None)?.0)
}

/// The data at `path` (with `labels` for an array file), and its own evaluation sets where it
/// has them (MNIST, CIFAR-10, TFD).
fn read_data(path: &Path, labels: Option<&Path>) -> Result<(Dataset, Option<(Dataset, Dataset)>)> {
    if path.is_dir() {
        if labels.is_some() {
            return Err(DataError::Invalid(
                "labels go with an array file; a directory's labels are its class subdirectories"
                    .into(),
            ));
        }
        Ok(match read_split_dir(path)? {
            Some((train, valid, test)) => (train, Some((valid, test))),
            None => (read_image_dir(path)?, None),
        })
    } else if is_mat(path) {
        if labels.is_some() {
            return Err(DataError::Invalid(
                "labels go with an array file; TFD's labels are in its .mat file".into(),
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
fn read_tfd(path: &Path) -> Result<(Dataset, Dataset, Dataset)> {
    let tfd = crate::Tfd::load(path)?;
    let split = |set| tfd.split(set, 0);
    Ok((
        split(crate::TfdSet::Unlabeled)?,
        split(crate::TfdSet::Valid)?,
        split(crate::TfdSet::Test)?,
    ))
}

/// The data at `path` (with `labels` for an array file) and its evaluation sets: MNIST's,
/// CIFAR-10's and TFD's own splits, else `valid_test` (two array files), else, with
/// `holdout_if_none`, a seeded hold-out (see [`holdout`]). A path that does not exist is
/// [`DataError::Invalid`] naming it.
pub fn open_training_data(
    path: &Path,
    labels: Option<&Path>,
    valid_test: Option<(&Path, &Path)>,
    holdout_if_none: bool,
) -> Result<TrainingData> {
    if !path.exists() {
        return Err(DataError::Invalid(format!(
            "{}: no such file or directory",
            path.display()
        )));
    }
    let given = || -> Result<Option<(Dataset, Dataset)>> {
        valid_test
            .map(|(v, t)| Ok((read_array(v)?, read_array(t)?)))
            .transpose()
    };
    let (train, eval) = match read_data(path, labels)? {
        (train, Some(eval)) => (train, Some(eval)),
        (train, None) => (train, given()?),
    };
    if eval.is_none() && holdout_if_none {
        let (train, valid, test) = holdout(&train)?;
        return Ok(TrainingData {
            train,
            eval: Some((valid, test)),
        });
    }
    Ok(TrainingData { train, eval })
}
