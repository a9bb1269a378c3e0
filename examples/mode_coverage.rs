//! The mode-coverage experiment of `docs/evaluation.md`: the paper's GAN (an MLP generator, a
//! maxout discriminator, Algorithm 1 with k = 1 and the non-saturating generator loss) trained
//! on the two standard 2-D mixtures, ring8 and grid25, over several seeds; for each, 2,500
//! samples are scored with the mode-coverage protocol (`gan modes`). The mixture's own samples
//! are scored too: the ceiling.
//!
//! `cargo run --release --example mode_coverage [-- STEPS [SEEDS [BACKEND]]]`
//! (defaults: 5,000 steps, 3 seeds, the CPU).

use burn::module::Module;
use burn::nn::Initializer;
use gan_core::data::Mixture2d;
use gan_core::data::toy::ToyDistribution;
use gan_core::metrics::{ModeCoverage, Rows, mode_coverage};
use gan_core::nn::{
    ActivationConfig, DiscriminatorConfig, GeneratorConfig, HiddenLayerConfig, InputDropoutConfig,
    MaxoutLayerConfig,
};
use gan_core::prelude::*;
use gan_core::train::OptimizerConfig;

const SAMPLES: usize = 2500;
const NOISE: usize = 64;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let steps: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(5000);
    let seeds: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(3);
    let backend = args.next().unwrap_or_else(|| "cpu".into());
    let device = backend.parse::<Backend>()?.device();
    println!("| mixture | run | modes covered | high-quality samples |");
    println!("| --- | --- | --- | --- |");
    for (name, mixture) in [
        ("ring8", Mixture2d::ring8()),
        ("grid25", Mixture2d::grid25()),
    ] {
        let real = mixture.sample(SAMPLES, 1000)?;
        print_row(
            name,
            "the mixture itself",
            &score(&mixture, real.features())?,
        );
        for seed in 0..seeds {
            let config = run_config(seed);
            let mut trainer = MlpTrainer::mlp(&config, mixture.sample(100_000, seed)?, &device)?;
            trainer.train(&Until::steps(steps), &mut [])?;
            device.seed(10_000 + seed);
            let z = Noise::Gaussian.sample(SAMPLES, NOISE, &device);
            let samples = trainer
                .generator()
                .valid()
                .forward(z)
                .into_data()
                .convert::<f32>();
            let samples = samples
                .try_into_vec::<f32>()
                .map_err(|e| format!("{e:?}"))?;
            let label = format!("GAN, seed {seed}, {steps} steps");
            print_row(name, &label, &score(&mixture, &samples)?);
        }
    }
    Ok(())
}

/// The paper's player types at the toy scale of the mode-collapse literature (two hidden
/// layers of 128), Adam as in that literature.
fn run_config(seed: u64) -> RunConfig {
    let generator = GeneratorConfig::new(
        NOISE,
        vec![
            HiddenLayerConfig::new(128, ActivationConfig::Relu),
            HiddenLayerConfig::new(128, ActivationConfig::Relu),
        ],
        2,
    )
    .with_output_activation(ActivationConfig::Identity)
    .with_init(Initializer::KaimingUniform {
        gain: 1.0 / 3f64.sqrt(),
        fan_out_only: false,
    });
    let none = InputDropoutConfig::none;
    let discriminator = DiscriminatorConfig::new(
        2,
        vec![
            MaxoutLayerConfig::new(128, 4),
            MaxoutLayerConfig::new(128, 4),
        ],
        vec![none(), none(), none()],
    )
    .with_init(Initializer::KaimingUniform {
        gain: 1.0 / 3f64.sqrt(),
        fan_out_only: false,
    });
    RunConfig {
        model: ModelConfig::Mlp(
            MlpGanConfig::new(generator, discriminator).with_output_bias_from_marginals(false),
        ),
        train: TrainConfig::new(OptimizerConfig::adam(1e-4), OptimizerConfig::adam(1e-4))
            .with_noise(Noise::Gaussian)
            .with_batch_size(256)
            .with_seed(seed),
    }
}

fn score(mixture: &Mixture2d, samples: &[f32]) -> Result<ModeCoverage, Box<dyn std::error::Error>> {
    let rows = Rows::from_f32("samples", samples, samples.len() / 2, 2)?;
    let centres: Vec<f64> = mixture
        .centres()
        .iter()
        .flat_map(|&(x, y)| [x, y])
        .collect();
    let centres = Rows::new("centres", centres, mixture.centres().len(), 2)?;
    Ok(mode_coverage(&rows, &centres, mixture.std(), 20)?)
}

fn print_row(mixture: &str, run: &str, c: &ModeCoverage) {
    println!(
        "| {mixture} | {run} | {} / {} | {:.1} % |",
        c.modes_covered,
        c.modes,
        100.0 * c.high_quality_fraction
    );
}
