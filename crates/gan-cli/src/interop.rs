//! Weights in and out: `gan export`, `gan import` and `gan generate`.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use gan_nn::GeneratorConfig;
use gan_train::{ModelConfig, ModelOrigin, Precision, RunConfig};

use crate::DeviceArgs;
use crate::error::CliError;
use crate::inputs::{from_host, host, read_run};
use crate::train::preset_names;

/// Storage precision of an exported generator.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PrecisionArg {
    /// 32-bit floats, the weights as trained.
    F32,
    /// Half precision: half the size, each weight rounded to 11 significant bits.
    F16,
}

impl From<PrecisionArg> for Precision {
    fn from(p: PrecisionArg) -> Self {
        match p {
            PrecisionArg::F32 => Precision::F32,
            PrecisionArg::F16 => Precision::F16,
        }
    }
}

/// What `gan export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A model directory (burnpack) that `sample`, `eval`, `interpolate` and `generate` read.
    Burnpack,
    /// PyTorch state dicts as float32 safetensors: `generator.safetensors` in the
    /// `nn.Sequential` layout (and `discriminator.safetensors` with --discriminator).
    Safetensors,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The run whose newest valid checkpoint is exported.
    #[arg(long)]
    run_dir: PathBuf,
    #[command(flatten)]
    weights: crate::WeightsArgs,
    /// Directory to write (created if needed).
    #[arg(long)]
    out: PathBuf,
    /// The format.
    #[arg(long, value_enum, default_value = "burnpack")]
    format: ExportFormat,
    /// How the weights are stored (burnpack only; safetensors are float32).
    #[arg(long, value_enum, default_value = "f32")]
    precision: PrecisionArg,
    /// Also write the discriminator (safetensors only).
    #[arg(long)]
    discriminator: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn export(a: ExportArgs) -> Result<(), CliError> {
    let device = a.device.device()?;
    if a.format == ExportFormat::Safetensors {
        return export_safetensors(&a, &device);
    }
    if a.discriminator {
        return Err(CliError::Usage(
            "--discriminator needs --format safetensors (a model directory holds the generator)"
                .into(),
        ));
    }
    let model = gan_train::export_generator_with(
        &a.run_dir,
        &a.out,
        a.precision.into(),
        &device,
        a.weights.weights(),
    )?;
    let weights = a.out.join(gan_train::GENERATOR_FILE);
    report_written(
        &weights,
        &format!(
            "the generator at step {} as {:?}",
            model.step, model.precision
        ),
    )
}

fn export_safetensors(a: &ExportArgs, device: &burn::tensor::Device) -> Result<(), CliError> {
    if matches!(a.precision, PrecisionArg::F16) {
        return Err(CliError::Usage(
            "safetensors exports are float32; drop --precision f16".into(),
        ));
    }
    let ModelConfig::Mlp(model) = read_run(&a.run_dir)?.model else {
        return Err(CliError::Usage(
            "safetensors export writes the MLP players' PyTorch layout; this run is a DCGAN".into(),
        ));
    };
    let generator = gan_train::load_generator_weights(
        &a.run_dir,
        model.generator.init(device)?,
        a.weights.weights(),
    )?;
    // The discriminator is loaded before anything is written, so that a model directory
    // (which has none) writes nothing.
    let discriminator = if a.discriminator {
        let d = model.discriminator.init(device)?;
        Some(gan_train::load_discriminator_into(&a.run_dir, d)?)
    } else {
        None
    };
    std::fs::create_dir_all(&a.out).map_err(|e| CliError::output(&a.out, e))?;
    let path = a.out.join("generator.safetensors");
    gan_interop::export_generator(&generator, &path)?;
    report_written(&path, "the generator (nn.Sequential layout)")?;
    if let Some(d) = discriminator {
        let path = a.out.join("discriminator.safetensors");
        gan_interop::export_discriminator(&d, &path)?;
        report_written(&path, "the discriminator")?;
    }
    Ok(())
}

fn report_written(path: &Path, what: &str) -> Result<(), CliError> {
    let size = std::fs::metadata(path).map_err(|e| CliError::output(path, e))?;
    println!(
        "wrote {what}: {} ({:.1} MB)",
        path.display(),
        size.len() as f64 / 1e6
    );
    Ok(())
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// A generator's PyTorch state dict: `torch.save(G.state_dict(), F)` as .pt/.pth, or a
    /// .safetensors file (see docs/interop.md for the layout).
    #[arg(long)]
    from: PathBuf,
    /// The layers and activations the file is read as; the widths come from the file.
    #[arg(long, value_parser = preset_names(), default_value = "paper-mnist")]
    preset: String,
    /// The model directory to write; `sample`, `eval`, `interpolate` and `generate` take it as
    /// their --run-dir.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn import(a: ImportArgs) -> Result<(), CliError> {
    if a.preset != "paper-mnist" {
        return Err(CliError::Usage(
            "import reads the MLP layout: --preset paper-mnist".into(),
        ));
    }
    let device = a.device.device()?;
    let mut config = RunConfig::paper_mnist();
    let ModelConfig::Mlp(model) = &mut config.model else {
        unreachable!("the paper's preset is an MLP")
    };
    let (generator_config, generator) =
        gan_interop::import_generator(&a.from, &model.generator, &device)?;
    // The discriminator of the config reads what this generator writes.
    model.discriminator.d_input = generator_config.d_output;
    let widths = widths(&generator_config);
    model.generator = generator_config;
    let origin = ModelOrigin {
        step: 0,
        epoch: 0,
        source: format!("imported from {}", a.from.display()),
        averaged: false,
    };
    let json = config.to_json()?;
    gan_train::save_generator_module(&a.out, json.as_bytes(), generator, Precision::F32, origin)?;
    println!("imported a generator {widths} into {}", a.out.display());
    Ok(())
}

/// `d_noise → hidden… → d_output`.
fn widths(g: &GeneratorConfig) -> String {
    let widths: Vec<String> = std::iter::once(g.d_noise)
        .chain(g.hidden.iter().map(|l| l.width))
        .chain(std::iter::once(g.d_output))
        .map(|w| w.to_string())
        .collect();
    widths.join(" → ")
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// The run or model directory whose generator is used.
    #[arg(long)]
    run_dir: PathBuf,
    #[command(flatten)]
    weights: crate::WeightsArgs,
    /// The codes: a `[n, noise width]` float32 or float64 .npy array.
    #[arg(long)]
    z: PathBuf,
    /// Where to write G(z), a `[n, features]` float32 .npy array.
    #[arg(long)]
    npy: PathBuf,
    #[command(flatten)]
    device: DeviceArgs,
}

/// G(z) for given codes: deterministic, the way to compare implementations sample for sample.
pub fn generate(a: GenerateArgs) -> Result<(), CliError> {
    let device = a.device.device()?;
    let g = crate::inputs::load_sampler(&a.run_dir, &device, a.weights.weights())?;
    if g.condition_dim() > 0 {
        return Err(CliError::Usage(
            "this generator is conditional; generate takes unconditional generators".into(),
        ));
    }
    let mut codes = crate::batches::open_rows(&a.z)?;
    if codes.dim() != g.noise_dim() {
        return Err(CliError::Usage(format!(
            "{}: codes of width {}, but the generator takes {}",
            a.z.display(),
            codes.dim(),
            g.noise_dim()
        )));
    }
    let n = codes.rows();
    let d: usize = g.sample_shape().iter().product();
    let mut out = gan_data::NpyRowWriter::create(&a.npy, &[n, d])?;
    crate::batches::for_each_batch(&mut codes, |start, z| {
        if let Some(i) = z.features().iter().position(|v| !v.is_finite()) {
            return Err(CliError::Usage(format!(
                "{}: code {} holds {}; codes must be finite",
                a.z.display(),
                start + i / z.dim(),
                z.features()[i]
            )));
        }
        let z = from_host(z.features().to_vec(), z.dim(), &device);
        Ok(out.write(&host(g.generate_rows(z, None)))?)
    })?;
    out.finish()?;
    println!("wrote G(z) for {n} codes: {}", a.npy.display());
    Ok(())
}
