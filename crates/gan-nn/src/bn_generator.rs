//! The generator of Salimans et al.'s semi-supervised MNIST model: noise → (linear → batch norm
//! → softplus) per hidden layer → weight-normalised linear → sigmoid. Batch statistics in
//! training, running statistics after `valid()`. Weights start at Glorot's scale, as Lasagne's
//! dense layers in the released code do: batch and weight normalisation cancel that scale in the
//! forward pass, but Adam's steps are relative to it.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{BatchNorm, BatchNormConfig, Initializer, Linear, LinearConfig};
use burn::tensor::activation::{sigmoid, softplus};
use burn::tensor::{Device, Tensor};

use crate::error::{NnError, nonzero};
use crate::players::GanGenerator;
use crate::weight_norm::{WeightNormLinear, WeightNormLinearConfig};

/// Configuration of a [`BatchNormGenerator`].
#[derive(Config, Debug, PartialEq)]
pub struct BatchNormGeneratorConfig {
    /// Width of the noise.
    #[config(default = 100)]
    pub d_noise: usize,
    /// Widths of the hidden layers.
    #[config(default = "vec![500, 500]")]
    pub hidden: Vec<usize>,
    /// Width of a sample.
    pub d_output: usize,
}

/// See the module documentation.
#[derive(Module, Debug)]
pub struct BatchNormGenerator {
    layers: Vec<Linear>,
    norms: Vec<BatchNorm>,
    output: WeightNormLinear,
}

impl BatchNormGeneratorConfig {
    /// Builds the generator.
    pub fn init(&self, device: &Device) -> Result<BatchNormGenerator, NnError> {
        nonzero(self.d_noise, "generator d_noise")?;
        nonzero(self.d_output, "generator d_output")?;
        let mut d_in = self.d_noise;
        let (mut layers, mut norms) = (Vec::new(), Vec::new());
        for &width in &self.hidden {
            nonzero(width, "generator hidden width")?;
            layers.push(
                LinearConfig::new(d_in, width)
                    .with_initializer(Initializer::XavierUniform { gain: 1.0 })
                    .init(device),
            );
            norms.push(BatchNormConfig::new(width).init(device));
            d_in = width;
        }
        Ok(BatchNormGenerator {
            layers,
            norms,
            output: WeightNormLinearConfig::new(d_in, self.d_output)
                .with_init_std((2.0 / (d_in + self.d_output) as f64).sqrt())
                .init(device),
        })
    }
}

impl BatchNormGenerator {
    /// Samples `[n, d_output]` in `(0, 1)` for noise `[n, d_noise]`.
    pub fn forward(&self, noise: Tensor<2>) -> Tensor<2> {
        let h = self
            .layers
            .iter()
            .zip(&self.norms)
            .fold(noise, |h, (layer, norm)| {
                softplus(norm.forward(layer.forward(h)), 1.0)
            });
        sigmoid(self.output.forward(h))
    }

    /// Width of the noise it takes.
    pub fn d_noise(&self) -> usize {
        match self.layers.first() {
            Some(layer) => layer.weight.dims()[0],
            None => self.output.d_input(),
        }
    }
}

impl GanGenerator<2> for BatchNormGenerator {
    fn noise_dim(&self) -> usize {
        self.d_noise()
    }

    /// # Panics
    ///
    /// If given a condition: this generator is unconditional.
    fn generate(&self, noise: Tensor<2>, condition: Option<Tensor<2>>) -> Tensor<2> {
        assert!(condition.is_none(), "BatchNormGenerator is unconditional");
        self.forward(noise)
    }
}
