//! Shared by the benchmarks: real MNIST from `$GAN_MNIST_DIR` (`.cargo/config.toml` sets it).

pub fn mnist() -> gan_core::data::Mnist {
    let dir = gan_core::data::mnist_dir_from_env()
        .expect("the benchmarks need real MNIST: set GAN_MNIST_DIR");
    gan_core::data::Mnist::load(&dir)
        .unwrap_or_else(|e| panic!("the benchmarks need real MNIST (set GAN_MNIST_DIR): {e}"))
}
