//! Backend selection for gan-core.
//!
//! Every gan-core crate is written against Burn's backend-agnostic [`Tensor`](burn::tensor::Tensor)
//! and [`Device`] API. This crate is the one place that knows which Burn backends the build was
//! compiled with (cargo features `flex`, `ndarray`, `wgpu`) and turns a name such as `"cpu"` or
//! `"wgpu"` into a [`Device`].
//!
//! ```
//! use gan_backend::Backend;
//!
//! // "cpu" is the fastest CPU backend compiled in (see `Backend::default_cpu`).
//! let backend: Backend = "cpu".parse().unwrap();
//! let device = backend.device();
//! let training_device = backend.autodiff_device();
//! assert!(training_device.is_autodiff());
//! # let _ = device;
//! ```

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

/// A Burn backend this crate knows how to build a [`Device`] for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Burn's Flex backend: pure-Rust CPU, multi-threaded, SIMD (feature `flex`).
    Flex,
    /// Burn's NdArray backend: CPU, deprecated upstream but shipped in 0.22 (feature `ndarray`).
    NdArray,
    /// Burn's wgpu backend: GPU through Vulkan/Metal/DX12, or a software Vulkan driver
    /// (feature `wgpu`). The adapter is wgpu's default choice; `CUBECL_WGPU_DEFAULT_DEVICE`
    /// (for example `DiscreteGpu(0)` or `Cpu`) overrides it.
    Wgpu,
}

/// A backend name that is unknown, or known but not compiled into this build.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// The name matches no backend.
    #[error("unknown backend `{0}` (expected one of: cpu, flex, ndarray, wgpu)")]
    Unknown(String),
    /// The backend exists but this build was compiled without its cargo feature.
    #[error("backend `{0}` is not compiled into this build (enable the cargo feature `{0}`)")]
    NotCompiled(Backend),
    /// No CPU backend is compiled in.
    #[error(
        "no CPU backend is compiled into this build (enable the cargo feature `flex` or `ndarray`)"
    )]
    NoCpuBackend,
}

impl Backend {
    /// Every backend, in the order they are listed to users.
    pub const ALL: [Backend; 3] = [Backend::Flex, Backend::NdArray, Backend::Wgpu];

    /// The lowercase name used on the command line and in configs.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Flex => "flex",
            Backend::NdArray => "ndarray",
            Backend::Wgpu => "wgpu",
        }
    }

    /// Whether this build was compiled with the backend's cargo feature.
    pub fn is_compiled(self) -> bool {
        match self {
            Backend::Flex => cfg!(feature = "flex"),
            Backend::NdArray => cfg!(feature = "ndarray"),
            Backend::Wgpu => cfg!(feature = "wgpu"),
        }
    }

    /// Whether the backend computes on the host CPU.
    pub fn is_cpu(self) -> bool {
        !matches!(self, Backend::Wgpu)
    }

    /// Every backend compiled into this build.
    pub fn compiled() -> Vec<Backend> {
        Self::ALL.into_iter().filter(|b| b.is_compiled()).collect()
    }

    /// The default CPU backend: Flex when compiled in (measured faster than NdArray on the
    /// paper's model, see `docs/performance.md`), else NdArray.
    pub fn default_cpu() -> Result<Backend, BackendError> {
        [Backend::Flex, Backend::NdArray]
            .into_iter()
            .find(|b| b.is_compiled())
            .ok_or(BackendError::NoCpuBackend)
    }

    /// A plain (inference) device of this backend.
    ///
    /// # Panics
    ///
    /// If the backend is not compiled in; [`Backend::from_str`] and [`Backend::compiled`] only
    /// hand out compiled ones.
    pub fn device(self) -> Device {
        self.try_device()
            .unwrap_or_else(|e| panic!("{e}: check `Backend::is_compiled` first"))
    }

    /// An autodiff-enabled device of this backend, for training.
    ///
    /// # Panics
    ///
    /// As [`Backend::device`].
    pub fn autodiff_device(self) -> Device {
        self.device().autodiff()
    }

    /// A plain device of this backend, or an error when it is not compiled in.
    pub fn try_device(self) -> Result<Device, BackendError> {
        match self {
            #[cfg(feature = "flex")]
            Backend::Flex => Ok(Device::flex()),
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            // NdArray is deprecated upstream but is one of our backends.
            Backend::NdArray => Ok(Device::ndarray()),
            #[cfg(feature = "wgpu")]
            Backend::Wgpu => Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
            #[allow(unreachable_patterns)] // reachable only in builds without some feature
            other => Err(BackendError::NotCompiled(other)),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = BackendError;

    /// Parses `cpu` (the default CPU backend), `flex`, `ndarray` or `wgpu`, case-insensitively,
    /// and checks that the backend is compiled in.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let backend = match s.trim().to_ascii_lowercase().as_str() {
            "cpu" => return Backend::default_cpu(),
            "flex" => Backend::Flex,
            "ndarray" => Backend::NdArray,
            "wgpu" | "gpu" => Backend::Wgpu,
            _ => return Err(BackendError::Unknown(s.to_string())),
        };
        if backend.is_compiled() {
            Ok(backend)
        } else {
            Err(BackendError::NotCompiled(backend))
        }
    }
}

/// The backends the test suites run their device-generic bodies on.
///
/// By default every backend compiled in: a build with the `wgpu` feature tests wgpu too (it
/// then needs a Vulkan driver; Mesa's software one, `mesa-vulkan-drivers`, is enough).
/// `GAN_TEST_BACKENDS` (a comma-separated list such as `flex,wgpu`) narrows or reorders the
/// list. Names that are not compiled in are skipped with a message.
///
/// # Panics
///
/// If the list comes out empty, so that a test can never pass by running on nothing.
pub fn test_backends() -> Vec<Backend> {
    let backends: Vec<Backend> = match std::env::var("GAN_TEST_BACKENDS") {
        Ok(list) if !list.trim().is_empty() => list
            .split(',')
            .filter_map(|name| match name.parse::<Backend>() {
                Ok(b) => Some(b),
                Err(e) => {
                    eprintln!("GAN_TEST_BACKENDS: skipping `{name}`: {e}");
                    None
                }
            })
            .collect(),
        _ => Backend::compiled(),
    };
    assert!(
        !backends.is_empty(),
        "no backend to test on: enable a gan-backend feature (flex, ndarray, wgpu) or fix GAN_TEST_BACKENDS"
    );
    backends
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_parsing() {
        for backend in Backend::compiled() {
            assert_eq!(backend.name().parse::<Backend>(), Ok(backend));
            assert_eq!(
                backend.to_string().to_uppercase().parse::<Backend>(),
                Ok(backend)
            );
        }
    }

    #[test]
    fn unknown_and_missing_backends_are_errors() {
        assert_eq!(
            "tpu".parse::<Backend>(),
            Err(BackendError::Unknown("tpu".into()))
        );
        for backend in Backend::ALL.into_iter().filter(|b| !b.is_compiled()) {
            assert_eq!(
                backend.name().parse::<Backend>(),
                Err(BackendError::NotCompiled(backend))
            );
            assert!(backend.try_device().is_err());
        }
    }

    #[test]
    fn cpu_alias_picks_a_compiled_cpu_backend() {
        let cpu: Backend = "cpu".parse().unwrap();
        assert!(cpu.is_cpu() && cpu.is_compiled());
        assert!(cpu.autodiff_device().is_autodiff());
        assert!(!cpu.device().is_autodiff());
    }
}
