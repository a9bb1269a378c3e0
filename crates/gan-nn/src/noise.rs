use burn::tensor::{Device, Distribution, Tensor};
use serde::{Deserialize, Serialize};

/// The noise prior `p_z` a generator draws from (the choices of the released code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Noise {
    /// Standard Gaussian `N(0, I)`; the released MNIST model's prior.
    #[default]
    Gaussian,
    /// Uniform on `[−√3, √3]` per coordinate: zero mean, unit variance.
    Uniform,
    /// A standard Gaussian vector normalised to unit length: uniform on the unit sphere.
    Spherical,
}

impl Noise {
    /// Draws `n` noise vectors of dimension `dim` on `device`, from the device's random stream
    /// (seed it with `Device::seed`).
    pub fn sample(self, n: usize, dim: usize, device: &Device) -> Tensor<2> {
        match self {
            Noise::Gaussian => Tensor::random([n, dim], Distribution::Normal(0.0, 1.0), device),
            Noise::Uniform => {
                let bound = 3f64.sqrt();
                Tensor::random([n, dim], Distribution::Uniform(-bound, bound), device)
            }
            Noise::Spherical => Self::Spherical.project(Tensor::random(
                [n, dim],
                Distribution::Normal(0.0, 1.0),
                device,
            )),
        }
    }

    /// Codes `[n, dim]` moved onto the prior's support, for codes found by optimisation:
    /// unchanged for the Gaussian, clamped to `[−√3, √3]` for the uniform, scaled to unit
    /// length for the sphere.
    pub fn project(self, z: Tensor<2>) -> Tensor<2> {
        match self {
            Noise::Gaussian => z,
            Noise::Uniform => {
                let bound = 3f64.sqrt();
                z.clamp(-bound, bound)
            }
            Noise::Spherical => {
                let norm = z.clone().powi_scalar(2).sum_dim(1).sqrt();
                z / norm
            }
        }
    }
}
