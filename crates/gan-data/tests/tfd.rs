//! The Toronto Face Database reader on small files in its layout, written by scipy
//! (`fixtures/make_tfd.py`: uncompressed, compressed, and byte-swapped to big-endian): MATLAB's column-major arrays come out
//! as row-major images, folds and splits as pylearn2's `TFD` class makes them, and damaged
//! files are typed errors naming the file.

use std::path::{Path, PathBuf};

use gan_data::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The formulas of make_tfd.py.
fn pixel(i: usize, r: usize, c: usize) -> f32 {
    ((i * 7 + r * 3 + c * 11) % 256) as f32 / 255.0
}
fn mark(i: usize, fold: usize) -> usize {
    if i.is_multiple_of(4) {
        0
    } else {
        1 + (i + fold) % 3
    }
}

#[test]
fn images_folds_and_labels_read_as_pylearn2_reads_them() {
    for name in ["tfd_small.mat", "tfd_small_z.mat", "tfd_small_be.mat"] {
        let tfd = Tfd::load(&fixture(name)).unwrap();
        assert_eq!((tfd.len(), tfd.side()), (20, 4), "{name}");
        for fold in 0..TFD_FOLDS {
            for (set, marks) in [
                (TfdSet::Unlabeled, vec![0]),
                (TfdSet::Train, vec![1]),
                (TfdSet::Valid, vec![2]),
                (TfdSet::Test, vec![3]),
                (TfdSet::FullTrain, vec![1, 2]),
            ] {
                let rows: Vec<usize> = (0..20)
                    .filter(|&i| marks.contains(&mark(i, fold)))
                    .collect();
                let d = tfd.split(set, fold).unwrap();
                assert_eq!((d.len(), d.item_shape()), (rows.len(), &[4, 4][..]));
                for (k, &i) in rows.iter().enumerate() {
                    let want: Vec<f32> = (0..16).map(|p| pixel(i, p / 4, p % 4)).collect();
                    assert_eq!(d.row(k), &want[..], "{name} fold {fold} {set:?} row {i}");
                }
                match set {
                    TfdSet::Unlabeled => assert!(d.labels().is_none()),
                    _ => {
                        let want: Vec<u8> = rows.iter().map(|&i| (i % 7) as u8).collect();
                        assert_eq!(d.labels().unwrap(), &want[..]);
                    }
                }
            }
        }
        assert!(matches!(
            tfd.split(TfdSet::Test, 5),
            Err(DataError::Invalid(_))
        ));
    }
}

#[test]
fn damaged_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(fixture("tfd_small.mat")).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.mat", Vec::new()),
        ("text.mat", b"MATLAB? no, just text".to_vec()),
        ("truncated.mat", good[..good.len() / 2].to_vec()),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let err = Tfd::load(&path).unwrap_err();
        assert!(err.to_string().contains(name), "{name}: {err}");
    }
    for (name, needle) in [
        ("tfd_no_labels.mat", "no `labs_ex`"),
        ("tfd_complex.mat", "complex"),
        ("tfd_four_folds.mat", "not 20 × 5"),
    ] {
        let err = Tfd::load(&fixture(name)).unwrap_err().to_string();
        assert!(err.contains(name) && err.contains(needle), "{err}");
    }
    let err = Tfd::load(&dir.path().join("absent.mat")).unwrap_err();
    assert!(matches!(err, DataError::Io { .. }), "{err:?}");
}

/// Every truncation and a few thousand seeded byte changes of both fixtures: arrays whose
/// dimensions account for their values, or an error, never a panic (`fuzz/` has the
/// open-ended version of this).
#[test]
fn damaged_bytes_never_panic() {
    for name in ["tfd_small.mat", "tfd_small_z.mat"] {
        let good = std::fs::read(fixture(name)).unwrap();
        let check = |bytes: &[u8]| {
            if let Ok(arrays) = parse_mat(bytes, Path::new(name)) {
                for a in arrays {
                    assert_eq!(a.dims.iter().product::<usize>(), a.values.len());
                }
            }
        };
        for len in 0..good.len() {
            check(&good[..len]);
        }
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..3000 {
            let mut bytes = good.clone();
            for _ in 0..3 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let at = (state >> 33) as usize % bytes.len();
                bytes[at] = (state >> 13) as u8;
            }
            check(&bytes);
        }
    }
}
