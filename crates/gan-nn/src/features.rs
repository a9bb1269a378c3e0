//! Frozen networks as feature maps: the paper's future work 4, "features from the discriminator
//! or inference net could improve performance of classifiers when limited labeled data is
//! available". A [`FeatureExtractor`] turns data rows into the activations of its hidden layers,
//! on which a small classifier is then fitted (`gan_train::semi`).

use burn::module::Module;
use burn::tensor::Tensor;

use crate::{Discriminator, Encoder};

/// A network whose hidden activations describe data rows: `[n, d_input]` → `[n, feature_dim]`,
/// in evaluation mode (no dropout, no noise).
pub trait FeatureExtractor: Module {
    /// Width of the rows it reads.
    fn feature_input_dim(&self) -> usize;

    /// Width of the feature rows it gives.
    fn feature_dim(&self) -> usize;

    /// The feature rows of `x [n, feature_input_dim]`.
    ///
    /// # Panics
    ///
    /// If the width of `x` is not [`FeatureExtractor::feature_input_dim`] (Burn's shape check);
    /// check widths first where they come from user data.
    fn features(&self, x: Tensor<2>) -> Tensor<2>;
}

/// Every maxout layer's output, concatenated (`240 + 240` for the paper's MNIST D): the layers a
/// linear read-out of `D(x)` builds on. The logit itself is left out, as it only says "real".
impl FeatureExtractor for Discriminator {
    fn feature_input_dim(&self) -> usize {
        self.d_input()
    }

    fn feature_dim(&self) -> usize {
        self.hidden.iter().map(|l| l.num_units).sum()
    }

    fn features(&self, x: Tensor<2>) -> Tensor<2> {
        let mut layers = Vec::with_capacity(self.hidden.len());
        let mut h = x;
        for layer in &self.hidden {
            h = layer.forward(h);
            layers.push(h.clone());
        }
        if layers.is_empty() {
            return h;
        }
        Tensor::cat(layers, 1)
    }
}

/// Every hidden layer's ReLU output and the inferred code `z`, concatenated (`512 + 512 + 100` for
/// the encoder shipped with the paper's MNIST generator).
impl FeatureExtractor for Encoder {
    fn feature_input_dim(&self) -> usize {
        self.d_input()
    }

    fn feature_dim(&self) -> usize {
        self.hidden_widths().iter().sum::<usize>() + self.d_latent()
    }

    fn features(&self, x: Tensor<2>) -> Tensor<2> {
        let (hidden, code) = self.forward_with_hidden(x);
        Tensor::cat(hidden.into_iter().chain([code]).collect(), 1)
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Tensor, TensorData};

    use super::FeatureExtractor;
    use crate::{DiscriminatorConfig, EncoderConfig};

    #[test]
    fn discriminator_features_are_its_maxout_layers() {
        let device = Device::default();
        let d = DiscriminatorConfig::paper_mnist().init(&device).unwrap();
        let x = Tensor::<2>::random(
            [3, 784],
            burn::tensor::Distribution::Uniform(0.0, 1.0),
            &device,
        );
        let features = d.features(x.clone());
        assert_eq!(features.dims(), [3, 480]);
        assert_eq!(d.feature_dim(), 480);
        // The second half is the second layer applied to the first half.
        let first = features.clone().narrow(1, 0, 240);
        let second = d.hidden[1].forward(first.clone());
        let expected = d.hidden[0].forward(x);
        first.into_data().assert_approx_eq::<f32>(
            &expected.into_data(),
            burn::tensor::Tolerance::absolute(1e-6),
        );
        features
            .narrow(1, 240, 240)
            .into_data()
            .assert_approx_eq::<f32>(&second.into_data(), burn::tensor::Tolerance::absolute(1e-6));
    }

    #[test]
    fn encoder_features_end_with_its_code() {
        let device = Device::default();
        let encoder = EncoderConfig::new(6, 2)
            .with_hidden(vec![4, 3])
            .init(&device)
            .unwrap();
        let x = Tensor::<2>::from_data(
            TensorData::new((0..12).map(|v| v as f32 / 12.0).collect(), [2, 6]),
            &device,
        );
        let features = encoder.features(x.clone());
        assert_eq!(encoder.feature_dim(), 9);
        assert_eq!(features.dims(), [2, 9]);
        let hidden = features.clone().narrow(1, 0, 7);
        let min: f32 = hidden.min().into_scalar();
        assert!(min >= 0.0, "ReLU outputs are never negative, got {min}");
        features
            .narrow(1, 7, 2)
            .into_data()
            .assert_approx_eq::<f32>(
                &encoder.forward(x).into_data(),
                burn::tensor::Tolerance::absolute(1e-6),
            );
    }
}
