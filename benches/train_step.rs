//! The paper's MNIST model: one full training step (as released, and with the field's parts
//! on), generator sampling, and maxout alone.

mod common;

use burn::tensor::{Distribution, Tensor};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use gan_core::backend::Backend;
use gan_core::nn::{MaxoutConfig, Noise};
use gan_core::objective::Loss;
use gan_core::train::{EmaConfig, MlpTrainer, RunConfig};

fn cpu_backends() -> Vec<Backend> {
    Backend::compiled()
        .into_iter()
        .filter(|b| b.is_cpu() || std::env::var_os("GAN_BENCH_WGPU").is_some())
        .collect()
}

fn train_step(c: &mut Criterion) {
    let mnist = common::mnist();
    let mut group = c.benchmark_group("train_step");
    group.sample_size(30);
    for backend in cpu_backends() {
        let mut trainer = MlpTrainer::mlp(
            &RunConfig::paper_mnist(),
            mnist.train.clone(),
            &backend.device(),
        )
        .unwrap();
        // Warm-up outside the measurement (first-use allocations, shader compilation).
        for _ in 0..3 {
            trainer.step().unwrap();
        }
        group.bench_function(BenchmarkId::new("paper_mnist_batch100", backend), |b| {
            b.iter(|| trainer.step().unwrap())
        });
        // The same step with the field's parts on: hinge loss, spectral normalisation, an R1
        // penalty and an average of G (what each costs beside the paper's step).
        let mut config = RunConfig::paper_mnist();
        config.train.loss = Loss::Hinge.into();
        config.train.regularisers.spectral_norm = true;
        config.train.regularisers.r1 = Some(10.0);
        config.train.ema = Some(EmaConfig::new(0.999));
        let mut trainer = MlpTrainer::mlp(&config, mnist.train.clone(), &backend.device()).unwrap();
        for _ in 0..3 {
            trainer.step().unwrap();
        }
        let id = BenchmarkId::new("paper_mnist_batch100_hinge_sn_r1_ema", backend);
        group.bench_function(id, |b| b.iter(|| trainer.step().unwrap()));
    }
    group.finish();
}

fn sample(c: &mut Criterion) {
    let mut group = c.benchmark_group("sample");
    group.sample_size(10);
    for backend in cpu_backends() {
        let device = backend.device();
        let g = gan_core::nn::GeneratorConfig::paper_mnist()
            .init(&device)
            .unwrap();
        group.bench_function(BenchmarkId::new("generator_10000", backend), |b| {
            b.iter(|| {
                let x = g.forward(Noise::Gaussian.sample(10_000, 100, &device));
                x.into_data()
            })
        });
    }
    group.finish();
}

fn maxout(c: &mut Criterion) {
    let mut group = c.benchmark_group("maxout");
    group.sample_size(30);
    for backend in cpu_backends() {
        let device = backend.autodiff_device();
        let layer = MaxoutConfig::new(784, 240, 5).init(&device).unwrap();
        let x = Tensor::<2>::random([100, 784], Distribution::Default, &device);
        group.bench_function(
            BenchmarkId::new("784x240x5_fwd_bwd_batch100", backend),
            |b| {
                b.iter(|| {
                    let grads = layer.forward(x.clone()).sum().backward();
                    layer.linear.weight.grad(&grads).unwrap().into_data()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, train_step, sample, maxout);
criterion_main!(benches);
