//! Work that grows with its input, done a batch at a time: arrays read in batches of rows,
//! progress shown on long work, and Ctrl-C honoured between batches (nothing half-written is
//! left: outputs are written atomically at the end).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use gan_data::{ArrayRows, Dataset};
use indicatif::{ProgressBar, ProgressStyle};

use crate::error::CliError;

/// Rows a command holds at once: 10,000 MNIST rows are 31 MB as f32, so peak memory stays
/// near the model's and one batch's however many rows a file has.
pub const BATCH_ROWS: usize = 10_000;

/// The flag Ctrl-C raises: the handler is installed on first use, once per process.
pub fn interrupted() -> Result<Arc<AtomicBool>, CliError> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    if let Some(flag) = FLAG.get() {
        return Ok(flag.clone());
    }
    let flag = Arc::new(AtomicBool::new(false));
    let raised = flag.clone();
    ctrlc::set_handler(move || raised.store(true, Ordering::SeqCst))
        .map_err(|e| CliError::Usage(format!("cannot install the Ctrl-C handler: {e}")))?;
    Ok(FLAG.get_or_init(|| flag).clone())
}

/// An array file opened for reading in batches; a directory or a missing path is named as such.
pub fn open_rows(path: &Path) -> Result<ArrayRows, CliError> {
    crate::inputs::check_array_path(path)?;
    Ok(ArrayRows::open(path)?)
}

/// The first `n` rows of an array file (all of them when it has fewer), reading no further.
pub fn head_rows(path: &Path, n: usize) -> Result<Dataset, CliError> {
    let mut rows = open_rows(path)?;
    match rows.next_chunk(n)? {
        Some(head) => Ok(head),
        None => Err(CliError::Usage(format!("{}: no rows", path.display()))),
    }
}

/// Progress through `total` units of long work (a bar on a terminal, a line every tenth
/// without one), stopped by Ctrl-C.
pub struct Work {
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
    label: &'static str,
    logged: u64,
}

impl Work {
    /// Starts work on `total` units named `label` (e.g. "rows").
    pub fn new(label: &'static str, total: u64) -> Result<Self, CliError> {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed} < {eta}]")
                .expect("valid template"),
        );
        bar.set_message(label);
        Ok(Self {
            bar,
            stop: interrupted()?,
            label,
            logged: 0,
        })
    }

    /// Counts `n` more units done; an error once Ctrl-C was pressed.
    pub fn advance(&mut self, n: u64) -> Result<(), CliError> {
        self.bar.inc(n);
        let (done, total) = (self.bar.position(), self.bar.length().unwrap_or(0));
        // Without a terminal the bar is hidden: a line at each tenth of long work instead.
        if self.bar.is_hidden() && total >= 10 * BATCH_ROWS as u64 {
            let tenth = done * 10 / total.max(1);
            if tenth > self.logged {
                self.logged = tenth;
                eprintln!("{done}/{total} {}", self.label);
            }
        }
        if self.stop.load(Ordering::SeqCst) {
            self.bar.abandon();
            return Err(CliError::Interrupted);
        }
        Ok(())
    }

    /// Clears the bar.
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

/// Calls `f` with each batch of at most [`BATCH_ROWS`] rows of `rows` and the index of its
/// first row, with progress and Ctrl-C.
pub fn for_each_batch(
    rows: &mut ArrayRows,
    mut f: impl FnMut(usize, Dataset) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut work = Work::new("rows", rows.rows() as u64)?;
    let mut start = 0;
    while let Some(batch) = rows.next_chunk(BATCH_ROWS)? {
        let n = batch.len();
        f(start, batch)?;
        start += n;
        work.advance(n as u64)?;
    }
    work.finish();
    Ok(())
}
