//! Exported generators: a run's generator alone, optionally in half precision, for sampling and
//! evaluation without the training state (discriminator, optimiser velocities).
//!
//! ```text
//! out_dir/
//!   config.json     the run's TrainConfig (the generator's shape and noise)
//!   generator.bpk   the generator's weights (burnpack), f32 or f16
//!   model.json      step, epoch, precision and the SHA-256 of generator.bpk
//!   *.jsonl         the run's logs (metrics, Parzen evaluations) up to the exported step
//! ```
//!
//! [`load_generator_into`](crate::load_generator_into) reads such a directory as readily as a run
//! directory. Weights stored in f16 are cast back to the module's precision on load, so the
//! generator computes in f32 either way; only the storage (and the rounding of each weight) is
//! halved.

use std::fs;
use std::path::Path;

use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, DType, TensorData};
use serde::{Deserialize, Serialize};

use crate::checkpoint::{
    self, CONFIG_FILE, GENERATOR_AVERAGE_FILE, GENERATOR_FILE, LoadedCheckpoint, load_module,
    sha256, write_atomic,
};
use crate::error::{Result, TrainError};

/// The manifest of an exported generator.
pub const MODEL_FILE: &str = "model.json";

/// How an exported generator stores its weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats: the weights exactly as trained.
    #[default]
    F32,
    /// IEEE half precision: half the size, each weight rounded to 11 significant bits.
    F16,
}

impl Precision {
    fn dtype(self) -> DType {
        match self {
            Precision::F32 => DType::F32,
            Precision::F16 => DType::F16,
        }
    }
}

/// Which of a run's generator weights to load or export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeneratorWeights {
    /// The exponential moving average of G's weights when the run keeps one
    /// ([`crate::TrainConfig::ema`]), otherwise the trained weights. The default.
    #[default]
    Average,
    /// The weights G was trained to, never averaged.
    Raw,
}

impl GeneratorWeights {
    /// The checkpoint file these weights are read from.
    pub(crate) fn file(self, loaded: &LoadedCheckpoint) -> &'static str {
        match self {
            GeneratorWeights::Average if loaded.files.contains_key(GENERATOR_AVERAGE_FILE) => {
                GENERATOR_AVERAGE_FILE
            }
            _ => GENERATOR_FILE,
        }
    }
}

/// `model.json`: what was exported, from where, and the checksum that guards it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedModel {
    /// Training steps behind the weights.
    pub step: u64,
    /// Epochs completed at that step.
    pub epoch: u64,
    /// How the weights are stored.
    pub precision: Precision,
    /// The checkpoint the weights came from, relative to its run directory.
    pub source: String,
    /// SHA-256 of `generator.bpk`, checked on every load.
    pub generator_sha256: String,
    /// Whether the weights are the run's average of G (false for exports written before
    /// averages existed).
    #[serde(default)]
    pub averaged: bool,
}

/// Re-encodes a burnpack record with its float tensors in `dtype`. The conversion is done on
/// the host, on the record's bytes: not every backend can hold f16 tensors (NdArray cannot),
/// and the file format can.
fn convert_floats(bytes: Bytes, dtype: DType) -> std::result::Result<Bytes, burn_pack::Error> {
    let tensors = burn_pack::Reader::from_bytes(bytes)?
        .into_tensors()?
        .into_iter()
        .map(|tensor| {
            if !tensor.dtype.is_float() || tensor.dtype == dtype {
                return Ok(tensor);
            }
            let (name, from, shape, id, bytes) = tensor.into_parts()?;
            let (bytes, shape, dtype) = TensorData::from_bytes(bytes, shape, from)
                .convert_dtype(dtype)
                .into_parts();
            Ok(burn_pack::Tensor::new(name, dtype, shape, id, bytes))
        })
        .collect::<std::result::Result<Vec<_>, burn_pack::Error>>()?;
    burn_pack::Writer::new(tensors).into_bytes()
}

/// Exports the generator of `run_dir`'s newest valid checkpoint to `out_dir` at `precision`,
/// with the run's config and its `.jsonl` logs cut at the checkpoint's step. `generator` is a
/// module of the run's structure (built from its config); the checkpoint's weights are loaded
/// into it first, so that a record that does not fit is refused before anything is written.
///
/// Each file is written atomically and `model.json` last, so an interrupted export leaves
/// either the previous export or a checksum mismatch that loading reports, never weights that
/// load silently wrong. `out_dir` must not hold checkpoints of its own (it would be ambiguous
/// which generator a command loads).
///
/// A run that keeps an average of G exports the average; [`export_generator_weights`] chooses.
pub fn export_generator_module<G: Module>(
    run_dir: &Path,
    out_dir: &Path,
    precision: Precision,
    generator: G,
) -> Result<ExportedModel> {
    export_generator_weights(
        run_dir,
        out_dir,
        precision,
        generator,
        GeneratorWeights::Average,
    )
}

/// [`export_generator_module`] with the choice of `weights`.
pub fn export_generator_weights<G: Module>(
    run_dir: &Path,
    out_dir: &Path,
    precision: Precision,
    generator: G,
    weights: GeneratorWeights,
) -> Result<ExportedModel> {
    let loaded = checkpoint::load_latest(run_dir)?;
    refuse_checkpoints(out_dir)?;
    let file = weights.file(&loaded);
    let generator = load_module(&loaded, file, generator)?;
    let config_path = run_dir.join(CONFIG_FILE);
    let config_bytes = fs::read(&config_path).map_err(|e| TrainError::io(&config_path, e))?;
    let source = loaded.path.strip_prefix(run_dir).unwrap_or(&loaded.path);
    let origin = ModelOrigin {
        step: loaded.state.step,
        epoch: loaded.state.epoch,
        source: source.display().to_string(),
        averaged: file == GENERATOR_AVERAGE_FILE,
    };
    fs::create_dir_all(out_dir).map_err(|e| TrainError::io(out_dir, e))?;
    copy_logs(run_dir, out_dir, loaded.state.step)?;
    write_model_dir(out_dir, &config_bytes, generator, precision, origin)
}

/// Where the weights of a model directory come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelOrigin {
    /// Training steps behind the weights (0 where unknown, as for imported weights).
    pub step: u64,
    /// Epochs completed at that step.
    pub epoch: u64,
    /// The checkpoint or file the weights came from.
    pub source: String,
    /// Whether the weights are an average of G's.
    pub averaged: bool,
}

/// Writes `generator` as a model directory that `load_generator_into` reads: `config.json`
/// (`config`, the JSON of a [`RunConfig`](crate::RunConfig) whose generator has this module's
/// structure), `generator.bpk` at `precision` and `model.json`. Each file is written
/// atomically and `model.json` last. `out_dir` must not hold checkpoints.
pub fn save_generator_module<G: Module>(
    out_dir: &Path,
    config: &[u8],
    generator: G,
    precision: Precision,
    origin: ModelOrigin,
) -> Result<ExportedModel> {
    refuse_checkpoints(out_dir)?;
    fs::create_dir_all(out_dir).map_err(|e| TrainError::io(out_dir, e))?;
    write_model_dir(out_dir, config, generator, precision, origin)
}

/// A model directory must not hold checkpoints: which generator a command loads would be
/// ambiguous.
fn refuse_checkpoints(out_dir: &Path) -> Result<()> {
    if checkpoint::list_checkpoints(out_dir)?.is_empty() {
        return Ok(());
    }
    Err(TrainError::Export {
        path: out_dir.to_path_buf(),
        reason: "holds checkpoints; write to a directory of its own".into(),
    })
}

/// A module's burnpack bytes with its float tensors stored in `precision`.
pub(crate) fn module_bytes<M: Module>(
    module: M,
    precision: Precision,
) -> std::result::Result<Vec<u8>, String> {
    let bytes = module
        .into_record()
        .into_bytes()
        .map_err(|e| e.to_string())?;
    let bytes = convert_floats(bytes, precision.dtype()).map_err(|e| e.to_string())?;
    Ok(bytes.to_vec())
}

fn write_model_dir<G: Module>(
    out_dir: &Path,
    config: &[u8],
    generator: G,
    precision: Precision,
    origin: ModelOrigin,
) -> Result<ExportedModel> {
    let bytes = module_bytes(generator, precision).map_err(|e| export_error(out_dir, e))?;
    write_atomic(&out_dir.join(CONFIG_FILE), config)?;
    write_atomic(&out_dir.join(GENERATOR_FILE), &bytes)?;
    let model = ExportedModel {
        step: origin.step,
        epoch: origin.epoch,
        precision,
        source: origin.source,
        generator_sha256: sha256(&bytes),
        averaged: origin.averaged,
    };
    let manifest = serde_json::to_vec_pretty(&model)
        .map_err(|e| TrainError::Serialize(format!("the export manifest: {e}")))?;
    write_atomic(&out_dir.join(MODEL_FILE), &manifest)?;
    Ok(model)
}

/// Reads `out_dir/model.json`, or `None` when the directory holds no exported generator.
pub fn read_exported(dir: &Path) -> Result<Option<ExportedModel>> {
    read_json_if_present(&dir.join(MODEL_FILE), |path, reason| TrainError::Export {
        path,
        reason,
    })
}

/// Parses the JSON file `path`, or `None` when there is none; `invalid` makes the error of a
/// file that does not parse.
pub(crate) fn read_json_if_present<T: serde::de::DeserializeOwned>(
    path: &Path,
    invalid: impl FnOnce(std::path::PathBuf, String) -> TrainError,
) -> Result<Option<T>> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| invalid(path.to_path_buf(), e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(TrainError::io(path, e)),
    }
}

/// Loads an exported generator (its checksum verified), cast to the precision `generator`
/// computes in.
pub(crate) fn load_exported<G: Module>(
    dir: &Path,
    model: &ExportedModel,
    generator: G,
) -> Result<G> {
    let path = dir.join(GENERATOR_FILE);
    let bytes = fs::read(&path).map_err(|e| TrainError::io(&path, e))?;
    if sha256(&bytes) != model.generator_sha256 {
        return Err(TrainError::Export {
            path,
            reason: format!("checksum differs from {MODEL_FILE} (file is corrupt or partial)"),
        });
    }
    module_from_bytes(bytes, generator).map_err(|e| export_error(&path, e))
}

/// Loads burnpack bytes into `module`, each float tensor cast to the module's precision.
pub(crate) fn module_from_bytes<M: Module>(
    bytes: Vec<u8>,
    module: M,
) -> std::result::Result<M, String> {
    let record =
        ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| e.to_string())?;
    module
        .try_load_record(record.cast_to_module_dtype())
        .map_err(|e| e.to_string())
}

/// Copies each `.jsonl` log of the run, keeping the lines of steps up to `step` (a run may
/// have logged past its newest checkpoint before it stopped).
fn copy_logs(run_dir: &Path, out_dir: &Path, step: u64) -> Result<()> {
    for entry in fs::read_dir(run_dir).map_err(|e| TrainError::io(run_dir, e))? {
        let path = entry.map_err(|e| TrainError::io(run_dir, e))?.path();
        if path.extension().is_none_or(|ext| ext != "jsonl") {
            continue;
        }
        let text = fs::read_to_string(&path).map_err(|e| TrainError::io(&path, e))?;
        let kept: String = text
            .lines()
            .filter(|line| line_step(line).is_some_and(|s| s <= step))
            .flat_map(|line| [line, "\n"])
            .collect();
        let name = path.file_name().expect("a file read from the directory");
        write_atomic(&out_dir.join(name), kept.as_bytes())?;
    }
    Ok(())
}

fn line_step(line: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct Step {
        step: u64,
    }
    serde_json::from_str::<Step>(line).ok().map(|s| s.step)
}

fn export_error(path: &Path, e: impl std::fmt::Display) -> TrainError {
    TrainError::Export {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}
