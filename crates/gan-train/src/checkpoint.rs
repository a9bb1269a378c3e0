//! Run directories and crash-safe checkpoints.
//!
//! ```text
//! run_dir/
//!   config.json                  the TrainConfig
//!   metrics.jsonl                one MetricsRecord per line
//!   checkpoints/step-0000001000/ generator.bpk, discriminator.bpk,
//!                                g_optimizer.bpk, d_optimizer.bpk, state.json,
//!                                generator_ema.bpk (with an EMA of G),
//!                                spectral_norm.bin (with spectral normalisation),
//!                                train.json (the training config that wrote it)
//! ```
//!
//! A checkpoint is written into a temporary directory, every file synced, then renamed into
//! place, so a crash leaves either the whole checkpoint or none. `state.json` records the
//! SHA-256 of every file; loading checks them and falls back to the previous checkpoint,
//! saying so, when the newest is damaged.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Result, TrainError};

/// File names inside a checkpoint.
pub const GENERATOR_FILE: &str = "generator.bpk";
/// The discriminator's weights.
pub const DISCRIMINATOR_FILE: &str = "discriminator.bpk";
/// The generator's optimiser state.
pub const G_OPTIMIZER_FILE: &str = "g_optimizer.bpk";
/// The discriminator's optimiser state.
pub const D_OPTIMIZER_FILE: &str = "d_optimizer.bpk";
/// The generator's exponential moving average, in runs that keep one.
pub const GENERATOR_AVERAGE_FILE: &str = "generator_ema.bpk";
/// Spectral normalisation's power-iteration vectors, in runs that normalise D.
pub const SPECTRAL_NORM_FILE: &str = "spectral_norm.bin";
const STATE_FILE: &str = "state.json";
/// The run's configuration.
pub const CONFIG_FILE: &str = "config.json";
/// The metrics log.
pub const METRICS_FILE: &str = "metrics.jsonl";

/// Counters and integrity data saved with each checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointState {
    /// Steps completed. Every random draw of step `t` derives from `(seed, t)`, so this is all
    /// of the random state needed to continue the stream exactly.
    pub step: u64,
    /// Real batches consumed (discriminator updates), which fixes the position in the data.
    pub batches: u64,
    /// Epochs completed when the checkpoint was taken.
    pub epoch: u64,
    /// Training wall time so far, seconds (across resumes).
    pub elapsed_secs: f64,
    /// SHA-256 of each file in the checkpoint.
    pub sha256: BTreeMap<String, String>,
}

/// The bytes of one checkpoint.
#[derive(Debug, Clone)]
pub struct CheckpointFiles {
    /// File name → content.
    pub files: Vec<(&'static str, Vec<u8>)>,
}

/// A loaded, verified checkpoint.
#[derive(Debug)]
pub struct LoadedCheckpoint {
    /// Its directory.
    pub path: PathBuf,
    /// Its counters.
    pub state: CheckpointState,
    /// Its files, verified against their checksums.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Newer checkpoints that were skipped, with the reason.
    pub skipped: Vec<String>,
}

pub(crate) fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `bytes` to `path` through a synced temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(path.parent().unwrap_or(Path::new(".")))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|e| TrainError::io(path, e))
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

fn checkpoints_dir(run_dir: &Path) -> PathBuf {
    run_dir.join("checkpoints")
}

fn step_of(name: &str) -> Option<u64> {
    name.strip_prefix("step-")?.parse().ok()
}

/// The complete checkpoints of a run, newest first.
pub fn list_checkpoints(run_dir: &Path) -> Result<Vec<PathBuf>> {
    let dir = checkpoints_dir(run_dir);
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut found: Vec<(u64, PathBuf)> = fs::read_dir(&dir)
        .map_err(|e| TrainError::io(&dir, e))?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((step_of(e.file_name().to_str()?)?, e.path())))
        .collect();
    found.sort_by_key(|(step, _)| std::cmp::Reverse(*step));
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

/// Writes a checkpoint atomically and keeps only the newest `keep_last`.
pub fn save_checkpoint(
    run_dir: &Path,
    step: u64,
    batches: u64,
    epoch: u64,
    elapsed_secs: f64,
    files: CheckpointFiles,
    keep_last: usize,
) -> Result<PathBuf> {
    let dir = checkpoints_dir(run_dir);
    fs::create_dir_all(&dir).map_err(|e| TrainError::io(&dir, e))?;
    let final_path = dir.join(format!("step-{step:010}"));
    let tmp = dir.join(format!(".tmp-step-{step:010}-{}", std::process::id()));
    let write_all = || -> Result<()> {
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
        }
        fs::create_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
        let mut state = CheckpointState {
            step,
            batches,
            epoch,
            elapsed_secs,
            sha256: BTreeMap::new(),
        };
        for (name, bytes) in &files.files {
            let path = tmp.join(name);
            let mut f = File::create(&path).map_err(|e| TrainError::io(&path, e))?;
            f.write_all(bytes)
                .and_then(|_| f.sync_all())
                .map_err(|e| TrainError::io(&path, e))?;
            state.sha256.insert((*name).to_string(), sha256(bytes));
        }
        let json = serde_json::to_vec_pretty(&state)
            .map_err(|e| TrainError::Serialize(format!("the checkpoint state: {e}")))?;
        let path = tmp.join(STATE_FILE);
        let mut f = File::create(&path).map_err(|e| TrainError::io(&path, e))?;
        f.write_all(&json)
            .and_then(|_| f.sync_all())
            .map_err(|e| TrainError::io(&path, e))?;
        sync_dir(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
        if final_path.exists() {
            fs::remove_dir_all(&final_path).map_err(|e| TrainError::io(&final_path, e))?;
        }
        fs::rename(&tmp, &final_path).map_err(|e| TrainError::io(&final_path, e))?;
        sync_dir(&dir).map_err(|e| TrainError::io(&dir, e))
    };
    if let Err(e) = write_all() {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    // Only now, with the new checkpoint complete, prune old ones and stale temporaries.
    for old in list_checkpoints(run_dir)?.into_iter().skip(keep_last) {
        let _ = fs::remove_dir_all(old);
    }
    if let Ok(entries) = fs::read_dir(&dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(".tmp-") {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
    Ok(final_path)
}

fn load_one(
    path: &Path,
) -> std::result::Result<(CheckpointState, BTreeMap<String, Vec<u8>>), String> {
    let state_bytes = fs::read(path.join(STATE_FILE)).map_err(|e| format!("{STATE_FILE}: {e}"))?;
    let state: CheckpointState =
        serde_json::from_slice(&state_bytes).map_err(|e| format!("{STATE_FILE}: {e}"))?;
    let mut files = BTreeMap::new();
    let required = [
        GENERATOR_FILE,
        DISCRIMINATOR_FILE,
        G_OPTIMIZER_FILE,
        D_OPTIMIZER_FILE,
    ];
    // The parts a run has only when its config asks for them; the run checks which it needs.
    let optional = [
        GENERATOR_AVERAGE_FILE,
        SPECTRAL_NORM_FILE,
        crate::resume_check::TRAIN_CONFIG_FILE,
    ]
    .into_iter()
    .filter(|name| state.sha256.contains_key(*name));
    for name in required.into_iter().chain(optional) {
        let expected = state
            .sha256
            .get(name)
            .ok_or_else(|| format!("{STATE_FILE} lists no {name}"))?;
        let bytes = fs::read(path.join(name)).map_err(|e| format!("{name}: {e}"))?;
        let actual = sha256(&bytes);
        if &actual != expected {
            return Err(format!(
                "{name}: checksum mismatch (file is corrupt or partial)"
            ));
        }
        files.insert(name.to_string(), bytes);
    }
    Ok((state, files))
}

/// The newest checkpoint whose files all match their checksums. Damaged newer ones are skipped
/// and reported in [`LoadedCheckpoint::skipped`]; none valid is [`TrainError::NoCheckpoint`].
pub fn load_latest(run_dir: &Path) -> Result<LoadedCheckpoint> {
    let mut skipped = Vec::new();
    for path in list_checkpoints(run_dir)? {
        match load_one(&path) {
            Ok((state, files)) => {
                return Ok(LoadedCheckpoint {
                    path,
                    state,
                    files,
                    skipped,
                });
            }
            Err(reason) => skipped.push(format!("{}: {reason}", path.display())),
        }
    }
    Err(TrainError::NoCheckpoint {
        run_dir: run_dir.to_path_buf(),
        skipped,
    })
}

pub(crate) fn decode_failed(path: &Path, what: &str, e: impl std::fmt::Display) -> TrainError {
    TrainError::Checkpoint {
        path: path.to_path_buf(),
        reason: format!("{what}: {e}"),
    }
}

/// Loads checkpoint file `file` (e.g. [`GENERATOR_FILE`]) of `loaded` into `module` (a record that does not fit the
/// module's structure is refused).
pub fn load_module<M: Module>(loaded: &LoadedCheckpoint, file: &str, module: M) -> Result<M> {
    let what = file.trim_end_matches(".bpk");
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(loaded.files[file].clone()))
        .map_err(|e| decode_failed(&loaded.path, what, e))?;
    module
        .try_load_record(record)
        .map_err(|e| decode_failed(&loaded.path, what, e))
}
