//! The Parzen-window protocol of Table 1 on real MNIST, and how its cost grows with N.

mod common;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gan_core::backend::Backend;
use gan_core::parzen::ParzenEvaluator;

fn protocol(c: &mut Criterion) {
    let mnist = common::mnist();
    let mut group = c.benchmark_group("parzen");
    group.sample_size(10);
    for backend in Backend::compiled().into_iter().filter(|b| b.is_cpu()) {
        let device = backend.device();
        // 10,000 training images stand in for generator samples.
        let samples = mnist.train.head(10_000).to_tensor(&device);
        let valid = mnist.valid.to_tensor(&device);
        let test = mnist.test.to_tensor(&device);
        let evaluator = ParzenEvaluator::paper_protocol();
        group.bench_function(BenchmarkId::new("paper_protocol", backend), |b| {
            b.iter(|| evaluator.evaluate(&samples, &valid, &test).unwrap())
        });
    }
    group.finish();
}

fn scaling(c: &mut Criterion) {
    let mnist = common::mnist();
    let backend = Backend::default_cpu().unwrap();
    let device = backend.device();
    let test = mnist.test.head(1000).to_tensor(&device);
    let evaluator = ParzenEvaluator::paper_protocol();
    let mut group = c.benchmark_group("parzen_scaling");
    group.sample_size(10);
    for n in [1000usize, 2000, 5000, 10_000, 20_000] {
        let samples = mnist.train.head(n).to_tensor(&device);
        // Work is N·n·d multiply-adds for the distances: report it as elements.
        group.throughput(Throughput::Elements((n * 1000 * 784) as u64));
        group.bench_with_input(BenchmarkId::new(backend.name(), n), &samples, |b, s| {
            b.iter(|| evaluator.evaluate_with_sigma(s, &test, 0.17).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, protocol, scaling);
criterion_main!(benches);
