use burn::config::Config;
use burn::module::Module;
use burn::nn::{Initializer, Linear};
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor};

use crate::dropout::{InputDropout, InputDropoutConfig};
use crate::error::{NnError, nonzero};
use crate::maxout::{Maxout, MaxoutConfig};

/// One maxout layer of a [`Discriminator`].
#[derive(Config, Debug)]
pub struct MaxoutLayerConfig {
    /// Output units.
    pub num_units: usize,
    /// Pieces per unit.
    pub num_pieces: usize,
}

/// Configuration of a [`Discriminator`]: maxout layers, then a linear layer to one logit.
#[derive(Config, Debug)]
pub struct DiscriminatorConfig {
    /// Dimension of a data point.
    pub d_input: usize,
    /// The maxout layers, in order.
    pub hidden: Vec<MaxoutLayerConfig>,
    /// Dropout on the input of each layer: one entry per maxout layer, then one for the output
    /// layer (`hidden.len() + 1` entries).
    pub input_dropout: Vec<InputDropoutConfig>,
    /// Initializer of every weight matrix. Biases start at zero.
    #[config(default = "Initializer::Uniform { min: -0.005, max: 0.005 }")]
    pub init: Initializer,
}

/// A discriminator MLP: `D(x) = sigmoid(logit(x))`.
///
/// [`Discriminator::forward`] gives the logit, which the objective needs for numerically stable
/// log-probabilities; [`Discriminator::probability`] gives `D(x)`.
#[derive(Module, Debug)]
pub struct Discriminator {
    /// The maxout layers.
    pub hidden: Vec<Maxout>,
    /// The output layer, `[last width] -> [1]`.
    pub output: Linear,
    /// Dropout on the input of each layer (hidden layers, then the output layer).
    pub dropout: Vec<InputDropout>,
}

impl DiscriminatorConfig {
    /// The released MNIST discriminator: Maxout 784→240×5, Maxout 240→240×5, Linear 240→1;
    /// weights U(−0.005, 0.005); input dropout keep 0.8 ×1.25 on the first layer and keep 0.5
    /// ×2 on the later ones.
    pub fn paper_mnist() -> Self {
        Self::new(
            784,
            vec![
                MaxoutLayerConfig::new(240, 5),
                MaxoutLayerConfig::new(240, 5),
            ],
            vec![
                InputDropoutConfig::new(0.8, 1.25),
                InputDropoutConfig::new(0.5, 2.0),
                InputDropoutConfig::new(0.5, 2.0),
            ],
        )
    }

    /// The released fully connected CIFAR-10 discriminator: [`Self::paper_mnist`] with 3,072
    /// inputs and 1,600 maxout units of 5 pieces per layer.
    pub fn paper_cifar10_fc() -> Self {
        let mut config = Self::paper_mnist();
        config.d_input = 3072;
        config.hidden = vec![
            MaxoutLayerConfig::new(1600, 5),
            MaxoutLayerConfig::new(1600, 5),
        ];
        config
    }

    /// Checks widths, pieces, dropout settings and their count.
    pub fn validate(&self) -> Result<(), NnError> {
        self.size()?.check_sane("the discriminator")?;
        nonzero(self.d_input, "discriminator d_input")?;
        if self.input_dropout.len() != self.hidden.len() + 1 {
            return Err(NnError::LengthMismatch {
                what: "discriminator input_dropout (one per maxout layer plus the output layer)"
                    .into(),
                expected: self.hidden.len() + 1,
                actual: self.input_dropout.len(),
            });
        }
        for d in &self.input_dropout {
            d.validate()?;
        }
        self.maxout_configs().try_for_each(|c| c.validate())?;
        crate::validate_initializer(&self.init)
    }

    fn maxout_configs(&self) -> impl Iterator<Item = MaxoutConfig> + '_ {
        let inputs = std::iter::once(self.d_input).chain(self.hidden.iter().map(|l| l.num_units));
        inputs.zip(&self.hidden).map(|(d_input, layer)| {
            MaxoutConfig::new(d_input, layer.num_units, layer.num_pieces)
                .with_init(self.init.clone())
        })
    }

    /// Builds the discriminator on `device`.
    pub fn init(&self, device: &Device) -> Result<Discriminator, NnError> {
        self.validate()?;
        let hidden = self
            .maxout_configs()
            .map(|c| c.init(device))
            .collect::<Result<Vec<_>, _>>()?;
        let d_last = self.hidden.last().map_or(self.d_input, |l| l.num_units);
        let dropout = self
            .input_dropout
            .iter()
            .map(InputDropoutConfig::init)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Discriminator {
            hidden,
            output: crate::linear_zero_bias(d_last, 1, &self.init, device),
            dropout,
        })
    }
}

/// The dropout masks of one training-mode pass of a [`Discriminator`]: for each layer's input,
/// a `[rows, width]` tensor holding the layer's scale where an input is kept and `0` where it
/// is dropped (`None` where the layer keeps and scales nothing).
///
/// Drawing the masks apart from the pass lets the same masks serve twice, as the released
/// code's `AdversaryCost2` does: the discriminator's fake term and the generator's objective
/// read the same dropped-out outputs `D(S)`.
#[derive(Debug, Clone)]
pub struct DropoutMasks {
    /// One entry per layer input: the maxout layers', then the output layer's.
    pub layers: Vec<Option<Tensor<2>>>,
}

impl DropoutMasks {
    /// The masks of rows `start..start + len` only.
    pub fn rows(&self, start: usize, len: usize) -> Self {
        Self {
            layers: self
                .layers
                .iter()
                .map(|m| m.as_ref().map(|m| m.clone().narrow(0, start, len)))
                .collect(),
        }
    }
}

impl Discriminator {
    /// Logits `[batch, 1]` without dropout (evaluation).
    ///
    /// # Panics
    ///
    /// If the input's width is not [`Discriminator::d_input`] (Burn's shape check, as in
    /// [`Linear::forward`]); check the width first where it comes from user data.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.run(x, |_, _, h| h)
    }

    /// Logits `[batch, 1]` with input dropout on every layer, as during training. Equal to
    /// [`Discriminator::forward_masked`] with [`Discriminator::draw_masks`] drawn from the same
    /// random stream.
    ///
    /// # Panics
    ///
    /// If the input's width is not [`Discriminator::d_input`] (Burn's shape check, as in
    /// [`Linear::forward`]); check the width first where it comes from user data.
    pub fn forward_train(&self, x: Tensor<2>) -> Tensor<2> {
        self.run(x, |drop, _, h| drop.forward_train(h))
    }

    /// The last maxout layer's output `[batch, units]` with input dropout on every maxout layer,
    /// as during training (the output layer's own input dropout is not applied): the features
    /// feature matching compares. The input itself for a discriminator without maxout layers.
    pub fn features_train(&self, x: Tensor<2>) -> Tensor<2> {
        self.hidden
            .iter()
            .zip(&self.dropout)
            .fold(x, |h, (layer, drop)| layer.forward(drop.forward_train(h)))
    }

    /// Training-mode masks for a batch of `rows`, drawn in the order
    /// [`Discriminator::forward_train`] draws them (layer by layer).
    pub fn draw_masks(&self, rows: usize, device: &Device) -> DropoutMasks {
        let widths = std::iter::once(self.d_input()).chain(self.hidden.iter().map(|l| l.num_units));
        DropoutMasks {
            layers: widths
                .zip(&self.dropout)
                .map(|(width, drop)| drop.draw_mask(rows, width, device))
                .collect(),
        }
    }

    /// Logits `[batch, 1]` with the given masks applied to each layer's input.
    ///
    /// # Panics
    ///
    /// If the input's width is not [`Discriminator::d_input`], the masks do not fit the batch
    /// (Burn's shape checks) or are fewer than the layers.
    pub fn forward_masked(&self, x: Tensor<2>, masks: &DropoutMasks) -> Tensor<2> {
        self.run(x, |_, layer, h| match &masks.layers[layer] {
            Some(mask) => h * mask.clone(),
            None => h,
        })
    }

    /// `D(x) = sigmoid(logit)`, `[batch, 1]`, without dropout.
    ///
    /// # Panics
    ///
    /// If the input's width is not [`Discriminator::d_input`] (Burn's shape check, as in
    /// [`Linear::forward`]); check the width first where it comes from user data.
    pub fn probability(&self, x: Tensor<2>) -> Tensor<2> {
        sigmoid(self.forward(x))
    }

    /// Dimension of the data it takes.
    pub fn d_input(&self) -> usize {
        match self.hidden.first() {
            Some(first) => first.linear.weight.dims()[0],
            None => self.output.weight.dims()[0],
        }
    }

    /// Runs the layers, passing each layer's input (with the layer's dropout and index)
    /// through `drop` first.
    fn run(
        &self,
        x: Tensor<2>,
        drop: impl Fn(&InputDropout, usize, Tensor<2>) -> Tensor<2>,
    ) -> Tensor<2> {
        let h = self.hidden.iter().enumerate().fold(x, |h, (i, layer)| {
            layer.forward(drop(&self.dropout[i], i, h))
        });
        let last = self.hidden.len();
        self.output.forward(drop(&self.dropout[last], last, h))
    }
}
