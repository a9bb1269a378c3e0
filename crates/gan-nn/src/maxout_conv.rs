//! pylearn2's `MaxoutConvC01B`: a convolution with `num_channels × num_pieces` output channels,
//! the maximum over each channel's pieces, then spatial max pooling. Pooling keeps the partial
//! windows at the border (cuda-convnet's rule, `ceil_mode` in Burn), so that the released
//! layer sizes (33 → 16, 15 → 7, 9 → 5) come out as they did.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Initializer, PaddingConfig2d};
use burn::tensor::{Device, Tensor};

use crate::error::{NnError, nonzero};

/// Configuration of a [`MaxoutConv`] layer (square kernels, pools and padding).
#[derive(Config, Debug)]
pub struct MaxoutConvConfig {
    /// Input channels.
    pub channels_in: usize,
    /// Output channels (maxout units per position).
    pub num_channels: usize,
    /// Pieces each output channel takes the maximum of.
    pub num_pieces: usize,
    /// Side of the convolution kernel.
    pub kernel: usize,
    /// Zeros added on every side of the input.
    pub pad: usize,
    /// Side of the max-pooling window.
    pub pool_shape: usize,
    /// Stride of the max-pooling window.
    pub pool_stride: usize,
    /// Initializer of the kernel. Biases start at zero (one per channel: pylearn2's `tied_b`).
    #[config(default = "Initializer::Uniform { min: -0.005, max: 0.005 }")]
    pub init: Initializer,
}

/// A maxout convolution layer with max pooling; see the module docs.
#[derive(Module, Debug)]
pub struct MaxoutConv {
    /// The convolution, `num_channels × num_pieces` output channels (each unit's pieces next
    /// to each other).
    pub conv: Conv2d,
    /// The spatial max pooling.
    pub pool: MaxPool2d,
    /// Output channels.
    pub num_channels: usize,
    /// Pieces per output channel.
    pub num_pieces: usize,
}

impl MaxoutConvConfig {
    /// Checks that every size is at least 1 and the initializer is finite.
    pub fn validate(&self) -> Result<(), NnError> {
        nonzero(self.channels_in, "maxout conv channels_in")?;
        nonzero(self.num_channels, "maxout conv num_channels")?;
        nonzero(self.kernel, "maxout conv kernel")?;
        nonzero(self.pool_shape, "maxout conv pool_shape")?;
        nonzero(self.pool_stride, "maxout conv pool_stride")?;
        if self.num_pieces == 0 {
            return Err(NnError::ZeroPieces);
        }
        crate::validate_initializer(&self.init)
    }

    /// The side of the output for an input of side `side`, or `None` when the input is too
    /// small for the kernel or the pooling window.
    pub fn output_side(&self, side: usize) -> Option<usize> {
        let padded = side.checked_add(self.pad.checked_mul(2)?)?.checked_add(1)?;
        let detector = padded.checked_sub(self.kernel)?;
        let beyond = detector.checked_sub(self.pool_shape)?;
        Some(beyond.div_ceil(self.pool_stride) + 1)
    }

    /// Builds the layer on `device`.
    pub fn init(&self, device: &Device) -> Result<MaxoutConv, NnError> {
        self.validate()?;
        let outputs = self.num_channels * self.num_pieces;
        let mut conv = Conv2dConfig::new([self.channels_in, outputs], [self.kernel, self.kernel])
            .with_padding(PaddingConfig2d::Explicit(
                self.pad, self.pad, self.pad, self.pad,
            ))
            .with_initializer(self.init.clone())
            .init(device);
        conv.bias = Some(Param::from_tensor(Tensor::zeros([outputs], device)));
        let pool = MaxPool2dConfig::new([self.pool_shape, self.pool_shape])
            .with_strides([self.pool_stride, self.pool_stride])
            .with_ceil_mode(true)
            .init();
        Ok(MaxoutConv {
            conv,
            pool,
            num_channels: self.num_channels,
            num_pieces: self.num_pieces,
        })
    }
}

impl MaxoutConv {
    /// `[batch, channels_in, h, w] -> [batch, num_channels, h', w']`.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let z = self.conv.forward(input);
        let [batch, _, h, w] = z.dims();
        let z = z
            .reshape([batch, self.num_channels, self.num_pieces, h * w])
            .max_dim(2)
            .reshape([batch, self.num_channels, h, w]);
        self.pool.forward(z)
    }
}
