//! Weight normalisation (Salimans & Kingma 2016): a linear layer `y = x·(g ⊙ v/‖v‖) + b` whose
//! output units each keep a direction `v` and a length `g` of their own, which bounds the scale
//! a discriminator's features can reach. Burn has no such layer.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::{Device, Distribution, Tensor};

/// Configuration of a [`WeightNormLinear`].
#[derive(Config, Debug, PartialEq)]
pub struct WeightNormLinearConfig {
    /// Input width.
    pub d_input: usize,
    /// Output width.
    pub d_output: usize,
    /// Standard deviation of the initial directions (their scale cancels in `v/‖v‖`).
    #[config(default = 0.05)]
    pub init_std: f64,
    /// Whether training moves the lengths (the released code of Salimans et al. fixes them in
    /// the hidden layers after the data-dependent initialisation, which keeps each unit's scale).
    #[config(default = true)]
    pub trainable_length: bool,
}

/// A weight-normalised linear layer; see the module documentation.
#[derive(Module, Debug)]
pub struct WeightNormLinear {
    /// Directions `[d_input, d_output]`, one column per output unit.
    pub direction: Param<Tensor<2>>,
    /// Lengths `[d_output]`, initially 1.
    pub length: Param<Tensor<1>>,
    /// Biases `[d_output]`, initially 0.
    pub bias: Param<Tensor<1>>,
    /// Whether gradients reach the lengths.
    trainable_length: bool,
}

impl WeightNormLinearConfig {
    /// Builds the layer.
    pub fn init(&self, device: &Device) -> WeightNormLinear {
        WeightNormLinear {
            direction: Param::from_tensor(Tensor::random(
                [self.d_input, self.d_output],
                Distribution::Normal(0.0, self.init_std),
                device,
            )),
            length: Param::from_tensor(Tensor::ones([self.d_output], device)),
            bias: Param::from_tensor(Tensor::zeros([self.d_output], device)),
            trainable_length: self.trainable_length,
        }
    }
}

impl WeightNormLinear {
    /// `x [n, d_input]` → `[n, d_output]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let v = self.direction.val();
        let norms = v.clone().powi_scalar(2).sum_dim(0).sqrt().add_scalar(1e-12);
        let length = if self.trainable_length {
            self.length.val()
        } else {
            self.length.val().detach()
        };
        let weight = v / norms * length.unsqueeze_dim(0);
        x.matmul(weight) + self.bias.val().unsqueeze_dim(0)
    }

    /// Data-dependent initialisation: sets the lengths and biases so that this layer's outputs
    /// on `x` have mean 0 and standard deviation 1 per unit (as the released code of Salimans
    /// et al. does before training), and returns those outputs.
    pub fn init_from_data(&mut self, x: Tensor<2>) -> Tensor<2> {
        let v = self.direction.val().detach();
        let norms = v.clone().powi_scalar(2).sum_dim(0).sqrt().add_scalar(1e-12);
        let t = x.detach().matmul(v / norms);
        let mean = t.clone().mean_dim(0);
        let sd = (t.clone() - mean.clone())
            .powi_scalar(2)
            .mean_dim(0)
            .sqrt()
            .add_scalar(1e-6);
        let length = sd.clone().recip().squeeze_dim::<1>(0);
        let bias = (mean.clone() / sd.clone()).neg().squeeze_dim::<1>(0);
        self.length = self.length.clone().map(|old| on_same_graph(old, length));
        self.bias = self.bias.clone().map(|old| on_same_graph(old, bias));
        (t - mean) / sd
    }

    /// Whether gradients reach the lengths.
    pub fn trainable_length(&self) -> bool {
        self.trainable_length
    }

    /// Input width.
    pub fn d_input(&self) -> usize {
        self.direction.dims()[0]
    }

    /// Output width.
    pub fn d_output(&self) -> usize {
        self.direction.dims()[1]
    }
}

/// `value` as a fresh parameter tensor, tracked for gradients where `old` was.
fn on_same_graph(old: Tensor<1>, value: Tensor<1>) -> Tensor<1> {
    let fresh = Tensor::from_inner(value.inner());
    if old.is_require_grad() {
        fresh.require_grad()
    } else {
        fresh
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Tensor, TensorData};

    use super::*;

    #[test]
    fn each_unit_has_the_length_it_is_given_whatever_the_direction_scale() {
        let device = Device::default();
        let mut layer = WeightNormLinearConfig::new(2, 2).init(&device);
        layer.direction = Param::from_tensor(Tensor::from_data(
            TensorData::new(vec![3.0f32, 0.0, 4.0, 10.0], [2, 2]),
            &device,
        ));
        layer.length = Param::from_tensor(Tensor::from_data(
            TensorData::new(vec![2.0f32, 0.5], [2]),
            &device,
        ));
        let y: Vec<f32> = layer
            .forward(Tensor::from_data(
                TensorData::new(vec![1.0f32, 1.0], [1, 2]),
                &device,
            ))
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        // Unit 0: (3, 4)/5 · 2 → 1.2 + 1.6; unit 1: (0, 10)/10 · 0.5 → 0.5.
        assert!(
            (y[0] - 2.8).abs() < 1e-6 && (y[1] - 0.5).abs() < 1e-6,
            "{y:?}"
        );
    }

    #[test]
    fn fixed_lengths_get_no_gradient_and_the_rest_does() {
        let device = Device::default().autodiff();
        for trainable in [true, false] {
            let layer = WeightNormLinearConfig::new(3, 2)
                .with_trainable_length(trainable)
                .init(&device);
            let direction = layer.direction.val().require_grad();
            let length = layer.length.val().require_grad();
            let layer = WeightNormLinear {
                direction: Param::from_tensor(direction.clone()),
                length: Param::from_tensor(length.clone()),
                ..layer
            };
            let x = Tensor::<2>::random([4, 3], Distribution::Normal(0.0, 1.0), &device);
            let grads = layer.forward(x).powi_scalar(2).sum().backward();
            assert_eq!(length.grad(&grads).is_some(), trainable);
            assert!(direction.grad(&grads).is_some());
        }
    }

    #[test]
    fn data_initialisation_standardises_each_unit_on_the_batch() {
        let device = Device::default();
        let mut layer = WeightNormLinearConfig::new(3, 4).init(&device);
        let x = Tensor::<2>::random([50, 3], Distribution::Uniform(-2.0, 5.0), &device);
        let _ = layer.init_from_data(x.clone());
        let y = layer.forward(x);
        let mean: Vec<f32> = y
            .clone()
            .mean_dim(0)
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        let var: Vec<f32> = y
            .powi_scalar(2)
            .mean_dim(0)
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        for (m, v) in mean.iter().zip(&var) {
            assert!(
                m.abs() < 1e-4 && (v - 1.0).abs() < 1e-3,
                "mean {m}, E[y²] {v}"
            );
        }
    }
}
