//! MNIST (and any IDX image set with its layout, such as Fashion-MNIST), with the paper's splits
//! and a checksum-verified download.

use std::fs;
use std::path::{Path, PathBuf};

use crate::dataset::Dataset;
use crate::download::{self, Expected, download_verified};
use crate::error::{DataError, Result};
use crate::idx::{IdxType, read_idx};

/// The paper's MNIST splits: `train` = training images 0..50000, `valid` = 50000..60000,
/// `test` = the 10,000 test images. Pixels are f32 in `[0, 1]`; labels are kept.
#[derive(Debug, Clone)]
pub struct Mnist {
    /// Training images 0..50000.
    pub train: Dataset,
    /// Training images 50000..60000.
    pub valid: Dataset,
    /// The test set.
    pub test: Dataset,
}

/// One of the four MNIST files: its canonical name and the SHA-256 of its `.gz` form.
#[derive(Debug, Clone, Copy)]
pub struct MnistFile {
    /// File name without `.gz`, e.g. `train-images-idx3-ubyte`.
    pub name: &'static str,
    /// SHA-256 of the canonical gzip file, hex.
    pub gz_sha256: &'static str,
}

/// The four canonical MNIST files, in the order train images, train labels, test images, test
/// labels.
pub const MNIST_FILES: [MnistFile; 4] = [
    MnistFile {
        name: "train-images-idx3-ubyte",
        gz_sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    },
    MnistFile {
        name: "train-labels-idx1-ubyte",
        gz_sha256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    },
    MnistFile {
        name: "t10k-images-idx3-ubyte",
        gz_sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    },
    MnistFile {
        name: "t10k-labels-idx1-ubyte",
        gz_sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
];

/// The default download mirror (PyTorch's public copy of the original files).
pub const DEFAULT_MNIST_MIRROR: &str = "https://ossci-datasets.s3.amazonaws.com/mnist/";

/// Environment variable overriding [`DEFAULT_MNIST_MIRROR`].
pub const MIRROR_ENV: &str = "GAN_MNIST_MIRROR";

/// Environment variable naming a directory that holds the MNIST files (used by the tests,
/// benchmarks and examples; `.cargo/config.toml` points it at `../shared/data/mnist`).
pub const MNIST_DIR_ENV: &str = "GAN_MNIST_DIR";

/// The directory in `$GAN_MNIST_DIR`, if it holds the MNIST training images; otherwise prints
/// why not (for tests that then skip) and returns `None`.
///
/// # Panics
///
/// Under `CI=true` (or `CI=1`), where a skipped real-data test would let a green run hide that
/// it never ran: a missing directory is then a failure, with the reason.
pub fn mnist_dir_from_env() -> Option<PathBuf> {
    let on_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    match std::env::var_os(MNIST_DIR_ENV).map(PathBuf::from) {
        Some(dir) if find(&dir, MNIST_FILES[0].name).is_some() => Some(dir),
        Some(dir) => skip_or_fail(
            &format!("no MNIST files in {} ({MNIST_DIR_ENV})", dir.display()),
            on_ci,
        ),
        None => skip_or_fail(&format!("{MNIST_DIR_ENV} is not set"), on_ci),
    }
}

/// A real-data test's data is missing: skip with the reason, or fail on CI.
fn skip_or_fail<T>(why: &str, on_ci: bool) -> Option<T> {
    assert!(
        !on_ci,
        "{why}: under CI the real-data tests must run (put MNIST in ../shared/data/mnist)"
    );
    eprintln!("SKIPPED: {why}");
    None
}

/// Environment variable naming the data cache directory.
pub const DATA_DIR_ENV: &str = "GAN_DATA_DIR";

/// Where datasets are cached: `$GAN_DATA_DIR`, else the per-user cache directory
/// (`~/.cache/gan-core` on Linux), else `./gan-data`.
pub fn default_data_dir() -> PathBuf {
    std::env::var_os(DATA_DIR_ENV)
        .map(PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|d| d.join("gan-core")))
        .unwrap_or_else(|| PathBuf::from("gan-data"))
}

/// Reads an IDX image file (u8, `[n, rows, cols]`) and its IDX label file (u8, `[n]`) into a
/// dataset of `[0, 1]` pixels with labels.
pub fn read_labelled_images(images: &Path, labels: &Path) -> Result<Dataset> {
    let img = read_idx(images)?;
    if img.dtype != IdxType::U8 || img.dims.len() != 3 {
        return Err(DataError::format(
            images,
            format!(
                "expected u8 images [n, rows, cols], found {:?} {:?}",
                img.dtype, img.dims
            ),
        ));
    }
    let lab = read_idx(labels)?;
    if lab.dtype != IdxType::U8 || lab.dims.len() != 1 {
        return Err(DataError::format(
            labels,
            format!(
                "expected u8 labels [n], found {:?} {:?}",
                lab.dtype, lab.dims
            ),
        ));
    }
    if lab.dims[0] != img.dims[0] {
        return Err(DataError::Mismatch {
            path: labels.to_path_buf(),
            reason: format!(
                "{} labels for {} images in {}",
                lab.dims[0],
                img.dims[0],
                images.display()
            ),
        });
    }
    let pixels = img.bytes.iter().map(|&p| f32::from(p) / 255.0).collect();
    Dataset::new(pixels, vec![img.dims[1], img.dims[2]], Some(lab.bytes))
}

/// Classes of a set with MNIST's layout (digits, or Fashion-MNIST's garments).
pub const MNIST_CLASSES: u8 = 10;

/// Refuses a label outside `0..MNIST_CLASSES` in `data` (read from `path`), naming the first.
fn check_classes(data: &Dataset, path: &Path) -> Result<()> {
    let labels = data.labels().unwrap_or_default();
    match labels.iter().position(|&l| l >= MNIST_CLASSES) {
        None => Ok(()),
        Some(i) => Err(DataError::format(
            path,
            format!(
                "label {} of item {i} is outside 0..={} (MNIST's layout has {MNIST_CLASSES} classes)",
                labels[i],
                MNIST_CLASSES - 1
            ),
        )),
    }
}

/// The file `name` in `dir`, gzip or raw: `name.gz` first, then `name`, then the variant with a
/// dot (`train-images.idx3-ubyte`) some distributions use.
fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    let dotted = name.replacen("-idx", ".idx", 1);
    [
        format!("{name}.gz"),
        name.to_string(),
        format!("{dotted}.gz"),
        dotted,
    ]
    .into_iter()
    .map(|f| dir.join(f))
    .find(|p| p.is_file())
}

impl Mnist {
    /// Loads the four MNIST files from `dir` (each `.gz` or raw) and splits them as the paper.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = |i: usize| {
            find(dir, MNIST_FILES[i].name).ok_or_else(|| DataError::Io {
                path: dir.join(format!("{}.gz", MNIST_FILES[i].name)),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "MNIST file not found"),
            })
        };
        Self::from_files(&path(0)?, &path(1)?, &path(2)?, &path(3)?)
    }

    /// Loads any IDX image set with MNIST's layout (e.g. Fashion-MNIST) from explicit paths;
    /// train/valid are the first 50,000 and the remaining training images.
    pub fn from_files(
        train_images: &Path,
        train_labels: &Path,
        test_images: &Path,
        test_labels: &Path,
    ) -> Result<Self> {
        let full = read_labelled_images(train_images, train_labels)?;
        let test = read_labelled_images(test_images, test_labels)?;
        check_classes(&full, train_labels)?;
        check_classes(&test, test_labels)?;
        let split = 50_000.min(full.len());
        Ok(Self {
            train: full.slice(0..split)?,
            valid: full.slice(split..full.len())?,
            test,
        })
    }

    /// Loads MNIST from `dir`, first downloading whichever files are missing from the mirror
    /// in `$GAN_MNIST_MIRROR` (else [`DEFAULT_MNIST_MIRROR`]).
    pub fn load_or_download(dir: &Path) -> Result<Self> {
        let mirror = std::env::var(MIRROR_ENV).unwrap_or_else(|_| DEFAULT_MNIST_MIRROR.to_string());
        Self::load_or_download_from(dir, &mirror)
    }

    /// As [`Mnist::load_or_download`] with an explicit mirror base URL.
    pub fn load_or_download_from(dir: &Path, base_url: &str) -> Result<Self> {
        download_missing(dir, base_url)?;
        Self::load(dir)
    }
}

/// Downloads each MNIST file absent from `dir` from `base_url` (files `<base_url>/<name>.gz`).
///
/// Each file is streamed to a temporary file in `dir`, its SHA-256 checked against
/// [`MNIST_FILES`], synced, and only then renamed into place. A mismatch deletes the temporary
/// file and returns [`DataError::Checksum`]; files already present are left untouched.
pub fn download_missing(dir: &Path, base_url: &str) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    let agent = download::agent();
    let mut fetched = Vec::new();
    for file in MNIST_FILES {
        if find(dir, file.name).is_some() {
            continue;
        }
        let url = format!("{}/{}.gz", base_url.trim_end_matches('/'), file.name);
        let dest = dir.join(format!("{}.gz", file.name));
        let expected = Expected {
            sha256: Some(file.gz_sha256),
            ..Expected::default()
        };
        download_verified(&agent, &url, &dest, expected)?;
        fetched.push(dest);
    }
    Ok(fetched)
}

#[cfg(test)]
mod tests {
    use super::skip_or_fail;

    #[test]
    fn missing_data_skips_off_ci() {
        assert_eq!(skip_or_fail::<()>("no files", false), None);
    }

    #[test]
    #[should_panic(expected = "under CI the real-data tests must run")]
    fn missing_data_fails_on_ci() {
        skip_or_fail::<()>("no files", true);
    }
}
