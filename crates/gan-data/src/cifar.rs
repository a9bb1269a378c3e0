//! CIFAR-10 in its binary form: `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin`,
//! each 10,000 records of 1 label byte and 3,072 pixel bytes (red, green, blue planes of 32×32).

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::dataset::Dataset;
use crate::download::{self, Expected, download_verified};
use crate::error::{DataError, Result};

const RECORD: usize = 1 + 3072;

/// The six files of the binary version, as the archive holds them.
pub const CIFAR10_FILES: [&str; 6] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
    "test_batch.bin",
];

/// A downloadable archive: its file name, size in bytes and MD5 (hex).
#[derive(Debug, Clone, Copy)]
pub struct ArchiveSpec {
    /// File name under the mirror's base URL.
    pub name: &'static str,
    /// Size in bytes.
    pub size: u64,
    /// MD5, hex.
    pub md5: &'static str,
}

/// The binary version of CIFAR-10 as its authors publish it (size and MD5 from
/// <https://www.cs.toronto.edu/~kriz/cifar.html>).
pub const CIFAR10_ARCHIVE: ArchiveSpec = ArchiveSpec {
    name: "cifar-10-binary.tar.gz",
    size: 170_052_171,
    md5: "c32a1d4ab5d03f1284b67883e8d87530",
};

/// Where CIFAR-10 is downloaded from unless `$GAN_CIFAR10_MIRROR` names another base URL.
pub const DEFAULT_CIFAR10_MIRROR: &str = "https://www.cs.toronto.edu/~kriz/";

/// Environment variable overriding [`DEFAULT_CIFAR10_MIRROR`].
pub const CIFAR10_MIRROR_ENV: &str = "GAN_CIFAR10_MIRROR";

/// How CIFAR-10 pixels are scaled.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum CifarScaling {
    /// Pixels divided by 255, in `[0, 1]`.
    #[default]
    Unit,
    /// The released model's global contrast normalisation: each image minus its mean, divided
    /// by its L2 norm, times `scale` (the paper uses 55).
    GlobalContrast {
        /// The L2 norm each image ends with.
        scale: f32,
    },
}

/// CIFAR-10 with the released code's splits: train = 0..40000, valid = 40000..50000 of the
/// training batches, test = `test_batch.bin`. Items have shape `[3, 32, 32]`.
#[derive(Debug, Clone)]
pub struct Cifar10 {
    /// Training images 0..40000.
    pub train: Dataset,
    /// Training images 40000..50000.
    pub valid: Dataset,
    /// The test batch.
    pub test: Dataset,
}

impl Cifar10 {
    /// Loads the six batch files from `dir`.
    pub fn load(dir: &Path, scaling: CifarScaling) -> Result<Self> {
        let mut pixels = Vec::new();
        let mut labels = Vec::new();
        for i in 1..=5 {
            read_batch(
                &dir.join(format!("data_batch_{i}.bin")),
                &mut pixels,
                &mut labels,
            )?;
        }
        let (mut test_pixels, mut test_labels) = (Vec::new(), Vec::new());
        read_batch(
            &dir.join("test_batch.bin"),
            &mut test_pixels,
            &mut test_labels,
        )?;
        let full = finish(pixels, labels, scaling)?;
        let split = 40_000.min(full.len());
        Ok(Self {
            train: full.slice(0..split)?,
            valid: full.slice(split..full.len())?,
            test: finish(test_pixels, test_labels, scaling)?,
        })
    }
}

impl Cifar10 {
    /// Loads CIFAR-10 from `dir`, first downloading it if any of its six files is missing,
    /// from the mirror in `$GAN_CIFAR10_MIRROR` (else [`DEFAULT_CIFAR10_MIRROR`]).
    pub fn load_or_download(dir: &Path, scaling: CifarScaling) -> Result<Self> {
        ensure_cifar10(dir)?;
        Self::load(dir, scaling)
    }
}

/// [`download_cifar10`] of [`CIFAR10_ARCHIVE`] from the mirror in `$GAN_CIFAR10_MIRROR` (else
/// [`DEFAULT_CIFAR10_MIRROR`]): afterwards `dir` holds the six batch files.
pub fn ensure_cifar10(dir: &Path) -> Result<Vec<PathBuf>> {
    let mirror =
        std::env::var(CIFAR10_MIRROR_ENV).unwrap_or_else(|_| DEFAULT_CIFAR10_MIRROR.to_string());
    download_cifar10(dir, &mirror, &CIFAR10_ARCHIVE)
}

/// Makes sure `dir` holds CIFAR-10's six binary files: when one is missing, `archive` is
/// downloaded from `base_url` into `dir`, its size and MD5 checked before it is opened, the six
/// files extracted (each to a temporary name, then renamed; nothing else in the archive is
/// written) and the archive deleted. Returns the files written (none when all were there).
pub fn download_cifar10(dir: &Path, base_url: &str, archive: &ArchiveSpec) -> Result<Vec<PathBuf>> {
    if CIFAR10_FILES.iter().all(|f| dir.join(f).is_file()) {
        return Ok(Vec::new());
    }
    fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    let url = format!("{}/{}", base_url.trim_end_matches('/'), archive.name);
    let path = dir.join(archive.name);
    let expected = Expected {
        size: Some(archive.size),
        md5: Some(archive.md5),
        ..Expected::default()
    };
    download_verified(&download::agent(), &url, &path, expected)?;
    let written = extract_batches(&path, dir);
    let _ = fs::remove_file(&path);
    written
}

/// Writes the archive's members named as [`CIFAR10_FILES`] into `dir`.
fn extract_batches(archive: &Path, dir: &Path) -> Result<Vec<PathBuf>> {
    let file = File::open(archive).map_err(|e| DataError::io(archive, e))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let bad = |e: std::io::Error| DataError::format(archive, e.to_string());
    let mut written = Vec::new();
    for entry in tar.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let path = entry.path().map_err(bad)?.into_owned();
        // Only regular files named as a batch: no path from the archive reaches the disk.
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !entry.header().entry_type().is_file() || !CIFAR10_FILES.contains(&name) {
            continue;
        }
        let dest = dir.join(name);
        let tmp = dir.join(format!("{name}.partial-{}", std::process::id()));
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(bad)?;
        fs::write(&tmp, &bytes)
            .and_then(|()| fs::rename(&tmp, &dest))
            .map_err(|e| {
                let _ = fs::remove_file(&tmp);
                DataError::io(&dest, e)
            })?;
        written.push(dest);
    }
    if let Some(missing) = CIFAR10_FILES.iter().find(|f| !dir.join(f).is_file()) {
        return Err(DataError::format(
            archive,
            format!("the archive holds no {missing}"),
        ));
    }
    Ok(written)
}

/// Reads one CIFAR-10 binary batch file, appending u8 pixels and labels.
pub fn read_batch(path: &Path, pixels: &mut Vec<u8>, labels: &mut Vec<u8>) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    if bytes.is_empty() || !bytes.len().is_multiple_of(RECORD) {
        return Err(DataError::format(
            path,
            format!(
                "{} bytes is not a whole number of {RECORD}-byte CIFAR-10 records",
                bytes.len()
            ),
        ));
    }
    for record in bytes.chunks_exact(RECORD) {
        if record[0] > 9 {
            return Err(DataError::format(
                path,
                format!("label {} outside 0..=9", record[0]),
            ));
        }
        labels.push(record[0]);
        pixels.extend_from_slice(&record[1..]);
    }
    Ok(())
}

fn finish(pixels: Vec<u8>, labels: Vec<u8>, scaling: CifarScaling) -> Result<Dataset> {
    let mut features: Vec<f32> = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
    if let CifarScaling::GlobalContrast { scale } = scaling {
        for image in features.chunks_exact_mut(3072) {
            global_contrast_normalize(image, scale);
        }
    }
    Dataset::new(features, vec![3, 32, 32], Some(labels))
}

/// pylearn2's `global_contrast_normalize(X, scale, subtract_mean=True, use_std=False)` on one
/// row: subtract the mean, then divide by `‖x‖ / scale` (by 1 when the norm is below 1e-8).
pub fn global_contrast_normalize(row: &mut [f32], scale: f32) {
    let mean = row.iter().map(|&v| f64::from(v)).sum::<f64>() / row.len() as f64;
    let norm = row
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        .sqrt();
    let divisor = if norm / f64::from(scale) < 1e-8 {
        1.0
    } else {
        norm / f64::from(scale)
    };
    for v in row.iter_mut() {
        *v = ((f64::from(*v) - mean) / divisor) as f32;
    }
}
