//! The IDX format of MNIST: a 4-byte magic (`0, 0, type, ndims`), `ndims` big-endian u32
//! dimensions, then the elements in C order, big-endian.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use flate2::read::GzDecoder;

use crate::error::{DataError, Result};
use crate::rows::{Encoding, payload_bytes};

/// The element type announced by an IDX file's third magic byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdxType {
    /// `0x08`: unsigned byte.
    U8,
    /// `0x09`: signed byte.
    I8,
    /// `0x0B`: big-endian i16.
    I16,
    /// `0x0C`: big-endian i32.
    I32,
    /// `0x0D`: big-endian f32.
    F32,
    /// `0x0E`: big-endian f64.
    F64,
}

impl IdxType {
    fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0x08 => IdxType::U8,
            0x09 => IdxType::I8,
            0x0B => IdxType::I16,
            0x0C => IdxType::I32,
            0x0D => IdxType::F32,
            0x0E => IdxType::F64,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            IdxType::U8 | IdxType::I8 => 1,
            IdxType::I16 => 2,
            IdxType::I32 | IdxType::F32 => 4,
            IdxType::F64 => 8,
        }
    }
}

/// A decoded IDX array: element type, dimensions and the raw big-endian payload.
#[derive(Debug, Clone, PartialEq)]
pub struct IdxArray {
    /// The element type in the file.
    pub dtype: IdxType,
    /// The dimensions, outermost first.
    pub dims: Vec<usize>,
    /// The raw payload, big-endian, `dims.product() * dtype.size()` bytes.
    pub bytes: Vec<u8>,
}

impl IdxArray {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.dims.iter().product()
    }

    /// Whether the array holds no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements converted to f32 (u8 values are kept as 0..=255; scale them yourself).
    pub fn to_f32(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.len());
        Encoding::Idx(self.dtype).decode(&self.bytes, 1.0, &mut out);
        out
    }
}

/// Reads an IDX file, raw or gzip-compressed (recognised by its gzip magic, not its name).
///
/// The payload length is checked against the header; memory grows with the bytes actually
/// present, never with a size taken from the header alone.
pub fn read_idx(path: &Path) -> Result<IdxArray> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let file_len = file.metadata().map_err(|e| DataError::io(path, e))?.len();
    let mut reader = BufReader::new(file);
    let mut magic = [0u8; 2];
    let got = read_up_to(&mut reader, &mut magic).map_err(|e| DataError::io(path, e))?;
    let head = std::io::Cursor::new(magic[..got].to_vec()).chain(reader);
    if got == 2 && magic == [0x1f, 0x8b] {
        // A gzip member can expand ~1000x; the header check below still bounds what we keep.
        parse_idx(GzDecoder::new(head), path, None, true)
    } else {
        parse_idx(head, path, Some(file_len), false)
    }
}

/// Parses IDX from any byte stream (the fuzz target's entry point). `known_len` is the stream's
/// total length when known, checked before reading the payload.
pub fn parse_idx_bytes(bytes: &[u8], path: &Path) -> Result<IdxArray> {
    parse_idx(bytes, path, Some(bytes.len() as u64), false)
}

/// The error of a failed read: a gzip stream's, or the file's.
fn read_error(e: std::io::Error, path: &Path, gz: bool) -> DataError {
    if gz {
        DataError::Gzip {
            path: path.to_path_buf(),
            source: e,
        }
    } else {
        DataError::io(path, e)
    }
}

/// Reads and checks an IDX header: the element type and the dimensions.
pub(crate) fn read_idx_header(
    r: &mut impl Read,
    path: &Path,
    gz: bool,
) -> Result<(IdxType, Vec<usize>)> {
    let wrap = |e: std::io::Error| read_error(e, path, gz);
    let mut magic = [0u8; 4];
    let got = read_up_to(r, &mut magic).map_err(wrap)?;
    if got < 4 {
        return Err(DataError::format(
            path,
            format!("file too short for an IDX header ({got} bytes)"),
        ));
    }
    if magic[0] != 0 || magic[1] != 0 {
        return Err(DataError::format(
            path,
            format!(
                "bad IDX magic {:02x} {:02x} {:02x} {:02x} (must start with 00 00)",
                magic[0], magic[1], magic[2], magic[3]
            ),
        ));
    }
    let dtype = IdxType::from_byte(magic[2]).ok_or_else(|| {
        DataError::format(
            path,
            format!("unknown IDX element type byte 0x{:02x}", magic[2]),
        )
    })?;
    let ndims = usize::from(magic[3]);
    if ndims == 0 {
        return Err(DataError::format(path, "IDX header has 0 dimensions"));
    }
    let mut dim_bytes = vec![0u8; 4 * ndims];
    let got = read_up_to(r, &mut dim_bytes).map_err(wrap)?;
    if got < dim_bytes.len() {
        return Err(DataError::format(
            path,
            format!(
                "IDX header truncated: {ndims} dimensions announced, {got} bytes of them present"
            ),
        ));
    }
    let dims: Vec<usize> = dim_bytes
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    dims.iter()
        .try_fold(dtype.size() as u64, |acc, &d| acc.checked_mul(d as u64))
        .ok_or_else(|| DataError::format(path, format!("IDX dimensions {dims:?} overflow")))?;
    Ok((dtype, dims))
}

fn parse_idx(mut r: impl Read, path: &Path, known_len: Option<u64>, gz: bool) -> Result<IdxArray> {
    let wrap = |e: std::io::Error| read_error(e, path, gz);
    let (dtype, dims) = read_idx_header(&mut r, path, gz)?;
    let expected = payload_bytes(&dims, dtype.size(), path)?;
    let ndims = dims.len();
    let header_len = 4 + 4 * ndims as u64;
    if let Some(total) = known_len {
        let actual = total.saturating_sub(header_len);
        if actual != expected {
            return Err(DataError::Length {
                path: path.to_path_buf(),
                expected,
                actual,
            });
        }
    }
    // Read one byte past the announced end to detect trailing data.
    let mut bytes = Vec::new();
    r.take(expected + 1).read_to_end(&mut bytes).map_err(wrap)?;
    if bytes.len() as u64 != expected {
        return Err(DataError::Length {
            path: path.to_path_buf(),
            expected,
            actual: bytes.len() as u64,
        });
    }
    Ok(IdxArray { dtype, dims, bytes })
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
pub(crate) fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
