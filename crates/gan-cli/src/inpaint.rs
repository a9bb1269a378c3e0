//! `gan inpaint`: an inpainting run's completions of images with a half missing, and
//! (`--evaluate`) how often a classifier that never saw them labels them correctly, beside the
//! zero-fill and nearest-neighbour baselines.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use gan_data::Dataset;
use gan_nn::Half;
use gan_train::{inpaint, inpaint_continued, mean_sd, nearest_fill, zero_fill};
use serde::Serialize;

use crate::batches::{for_each_batch, open_rows};
use crate::error::CliError;
use crate::images::write_image_grid;
use crate::inputs::read_run;
use crate::{DataArgs, DeviceArgs};

/// An MNIST set that `--evaluate` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Split {
    /// The test set.
    Test,
    /// The validation set (training images 50,000–59,999).
    Valid,
}

/// The half of each image that is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MaskArg {
    /// The upper half of the rows.
    Top,
    /// The lower half of the rows.
    Bottom,
    /// The left half of the columns.
    Left,
    /// The right half of the columns.
    Right,
}

impl From<MaskArg> for Half {
    fn from(m: MaskArg) -> Half {
        match m {
            MaskArg::Top => Half::Top,
            MaskArg::Bottom => Half::Bottom,
            MaskArg::Left => Half::Left,
            MaskArg::Right => Half::Right,
        }
    }
}

#[derive(Args, Debug)]
pub struct InpaintArgs {
    /// The inpainting run or exported model (`gan train --preset inpaint`).
    #[arg(long)]
    run_dir: PathBuf,
    /// The images to complete (.npy or IDX, `.gz` or raw; u8 scaled to [0, 1]).
    #[arg(long, required_unless_present = "evaluate")]
    images: Option<PathBuf>,
    /// The half that is missing; the other is returned unchanged, bit for bit.
    #[arg(long, value_enum)]
    mask: MaskArg,
    /// Seed of the generator's noise.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write the completions as a float32 .npy array, one row per image.
    #[arg(long)]
    npy: Option<PathBuf>,
    /// Write a grid: for each of the first images, its known half, the completion and the
    /// image given.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Images shown in --out.
    #[arg(long, default_value_t = 30)]
    grid_images: usize,
    /// Measure instead: complete the last --rows MNIST digits of --split, classify the completions
    /// with --classifier and report the accuracy (seed 0, and mean ± sd over --seeds seeds)
    /// beside the zero-fill and nearest-training-image baselines.
    #[arg(long, conflicts_with = "images")]
    evaluate: bool,
    /// MNIST digits evaluated (the last ones of --split).
    #[arg(long, default_value_t = 1000)]
    rows: usize,
    /// The MNIST set evaluated: `test`, or `valid` (training images 50,000–59,999, which the
    /// model did not train on) to compare models without touching the test set.
    #[arg(long, value_enum, default_value = "test")]
    split: Split,
    /// Seeds of the mean ± sd (0, 1, …; at most 1,000).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(..=1_000))]
    seeds: u64,
    /// The classifier that labels the completions (`gan classifier`).
    #[arg(long, default_value = "models/mnist-classifier")]
    classifier: PathBuf,
    /// Print the evaluation as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    device: DeviceArgs,
}

/// The accuracy of one way of filling the missing half, with its binomial standard error.
#[derive(Debug, Serialize)]
struct Accuracy {
    accuracy: f64,
    se: f64,
    /// `confusion[true class][predicted class]`: counts.
    confusion: Vec<Vec<usize>>,
}

/// `gan inpaint --evaluate`'s report.
#[derive(Debug, Serialize)]
struct InpaintReport {
    missing: String,
    split: String,
    rows: usize,
    classifier: String,
    /// The classifier on the whole images: the ceiling.
    complete_images: Accuracy,
    zero_fill: Accuracy,
    nearest_training_image: Accuracy,
    /// The generator's completions with seed 0.
    completions_seed0: Accuracy,
    /// Mean and sd of the accuracy over seeds 0 .. seeds.
    completions_mean: f64,
    completions_sd: f64,
    seeds: u64,
}

pub fn inpaint_command(a: InpaintArgs) -> Result<(), CliError> {
    let device = a.device.device()?;
    let config = read_run(&a.run_dir)?;
    if !config.train.preprocessing.is_none() {
        return Err(CliError::Usage(
            "gan inpaint completes runs trained on raw pixels; this run preprocesses its data"
                .into(),
        ));
    }
    let loaded = gan_train::load_generator(&a.run_dir, &device)?;
    let Some(generator) = loaded.downcast_ref::<gan_nn::InpaintGenerator>() else {
        return Err(CliError::Usage(format!(
            "{} is not an inpainting run (train one with --preset inpaint)",
            a.run_dir.display()
        )));
    };
    let generator = generator.clone();
    let image = generator.image_shape();
    let missing = Half::from(a.mask);
    if a.evaluate {
        let complete = |images: &[f32], seed: u64| {
            let noise = config.train.noise;
            inpaint(&generator, images, image, missing, noise, seed, &device)
        };
        return evaluate(&a, image, missing, complete);
    }
    if a.npy.is_none() && a.out.is_none() {
        return Err(CliError::Usage(
            "give --npy and/or --out for the completions".into(),
        ));
    }
    let path = a
        .images
        .as_ref()
        .expect("clap requires --images without --evaluate");
    let mut images = open_rows(path)?;
    let features: usize = image.iter().product();
    if images.dim() != features || images.rows() == 0 {
        return Err(CliError::Usage(format!(
            "{}: {} images of {} values; the model completes {}×{}×{} images",
            path.display(),
            images.rows(),
            images.dim(),
            image[0],
            image[1],
            image[2]
        )));
    }
    // A batch of images at a time: the grid keeps its first few triplets, the array is
    // written as it goes; one seed for all, continued from batch to batch.
    let mut npy = (a.npy.as_deref())
        .map(|p| gan_data::NpyRowWriter::create(p, &[images.rows(), features]))
        .transpose()?;
    let shown = a.grid_images.max(1);
    let mut grid: [Vec<f32>; 3] = Default::default();
    device.seed(a.seed);
    for_each_batch(&mut images, |_, batch| {
        let given = batch.features();
        let noise = config.train.noise;
        let completed = inpaint_continued(&generator, given, image, missing, noise, &device)?;
        if let Some(npy) = &mut npy {
            npy.write(&completed)?;
        }
        let room = (shown * features)
            .saturating_sub(grid[0].len())
            .min(given.len());
        if room > 0 {
            grid[0].extend(zero_fill(&given[..room], image, missing)?);
            grid[1].extend_from_slice(&completed[..room]);
            grid[2].extend_from_slice(&given[..room]);
        }
        Ok(())
    })?;
    if let (Some(npy), Some(path)) = (npy, &a.npy) {
        npy.finish()?;
        println!("wrote {}", path.display());
    }
    if let Some(out) = &a.out {
        let sets = [&grid[0][..], &grid[1][..], &grid[2][..]];
        write_triplets(out, &sets, features, shown, &image)?;
        println!("wrote {}", out.display());
    }
    Ok(())
}

/// A grid of `(known half, completion, original)` triplets, six to a row.
fn write_triplets(
    out: &Path,
    sets: &[&[f32]; 3],
    features: usize,
    count: usize,
    image: &[usize; 3],
) -> Result<(), CliError> {
    let n = (sets[0].len() / features).min(count.max(1));
    let tiles: Vec<Vec<f32>> = (0..n)
        .flat_map(|i| {
            sets.iter()
                .map(move |s| s[i * features..(i + 1) * features].to_vec())
        })
        .collect();
    write_image_grid(out, &tiles, 3 * n.min(6), image)
}

fn evaluate(
    a: &InpaintArgs,
    image: [usize; 3],
    missing: Half,
    complete: impl Fn(&[f32], u64) -> gan_train::Result<Vec<f32>>,
) -> Result<(), CliError> {
    if a.rows == 0 || a.seeds == 0 {
        return Err(CliError::Usage(
            "--rows and --seeds must be positive".into(),
        ));
    }
    let device = a.device.device()?;
    let mnist = a.data.mnist()?;
    let test = match a.split {
        Split::Test => &mnist.test,
        Split::Valid => &mnist.valid,
    };
    if a.rows > test.len() || test.dim() != image.iter().product::<usize>() {
        return Err(CliError::Usage(format!(
            "--rows {} of {} test digits of {} values; the model completes {:?}",
            a.rows,
            test.len(),
            test.dim(),
            image
        )));
    }
    let test = test.slice(test.len() - a.rows..test.len())?;
    let labels = test
        .labels()
        .expect("MNIST's test set is labelled")
        .to_vec();
    let (classifier, _) = gan_train::load_classifier(&a.classifier, &device)?;
    let accuracy = |values: Vec<f32>| -> Result<Accuracy, CliError> {
        let rows = Dataset::new(values, test.item_shape().to_vec(), Some(labels.clone()))?;
        let probabilities = gan_train::classifier_outputs(&classifier, &rows, &device, 500)?.1;
        let classes = probabilities.len() / rows.len();
        let mut confusion = vec![vec![0usize; classes]; classes];
        for (row, &label) in probabilities.chunks_exact(classes).zip(&labels) {
            let best = (0..classes).fold(0, |b, c| if row[c] > row[b] { c } else { b });
            confusion[usize::from(label)][best] += 1;
        }
        let correct: usize = (0..classes).map(|c| confusion[c][c]).sum();
        let p = correct as f64 / rows.len() as f64;
        let se = (p * (1.0 - p) / rows.len() as f64).sqrt();
        Ok(Accuracy {
            accuracy: p,
            se,
            confusion,
        })
    };
    let known = test.features();
    let per_seed: Vec<Accuracy> = (0..a.seeds)
        .map(|seed| accuracy(complete(known, seed)?))
        .collect::<Result<_, _>>()?;
    let (mean, sd) = mean_sd(&per_seed.iter().map(|s| s.accuracy).collect::<Vec<_>>());
    let report = InpaintReport {
        missing: missing.to_string(),
        split: format!("{:?}", a.split).to_lowercase(),
        rows: a.rows,
        classifier: a.classifier.display().to_string(),
        complete_images: accuracy(known.to_vec())?,
        zero_fill: accuracy(zero_fill(known, image, missing)?)?,
        nearest_training_image: accuracy(nearest_fill(
            known,
            mnist.train.features(),
            image,
            missing,
            &device,
        )?)?,
        completions_seed0: per_seed.into_iter().next().expect("seeds ≥ 1"),
        completions_mean: mean,
        completions_sd: sd,
        seeds: a.seeds,
    };
    if a.json {
        return crate::print_json(&report);
    }
    let pct = |x: &Accuracy| format!("{:6.2} % ± {:.2}", 100.0 * x.accuracy, 100.0 * x.se);
    println!(
        "classifier accuracy on the last {} MNIST {} digits, {} half missing ({}):",
        report.rows, report.split, report.missing, report.classifier
    );
    println!("  whole images            {}", pct(&report.complete_images));
    println!("  zero fill               {}", pct(&report.zero_fill));
    println!(
        "  nearest training image  {}",
        pct(&report.nearest_training_image)
    );
    println!(
        "  completions, seed 0     {}",
        pct(&report.completions_seed0)
    );
    for (class, row) in report.completions_seed0.confusion.iter().enumerate() {
        let total: usize = row.iter().sum();
        let others: Vec<String> = (0..row.len())
            .filter(|&c| c != class && row[c] > 0)
            .map(|c| format!("{c}: {}", row[c]))
            .collect();
        println!(
            "    {class}: {} of {total} right; taken for {}",
            row[class],
            others.join(", ")
        );
    }
    println!(
        "  completions, {} seeds    {:6.2} % ± {:.2} (mean ± sd)",
        report.seeds,
        100.0 * mean,
        100.0 * sd
    );
    Ok(())
}
