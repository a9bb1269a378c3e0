//! Figure 1 of the paper: a generator learning a 1-D Gaussian while the discriminator tends
//! to 1/2. Writes `figure1.png` (or the path given): four stages of training side by side, each
//! with p_data (black), p_g as a histogram of generated samples (green) and D(x) (blue), on
//! x ∈ [0, 6]; prints max |D(x) − ½| over the data's support (mean ± 2σ) at the end.
//!
//! `cargo run --release --example toy_1d [-- OUT.png [BACKEND]]`

use burn::module::Module;
use burn::nn::Initializer;
use burn::tensor::{Device, Tensor, TensorData};
use gan_core::data::toy::{Gaussian1d, ToyDistribution};
use gan_core::nn::{
    ActivationConfig, DiscriminatorConfig, GeneratorConfig, HiddenLayerConfig, InputDropoutConfig,
    MaxoutLayerConfig, Noise,
};
use gan_core::prelude::*;
use gan_core::train::{OptimizerConfig, Schedule};
use plotters::prelude::*;

const X_MIN: f64 = 0.0;
const X_MAX: f64 = 6.0;
const BINS: usize = 60;

struct Stage {
    step: u64,
    p_g: Vec<f64>,
    d: Vec<f64>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "figure1.png".into());
    let device = args
        .next()
        .as_deref()
        .unwrap_or("cpu")
        .parse::<Backend>()?
        .device();
    let data = Gaussian1d::new(3.0, 0.5)?;
    let generator = GeneratorConfig::new(
        1,
        vec![
            HiddenLayerConfig::new(32, ActivationConfig::Relu),
            HiddenLayerConfig::new(32, ActivationConfig::Relu),
        ],
        1,
    )
    .with_output_activation(ActivationConfig::Identity)
    .with_init(Initializer::Uniform {
        min: -0.5,
        max: 0.5,
    });
    let none = InputDropoutConfig::none;
    let discriminator = DiscriminatorConfig::new(
        1,
        vec![MaxoutLayerConfig::new(16, 4), MaxoutLayerConfig::new(16, 4)],
        vec![none(), none(), none()],
    )
    .with_init(Initializer::Uniform {
        min: -0.3,
        max: 0.3,
    });
    let config = RunConfig {
        model: ModelConfig::Mlp(
            MlpGanConfig::new(generator, discriminator).with_output_bias_from_marginals(false),
        ),
        train: TrainConfig::new(OptimizerConfig::adam(3e-3), OptimizerConfig::adam(1e-3))
            .with_schedule(Schedule::Alternating { k: 3 })
            .with_noise(Noise::Uniform)
            .with_batch_size(64)
            .with_seed(1),
    };
    let mut trainer = MlpTrainer::mlp(&config, data.sample(8192, 2)?, &device)?;

    let mut stages = Vec::new();
    for step in [0u64, 500, 1500, 5000] {
        trainer.train(&Until::steps(step), &mut [])?;
        stages.push(snapshot(&trainer, &device));
    }
    let xs: Vec<f64> = (0..=400)
        .map(|i| X_MIN + (X_MAX - X_MIN) * i as f64 / 400.0)
        .collect();
    let support: Vec<f64> = xs
        .iter()
        .copied()
        .filter(|x| (x - 3.0).abs() <= 1.0)
        .collect();
    let d_support = discriminator_on(&trainer, &support, &device);
    let worst = d_support
        .iter()
        .map(|d| (d - 0.5).abs())
        .fold(0.0, f64::max);
    println!(
        "after {} steps: max |D(x) - 1/2| over [2, 4] = {worst:.4}",
        trainer.step_count()
    );

    let root = BitMapBackend::new(&out, (1600, 400)).into_drawing_area();
    root.fill(&WHITE)?;
    for (area, stage) in root.split_evenly((1, 4)).iter().zip(&stages) {
        let mut chart = ChartBuilder::on(area)
            .margin(12)
            .build_cartesian_2d(X_MIN..X_MAX, 0.0..1.2)?;
        chart.configure_mesh().disable_mesh().draw()?;
        let width = (X_MAX - X_MIN) / BINS as f64;
        chart.draw_series(stage.p_g.iter().enumerate().map(|(i, &h)| {
            let x0 = X_MIN + i as f64 * width;
            Rectangle::new([(x0, 0.0), (x0 + width, h)], GREEN.mix(0.5).filled())
        }))?;
        chart.draw_series(LineSeries::new(
            xs.iter().map(|&x| (x, data.log_density(&[x]).exp())),
            BLACK.stroke_width(2),
        ))?;
        chart.draw_series(LineSeries::new(
            xs.iter().copied().zip(stage.d.iter().copied()),
            BLUE.stroke_width(2),
        ))?;
        println!(
            "stage at step {}: mean D on the grid {:.3}",
            stage.step,
            stage.d.iter().sum::<f64>() / stage.d.len() as f64
        );
    }
    root.present()?;
    println!("wrote {out}");
    Ok(())
}

fn snapshot(trainer: &MlpTrainer, device: &Device) -> Stage {
    device.seed(7);
    let g = trainer.generator().valid();
    let samples = g
        .forward(Noise::Uniform.sample(20_000, 1, device))
        .into_data()
        .convert::<f64>()
        .try_into_vec::<f64>()
        .unwrap();
    let width = (X_MAX - X_MIN) / BINS as f64;
    let mut p_g = vec![0.0; BINS];
    for x in &samples {
        let bin = ((x - X_MIN) / width).floor();
        if (0.0..BINS as f64).contains(&bin) {
            p_g[bin as usize] += 1.0 / (samples.len() as f64 * width);
        }
    }
    let xs: Vec<f64> = (0..=400)
        .map(|i| X_MIN + (X_MAX - X_MIN) * i as f64 / 400.0)
        .collect();
    Stage {
        step: trainer.step_count(),
        p_g,
        d: discriminator_on(trainer, &xs, device),
    }
}

fn discriminator_on(trainer: &MlpTrainer, xs: &[f64], device: &Device) -> Vec<f64> {
    let d = trainer.discriminator().valid();
    let x = Tensor::<2>::from_data(
        TensorData::new(
            xs.iter().map(|&v| v as f32).collect::<Vec<_>>(),
            [xs.len(), 1],
        ),
        device,
    );
    d.probability(x)
        .into_data()
        .convert::<f64>()
        .try_into_vec::<f64>()
        .unwrap()
}
