//! A discriminator that is also a classifier (Salimans et al. 2016, "Improved techniques for
//! training GANs", semi-supervised learning): `K` class logits `l₁ … l_K`, with generated data as
//! an implicit class `K + 1` whose logit is fixed at 0. Then
//! `D(x) = Z(x) / (Z(x) + 1)` with `Z(x) = Σ exp(l_k)`, so the usual GAN logit is
//! `log Z(x)` ([`gan_logit`]), and the class of a real image is the arg-max of its `K` logits.
//!
//! The layers follow their MNIST model: weight-normalised ([`WeightNormLinear`]) dense ReLU
//! layers 1000, 500, 250, 250, 250, Gaussian
//! noise on the input (σ 0.3) and after every hidden layer (σ 0.5) in training, a linear output
//! of `K` logits. The last hidden layer's output is what feature matching compares. As there,
//! the hidden layers' weight lengths stay at their data-dependent initial values.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Distribution, Tensor};

use crate::error::{NnError, nonzero};
use crate::weight_norm::{WeightNormLinear, WeightNormLinearConfig};

/// Standard deviation of the initial weight directions, the released code's. Their scale
/// cancels in the forward pass but not in training: Adam moves each entry by about the step
/// size whatever its scale, so the directions turn more slowly the longer they are.
const DIRECTION_STD: f64 = 0.1;

/// Configuration of a [`ClassDiscriminator`].
#[derive(Config, Debug, PartialEq)]
pub struct ClassDiscriminatorConfig {
    /// Width of a data row.
    pub d_input: usize,
    /// Number of real classes `K`.
    pub classes: usize,
    /// Widths of the ReLU hidden layers.
    #[config(default = "vec![1000, 500, 250, 250, 250]")]
    pub hidden: Vec<usize>,
    /// Standard deviation of the Gaussian noise added to the input in training.
    #[config(default = 0.3)]
    pub input_noise: f64,
    /// Standard deviation of the Gaussian noise added after each hidden layer in training.
    #[config(default = 0.5)]
    pub hidden_noise: f64,
    /// Whether training moves the hidden layers' weight lengths. The released code fixes them
    /// at their data-dependent initial values (only the output layer's are trained): each
    /// hidden unit keeps the scale of its pre-activation, a strong regulariser with few labels.
    #[config(default = false)]
    pub train_hidden_lengths: bool,
}

/// The `K`-logit discriminator; see the module documentation.
#[derive(Module, Debug)]
pub struct ClassDiscriminator {
    hidden: Vec<WeightNormLinear>,
    output: WeightNormLinear,
    input_noise: f64,
    hidden_noise: f64,
}

/// Class logits `[n, K]` and the last hidden layer's output `[n, width]` of one pass.
#[derive(Debug, Clone)]
pub struct ClassOutput {
    /// The `K` class logits.
    pub logits: Tensor<2>,
    /// The last hidden layer's ReLU output (before its noise): feature matching's statistics.
    pub features: Tensor<2>,
}

impl ClassDiscriminatorConfig {
    /// Salimans et al.'s MNIST discriminator: 784 inputs, 10 classes, the default layers.
    pub fn salimans_mnist() -> Self {
        Self::new(784, 10)
    }

    /// Checks the widths, the class count and the noise levels.
    pub fn validate(&self) -> Result<(), NnError> {
        nonzero(self.d_input, "class discriminator d_input")?;
        if self.classes < 2 {
            return Err(NnError::Invalid(format!(
                "a class discriminator needs at least 2 classes, got {}",
                self.classes
            )));
        }
        if self.hidden.is_empty() {
            return Err(NnError::Invalid(
                "a class discriminator needs a hidden layer (its features)".into(),
            ));
        }
        for &width in &self.hidden {
            nonzero(width, "class discriminator hidden width")?;
        }
        for (what, sd) in [
            ("input noise", self.input_noise),
            ("hidden noise", self.hidden_noise),
        ] {
            if !(sd.is_finite() && sd >= 0.0) {
                return Err(NnError::NotFinite {
                    what: format!("class discriminator {what} (a standard deviation ≥ 0)"),
                    value: sd,
                });
            }
        }
        Ok(())
    }

    /// Builds the network: weight-normalised layers (lengths 1, biases 0), as the released code's.
    pub fn init(&self, device: &Device) -> Result<ClassDiscriminator, NnError> {
        self.validate()?;
        let mut d_in = self.d_input;
        let mut hidden = Vec::with_capacity(self.hidden.len());
        for &width in &self.hidden {
            hidden.push(
                WeightNormLinearConfig::new(d_in, width)
                    .with_init_std(DIRECTION_STD)
                    .with_trainable_length(self.train_hidden_lengths)
                    .init(device),
            );
            d_in = width;
        }
        Ok(ClassDiscriminator {
            hidden,
            output: WeightNormLinearConfig::new(d_in, self.classes)
                .with_init_std(DIRECTION_STD)
                .init(device),
            input_noise: self.input_noise,
            hidden_noise: self.hidden_noise,
        })
    }
}

impl ClassDiscriminator {
    /// Evaluation pass (no noise).
    ///
    /// # Panics
    /// If the rows' width is not the configured `d_input` (Burn's shape check).
    pub fn forward(&self, x: Tensor<2>) -> ClassOutput {
        self.run(x, false)
    }

    /// Training pass: Gaussian noise on the input and after each hidden layer, drawn from the
    /// device's random stream.
    ///
    /// # Panics
    /// If the rows' width is not the configured `d_input` (Burn's shape check).
    pub fn forward_train(&self, x: Tensor<2>) -> ClassOutput {
        self.run(x, true)
    }

    /// Data-dependent initialisation of every layer on a batch of real rows (with the training
    /// noise), as the released code does before training: each unit's outputs on the batch get
    /// mean 0 and standard deviation 1.
    pub fn init_from_data(&mut self, x: Tensor<2>) {
        let noisy = |h: Tensor<2>, sd: f64| {
            let device = h.device();
            h.clone() + Tensor::random(h.dims(), Distribution::Normal(0.0, sd), &device)
        };
        let mut h = noisy(x, self.input_noise);
        for layer in &mut self.hidden {
            h = noisy(relu(layer.init_from_data(h)), self.hidden_noise);
        }
        let _ = self.output.init_from_data(h);
    }

    /// Predicted classes of rows (the arg-max of the `K` logits, evaluation pass).
    pub fn classify(&self, x: Tensor<2>) -> Tensor<2, burn::tensor::Int> {
        self.forward(x).logits.argmax(1)
    }

    /// Width of the rows it reads.
    pub fn d_input(&self) -> usize {
        self.hidden[0].d_input()
    }

    /// Width of the last hidden layer (the features feature matching compares).
    pub fn feature_width(&self) -> usize {
        self.hidden.last().map_or(0, WeightNormLinear::d_output)
    }

    /// Number of real classes `K`.
    pub fn classes(&self) -> usize {
        self.output.d_output()
    }

    fn run(&self, x: Tensor<2>, train: bool) -> ClassOutput {
        let noisy = |h: Tensor<2>, sd: f64| {
            if train && sd > 0.0 {
                let noise = Tensor::random(h.dims(), Distribution::Normal(0.0, sd), &h.device());
                h + noise
            } else {
                h
            }
        };
        let mut h = noisy(x, self.input_noise);
        let mut features = None;
        for layer in &self.hidden {
            let out = relu(layer.forward(h));
            features = Some(out.clone());
            h = noisy(out, self.hidden_noise);
        }
        ClassOutput {
            logits: self.output.forward(h),
            features: features.expect("validated: at least one hidden layer"),
        }
    }
}

/// The GAN logit `log Σ_k exp(l_k)` `[n, 1]` of class logits `[n, K]` (computed stably): `D(x)`
/// is its sigmoid.
pub fn gan_logit(logits: Tensor<2>) -> Tensor<2> {
    let max = logits.clone().max_dim(1).detach();
    (logits - max.clone()).exp().sum_dim(1).log() + max
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Tensor, TensorData};

    use super::*;

    #[test]
    fn the_gan_logit_is_a_stable_log_sum_exp() {
        let device = Device::default();
        let rows = [[2.0f32, -1.0, 0.5], [90.0, 88.0, -5.0]];
        let logits = Tensor::<2>::from_data(
            TensorData::new(rows.iter().flatten().copied().collect::<Vec<_>>(), [2, 3]),
            &device,
        );
        let got: Vec<f32> = gan_logit(logits).into_data().try_into_vec::<f32>().unwrap();
        for (row, got) in rows.iter().zip(got) {
            let row: Vec<f64> = row.iter().map(|&v| f64::from(v)).collect();
            let max = row.iter().cloned().fold(f64::MIN, f64::max);
            let expected = max + row.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
            assert!((f64::from(got) - expected).abs() < 1e-4 * expected.abs().max(1.0));
        }
    }

    #[test]
    fn noise_only_in_training_and_features_are_the_last_hidden_layer() {
        let device = Device::default();
        let config = ClassDiscriminatorConfig::new(6, 3).with_hidden(vec![5, 4]);
        let d = config.init(&device).unwrap();
        assert_eq!((d.d_input(), d.classes(), d.feature_width()), (6, 3, 4));
        let fixed: Vec<bool> = d.hidden.iter().map(|l| l.trainable_length()).collect();
        assert_eq!(
            fixed,
            [false, false],
            "hidden lengths stay fixed by default"
        );
        assert!(
            d.output.trainable_length(),
            "the output layer's lengths train"
        );
        let x = Tensor::<2>::ones([2, 6], &device);
        let a = d.forward(x.clone());
        let b = d.forward(x.clone());
        assert_eq!(a.logits.dims(), [2, 3]);
        assert_eq!(a.features.dims(), [2, 4]);
        a.logits
            .clone()
            .into_data()
            .assert_eq(&b.logits.into_data(), true);
        let noisy = d.forward_train(x);
        let moved: f32 = (noisy.logits - a.logits).abs().sum().into_scalar();
        assert!(moved > 0.0, "training passes add noise");
    }

    #[test]
    fn invalid_configs_are_errors() {
        let device = Device::default();
        assert!(ClassDiscriminatorConfig::new(6, 1).init(&device).is_err());
        assert!(
            ClassDiscriminatorConfig::new(6, 3)
                .with_hidden(vec![])
                .init(&device)
                .is_err()
        );
        assert!(
            ClassDiscriminatorConfig::new(6, 3)
                .with_input_noise(f64::NAN)
                .init(&device)
                .is_err()
        );
        assert!(ClassDiscriminatorConfig::new(0, 3).init(&device).is_err());
    }
}
