//! Shared by the benchmarks: real MNIST from `$GAN_MNIST_DIR` or `../shared/data/mnist`.

use std::path::PathBuf;

pub fn mnist() -> gan_core::data::Mnist {
    let dir = std::env::var_os("GAN_MNIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist"));
    gan_core::data::Mnist::load(&dir)
        .unwrap_or_else(|e| panic!("the benchmarks need real MNIST (set GAN_MNIST_DIR): {e}"))
}
