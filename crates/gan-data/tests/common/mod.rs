use std::path::PathBuf;

/// The real MNIST files: `$GAN_MNIST_DIR`, else `../shared/data/mnist` beside the checkout.
pub fn mnist_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("GAN_MNIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mnist")
        });
    if dir.join("train-images-idx3-ubyte.gz").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: real MNIST not found at {} (set GAN_MNIST_DIR)",
            dir.display()
        );
        None
    }
}
