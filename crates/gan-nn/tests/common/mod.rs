//! Helpers shared by gan-nn's test files.

use burn::tensor::{Device, Tensor};
use gan_backend::test_backends;

/// The tensor's values on the host.
pub fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

/// Runs `body` on every backend compiled in (wgpu too in a `wgpu` build), seeded.
pub fn on_each_device(body: impl Fn(&Device)) {
    let backends = test_backends();
    assert!(!backends.is_empty(), "no backend to test on");
    for backend in backends {
        eprintln!("backend: {backend}");
        let device = backend.device();
        device.seed(7);
        body(&device);
    }
}
