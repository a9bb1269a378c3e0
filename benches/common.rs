//! Shared by the benchmarks: real MNIST from `$GAN_MNIST_DIR` (`.cargo/config.toml` sets it).

pub fn mnist() -> gan_core::data::Mnist {
    let dir = gan_core::data::mnist_dir_from_env()
        .expect("the benchmarks need real MNIST: set GAN_MNIST_DIR");
    gan_core::data::Mnist::load(&dir)
        .unwrap_or_else(|e| panic!("the benchmarks need real MNIST (set GAN_MNIST_DIR): {e}"))
}

// The allocator the `gan` binary runs with (see crates/gan-cli/src/main.rs), so that the
// benchmarks measure what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
