//! The Table 1 run: the paper's MNIST preset, with the Parzen-window evaluation every few
//! epochs, checkpoints in a run directory, and resume when the directory already holds a run.
//!
//! `cargo run --release --example mnist_paper [-- RUN_DIR [BACKEND [EPOCHS]]]`
//! (defaults: `runs/mnist-paper`, `cpu`, 250 epochs: the end of the momentum ramp).

use std::path::PathBuf;

use burn::module::Module;
use gan_core::data::{Mnist, default_data_dir};
use gan_core::parzen::ParzenEvaluator;
use gan_core::prelude::*;
use gan_core::train::list_checkpoints;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let run_dir = PathBuf::from(args.next().unwrap_or_else(|| "runs/mnist-paper".into()));
    let backend: Backend = args.next().as_deref().unwrap_or("cpu").parse()?;
    let epochs: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(250);
    let device = backend.device();
    let dir = std::env::var_os("GAN_MNIST_DIR")
        .map(Into::into)
        .unwrap_or_else(|| default_data_dir().join("mnist"));
    let mnist = Mnist::load_or_download(&dir)?;

    let mut trainer = if list_checkpoints(&run_dir)?.is_empty() {
        let mut config = RunConfig::paper_mnist();
        config.train.log_every = 500;
        MlpTrainer::create_mlp_run(&config, mnist.train.clone(), &device, &run_dir)?
    } else {
        let (trainer, info) = MlpTrainer::resume_mlp(&run_dir, mnist.train.clone(), &device)?;
        println!("resumed at step {}", info.step);
        trainer
    };
    // The evaluation is a hook: it runs every 5 epochs, inside the training loop.
    let mut evaluation = Evaluation {
        every: 5 * trainer.steps_per_epoch(),
        valid: mnist.valid.to_tensor(&device),
        test: mnist.test.to_tensor(&device),
        device: device.clone(),
    };
    let mut log = OnRecord(|r: &MetricsRecord| {
        println!(
            "epoch {:3} step {:6}  D {:.3}  G {:.3}  D(x) {:.2}  D(G(z)) {:.2}",
            r.epoch, r.step, r.d_loss, r.g_loss, r.d_real, r.d_fake
        )
    });
    let until = Until {
        epochs: Some(epochs),
        ..Until::default()
    };
    trainer.train(&until, &mut [&mut evaluation, &mut log])?;
    Ok(())
}

/// Table 1's protocol on the trainer's generator, every `every` steps.
struct Evaluation {
    every: u64,
    valid: Tensor<2>,
    test: Tensor<2>,
    device: Device,
}

impl Hook<Generator, Discriminator, 2> for Evaluation {
    fn every(&self) -> Option<u64> {
        Some(self.every)
    }

    fn on_step(
        &mut self,
        trainer: &MlpTrainer,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.device.seed(0);
        let g = trainer.generator().valid();
        let samples = g.forward(Noise::Gaussian.sample(10_000, 100, &self.device));
        let r = ParzenEvaluator::paper_protocol().evaluate(&samples, &self.valid, &self.test)?;
        println!(
            "epoch {:3}: Parzen log-likelihood {:.1} ± {:.1} (σ = {:.3}), {:.0} s of training",
            trainer.epoch(),
            r.mean,
            r.se,
            r.sigma,
            trainer.elapsed_secs()
        );
        Ok(())
    }
}
