//! `gan`: train, evaluate, sample and interpolate the generative adversarial nets of
//! Goodfellow et al. (2014). Run `gan --help` and `gan <command> --help`.

mod batches;
mod between;
mod classifier;
mod commands;
mod data;
mod error;
mod eval;
mod hooks;
mod images;
mod inference;
mod inpaint;
mod inputs;
mod interop;
mod measured;
mod metrics;
mod parzen;
mod plot_records;
mod plots;
mod quality;
mod reconstruct;
mod semi;
mod semi_gan;
mod summary;
mod tfd_eval;
mod train;
mod train_eval;
mod train_parts;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::error::CliError;

// Tensor buffers of a training step are freed and allocated again every step; mimalloc reuses
// them where glibc's allocator unmaps them and page-faults fresh zeroed pages back in.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Generative adversarial nets (Goodfellow et al., 2014) on Burn.
#[derive(Parser, Debug)]
#[command(name = "gan", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train a GAN (the paper's MNIST preset or a JSON config), with checkpoints and resume.
    Train(Box<train::TrainArgs>),
    /// Evaluate a run's generator: the paper's Parzen-window protocol (Table 1), FID, KID,
    /// precision/recall, class measures, memorisation.
    Eval(eval::EvalArgs),
    /// The Parzen-window evaluator on arrays from files (.npy or IDX).
    Parzen(parzen::ParzenArgs),
    /// Draw a grid of samples from a run's generator (Figure 2).
    Sample(commands::SampleArgs),
    /// Linear interpolations between random points of z-space (Figure 3), or between two real
    /// images through their inferred codes (--between).
    Interpolate(commands::InterpolateArgs),
    /// Export a run's generator alone: a model directory (f32 or f16) for sampling and
    /// evaluation, or PyTorch state dicts (safetensors).
    Export(interop::ExportArgs),
    /// Import a generator trained in PyTorch (a .pt or .safetensors state dict) as a model
    /// directory.
    Import(interop::ImportArgs),
    /// G(z) for codes from a .npy file, written as .npy: deterministic, sample for sample.
    Generate(interop::GenerateArgs),
    /// Train the inference network z ← x of a run's generator (the paper's future work 2),
    /// stored beside it.
    TrainInference(inference::TrainInferenceArgs),
    /// Codes and reconstructions of real images through the generator: the inference network's
    /// guess refined by gradient descent, with the reconstruction error.
    Reconstruct(reconstruct::ReconstructArgs),
    /// Semi-supervised MNIST classification from a run's frozen discriminator and/or inference
    /// network with a few labels per class, beside the same classifier on raw pixels.
    Semi(semi::SemiArgs),
    /// Plot a run's losses, D outputs and Parzen log-likelihood over training (PNG).
    Plot(commands::PlotArgs),
    /// The time-to-quality table of runs: minutes of training to reach Parzen thresholds, and
    /// Parzen and FID at a training time (markdown).
    Summary(summary::SummaryArgs),
    /// FID, KID, precision/recall, density/coverage (and class measures, memorisation) of
    /// samples against reference rows, from files.
    Metrics(metrics::MetricsArgs),
    /// Mode coverage of 2-D samples on the ring of 8 or the grid of 25 Gaussians.
    Modes(metrics::ModesArgs),
    /// Train the MNIST classifier whose features `metrics` and `eval --metrics` compare.
    Classifier(classifier::ClassifierArgs),
    /// Complete images whose top, bottom, left or right half is missing with an inpainting
    /// run's generator (future work 3); --evaluate measures it on MNIST.
    Inpaint(inpaint::InpaintArgs),
}

/// Options shared by every command that computes.
#[derive(Args, Debug, Clone)]
struct DeviceArgs {
    /// Backend: cpu (the fastest CPU backend compiled in), flex, ndarray or wgpu.
    #[arg(long, default_value = "cpu", env = "GAN_BACKEND")]
    backend: String,
    /// The memory a built-in model may take, in GiB (training: both players with their
    /// gradients, optimiser states and a batch's activations; sampling: the generator and
    /// 1,000 rows), counted from the config before anything is allocated [default: 16].
    #[arg(long, value_name = "GIB", env = "GAN_MEMORY_LIMIT")]
    memory_limit: Option<f64>,
}

/// Which of a run's generator weights a command loads.
#[derive(Args, Debug, Clone)]
struct WeightsArgs {
    /// The generator's trained weights, even where the run keeps an average of them (--ema),
    /// which is used by default.
    #[arg(long)]
    raw_weights: bool,
}

impl WeightsArgs {
    fn weights(&self) -> gan_train::GeneratorWeights {
        if self.raw_weights {
            gan_train::GeneratorWeights::Raw
        } else {
            gan_train::GeneratorWeights::Average
        }
    }
}

/// Where MNIST is read from.
#[derive(Args, Debug, Clone)]
struct DataArgs {
    /// Directory with the four MNIST files (.gz or raw). Without it, MNIST is found in, or
    /// downloaded to, $GAN_DATA_DIR/mnist (default: the user's cache directory).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(a) => train::train(*a),
        Command::Eval(a) => eval::eval(a),
        Command::Parzen(a) => parzen::parzen(a),
        Command::Sample(a) => commands::sample(a),
        Command::Interpolate(a) => commands::interpolate(a),
        Command::Export(a) => interop::export(a),
        Command::Import(a) => interop::import(a),
        Command::Generate(a) => interop::generate(a),
        Command::TrainInference(a) => inference::train_inference(a),
        Command::Reconstruct(a) => reconstruct::reconstruct(a),
        Command::Semi(a) => semi::semi(a),
        Command::Plot(a) => commands::plot(a),
        Command::Summary(a) => summary::summary(a),
        Command::Metrics(a) => metrics::metrics(a),
        Command::Modes(a) => metrics::modes(a),
        Command::Classifier(a) => classifier::classifier(a),
        Command::Inpaint(a) => inpaint::inpaint_command(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints `value` as pretty JSON on standard output.
fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::output(std::path::Path::new("standard output"), e))?;
    println!("{text}");
    Ok(())
}

impl DeviceArgs {
    fn device(&self) -> Result<burn::tensor::Device, CliError> {
        let backend: gan_backend::Backend = self
            .backend
            .parse()
            .map_err(|e| CliError::Usage(format!("--backend: {e}")))?;
        // Burn puts what it loads without a device (a resumed optimiser's state) on its
        // default device first: make that this backend, not wgpu's whenever it is compiled in
        // (a CPU run's state would go to the GPU and back, and fails there when too large).
        // SAFETY: commands call this first, before Burn or anything else starts a thread.
        unsafe { std::env::set_var("BURN_DEVICE", backend.name()) };
        if let Some(gib) = self.memory_limit {
            if !(gib.is_finite() && gib > 0.0 && gib <= 1e9) {
                return Err(CliError::Usage(format!(
                    "--memory-limit must be a positive number of GiB (at most 1e9), got {gib}"
                )));
            }
            gan_train::set_memory_limit((gib * f64::from(1u32 << 30)) as u64);
        }
        Ok(backend.device())
    }
}
