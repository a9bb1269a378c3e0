use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear};
use burn::tensor::{Device, Tensor};

use crate::error::{NnError, nonzero};

/// Configuration of a [`Maxout`] layer (Goodfellow et al., 2013).
#[derive(Config, Debug)]
pub struct MaxoutConfig {
    /// Input features.
    pub d_input: usize,
    /// Output units.
    pub num_units: usize,
    /// Linear pieces each unit takes the maximum over.
    pub num_pieces: usize,
    /// Initializer of the weights. Biases start at zero, as in pylearn2.
    #[config(default = "Initializer::Uniform { min: -0.005, max: 0.005 }")]
    pub init: Initializer,
}

/// A maxout layer: `h_i(x) = max_j (x·W_ij + b_ij)`.
///
/// All `num_units × num_pieces` affine maps are one fused [`Linear`] layer; its output column
/// `i * num_pieces + j` is piece `j` of unit `i`. The forward pass is one matrix product, a
/// reshape and a max.
#[derive(Module, Debug)]
pub struct Maxout {
    /// The fused affine map `[d_input] -> [num_units * num_pieces]`.
    pub linear: Linear,
    /// Output units.
    pub num_units: usize,
    /// Pieces per unit.
    pub num_pieces: usize,
}

impl MaxoutConfig {
    /// Checks the widths: every one must be at least 1.
    pub fn validate(&self) -> Result<(), NnError> {
        nonzero(self.d_input, "maxout d_input")?;
        nonzero(self.num_units, "maxout num_units")?;
        if self.num_pieces == 0 {
            return Err(NnError::ZeroPieces);
        }
        crate::validate_initializer(&self.init)
    }

    /// Builds the layer on `device`.
    pub fn init(&self, device: &Device) -> Result<Maxout, NnError> {
        self.validate()?;
        Ok(Maxout {
            linear: crate::linear_zero_bias(
                self.d_input,
                self.num_units * self.num_pieces,
                &self.init,
                device,
            ),
            num_units: self.num_units,
            num_pieces: self.num_pieces,
        })
    }
}

impl Maxout {
    /// `[batch, d_input] -> [batch, num_units]`.
    ///
    /// # Panics
    ///
    /// If the input's width is not `d_input` (Burn's shape check, as in [`Linear::forward`]).
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        let [batch, _] = input.dims();
        self.linear
            .forward(input)
            .reshape([batch, self.num_units, self.num_pieces])
            .max_dim(2)
            .reshape([batch, self.num_units])
    }

    /// The weight of piece `piece` of every unit, `[d_input, num_units]`, and its bias: the
    /// affine map `x·W_{·,i,piece} + b_{i,piece}` for each unit `i`. A piece index that is
    /// not below `num_pieces` is an error.
    pub fn piece(&self, piece: usize) -> Result<(Tensor<2>, Tensor<1>), NnError> {
        if piece >= self.num_pieces {
            return Err(NnError::Invalid(format!(
                "maxout piece {piece} out of range: the layer has {} pieces",
                self.num_pieces
            )));
        }
        let weight = self.linear.weight.val();
        let [d_input, _] = weight.dims();
        let w = weight
            .reshape([d_input, self.num_units, self.num_pieces])
            .narrow(2, piece, 1)
            .reshape([d_input, self.num_units]);
        let b = match &self.linear.bias {
            Some(bias) => bias
                .val()
                .reshape([self.num_units, self.num_pieces])
                .narrow(1, piece, 1)
                .reshape([self.num_units]),
            None => Tensor::zeros([self.num_units], &w.device()),
        };
        Ok((w, b))
    }

    /// Replaces the fused weight `[d_input, num_units * num_pieces]` and bias, for tests and
    /// for loading weights from other tools.
    pub fn with_parameters(mut self, weight: Tensor<2>, bias: Tensor<1>) -> Result<Self, NnError> {
        let expected = self.linear.weight.dims();
        if weight.dims() != expected {
            return Err(NnError::Shape {
                what: "maxout weight".into(),
                expected: expected.to_vec(),
                actual: weight.dims().to_vec(),
            });
        }
        if bias.dims() != [expected[1]] {
            return Err(NnError::Shape {
                what: "maxout bias".into(),
                expected: vec![expected[1]],
                actual: bias.dims().to_vec(),
            });
        }
        self.linear.weight = Param::from_tensor(weight);
        self.linear.bias = Some(Param::from_tensor(bias));
        Ok(self)
    }
}
