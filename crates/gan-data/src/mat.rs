//! The numeric arrays of a MATLAB v5 `.mat` file (the format of `scipy.io.savemat` and of
//! MATLAB's `save -v6`/`-v7`), compressed or not. Cells, structs, characters and sparse arrays
//! are skipped; a complex numeric array is an error.
//!
//! Written here rather than taken from a crate: `matfile` 0.5 rejects every int32 array (its
//! class table maps `mxINT32` to `miUINT32`), and the one alternative, `matreader` 0.1, is a
//! first release that brings a command-line framework and a second `ndarray` with it.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{DataError, Result};

/// A decompressed element may be at most this large (the 96 × 96 TFD file holds 0.94 GB).
const MAX_ELEMENT_BYTES: u64 = 2 << 30;

/// One numeric array: its dimensions and its values in MATLAB's column-major order (the first
/// index varies fastest).
#[derive(Debug, Clone, PartialEq)]
pub struct MatArray {
    /// The variable's name.
    pub name: String,
    /// Its dimensions (at least two, as MATLAB stores them).
    pub dims: Vec<usize>,
    /// Its values.
    pub values: MatValues,
}

/// The values of a [`MatArray`]: bytes kept as bytes (images), anything else as `f64`.
#[derive(Debug, Clone, PartialEq)]
pub enum MatValues {
    /// Stored as `miUINT8`.
    U8(Vec<u8>),
    /// Stored as any other numeric type.
    F64(Vec<f64>),
}

impl MatValues {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            MatValues::U8(v) => v.len(),
            MatValues::F64(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value `i` as `f64`.
    pub fn get(&self, i: usize) -> f64 {
        match self {
            MatValues::U8(v) => f64::from(v[i]),
            MatValues::F64(v) => v[i],
        }
    }
}

/// Reads every numeric array of the MATLAB v5 file at `path`.
pub fn read_mat(path: &Path) -> Result<Vec<MatArray>> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    parse_mat(&bytes, path)
}

/// Parses the bytes of a MATLAB v5 file (`path` names it in errors).
pub fn parse_mat(bytes: &[u8], path: &Path) -> Result<Vec<MatArray>> {
    let bad = |why: &str| DataError::format(path, why.to_string());
    if bytes.len() < 128 {
        return Err(bad("shorter than a MATLAB v5 header (128 bytes)"));
    }
    let little = match &bytes[126..128] {
        b"IM" => true,
        b"MI" => false,
        _ => return Err(bad("not a MATLAB v5 file (no endian mark at byte 126)")),
    };
    let reader = Reader {
        little,
        path: path.to_path_buf(),
    };
    let mut arrays = Vec::new();
    let mut rest = &bytes[128..];
    while !rest.is_empty() {
        let (kind, data, next) = reader.element(rest)?;
        rest = next;
        let inflated;
        let (kind, data) = if kind == MI_COMPRESSED {
            inflated = reader.inflate(data)?;
            let (kind, data, _) = reader.element(&inflated)?;
            (kind, data)
        } else {
            (kind, data)
        };
        if kind == MI_MATRIX
            && let Some(array) = reader.matrix(data)?
        {
            arrays.push(array);
        }
    }
    Ok(arrays)
}

const MI_UINT8: u32 = 2;
const MI_INT32: u32 = 5;
const MI_UINT32: u32 = 6;
const MI_MATRIX: u32 = 14;
const MI_COMPRESSED: u32 = 15;
const MX_COMPLEX: u32 = 0x0800;
/// Numeric classes: mxDOUBLE (6) to mxUINT64 (15).
const NUMERIC_CLASSES: std::ops::RangeInclusive<u32> = 6..=15;

struct Reader {
    little: bool,
    path: PathBuf,
}

impl Reader {
    fn bad(&self, why: String) -> DataError {
        DataError::format(&self.path, why)
    }

    fn u32_at(&self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.little {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    }

    /// One data element: its type, its data and what follows it (padded to 8 bytes, except
    /// after compressed data).
    fn element<'a>(&self, b: &'a [u8]) -> Result<(u32, &'a [u8], &'a [u8])> {
        if b.len() < 8 {
            return Err(self.bad(format!(
                "{} stray bytes where an element tag belongs",
                b.len()
            )));
        }
        let first = self.u32_at(b);
        if first >> 16 != 0 {
            // Small data element: type and size in the first 4 bytes, data in the next 4.
            let size = (first >> 16) as usize;
            if size > 4 {
                return Err(self.bad(format!("a small element claims {size} bytes")));
            }
            return Ok((first & 0xffff, &b[4..4 + size], &b[8..]));
        }
        let size = self.u32_at(&b[4..]) as usize;
        let body = &b[8..];
        if size > body.len() {
            return Err(self.bad(format!(
                "an element claims {size} bytes, {} remain (truncated?)",
                body.len()
            )));
        }
        let padded = if first == MI_COMPRESSED {
            size
        } else {
            size.div_ceil(8) * 8
        };
        Ok((first, &body[..size], &body[padded.min(body.len())..]))
    }

    fn inflate(&self, data: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(data)
            .take(MAX_ELEMENT_BYTES)
            .read_to_end(&mut out)
            .map_err(|e| self.bad(format!("compressed element: {e}")))?;
        Ok(out)
    }

    /// A numeric matrix, or `None` for other classes.
    fn matrix(&self, b: &[u8]) -> Result<Option<MatArray>> {
        let (kind, flags, b) = self.element(b)?;
        if kind != MI_UINT32 || flags.len() < 8 {
            return Err(self.bad("a matrix without its array flags".into()));
        }
        let flags = self.u32_at(flags);
        if !NUMERIC_CLASSES.contains(&(flags & 0xff)) {
            return Ok(None);
        }
        let (kind, dims, b) = self.element(b)?;
        if kind != MI_INT32 || dims.len() < 8 || !dims.len().is_multiple_of(4) {
            return Err(self.bad("a matrix without its dimensions".into()));
        }
        let dims: Vec<usize> = dims
            .chunks(4)
            .map(|d| self.u32_at(d) as i32 as usize)
            .collect();
        let (_, name, b) = self.element(b)?;
        let name = String::from_utf8(name.to_vec())
            .map_err(|_| self.bad("an array name that is not text".into()))?;
        if flags & MX_COMPLEX != 0 {
            return Err(self.bad(format!("`{name}` is complex")));
        }
        let (kind, real, _) = self.element(b)?;
        let values = self.values(kind, real, &name)?;
        let count = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        if count != Some(values.len()) {
            return Err(self.bad(format!(
                "`{name}` has dimensions {dims:?} but {} values",
                values.len()
            )));
        }
        Ok(Some(MatArray { name, dims, values }))
    }

    fn values(&self, kind: u32, b: &[u8], name: &str) -> Result<MatValues> {
        let width = match kind {
            1 | 2 => 1,
            3 | 4 => 2,
            5..=7 => 4,
            9 | 12 | 13 => 8,
            other => return Err(self.bad(format!("`{name}` is stored as type {other}"))),
        };
        if !b.len().is_multiple_of(width) {
            return Err(self.bad(format!(
                "`{name}`: {} bytes of {width}-byte values",
                b.len()
            )));
        }
        if kind == MI_UINT8 {
            return Ok(MatValues::U8(b.to_vec()));
        }
        let le = self.little;
        let word = |c: &[u8]| -> f64 {
            let mut a = [0u8; 8];
            a[..c.len()].copy_from_slice(c);
            if !le {
                a[..c.len()].reverse();
            }
            let x = u64::from_le_bytes(a);
            match kind {
                1 => f64::from(x as u8 as i8),
                3 => f64::from(x as u16 as i16),
                4 => f64::from(x as u16),
                5 => f64::from(x as u32 as i32),
                6 => f64::from(x as u32),
                7 => f64::from(f32::from_bits(x as u32)),
                9 => f64::from_bits(x),
                12 => x as i64 as f64,
                _ => x as f64,
            }
        };
        Ok(MatValues::F64(b.chunks(width).map(word).collect()))
    }
}
