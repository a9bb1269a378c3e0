//! The built-in presets by name (what `gan train --preset NAME` trains): one line each, the
//! configs themselves built in their families' files.

use gan_data::Dataset;

use crate::error::{Result, TrainError};
use crate::run_config::RunConfig;

/// The data a preset trains on when none is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultData {
    /// MNIST (found, or downloaded and verified).
    Mnist,
    /// CIFAR-10 (found, or downloaded and verified).
    Cifar10,
}

/// A built-in configuration, chosen by name.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    /// The name `--preset` takes.
    pub name: &'static str,
    /// One paragraph on what it trains.
    pub about: &'static str,
    /// The data it trains on when none is given.
    pub default_data: DefaultData,
    /// Whether it can train `p(x | c)` on the data's labels.
    pub conditional: bool,
    build: fn(&Dataset, bool) -> Result<RunConfig>,
}

impl Preset {
    /// The run config for `data` (conditioned on its labels when `conditional`).
    pub fn config(&self, data: &Dataset, conditional: bool) -> Result<RunConfig> {
        if conditional && !self.conditional {
            return Err(TrainError::Config(format!(
                "the {} preset is not conditional (the dcgan preset is)",
                self.name
            )));
        }
        (self.build)(data, conditional)
    }

    /// The preset called `name`.
    pub fn named(name: &str) -> Result<&'static Preset> {
        PRESETS.iter().find(|p| p.name == name).ok_or_else(|| {
            let names: Vec<_> = PRESETS.iter().map(|p| p.name).collect();
            TrainError::Config(format!(
                "no preset `{name}` (choose one of {})",
                names.join(", ")
            ))
        })
    }
}

/// Every built-in preset.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "paper-mnist",
        about: "The released MNIST configuration of the paper (Table 1), its generator's output \
                and its discriminator's input sized to the data's rows (784 for MNIST).",
        default_data: DefaultData::Mnist,
        conditional: false,
        build: |data, _| Ok(RunConfig::paper_mnist_for(data.dim())),
    },
    Preset {
        name: "paper-cifar10-fc",
        about: "The released fully connected CIFAR-10 configuration (Figure 2c): G 100 → 8000 \
                ReLU → 8000 sigmoid → 3072 linear, D two maxout layers of 1600 × 5, η 0.025, on \
                rows normalised by pylearn2's global contrast normalisation (scale 55).",
        default_data: DefaultData::Cifar10,
        conditional: false,
        build: |data, _| RunConfig::paper_cifar10_fc_for(data),
    },
    Preset {
        name: "paper-cifar10-conv",
        about: "The released convolutional CIFAR-10 configuration (Figure 2d): G to 8000 sigmoid \
                units read as 80 maps of 10 × 10 and a 5 × 5 transposed convolution with stride \
                3; D three convolutional maxout layers with max pooling, maxout 500 × 5; batch \
                128, η 0.004, on GCN(55) rows.",
        default_data: DefaultData::Cifar10,
        conditional: false,
        build: |data, _| RunConfig::paper_cifar10_conv_for(data),
    },
    Preset {
        name: "dcgan",
        about: "A DCGAN-style convolutional pair (Adam 2e-4, β₁ 0.5, batch 64) for images whose \
                side is a multiple of 4.",
        default_data: DefaultData::Mnist,
        conditional: true,
        build: RunConfig::dcgan,
    },
    Preset {
        name: "inpaint",
        about: "Inpainting: a generator that completes an image from its known half (a small \
                U-Net with noise) against a DCGAN discriminator that sees the mask; all four \
                halves, pix2pix's reconstruction term (λ 100), Adam 2e-4, batch 64. Use the \
                model with `gan inpaint`.",
        default_data: DefaultData::Mnist,
        conditional: false,
        build: |data, _| RunConfig::inpaint(data),
    },
];
