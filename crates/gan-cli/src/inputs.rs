//! Reading the data and arrays commands work on.

use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};
use gan_data::Dataset;
use gan_train::BuiltinGenerator;

use crate::error::CliError;

/// A run's (or an export's) `config.json`, of built-in players.
pub fn read_run(run_dir: &Path) -> Result<gan_train::RunConfig, CliError> {
    Ok(gan_train::read_run_config(run_dir)?)
}

/// The generator of a run or export (its `weights`), for commands that sample from noise: an
/// inpainting generator, which completes images instead, is refused.
pub fn load_sampler(
    run_dir: &Path,
    device: &Device,
    weights: gan_train::GeneratorWeights,
) -> Result<BuiltinGenerator, CliError> {
    let g = gan_train::load_generator_with(run_dir, device, weights)?;
    for skipped in g.skipped_checkpoints() {
        eprintln!("warning: skipped damaged checkpoint {skipped}; using an older one");
    }
    if g.downcast_ref::<gan_nn::InpaintGenerator>().is_some() {
        return Err(CliError::Usage(format!(
            "{} is an inpainting model: it completes images rather than sampling (use `gan inpaint`)",
            run_dir.display()
        )));
    }
    Ok(g)
}

/// A matrix from a `.npy` file (f32/f64/u8, u8 scaled to [0, 1]) or an IDX file (`.gz` or raw,
/// u8 scaled to [0, 1]); commands that need flat rows read each item flattened.
pub fn read_matrix(path: &Path) -> Result<Dataset, CliError> {
    check_array_path(path)?;
    Ok(gan_data::read_array(path)?)
}

/// Refuses a directory or a missing path where an array file is expected, naming which.
pub fn check_array_path(path: &Path) -> Result<(), CliError> {
    if path.is_dir() {
        return Err(CliError::Usage(format!(
            "{}: is a directory, not an array file (.npy or IDX)",
            path.display()
        )));
    }
    if !path.is_file() {
        return Err(CliError::Usage(format!("{}: no such file", path.display())));
    }
    Ok(())
}

/// Samples [`generate`] draws per forward pass. A command that calls it in batches of a
/// multiple of this draws the same noise as one call.
pub const GENERATE_CHUNK: usize = 2000;

const _: () = assert!(crate::batches::BATCH_ROWS.is_multiple_of(GENERATE_CHUNK));

/// `n` samples of a generator, drawn in chunks, from the noise prior `noise`, as flat rows
/// (for a conditional generator, `condition` gives each sample's condition, `[n, c]`).
pub fn generate(
    g: &BuiltinGenerator,
    noise: gan_nn::Noise,
    n: usize,
    condition: Option<Tensor<2>>,
    device: &Device,
) -> Tensor<2> {
    let chunk = GENERATE_CHUNK;
    let parts: Vec<Tensor<2>> = (0..n)
        .step_by(chunk)
        .map(|start| {
            let len = chunk.min(n - start);
            let c = condition.as_ref().map(|c| c.clone().narrow(0, start, len));
            g.generate_rows(noise.sample(len, g.noise_dim(), device), c)
        })
        .collect();
    Tensor::cat(parts, 0)
}

pub use gan_train::cycled_classes;

/// A tensor's values on the host.
pub fn host(t: Tensor<2>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("f32 data")
}

/// Host values as a `[rows, d]` tensor.
pub fn from_host(values: Vec<f32>, d: usize, device: &Device) -> Tensor<2> {
    let rows = values.len() / d;
    Tensor::from_data(TensorData::new(values, [rows, d]), device)
}

/// The most values one array a command generates may hold: 2³¹ float32 values, 8 GiB.
pub const MAX_VALUES: usize = 1 << 31;

/// Refuses `rows` rows of `width` values when they would exceed [`MAX_VALUES`], naming the
/// flag, before anything is allocated.
pub fn check_rows(flag: &str, rows: usize, width: usize) -> Result<(), CliError> {
    match rows.checked_mul(width) {
        Some(values) if values <= MAX_VALUES => Ok(()),
        _ => Err(CliError::Usage(format!(
            "{flag} {rows}: {rows} rows of {width} values exceed the {MAX_VALUES} values an \
             array may hold"
        ))),
    }
}
