//! Learned inference `z ← x`: `gan train-inference` trains the encoder of a run's generator;
//! [`Inverter`] finds codes of real images (encoder, then refinement) for `gan reconstruct`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::{Device, Tensor};
use clap::Args;
use gan_nn::EncoderConfig;
use gan_train::{BuiltinGenerator, InferenceManifest, InferenceTraining, Refinement, save_encoder};

use crate::DeviceArgs;
use crate::error::CliError;
use crate::inputs::read_run;
use crate::interop::PrecisionArg;

#[derive(Args, Debug)]
pub struct TrainInferenceArgs {
    /// The run or model directory whose generator the encoder inverts; the encoder is written
    /// there (inference.bpk, inference.json).
    #[arg(long)]
    run_dir: PathBuf,
    /// Updates, each on a fresh batch of the generator's samples (at most 10,000,000).
    #[arg(long, default_value_t = InferenceTraining::default().steps,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(..=10_000_000))]
    steps: usize,
    /// Samples per update.
    #[arg(long, default_value_t = InferenceTraining::default().batch_size)]
    batch_size: usize,
    /// Adam's step size.
    #[arg(long, default_value_t = InferenceTraining::default().learning_rate)]
    learning_rate: f64,
    /// Seed of the encoder's weights and of the codes drawn.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Widths of the encoder's ReLU hidden layers, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "512,512")]
    hidden: Vec<usize>,
    /// Refinement steps `gan reconstruct` takes by default (at most 1,000,000).
    #[arg(long, default_value_t = Refinement::default().steps,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(..=1_000_000))]
    refine_steps: usize,
    /// Adam's step size on the codes during refinement.
    #[arg(long, default_value_t = Refinement::default().learning_rate)]
    refine_lr: f64,
    /// How the encoder's weights are stored.
    #[arg(long, value_enum, default_value = "f16")]
    precision: PrecisionArg,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn train_inference(a: TrainInferenceArgs) -> Result<(), CliError> {
    let device = a.device.device()?;
    let noise = read_run(&a.run_dir)?.train.noise;
    let generator =
        crate::inputs::load_sampler(&a.run_dir, &device, gan_train::GeneratorWeights::Average)?;
    if generator.condition_dim() > 0 {
        return Err(CliError::Usage(
            "learned inference inverts unconditional generators; this one is conditional".into(),
        ));
    }
    let d_input = generator.sample_shape().iter().product();
    let encoder = EncoderConfig::new(d_input, generator.noise_dim()).with_hidden(a.hidden);
    let training = InferenceTraining {
        steps: a.steps,
        batch_size: a.batch_size,
        learning_rate: a.learning_rate,
        seed: a.seed,
    };
    if !(a.refine_lr > 0.0 && a.refine_lr.is_finite()) {
        return Err(CliError::Usage(format!(
            "--refine-lr must be finite and positive, not {}",
            a.refine_lr
        )));
    }
    let started = Instant::now();
    let mut report =
        |step, loss| eprintln!("step {step}: mean squared error of the codes {loss:.4}");
    let trained = generator.train_encoder(noise, &encoder, training, &device, &mut report)?;
    let manifest = InferenceManifest {
        encoder,
        training,
        noise,
        refinement: Refinement {
            steps: a.refine_steps,
            learning_rate: a.refine_lr,
        },
        precision: a.precision.into(),
        generator_sha256: generator.fingerprint()?,
        sha256: String::new(),
    };
    save_encoder(&a.run_dir, &trained, manifest)?;
    println!(
        "trained in {:.0} s; wrote {}",
        started.elapsed().as_secs_f64(),
        a.run_dir.join(gan_train::INFERENCE_FILE).display()
    );
    Ok(())
}

/// Codes and their samples for the rows of `x`: the encoder's guess and the refined codes.
pub struct Inferred {
    pub guess_samples: Tensor<2>,
    pub codes: Tensor<2>,
    pub samples: Tensor<2>,
}

/// A run's generator with the encoder trained for it.
pub struct Inverter {
    generator: BuiltinGenerator,
    encoder: gan_nn::Encoder,
    manifest: InferenceManifest,
}

impl Inverter {
    pub fn load(run_dir: &Path, device: &Device) -> Result<Self, CliError> {
        let generator =
            crate::inputs::load_sampler(run_dir, device, gan_train::GeneratorWeights::Average)?;
        let (encoder, manifest) = generator.load_encoder(run_dir, device)?;
        Ok(Self {
            generator,
            encoder,
            manifest,
        })
    }

    /// The encoder's manifest: the noise it inverts, its default refinement.
    pub fn manifest(&self) -> &InferenceManifest {
        &self.manifest
    }

    pub fn generator(&self) -> &BuiltinGenerator {
        &self.generator
    }

    /// The encoder alone (a frozen feature map for `gan semi`).
    pub fn into_encoder(self) -> gan_nn::Encoder {
        self.encoder
    }

    /// Refinement from the manifest, with the flags' overrides.
    pub fn refinement(&self, steps: Option<usize>, lr: Option<f64>) -> Refinement {
        let default = self.manifest.refinement;
        Refinement {
            steps: steps.unwrap_or(default.steps),
            learning_rate: lr.unwrap_or(default.learning_rate),
        }
    }

    /// Refuses rows of a width the encoder does not read.
    pub fn check_width(&self, d: usize, what: &Path) -> Result<(), CliError> {
        let expected = self.encoder.d_input();
        if d != expected {
            return Err(CliError::Usage(format!(
                "{}: rows of {d} values, the generator's samples have {expected}",
                what.display()
            )));
        }
        Ok(())
    }

    pub fn infer(&self, x: Tensor<2>, refinement: Refinement) -> Result<Inferred, CliError> {
        let noise = self.manifest.noise;
        let guess = noise.project(self.encoder.forward(x.clone()));
        let codes = self
            .generator
            .refine_codes(noise, x, guess.clone(), refinement)?;
        Ok(Inferred {
            guess_samples: self.generator.generate_rows(guess, None),
            samples: self.generator.generate_rows(codes.clone(), None),
            codes,
        })
    }
}
