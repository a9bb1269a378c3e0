//! `training.png`: the losses, the discriminator's outputs and (when evaluated) the Parzen
//! log-likelihood of a run, drawn from its `metrics.jsonl` and `parzen.jsonl`, with other
//! runs' Parzen curves beside it on request.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::sync::Once;

use gan_parzen::ParzenReport;
use gan_train::MetricsRecord;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::error::CliError;

/// DejaVu Sans (Bitstream Vera licence, `assets/DejaVuSans-LICENSE.txt`), so that the plots
/// have text without a system font stack.
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
const WIDTH: u32 = 900;
const PANEL_HEIGHT: u32 = 300;

/// Parzen evaluations by step: (mean, standard error).
type ParzenCurve = BTreeMap<u64, (f64, f64)>;

/// The curves of a run, one point per logged step (the last record wins for a step logged
/// twice, as happens after resuming from an older checkpoint).
#[derive(Debug, Default)]
pub struct RunCurves {
    metrics: BTreeMap<u64, MetricsRecord>,
    parzen: ParzenCurve,
    /// The name of the run's Parzen curve when others are drawn beside it.
    name: String,
    /// Other runs' Parzen curves, by name, drawn beside this run's.
    compared: Vec<(String, ParzenCurve)>,
}

/// Colours of the compared runs' curves, in turn.
const COMPARED_COLOURS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

/// One line of `parzen.jsonl`.
#[derive(serde::Deserialize)]
struct EvalRecord {
    step: u64,
    #[serde(flatten)]
    report: ParzenReport,
}

impl RunCurves {
    /// Reads `metrics.jsonl` (required) and `parzen.jsonl` (optional) of a run directory.
    pub fn read(run_dir: &Path) -> Result<Self, CliError> {
        let mut curves = RunCurves {
            name: run_dir.display().to_string(),
            parzen: read_parzen(run_dir, false)?,
            ..RunCurves::default()
        };
        for r in read_jsonl::<MetricsRecord>(&run_dir.join("metrics.jsonl"), true)? {
            curves.metrics.insert(r.step, r);
        }
        Ok(curves)
    }

    /// Adds another run's Parzen curve (its `parzen.jsonl`, required) beside this run's,
    /// named by its directory as given.
    pub fn compare_with(mut self, run_dir: &Path) -> Result<Self, CliError> {
        let curve = read_parzen(run_dir, true)?;
        if curve.is_empty() {
            return Err(CliError::Usage(format!(
                "{}: no evaluations to compare",
                run_dir.join("parzen.jsonl").display()
            )));
        }
        self.compared.push((run_dir.display().to_string(), curve));
        Ok(self)
    }

    /// Draws the panels as a PNG at `path` (written to a temporary file, then renamed).
    pub fn write_png(&self, path: &Path) -> Result<(), CliError> {
        if self.metrics.is_empty() {
            return Err(CliError::Usage(
                "nothing to plot yet: metrics.jsonl has no records".into(),
            ));
        }
        static REGISTER: Once = Once::new();
        REGISTER.call_once(|| {
            register_font("sans-serif", FontStyle::Normal, FONT)
                .unwrap_or_else(|_| panic!("the bundled font parses"));
        });
        let panels = if self.parzen.is_empty() && self.compared.is_empty() {
            2
        } else {
            3
        };
        let height = PANEL_HEIGHT * panels;
        let mut pixels = vec![0u8; (WIDTH * height * 3) as usize];
        self.draw(&mut pixels, (WIDTH, height))
            .map_err(|e| CliError::output(path, e))?;
        let image = image::RgbImage::from_raw(WIDTH, height, pixels).expect("buffer sized above");
        let tmp = path.with_extension("png.tmp");
        image
            .save_with_format(&tmp, image::ImageFormat::Png)
            .and_then(|()| std::fs::rename(&tmp, path).map_err(image::ImageError::IoError))
            .map_err(|e| CliError::output(path, e))
    }

    fn draw(&self, pixels: &mut [u8], size: (u32, u32)) -> Result<(), String> {
        let root = BitMapBackend::with_buffer(pixels, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let areas = root.split_evenly(((size.1 / PANEL_HEIGHT) as usize, 1));
        let last_logged = *self.metrics.keys().last().expect("not empty");
        let last_compared = self.compared.iter().filter_map(|(_, c)| c.keys().last());
        let steps = 0..last_compared.fold(last_logged, |a, &b| a.max(b)).max(1);
        let series = |f: fn(&MetricsRecord) -> Option<f64>| -> Vec<(u64, f64)> {
            self.metrics
                .values()
                .filter_map(|r| f(r).map(|v| (r.step, v)))
                .collect()
        };
        // D(x) as a probability for the logistic losses; D's raw outputs for the others.
        let probabilities = self.metrics.values().any(|r| r.d_real.is_some());
        panel(
            &areas[0],
            "Losses (mean over each logging window)",
            steps.clone(),
            &[
                ("D loss", RED, series(|r| Some(r.d_loss))),
                ("G loss", BLUE, series(|r| Some(r.g_loss))),
            ],
            None,
            SeriesLabelPosition::UpperRight,
        )?;
        panel(
            &areas[1],
            "Discriminator outputs",
            steps.clone(),
            &if probabilities {
                [
                    ("mean D(x)", RED, series(|r| r.d_real)),
                    ("mean D(G(z))", BLUE, series(|r| r.d_fake)),
                ]
            } else {
                [
                    ("mean D output, real", RED, series(|r| r.real_output)),
                    ("mean D output, generated", BLUE, series(|r| r.fake_output)),
                ]
            },
            probabilities.then_some(0.0..1.0),
            SeriesLabelPosition::UpperRight,
        )?;
        if let Some(area) = areas.get(2) {
            let mean = |c: &ParzenCurve| -> Vec<(u64, f64)> {
                c.iter().map(|(&s, &(m, _))| (s, m)).collect()
            };
            let band = |sign: f64| -> Vec<(u64, f64)> {
                self.parzen
                    .iter()
                    .map(|(&s, &(m, se))| (s, m + sign * se))
                    .collect()
            };
            let grey = RGBColor(150, 150, 150);
            let mut curves: Vec<Series> = Vec::new();
            if !self.parzen.is_empty() {
                let name = if self.compared.is_empty() {
                    "mean"
                } else {
                    &self.name
                };
                curves.push((name, BLACK, mean(&self.parzen)));
                curves.push(("+ se", grey, band(1.0)));
                curves.push(("− se", grey, band(-1.0)));
            }
            for ((name, curve), colour) in self.compared.iter().zip(COMPARED_COLOURS.iter().cycle())
            {
                curves.push((name, *colour, mean(curve)));
            }
            panel(
                area,
                "Parzen test log-likelihood (± standard error)",
                steps,
                &curves,
                None,
                // The curve rises to the right: keep the legend off its end.
                SeriesLabelPosition::LowerRight,
            )?;
        }
        root.present().map_err(|e| e.to_string())
    }
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// A curve: its legend, colour and (step, value) points.
type Series<'a> = (&'a str, RGBColor, Vec<(u64, f64)>);

/// One chart: every series against the step, with a legend; `y` defaults to the data's range.
fn panel(
    area: &Area,
    title: &str,
    steps: Range<u64>,
    series: &[Series],
    y: Option<Range<f64>>,
    legend: SeriesLabelPosition,
) -> Result<(), String> {
    let y = y.unwrap_or_else(|| {
        let values = series.iter().flat_map(|s| s.2.iter().map(|p| p.1));
        let (lo, hi) = values
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        let pad = ((hi - lo) * 0.05).max(1e-3);
        if lo.is_finite() {
            lo - pad..hi + pad
        } else {
            0.0..1.0
        }
    });
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(8)
        // Room for the last step's label, centred on the right edge.
        .margin_right(30)
        .x_label_area_size(32)
        .y_label_area_size(56)
        .build_cartesian_2d(steps, y)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("step")
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(|e| e.to_string())?;
    for (name, color, points) in series {
        let color = *color;
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label(*name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2)));
        if points.len() < 40 {
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(|e| e.to_string())?;
        }
    }
    chart
        .configure_series_labels()
        .position(legend)
        .label_font(("sans-serif", 13))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())
}

/// A run's Parzen evaluations (`parzen.jsonl`; when not `required`, a missing file is none).
fn read_parzen(run_dir: &Path, required: bool) -> Result<ParzenCurve, CliError> {
    let records = read_jsonl::<EvalRecord>(&run_dir.join("parzen.jsonl"), required)?;
    Ok(records
        .into_iter()
        .map(|r| (r.step, (r.report.mean, r.report.se)))
        .collect())
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
