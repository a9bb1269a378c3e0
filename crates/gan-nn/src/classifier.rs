//! A small convolutional image classifier (LeNet-style, LeCun et al. 1998): the feature network
//! of the MNIST metrics (FID, KID, precision/recall), of the Inception-Score analogue and of
//! the predicted-class histogram, as the Inception network is for natural images.
//!
//! `x [n, C, H, W]` → conv 5×5 → ReLU → max-pool 2 → conv 5×5 → ReLU → max-pool 2 → flatten →
//! linear → ReLU (the **features**) → dropout → linear (the class logits).

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::{Device, Tensor};

use crate::error::{NnError, nonzero};

/// Configuration of an [`ImageClassifier`].
#[derive(Config, Debug)]
pub struct ImageClassifierConfig {
    /// Image shape `[channels, height, width]`; height and width at least 16.
    #[config(default = "[1, 28, 28]")]
    pub image: [usize; 3],
    /// Number of classes.
    #[config(default = 10)]
    pub classes: usize,
    /// Feature maps of the two convolutions.
    #[config(default = "[32, 64]")]
    pub channels: [usize; 2],
    /// Width of the feature layer (the rows FID and the other metrics compare).
    #[config(default = 128)]
    pub features: usize,
    /// Dropout before the class layer, in training.
    #[config(default = 0.5)]
    pub dropout: f64,
}

/// The classifier; see the module documentation for its layers.
#[derive(Module, Debug)]
pub struct ImageClassifier {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
    hidden: Linear,
    dropout: Dropout,
    logits: Linear,
    image: [usize; 3],
}

impl ImageClassifierConfig {
    /// Checks the shapes and the dropout rate.
    pub fn validate(&self) -> Result<(), NnError> {
        let [c, h, w] = self.image;
        nonzero(c, "classifier image channels")?;
        nonzero(self.channels[0], "classifier channels")?;
        nonzero(self.channels[1], "classifier channels")?;
        nonzero(self.features, "classifier features")?;
        if self.classes < 2 {
            return Err(NnError::Invalid(format!(
                "a classifier needs at least 2 classes, got {}",
                self.classes
            )));
        }
        if h < 16 || w < 16 {
            return Err(NnError::Invalid(format!(
                "the classifier needs images of at least 16×16, got {h}×{w}"
            )));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(NnError::Invalid(format!(
                "dropout must be in [0, 1), got {}",
                self.dropout
            )));
        }
        Ok(())
    }

    /// Side lengths after the two convolution + pooling stages.
    fn final_side(&self) -> [usize; 2] {
        let stage = |s: usize| (s - 4) / 2;
        [stage(stage(self.image[1])), stage(stage(self.image[2]))]
    }

    /// Builds the classifier.
    pub fn init(&self, device: &Device) -> Result<ImageClassifier, NnError> {
        self.validate()?;
        let [a, b] = self.channels;
        let [h, w] = self.final_side();
        Ok(ImageClassifier {
            conv1: Conv2dConfig::new([self.image[0], a], [5, 5]).init(device),
            conv2: Conv2dConfig::new([a, b], [5, 5]).init(device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            hidden: LinearConfig::new(b * h * w, self.features).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            logits: LinearConfig::new(self.features, self.classes).init(device),
            image: self.image,
        })
    }
}

impl ImageClassifier {
    /// Shape `[C, H, W]` of the images it reads.
    pub fn image_shape(&self) -> [usize; 3] {
        self.image
    }

    /// The feature rows `[n, features]` of flattened images `[n, C·H·W]`.
    pub fn features(&self, images: Tensor<2>) -> Tensor<2> {
        let [c, h, w] = self.image;
        let n = images.dims()[0];
        let x = images.reshape([n, c, h, w]);
        let x = self.pool.forward(relu(self.conv1.forward(x)));
        let x = self.pool.forward(relu(self.conv2.forward(x)));
        relu(self.hidden.forward(x.flatten(1, 3)))
    }

    /// Class logits `[n, classes]` of flattened images.
    pub fn forward(&self, images: Tensor<2>) -> Tensor<2> {
        self.classify_features(self.features(images))
    }

    /// Class logits from feature rows (dropout first, in training).
    pub fn classify_features(&self, features: Tensor<2>) -> Tensor<2> {
        self.logits.forward(self.dropout.forward(features))
    }

    /// Class probabilities `[n, classes]` (softmax of the logits).
    pub fn probabilities(&self, images: Tensor<2>) -> Tensor<2> {
        softmax(self.forward(images), 1)
    }
}
