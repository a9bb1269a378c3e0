//! The inference network of the paper's future work 2: an MLP that predicts the code `z` a
//! trained generator would need to produce a given sample `x` (`z ← x`), trained afterwards on
//! pairs `(G(z), z)`.
//!
//! `x [n, d_input]` → (linear → ReLU) per hidden width → linear → `z [n, d_latent]`.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

use crate::error::{NnError, nonzero};

/// Configuration of an [`Encoder`].
#[derive(Config, Debug, PartialEq)]
pub struct EncoderConfig {
    /// Width of the samples it reads (784 for MNIST).
    pub d_input: usize,
    /// Width of the codes it predicts (the generator's noise width).
    pub d_latent: usize,
    /// Widths of the ReLU hidden layers.
    #[config(default = "vec![512, 512]")]
    pub hidden: Vec<usize>,
}

/// The inference network; see the module documentation for its layers.
#[derive(Module, Debug)]
pub struct Encoder {
    hidden: Vec<Linear>,
    output: Linear,
}

impl EncoderConfig {
    /// Checks that every width is positive.
    pub fn validate(&self) -> Result<(), NnError> {
        nonzero(self.d_input, "encoder input width")?;
        nonzero(self.d_latent, "encoder code width")?;
        for &width in &self.hidden {
            nonzero(width, "encoder hidden width")?;
        }
        Ok(())
    }

    /// Builds the network on `device` with Burn's default (Kaiming-uniform) initialisation.
    pub fn init(&self, device: &Device) -> Result<Encoder, NnError> {
        self.validate()?;
        let mut d_in = self.d_input;
        let mut hidden = Vec::with_capacity(self.hidden.len());
        for &width in &self.hidden {
            hidden.push(LinearConfig::new(d_in, width).init(device));
            d_in = width;
        }
        // A small output layer: the first guesses sit near the prior's mean, not far outside it.
        let output = LinearConfig::new(d_in, self.d_latent)
            .with_initializer(Initializer::Uniform {
                min: -0.01,
                max: 0.01,
            })
            .init(device);
        Ok(Encoder { hidden, output })
    }
}

impl Encoder {
    /// Predicted codes `[n, d_latent]` of samples `[n, d_input]`.
    ///
    /// # Panics
    /// If the samples' width is not the configured `d_input` (Burn's shape check).
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let h = self
            .hidden
            .iter()
            .fold(x, |h, layer| relu(layer.forward(h)));
        self.output.forward(h)
    }

    /// The hidden layers' ReLU outputs, in order, and the predicted codes.
    ///
    /// # Panics
    /// If the samples' width is not the configured `d_input` (Burn's shape check).
    pub fn forward_with_hidden(&self, x: Tensor<2>) -> (Vec<Tensor<2>>, Tensor<2>) {
        let mut hidden = Vec::with_capacity(self.hidden.len());
        let mut h = x;
        for layer in &self.hidden {
            h = relu(layer.forward(h));
            hidden.push(h.clone());
        }
        (hidden, self.output.forward(h))
    }

    /// Widths of the hidden layers.
    pub fn hidden_widths(&self) -> Vec<usize> {
        self.hidden.iter().map(|l| l.weight.dims()[1]).collect()
    }

    /// Width of the samples it reads.
    pub fn d_input(&self) -> usize {
        match self.hidden.first() {
            Some(layer) => layer.weight.dims()[0],
            None => self.output.weight.dims()[0],
        }
    }

    /// Width of the codes it predicts.
    pub fn d_latent(&self) -> usize {
        self.output.weight.dims()[1]
    }
}
