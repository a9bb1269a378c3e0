//! The sample-quality metrics on real MNIST: FID, KID and the k-NN measures in pixel space
//! (784-d) and in the classifier's feature space (128-d), memorisation against the training
//! set, and the classifier's feature extraction. Test images stand in for samples.

mod common;

use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use gan_core::backend::Backend;
use gan_core::data::Dataset;
use gan_core::metrics::{Rows, fid, kid, memorisation, prdc};

fn rows(data: &Dataset) -> Rows {
    Rows::from_f32("rows", data.features(), data.len(), data.dim()).unwrap()
}

fn metrics(c: &mut Criterion) {
    let mnist = common::mnist();
    let device = Backend::default_cpu().unwrap().device();
    let classifier = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/mnist-classifier");
    let (model, _) = gan_core::train::load_classifier(&classifier, &device).unwrap();
    let mut group = c.benchmark_group("metrics");
    group.sample_size(10);
    group.bench_function("classifier_features_10000", |b| {
        b.iter(|| gan_core::train::classifier_outputs(&model, &mnist.test, &device, 500).unwrap())
    });
    let features = |data: &Dataset| {
        let (f, _) = gan_core::train::classifier_outputs(&model, data, &device, 500).unwrap();
        Rows::from_f32("features", &f, data.len(), f.len() / data.len()).unwrap()
    };
    let (real, fake) = (mnist.test.head(10_000), mnist.valid.head(10_000));
    let spaces = [
        ("mnist_features", features(&real), features(&fake)),
        ("pixels", rows(&real), rows(&fake)),
    ];
    for (space, r, f) in &spaces {
        group.bench_function(BenchmarkId::new("fid_10000", space), |b| {
            b.iter(|| fid(r, f).unwrap())
        });
        group.bench_function(BenchmarkId::new("kid_10000", space), |b| {
            b.iter(|| kid(r, f).unwrap())
        });
        group.bench_function(BenchmarkId::new("prdc_10000", space), |b| {
            b.iter(|| prdc(r, f, 5).unwrap())
        });
    }
    let train = rows(&mnist.train);
    // 2,000 + 2,000 rows against the 50,000 training images (the full 10,000 + 10,000 of
    // `gan eval` take five times as long: the cost is linear in the rows).
    let (samples, heldout) = (rows(&mnist.valid.head(2000)), rows(&mnist.test.head(2000)));
    group.bench_function("memorisation_2000_2000_against_50000_pixels", |b| {
        b.iter(|| memorisation(&samples, &train, &heldout).unwrap())
    });
    group.finish();
}

criterion_group!(benches, metrics);
criterion_main!(benches);
