//! Any bytes given as a PNG (or, with a first byte that is odd, a JPEG) in an image folder give
//! a dataset or a `DataError`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "scratch.rs"]
mod scratch;

fuzz_target!(|data: &[u8]| {
    let name = if data.first().is_some_and(|b| b % 2 == 1) { "a.jpg" } else { "a.png" };
    let path = scratch::write(name, data);
    let dir = path.parent().unwrap();
    let result = gan_data::read_image_dir(dir);
    std::fs::remove_file(&path).unwrap();
    if let Ok(d) = result {
        assert_eq!(d.features().len(), d.len() * d.dim());
    }
});
