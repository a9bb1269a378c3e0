//! The records `gan plot` draws: a run's metrics (`metrics.jsonl`) and its evaluations
//! (`parzen.jsonl`, `quality.jsonl`), each point placed by step and by training time.

use std::collections::BTreeMap;
use std::path::Path;

use clap::ValueEnum;
use gan_train::{MetricsRecord, PARZEN_FILE};

use crate::error::CliError;
use crate::train_eval::QUALITY_FILE;

/// What the plots' horizontal axis shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum XAxis {
    /// Training steps.
    #[default]
    Steps,
    /// Minutes of training time (evaluations not counted), to compare runs whose steps cost
    /// different times.
    Minutes,
}

impl XAxis {
    /// The axis's label.
    pub fn label(self) -> &'static str {
        match self {
            XAxis::Steps => "step",
            XAxis::Minutes => "training minutes",
        }
    }

    /// Where a record at `step` after `wall_time_s` seconds of training lies on the axis.
    pub fn at(self, step: u64, wall_time_s: f64) -> f64 {
        match self {
            XAxis::Steps => step as f64,
            XAxis::Minutes => wall_time_s / 60.0,
        }
    }
}

/// One evaluation: where it lies (step, seconds of training), its value and standard error.
#[derive(Debug, Clone, Copy)]
pub struct Point {
    pub step: u64,
    pub wall_time_s: f64,
    pub value: f64,
    pub se: f64,
}

/// Evaluations by step (the last record wins for a step evaluated twice after a resume).
pub type Curve = BTreeMap<u64, Point>;

/// A run's evaluations: the Parzen log-likelihood and FID in the classifier's features.
#[derive(Debug, Default)]
pub struct Evaluations {
    pub parzen: Curve,
    pub fid: Curve,
}

#[derive(serde::Deserialize)]
struct ParzenLine {
    step: u64,
    #[serde(default)]
    wall_time_s: f64,
    mean: f64,
    se: f64,
}

#[derive(serde::Deserialize)]
struct QualityLine {
    step: u64,
    wall_time_s: f64,
    fid: f64,
}

impl Evaluations {
    /// Reads `parzen.jsonl` and `quality.jsonl` of a run directory (either may be missing).
    pub fn read(run_dir: &Path) -> Result<Self, CliError> {
        let parzen = read_jsonl::<ParzenLine>(&run_dir.join(PARZEN_FILE), false)?;
        let quality = read_jsonl::<QualityLine>(&run_dir.join(QUALITY_FILE), false)?;
        Ok(Self {
            parzen: parzen
                .into_iter()
                .map(|r| (r.step, point(r.step, r.wall_time_s, r.mean, r.se)))
                .collect(),
            fid: quality
                .into_iter()
                .map(|r| (r.step, point(r.step, r.wall_time_s, r.fid, 0.0)))
                .collect(),
        })
    }

    /// Whether the run has no evaluations at all.
    pub fn is_empty(&self) -> bool {
        self.parzen.is_empty() && self.fid.is_empty()
    }
}

fn point(step: u64, wall_time_s: f64, value: f64, se: f64) -> Point {
    Point {
        step,
        wall_time_s,
        value,
        se,
    }
}

/// A run's metrics records by step (`metrics.jsonl`, required).
pub fn read_metrics(run_dir: &Path) -> Result<BTreeMap<u64, MetricsRecord>, CliError> {
    let records = read_jsonl::<MetricsRecord>(&run_dir.join("metrics.jsonl"), true)?;
    Ok(records.into_iter().map(|r| (r.step, r)).collect())
}

/// The records of a JSON-lines file; a missing optional file is empty.
fn read_jsonl<T: serde::de::DeserializeOwned>(
    path: &Path,
    required: bool,
) -> Result<Vec<T>, CliError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(CliError::Usage(format!("{}: {e}", path.display()))),
    };
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut records = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        match serde_json::from_str(line) {
            Ok(r) => records.push(r),
            // A run killed while appending leaves a partial last line: plot what came before.
            Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => {}
            Err(e) => {
                return Err(CliError::Usage(format!(
                    "{} line {}: {e}",
                    path.display(),
                    i + 1
                )));
            }
        }
    }
    Ok(records)
}
