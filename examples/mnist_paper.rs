//! The Table 1 run: the paper's MNIST preset, with the Parzen-window evaluation every few
//! epochs, checkpoints in a run directory, and resume when the directory already holds a run.
//!
//! `cargo run --release --example mnist_paper [-- RUN_DIR [BACKEND [EPOCHS]]]`
//! (defaults: `runs/mnist-paper`, `cpu`, 250 epochs: the end of the momentum ramp).

use std::path::PathBuf;

use gan_core::data::{Mnist, default_data_dir};
use gan_core::prelude::*;
use gan_core::train::{ParzenHook, ParzenRecord, list_checkpoints};

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
    // The evaluation is a hook (the one `gan train --eval-every` runs): every 5 epochs, inside
    // the training loop, logged to the run's parzen.jsonl.
    let mut evaluation = ParzenHook::new(
        5 * trainer.steps_per_epoch(),
        10_000,
        mnist.valid.to_tensor(&device),
        mnist.test.to_tensor(&device),
    )?
    .on_report(|r: &ParzenRecord| {
        println!(
            "epoch {:3}: Parzen log-likelihood {:.1} ± {:.1} (σ = {:.3}), {:.0} s of training",
            r.epoch, r.report.mean, r.report.se, r.report.sigma, r.wall_time_s
        )
    });
    let mut log = OnRecord(|r: &MetricsRecord| {
        println!("epoch {:3} step {:6}  {}", r.epoch, r.step, r.summary())
    });
    let until = Until {
        epochs: Some(epochs),
        ..Until::default()
    };
    trainer.train(&until, &mut [&mut evaluation, &mut log])?;
    Ok(())
}
