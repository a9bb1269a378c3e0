//! `gan summary`: the time-to-quality table of runs, read from their evaluations
//! (`parzen.jsonl`, `quality.jsonl`): the training minutes each run took to first reach Parzen
//! thresholds, and its values at a given training time. This is how `docs/efficiency.md`'s
//! ablation rows are made.

use std::path::PathBuf;

use clap::Args;

use crate::error::CliError;
use crate::plot_records::{Curve, Evaluations, Point};

#[derive(Args, Debug)]
pub struct SummaryArgs {
    /// A run directory with evaluations (`gan train --eval-every/--eval-minutes`, `--eval-fid`);
    /// repeat for more rows.
    #[arg(long, value_name = "DIR", required = true)]
    run_dir: Vec<PathBuf>,
    /// The training time (evaluations not counted) at which each run's values are read: its
    /// last evaluation at or before it.
    #[arg(long, value_name = "MINUTES", default_value_t = 30.0)]
    at_minutes: f64,
    /// Parzen log-likelihoods whose first crossing is reported, in training minutes.
    #[arg(long, value_name = "NATS", value_delimiter = ',', default_values_t = [200.0, 225.0])]
    parzen: Vec<f64>,
}

/// A run's row: where its evaluations stood at the chosen time, and when it crossed each
/// threshold.
#[derive(Debug, PartialEq)]
pub struct SummaryRow {
    /// Steps done at the evaluation read (the Parzen one, else the FID one).
    pub step: Option<u64>,
    /// Parzen (mean, standard error) at the chosen time.
    pub parzen: Option<(f64, f64)>,
    /// FID at the chosen time.
    pub fid: Option<f64>,
    /// Training minutes of the first evaluation at or above each threshold.
    pub minutes_to: Vec<Option<f64>>,
}

impl SummaryRow {
    /// The row of `runs`'s evaluations at `at_minutes` of training, with the first crossing of
    /// each of `thresholds`.
    pub fn of(runs: &Evaluations, at_minutes: f64, thresholds: &[f64]) -> Self {
        let at = |curve: &Curve| -> Option<Point> {
            curve
                .values()
                .filter(|p| p.wall_time_s <= at_minutes * 60.0)
                .max_by(|a, b| a.wall_time_s.total_cmp(&b.wall_time_s))
                .copied()
        };
        let parzen = at(&runs.parzen);
        let fid = at(&runs.fid);
        let minutes_to = thresholds
            .iter()
            .map(|&t| {
                runs.parzen
                    .values()
                    .filter(|p| p.value >= t)
                    .map(|p| p.wall_time_s / 60.0)
                    .min_by(f64::total_cmp)
            })
            .collect();
        Self {
            step: parzen.or(fid).map(|p| p.step),
            parzen: parzen.map(|p| (p.value, p.se)),
            fid: fid.map(|p| p.value),
            minutes_to,
        }
    }
}

pub fn summary(a: SummaryArgs) -> Result<(), CliError> {
    if !(a.at_minutes.is_finite() && a.at_minutes > 0.0) {
        return Err(CliError::Usage(format!(
            "--at-minutes must be a positive number of minutes, got {}",
            a.at_minutes
        )));
    }
    if let Some(t) = a.parzen.iter().find(|t| !t.is_finite()) {
        return Err(CliError::Usage(format!(
            "--parzen {t}: a threshold is a finite number"
        )));
    }
    let minutes = a.at_minutes;
    let mut header = format!("| run | step at {minutes} min | Parzen | FID |");
    for t in &a.parzen {
        header.push_str(&format!(" min to Parzen {t} |"));
    }
    println!("{header}");
    println!("|{}", " --- |".repeat(4 + a.parzen.len()));
    for dir in &a.run_dir {
        let runs = Evaluations::read(dir)?;
        if runs.is_empty() {
            return Err(CliError::Usage(format!(
                "{}: no evaluations (parzen.jsonl or quality.jsonl); train with --eval-every \
                 or --eval-minutes",
                dir.display()
            )));
        }
        let row = SummaryRow::of(&runs, minutes, &a.parzen);
        let dash = || "–".to_string();
        let mut line = format!(
            "| {} | {} | {} | {} |",
            dir.display(),
            row.step.map_or_else(dash, |s| s.to_string()),
            row.parzen
                .map_or_else(dash, |(m, se)| format!("{m:.1} ({se:.1})")),
            row.fid.map_or_else(dash, |f| format!("{f:.1}")),
        );
        for m in &row.minutes_to {
            line.push_str(&format!(
                " {} |",
                m.map_or_else(dash, |m| format!("{m:.1}"))
            ));
        }
        println!("{line}");
    }
    Ok(())
}
