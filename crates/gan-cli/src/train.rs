//! `gan train`: a new run or a resumed one, with a progress bar, sample grids and plots after
//! each checkpoint, and evaluations every N steps or M minutes of training (all as trainer
//! hooks).

use std::path::PathBuf;

use burn::tensor::Tensor;
use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser};
use gan_data::Preprocessing;
use gan_nn::{GanDiscriminator, GanGenerator};
use gan_train::{
    Cadence, CheckpointConfig, DefaultData, Family, FamilyTask, Hook, PRESETS, Preset, ResumeInfo,
    RunConfig, Trainer, Until, family_trainer,
};

use crate::data::training_data;
use crate::error::CliError;
use crate::hooks::{Progress, RunOutputs, evaluation};
use crate::inputs::{check_rows, read_run};
use crate::train_eval::{QualityHook, TrainEval};
use crate::train_parts::TrainParts;
use crate::{DataArgs, DeviceArgs};

/// `--preset`'s values: the library's presets ([`gan_train::PRESETS`]), each with its help.
pub fn preset_names() -> PossibleValuesParser {
    PossibleValuesParser::new(
        PRESETS
            .iter()
            .map(|p| PossibleValue::new(p.name).help(p.about)),
    )
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Built-in configuration to train [default: paper-mnist].
    #[arg(long, value_parser = preset_names(), conflicts_with = "config")]
    preset: Option<String>,
    /// A run config as JSON (`{"model": …, "train": …}`, as a run's config.json), instead of
    /// a preset.
    #[arg(long)]
    config: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    /// Training data instead of MNIST: an IDX or .npy file, a directory of PNG/JPEG images
    /// (one subdirectory per class for labels), a CIFAR-10 binary directory or an MNIST
    /// directory.
    #[arg(long = "data")]
    data_path: Option<PathBuf>,
    /// Labels for an IDX or .npy --data file (.npy or IDX, one integer per sample).
    #[arg(long, requires = "data_path")]
    labels: Option<PathBuf>,
    /// Train p(x | c) on the data's labels (one-hot conditions).
    #[arg(long)]
    conditional: bool,
    /// Validation samples for --eval-every on --data (σ is chosen on them). Without --valid
    /// and --test, a seeded tenth of the data each is held out of training (seed 0).
    #[arg(long, requires = "test")]
    valid: Option<PathBuf>,
    /// Test samples for --eval-every on --data.
    #[arg(long, requires = "valid")]
    test: Option<PathBuf>,
    /// Directory for config.json, checkpoints, metrics.jsonl and images.
    #[arg(long)]
    run_dir: PathBuf,
    /// Stop after this many steps in total.
    #[arg(long, group = "limit")]
    steps: Option<u64>,
    /// Stop after this many epochs in total.
    #[arg(long, group = "limit")]
    epochs: Option<u64>,
    /// Stop after this many minutes (inf: no time limit).
    #[arg(long, group = "limit")]
    minutes: Option<f64>,
    #[command(flatten)]
    device: DeviceArgs,
    /// Seed of initialisation, noise, dropout and data order.
    #[arg(long)]
    seed: Option<u64>,
    /// Write a checkpoint every this many steps.
    #[arg(long)]
    checkpoint_every: Option<u64>,
    /// Continue the run in --run-dir from its newest valid checkpoint. The original command
    /// line may be repeated: only values that differ from the run's saved config are refused.
    #[arg(long)]
    resume: bool,
    #[command(flatten)]
    eval: TrainEval,
    #[command(flatten)]
    parts: TrainParts,
}

impl TrainArgs {
    /// The config this command line asks for: the preset (for `data`) or file, with --seed and
    /// --checkpoint-every applied.
    fn requested(&self, data: &gan_data::Dataset) -> Result<RunConfig, CliError> {
        let mut config = match &self.config {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|text| RunConfig::from_json(&text).map_err(|e| e.to_string()))
                .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?,
            None => Preset::named(self.preset.as_deref().unwrap_or("paper-mnist"))?
                .config(data, self.conditional)?,
        };
        if let Some(seed) = self.seed {
            config.train.seed = seed;
        }
        if let Some(n) = self.checkpoint_every {
            config.train.checkpoint = CheckpointConfig {
                every_steps: Some(n),
                ..config.train.checkpoint
            };
        }
        self.parts.apply(&mut config.train)?;
        Ok(config)
    }

    /// On --resume, refuses the values given on the command line that differ from the run's
    /// saved config (so that the original command line can be repeated as it was).
    fn check_resume(&self, saved: &RunConfig, data: &gan_data::Dataset) -> Result<(), CliError> {
        let conflict = |what: &str| {
            Err(CliError::Usage(format!(
                "--resume continues the run's own config, and {what} differs from it (see {}/config.json)",
                self.run_dir.display()
            )))
        };
        if self.seed.is_some_and(|s| s != saved.train.seed) {
            return conflict("--seed");
        }
        if self
            .checkpoint_every
            .is_some_and(|n| Some(n) != saved.train.checkpoint.every_steps)
        {
            return conflict("--checkpoint-every");
        }
        if let Some(flag) = self.parts.differing(&saved.train)? {
            return conflict(flag);
        }
        if self.config.is_some() || self.preset.is_some() || self.conditional {
            let mut requested = self.requested(data)?;
            requested.train.seed = saved.train.seed;
            requested.train.checkpoint = saved.train.checkpoint.clone();
            let same = serde_json::to_value(&requested).ok() == serde_json::to_value(saved).ok();
            if !same {
                return conflict(if self.config.is_some() {
                    "--config"
                } else {
                    "--preset"
                });
            }
        }
        Ok(())
    }
}

pub fn train(a: TrainArgs) -> Result<(), CliError> {
    if a.steps == Some(0) || a.epochs == Some(0) {
        return Err(CliError::Usage(
            "--steps and --epochs must be at least 1".into(),
        ));
    }
    if a.minutes.is_some_and(|m| m.is_nan() || m <= 0.0) {
        return Err(CliError::Usage(
            "--minutes must be positive (inf: no time limit)".into(),
        ));
    }
    let cadence = a.eval.cadence()?;
    let device = a.device.device()?;
    let valid_test = a.valid.as_deref().zip(a.test.as_deref());
    // The CIFAR-10 preset finds (or downloads) CIFAR-10 as the others find MNIST.
    let default_data = match &a.preset {
        Some(name) => Preset::named(name)?.default_data,
        None => DefaultData::Mnist,
    };
    let cifar_dir = match (&a.data_path, default_data) {
        (None, DefaultData::Cifar10) => Some(crate::data::cifar10_dir()?),
        _ => None,
    };
    let data = training_data(
        &a.data,
        a.data_path.as_deref().or(cifar_dir.as_deref()),
        a.labels.as_deref(),
        valid_test,
        cadence.is_some(),
    )?;
    let config = if a.resume {
        let saved = read_run(&a.run_dir)?;
        a.check_resume(&saved, &data.train)?;
        saved
    } else {
        a.requested(&data.train)?
    };
    // The trainer transforms its rows itself; the evaluation sets are transformed here.
    let prepare = |d: &gan_data::Dataset| config.train.preprocessing.apply(d.clone());
    let eval_sets = match (cadence, &data.eval) {
        (None, _) => None,
        (Some(cadence), Some((valid, test))) => {
            check_rows("--eval-samples", a.eval.eval_samples, valid.dim())?;
            let test = test.head(a.eval.eval_test_rows);
            if a.eval.eval_fid && config.train.preprocessing != Preprocessing::None {
                return Err(CliError::Usage(
                    "--eval-fid compares images in [0, 1]: this run preprocesses its rows".into(),
                ));
            }
            Some(EvalSets {
                cadence,
                valid: prepare(valid)?.to_tensor(&device),
                test_rows: prepare(&test)?.to_tensor(&device),
                test,
            })
        }
        (Some(_), None) => {
            return Err(CliError::Usage(
                "the evaluations found no evaluation sets for this data".into(),
            ));
        }
    };
    config.model.with_family(TrainTask {
        args: &a,
        config: &config,
        data: data.train,
        device: &device,
        eval_sets,
    })
}

/// What the evaluations during training compare against.
struct EvalSets {
    cadence: Cadence,
    /// Validation rows (σ is chosen on them), preprocessed as the run's data.
    valid: Tensor<2>,
    /// Test rows, preprocessed as the run's data.
    test_rows: Tensor<2>,
    /// The same test rows as loaded (the classifier's input for --eval-fid).
    test: gan_data::Dataset,
}

/// A new or resumed run of whichever family the config names, trained with the hooks.
struct TrainTask<'a> {
    args: &'a TrainArgs,
    config: &'a RunConfig,
    data: gan_data::Dataset,
    device: &'a burn::tensor::Device,
    eval_sets: Option<EvalSets>,
}

impl FamilyTask for TrainTask<'_> {
    type Output = Result<(), CliError>;

    fn run<const R: usize, F: Family<R>>(self, model: &F::Config) -> Self::Output {
        let (a, train) = (self.args, &self.config.train);
        let mut trainer = family_trainer::<R, F>(model, train, self.data, self.device)?;
        if a.resume {
            report_resume(&trainer.resume_run(&a.run_dir)?);
        } else {
            trainer = trainer.create_run(&a.run_dir, &self.config.model)?;
        }
        run(trainer, a, self.eval_sets)
    }
}

fn report_resume(info: &ResumeInfo) {
    for s in &info.skipped {
        eprintln!("warning: skipped damaged checkpoint {s}");
    }
    eprintln!(
        "resumed {} at step {}",
        info.checkpoint.display(),
        info.step
    );
}

/// Trains with the progress bar, the run outputs and the evaluation as hooks, until the
/// command line's limit or Ctrl-C.
fn run<G, Dm, const D: usize>(
    mut trainer: Trainer<G, Dm, D>,
    a: &TrainArgs,
    eval_sets: Option<EvalSets>,
) -> Result<(), CliError>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    let stop = crate::batches::interrupted()?;
    // --epochs is the trainer's own limit (full passes of real batches through D); the bar
    // shows it in steps, as an estimate.
    let bar_target = a.steps.or(a
        .epochs
        .map(|e| e.saturating_mul(trainer.steps_per_epoch())));
    let mut progress = Progress::new(
        bar_target,
        a.minutes,
        trainer.step_count(),
        trainer.elapsed_secs(),
    );
    let mut outputs = RunOutputs {
        run_dir: a.run_dir.clone(),
        bar: progress.bar.clone(),
    };
    let mut parzen = None;
    let mut quality = None;
    if let Some(sets) = eval_sets {
        if a.eval.eval_fid {
            let device = sets.valid.device();
            let bar = progress.bar.clone();
            quality = Some(QualityHook::new(
                &a.eval,
                sets.cadence,
                &sets.test,
                &device,
                bar,
            )?);
        }
        parzen = Some(evaluation(
            sets.cadence,
            a.eval.eval_samples,
            sets.valid,
            sets.test_rows,
            a.run_dir.clone(),
            progress.bar.clone(),
        )?);
    }
    let until = Until {
        steps: a.steps,
        epochs: a.epochs,
        minutes: a.minutes,
        stop: Some(stop),
    };
    let mut hooks: Vec<&mut dyn Hook<G, Dm, D>> = vec![&mut progress, &mut outputs];
    if let Some(e) = parzen.as_mut() {
        hooks.push(e);
    }
    if let Some(q) = quality.as_mut() {
        hooks.push(q);
    }
    let summary = trainer.train(&until, &mut hooks)?;
    outputs.bar.finish_with_message(format!(
        "stopped at step {} (epoch {})",
        summary.step, summary.epoch
    ));
    Ok(())
}
