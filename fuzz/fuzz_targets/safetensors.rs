//! Any bytes given as a `.safetensors` file to gan-interop give a generator or an error: never a
//! panic, never memory beyond the file's claims.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "scratch.rs"]
mod scratch;

fuzz_target!(|data: &[u8]| {
    let path = scratch::write("g.safetensors", data);
    let template = gan_nn::GeneratorConfig::paper_mnist();
    let device = gan_backend::Backend::Flex.device();
    let _ = gan_interop::import_generator(&path, &template, &device);
});
