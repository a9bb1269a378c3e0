use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::checkpoint::write_atomic;
use crate::error::{Result, TrainError};

/// One line of `metrics.jsonl`: means over the steps since the previous record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsRecord {
    /// Steps completed.
    pub step: u64,
    /// Epoch (completed passes over the training data) at this step.
    pub epoch: u64,
    /// Training wall time, seconds (across resumes; time spent in evaluations and other hooks
    /// is not counted).
    pub wall_time_s: f64,
    /// The discriminator's learning rate at the last step.
    pub learning_rate: f64,
    /// The discriminator's momentum at the last step (`null` for Adam).
    pub momentum: Option<f64>,
    /// The discriminator's adversarial loss (`−V` for the logistic losses; before
    /// `discriminator_loss_scale`, without the penalties).
    pub d_loss: f64,
    /// The generator's loss (the run's [`LossChoice`](crate::LossChoice)).
    pub g_loss: f64,
    /// Mean raw output of D on real batches (with training dropout); absent from logs written
    /// before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_output: Option<f64>,
    /// Mean raw output of D on generated batches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fake_output: Option<f64>,
    /// Mean `D(x)` on real batches, for the logistic losses (`null` otherwise).
    pub d_real: Option<f64>,
    /// Mean `D(G(z))` on generated batches, for the logistic losses (`null` otherwise).
    pub d_fake: Option<f64>,
    /// The minibatch estimate of `V(G, D)`, for the logistic losses (`null` otherwise).
    pub value: Option<f64>,
    /// The mean of D's gradient penalties, when any is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d_penalty: Option<f64>,
    /// Steps averaged into this record.
    pub steps_averaged: u64,
}

impl MetricsRecord {
    /// The losses and D's outputs in one line: `D(x)` and `D(G(z))` for the logistic losses,
    /// D's raw outputs on real and generated data otherwise.
    pub fn summary(&self) -> String {
        let outputs = match (self.d_real, self.d_fake, self.real_output, self.fake_output) {
            (Some(r), Some(f), _, _) => format!("D(x) {r:.2}  D(G(z)) {f:.2}"),
            (_, _, Some(r), Some(f)) => format!("D real {r:.3}  D fake {f:.3}"),
            _ => String::new(),
        };
        let penalty = self
            .d_penalty
            .map(|p| format!("  penalty {p:.4}"))
            .unwrap_or_default();
        format!(
            "D {:.3}  G {:.3}  {outputs}{penalty}",
            self.d_loss, self.g_loss
        )
    }
}

/// Appends a record as one JSON line.
pub fn append(path: &Path, record: &MetricsRecord) -> Result<()> {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| TrainError::io(path, e))?;
    let line = serde_json::to_string(record)
        .map_err(|e| TrainError::Serialize(format!("a metrics record: {e}")))?;
    writeln!(f, "{line}").map_err(|e| TrainError::io(path, e))
}

/// Reads every record of a metrics log; a torn last line (a crash mid-write) is ignored.
pub fn read(path: &Path) -> Result<Vec<MetricsRecord>> {
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(TrainError::io(path, e)),
    };
    Ok(BufReader::new(f)
        .lines()
        .map_while(|l| l.ok())
        .filter_map(|l| serde_json::from_str(&l).ok())
        .collect())
}

/// Drops the records after `step` (written by a run that went on past the checkpoint it is
/// resumed from), so the log reads as one uninterrupted run.
pub fn truncate_after(path: &Path, step: u64) -> Result<()> {
    let kept: Vec<MetricsRecord> = read(path)?.into_iter().filter(|r| r.step <= step).collect();
    let mut text = String::new();
    for r in &kept {
        let line = serde_json::to_string(r)
            .map_err(|e| TrainError::Serialize(format!("a metrics record: {e}")))?;
        text.push_str(&line);
        text.push('\n');
    }
    write_atomic(path, text.as_bytes())
}
