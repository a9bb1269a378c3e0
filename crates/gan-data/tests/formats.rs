//! NPY, CIFAR-10, toy distributions and batching.

use std::path::Path;

use burn::tensor::Device;
use gan_data::toy::*;
use gan_data::*;

/// A `.npy` file written by hand (independent of the npyz crate): version, dtype descr, shape.
fn npy_bytes(version: u8, descr: &str, fortran: bool, shape: &str, payload: &[u8]) -> Vec<u8> {
    let dict = format!(
        "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
        if fortran { "True" } else { "False" }
    );
    let len_field = if version == 1 { 2 } else { 4 };
    let unpadded = 6 + 2 + len_field + dict.len() + 1;
    let pad = (64 - unpadded % 64) % 64;
    let header = format!("{dict}{}\n", " ".repeat(pad));
    let mut b = b"\x93NUMPY".to_vec();
    b.extend_from_slice(&[version, 0]);
    if version == 1 {
        b.extend_from_slice(&(header.len() as u16).to_le_bytes());
    } else {
        b.extend_from_slice(&(header.len() as u32).to_le_bytes());
    }
    b.extend_from_slice(header.as_bytes());
    b.extend_from_slice(payload);
    b
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// A bad file: its name, its bytes, and the error it must produce.
type Case = (&'static str, Vec<u8>, fn(&DataError) -> bool);

#[test]
fn npy_reads_f32_f64_u8_in_versions_1_and_2_and_flattens_trailing_dims() {
    let dir = tempfile::tempdir().unwrap();
    let f32s: Vec<u8> = [1.5f32, -2.0, 3.25, 0.0, 7.0, 8.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let d = read_npy(&write(
        dir.path(),
        "a.npy",
        &npy_bytes(1, "<f4", false, "(2, 3)", &f32s),
    ))
    .unwrap();
    assert_eq!((d.len(), d.dim()), (2, 3));
    assert_eq!(d.row(0), &[1.5, -2.0, 3.25]);
    let f64s: Vec<u8> = [0.5f64, 0.25, -1.0, 2.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let d = read_npy(&write(
        dir.path(),
        "b.npy",
        &npy_bytes(2, "<f8", false, "(1, 2, 2)", &f64s),
    ))
    .unwrap();
    assert_eq!((d.len(), d.dim(), d.item_shape()), (1, 4, &[2usize, 2][..]));
    assert_eq!(d.features(), &[0.5, 0.25, -1.0, 2.0]);
    let p = write(
        dir.path(),
        "c.npy",
        &npy_bytes(1, "|u1", false, "(3,)", &[0, 51, 255]),
    );
    assert_eq!(read_npy(&p).unwrap().features(), &[0.0, 51.0, 255.0]);
    assert_eq!(read_npy_scaled(&p).unwrap().features(), &[0.0, 0.2, 1.0]);
}

#[test]
fn npy_round_trips_through_write() {
    let dir = tempfile::tempdir().unwrap();
    let values: Vec<f32> = (0..24).map(|i| i as f32 * 0.5 - 3.0).collect();
    let p = dir.path().join("out.npy");
    write_npy(&p, &values, &[4, 2, 3]).unwrap();
    let d = read_npy(&p).unwrap();
    assert_eq!(
        (d.len(), d.item_shape(), d.features()),
        (4, &[2usize, 3][..], &values[..])
    );
    // The bytes follow the format: magic, version, '<f4' descr.
    let bytes = std::fs::read(&p).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    assert!(String::from_utf8_lossy(&bytes[..128]).contains("'<f4'"));
    assert!(matches!(
        write_npy(&p, &values, &[5, 5]).unwrap_err(),
        DataError::Invalid(_)
    ));
    assert!(!dir.path().join("out.npy.tmp").exists());
}

#[test]
fn bad_npy_files_are_typed_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let four = [0u8; 16];
    let cases: Vec<Case> = vec![
        (
            "int.npy",
            npy_bytes(1, "<i4", false, "(2, 2)", &four),
            |e| matches!(e, DataError::Format { reason, .. } if reason.contains("<i4")),
        ),
        (
            "big.npy",
            npy_bytes(1, ">f4", false, "(2, 2)", &four),
            |e| matches!(e, DataError::Format { reason, .. } if reason.contains(">f4")),
        ),
        (
            "fortran.npy",
            npy_bytes(1, "<f4", true, "(2, 2)", &four),
            |e| matches!(e, DataError::Format { reason, .. } if reason.contains("Fortran")),
        ),
        (
            "lying.npy",
            npy_bytes(1, "<f4", false, "(1000000, 1000000)", &four),
            |e| matches!(e, DataError::Length { actual: 16, .. }),
        ),
        (
            "short.npy",
            npy_bytes(1, "<f4", false, "(2, 3)", &four),
            |e| {
                matches!(
                    e,
                    DataError::Length {
                        expected: 24,
                        actual: 16,
                        ..
                    }
                )
            },
        ),
        (
            "scalar.npy",
            npy_bytes(1, "<f4", false, "()", &four[..4]),
            |e| matches!(e, DataError::Format { .. }),
        ),
        ("garbage.npy", b"not numpy at all".to_vec(), |e| {
            matches!(e, DataError::Format { .. })
        }),
        (
            "cut.npy",
            npy_bytes(1, "<f4", false, "(2, 2)", &four)[..20].to_vec(),
            |e| matches!(e, DataError::Format { .. }),
        ),
    ];
    for (name, bytes, is_expected) in cases {
        let err = read_npy(&write(dir.path(), name, &bytes)).unwrap_err();
        assert!(is_expected(&err), "{name}: unexpected {err:?}");
        assert!(
            err.to_string().contains(name),
            "{name}: `{err}` does not name the file"
        );
    }
}

fn cifar_batch(records: &[(u8, u8)]) -> Vec<u8> {
    // Each record: label, then 3072 pixels derived from a base value.
    records
        .iter()
        .flat_map(|&(label, base)| {
            std::iter::once(label).chain((0..3072).map(move |i| base.wrapping_add((i % 7) as u8)))
        })
        .collect()
}

#[test]
fn cifar10_loads_batches_and_applies_global_contrast_normalisation() {
    let dir = tempfile::tempdir().unwrap();
    for i in 1..=5u8 {
        write(
            dir.path(),
            &format!("data_batch_{i}.bin"),
            &cifar_batch(&[(i, 10 * i), (9, 0)]),
        );
    }
    write(dir.path(), "test_batch.bin", &cifar_batch(&[(3, 100)]));
    let c = Cifar10::load(dir.path(), CifarScaling::Unit).unwrap();
    assert_eq!((c.train.len(), c.valid.len(), c.test.len()), (10, 0, 1));
    assert_eq!(c.train.item_shape(), &[3, 32, 32]);
    assert_eq!(c.train.labels().unwrap()[..4], [1, 9, 2, 9]);
    assert_eq!(c.test.row(0)[1], 101.0 / 255.0);
    let g = Cifar10::load(dir.path(), CifarScaling::GlobalContrast { scale: 55.0 }).unwrap();
    let row = g.test.row(0);
    let mean: f64 = row.iter().map(|&v| f64::from(v)).sum::<f64>() / 3072.0;
    let norm: f64 = row
        .iter()
        .map(|&v| f64::from(v).powi(2))
        .sum::<f64>()
        .sqrt();
    assert!(
        mean.abs() < 1e-5 && (norm - 55.0).abs() < 1e-3,
        "mean {mean}, norm {norm}"
    );
    // A constant image has zero contrast: left at zero, not divided by ~0.
    let mut flat = vec![0.5f32; 3072];
    global_contrast_normalize(&mut flat, 55.0);
    assert!(flat.iter().all(|&v| v == 0.0));

    write(
        dir.path(),
        "data_batch_3.bin",
        &cifar_batch(&[(1, 1)])[..3000],
    );
    let err = Cifar10::load(dir.path(), CifarScaling::Unit).unwrap_err();
    assert!(err.to_string().contains("data_batch_3.bin"), "{err}");
    write(dir.path(), "data_batch_3.bin", &cifar_batch(&[(12, 1)]));
    assert!(matches!(
        Cifar10::load(dir.path(), CifarScaling::Unit).unwrap_err(),
        DataError::Format { .. }
    ));
}

/// Integrates `exp(log_density)` on a grid: an independent check that densities normalise.
fn integral_1d(d: &dyn ToyDistribution, lo: f64, hi: f64) -> f64 {
    let n = 20_000;
    let h = (hi - lo) / n as f64;
    (0..n)
        .map(|i| d.log_density(&[lo + (i as f64 + 0.5) * h]).exp() * h)
        .sum()
}

#[test]
fn toy_distributions_sample_their_moments_and_have_normalised_densities() {
    let g = Gaussian1d::new(4.0, 0.5).unwrap();
    let s = g.sample(20_000, 1).unwrap();
    let v: Vec<f64> = s.features().iter().map(|&x| f64::from(x)).collect();
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
    assert!(
        (mean - 4.0).abs() < 0.02 && (std - 0.5).abs() < 0.02,
        "{mean} {std}"
    );
    assert!(
        (g.log_density(&[4.0]) - (-(0.5f64.ln()) - 0.5 * (2.0 * std::f64::consts::PI).ln())).abs()
            < 1e-12
    );
    assert!((integral_1d(&g, -2.0, 10.0) - 1.0).abs() < 1e-6);
    assert_eq!(g.sample(5, 9).unwrap(), g.sample(5, 9).unwrap());

    let m = Mixture1d::new(&[(1.0, -2.0, 0.3), (3.0, 2.0, 0.6)]).unwrap();
    assert!((integral_1d(&m, -8.0, 8.0) - 1.0).abs() < 1e-6);
    let s = m.sample(20_000, 2).unwrap();
    let right = s.features().iter().filter(|&&x| x > 0.0).count() as f64 / 20_000.0;
    assert!((right - 0.75).abs() < 0.015, "{right}");

    let r = Ring2d::new(8, 2.0, 0.02).unwrap();
    let s = r.sample(4000, 3).unwrap();
    let mut seen = [0usize; 8];
    for p in s.features().chunks(2) {
        let radius = (f64::from(p[0]).powi(2) + f64::from(p[1]).powi(2)).sqrt();
        assert!((radius - 2.0).abs() < 0.15);
        let k = (f64::from(p[1]).atan2(f64::from(p[0])) / (std::f64::consts::PI / 4.0))
            .round()
            .rem_euclid(8.0) as usize;
        seen[k] += 1;
    }
    assert!(seen.iter().all(|&c| (400..600).contains(&c)), "{seen:?}");
    // 2-D density integrates to 1 over a box around the ring.
    let (n, lo, hi) = (600, -2.5, 2.5);
    let h = (hi - lo) / n as f64;
    let total: f64 = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .map(|(i, j)| {
            r.log_density(&[lo + (i as f64 + 0.5) * h, lo + (j as f64 + 0.5) * h])
                .exp()
                * h
                * h
        })
        .sum();
    assert!((total - 1.0).abs() < 1e-3, "{total}");

    assert!(Gaussian1d::new(0.0, 0.0).is_err());
    assert!(Mixture1d::new(&[]).is_err());
    assert!(Ring2d::new(0, 1.0, 0.1).is_err());
}

#[test]
fn batches_cover_every_row_once_per_epoch_and_are_seeded() {
    let s = BatchSampler::new(103, 10, 5).unwrap();
    assert_eq!((s.batches_per_epoch(), s.full_batches()), (11, 10));
    let epoch = s.epoch(0);
    assert_eq!(epoch.len(), 11);
    assert_eq!(
        epoch.last().unwrap().len(),
        3,
        "the partial batch holds the remainder"
    );
    let mut all: Vec<usize> = epoch.concat();
    all.sort();
    assert_eq!(all, (0..103).collect::<Vec<_>>());
    assert_eq!(s.epoch(0), BatchSampler::new(103, 10, 5).unwrap().epoch(0));
    assert_ne!(s.epoch(0), s.epoch(1));
    assert_ne!(s.epoch(0), BatchSampler::new(103, 10, 6).unwrap().epoch(0));
    assert_eq!(s.batch(3, 4), s.epoch(3)[4]);
    assert!(BatchSampler::new(0, 10, 1).is_err() && BatchSampler::new(5, 0, 1).is_err());

    let data = Dataset::new((0..103 * 2).map(|v| v as f32).collect(), vec![2], None).unwrap();
    for backend in gan_backend::test_backends() {
        let device: Device = backend.device();
        let batches: Vec<_> = data.epoch_batches(&s, 2, &device).unwrap().collect();
        assert_eq!(batches.len(), 11);
        assert_eq!(batches[10].dims(), [3, 2]);
        let first = batches[0].to_data().try_to_vec::<f32>().unwrap();
        let rows = s.batch(2, 0);
        assert_eq!(
            first[..2],
            [rows[0] as f32 * 2.0, rows[0] as f32 * 2.0 + 1.0]
        );
        assert!(
            data.epoch_batches(&BatchSampler::new(50, 10, 1).unwrap(), 0, &device)
                .is_err()
        );
    }
}

#[test]
fn dataset_checks_its_shape_and_computes_marginals() {
    assert!(Dataset::new(vec![1.0; 7], vec![2], None).is_err());
    assert!(Dataset::new(vec![1.0; 6], vec![2], Some(vec![1, 2])).is_err());
    let d = Dataset::new(
        vec![0.0, 1.0, 1.0, 1.0, 0.5, 0.0],
        vec![2],
        Some(vec![0, 1, 2]),
    )
    .unwrap();
    assert_eq!(d.marginals(), vec![0.5, 2.0 / 3.0]);
    assert_eq!(d.slice(1..3).unwrap().labels().unwrap(), &[1, 2]);
    assert!(d.slice(2..4).is_err());
    assert_eq!(d.head(10).len(), 3);
}

#[test]
fn preprocessing_normalises_each_row_and_refuses_bad_scales() {
    let data = Dataset::new(
        vec![0.0, 2.0, 1.0, 1.0, 13.0, 11.0],
        vec![2],
        Some(vec![4, 5, 6]),
    )
    .unwrap();
    assert_eq!(Preprocessing::None.apply(data.clone()).unwrap(), data);
    let gcn = Preprocessing::GlobalContrast { scale: 3.0 }
        .apply(data)
        .unwrap();
    // By hand: minus the row's mean, times 3 / ‖centred row‖ (3/√2 for both varying rows);
    // the constant row stays at zero.
    let h = 3.0 / 2f32.sqrt();
    let expected = [-h, h, 0.0, 0.0, h, -h];
    for (got, want) in gcn.features().iter().zip(expected) {
        assert!((got - want).abs() < 1e-6, "{:?}", gcn.features());
    }
    assert_eq!(gcn.labels().unwrap(), &[4, 5, 6]);
    for scale in [0.0, -1.0, f32::NAN, f32::INFINITY] {
        let err = Preprocessing::GlobalContrast { scale }
            .apply(gcn.clone())
            .unwrap_err();
        assert!(matches!(err, DataError::Invalid(_)), "{err}");
    }
    // Shown as pylearn2 shows CIFAR-10: over the largest magnitude, [−1, 1] onto [0, 1].
    let gcn = Preprocessing::GlobalContrast { scale: 55.0 };
    assert_eq!(gcn.for_display(&[-2.0, 1.0, 0.5]), vec![0.0, 0.75, 0.625]);
    assert_eq!(gcn.for_display(&[0.0, 0.0]), vec![0.5, 0.5]);
    assert_eq!(Preprocessing::None.for_display(&[0.2, 3.0]), vec![0.2, 3.0]);
}
