//! Your own players: a convolutional generator and discriminator written as Burn modules,
//! trained on MNIST by gan-core's trainer (Algorithm 1, checkpoints, exact resume), then
//! sampled from the run directory.
//!
//! `cargo run --release --example custom_models [-- RUN_DIR [STEPS [BACKEND]]]`
//! (defaults: `runs/custom`, 2000 steps, cpu). Run it again with more steps to resume.

use std::path::PathBuf;

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::{leaky_relu, relu, sigmoid};
use gan_core::data::{Mnist, default_data_dir};
use gan_core::prelude::*;
use gan_core::train::{OptimizerConfig, load_generator_into, resume};
use serde::{Deserialize, Serialize};

/// What `config.json` records about the players, to build them again on resume.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Players {
    noise: usize,
    width: usize,
}

/// `z` → 7×7 maps → 14×14 → 28×28 grey digits in [0, 1].
#[derive(Module, Debug)]
struct ConvGenerator {
    project: Linear,
    up1: ConvTranspose2d,
    up2: ConvTranspose2d,
    noise: usize,
    width: usize,
}

/// 28×28 → 14×14 → 7×7 → one logit.
#[derive(Module, Debug)]
struct ConvDiscriminator {
    down1: Conv2d,
    down2: Conv2d,
    logit: Linear,
}

impl Players {
    fn init(&self, device: &Device) -> (ConvGenerator, ConvDiscriminator) {
        let w = self.width;
        let up = |from, to| {
            ConvTranspose2dConfig::new([from, to], [4, 4])
                .with_stride([2, 2])
                .with_padding([1, 1])
                .init(device)
        };
        let down = |from, to| {
            Conv2dConfig::new([from, to], [4, 4])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        let generator = ConvGenerator {
            project: LinearConfig::new(self.noise, w * 49).init(device),
            up1: up(w, w / 2),
            up2: up(w / 2, 1),
            noise: self.noise,
            width: w,
        };
        let discriminator = ConvDiscriminator {
            down1: down(1, w / 2),
            down2: down(w / 2, w),
            logit: LinearConfig::new(w * 49, 1).init(device),
        };
        (generator, discriminator)
    }
}

impl GanGenerator<4> for ConvGenerator {
    fn noise_dim(&self) -> usize {
        self.noise
    }

    fn generate(&self, noise: Tensor<2>, _condition: Option<Tensor<2>>) -> Tensor<4> {
        let n = noise.dims()[0];
        let x = relu(self.project.forward(noise)).reshape([n, self.width, 7, 7]);
        sigmoid(self.up2.forward(relu(self.up1.forward(x))))
    }
}

impl GanDiscriminator<4> for ConvDiscriminator {
    fn logits(&self, x: Tensor<4>, _condition: Option<Tensor<2>>) -> Tensor<2> {
        let x = leaky_relu(self.down1.forward(x), 0.2);
        let x = leaky_relu(self.down2.forward(x), 0.2);
        self.logit.forward(x.flatten(1, 3))
    }

    fn logits_train(&self, x: Tensor<4>, condition: Option<Tensor<2>>) -> Tensor<2> {
        self.logits(x, condition) // no dropout or batch statistics here
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let run_dir = PathBuf::from(args.next().unwrap_or_else(|| "runs/custom".into()));
    let steps: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(2000);
    let backend: Backend = args.next().as_deref().unwrap_or("cpu").parse()?;
    let device = backend.device();
    let dir = std::env::var_os("GAN_MNIST_DIR")
        .map(Into::into)
        .unwrap_or_else(|| default_data_dir().join("mnist"));
    let mnist = Mnist::load_or_download(&dir)?;

    // A run directory holding checkpoints is resumed exactly; otherwise a new run starts.
    let mut trainer: Trainer<ConvGenerator, ConvDiscriminator, 4> =
        if gan_core::train::list_checkpoints(&run_dir)?.is_empty() {
            let players = Players {
                noise: 64,
                width: 32,
            };
            let (g, d) = players.init(&device.clone().autodiff());
            let adam = OptimizerConfig::adam(2e-4);
            let config = TrainConfig::new(adam, adam)
                .with_batch_size(64)
                .with_log_every(100);
            Trainer::new(config, g, d, mnist.train.clone(), &device)?
                .create_run(&run_dir, &players)?
        } else {
            let build = |p: &Players| Ok(p.init(&device.clone().autodiff()));
            let (trainer, info) = resume(&run_dir, mnist.train.clone(), &device, build)?;
            println!("resumed at step {}", info.step);
            trainer
        };
    let mut log = OnRecord(|r: &MetricsRecord| println!("step {:5}  {}", r.step, r.summary()));
    trainer.train(&Until::steps(steps), &mut [&mut log])?;

    // The generator alone, loaded from the run directory for sampling.
    let players: Players = gan_core::train::read_run_config(&run_dir)?.model;
    let (g, _) = players.init(&device);
    let g = load_generator_into(&run_dir, g)?;
    let samples = g.generate(Noise::Gaussian.sample(16, players.noise, &device), None);
    println!(
        "16 samples of shape {:?}, mean pixel {:.3}",
        samples.dims(),
        samples.mean().into_scalar::<f32>()
    );
    Ok(())
}
