//! The library in a few lines: the paper's G and D on MNIST, a short training run, samples,
//! and the Parzen-window evaluation of Table 1.
//!
//! `cargo run --release --example quickstart [-- BACKEND [STEPS]]` (BACKEND: cpu, flex,
//! ndarray or wgpu). MNIST is read from `$GAN_MNIST_DIR`, else found or downloaded in the cache.

use gan_core::data::{Mnist, default_data_dir};
use gan_core::parzen::ParzenEvaluator;
use gan_core::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let backend: Backend = args.next().as_deref().unwrap_or("cpu").parse()?;
    let steps: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(500);
    let device = backend.device();

    let dir = std::env::var_os("GAN_MNIST_DIR")
        .map(Into::into)
        .unwrap_or_else(|| default_data_dir().join("mnist"));
    let mnist = Mnist::load_or_download(&dir)?;

    // The released configuration: maxout D with dropout, ReLU G, momentum SGD.
    let mut config = RunConfig::paper_mnist();
    config.train.log_every = 100;
    let mut trainer = MlpTrainer::mlp(&config, mnist.train.clone(), &device)?;
    let mut log = OnRecord(|r: &MetricsRecord| println!("step {:5}  {}", r.step, r.summary()));
    trainer.train(&Until::steps(steps), &mut [&mut log])?;

    // Sample from the trained generator (an inference copy, without autodiff).
    use burn::module::Module;
    let generator = trainer.generator().valid();
    let samples = generator.forward(Noise::Gaussian.sample(2000, 100, &device));
    println!("generated {:?} pixels in [0, 1]", samples.dims());

    // Table 1's metric, on a reduced scale so this runs in seconds.
    let report = ParzenEvaluator::paper_protocol().evaluate(
        &samples,
        &mnist.valid.head(500).to_tensor(&device),
        &mnist.test.head(1000).to_tensor(&device),
    )?;
    println!(
        "Parzen log-likelihood {:.1} ± {:.1} (σ = {:.3}; the paper's full protocol reaches 225 ± 2)",
        report.mean, report.se, report.sigma
    );
    Ok(())
}
