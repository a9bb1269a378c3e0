//! Helpers shared by gan-train's test files.
// Each test file uses the helpers it needs.
#![allow(dead_code)]

use std::sync::{Mutex, MutexGuard};

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};
use gan_backend::Backend;

/// The backends' random generators are process-wide: a test that depends on the exact sequence
/// of draws holds this lock, so that tests running beside it do not draw in between.
pub fn rng_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The fastest CPU backend compiled in.
pub fn cpu() -> Device {
    Backend::default_cpu().unwrap().device()
}

/// Every parameter of a module, flattened, for bit-exact comparisons.
pub fn all_params<M: Module>(m: &M) -> Vec<f32> {
    struct Collect(Vec<f32>);
    impl burn::module::ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            self.0.extend(
                p.val()
                    .into_data()
                    .convert::<f32>()
                    .try_to_vec::<f32>()
                    .unwrap(),
            );
        }
    }
    let mut c = Collect(Vec::new());
    m.visit(&mut c);
    c.0
}
