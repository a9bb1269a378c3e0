//! # gan-core
//!
//! Generative adversarial networks (Goodfellow et al., "Generative Adversarial Nets", NIPS 2014)
//! on the [Burn](https://burn.dev) deep-learning framework: the paper's models, objective,
//! training algorithm and evaluation, running on any Burn device (Flex or NdArray on the CPU,
//! wgpu on the GPU), chosen at run time.
//!
//! This crate is the facade: it re-exports the member crates as modules.
//!
//! | module | crate | what |
//! | --- | --- | --- |
//! | [`nn`] | `gan-nn` | maxout, generator and discriminator MLPs, noise priors |
//! | [`objective`] | `gan-objective` | value function, losses, closed forms |
//! | [`train`] | `gan-train` | Algorithm 1, the released schedule, checkpoints and resume |
//! | [`parzen`] | `gan-parzen` | the Parzen-window log-likelihood of Table 1 |
//! | [`metrics`] | `gan-metrics` | FID, KID, precision/recall, density/coverage, mode coverage, memorisation |
//! | [`interop`] | `gan-interop` | PyTorch state dicts in and out (`.pt`, `.safetensors`) |
//! | [`data`] | `gan-data` | MNIST/IDX, CIFAR-10, `.npy`, toy distributions, batches |
//! | [`backend`] | `gan-backend` | choosing a Burn device by name |
//!
//! ```
//! use gan_core::prelude::*;
//!
//! let device = Backend::default_cpu().unwrap().device();
//! let g = GeneratorConfig::paper_mnist().init(&device).unwrap();
//! let d = DiscriminatorConfig::paper_mnist().init(&device).unwrap();
//! let z = Noise::Gaussian.sample(16, 100, &device);
//! let fake = g.forward(z);
//! let real = Tensor::<2>::zeros([16, 784], &device);
//! let v = value_function(d.forward(real), d.forward(fake));
//! assert!(v.into_scalar::<f32>().is_finite());
//! ```

pub use gan_backend as backend;
pub use gan_data as data;
pub use gan_interop as interop;
pub use gan_metrics as metrics;
pub use gan_nn as nn;
pub use gan_objective as objective;
pub use gan_parzen as parzen;
pub use gan_train as train;

/// The types most programs use.
pub mod prelude {
    pub use burn::tensor::{Device, Tensor};
    pub use gan_backend::Backend;
    pub use gan_data::{BatchSampler, Dataset, Mnist};
    pub use gan_nn::{
        Discriminator, DiscriminatorConfig, GanDiscriminator, GanGenerator, Generator,
        GeneratorConfig, Maxout, MaxoutConfig, MlpGanConfig, Noise,
    };
    pub use gan_objective::{GeneratorLoss, Loss, discriminator_loss, value_function};
    pub use gan_parzen::{ParzenEvaluator, ParzenReport};
    pub use gan_train::{
        EmaConfig, Hook, MetricsRecord, MlpTrainer, ModelConfig, OnRecord, Regularisers, RunConfig,
        TrainConfig, Trainer, Until,
    };
}

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
