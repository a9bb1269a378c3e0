//! `gan parzen`: the Parzen-window evaluator on arrays from files, each read a batch at a
//! time: the samples once per pass of the evaluator, the test rows in batches.

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor};
use clap::Args;
use gan_parzen::{ParzenError, ParzenEvaluator, ParzenReport, SampleSource};

use crate::DeviceArgs;
use crate::batches::{BATCH_ROWS, for_each_batch, head_rows, open_rows};
use crate::error::CliError;

pub fn print_report(report: &ParzenReport, json: bool) -> Result<(), CliError> {
    if json {
        return crate::print_json(report);
    } else {
        println!(
            "Parzen log-likelihood: {:.2} ± {:.2} (σ = {:.4}, {} test rows, {} samples)",
            report.mean, report.se, report.sigma, report.n_test, report.n_samples
        );
    }
    Ok(())
}

#[derive(Args, Debug)]
pub struct ParzenArgs {
    /// The samples of the density estimate (.npy or IDX).
    #[arg(long)]
    samples: PathBuf,
    /// The rows to evaluate (.npy or IDX).
    #[arg(long)]
    test: PathBuf,
    /// Validation rows for choosing σ (required without --sigma).
    #[arg(long)]
    valid: Option<PathBuf>,
    /// Use this σ instead of cross-validating.
    #[arg(long)]
    sigma: Option<f64>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

/// Samples in an array file, read again for each pass of the evaluator.
pub struct FileSamples {
    path: PathBuf,
    shape: [usize; 2],
    device: Device,
}

impl FileSamples {
    /// Opens `path` and reads its header.
    pub fn open(path: &Path, device: &Device) -> Result<Self, CliError> {
        let rows = open_rows(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            shape: [rows.rows(), rows.dim()],
            device: device.clone(),
        })
    }
}

impl SampleSource for FileSamples {
    fn shape(&self) -> [usize; 2] {
        self.shape
    }

    fn for_each_chunk(
        &self,
        max_rows: usize,
        f: &mut dyn FnMut(Tensor<2>) -> Result<(), ParzenError>,
    ) -> Result<(), ParzenError> {
        let source = |e: gan_data::DataError| ParzenError::Source(e.to_string());
        let mut rows = gan_data::ArrayRows::open(&self.path).map_err(source)?;
        while let Some(chunk) = rows.next_chunk(max_rows.min(BATCH_ROWS)).map_err(source)? {
            f(chunk.to_tensor(&self.device))?;
        }
        Ok(())
    }
}

/// The mean log-likelihood of the rows of `test`, read in batches, under σ.
pub fn parzen_of_file(
    evaluator: &ParzenEvaluator,
    samples: &dyn SampleSource,
    test: &Path,
    sigma: f64,
    device: &Device,
) -> Result<ParzenReport, CliError> {
    let mut rows = open_rows(test)?;
    let mut ll = Vec::with_capacity(rows.rows());
    for_each_batch(&mut rows, |_, batch| {
        let batch = batch.to_tensor(device);
        ll.extend(
            evaluator
                .log_likelihoods(samples, &batch, &[sigma])?
                .remove(0),
        );
        Ok(())
    })?;
    if ll.is_empty() {
        return Err(ParzenError::Empty("test").into());
    }
    Ok(ParzenReport::of_rows(&ll, sigma, samples.shape()[0]))
}

pub fn parzen(a: ParzenArgs) -> Result<(), CliError> {
    let device = a.device.device()?;
    let samples = FileSamples::open(&a.samples, &device)?;
    let evaluator = ParzenEvaluator::paper_protocol();
    let (sigma, grid) = match (a.sigma, &a.valid) {
        (Some(sigma), _) => (sigma, Vec::new()),
        (None, Some(valid)) => {
            let valid = head_rows(valid, evaluator.config.n_valid)?.to_tensor(&device);
            evaluator.cross_validate(&samples, &valid)?
        }
        (None, None) => {
            return Err(CliError::Usage(
                "give --valid FILE to cross-validate σ, or --sigma S".into(),
            ));
        }
    };
    let mut report = parzen_of_file(&evaluator, &samples, &a.test, sigma, &device)?;
    report.grid = grid;
    print_report(&report, a.json)
}

/// Samples of a generator, drawn again for each pass of the evaluator from the same seed, in
/// the chunks [`crate::inputs::generate`] draws: the same samples it gives, never all held.
pub struct GeneratedSamples<'a> {
    /// The generator.
    pub generator: &'a gan_train::BuiltinGenerator,
    /// Its noise prior.
    pub noise: gan_nn::Noise,
    /// Samples drawn (a conditional generator's cycle through its classes).
    pub n: usize,
    /// Seed of the noise.
    pub seed: u64,
    /// Where they are drawn.
    pub device: Device,
}

impl SampleSource for GeneratedSamples<'_> {
    fn shape(&self) -> [usize; 2] {
        [self.n, self.generator.sample_shape().iter().product()]
    }

    fn for_each_chunk(
        &self,
        max_rows: usize,
        f: &mut dyn FnMut(Tensor<2>) -> Result<(), ParzenError>,
    ) -> Result<(), ParzenError> {
        self.device.seed(self.seed);
        let classes = self.generator.condition_dim();
        let step = crate::inputs::GENERATE_CHUNK;
        for start in (0..self.n).step_by(step) {
            let len = step.min(self.n - start);
            let condition = (classes > 0).then(|| {
                let mut values = vec![0f32; len * classes];
                for i in 0..len {
                    values[i * classes + (start + i) % classes] = 1.0;
                }
                crate::inputs::from_host(values, classes, &self.device)
            });
            let noise = self
                .noise
                .sample(len, self.generator.noise_dim(), &self.device);
            let rows = self.generator.generate_rows(noise, condition);
            for part in (0..len).step_by(max_rows.max(1)) {
                f(rows
                    .clone()
                    .narrow(0, part, max_rows.max(1).min(len - part)))?;
            }
        }
        Ok(())
    }
}
