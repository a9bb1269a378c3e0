//! Reading the data and arrays commands work on.

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor, TensorData};
use gan_data::{Dataset, Mnist, default_data_dir, read_idx, read_npy_scaled};
use gan_nn::Generator;

use crate::DataArgs;
use crate::error::CliError;

impl DataArgs {
    /// MNIST from `--data-dir`, else found or downloaded in the cache directory.
    pub fn mnist(&self) -> Result<Mnist, CliError> {
        Ok(match &self.data_dir {
            Some(dir) => Mnist::load(dir)?,
            None => {
                let dir: PathBuf = default_data_dir().join("mnist");
                Mnist::load_or_download(&dir)?
            }
        })
    }
}

/// A run's (or an export's) `config.json`, of built-in players.
pub fn read_run(run_dir: &Path) -> Result<gan_train::RunConfig, CliError> {
    Ok(gan_train::read_run_config(run_dir)?)
}

/// A matrix from a `.npy` file (f32/f64/u8, u8 scaled to [0, 1]) or an IDX file (`.gz` or raw,
/// u8 scaled to [0, 1]); every dimension after the first is flattened.
pub fn read_matrix(path: &Path) -> Result<Dataset, CliError> {
    if !path.is_file() {
        return Err(CliError::Usage(format!("{}: no such file", path.display())));
    }
    let is_npy = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    if is_npy {
        return Ok(read_npy_scaled(path)?);
    }
    let idx = read_idx(path)?;
    let divisor = if idx.dtype == gan_data::IdxType::U8 {
        255.0
    } else {
        1.0
    };
    let item: Vec<usize> = if idx.dims.len() == 1 {
        vec![1]
    } else {
        idx.dims[1..].to_vec()
    };
    let values = idx.to_f32().into_iter().map(|v| v / divisor).collect();
    Ok(Dataset::new(values, item, None)?)
}

/// `n` samples of a generator, drawn in chunks, from the noise prior `noise`.
pub fn generate(g: &Generator, noise: gan_nn::Noise, n: usize, device: &Device) -> Tensor<2> {
    let chunk = 2000;
    let parts: Vec<Tensor<2>> = (0..n)
        .step_by(chunk)
        .map(|start| g.forward(noise.sample(chunk.min(n - start), g.d_noise(), device)))
        .collect();
    Tensor::cat(parts, 0)
}

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
