//! Training generative adversarial nets: Algorithm 1 of Goodfellow et al. (2014) and the
//! released code's simultaneous variant, for any generator and discriminator that implement
//! [`gan_nn::GanGenerator`] and [`gan_nn::GanDiscriminator`]; crash-safe checkpoints with exact
//! resume; hooks every N steps; exports of the generator alone (f32 or f16) for sampling and
//! evaluation.
//!
//! The parts, as TF-GAN separates them: the players (`gan-nn`, built by a [`Family`]), the
//! losses ([`LossChoice`], [`gan_objective::AdversarialLoss`]), D's regularisers
//! ([`Regularisers`]: spectral normalisation, gradient penalties, instance noise, the
//! max-column-norm constraint), the average of G ([`EmaConfig`]), the conditioning
//! ([`Conditioning`]), the learning rules ([`LearningRule`]), the step ([`Trainer::step`],
//! `step.rs`), the loop ([`Trainer::train`] with [`Hook`]s such as [`ParzenHook`]) and the run
//! directory ([`Trainer::create_run`], [`Trainer::resume_run`], `run.rs`). Every configured
//! part is saved in the run's `config.json` and restored by resume.
//!
//! ```no_run
//! use gan_train::{MlpTrainer, OnRecord, RunConfig, Until};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mnist = gan_data::Mnist::load_or_download(&gan_data::default_data_dir().join("mnist"))?;
//! let device = burn::tensor::Device::default();
//! let config = RunConfig::paper_mnist();
//! let mut trainer = MlpTrainer::create_mlp_run(&config, mnist.train, &device, "runs/mnist".as_ref())?;
//! let mut log = OnRecord(|r: &gan_train::MetricsRecord| println!("step {} D {:.3} G {:.3}", r.step, r.d_loss, r.g_loss));
//! trainer.train(&Until::steps(1000), &mut [&mut log])?;
//! # Ok(()) }
//! ```

mod average;
mod builtin;
mod checkpoint;
mod classifier;
mod completion;
mod conditioning;
mod config;
mod ema;
mod error;
mod evaluation;
mod export;
mod family;
mod hooks;
mod inference;
mod inpainting;
mod loss_choice;
mod memory;
mod metrics;
mod optim;
pub mod penalty;
mod probe;
mod reconstruct;
mod regularise;
mod resume_check;
mod run;
mod run_config;
mod semi;
mod semi_gan;
mod spectral;
mod stats;
mod step;
mod step_terms;
mod train_loop;
mod trainer;

pub use average::ParameterAverage;
pub use builtin::{
    BuiltinGenerator, export_generator, export_generator_with, load_generator, load_generator_with,
    load_mlp_discriminator,
};
pub use checkpoint::{
    CONFIG_FILE, CheckpointFiles, CheckpointState, D_OPTIMIZER_FILE, DISCRIMINATOR_FILE,
    G_OPTIMIZER_FILE, GENERATOR_AVERAGE_FILE, GENERATOR_FILE, LoadedCheckpoint, METRICS_FILE,
    SPECTRAL_NORM_FILE, list_checkpoints, load_latest, load_module, save_checkpoint, write_atomic,
};
pub use classifier::{
    CLASSIFIER_FILE, CLASSIFIER_MANIFEST, ClassifierManifest, ClassifierTraining,
    classifier_accuracy, classifier_outputs, load_classifier, save_classifier, train_classifier,
};
pub use completion::{INPAINT_BATCH, inpaint, inpaint_continued, nearest_fill, zero_fill};
pub use conditioning::Conditioning;
pub use config::{
    CheckpointConfig, GeneratorMasks, MAX_K, MomentumCount, OptimizerConfig, Schedule, TrainConfig,
};
pub use ema::EmaConfig;
pub use error::{Result, TrainError};
pub use evaluation::{PARZEN_FILE, ParzenHook, ParzenRecord, append_record, cycled_classes};
pub use export::{
    ExportedModel, GeneratorWeights, MODEL_FILE, ModelOrigin, Precision, export_generator_module,
    export_generator_weights, read_exported, save_generator_module,
};
pub use family::{
    CIFAR10_GCN, DcganFamily, DcganTrainer, DefaultData, Family, FamilyTask, FamilyTrainer,
    InpaintFamily, InpaintTrainer, MlpFamily, MlpTrainer, PRESETS, PaperConvFamily,
    PaperConvTrainer, Preset, create_family_run, family_trainer, image_shape,
    load_family_generator, mlp_players, resume_family_run,
};
pub use hooks::{Cadence, CadenceClock, Hook, OnRecord};
pub use inference::{
    INFERENCE_FILE, INFERENCE_MANIFEST, InferenceManifest, InferenceTraining,
    generator_fingerprint, load_encoder, read_inference_manifest, save_encoder, train_encoder,
};
pub use inpainting::{InpaintingConfig, condition_rows};
pub use loss_choice::LossChoice;
pub use memory::{DEFAULT_MEMORY_LIMIT, MemoryUse, check_memory, memory_limit, set_memory_limit};
pub use metrics::{MetricsRecord, read as read_metrics};
pub use optim::{LearningRule, PylearnMomentum, Velocity};
pub use probe::{
    PenaltyChoice, ProbeConfig, choose_penalty, error_rate, fit_probe, probe_predictions,
};
pub use reconstruct::{
    Refinement, infer_codes, mean_sd, nearest_sample_errors, refine_codes, row_errors,
};
pub use regularise::{MaxColumnNorm, Regularisers};
pub use resume_check::TRAIN_CONFIG_FILE;
pub use run::{
    ResumeInfo, load_discriminator_into, load_generator_into, load_generator_reporting,
    load_generator_weights, read_run_config, resume,
};
pub use run_config::{ModelConfig, RunConfig};
pub use semi::{FeatureScaling, ProbeReport, draw_labelled, linear_probe_error};
pub use semi_gan::{
    SEMI_FILE, SEMI_MANIFEST, SemiGanClassifiers, SemiGanManifest, SemiGanStats, SemiGanTraining,
    class_error, load_semi_gan, save_semi_gan, semi_generator, semi_generator_config,
    train_semi_gan,
};
pub use spectral::SpectralNorm;
pub use stats::StepStats;
pub use train_loop::{TrainSummary, Until};
pub use trainer::Trainer;
