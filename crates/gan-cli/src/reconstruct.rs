//! `gan reconstruct`: codes and reconstructions of real images through a run's generator (its
//! encoder's guess, refined), a batch at a time, with the reconstruction error beside the
//! nearest-random-sample baseline.

use std::path::PathBuf;

use clap::Args;
use gan_data::NpyRowWriter;
use gan_train::{Refinement, mean_sd, nearest_sample_errors, row_errors};
use serde::Serialize;

use crate::DeviceArgs;
use crate::batches::{BATCH_ROWS, Work, open_rows};
use crate::error::CliError;
use crate::images::write_image_grid;
use crate::inference::Inverter;
use crate::inputs::{check_rows, from_host, generate, host};

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

/// The reconstructions written so far: the arrays, and the first pairs of the grid.
struct Outputs {
    samples: Option<NpyRowWriter>,
    codes: Option<NpyRowWriter>,
    pairs: Vec<Vec<f32>>,
}

/// Pairs of (image, reconstruction) in `--out`'s grid.
const GRID_PAIRS: usize = 50;

pub fn reconstruct(a: ReconstructArgs) -> Result<(), CliError> {
    let device = a.device.device()?;
    let inverter = Inverter::load(&a.run_dir, &device)?;
    let mut images = open_rows(&a.images)?;
    inverter.check_width(images.dim(), &a.images)?;
    let available = images.rows().saturating_sub(a.skip);
    let n = a.n.unwrap_or(available);
    if n == 0 || n > available || a.batch == 0 {
        return Err(CliError::Usage(format!(
            "--skip {} and --n {n} leave no images or run past the file's {} (and --batch must \
             be positive)",
            a.skip,
            images.rows()
        )));
    }
    let d = images.dim();
    check_rows("--baseline-samples", a.baseline_samples, d)?;
    let refinement = inverter.refinement(a.refine_steps, a.refine_lr);
    let random = (a.baseline_samples > 0).then(|| {
        device.seed(a.seed);
        let noise = inverter.manifest().noise;
        generate(
            inverter.generator(),
            noise,
            a.baseline_samples,
            None,
            &device,
        )
    });
    let writer = |path: &Option<PathBuf>, width| {
        (path.as_deref())
            .map(|p| NpyRowWriter::create(p, &[n, width]))
            .transpose()
    };
    let mut out = Outputs {
        samples: writer(&a.npy, d)?,
        codes: writer(&a.z_npy, inverter.generator().noise_dim())?,
        pairs: Vec::new(),
    };
    let (mut guess_errors, mut errors, mut baseline_errors) = (vec![], vec![], vec![]);
    let mut work = Work::new("images", n as u64)?;
    // Rows before --skip are read and dropped: a file is read in order.
    let mut skipped = 0;
    while skipped < a.skip {
        let batch = images.next_chunk(BATCH_ROWS.min(a.skip - skipped))?;
        skipped += batch.map_or(a.skip, |b| b.len());
    }
    let mut done = 0;
    while done < n {
        let Some(chunk) = images.next_chunk(BATCH_ROWS.min(n - done))? else {
            break;
        };
        for part in chunk.features().chunks(a.batch.saturating_mul(d)) {
            let x = from_host(part.to_vec(), d, &device);
            let inferred = inverter.infer(x.clone(), refinement)?;
            guess_errors.extend(row_errors(inferred.guess_samples, x.clone()));
            errors.extend(row_errors(inferred.samples.clone(), x.clone()));
            if let Some(random) = &random {
                baseline_errors.extend(nearest_sample_errors(x, random.clone()));
            }
            out.add(part, &host(inferred.samples), &host(inferred.codes), d)?;
        }
        done += chunk.len();
        work.advance(chunk.len() as u64)?;
    }
    work.finish();
    let report = ReconstructReport {
        images: n,
        refinement,
        encoder: Mse::of(&guess_errors),
        refined: Mse::of(&errors),
        baseline_samples: a.baseline_samples,
        baseline: random.map(|_| Mse::of(&baseline_errors)),
    };
    out.finish(&a, images.item_shape())?;
    print_report(&report, a.json)
}

impl Outputs {
    /// Adds a batch: `given` images, their reconstructions and codes.
    fn add(
        &mut self,
        given: &[f32],
        samples: &[f32],
        codes: &[f32],
        d: usize,
    ) -> Result<(), CliError> {
        if let Some(w) = &mut self.samples {
            w.write(samples)?;
        }
        if let Some(w) = &mut self.codes {
            w.write(codes)?;
        }
        for (x, r) in given.chunks(d).zip(samples.chunks(d)) {
            if self.pairs.len() < 2 * GRID_PAIRS {
                self.pairs.extend([x.to_vec(), r.to_vec()]);
            }
        }
        Ok(())
    }

    fn finish(self, a: &ReconstructArgs, item_shape: &[usize]) -> Result<(), CliError> {
        for w in [self.samples, self.codes].into_iter().flatten() {
            w.finish()?;
        }
        if let Some(path) = &a.out {
            write_image_grid(path, &self.pairs, 10, item_shape)?;
            eprintln!("wrote {}", path.display());
        }
        Ok(())
    }
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
