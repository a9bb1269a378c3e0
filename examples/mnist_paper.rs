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
        Trainer::create_run(
            TrainConfig::paper_mnist().with_log_every(500),
            mnist.train.clone(),
            &device,
            &run_dir,
        )?
    } else {
        let (trainer, info) = Trainer::resume(&run_dir, mnist.train.clone(), &device)?;
        println!("resumed at step {}", info.step);
        trainer
    };
    let valid = mnist.valid.to_tensor(&device);
    let test = mnist.test.to_tensor(&device);
    let evaluate_every = 5; // epochs
    while trainer.epoch() < epochs {
        let next = (trainer.epoch() / evaluate_every + 1) * evaluate_every;
        trainer.train(
            &Until {
                epochs: Some(next.min(epochs)),
                ..Until::default()
            },
            |r| {
                println!(
                    "epoch {:3} step {:6}  D {:.3}  G {:.3}  D(x) {:.2}  D(G(z)) {:.2}",
                    r.epoch, r.step, r.d_loss, r.g_loss, r.d_real, r.d_fake
                )
            },
        )?;
        device.seed(0);
        let g = trainer.generator().valid();
        let samples = g.forward(Noise::Gaussian.sample(10_000, 100, &device));
        let r = ParzenEvaluator::paper_protocol().evaluate(&samples, &valid, &test)?;
        println!(
            "epoch {:3}: Parzen log-likelihood {:.1} ± {:.1} (σ = {:.3}), {:.0} s of training",
            trainer.epoch(),
            r.mean,
            r.se,
            r.sigma,
            trainer.elapsed_secs()
        );
    }
    Ok(())
}
