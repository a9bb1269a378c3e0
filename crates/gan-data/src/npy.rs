//! NumPy `.npy` arrays (format versions 1.0 to 3.0), read and written with the `npyz` crate.
//!
//! Reading accepts little-endian f32 (`<f4`), f64 (`<f8`) and u8 (`|u1`) arrays in C order with
//! at least one dimension, and flattens every dimension after the first: an `[n, a, b]` array
//! becomes `n` rows of `a·b` features (a 1-D array becomes `n` rows of one feature).

use std::io::Read;
use std::path::Path;

use crate::dataset::Dataset;
use crate::error::{DataError, Result};
use crate::rows::{Encoding, payload_bytes};

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

/// The element types `.npy` arrays may hold here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NpyElement {
    /// `|u1`.
    U8,
    /// `<f4`.
    F32,
    /// `<f8`.
    F64,
}

/// Parses `.npy` bytes (the fuzz target's entry point); `path` is only used in errors.
pub fn parse_npy(bytes: &[u8], path: &Path, scale_u8: bool) -> Result<Dataset> {
    let prefix = &bytes[..bytes.len().min(12)];
    let (element, shape, data) =
        read_npy_header(prefix, &bytes[prefix.len()..], bytes.len() as u64, path)?;
    let divisor = if scale_u8 && element == NpyElement::U8 {
        255.0
    } else {
        1.0
    };
    let mut values = Vec::with_capacity(data.len() / Encoding::Npy(element).size());
    Encoding::Npy(element).decode(data, divisor, &mut values);
    let item_shape = if shape.len() == 1 {
        vec![1]
    } else {
        shape[1..].to_vec()
    };
    Dataset::new(values, item_shape, None)
}

/// Reads a `.npy` header from `prefix` (the file's first bytes, up to 12) and `rest`, and
/// checks it: C order, at least one dimension, a supported dtype, no empty feature dimension,
/// and a payload of exactly the header's size in a file of `total_len` bytes. Returns the
/// element type, the shape and `rest` positioned at the payload.
pub(crate) fn read_npy_header<R: Read>(
    prefix: &[u8],
    rest: R,
    total_len: u64,
    path: &Path,
) -> Result<(NpyElement, Vec<usize>, R)> {
    let bad = |reason: String| DataError::format(path, reason);
    let header_end = check_preamble(prefix, total_len).map_err(bad)?;
    // The header text, read and checked before npyz parses it (see `check_header_text`).
    let mut rest = rest;
    let text_len = header_end.saturating_sub(prefix.len() as u64);
    if text_len > MAX_HEADER_BYTES {
        return Err(bad(format!(
            "a header of {header_end} bytes (NumPy writes under {MAX_HEADER_BYTES})"
        )));
    }
    let mut head = prefix.to_vec();
    (&mut rest)
        .take(text_len)
        .read_to_end(&mut head)
        .map_err(|e| DataError::io(path, e))?;
    check_header_text(&head[prefix.len().min(head.len())..]).map_err(bad)?;
    let file = npyz::NpyFile::new(std::io::Cursor::new(head).chain(rest))
        .map_err(|e| bad(format!("not a valid .npy file: {e}")))?;
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
    let element = match dtype.as_str() {
        "<f4" => NpyElement::F32,
        "<f8" => NpyElement::F64,
        "|u1" | "<u1" => NpyElement::U8,
        _ => {
            return Err(bad(format!(
                "unsupported dtype `{dtype}` (supported: little-endian f32 `<f4`, f64 `<f8`, u8 `|u1`)"
            )));
        }
    };
    if shape.len() > 1 && shape[1..].contains(&0) {
        return Err(bad(format!(
            "shape {shape:?} has an empty feature dimension"
        )));
    }
    // Check the payload against the header before allocating anything from its numbers.
    let expected = payload_bytes(&shape, Encoding::Npy(element).size(), path)?;
    let actual = total_len.saturating_sub(header_end);
    if actual != expected {
        return Err(DataError::Length {
            path: path.to_path_buf(),
            expected,
            actual,
        });
    }
    let (cursor, rest) = file.into_inner().into_inner();
    debug_assert_eq!(cursor.position(), cursor.get_ref().len() as u64);
    Ok((element, shape, rest))
}

/// The longest header read: NumPy pads a plain array's header to a few dozen bytes.
const MAX_HEADER_BYTES: u64 = 64 * 1024;

/// A plain array's header is a dict of a dtype string, a bool and one shape tuple. Anything
/// nested deeper is refused before npyz's parser sees it: its grammar backtracks, and a
/// 276-byte header of nested braces kept it busy for minutes (found by fuzzing).
fn check_header_text(text: &[u8]) -> std::result::Result<(), String> {
    let count = |c: u8| text.iter().filter(|&&b| b == c).count();
    if count(b'{') > 1 || count(b'(') > 1 || count(b'[') > 0 {
        return Err("the header is not a plain array's (nested or structured)".into());
    }
    Ok(())
}

/// Checks the magic, version and header length against the file's length; returns where the
/// payload starts. npyz allocates the header buffer from the length field before reading it
/// (a 4 GiB request for a lying version-2 file, found by fuzzing), so the length is bounded
/// here first.
fn check_preamble(prefix: &[u8], total_len: u64) -> std::result::Result<u64, String> {
    if prefix.len() < 10 || &prefix[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (bad magic)".into());
    }
    let (len, start) = match prefix[6] {
        1 => (u64::from(u16::from_le_bytes([prefix[8], prefix[9]])), 10u64),
        2 | 3 if prefix.len() >= 12 => (
            u64::from(u32::from_le_bytes([
                prefix[8], prefix[9], prefix[10], prefix[11],
            ])),
            12,
        ),
        v => return Err(format!("unsupported .npy format version {v}")),
    };
    if start + len > total_len {
        return Err(format!(
            "header announces {len} bytes but the file has {}",
            total_len - start.min(total_len)
        ));
    }
    Ok(start + len)
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
    let mut writer = crate::NpyRowWriter::create(path, shape)?;
    writer.write(values)?;
    writer.finish()
}
