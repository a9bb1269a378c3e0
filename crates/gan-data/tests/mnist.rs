//! Real MNIST, the IDX parser's error paths, and the verified download against a local server.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use gan_data::*;

mod common;
use common::Server;

/// A bad file: its name, its bytes, and the error it must produce.
type Case = (&'static str, Vec<u8>, fn(&DataError) -> bool);

#[test]
fn real_mnist_has_the_papers_splits_values_and_label_counts() {
    let Some(dir) = mnist_dir_from_env() else {
        return;
    };
    let m = Mnist::load(&dir).unwrap();
    assert_eq!(
        (m.train.len(), m.valid.len(), m.test.len()),
        (50_000, 10_000, 10_000)
    );
    assert_eq!(m.train.dim(), 784);
    assert_eq!(m.train.item_shape(), &[28, 28]);
    for set in [&m.train, &m.valid, &m.test] {
        assert!(set.features().iter().all(|&p| (0.0..=1.0).contains(&p)));
    }
    assert!(m.train.features().contains(&1.0) && m.train.features().contains(&0.0));
    let mut counts = [0usize; 10];
    for &l in m
        .train
        .labels()
        .unwrap()
        .iter()
        .chain(m.valid.labels().unwrap())
    {
        counts[usize::from(l)] += 1;
    }
    assert_eq!(
        counts,
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    assert_eq!(
        &m.train.labels().unwrap()[..10],
        &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    );
    assert_eq!(
        &m.test.labels().unwrap()[..10],
        &[7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    );
    // Marginals: mean ink per pixel; corners are always blank, the centre often inked.
    let p = m.train.marginals();
    assert_eq!(p[0], 0.0);
    assert!(p[14 * 28 + 14] > 0.3);
    for (i, f) in MNIST_FILES.iter().enumerate() {
        assert_eq!(
            sha256_file(&dir.join(format!("{}.gz", f.name))).unwrap(),
            f.gz_sha256,
            "file {i}"
        );
    }
}

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

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn idx_raw_and_gzip_decode_the_same_and_other_types_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let raw = idx_bytes(0x08, &[2, 3], &[0, 1, 2, 253, 254, 255]);
    let a = read_idx(&write(dir.path(), "a.idx", &raw)).unwrap();
    let b = read_idx(&write(dir.path(), "b.whatever", &gz(&raw))).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.dims, vec![2, 3]);
    assert_eq!(a.to_f32(), vec![0.0, 1.0, 2.0, 253.0, 254.0, 255.0]);
    let f = read_idx(&write(
        dir.path(),
        "f.idx",
        &idx_bytes(0x0D, &[2], &[0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0]),
    ))
    .unwrap();
    assert_eq!((f.dtype, f.to_f32()), (IdxType::F32, vec![1.0, -2.0]));
    let i = read_idx(&write(
        dir.path(),
        "i.idx",
        &idx_bytes(0x0B, &[1], &[0xff, 0xfe]),
    ))
    .unwrap();
    assert_eq!(i.to_f32(), vec![-2.0]);
}

#[test]
fn bad_idx_files_are_typed_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = idx_bytes(0x08, &[2, 2, 2], &[1; 8]);
    let cases: Vec<Case> = vec![
        ("truncated.idx", good[..good.len() - 3].to_vec(), |e| {
            matches!(
                e,
                DataError::Length {
                    expected: 8,
                    actual: 5,
                    ..
                }
            )
        }),
        ("long.idx", [good.clone(), vec![9]].concat(), |e| {
            matches!(
                e,
                DataError::Length {
                    expected: 8,
                    actual: 9,
                    ..
                }
            )
        }),
        (
            "magic.idx",
            [vec![1, 0], good[2..].to_vec()].concat(),
            |e| matches!(e, DataError::Format { .. }),
        ),
        (
            "type.idx",
            idx_bytes(0x07, &[1], &[0]),
            |e| matches!(e, DataError::Format { reason, .. } if reason.contains("0x07")),
        ),
        ("short.idx", vec![0, 0], |e| {
            matches!(e, DataError::Format { .. })
        }),
        (
            "header.idx",
            vec![0, 0, 8, 3, 0, 0, 0, 2],
            |e| matches!(e, DataError::Format { reason, .. } if reason.contains("truncated")),
        ),
        // A header claiming 4 billion x 4 billion bytes must not allocate: it is checked first.
        (
            "huge.idx",
            idx_bytes(0x08, &[u32::MAX, u32::MAX], &[0; 16]),
            |e| matches!(e, DataError::Length { .. }),
        ),
        (
            "gz-cut.idx.gz",
            {
                let z = gz(&good);
                z[..z.len() / 2].to_vec()
            },
            |e| matches!(e, DataError::Gzip { .. }),
        ),
        ("gz-short.idx.gz", gz(&good[..good.len() - 1]), |e| {
            matches!(e, DataError::Length { .. })
        }),
    ];
    for (name, bytes, is_expected) in cases {
        let err = read_idx(&write(dir.path(), name, &bytes)).unwrap_err();
        assert!(is_expected(&err), "{name}: unexpected {err:?}");
        assert!(
            err.to_string().contains(name),
            "{name}: message `{err}` does not name the file"
        );
    }
    let missing = read_idx(&dir.path().join("nope.idx")).unwrap_err();
    assert!(matches!(missing, DataError::Io { .. }));
}

#[test]
fn labels_must_match_images() {
    let dir = tempfile::tempdir().unwrap();
    let images = write(dir.path(), "img", &idx_bytes(0x08, &[3, 2, 2], &[0; 12]));
    let labels = write(dir.path(), "lab", &idx_bytes(0x08, &[2], &[1, 2]));
    let err = read_labelled_images(&images, &labels).unwrap_err();
    assert!(matches!(err, DataError::Mismatch { .. }), "{err:?}");
    let flat = write(dir.path(), "flat", &idx_bytes(0x08, &[3, 4], &[0; 12]));
    assert!(matches!(
        read_labelled_images(&flat, &labels).unwrap_err(),
        DataError::Format { .. }
    ));
    let labels = write(dir.path(), "lab3", &idx_bytes(0x08, &[3], &[1, 2, 3]));
    let d = read_labelled_images(&images, &labels).unwrap();
    assert_eq!(
        (d.len(), d.dim(), d.labels().unwrap()),
        (3, 4, &[1u8, 2, 3][..])
    );
}

#[test]
fn download_verifies_checksums_and_leaves_nothing_behind_on_mismatch() {
    let Some(shared) = mnist_dir_from_env() else {
        return;
    };
    let real: HashMap<String, Vec<u8>> = MNIST_FILES
        .iter()
        .map(|f| {
            let name = format!("{}.gz", f.name);
            (name.clone(), std::fs::read(shared.join(&name)).unwrap())
        })
        .collect();

    // A mirror with one corrupted byte in the test labels: that file is rejected, and no
    // partial or corrupt file stays in the cache directory.
    let mut corrupt = real.clone();
    corrupt.get_mut("t10k-labels-idx1-ubyte.gz").unwrap()[100] ^= 0xff;
    let bad = Server::start(corrupt);
    let cache = tempfile::tempdir().unwrap();
    let err = Mnist::load_or_download_from(cache.path(), &bad.url).unwrap_err();
    assert!(
        matches!(&err, DataError::Checksum { path, .. } if path.ends_with("t10k-labels-idx1-ubyte.gz")),
        "{err:?}"
    );
    let mut left: Vec<String> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(
        left,
        vec![
            "t10k-images-idx3-ubyte.gz",
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz"
        ]
    );
    drop(bad);

    // The good mirror completes the cache: only the missing file is fetched.
    let good = Server::start(real);
    let fetched = download_missing(cache.path(), &good.url).unwrap();
    assert_eq!(
        fetched,
        vec![cache.path().join("t10k-labels-idx1-ubyte.gz")]
    );
    let m = Mnist::load_or_download_from(cache.path(), &good.url).unwrap();
    assert_eq!(m.test.len(), 10_000);
    for f in MNIST_FILES {
        assert_eq!(
            sha256_file(&cache.path().join(format!("{}.gz", f.name))).unwrap(),
            f.gz_sha256
        );
    }
    assert!(
        download_missing(cache.path(), &good.url)
            .unwrap()
            .is_empty()
    );

    // A 404 is a download error naming the URL.
    let empty = tempfile::tempdir().unwrap();
    let err = download_missing(empty.path(), &format!("{}/missing", good.url)).unwrap_err();
    assert!(
        matches!(&err, DataError::Download { url, .. } if url.contains("/missing/")),
        "{err:?}"
    );
}

#[test]
fn an_mnist_label_outside_its_ten_classes_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let images = idx_bytes(0x08, &[3, 2, 2], &[0; 12]);
    let good = idx_bytes(0x08, &[3], &[0, 9, 4]);
    let bad = idx_bytes(0x08, &[3], &[0, 200, 4]);
    let paths: Vec<_> = [
        ("ti", &images),
        ("tl", &good),
        ("si", &images),
        ("sl", &bad),
    ]
    .iter()
    .map(|(name, bytes)| write(dir.path(), name, bytes))
    .collect();
    let err = Mnist::from_files(&paths[0], &paths[1], &paths[2], &paths[3]).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, DataError::Format { .. })
            && text.contains("label 200 of item 1")
            && text.contains("sl"),
        "{text}"
    );
    let paths_ok = [&paths[0], &paths[1], &paths[2], &paths[1]];
    let mnist = Mnist::from_files(paths_ok[0], paths_ok[1], paths_ok[2], paths_ok[3]).unwrap();
    assert_eq!(mnist.train.num_classes(), Some(10));
}
