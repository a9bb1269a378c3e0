//! PyTorch interoperability for gan-core: generators and discriminators in and out as PyTorch
//! state dicts, read and written with Burn's own `burn-store`.
//!
//! - [`import_generator`] reads `torch.save(G.state_dict(), "g.pt")` (or a `.safetensors` file)
//!   of an `nn.Sequential(Linear, ReLU, ..., Linear, Sigmoid)` into a [`gan_nn::Generator`]:
//!   keys `0.weight`, `0.bias`, `2.weight`, ... (the activations hold no tensors), weights
//!   `[out, in]` as PyTorch stores them. A preset fixes the layers and activations; the widths
//!   come from the file.
//! - [`export_generator`] writes the same layout as float32 safetensors, which PyTorch loads
//!   with `G.load_state_dict(safetensors.torch.load_file(path))`.
//! - [`export_discriminator`] and [`import_discriminator`] do the same for the maxout
//!   discriminator, under Burn's parameter names (see [`export_discriminator`] for the layout).
//!
//! ```no_run
//! use std::path::Path;
//! use gan_interop::{export_generator, import_generator};
//! use gan_nn::GeneratorConfig;
//!
//! let device = burn::tensor::Device::default();
//! let (config, generator) =
//!     import_generator(Path::new("g.pt"), &GeneratorConfig::paper_mnist(), &device)?;
//! println!("noise {} -> {} features", config.d_noise, config.d_output);
//! export_generator(&generator, Path::new("g.safetensors"))?;
//! # Ok::<(), gan_interop::InteropError>(())
//! ```
//!
//! A `.pt` file is a pickle: burn-store's reader parses it without executing anything, so a
//! hostile file cannot run code.
#![warn(missing_docs)]

mod discriminator;
mod error;
mod generator;
mod store;

pub use discriminator::{export_discriminator, import_discriminator};
pub use error::{InteropError, Result};
pub use generator::{export_generator, import_generator, sequential_widths};
pub use store::{Shapes, WeightFormat, read_shapes};
