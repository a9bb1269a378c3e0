//! Discriminators as PyTorch state dicts, under Burn's own parameter names.

use std::path::Path;

use burn::tensor::Device;
use gan_nn::{Discriminator, DiscriminatorConfig, MaxoutLayerConfig};

use crate::error::Result;
use crate::store::{WeightFile, save_safetensors};

/// Writes `discriminator` as a float32 safetensors state dict in PyTorch's orientation: for
/// each maxout layer `i`, `hidden.{i}.linear.weight [units·pieces, in]` and
/// `hidden.{i}.linear.bias [units·pieces]`, whose output `u·pieces + p` is piece `p` of unit `u`
/// (so `h = (x @ W.T + b).view(-1, units, pieces).amax(-1)`), then `output.weight [1, last]` and
/// `output.bias [1]`, giving the logit. Dropout holds no weights: at evaluation the released
/// model's scaled dropout is the identity. Replaces `path` atomically.
pub fn export_discriminator(discriminator: &Discriminator, path: &Path) -> Result<()> {
    save_safetensors(discriminator, path, &[])
}

/// Reads a discriminator in the layout [`export_discriminator`] writes, from a `.pt`/`.pth` or
/// `.safetensors` file. `template` gives the pieces per maxout unit, the dropout and the
/// initializer (a preset, such as [`DiscriminatorConfig::paper_mnist`]); the widths come from
/// the file. Returns the config with the file's widths and the discriminator with its weights.
pub fn import_discriminator(
    path: &Path,
    template: &DiscriminatorConfig,
    device: &Device,
) -> Result<(DiscriminatorConfig, Discriminator)> {
    let mut file = WeightFile::open(path)?;
    let shapes = file.shapes()?;
    let mut d_input = None;
    let mut hidden = Vec::new();
    for (i, layer) in template.hidden.iter().enumerate() {
        let key = format!("hidden.{i}.linear.weight");
        let Some(&[rows, input]) = shapes.get(&key).map(Vec::as_slice) else {
            return Err(file.layout(format!(
                "missing key {key} or not of shape [units·pieces, in] ({} maxout layers expected)",
                template.hidden.len()
            )));
        };
        if rows % layer.num_pieces != 0 {
            return Err(file.layout(format!(
                "{key} has {rows} rows, not a multiple of the preset's {} pieces",
                layer.num_pieces
            )));
        }
        d_input.get_or_insert(input);
        hidden.push(MaxoutLayerConfig::new(
            rows / layer.num_pieces,
            layer.num_pieces,
        ));
    }
    let Some(&[1, last]) = shapes.get("output.weight").map(Vec::as_slice) else {
        return Err(file.layout("missing key output.weight or not of shape [1, in]".into()));
    };
    let d_input = d_input.unwrap_or(last);
    let config = DiscriminatorConfig::new(d_input, hidden, template.input_dropout.clone())
        .with_init(template.init.clone());
    let discriminator = config.init(device)?;
    // Shapes between the layers are checked as the weights are applied.
    let discriminator = file.load_into(discriminator, &[])?;
    Ok((config, discriminator))
}
