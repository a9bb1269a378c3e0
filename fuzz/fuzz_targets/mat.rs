//! Any bytes given as a MATLAB v5 file give numeric arrays whose dimensions account for every
//! value, or a `DataError`, never a panic; the same bytes as a TFD file give a database or a
//! `DataError`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "scratch.rs"]
mod scratch;

fuzz_target!(|data: &[u8]| {
    if let Ok(arrays) = gan_data::parse_mat(data, std::path::Path::new("fuzz.mat")) {
        for a in arrays {
            assert_eq!(a.dims.iter().product::<usize>(), a.values.len());
        }
    }
    let path = scratch::write("TFD_48x48.mat", data);
    let _ = gan_data::Tfd::load(&path);
});
