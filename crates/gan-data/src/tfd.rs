//! The Toronto Face Database as pylearn2's `TFD` class reads it: `TFD_48x48.mat` (or the 96 × 96
//! file), a MATLAB v5 file with `images` (N × side × side, 0..255), `folds` (N × 5: 0 unlabeled,
//! 1 train, 2 valid, 3 test in each of the five official folds) and `labs_ex` (the expression,
//! 1..7). The database is not public: users bring the file.

use std::path::{Path, PathBuf};

use crate::dataset::Dataset;
use crate::error::{DataError, Result};
use crate::mat::{MatArray, read_mat};

/// Number of official folds.
pub const TFD_FOLDS: usize = 5;

/// One of pylearn2's `which_set` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TfdSet {
    /// Rows marked 0 in the fold (what the released model trains on, fold 0).
    Unlabeled,
    /// Rows marked 1.
    Train,
    /// Rows marked 2 (σ of the Parzen protocol is chosen on them).
    Valid,
    /// Rows marked 3.
    Test,
    /// Train and valid together (pylearn2's `full_train`).
    FullTrain,
}

impl TfdSet {
    fn holds(self, mark: i64) -> bool {
        match self {
            TfdSet::Unlabeled => mark == 0,
            TfdSet::Train => mark == 1,
            TfdSet::Valid => mark == 2,
            TfdSet::Test => mark == 3,
            TfdSet::FullTrain => mark == 1 || mark == 2,
        }
    }
}

/// The whole file in memory: images row-major, each row's fold marks and expression.
#[derive(Debug, Clone)]
pub struct Tfd {
    path: PathBuf,
    side: usize,
    images: Vec<u8>,
    folds: Vec<[i64; TFD_FOLDS]>,
    expressions: Vec<i64>,
}

impl Tfd {
    /// Reads `path`. Missing arrays, other shapes and values out of range are
    /// [`DataError::Format`] errors naming the file.
    pub fn load(path: &Path) -> Result<Self> {
        let arrays = read_mat(path)?;
        let bad = |why: String| DataError::format(path, why);
        let array = |name: &str| {
            arrays
                .iter()
                .find(|a| a.name == name)
                .ok_or_else(|| bad(format!("no `{name}` array")))
        };
        let images = array("images")?;
        let (n, side) = match images.dims[..] {
            [n, h, w] if h == w && n > 0 && h > 0 => (n, h),
            ref other => return Err(bad(format!("`images` is {other:?}, not N × side × side"))),
        };
        let folds = array("folds")?;
        if folds.dims[..] != [n, TFD_FOLDS] {
            return Err(bad(format!("`folds` is {:?}, not {n} × 5", folds.dims)));
        }
        let labels = array("labs_ex")?;
        if labels.values.len() != n {
            return Err(bad(format!("`labs_ex` is {:?}, not {n} × 1", labels.dims)));
        }
        let pixel = |k: usize| -> Result<u8> {
            let v = images.values.get(k);
            if v.fract() == 0.0 && (0.0..=255.0).contains(&v) {
                Ok(v as u8)
            } else {
                Err(bad(format!(
                    "`images` holds {v}, not a pixel value 0..=255"
                )))
            }
        };
        // MATLAB stores column-major: element (i, r, c) at i + n·(r + side·c).
        let mut row_major = vec![0u8; n * side * side];
        for c in 0..side {
            for r in 0..side {
                for i in 0..n {
                    row_major[(i * side + r) * side + c] = pixel(i + n * (r + side * c))?;
                }
            }
        }
        let whole = |a: &MatArray, k: usize| -> Result<i64> {
            let v = a.values.get(k);
            if v.fract() == 0.0 && v.abs() < 1e9 {
                Ok(v as i64)
            } else {
                Err(bad(format!("`{}` holds {v}, not an integer", a.name)))
            }
        };
        let mut fold_marks = Vec::with_capacity(n);
        for i in 0..n {
            let mut marks = [0i64; TFD_FOLDS];
            for (f, m) in marks.iter_mut().enumerate() {
                *m = whole(folds, i + n * f)?;
                if !(0..=3).contains(m) {
                    return Err(bad(format!("`folds` holds {m}, outside 0..=3")));
                }
            }
            fold_marks.push(marks);
        }
        let expressions = (0..n).map(|i| whole(labels, i)).collect::<Result<_>>()?;
        Ok(Self {
            path: path.to_path_buf(),
            side,
            images: row_major,
            folds: fold_marks,
            expressions,
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.folds.len()
    }

    /// Whether the file holds no image (never true of a loaded file).
    pub fn is_empty(&self) -> bool {
        self.folds.is_empty()
    }

    /// Side of the images (48 or 96 for the released files).
    pub fn side(&self) -> usize {
        self.side
    }

    /// The rows of `set` in `fold` (0..5), in file order, as pylearn2's
    /// `TFD(which_set, fold, scale=True)`: pixels divided by 255, items `[side, side]`, and for
    /// every set but [`TfdSet::Unlabeled`] the expression as a label 0..7.
    pub fn split(&self, set: TfdSet, fold: usize) -> Result<Dataset> {
        if fold >= TFD_FOLDS {
            return Err(DataError::Invalid(format!(
                "TFD fold {fold}: folds are 0..5"
            )));
        }
        let rows: Vec<usize> = (0..self.len())
            .filter(|&i| set.holds(self.folds[i][fold]))
            .collect();
        if rows.is_empty() {
            return Err(DataError::format(
                &self.path,
                format!("fold {fold} has no {set:?} rows"),
            ));
        }
        let d = self.side * self.side;
        let features = rows
            .iter()
            .flat_map(|&i| self.images[i * d..(i + 1) * d].iter())
            .map(|&p| f32::from(p) / 255.0)
            .collect();
        let labels = match set {
            TfdSet::Unlabeled => None,
            _ => Some(
                rows.iter()
                    .map(|&i| match self.expressions[i] {
                        e @ 1..=7 => Ok(e as u8 - 1),
                        e => Err(DataError::format(
                            &self.path,
                            format!("row {i} is labelled in fold {fold} but its expression is {e}"),
                        )),
                    })
                    .collect::<Result<Vec<u8>>>()?,
            ),
        };
        Dataset::new(features, vec![self.side, self.side], labels)
    }
}
