//! Arrays a chunk at a time: `ArrayRows` against values the test computes from the bytes it
//! wrote, damaged streams, and `NpyRowWriter`'s atomic output.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use gan_data::{ArrayRows, DataError, NpyRowWriter, read_array};

fn idx_bytes(type_byte: u8, dims: &[u32], payload: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, type_byte, dims.len() as u8];
    for d in dims {
        b.extend_from_slice(&d.to_be_bytes());
    }
    b.extend_from_slice(payload);
    b
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A version-1 `.npy` file written by hand.
fn npy_bytes(descr: &str, shape: &str, payload: &[u8]) -> Vec<u8> {
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    let pad = (64 - (10 + dict.len() + 1) % 64) % 64;
    let header = format!("{dict}{}\n", " ".repeat(pad));
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&(header.len() as u16).to_le_bytes());
    b.extend_from_slice(header.as_bytes());
    b.extend_from_slice(payload);
    b
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Every chunk of at most `chunk` rows, concatenated, with the chunks' row counts.
fn read_chunked(path: &Path, chunk: usize) -> Result<(Vec<f32>, Vec<usize>), DataError> {
    let mut rows = ArrayRows::open(path)?;
    let (mut values, mut sizes) = (Vec::new(), Vec::new());
    while let Some(part) = rows.next_chunk(chunk)? {
        assert_eq!(part.dim(), rows.dim());
        sizes.push(part.len());
        values.extend_from_slice(part.features());
    }
    Ok((values, sizes))
}

#[test]
fn chunks_hold_the_values_written_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    // 7 items of 2×3 bytes: u8 values scaled by 1/255.
    let bytes: Vec<u8> = (0..42u8).map(|v| v * 6).collect();
    let scaled: Vec<f32> = bytes.iter().map(|&v| f32::from(v) / 255.0).collect();
    let floats: Vec<f32> = (0..42).map(|i| i as f32 * 0.25 - 3.0).collect();
    let be: Vec<u8> = floats.iter().flat_map(|v| v.to_be_bytes()).collect();
    let le64: Vec<u8> = floats
        .iter()
        .flat_map(|&v| f64::from(v).to_le_bytes())
        .collect();
    let shorts: Vec<u8> = (0..42i16)
        .flat_map(|v| (v * 100 - 2000).to_be_bytes())
        .collect();
    let short_values: Vec<f32> = (0..42).map(|v| (v * 100 - 2000) as f32).collect();
    let raw = idx_bytes(0x08, &[7, 2, 3], &bytes);
    let cases = [
        ("raw.idx", raw.clone(), &scaled),
        ("any-name", gz(&raw), &scaled),
        ("f32.idx", idx_bytes(0x0D, &[7, 6], &be), &floats),
        (
            "i16.idx.gz",
            gz(&idx_bytes(0x0B, &[7, 6], &shorts)),
            &short_values,
        ),
        ("u8.npy", npy_bytes("|u1", "(7, 2, 3)", &bytes), &scaled),
        ("f64.npy", npy_bytes("<f8", "(7, 6)", &le64), &floats),
    ];
    for (name, file, want) in cases {
        let path = write(dir.path(), name, &file);
        let rows = ArrayRows::open(&path).unwrap();
        assert_eq!((rows.rows(), rows.dim()), (7, 6), "{name}");
        for (chunk, sizes) in [(1, vec![1; 7]), (3, vec![3, 3, 1]), (100, vec![7])] {
            let (values, got_sizes) = read_chunked(&path, chunk).unwrap();
            assert_eq!(&values, want, "{name} in chunks of {chunk}");
            assert_eq!(got_sizes, sizes, "{name}");
        }
        assert_eq!(
            read_array(&path).unwrap().features(),
            want.as_slice(),
            "{name}"
        );
    }
    let empty = write(
        dir.path(),
        "empty.idx.gz",
        &gz(&idx_bytes(0x08, &[0, 4], &[])),
    );
    assert_eq!(read_chunked(&empty, 5).unwrap().1, Vec::<usize>::new());
}

#[test]
fn damaged_streams_are_length_or_format_errors_when_they_are_reached() {
    let dir = tempfile::tempdir().unwrap();
    let raw = idx_bytes(0x08, &[4, 3], &[7; 12]);
    let mut trailing = raw.clone();
    trailing.push(1);
    let short_gz = write(dir.path(), "short.gz", &gz(&raw[..raw.len() - 2]));
    let trailing_gz = write(dir.path(), "trailing.gz", &gz(&trailing));
    let mut cut = gz(&raw);
    cut.truncate(cut.len() / 2);
    let cut_gz = write(dir.path(), "cut.gz", &cut);
    // A raw file's length is checked against its header when it is opened.
    let short_raw = write(dir.path(), "short.idx", &raw[..raw.len() - 1]);
    assert!(matches!(
        ArrayRows::open(&short_raw),
        Err(DataError::Length {
            expected: 12,
            actual: 11,
            ..
        })
    ));
    let short_npy = write(
        dir.path(),
        "short.npy",
        &npy_bytes("<f4", "(4, 3)", &[0; 47]),
    );
    assert!(matches!(
        ArrayRows::open(&short_npy),
        Err(DataError::Length {
            expected: 48,
            actual: 47,
            ..
        })
    ));
    // A gzip stream's, when the rows are read: the first chunk is fine, the damage is not.
    let mut rows = ArrayRows::open(&short_gz).unwrap();
    assert_eq!(rows.next_chunk(2).unwrap().unwrap().len(), 2);
    assert!(matches!(
        rows.next_chunk(2),
        Err(DataError::Length {
            expected: 12,
            actual: 10,
            ..
        })
    ));
    // A gzip header announcing 2³² − 1 rows of 784 bytes over 12 bytes: an error, not 3 TB.
    let liar = write(
        dir.path(),
        "liar.gz",
        &gz(&idx_bytes(0x08, &[u32::MAX, 784], &[7; 12])),
    );
    let err = ArrayRows::open(&liar)
        .unwrap()
        .next_chunk(usize::MAX)
        .unwrap_err();
    assert!(matches!(err, DataError::Length { actual: 12, .. }), "{err}");
    let err = read_chunked(&trailing_gz, 3).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::Length {
                expected: 12,
                actual: 13,
                ..
            }
        ),
        "{err}"
    );
    let err = read_chunked(&cut_gz, 3).unwrap_err();
    assert!(
        matches!(err, DataError::Gzip { .. } | DataError::Length { .. }),
        "{err}"
    );
    for (name, bytes) in [
        ("magic.idx", vec![1, 2, 3, 4, 5]),
        (
            "overflow.idx",
            idx_bytes(0x0E, &[u32::MAX, u32::MAX, u32::MAX], &[]),
        ),
        ("dtype.npy", npy_bytes("<i4", "(1, 1)", &[0; 4])),
        ("tiny", vec![0]),
        // No rows, so no payload to bound the items: 2³¹·2³¹·2³¹ values a row (found by fuzzing).
        (
            "huge-item.idx",
            idx_bytes(0x08, &[0, 1 << 31, 1 << 31, 1 << 31], &[]),
        ),
        // Named as `read_array` names them: a .npy array in a file not named .npy is IDX.
        ("array.idx", npy_bytes("<f4", "(1, 1)", &[0; 4])),
    ] {
        let path = write(dir.path(), name, &bytes);
        assert!(
            matches!(ArrayRows::open(&path), Err(DataError::Format { .. })),
            "{name}"
        );
    }
}

#[test]
fn the_writer_appears_only_when_every_row_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.npy");
    let mut writer = NpyRowWriter::create(&path, &[3, 2]).unwrap();
    writer.write(&[1.0, 2.0]).unwrap();
    writer.write(&[3.0, 4.0, 5.0, 6.0]).unwrap();
    assert!(!path.exists(), "nothing at the path before finish");
    assert!(writer.write(&[7.0]).is_err(), "past the shape");
    writer.finish().unwrap();
    let back = read_array(&path).unwrap();
    assert_eq!(back.features(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert_eq!(back.item_shape(), &[2]);
    // Short of the shape: refused, and the earlier file is left as it was.
    let mut short = NpyRowWriter::create(&path, &[3, 2]).unwrap();
    short.write(&[9.0; 4]).unwrap();
    assert!(matches!(short.finish(), Err(DataError::Invalid(_))));
    // Dropped unfinished (a command that failed midway): nothing new, no temporary file.
    let mut dropped = NpyRowWriter::create(&path, &[1, 2]).unwrap();
    dropped.write(&[8.0, 8.0]).unwrap();
    drop(dropped);
    assert_eq!(read_array(&path).unwrap().features(), back.features());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("out.npy")]);
}
