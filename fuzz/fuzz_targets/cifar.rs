//! Any bytes given as a CIFAR-10 batch file give records or a `DataError`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "scratch.rs"]
mod scratch;

fuzz_target!(|data: &[u8]| {
    let path = scratch::write("data_batch_1.bin", data);
    let (mut pixels, mut labels) = (Vec::new(), Vec::new());
    if gan_data::read_batch(&path, &mut pixels, &mut labels).is_ok() {
        assert_eq!(pixels.len(), labels.len() * 3072);
    }
});
