//! Polyak averages of a module's parameters. Salimans et al.'s released semi-supervised code
//! tests its classifier with an exponential moving average of the discriminator's parameters
//! (`a ← a + r (p − a)` after each update); many GANs sample from such an average of the
//! generator's weights.

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::tensor::Tensor;

use crate::error::{Result, TrainError};

/// An exponential moving average of a module's float parameters (buffers such as batch-norm
/// statistics included), started at zero and bias-corrected as Adam's moments are: after `t`
/// updates it is the weighted mean `Σ_s r (1 − r)^(t−s) p_s / (1 − (1 − r)^t)` of the values
/// seen, so no weight rests on a starting value.
#[derive(Debug, Clone)]
pub struct ParameterAverage<M: Module> {
    sum: M,
    rate: f64,
    updates: u64,
}

impl<M: Module> ParameterAverage<M> {
    /// An empty average of modules shaped as `module` (its parameters' identities are what later
    /// updates are matched by), moving by `rate` in `(0, 1]` each update.
    pub fn new(module: &M, rate: f64) -> Result<Self> {
        if !(rate > 0.0 && rate <= 1.0) {
            return Err(TrainError::Config(format!(
                "an average's rate must lie in (0, 1], got {rate}"
            )));
        }
        let sum = module.valid().map(&mut Scale(0.0));
        Ok(Self {
            sum,
            rate,
            updates: 0,
        })
    }

    /// Moves the average towards `module`'s current parameters.
    pub fn update(&mut self, module: &M) {
        let mut current = Collect(HashMap::new());
        module.valid().visit(&mut current);
        let mut step = MoveTowards {
            current: current.0,
            rate: self.rate,
        };
        self.sum = self.sum.clone().map(&mut step);
        self.updates += 1;
    }

    /// Number of updates seen.
    pub fn updates(&self) -> u64 {
        self.updates
    }

    /// The average (on a plain device), or `None` before the first update.
    pub fn average(&self) -> Option<M> {
        if self.updates == 0 {
            return None;
        }
        let seen = 1.0 - (1.0 - self.rate).powf(self.updates as f64);
        Some(self.sum.clone().map(&mut Scale(1.0 / seen)))
    }
}

/// Each float parameter, flattened, by identity.
struct Collect(HashMap<ParamId, Tensor<1>>);

impl ModuleVisitor for Collect {
    fn visit_float<const R: usize>(&mut self, param: &Param<Tensor<R>>) {
        let value = param.val();
        let n = value.shape().num_elements();
        self.0.insert(param.id, value.reshape([n]));
    }
}

struct MoveTowards {
    current: HashMap<ParamId, Tensor<1>>,
    rate: f64,
}

impl ModuleMapper for MoveTowards {
    fn map_float<const R: usize>(&mut self, param: Param<Tensor<R>>) -> Param<Tensor<R>> {
        let Some(current) = self.current.remove(&param.id) else {
            return param;
        };
        let rate = self.rate;
        param.map(|a| {
            let p = current.reshape(a.dims());
            a.clone() + (p - a).mul_scalar(rate)
        })
    }
}

struct Scale(f64);

impl ModuleMapper for Scale {
    fn map_float<const R: usize>(&mut self, param: Param<Tensor<R>>) -> Param<Tensor<R>> {
        let factor = self.0;
        param.map(|t| t.mul_scalar(factor))
    }
}

#[cfg(test)]
mod tests {
    use burn::nn::{Linear, LinearConfig};
    use burn::tensor::{Device, TensorData};

    use super::*;

    fn with_weight(layer: &Linear, value: f32) -> Linear {
        let device = layer.weight.val().device();
        let dims = layer.weight.dims();
        let weight = Tensor::from_data(
            TensorData::new(vec![value; dims[0] * dims[1]], dims),
            &device,
        );
        Linear {
            weight: Param::initialized(layer.weight.id, weight),
            bias: layer.bias.clone(),
        }
    }

    fn first_weight(layer: &Linear) -> f64 {
        let values = layer.weight.val().into_data().convert::<f64>();
        values.try_into_vec::<f64>().unwrap()[0]
    }

    #[test]
    fn the_average_is_the_bias_corrected_weighted_mean_of_the_values_seen() {
        let device = Device::default();
        let layer = LinearConfig::new(2, 3).init(&device);
        let rate = 0.3;
        let mut average = ParameterAverage::new(&layer, rate).unwrap();
        assert!(average.average().is_none());
        let seen = [4.0f32, -2.0, 10.0];
        for &v in &seen {
            average.update(&with_weight(&layer, v));
        }
        // Independent float64 form: weights r (1 − r)^(t − s), normalised.
        let t = seen.len();
        let weights: Vec<f64> = (0..t)
            .map(|s| rate * (1.0 - rate).powi((t - 1 - s) as i32))
            .collect();
        let expected = seen
            .iter()
            .zip(&weights)
            .map(|(&v, w)| f64::from(v) * w)
            .sum::<f64>()
            / weights.iter().sum::<f64>();
        let got = first_weight(&average.average().unwrap());
        assert!((got - expected).abs() < 1e-5, "{got} vs {expected}");
        assert_eq!(average.updates(), 3);
    }

    #[test]
    fn a_rate_of_one_keeps_the_last_value_and_bad_rates_are_errors() {
        let device = Device::default();
        let layer = LinearConfig::new(2, 2).init(&device);
        let mut average = ParameterAverage::new(&layer, 1.0).unwrap();
        average.update(&with_weight(&layer, 3.0));
        average.update(&with_weight(&layer, -7.5));
        assert_eq!(first_weight(&average.average().unwrap()), -7.5);
        for rate in [0.0, -0.1, 1.5, f64::NAN] {
            assert!(ParameterAverage::new(&layer, rate).is_err(), "{rate}");
        }
    }
}
