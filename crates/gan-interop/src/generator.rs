//! Generators as PyTorch `nn.Sequential` state dicts.

use std::path::Path;

use burn::tensor::Device;
use gan_nn::{Generator, GeneratorConfig, HiddenLayerConfig};

use crate::error::Result;
use crate::store::{Shapes, WeightFile, save_safetensors};

/// The widths of a Sequential MLP state dict: `Linear` layers at the even indices
/// `0, 2, 4, ...` (activations between them hold no tensors), each with `weight [out, in]` and
/// `bias [out]`, each layer's input the previous one's output. Returns `[in₀, out₀, out₁, ...]`,
/// or the first mismatch, in words.
pub fn sequential_widths(shapes: &Shapes) -> std::result::Result<Vec<usize>, String> {
    let mut widths = Vec::new();
    let mut layer = 0;
    while shapes.contains_key(&format!("{}.weight", 2 * layer)) {
        let key = |what: &str| format!("{}.{what}", 2 * layer);
        let weight = &shapes[&key("weight")];
        let [out, input] = weight[..] else {
            return Err(format!(
                "{} has shape {weight:?}; a Linear weight is [out, in]",
                key("weight")
            ));
        };
        match widths.last() {
            None => widths.push(input),
            Some(&previous) if previous != input => {
                return Err(format!(
                    "{} has shape {weight:?}: its input width {input} is not the previous \
                     layer's output width {previous}",
                    key("weight")
                ));
            }
            Some(_) => {}
        }
        match shapes.get(&key("bias")) {
            Some(bias) if bias[..] == [out] => {}
            Some(bias) => {
                return Err(format!(
                    "{} has shape {bias:?}, expected [{out}]",
                    key("bias")
                ));
            }
            None => return Err(format!("missing key {}", key("bias"))),
        }
        widths.push(out);
        layer += 1;
    }
    if layer == 0 {
        let first = shapes
            .keys()
            .next()
            .map_or("no tensors".into(), |k| format!("first key {k}"));
        return Err(format!("missing key 0.weight ({first})"));
    }
    let expected = 2 * layer;
    if let Some(extra) = shapes.keys().find(|k| {
        let index = k.split('.').next().and_then(|i| i.parse::<usize>().ok());
        !matches!(index, Some(i) if i < expected && i % 2 == 0)
            || !(k.ends_with(".weight") || k.ends_with(".bias"))
    }) {
        return Err(format!("unexpected key {extra}"));
    }
    Ok(widths)
}

/// The key renames between Burn's `layers.{k}.` and PyTorch's `{2k}.`, for `layers` Linear
/// layers, in the direction asked.
fn renames(layers: usize, to_pytorch: bool) -> Vec<(String, String)> {
    (0..layers)
        .map(|k| {
            let (burn, torch) = (format!("layers.{k}."), format!("{}.", 2 * k));
            if to_pytorch {
                (format!(r"^layers\.{k}\."), torch)
            } else {
                (format!(r"^{}\.", 2 * k), burn)
            }
        })
        .collect()
}

/// Reads a generator saved by PyTorch as the state dict of
/// `nn.Sequential(Linear, act, Linear, act, ..., Linear, out_act)` from a `.pt`/`.pth` or
/// `.safetensors` file.
///
/// `template` fixes the number of hidden layers and every activation (a preset, such as
/// [`GeneratorConfig::paper_mnist`]); the widths come from the file. Returns the config with the
/// file's widths and the generator holding its weights, exactly (float32). A file whose keys,
/// shapes, dtypes or layer count do not fit is refused, naming the first mismatch.
pub fn import_generator(
    path: &Path,
    template: &GeneratorConfig,
    device: &Device,
) -> Result<(GeneratorConfig, Generator)> {
    let mut file = WeightFile::open(path)?;
    let shapes = file.shapes()?;
    let widths = sequential_widths(&shapes).map_err(|reason| file.layout(reason))?;
    let layers = widths.len() - 1;
    if layers != template.hidden.len() + 1 {
        return Err(file.layout(format!(
            "{layers} Linear layers, but the preset has {} ({} hidden and the output)",
            template.hidden.len() + 1,
            template.hidden.len()
        )));
    }
    let hidden = template
        .hidden
        .iter()
        .zip(&widths[1..layers])
        .map(|(layer, &width)| HiddenLayerConfig::new(width, layer.activation.clone()))
        .collect();
    let config = GeneratorConfig::new(widths[0], hidden, widths[layers])
        .with_output_activation(template.output_activation.clone())
        .with_init(template.init.clone());
    let generator = config.init(device)?;
    let generator = file.load_into(generator, &renames(layers, false))?;
    Ok((config, generator))
}

/// Writes `generator` as the float32 state dict of the matching `nn.Sequential` (keys
/// `0.weight`, `0.bias`, `2.weight`, ...; weights `[out, in]`) in a safetensors file, which
/// `module.load_state_dict(safetensors.torch.load_file(path))` loads. Replaces `path`
/// atomically.
pub fn export_generator(generator: &Generator, path: &Path) -> Result<()> {
    save_safetensors(generator, path, &renames(generator.layers.len(), true))
}
