//! Datasets from files users bring: a directory of PNG/JPEG images (optionally one
//! subdirectory per class), and NumPy or IDX arrays with a labels file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use image::ColorType;

use crate::dataset::Dataset;
use crate::error::{DataError, Result};
use crate::idx::read_idx;
use crate::npy::{read_npy, read_npy_scaled};

const IMAGE_EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

fn io(path: &Path, source: std::io::Error) -> DataError {
    DataError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The image files of `dir` (by name), skipping files with other extensions.
fn image_files(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let path = entry.map_err(|e| io(dir, e))?.path();
        if path.is_dir() {
            dirs.push(path);
        } else if is_image(&path) {
            files.push(path);
        }
    }
    files.sort();
    dirs.sort();
    Ok((files, dirs))
}

/// A directory of PNG or JPEG images, all of one size, as a dataset of `[C, H, W]` items with
/// pixels in `[0, 1]`: `C = 1` when every image is grey, else `C = 3` (grey images are
/// repeated over the three channels; alpha is dropped).
///
/// Images directly in `dir` are unlabelled. When `dir` holds only subdirectories, each one is
/// a class (labels `0, 1, …` in the order of their names, as torchvision's `ImageFolder`).
/// Files without a `.png`, `.jpg` or `.jpeg` extension are skipped; a file with one that does
/// not decode is an error, and so are images of different sizes (the message names a file of
/// each size) and a directory without images.
pub fn read_image_dir(dir: &Path) -> Result<Dataset> {
    let invalid = |reason: String| DataError::Format {
        path: dir.to_path_buf(),
        reason,
    };
    let (top, subdirs) = image_files(dir)?;
    let mut entries: Vec<(PathBuf, Option<u8>)> = Vec::new();
    if top.is_empty() {
        if subdirs.len() > 256 {
            return Err(invalid(format!(
                "{} class directories (at most 256)",
                subdirs.len()
            )));
        }
        for (class, sub) in subdirs.iter().enumerate() {
            let (files, _) = image_files(sub)?;
            entries.extend(files.into_iter().map(|f| (f, Some(class as u8))));
        }
    } else {
        entries.extend(top.into_iter().map(|f| (f, None)));
    }
    if entries.is_empty() {
        return Err(invalid("no .png, .jpg or .jpeg images".into()));
    }
    let mut images = Vec::with_capacity(entries.len());
    let mut sizes: BTreeMap<(u32, u32), &Path> = BTreeMap::new();
    for (path, _) in &entries {
        let image = image::open(path).map_err(|e| DataError::Format {
            path: path.clone(),
            reason: format!("not a readable image: {e}"),
        })?;
        sizes.entry((image.width(), image.height())).or_insert(path);
        images.push(image);
    }
    if sizes.len() > 1 {
        let list: Vec<String> = sizes
            .iter()
            .map(|((w, h), p)| format!("{} is {w}×{h}", p.display()))
            .collect();
        return Err(invalid(format!(
            "images differ in size: {}",
            list.join(", ")
        )));
    }
    let colour = images.iter().any(|i| i.color().has_color());
    let (w, h) = (images[0].width() as usize, images[0].height() as usize);
    let channels = if colour { 3 } else { 1 };
    let mut values = Vec::with_capacity(images.len() * channels * w * h);
    for image in images {
        // 8-bit images as MNIST's bytes are read (v / 255, exactly); deeper ones in f32.
        let eight_bit = matches!(
            image.color(),
            ColorType::L8 | ColorType::La8 | ColorType::Rgb8 | ColorType::Rgba8
        );
        let pixels: Vec<f32> = match (colour, eight_bit) {
            (true, true) => scale_bytes(image.to_rgb8().into_raw()),
            (true, false) => image.to_rgb32f().into_raw(),
            (false, true) => scale_bytes(image.to_luma8().into_raw()),
            (false, false) => image.to_luma32f().into_raw(),
        };
        if colour {
            // Interleaved RGB to planar [3, H, W].
            for c in 0..3 {
                values.extend(pixels.iter().skip(c).step_by(3));
            }
        } else {
            values.extend(pixels);
        }
    }
    let labels = entries[0].1.is_some().then(|| {
        entries
            .iter()
            .map(|(_, l)| l.expect("every entry of a class directory is labelled"))
            .collect()
    });
    Dataset::new(values, vec![channels, h, w], labels)
}

fn scale_bytes(bytes: Vec<u8>) -> Vec<f32> {
    bytes.into_iter().map(|v| f32::from(v) / 255.0).collect()
}

/// A `.npy` (f32, f64 or u8, u8 scaled to `[0, 1]`) or IDX array of samples, each keeping its
/// shape, with labels from a second `.npy` or IDX file (integers in `0..=255`, one per
/// sample).
pub fn read_array_with_labels(samples: &Path, labels: &Path) -> Result<Dataset> {
    let data = read_array(samples)?;
    let raw = if is_npy(labels) {
        read_npy(labels)?.features().to_vec()
    } else {
        read_idx(labels)?.to_f32()
    };
    let labels_u8 = raw
        .iter()
        .map(|&v| {
            if v.fract() == 0.0 && (0.0..=255.0).contains(&v) {
                Ok(v as u8)
            } else {
                Err(DataError::Format {
                    path: labels.to_path_buf(),
                    reason: format!("label {v} is not an integer in 0..=255"),
                })
            }
        })
        .collect::<Result<Vec<u8>>>()?;
    data.with_labels(labels_u8).map_err(|e| DataError::Format {
        path: labels.to_path_buf(),
        reason: e.to_string(),
    })
}

pub(crate) fn is_npy(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
}

/// A `.npy` (u8 scaled to `[0, 1]`) or IDX (u8 scaled to `[0, 1]`) array of samples, each
/// keeping its shape.
pub fn read_array(path: &Path) -> Result<Dataset> {
    if is_npy(path) {
        return read_npy_scaled(path);
    }
    let idx = read_idx(path)?;
    let divisor = if idx.dtype == crate::IdxType::U8 {
        255.0
    } else {
        1.0
    };
    let item = if idx.dims.len() == 1 {
        vec![1]
    } else {
        idx.dims[1..].to_vec()
    };
    let values = idx.to_f32().into_iter().map(|v| v / divisor).collect();
    Dataset::new(values, item, None)
}
