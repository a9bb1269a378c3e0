use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::activation::{Activation, ActivationConfig};
use burn::nn::{Initializer, Linear};
use burn::tensor::{Device, Tensor, TensorData};

use crate::error::{NnError, nonzero};

/// One hidden layer of a [`Generator`]: its width and activation.
#[derive(Config, Debug)]
pub struct HiddenLayerConfig {
    /// Output width of the layer.
    pub width: usize,
    /// Activation after the affine map (Burn's [`ActivationConfig`]: `Relu`, `Sigmoid`, `Tanh`,
    /// `Identity` for linear, and more).
    pub activation: ActivationConfig,
}

/// Configuration of a [`Generator`]: an MLP from noise `z` to data `x`.
#[derive(Config, Debug)]
pub struct GeneratorConfig {
    /// Dimension of the noise `z`.
    pub d_noise: usize,
    /// Hidden layers, in order.
    pub hidden: Vec<HiddenLayerConfig>,
    /// Dimension of a generated sample.
    pub d_output: usize,
    /// Activation of the output layer.
    #[config(default = "ActivationConfig::Sigmoid")]
    pub output_activation: ActivationConfig,
    /// Initializer of every weight matrix (the output layer's too unless `output_init` is
    /// set). Biases start at zero.
    #[config(default = "Initializer::Uniform { min: -0.05, max: 0.05 }")]
    pub init: Initializer,
    /// Initializer of the output layer's weights, when it differs from `init` (the released
    /// CIFAR-10 generator: ±0.5 there, ±0.05 below).
    #[config(default = "None")]
    pub output_init: Option<Initializer>,
}

/// A generator MLP `G(z)`: affine maps and activations, the last one producing data.
#[derive(Module, Debug)]
pub struct Generator {
    /// The affine maps, hidden layers first, output layer last.
    pub layers: Vec<Linear>,
    /// The activation after each affine map (same length as `layers`).
    pub activations: Vec<Activation>,
}

impl GeneratorConfig {
    /// The released MNIST generator of the paper: 100 → 1200 ReLU → 1200 ReLU → 784 sigmoid,
    /// weights U(−0.05, 0.05). Set its output bias with
    /// [`Generator::with_output_bias_from_marginals`].
    pub fn paper_mnist() -> Self {
        Self::new(
            100,
            vec![
                HiddenLayerConfig::new(1200, ActivationConfig::Relu),
                HiddenLayerConfig::new(1200, ActivationConfig::Relu),
            ],
            784,
        )
    }

    /// The released fully connected CIFAR-10 generator (`cifar10_fully_connected.yaml`):
    /// 100 → 8000 ReLU → 8000 sigmoid → 3072 linear, weights U(−0.05, 0.05) below the output
    /// and U(−0.5, 0.5) on it.
    pub fn paper_cifar10_fc() -> Self {
        Self::new(
            100,
            vec![
                HiddenLayerConfig::new(8000, ActivationConfig::Relu),
                HiddenLayerConfig::new(8000, ActivationConfig::Sigmoid),
            ],
            3072,
        )
        .with_output_activation(ActivationConfig::Identity)
        .with_output_init(Some(Initializer::Uniform {
            min: -0.5,
            max: 0.5,
        }))
    }

    /// Checks every width is at least 1 and the initializer is finite.
    pub fn validate(&self) -> Result<(), NnError> {
        self.size()?.check_sane("the generator")?;
        nonzero(self.d_noise, "generator d_noise")?;
        nonzero(self.d_output, "generator d_output")?;
        for (i, layer) in self.hidden.iter().enumerate() {
            nonzero(layer.width, &format!("generator hidden layer {i} width"))?;
        }
        crate::validate_initializer(&self.init)?;
        self.output_init
            .as_ref()
            .map_or(Ok(()), crate::validate_initializer)
    }

    /// Builds the generator on `device`.
    pub fn init(&self, device: &Device) -> Result<Generator, NnError> {
        self.validate()?;
        let widths: Vec<usize> = std::iter::once(self.d_noise)
            .chain(self.hidden.iter().map(|l| l.width))
            .chain(std::iter::once(self.d_output))
            .collect();
        let last = widths.len() - 2;
        let layers = widths
            .windows(2)
            .enumerate()
            .map(|(i, w)| {
                let init = match &self.output_init {
                    Some(output) if i == last => output,
                    _ => &self.init,
                };
                crate::linear_zero_bias(w[0], w[1], init, device)
            })
            .collect();
        let activations = self
            .hidden
            .iter()
            .map(|l| &l.activation)
            .chain(std::iter::once(&self.output_activation))
            .map(|a| a.init(device))
            .collect();
        Ok(Generator {
            layers,
            activations,
        })
    }
}

impl Generator {
    /// `[batch, d_noise] -> [batch, d_output]`.
    ///
    /// # Panics
    ///
    /// If the noise width is not `d_noise` (Burn's shape check).
    pub fn forward(&self, noise: Tensor<2>) -> Tensor<2> {
        self.layers
            .iter()
            .zip(&self.activations)
            .fold(noise, |x, (layer, activation)| {
                activation.forward(layer.forward(x))
            })
    }

    /// Dimension of the noise this generator takes.
    pub fn d_noise(&self) -> usize {
        self.layers[0].weight.dims()[0]
    }

    /// Dimension of the samples it produces.
    pub fn d_output(&self) -> usize {
        self.layers[self.layers.len() - 1].weight.dims()[1]
    }

    /// Sets the output layer's bias to `logit(clip(p, eps, 1 − eps))` for the per-feature data
    /// means `p`, so that a sigmoid output starts at the data's marginals (pylearn2's
    /// `init_sigmoid_bias_from_marginals`, which the released MNIST model uses).
    pub fn with_output_bias_from_marginals(
        mut self,
        marginals: &[f32],
        eps: f64,
    ) -> Result<Self, NnError> {
        let d_output = self.d_output();
        if marginals.len() != d_output {
            return Err(NnError::Shape {
                what: "marginals for the output bias".into(),
                expected: vec![d_output],
                actual: vec![marginals.len()],
            });
        }
        if !(eps > 0.0 && eps < 0.5) {
            return Err(NnError::NotFinite {
                what: "marginal clip eps (must lie in (0, 0.5))".into(),
                value: eps,
            });
        }
        let bias = marginals
            .iter()
            .map(|&p| {
                let p = f64::from(p);
                if p.is_finite() {
                    let p = p.clamp(eps, 1.0 - eps);
                    Ok((p / (1.0 - p)).ln() as f32)
                } else {
                    Err(NnError::NotFinite {
                        what: "marginal probability".into(),
                        value: p,
                    })
                }
            })
            .collect::<Result<Vec<f32>, _>>()?;
        let last = self.layers.len() - 1;
        let device = self.layers[last].weight.val().device();
        self.layers[last].bias = Some(Param::from_tensor(Tensor::from_data(
            TensorData::new(bias, [d_output]),
            &device,
        )));
        Ok(self)
    }
}
