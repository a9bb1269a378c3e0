//! Arrays a chunk of rows at a time: [`ArrayRows`] reads an IDX (raw or gzip) or `.npy` file
//! as [`crate::read_array`] does, without holding more than one chunk; [`NpyRowWriter`]
//! writes a `.npy` array row by row, atomically. Commands whose work grows with their input
//! use them so that only their output grows with the number of rows.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use npyz::WriterBuilder;

use crate::dataset::Dataset;
use crate::error::{DataError, Result};
use crate::idx::{IdxType, read_idx_header, read_up_to};
use crate::npy::{NpyElement, read_npy_header};

/// How a file stores its elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// IDX's big-endian types.
    Idx(IdxType),
    /// `.npy`'s little-endian types.
    Npy(NpyElement),
}

impl Encoding {
    /// Bytes per element.
    pub(crate) fn size(self) -> usize {
        match self {
            Encoding::Idx(t) => t.size(),
            Encoding::Npy(NpyElement::U8) => 1,
            Encoding::Npy(NpyElement::F32) => 4,
            Encoding::Npy(NpyElement::F64) => 8,
        }
    }

    /// Whether the elements are bytes, which `read_array` scales to `[0, 1]`.
    pub(crate) fn is_u8(self) -> bool {
        matches!(
            self,
            Encoding::Idx(IdxType::U8) | Encoding::Npy(NpyElement::U8)
        )
    }

    /// `bytes` (whole elements) as f32, each divided by `divisor`.
    pub(crate) fn decode(self, bytes: &[u8], divisor: f32, out: &mut Vec<f32>) {
        let be4 = |c: &[u8]| [c[0], c[1], c[2], c[3]];
        let eight = |c: &[u8]| -> [u8; 8] { c.try_into().expect("chunks of 8") };
        let values: Box<dyn Iterator<Item = f32> + '_> = match self {
            Encoding::Idx(IdxType::U8) | Encoding::Npy(NpyElement::U8) => {
                Box::new(bytes.iter().map(|&v| f32::from(v)))
            }
            Encoding::Idx(IdxType::I8) => Box::new(bytes.iter().map(|&v| f32::from(v as i8))),
            Encoding::Idx(IdxType::I16) => Box::new(
                bytes
                    .chunks_exact(2)
                    .map(|c| f32::from(i16::from_be_bytes([c[0], c[1]]))),
            ),
            Encoding::Idx(IdxType::I32) => Box::new(
                bytes
                    .chunks_exact(4)
                    .map(move |c| i32::from_be_bytes(be4(c)) as f32),
            ),
            Encoding::Idx(IdxType::F32) => Box::new(
                bytes
                    .chunks_exact(4)
                    .map(move |c| f32::from_be_bytes(be4(c))),
            ),
            Encoding::Idx(IdxType::F64) => Box::new(
                bytes
                    .chunks_exact(8)
                    .map(move |c| f64::from_be_bytes(eight(c)) as f32),
            ),
            Encoding::Npy(NpyElement::F32) => Box::new(
                bytes
                    .chunks_exact(4)
                    .map(move |c| f32::from_le_bytes(be4(c))),
            ),
            Encoding::Npy(NpyElement::F64) => Box::new(
                bytes
                    .chunks_exact(8)
                    .map(move |c| f64::from_le_bytes(eight(c)) as f32),
            ),
        };
        if divisor == 1.0 {
            out.extend(values);
        } else {
            out.extend(values.map(|v| v / divisor));
        }
    }
}

/// The rows of an array file, read a chunk at a time: IDX (raw or gzip, recognised by its
/// magic) or `.npy`, each item flattened to one row, u8 elements scaled to `[0, 1]`, exactly
/// as [`crate::read_array`] reads the whole file.
///
/// The header is read and checked when the file is opened: a raw file's length must match it
/// then; a gzip stream's length is checked as it is read, and a chunk past its end, or bytes
/// after the last row, are [`DataError::Length`].
pub struct ArrayRows {
    path: PathBuf,
    source: Box<dyn Read + Send>,
    gz: bool,
    encoding: Encoding,
    rows: usize,
    item_shape: Vec<usize>,
    dim: usize,
    next: usize,
}

impl std::fmt::Debug for ArrayRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArrayRows")
            .field("path", &self.path)
            .field("rows", &self.rows)
            .field("item_shape", &self.item_shape)
            .field("next", &self.next)
            .finish()
    }
}

impl ArrayRows {
    /// Opens `path` and reads its header.
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| DataError::io(path, e))?;
        let file_len = file.metadata().map_err(|e| DataError::io(path, e))?.len();
        let mut reader = BufReader::new(file);
        let mut prefix = vec![0u8; 12];
        let got = read_up_to(&mut reader, &mut prefix).map_err(|e| DataError::io(path, e))?;
        prefix.truncate(got);
        // As `read_array`: `.npy` by its name, IDX (raw or gzip) otherwise.
        if crate::images::is_npy(path) {
            let (element, shape, reader) = read_npy_header(&prefix, reader, file_len, path)?;
            return Self::new(path, Box::new(reader), false, Encoding::Npy(element), shape);
        }
        let head = std::io::Cursor::new(prefix.clone()).chain(reader);
        let gz = prefix.starts_with(&[0x1f, 0x8b]);
        let mut source: Box<dyn Read + Send> = if gz {
            Box::new(GzDecoder::new(head))
        } else {
            Box::new(head)
        };
        let (dtype, dims) = read_idx_header(&mut source, path, gz)?;
        if !gz {
            let header_len = 4 + 4 * dims.len() as u64;
            let expected = payload_bytes(&dims, dtype.size(), path)?;
            let actual = file_len.saturating_sub(header_len);
            if actual != expected {
                return Err(DataError::Length {
                    path: path.to_path_buf(),
                    expected,
                    actual,
                });
            }
        }
        Self::new(path, source, gz, Encoding::Idx(dtype), dims)
    }

    fn new(
        path: &Path,
        source: Box<dyn Read + Send>,
        gz: bool,
        encoding: Encoding,
        shape: Vec<usize>,
    ) -> Result<Self> {
        payload_bytes(&shape, encoding.size(), path)?;
        let item_shape = if shape.len() == 1 {
            vec![1]
        } else {
            shape[1..].to_vec()
        };
        // Checked: with no rows, the payload's size says nothing of an item's.
        let dim = item_shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .filter(|&dim| dim > 0)
            .ok_or_else(|| {
                DataError::format(
                    path,
                    format!("shape {shape:?} has an empty or oversized item"),
                )
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            source,
            gz,
            encoding,
            rows: shape[0],
            item_shape,
            dim,
            next: 0,
        })
    }

    /// Rows in the file.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Values per row.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The shape of one item.
    pub fn item_shape(&self) -> &[usize] {
        &self.item_shape
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next at most `max_rows` rows (at least one), or `None` after the last; after the
    /// last row, the stream is checked to have ended.
    pub fn next_chunk(&mut self, max_rows: usize) -> Result<Option<Dataset>> {
        if self.next == self.rows {
            if self.gz {
                self.check_end()?;
                self.gz = false;
            }
            return Ok(None);
        }
        let take = max_rows.max(1).min(self.rows - self.next);
        let row_bytes = self.dim * self.encoding.size();
        // Grown with the bytes actually read: a gzip header may announce rows it lacks.
        let want = (take * row_bytes) as u64;
        let mut bytes = Vec::new();
        let read = (&mut self.source).take(want).read_to_end(&mut bytes);
        let got = read.map_err(|e| self.error(e))?;
        if (got as u64) < want {
            return Err(DataError::Length {
                path: self.path.clone(),
                expected: (self.rows * row_bytes) as u64,
                actual: (self.next * row_bytes + got) as u64,
            });
        }
        let divisor = if self.encoding.is_u8() { 255.0 } else { 1.0 };
        let mut values = Vec::with_capacity(take * self.dim);
        self.encoding.decode(&bytes, divisor, &mut values);
        self.next += take;
        Dataset::new(values, self.item_shape.clone(), None).map(Some)
    }

    fn check_end(&mut self) -> Result<()> {
        let mut extra = [0u8; 1];
        if read_up_to(&mut self.source, &mut extra).map_err(|e| self.error(e))? > 0 {
            let row_bytes = (self.dim * self.encoding.size()) as u64;
            return Err(DataError::Length {
                path: self.path.clone(),
                expected: self.rows as u64 * row_bytes,
                actual: self.rows as u64 * row_bytes + 1,
            });
        }
        Ok(())
    }

    fn error(&self, e: std::io::Error) -> DataError {
        if self.gz {
            DataError::Gzip {
                path: self.path.clone(),
                source: e,
            }
        } else {
            DataError::io(&self.path, e)
        }
    }
}

/// The payload's length in bytes from a shape, with checked arithmetic.
pub(crate) fn payload_bytes(shape: &[usize], item: usize, path: &Path) -> Result<u64> {
    shape
        .iter()
        .try_fold(item as u64, |acc, &d| acc.checked_mul(d as u64))
        .ok_or_else(|| DataError::format(path, format!("shape {shape:?} overflows")))
}

/// A float32 `.npy` array written row by row: its shape is declared first, the file appears at
/// its path only when [`NpyRowWriter::finish`] has written every row (a temporary file renamed
/// into place), so an interrupted command leaves nothing half-written.
pub struct NpyRowWriter {
    path: PathBuf,
    tmp: PathBuf,
    file: File,
    writer: Option<npyz::NpyWriter<f32, BufWriter<File>>>,
    expected: usize,
    written: usize,
}

impl NpyRowWriter {
    /// Starts `path`, an array of `shape` (rows first).
    pub fn create(path: &Path, shape: &[usize]) -> Result<Self> {
        let expected = payload_bytes(shape, 1, path)? as usize;
        let tmp = path.with_extension("npy.tmp");
        let file = File::create(&tmp).map_err(|e| DataError::io(path, e))?;
        let sync = file.try_clone().map_err(|e| DataError::io(path, e))?;
        let dims: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
        let writer = npyz::WriteOptions::<f32>::new()
            .default_dtype()
            .shape(&dims)
            .writer(BufWriter::new(file))
            .begin_nd()
            .map_err(|e| DataError::io(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            tmp,
            file: sync,
            writer: Some(writer),
            expected,
            written: 0,
        })
    }

    /// Appends values (whole rows, in order).
    pub fn write(&mut self, values: &[f32]) -> Result<()> {
        if self.written + values.len() > self.expected {
            return Err(DataError::Invalid(format!(
                "{} values past the {} the array's shape holds",
                self.written + values.len(),
                self.expected
            )));
        }
        let writer = self.writer.as_mut().expect("writer until finished");
        writer
            .extend(values.iter().copied())
            .map_err(|e| DataError::io(&self.path, e))?;
        self.written += values.len();
        Ok(())
    }

    /// Checks that every value was written, syncs and renames the file into place.
    pub fn finish(mut self) -> Result<()> {
        if self.written != self.expected {
            return Err(DataError::Invalid(format!(
                "{} values written of the {} the array's shape holds",
                self.written, self.expected
            )));
        }
        let writer = self.writer.take().expect("writer until finished");
        let result = writer
            .finish()
            .and_then(|()| self.file.sync_all())
            .and_then(|()| std::fs::rename(&self.tmp, &self.path));
        if result.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        result.map_err(|e| DataError::io(&self.path, e))
    }
}

impl Drop for NpyRowWriter {
    /// An unfinished array is removed, never left at its path.
    fn drop(&mut self) {
        if self.writer.is_some() {
            drop(self.writer.take());
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
