//! `training.png`: the losses, the discriminator's outputs and (when evaluated) the Parzen
//! log-likelihood and FID of a run, drawn from its `metrics.jsonl`, `parzen.jsonl` and
//! `quality.jsonl`, by step or by training time, with other runs' evaluations beside it on
//! request (the time-to-quality figure).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::sync::Once;

use gan_train::MetricsRecord;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::error::CliError;
use crate::plot_records::{Curve, Evaluations, XAxis, read_metrics};

/// DejaVu Sans (Bitstream Vera licence, `assets/DejaVuSans-LICENSE.txt`), so that the plots
/// have text without a system font stack.
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
const WIDTH: u32 = 900;
const PANEL_HEIGHT: u32 = 300;

/// The curves of a run, one point per logged step (the last record wins for a step logged
/// twice, as happens after resuming from an older checkpoint).
#[derive(Debug, Default)]
pub struct RunCurves {
    metrics: BTreeMap<u64, MetricsRecord>,
    evaluations: Evaluations,
    /// The name of the run's evaluation curves when others are drawn beside them.
    name: String,
    /// Other runs' evaluations, by name, drawn beside this run's.
    compared: Vec<(String, Evaluations)>,
    x: XAxis,
}

/// Colours of the compared runs' curves, in turn.
const COMPARED_COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(140, 86, 75),
];

impl RunCurves {
    /// Reads `metrics.jsonl` (required) and `parzen.jsonl` (optional) of a run directory.
    pub fn read(run_dir: &Path) -> Result<Self, CliError> {
        Ok(RunCurves {
            name: run_dir.display().to_string(),
            evaluations: Evaluations::read(run_dir)?,
            metrics: read_metrics(run_dir)?,
            ..RunCurves::default()
        })
    }

    /// Places the points by `x` (steps by default).
    pub fn by(mut self, x: XAxis) -> Self {
        self.x = x;
        self
    }

    /// Adds another run's evaluations (its `parzen.jsonl` and `quality.jsonl`, at least one
    /// of them) beside this run's, named by its directory as given.
    pub fn compare_with(mut self, run_dir: &Path) -> Result<Self, CliError> {
        let evaluations = Evaluations::read(run_dir)?;
        if evaluations.is_empty() {
            return Err(CliError::Usage(format!(
                "{}: no evaluations to compare (neither parzen.jsonl nor quality.jsonl)",
                run_dir.display()
            )));
        }
        self.compared
            .push((run_dir.display().to_string(), evaluations));
        Ok(self)
    }

    /// The evaluation panels to draw: Parzen and FID, each when some run has it.
    fn evaluation_panels(&self) -> Vec<Metric> {
        let all = || std::iter::once(&self.evaluations).chain(self.compared.iter().map(|c| &c.1));
        [Metric::Parzen, Metric::Fid]
            .into_iter()
            .filter(|m| all().any(|e| !m.curve(e).is_empty()))
            .collect()
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
        let panels = 2 + self.evaluation_panels().len() as u32;
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
        let x = self.x;
        let last = self.metrics.values().map(|r| x.at(r.step, r.wall_time_s));
        let compared = self.compared.iter().map(|c| &c.1);
        let evaluated = std::iter::once(&self.evaluations)
            .chain(compared)
            .flat_map(|e| e.parzen.values().chain(e.fid.values()))
            .map(|p| x.at(p.step, p.wall_time_s));
        let end = last.chain(evaluated).fold(0.0, f64::max);
        let range = 0.0..if end > 0.0 { end } else { 1.0 };
        let series = |f: fn(&MetricsRecord) -> Option<f64>| -> Vec<(f64, f64)> {
            self.metrics
                .values()
                .filter_map(|r| f(r).map(|v| (x.at(r.step, r.wall_time_s), v)))
                .collect()
        };
        // D(x) as a probability for the logistic losses; D's raw outputs for the others.
        let probabilities = self.metrics.values().any(|r| r.d_real.is_some());
        let frame = |title| Frame {
            title,
            x: range.clone(),
            x_label: x.label(),
            x_decimals: match x {
                XAxis::Steps => 0,
                XAxis::Minutes => 1,
            },
        };
        panel(
            &areas[0],
            frame("Losses (mean over each logging window)"),
            &[
                ("D loss", RED, series(|r| Some(r.d_loss))),
                ("G loss", BLUE, series(|r| Some(r.g_loss))),
            ],
            None,
            SeriesLabelPosition::UpperRight,
        )?;
        panel(
            &areas[1],
            frame("Discriminator outputs"),
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
        for (metric, area) in self.evaluation_panels().into_iter().zip(&areas[2..]) {
            let points = |c: &Curve, sign: f64| -> Vec<(f64, f64)> {
                c.values()
                    .map(|p| (x.at(p.step, p.wall_time_s), p.value + sign * p.se))
                    .collect()
            };
            let own = metric.curve(&self.evaluations);
            let grey = RGBColor(150, 150, 150);
            let mut curves: Vec<Series> = Vec::new();
            if !own.is_empty() {
                let name = if self.compared.is_empty() {
                    metric.own_name()
                } else {
                    &self.name
                };
                curves.push((name, BLACK, points(own, 0.0)));
                if metric == Metric::Parzen {
                    curves.push(("+ se", grey, points(own, 1.0)));
                    curves.push(("− se", grey, points(own, -1.0)));
                }
            }
            // Each compared run keeps its colour across panels; a run without this metric has
            // no curve (nor legend entry) in its panel.
            for ((name, e), colour) in self.compared.iter().zip(COMPARED_COLOURS.iter().cycle()) {
                if !metric.curve(e).is_empty() {
                    curves.push((name, *colour, points(metric.curve(e), 0.0)));
                }
            }
            panel(
                area,
                frame(metric.title()),
                &curves,
                None,
                // Parzen rises, FID falls to the right: keep the legend off their ends.
                metric.legend(),
            )?;
        }
        root.present().map_err(|e| e.to_string())
    }
}

/// An evaluation panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Metric {
    Parzen,
    Fid,
}

impl Metric {
    fn curve(self, e: &Evaluations) -> &Curve {
        match self {
            Metric::Parzen => &e.parzen,
            Metric::Fid => &e.fid,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Metric::Parzen => "Parzen test log-likelihood (± standard error)",
            Metric::Fid => "FID in the MNIST classifier's features",
        }
    }

    fn own_name(self) -> &'static str {
        match self {
            Metric::Parzen => "mean",
            Metric::Fid => "FID",
        }
    }

    fn legend(self) -> SeriesLabelPosition {
        match self {
            Metric::Parzen => SeriesLabelPosition::LowerRight,
            Metric::Fid => SeriesLabelPosition::UpperRight,
        }
    }
}

/// A chart's title and horizontal axis.
struct Frame<'a> {
    title: &'a str,
    x: Range<f64>,
    x_label: &'a str,
    /// Decimals of the axis's tick labels (steps: none).
    x_decimals: usize,
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// A curve: its legend, colour and (x, value) points.
type Series<'a> = (&'a str, RGBColor, Vec<(f64, f64)>);

/// One chart: every series against the frame's axis, with a legend; `y` defaults to the
/// data's range.
fn panel(
    area: &Area,
    frame: Frame,
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
        .caption(frame.title, ("sans-serif", 18))
        .margin(8)
        // Room for the last step's label, centred on the right edge.
        .margin_right(30)
        .x_label_area_size(32)
        .y_label_area_size(56)
        .build_cartesian_2d(frame.x, y)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc(frame.x_label)
        .x_label_formatter(&|v| format!("{v:.0$}", frame.x_decimals))
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
