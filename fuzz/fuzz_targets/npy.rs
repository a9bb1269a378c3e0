//! Any bytes given to the `.npy` reader give a dataset or a `DataError`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz.npy");
    if let Ok(d) = gan_data::parse_npy(data, path, true) {
        assert_eq!(d.features().len(), d.len() * d.dim());
    }
});
