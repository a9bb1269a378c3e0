//! Any bytes read as an array file a chunk at a time (`ArrayRows`, as `gan parzen`, `inpaint`,
//! `reconstruct`, `generate` and `modes` read them) give rows or a `DataError`, never a panic,
//! and agree with the whole-file reader on what they accept.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod scratch;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the chunk size and the file's name (.npy or IDX), the rest is the
    // file.
    let Some((&chunk, bytes)) = data.split_first() else {
        return;
    };
    let name = if chunk & 0x80 != 0 { "fuzz.npy" } else { "fuzz.idx" };
    let path = scratch::write(name, bytes);
    let whole = gan_data::read_array(&path);
    let mut values = Vec::new();
    let chunked = gan_data::ArrayRows::open(&path).and_then(|mut rows| {
        while let Some(part) = rows.next_chunk(usize::from(chunk % 7) + 1)? {
            assert!(part.len() <= usize::from(chunk % 7) + 1);
            values.extend_from_slice(part.features());
        }
        Ok(rows.dim())
    });
    match (whole, chunked) {
        (Ok(whole), Ok(dim)) => {
            assert_eq!(whole.dim(), dim);
            let same = whole.features().iter().zip(&values).all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same && whole.features().len() == values.len());
        }
        (Err(_), Err(_)) => {}
        (whole, chunked) => panic!("whole {:?} but chunked {:?}", whole.map(|d| d.len()), chunked),
    }
});
