//! Any bytes given to the IDX parser give an array or a `DataError`, never a panic, and never
//! an allocation sized by a header that the bytes do not back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz.idx");
    if let Ok(array) = gan_data::parse_idx_bytes(data, path) {
        assert_eq!(array.bytes.len(), array.len() * array.dtype.size());
        assert_eq!(array.to_f32().len(), array.len());
    }
});
