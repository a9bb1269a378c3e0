//! The evaluations of `gan train`: Table 1's Parzen protocol, and with `--eval-fid` FID,
//! precision and recall in the MNIST classifier's features, every N steps or every M minutes
//! of training time (the evaluations' own time is not training time), logged to
//! `parzen.jsonl` and `quality.jsonl`.

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::{Device, Tensor};
use clap::Args;
use gan_data::Dataset;
use gan_metrics::{Prdc, Rows, fid, prdc};
use gan_nn::{GanDiscriminator, GanGenerator, ImageClassifier};
use gan_train::{Cadence, CadenceClock, Hook, Trainer, append_record};
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// The quality log of a run directory (`--eval-fid`).
pub const QUALITY_FILE: &str = "quality.jsonl";

/// k of the k-NN measures during training (the `prdc` package's default, as `gan metrics`).
const K: usize = 5;

/// The evaluation flags of `gan train`.
#[derive(Args, Debug, Clone)]
pub struct TrainEval {
    /// Run the Parzen evaluation every this many steps (0: never), logged to parzen.jsonl.
    #[arg(long, default_value_t = 0)]
    pub eval_every: u64,
    /// Run the evaluations every this many minutes of training time instead (the time the
    /// evaluations take is not counted as training time, nor against --minutes).
    #[arg(long, value_name = "MINUTES", conflicts_with = "eval_every")]
    pub eval_minutes: Option<f64>,
    /// Generator samples for the evaluations during training.
    #[arg(long, default_value_t = 10_000)]
    pub eval_samples: usize,
    /// Test rows for the evaluations during training (the first ones).
    #[arg(long, default_value_t = 10_000)]
    pub eval_test_rows: usize,
    /// At each evaluation, also FID, precision, recall, density and coverage (k = 5) of the
    /// samples against the test rows in the MNIST classifier's features, logged to
    /// quality.jsonl (MNIST-shaped data without preprocessing).
    #[arg(long)]
    pub eval_fid: bool,
    /// The classifier whose features --eval-fid compares.
    #[arg(long, value_name = "DIR", default_value = "models/mnist-classifier")]
    pub classifier: PathBuf,
}

impl TrainEval {
    /// When the evaluations run (`None`: never), with the flags checked.
    pub fn cadence(&self) -> Result<Option<Cadence>, CliError> {
        let cadence = match (self.eval_every, self.eval_minutes) {
            (0, None) => {
                if self.eval_fid {
                    return Err(CliError::Usage(
                        "--eval-fid runs with the evaluations: give --eval-every or --eval-minutes"
                            .into(),
                    ));
                }
                return Ok(None);
            }
            (_, Some(m)) => Cadence::Minutes(m),
            (n, None) => Cadence::Steps(n),
        };
        if !cadence.is_valid() {
            return Err(CliError::Usage(
                "--eval-minutes must be finite and positive".into(),
            ));
        }
        if self.eval_samples == 0 || self.eval_test_rows == 0 {
            return Err(CliError::Usage(
                "--eval-samples and --eval-test-rows must be positive with the evaluations".into(),
            ));
        }
        Ok(Some(cadence))
    }
}

/// One line of `quality.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityRecord {
    /// Steps completed.
    pub step: u64,
    /// Training time so far, seconds (evaluations not counted).
    pub wall_time_s: f64,
    /// Seconds this evaluation took.
    pub eval_time_s: f64,
    /// Samples compared.
    pub samples: usize,
    /// Reference (test) rows.
    pub reference: usize,
    /// FID in the classifier's features.
    pub fid: f64,
    /// Precision, recall, density and coverage (k = 5).
    #[serde(flatten)]
    pub prdc: Prdc,
}

/// FID and the k-NN measures of the trainer's samples in the classifier's features at a
/// cadence, against the features of the test rows (computed once).
pub struct QualityHook {
    clock: CadenceClock,
    n_samples: usize,
    classifier: ImageClassifier,
    reference: Rows,
    device: Device,
    bar: ProgressBar,
}

impl QualityHook {
    /// The hook, with the classifier read from `args.classifier` and the features of `test`
    /// (rows in [0, 1] of the classifier's image size) computed now.
    pub fn new(
        args: &TrainEval,
        cadence: Cadence,
        test: &Dataset,
        device: &Device,
        bar: ProgressBar,
    ) -> Result<Self, CliError> {
        if !args
            .classifier
            .join(gan_train::CLASSIFIER_MANIFEST)
            .is_file()
        {
            return Err(CliError::Usage(format!(
                "--eval-fid: no classifier in {} (give --classifier DIR)",
                args.classifier.display()
            )));
        }
        let (classifier, _) = gan_train::load_classifier(&args.classifier, device)?;
        let reference = features("the test rows' features", &classifier, test, device)?;
        Ok(Self {
            clock: CadenceClock::new(cadence),
            n_samples: args.eval_samples,
            classifier,
            reference,
            device: device.clone(),
            bar,
        })
    }
}

fn features(
    what: &'static str,
    classifier: &ImageClassifier,
    data: &Dataset,
    device: &Device,
) -> Result<Rows, CliError> {
    let (f, _) = gan_train::classifier_outputs(classifier, data, device, 500)?;
    let dim = f.len() / data.len().max(1);
    Ok(Rows::from_f32(what, &f, data.len(), dim)?)
}

impl<G, Dm, const D: usize> Hook<G, Dm, D> for QualityHook
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    fn every(&self) -> Option<u64> {
        self.clock.every()
    }

    fn on_step(
        &mut self,
        trainer: &Trainer<G, Dm, D>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let Some(training_s) = self.clock.due_for(trainer) else {
            return Ok(());
        };
        let start = Instant::now();
        let samples: Tensor<2> = trainer.sample_rows(self.n_samples, &self.device);
        let dim = samples.dims()[1];
        let values = samples
            .into_data()
            .try_into_vec::<f32>()
            .map_err(|e| format!("samples: {e:?}"))?;
        let samples = Dataset::new(values, vec![dim], None)?;
        let s = features(
            "the samples' features",
            &self.classifier,
            &samples,
            &self.device,
        )?;
        let (fid, prdc) = (fid(&self.reference, &s)?, prdc(&self.reference, &s, K)?);
        let record = QualityRecord {
            step: trainer.step_count(),
            wall_time_s: training_s,
            eval_time_s: start.elapsed().as_secs_f64(),
            samples: s.rows(),
            reference: self.reference.rows(),
            fid,
            prdc,
        };
        if let Some(dir) = trainer.run_dir() {
            append_record(&dir.join(QUALITY_FILE), &record)?;
        }
        self.bar.println(format!(
            "step {}: FID {:.2}, precision {:.3}, recall {:.3} ({:.0} s)",
            record.step, record.fid, record.prdc.precision, record.prdc.recall, record.eval_time_s
        ));
        Ok(())
    }
}
