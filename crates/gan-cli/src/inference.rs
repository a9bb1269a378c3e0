//! Learned inference `z ← x`: `gan train-inference` trains the encoder of a run's generator,
//! `gan reconstruct` finds codes of real images (encoder, then refinement) and reports the
//! reconstruction error beside the nearest-random-sample baseline.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::{Device, Tensor};
use clap::Args;
use gan_nn::EncoderConfig;
use gan_train::{
    BuiltinGenerator, InferenceManifest, InferenceTraining, Refinement, mean_sd,
    nearest_sample_errors, row_errors, save_encoder,
};
use serde::Serialize;

use crate::DeviceArgs;
use crate::error::CliError;
use crate::images::write_image_grid;
use crate::inputs::{check_rows, generate, host, read_matrix, read_run};
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

#[derive(Args, Debug)]
pub struct ReconstructArgs {
    /// The run or model directory (its generator and the encoder trained for it).
    #[arg(long)]
    run_dir: PathBuf,
    /// The images (.npy or IDX), values in [0, 1].
    #[arg(long)]
    images: PathBuf,
    /// Images to skip at the start of the file.
    #[arg(long, default_value_t = 0)]
    skip: usize,
    /// Images to reconstruct after those (default: all the rest).
    #[arg(long)]
    n: Option<usize>,
    /// Refinement steps after the encoder's guess (default: the manifest's; at most
    /// 1,000,000).
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(..=1_000_000))]
    refine_steps: Option<usize>,
    /// Adam's step size on the codes (default: the manifest's).
    #[arg(long)]
    refine_lr: Option<f64>,
    /// Also measure the baseline: each image against the nearest of this many random samples.
    #[arg(long, default_value_t = 0)]
    baseline_samples: usize,
    /// Seed of the baseline's samples.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Images refined together.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Write the reconstructions as a float32 .npy array.
    #[arg(long)]
    npy: Option<PathBuf>,
    /// Write the codes as a float32 .npy array.
    #[arg(long)]
    z_npy: Option<PathBuf>,
    /// Write a grid of the first 50 images, each beside its reconstruction.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

/// Mean squared error per pixel over the images, with its standard error.
#[derive(Debug, Serialize)]
struct Mse {
    mean: f64,
    se: f64,
}

impl Mse {
    fn of(errors: &[f64]) -> Self {
        let (mean, sd) = mean_sd(errors);
        Self {
            mean,
            se: sd / (errors.len() as f64).sqrt(),
        }
    }
}

#[derive(Debug, Serialize)]
struct ReconstructReport {
    images: usize,
    refinement: Refinement,
    encoder: Mse,
    refined: Mse,
    baseline_samples: usize,
    baseline: Option<Mse>,
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

pub fn reconstruct(a: ReconstructArgs) -> Result<(), CliError> {
    let device = a.device.device()?;
    let inverter = Inverter::load(&a.run_dir, &device)?;
    let images = read_matrix(&a.images)?;
    inverter.check_width(images.dim(), &a.images)?;
    let available = images.len().saturating_sub(a.skip);
    let n = a.n.unwrap_or(available);
    if n == 0 || n > available || a.batch == 0 {
        return Err(CliError::Usage(format!(
            "--skip {} and --n {n} leave no images or run past the file's {} (and --batch must \
             be positive)",
            a.skip,
            images.len()
        )));
    }
    check_rows("--baseline-samples", a.baseline_samples, images.dim())?;
    let refinement = inverter.refinement(a.refine_steps, a.refine_lr);
    let (mut guess_errors, mut errors, mut samples, mut codes) = (vec![], vec![], vec![], vec![]);
    for start in (a.skip..a.skip + n).step_by(a.batch) {
        let rows: Vec<usize> = (start..start.saturating_add(a.batch).min(a.skip + n)).collect();
        let x = images.gather(&rows, &device);
        let inferred = inverter.infer(x.clone(), refinement)?;
        guess_errors.extend(row_errors(inferred.guess_samples, x.clone()));
        errors.extend(row_errors(inferred.samples.clone(), x));
        samples.extend(host(inferred.samples));
        codes.extend(host(inferred.codes));
    }
    let baseline = (a.baseline_samples > 0).then(|| {
        device.seed(a.seed);
        let noise = inverter.manifest.noise;
        let random = generate(
            inverter.generator(),
            noise,
            a.baseline_samples,
            None,
            &device,
        );
        let x = images
            .slice(a.skip..a.skip + n)
            .map(|d| d.to_tensor(&device));
        x.map(|x| Mse::of(&nearest_sample_errors(x, random)))
    });
    let report = ReconstructReport {
        images: n,
        refinement,
        encoder: Mse::of(&guess_errors),
        refined: Mse::of(&errors),
        baseline_samples: a.baseline_samples,
        baseline: baseline.transpose()?,
    };
    write_outputs(&a, &images, &samples, &codes)?;
    print_report(&report, a.json)
}

fn write_outputs(
    a: &ReconstructArgs,
    images: &gan_data::Dataset,
    samples: &[f32],
    codes: &[f32],
) -> Result<(), CliError> {
    let d = images.dim();
    let n = samples.len() / d;
    if let Some(path) = &a.npy {
        gan_data::write_npy(path, samples, &[n, d])?;
    }
    if let Some(path) = &a.z_npy {
        gan_data::write_npy(path, codes, &[n, codes.len() / n])?;
    }
    if let Some(path) = &a.out {
        let pairs: Vec<Vec<f32>> = (0..n.min(50))
            .flat_map(|i| {
                let original = images.row(a.skip + i).to_vec();
                [original, samples[i * d..(i + 1) * d].to_vec()]
            })
            .collect();
        write_image_grid(path, &pairs, 10, images.item_shape())?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn print_report(report: &ReconstructReport, json: bool) -> Result<(), CliError> {
    if json {
        return crate::print_json(report);
    }
    println!(
        "{} images, mean squared error per value: encoder {:.5} ± {:.5}; refined ({} steps, \
         Adam {}) {:.5} ± {:.5}",
        report.images,
        report.encoder.mean,
        report.encoder.se,
        report.refinement.steps,
        report.refinement.learning_rate,
        report.refined.mean,
        report.refined.se
    );
    if let Some(baseline) = &report.baseline {
        println!(
            "baseline, nearest of {} random samples: {:.5} ± {:.5}",
            report.baseline_samples, baseline.mean, baseline.se
        );
    }
    Ok(())
}
