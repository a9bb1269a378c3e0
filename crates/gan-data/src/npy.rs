//! NumPy `.npy` arrays (format versions 1.0 to 3.0), read and written with the `npyz` crate.
//!
//! Reading accepts little-endian f32 (`<f4`), f64 (`<f8`) and u8 (`|u1`) arrays in C order with
//! at least one dimension, and flattens every dimension after the first: an `[n, a, b]` array
//! becomes `n` rows of `a·b` features (a 1-D array becomes `n` rows of one feature).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use npyz::WriterBuilder;

use crate::dataset::Dataset;
use crate::error::{DataError, Result};

/// Reads a `.npy` file into a dataset (see the module docs for what is accepted). u8 values
/// are kept as `0..=255`; [`read_npy_scaled`] divides them by 255.
pub fn read_npy(path: &Path) -> Result<Dataset> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    parse_npy(&bytes, path, false)
}

/// As [`read_npy`], with u8 arrays scaled to `[0, 1]` (float arrays are left as they are).
pub fn read_npy_scaled(path: &Path) -> Result<Dataset> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    parse_npy(&bytes, path, true)
}

/// Parses `.npy` bytes (the fuzz target's entry point); `path` is only used in errors.
pub fn parse_npy(bytes: &[u8], path: &Path, scale_u8: bool) -> Result<Dataset> {
    let bad = |reason: String| DataError::format(path, reason);
    check_preamble(bytes).map_err(bad)?;
    let file = npyz::NpyFile::new(bytes).map_err(|e| bad(format!("not a valid .npy file: {e}")))?;
    let header = file.header().clone();
    if header.order() != npyz::Order::C {
        return Err(bad(
            "Fortran-ordered arrays are not supported; save with C order".into(),
        ));
    }
    let shape: Vec<usize> = header.shape().iter().map(|&d| d as usize).collect();
    if shape.is_empty() {
        return Err(bad("0-dimensional arrays are not supported".into()));
    }
    let dtype = match header.dtype() {
        npyz::DType::Plain(t) => t.to_string(),
        other => return Err(bad(format!("unsupported structured dtype {other:?}"))),
    };
    let item = match dtype.as_str() {
        "<f4" => 4,
        "<f8" => 8,
        "|u1" | "<u1" => 1,
        _ => {
            return Err(bad(format!(
                "unsupported dtype `{dtype}` (supported: little-endian f32 `<f4`, f64 `<f8`, u8 `|u1`)"
            )));
        }
    };
    let count = shape
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
        .ok_or_else(|| bad(format!("shape {shape:?} overflows")))?;
    let data = file.into_inner();
    // Check the payload against the header before allocating anything from its numbers.
    let expected = count
        .checked_mul(item)
        .ok_or_else(|| bad(format!("shape {shape:?} overflows")))?;
    if data.len() as u64 != expected {
        return Err(DataError::Length {
            path: path.to_path_buf(),
            expected,
            actual: data.len() as u64,
        });
    }
    let values: Vec<f32> = match item {
        4 => data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        8 => data
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("chunks of 8")) as f32)
            .collect(),
        _ => {
            let divisor = if scale_u8 { 255.0 } else { 1.0 };
            data.iter().map(|&v| f32::from(v) / divisor).collect()
        }
    };
    let item_shape = if shape.len() == 1 {
        vec![1]
    } else {
        shape[1..].to_vec()
    };
    if item_shape.contains(&0) {
        return Err(bad(format!(
            "shape {shape:?} has an empty feature dimension"
        )));
    }
    Dataset::new(values, item_shape, None)
}

/// Checks the magic, version and header length against the bytes present. npyz allocates the
/// header buffer from the length field before reading it (a 4 GiB request for a lying version-2
/// file, found by fuzzing), so the length is bounded here first.
fn check_preamble(bytes: &[u8]) -> std::result::Result<(), String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (bad magic)".into());
    }
    let (len, start) = match bytes[6] {
        1 => (u64::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10u64),
        2 | 3 if bytes.len() >= 12 => (
            u64::from(u32::from_le_bytes([
                bytes[8], bytes[9], bytes[10], bytes[11],
            ])),
            12,
        ),
        v => return Err(format!("unsupported .npy format version {v}")),
    };
    if start + len > bytes.len() as u64 {
        return Err(format!(
            "header announces {len} bytes but the file has {}",
            bytes.len() as u64 - start.min(bytes.len() as u64)
        ));
    }
    Ok(())
}

/// Writes `values` as a C-order little-endian f32 `.npy` array of `shape`, atomically
/// (a temporary file renamed into place).
pub fn write_npy(path: &Path, values: &[f32], shape: &[usize]) -> Result<()> {
    let count: usize = shape.iter().product();
    if count != values.len() {
        return Err(DataError::Invalid(format!(
            "{} values do not fill shape {shape:?} ({count} elements)",
            values.len()
        )));
    }
    let tmp = path.with_extension("npy.tmp");
    let result = (|| {
        let file = File::create(&tmp)?;
        let mut out = BufWriter::new(file);
        {
            let dims: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
            let mut writer = npyz::WriteOptions::<f32>::new()
                .default_dtype()
                .shape(&dims)
                .writer(&mut out)
                .begin_nd()?;
            writer.extend(values.iter().copied())?;
            writer.finish()?;
        }
        out.flush()?;
        out.get_ref().sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| DataError::io(path, e))
}
