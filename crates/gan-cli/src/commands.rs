//! The subcommands.

use std::path::PathBuf;

use clap::Args;

use crate::DeviceArgs;
use crate::batches::{BATCH_ROWS, Work};
use crate::error::CliError;
use crate::images::write_image_grid;
use crate::inputs::{check_rows, cycled_classes, from_host, generate, host, read_run};
use crate::plot_records::XAxis;
use crate::plots::RunCurves;

#[derive(Args, Debug)]
pub struct SampleArgs {
    /// The run whose generator samples (its newest valid checkpoint).
    #[arg(long)]
    run_dir: PathBuf,
    #[command(flatten)]
    weights: crate::WeightsArgs,
    /// Number of samples.
    #[arg(long, default_value_t = 100)]
    n: usize,
    /// Seed of the noise.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The grid image to write.
    #[arg(long, default_value = "samples.png")]
    out: PathBuf,
    /// Also write the samples as a float32 .npy array.
    #[arg(long)]
    npy: Option<PathBuf>,
    /// Training data (an MNIST or CIFAR-10 directory, an image directory, an IDX or .npy file):
    /// add a rightmost column with the training image nearest to each row's last sample
    /// (Figure 2), nearest after the run's preprocessing.
    #[arg(long)]
    nearest: Option<PathBuf>,
    /// Columns of the grid (at most --n).
    #[arg(long, default_value_t = 10)]
    cols: usize,
    /// The class to draw, for a conditional run (0-based). Without it, a conditional run's
    /// grid has one row per class.
    #[arg(long)]
    class: Option<usize>,
    #[command(flatten)]
    device: DeviceArgs,
}

/// The one-hot condition of samples `start..start + n`: all `class`, else grid row `r` (of
/// `cols` samples) drawing class `r mod classes`; `None` for an unconditional generator.
fn sample_conditions(
    start: usize,
    n: usize,
    classes: usize,
    cols: usize,
    class: Option<usize>,
    device: &burn::tensor::Device,
) -> Result<Option<burn::tensor::Tensor<2>>, CliError> {
    match (classes, class) {
        (0, Some(_)) => Err(CliError::Usage(
            "--class needs a conditional run; this generator takes no class".into(),
        )),
        (0, None) => Ok(None),
        (k, Some(c)) if c >= k => Err(CliError::Usage(format!(
            "--class {c}: the generator has classes 0..{}",
            k - 1
        ))),
        (k, _) => {
            let mut values = vec![0f32; n * k];
            for i in 0..n {
                values[i * k + class.unwrap_or(((start + i) / cols) % k)] = 1.0;
            }
            Ok(Some(crate::inputs::from_host(values, k, device)))
        }
    }
}

pub fn sample(a: SampleArgs) -> Result<(), CliError> {
    if a.n == 0 || a.cols == 0 {
        return Err(CliError::Usage("--n and --cols must be positive".into()));
    }
    let device = a.device.device()?;
    let config = read_run(&a.run_dir)?;
    let g = crate::inputs::load_sampler(&a.run_dir, &device, a.weights.weights())?;
    let shape = g.sample_shape();
    let d: usize = shape.iter().product();
    check_rows("--n", a.n, d)?;
    let cols = a.cols.min(a.n);
    device.seed(a.seed);
    // In batches, so that only the grid and the array written grow with --n. Batches are
    // whole chunks of `generate`, so the noise drawn is the same as in one call.
    let mut npy = (a.npy.as_deref())
        .map(|path| gan_data::NpyRowWriter::create(path, &[a.n, d]))
        .transpose()?;
    let mut work = Work::new("samples", a.n as u64)?;
    let mut rows: Vec<Vec<f32>> = Vec::with_capacity(a.n);
    for start in (0..a.n).step_by(BATCH_ROWS) {
        let len = BATCH_ROWS.min(a.n - start);
        let condition = sample_conditions(start, len, g.condition_dim(), cols, a.class, &device)?;
        let values = host(generate(&g, config.train.noise, len, condition, &device));
        if let Some(npy) = &mut npy {
            npy.write(&values)?;
        }
        rows.extend(values.chunks(d).map(<[f32]>::to_vec));
        work.advance(len as u64)?;
    }
    work.finish();
    if let Some(npy) = npy {
        npy.finish()?;
    }
    let prep = config.train.preprocessing;
    let (grid, cols) = match &a.nearest {
        None => (rows.iter().map(|r| prep.for_display(r)).collect(), cols),
        Some(path) => {
            // Nearest in the space the generator was trained in.
            let train = prep.apply(gan_data::training_rows(path)?)?;
            if train.dim() != d || train.is_empty() {
                return Err(CliError::Usage(format!(
                    "--nearest {}: {} rows of {} values, the samples have {d}",
                    path.display(),
                    train.len(),
                    train.dim()
                )));
            }
            let mut grid = Vec::new();
            for chunk in rows.chunks(cols) {
                let last = chunk.last().expect("non-empty chunk");
                grid.extend(chunk.iter().map(|r| prep.for_display(r)));
                grid.extend(std::iter::repeat_n(vec![0.5; d], cols - chunk.len()));
                grid.push(prep.for_display(nearest(&train, last)));
            }
            (grid, cols + 1)
        }
    };
    write_image_grid(&a.out, &grid, cols, &shape)?;
    println!("wrote {}", a.out.display());
    Ok(())
}

/// The training row nearest (Euclidean) to `x`.
fn nearest<'a>(train: &'a gan_data::Dataset, x: &[f32]) -> &'a [f32] {
    (0..train.len())
        .map(|i| train.row(i))
        .min_by(|a, b| dist(a, x).total_cmp(&dist(b, x)))
        .expect("non-empty training set")
}

fn dist(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum()
}

#[derive(Args, Debug)]
pub struct InterpolateArgs {
    /// The run whose generator is used.
    #[arg(long)]
    run_dir: PathBuf,
    #[command(flatten)]
    weights: crate::WeightsArgs,
    /// The image to write.
    #[arg(long, default_value = "interpolation.png")]
    out: PathBuf,
    /// Pairs of endpoints (one per row).
    #[arg(long, default_value_t = 10)]
    rows: usize,
    /// Images per row, endpoints included (2 to 1,000).
    #[arg(long, default_value_t = 10,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(..=1_000))]
    steps: usize,
    /// Seed of the endpoints.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Interpolate between two real images instead (FILE:I FILE:J, rows of .npy or IDX
    /// files) through the codes the run's inference network finds for them; one row, the
    /// originals at its ends.
    #[arg(long, num_args = 2, value_names = ["FILE:I", "FILE:J"])]
    between: Vec<String>,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn interpolate(a: InterpolateArgs) -> Result<(), CliError> {
    if a.rows == 0 || a.steps < 2 {
        return Err(CliError::Usage(
            "--rows must be positive and --steps at least 2".into(),
        ));
    }
    let device = a.device.device()?;
    if !a.between.is_empty() {
        return crate::between::interpolate_between(
            &a.run_dir, &a.between, a.steps, &a.out, &device,
        );
    }
    let config = read_run(&a.run_dir)?;
    let g = crate::inputs::load_sampler(&a.run_dir, &device, a.weights.weights())?;
    let shape = g.sample_shape();
    let d: usize = shape.iter().product();
    let n = a.rows.saturating_mul(a.steps);
    check_rows("--rows × --steps", n, d)?;
    device.seed(a.seed);
    let dz = g.noise_dim();
    let ends = host(config.train.noise.sample(2 * a.rows, dz, &device));
    let mut z = Vec::with_capacity(n * dz);
    for pair in ends.chunks(2 * dz) {
        let (z0, z1) = pair.split_at(dz);
        for s in 0..a.steps {
            let t = s as f32 / (a.steps - 1) as f32;
            z.extend(z0.iter().zip(z1).map(|(p, q)| (1.0 - t) * p + t * q));
        }
    }
    let condition = cycled_classes(n, g.condition_dim(), &device);
    let images = host(g.generate_rows(from_host(z, dz, &device), condition));
    let prep = config.train.preprocessing;
    write_image_grid(
        &a.out,
        &images
            .chunks(d)
            .map(|r| prep.for_display(r))
            .collect::<Vec<_>>(),
        a.steps,
        &shape,
    )?;
    println!("wrote {}", a.out.display());
    Ok(())
}

#[derive(Args, Debug)]
pub struct PlotArgs {
    /// The run directory (its metrics.jsonl, and parzen.jsonl when evaluations were run).
    #[arg(long)]
    run_dir: PathBuf,
    /// The PNG to write (default: RUN_DIR/training.png).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Another run (or model) directory whose evaluations (its parzen.jsonl, and quality.jsonl
    /// from --eval-fid) are drawn beside this run's, named by the path as given; repeat for
    /// more.
    #[arg(long, value_name = "DIR")]
    compare: Vec<PathBuf>,
    /// The horizontal axis: steps, or minutes of training time (the time-to-quality figure of
    /// runs whose steps cost different times).
    #[arg(long, value_enum, default_value_t = XAxis::Steps)]
    x: XAxis,
}

pub fn plot(a: PlotArgs) -> Result<(), CliError> {
    let out = a.out.unwrap_or_else(|| a.run_dir.join("training.png"));
    let mut curves = RunCurves::read(&a.run_dir)?.by(a.x);
    for other in &a.compare {
        curves = curves.compare_with(other)?;
    }
    curves.write_png(&out)?;
    println!("{}", out.display());
    Ok(())
}
