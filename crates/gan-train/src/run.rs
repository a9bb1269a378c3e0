//! Run directories: creating a run, resuming it from its newest valid checkpoint, writing
//! checkpoints, and loading a run's (or an export's) generator.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::{Module, Param};
use burn::store::ModuleRecord;
use burn::tensor::Tensor;
use gan_data::Dataset;
use gan_nn::{GanDiscriminator, GanGenerator};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::checkpoint::{
    self, CONFIG_FILE, CheckpointFiles, LoadedCheckpoint, METRICS_FILE, decode_failed, load_module,
};
use crate::error::{Result, TrainError};
use crate::export::{self, GeneratorWeights};
use crate::metrics;
use crate::resume_check::{self, TRAIN_CONFIG_FILE, check_same_training};
use crate::run_config::RunConfig;
use crate::trainer::Trainer;

/// What [`Trainer::resume_run`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct ResumeInfo {
    /// The checkpoint loaded.
    pub checkpoint: PathBuf,
    /// Its step.
    pub step: u64,
    /// Newer checkpoints that were damaged and skipped, with the reason.
    pub skipped: Vec<String>,
}

impl<G, Dm, const D: usize> Trainer<G, Dm, D>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    /// Makes this trainer a new run in `run_dir`, writing `config.json` (the players' config
    /// `model`, which loading them needs again, and the training config). Refuses a directory
    /// that already holds checkpoints (use [`Trainer::resume_run`]).
    pub fn create_run<M: Serialize + DeserializeOwned + Clone>(
        mut self,
        run_dir: &Path,
        model: &M,
    ) -> Result<Self> {
        if !checkpoint::list_checkpoints(run_dir)?.is_empty() {
            return Err(TrainError::Config(format!(
                "{} already holds a run; resume it or choose another directory",
                run_dir.display()
            )));
        }
        std::fs::create_dir_all(run_dir).map_err(|e| TrainError::io(run_dir, e))?;
        let config = RunConfig {
            model: model.clone(),
            train: self.config.clone(),
        };
        checkpoint::write_atomic(&run_dir.join(CONFIG_FILE), config.to_json()?.as_bytes())?;
        let _ = std::fs::remove_file(run_dir.join(METRICS_FILE));
        self.run_dir = Some(run_dir.to_path_buf());
        Ok(self)
    }

    /// Continues the run in `run_dir` from its newest valid checkpoint: this trainer must have
    /// been built as that run was (its training config, players of the same structure, the
    /// same data and learning rules). Players, learning-rule states, the average of G,
    /// spectral normalisation's vectors and the counters are restored. A training config that
    /// differs from the one the checkpoint recorded (`train.json`; its cadences aside) is an
    /// error naming the field, and so is another loss than the run's.
    pub fn resume_run(&mut self, run_dir: &Path) -> Result<ResumeInfo> {
        if export::read_exported(run_dir)?.is_some() {
            return Err(TrainError::Export {
                path: run_dir.to_path_buf(),
                reason: "an exported generator holds no training state; resume the run it was \
                         exported from"
                    .into(),
            });
        }
        self.check_loss_matches(run_dir)?;
        let loaded = checkpoint::load_latest(run_dir)?;
        check_same_training(&loaded, &self.config)?;
        let path = loaded.path.clone();
        self.generator = load_module(&loaded, checkpoint::GENERATOR_FILE, self.generator.clone())?;
        self.restore_parts(&loaded)?;
        self.discriminator = load_module(
            &loaded,
            checkpoint::DISCRIMINATOR_FILE,
            self.discriminator.clone(),
        )?;
        let rule = |name: &str| loaded.files[name].clone();
        let g_rule = std::mem::replace(&mut self.g_rule, crate::LearningRule::placeholder());
        self.g_rule = g_rule
            .load_bytes(rule(checkpoint::G_OPTIMIZER_FILE))
            .map_err(|e| decode_failed(&path, "generator optimiser", e))?;
        let d_rule = std::mem::replace(&mut self.d_rule, crate::LearningRule::placeholder());
        self.d_rule = d_rule
            .load_bytes(rule(checkpoint::D_OPTIMIZER_FILE))
            .map_err(|e| decode_failed(&path, "discriminator optimiser", e))?;
        self.step = loaded.state.step;
        self.batches = loaded.state.batches;
        self.elapsed_before = loaded.state.elapsed_secs;
        self.session_start = Instant::now();
        self.paused = std::time::Duration::ZERO;
        metrics::truncate_after(&run_dir.join(METRICS_FILE), self.step)?;
        self.run_dir = Some(run_dir.to_path_buf());
        Ok(ResumeInfo {
            checkpoint: loaded.path,
            step: loaded.state.step,
            skipped: loaded.skipped,
        })
    }

    /// Writes a checkpoint of the current state to the run directory (atomically), after
    /// checking every parameter is finite. Returns its path.
    pub fn save_checkpoint(&mut self) -> Result<PathBuf> {
        let dir = self.run_dir.clone().ok_or_else(|| {
            TrainError::Config("this trainer has no run directory (see Trainer::create_run)".into())
        })?;
        check_finite(&self.generator, "a generator parameter", self.step)?;
        check_finite(&self.discriminator, "a discriminator parameter", self.step)?;
        let record_bytes = |r: ModuleRecord, what: &str| -> Result<Vec<u8>> {
            r.into_bytes()
                .map(|b| b.to_vec())
                .map_err(|e| TrainError::Serialize(format!("the {what}: {e}")))
        };
        let files = CheckpointFiles {
            files: vec![
                (
                    checkpoint::GENERATOR_FILE,
                    record_bytes(self.generator.clone().into_record(), "generator")?,
                ),
                (
                    checkpoint::DISCRIMINATOR_FILE,
                    record_bytes(self.discriminator.clone().into_record(), "discriminator")?,
                ),
                (checkpoint::G_OPTIMIZER_FILE, self.g_rule.to_bytes()?),
                (checkpoint::D_OPTIMIZER_FILE, self.d_rule.to_bytes()?),
            ],
        };
        let files = self.with_parts(files)?;
        let path = checkpoint::save_checkpoint(
            &dir,
            self.step,
            self.batches,
            self.epoch(),
            self.elapsed_secs(),
            files,
            self.config.checkpoint.keep_last,
        )?;
        self.last_checkpoint = Instant::now();
        Ok(path)
    }
}

impl<G, Dm, const D: usize> Trainer<G, Dm, D>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    /// Refuses to continue a run with another loss than the one it was trained with, and a run
    /// whose loss of its own was not supplied again.
    fn check_loss_matches(&self, run_dir: &Path) -> Result<()> {
        let saved = read_run_config::<serde_json::Value>(run_dir)?.train.loss;
        if saved != self.config.loss {
            return Err(TrainError::LossMismatch {
                saved: saved.name().to_string(),
                supplied: self.config.loss.name().to_string(),
            });
        }
        self.loss().map(|_| ())
    }

    /// The checkpoint's files with the training config that wrote them and the parts this run
    /// keeps: the generator's average and spectral normalisation's vectors.
    fn with_parts(&self, mut files: CheckpointFiles) -> Result<CheckpointFiles> {
        files
            .files
            .push((TRAIN_CONFIG_FILE, resume_check::recorded(&self.config)?));
        if let Some(ema) = &self.ema {
            let bytes = ema
                .average
                .clone()
                .into_record()
                .into_bytes()
                .map_err(|e| TrainError::Serialize(format!("the generator's average: {e}")))?;
            files
                .files
                .push((checkpoint::GENERATOR_AVERAGE_FILE, bytes.to_vec()));
        }
        if let Some(sn) = &self.spectral {
            files
                .files
                .push((checkpoint::SPECTRAL_NORM_FILE, sn.to_bytes()?));
        }
        Ok(files)
    }

    /// Restores the parts this run keeps from `loaded`; one its config asks for and the
    /// checkpoint lacks is an error.
    fn restore_parts(&mut self, loaded: &LoadedCheckpoint) -> Result<()> {
        let missing = |file: &str, what: &str| TrainError::Checkpoint {
            path: loaded.path.clone(),
            reason: format!(
                "the run's config asks for {what}, but the checkpoint has no {file} (was the \
                 config edited?)"
            ),
        };
        if let Some(ema) = &mut self.ema {
            let file = checkpoint::GENERATOR_AVERAGE_FILE;
            if !loaded.files.contains_key(file) {
                return Err(missing(file, "an average of G"));
            }
            ema.average = load_module(loaded, file, ema.average.clone())?;
        }
        if let Some(sn) = &self.spectral {
            let file = checkpoint::SPECTRAL_NORM_FILE;
            let bytes = loaded
                .files
                .get(file)
                .ok_or_else(|| missing(file, "spectral normalisation"))?;
            let device = self.device.clone().inner();
            let restored = sn
                .from_bytes(bytes, &device)
                .map_err(|e| decode_failed(&loaded.path, "spectral_norm", e))?;
            self.spectral = Some(restored);
        }
        Ok(())
    }
}

/// A trainer for players built from `config.json`'s model part by `build`, continued from
/// `run_dir`'s newest valid checkpoint, with the same training data it was started with.
pub fn resume<G, Dm, M, const D: usize>(
    run_dir: &Path,
    data: Dataset,
    device: &burn::tensor::Device,
    build: impl FnOnce(&M) -> Result<(G, Dm)>,
) -> Result<(Trainer<G, Dm, D>, ResumeInfo)>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
    M: Serialize + DeserializeOwned,
{
    let config = read_run_config::<M>(run_dir)?;
    let (generator, discriminator) = build(&config.model)?;
    let mut trainer = Trainer::new(config.train, generator, discriminator, data, device)?;
    let info = trainer.resume_run(run_dir)?;
    Ok((trainer, info))
}

/// Reads a run directory's (or an export's) `config.json`, in any layout gan-core has written.
pub fn read_run_config<M: Serialize + DeserializeOwned>(run_dir: &Path) -> Result<RunConfig<M>> {
    let path = run_dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| TrainError::io(&path, e))?;
    RunConfig::from_json(&text).map_err(|e| match e {
        TrainError::Config(reason) => TrainError::Config(format!("{}: {reason}", path.display())),
        other => other,
    })
}

/// Loads a run's generator into `generator` (built with the run's structure): the exported
/// one when `run_dir` holds a `model.json` (see [`export_generator`](crate::export_generator)),
/// otherwise that of the newest valid checkpoint; the average of G's weights where the run
/// keeps one ([`load_generator_weights`] chooses).
pub fn load_generator_into<G: Module>(run_dir: &Path, generator: G) -> Result<G> {
    load_generator_weights(run_dir, generator, GeneratorWeights::Average)
}

/// [`load_generator_into`] with the choice of `weights`. The raw weights of an export that
/// holds an average are an error: the export has only the average.
pub fn load_generator_weights<G: Module>(
    run_dir: &Path,
    generator: G,
    weights: GeneratorWeights,
) -> Result<G> {
    Ok(load_generator_reporting(run_dir, generator, weights)?.0)
}

/// [`load_generator_weights`], with the newer checkpoints that were damaged and skipped (with
/// the reason): the generator then comes from an older one.
pub fn load_generator_reporting<G: Module>(
    run_dir: &Path,
    generator: G,
    weights: GeneratorWeights,
) -> Result<(G, Vec<String>)> {
    if let Some(model) = export::read_exported(run_dir)? {
        if model.averaged && weights == GeneratorWeights::Raw {
            return Err(TrainError::Export {
                path: run_dir.to_path_buf(),
                reason: "holds the average of G's weights only; export the run again with the \
                         raw weights"
                    .into(),
            });
        }
        return Ok((
            export::load_exported(run_dir, &model, generator)?,
            Vec::new(),
        ));
    }
    let loaded = checkpoint::load_latest(run_dir)?;
    let generator = load_module(&loaded, weights.file(&loaded), generator)?;
    Ok((generator, loaded.skipped))
}

/// Loads the discriminator of `run_dir`'s newest valid checkpoint into `discriminator` (built
/// with the run's structure). An exported model directory holds no discriminator: that is an
/// error naming the directory.
pub fn load_discriminator_into<D: Module>(run_dir: &Path, discriminator: D) -> Result<D> {
    if export::read_exported(run_dir)?.is_some() {
        return Err(TrainError::Export {
            path: run_dir.to_path_buf(),
            reason: "an exported generator holds no discriminator; give the run directory".into(),
        });
    }
    let loaded = checkpoint::load_latest(run_dir)?;
    load_module(&loaded, checkpoint::DISCRIMINATOR_FILE, discriminator)
}

struct FiniteCheck {
    all_finite: bool,
}

impl burn::module::ModuleVisitor for FiniteCheck {
    fn visit_float<const R: usize>(&mut self, param: &Param<Tensor<R>>) {
        if self.all_finite {
            let sum: f64 = param.val().inner().abs().sum().into_scalar::<f64>();
            self.all_finite = sum.is_finite();
        }
    }
}

pub(crate) fn check_finite<M: Module>(module: &M, what: &str, step: u64) -> Result<()> {
    let mut check = FiniteCheck { all_finite: true };
    module.visit(&mut check);
    if check.all_finite {
        Ok(())
    } else {
        Err(TrainError::Diverged {
            step,
            what: what.into(),
        })
    }
}
