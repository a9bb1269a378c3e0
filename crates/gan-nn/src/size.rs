//! What a model will take before it is built: its parameters and the activations one row
//! creates, counted with checked arithmetic from the config alone, so that a width of 2⁶⁴ − 1
//! or 10⁹ is an error naming it rather than a capacity-overflow panic or an allocation abort.

use crate::error::NnError;

/// A model's size, counted from its config.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SizeEstimate {
    /// Parameters (weights and biases).
    pub parameters: u64,
    /// Values of the layer outputs one input row creates in a forward pass.
    pub activations_per_row: u64,
}

impl SizeEstimate {
    /// Bytes of f32 training memory for batches of `batch` rows: each parameter with its
    /// gradient and two optimiser states, each activation kept for the backward pass with its
    /// gradient and one temporary (`None` past u64).
    pub fn training_bytes(&self, batch: usize) -> Option<u64> {
        let params = self.parameters.checked_mul(4 * 4)?;
        let activations = self
            .activations_per_row
            .checked_mul(batch as u64)?
            .checked_mul(3 * 4)?;
        params.checked_add(activations)
    }

    /// Bytes of f32 inference memory (weights and one forward pass) for `batch` rows.
    pub fn inference_bytes(&self, batch: usize) -> Option<u64> {
        let activations = self.activations_per_row.checked_mul(batch as u64)?;
        self.parameters.checked_add(activations)?.checked_mul(4)
    }

    /// Refuses a size no machine could hold (past 2⁴⁰ parameters or activations a row): the
    /// check every config's `validate` makes, so that no arithmetic on its widths can
    /// overflow while the model is built. The memory a run may take is bounded more tightly by
    /// its caller (gan-train's memory limit).
    pub fn check_sane(self, what: &str) -> Result<Self, NnError> {
        const SANE: u64 = 1 << 40;
        if self.parameters > SANE || self.activations_per_row > SANE {
            return Err(NnError::Invalid(format!(
                "{what} would have {} parameters and {} activations a row: past 2^40, no machine holds it",
                self.parameters, self.activations_per_row
            )));
        }
        Ok(self)
    }

    /// Both networks' sizes together.
    pub fn plus(self, other: SizeEstimate) -> Result<SizeEstimate, NnError> {
        Ok(SizeEstimate {
            parameters: add(self.parameters, other.parameters, "the parameter count")?,
            activations_per_row: add(
                self.activations_per_row,
                other.activations_per_row,
                "the activation count",
            )?,
        })
    }

    /// Adds a weight of `dims` (its product) to the parameters.
    pub(crate) fn weight(&mut self, what: &str, dims: &[usize]) -> Result<(), NnError> {
        let n = product(what, dims)?;
        self.parameters = add(self.parameters, n, what)?;
        Ok(())
    }

    /// Adds a layer output of `dims` per row to the activations.
    pub(crate) fn output(&mut self, what: &str, dims: &[usize]) -> Result<(), NnError> {
        let n = product(what, dims)?;
        self.activations_per_row = add(self.activations_per_row, n, what)?;
        Ok(())
    }
}

/// The product of `dims`, or an error naming `what` when it passes u64.
pub(crate) fn product(what: &str, dims: &[usize]) -> Result<u64, NnError> {
    dims.iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
        .ok_or_else(|| too_large(what, dims))
}

/// [`product`] as a width this machine can index.
fn count(what: &str, dims: &[usize]) -> Result<usize, NnError> {
    usize::try_from(product(what, dims)?).map_err(|_| too_large(what, dims))
}

fn add(a: u64, b: u64, what: &str) -> Result<u64, NnError> {
    a.checked_add(b).ok_or_else(|| too_large(what, &[]))
}

fn too_large(what: &str, dims: &[usize]) -> NnError {
    NnError::Invalid(format!(
        "{what} {dims:?} is too large to count (past 2^64 values)"
    ))
}

use crate::{
    ConvMaxoutDiscriminatorConfig, DcganConfig, DeconvGeneratorConfig, DiscriminatorConfig,
    GeneratorConfig, HiddenLayerConfig, InpaintConfig, MaxoutLayerConfig, MlpGanConfig,
    PaperConvConfig,
};

/// A dense layer `inputs → outputs` (weight and bias) and its output.
fn dense(s: &mut SizeEstimate, what: &str, inputs: usize, outputs: usize) -> Result<(), NnError> {
    s.weight(what, &[inputs, outputs])?;
    s.weight(what, &[outputs])?;
    s.output(what, &[outputs])
}

/// Dense layers from `width` inputs (the MLP generator's, the deconvolution generator's);
/// the last layer's width.
fn dense_layers(
    s: &mut SizeEstimate,
    mut width: usize,
    layers: &[HiddenLayerConfig],
) -> Result<usize, NnError> {
    for (i, layer) in layers.iter().enumerate() {
        dense(s, &format!("generator layer {i}"), width, layer.width)?;
        width = layer.width;
    }
    Ok(width)
}

/// Maxout layers from `width` inputs (each a dense layer to units × pieces, then the units);
/// the last layer's units.
fn maxout_layers(
    s: &mut SizeEstimate,
    mut width: usize,
    layers: &[MaxoutLayerConfig],
) -> Result<usize, NnError> {
    for (i, layer) in layers.iter().enumerate() {
        let what = format!("maxout layer {i}");
        dense(
            s,
            &what,
            width,
            count(&what, &[layer.num_units, layer.num_pieces])?,
        )?;
        s.output(&what, &[layer.num_units])?;
        width = layer.num_units;
    }
    Ok(width)
}

/// A 4 × 4 (transposed) convolution `from → to` channels with its output of `[to, h, w]`.
fn conv4(
    s: &mut SizeEstimate,
    what: &str,
    from: usize,
    to: usize,
    out: [usize; 2],
) -> Result<(), NnError> {
    s.weight(what, &[from, to, 4, 4])?;
    s.weight(what, &[to])?;
    s.output(what, &[to, out[0], out[1]])
}

impl GeneratorConfig {
    /// Its parameters and activations, counted from the config.
    pub fn size(&self) -> Result<SizeEstimate, NnError> {
        let mut s = SizeEstimate::default();
        let width = dense_layers(&mut s, self.d_noise, &self.hidden)?;
        dense(&mut s, "generator output", width, self.d_output)?;
        Ok(s)
    }
}

impl DiscriminatorConfig {
    /// Its parameters and activations, counted from the config.
    pub fn size(&self) -> Result<SizeEstimate, NnError> {
        let mut s = SizeEstimate::default();
        let width = maxout_layers(&mut s, self.d_input, &self.hidden)?;
        dense(&mut s, "discriminator output", width, 1)?;
        Ok(s)
    }
}

impl MlpGanConfig {
    /// Both players' parameters and activations.
    pub fn size(&self) -> Result<SizeEstimate, NnError> {
        self.generator.size()?.plus(self.discriminator.size()?)
    }
}

/// A batch normalisation over `channels`: scale, shift and the two running statistics.
fn batch_norm(s: &mut SizeEstimate, what: &str, channels: usize) -> Result<(), NnError> {
    s.weight(what, &[4, channels])
}

/// `[b, h/4, w/4]` and `b·(h/4)·(w/4)` of a DCGAN-style code, checked.
fn code(image: [usize; 3], b: usize, what: &str) -> Result<([usize; 2], usize), NnError> {
    let quarter = [image[1] / 4, image[2] / 4];
    Ok((quarter, count(what, &[b, quarter[0], quarter[1]])?))
}

impl DcganConfig {
    /// Both players' parameters and activations.
    pub fn size(&self) -> Result<SizeEstimate, NnError> {
        let ([c, h, w], b) = (self.image, self.base_channels);
        let (quarter, flat) = code(self.image, b, "dcgan code")?;
        let half = [h / 2, w / 2];
        let inputs = self.noise_dim.checked_add(self.condition_dim);
        let inputs = inputs.ok_or_else(|| too_large("dcgan noise and condition", &[]))?;
        let mut s = SizeEstimate::default();
        dense(&mut s, "dcgan projection", inputs, flat)?;
        batch_norm(&mut s, "dcgan generator", b)?;
        conv4(&mut s, "dcgan generator", b, b / 2, half)?;
        batch_norm(&mut s, "dcgan generator", b / 2)?;
        conv4(&mut s, "dcgan generator", b / 2, c, [h, w])?;
        conv4(&mut s, "dcgan discriminator", c, b / 2, half)?;
        conv4(&mut s, "dcgan discriminator", b / 2, b, quarter)?;
        batch_norm(&mut s, "dcgan discriminator", b)?;
        dense(&mut s, "dcgan logit", flat, 1)?;
        s.weight("dcgan condition embedding", &[self.condition_dim, flat])?;
        Ok(s)
    }
}

impl InpaintConfig {
    /// Both players' parameters and activations.
    pub fn size(&self) -> Result<SizeEstimate, NnError> {
        let ([c, h, w], b) = (self.image, self.base_channels);
        let (quarter, flat) = code(self.image, b, "inpaint code")?;
        let half = [h / 2, w / 2];
        let with_mask = c
            .checked_add(1)
            .ok_or_else(|| too_large("inpaint channels", &[]))?;
        let joined = self.noise_dim.checked_add(self.bottleneck);
        let joined = joined.ok_or_else(|| too_large("inpaint noise and bottleneck", &[]))?;
        let double = b
            .checked_mul(2)
            .ok_or_else(|| too_large("inpaint channels", &[]))?;
        let mut s = SizeEstimate::default();
        conv4(&mut s, "inpaint generator", with_mask, b / 2, half)?;
        conv4(&mut s, "inpaint generator", b / 2, b, quarter)?;
        batch_norm(&mut s, "inpaint generator", b)?;
        dense(&mut s, "inpaint bottleneck", flat, self.bottleneck)?;
        dense(&mut s, "inpaint projection", joined, flat)?;
        batch_norm(&mut s, "inpaint generator", b)?;
        conv4(&mut s, "inpaint generator", double, b / 2, half)?;
        batch_norm(&mut s, "inpaint generator", b / 2)?;
        conv4(&mut s, "inpaint generator", b, c, [h, w])?;
        conv4(&mut s, "inpaint discriminator", with_mask, b / 2, half)?;
        conv4(&mut s, "inpaint discriminator", b / 2, b, quarter)?;
        batch_norm(&mut s, "inpaint discriminator", b)?;
        dense(&mut s, "inpaint logit", flat, 1)?;
        Ok(s)
    }
}

impl DeconvGeneratorConfig {
    /// Its parameters and activations, counted from the config.
    pub fn size(&self) -> Result<SizeEstimate, NnError> {
        let mut s = SizeEstimate::default();
        dense_layers(&mut s, self.d_noise, &self.hidden)?;
        let what = "deconvolution";
        let side = self.start[1]
            .saturating_sub(1)
            .checked_mul(self.stride)
            .and_then(|v| v.checked_add(self.kernel))
            .ok_or_else(|| too_large(what, &[]))?;
        s.weight(
            what,
            &[self.start[0], self.channels_out, self.kernel, self.kernel],
        )?;
        s.weight(what, &[self.channels_out, side, side])?;
        s.output(what, &[self.channels_out, side, side])?;
        Ok(s)
    }
}

impl ConvMaxoutDiscriminatorConfig {
    /// Its parameters and activations, counted from the config.
    pub fn size(&self) -> Result<SizeEstimate, NnError> {
        let mut s = SizeEstimate::default();
        let [mut channels, mut side, _] = self.image;
        for (i, l) in self.conv.iter().enumerate() {
            let what = format!("conv maxout layer {i}");
            let outputs = count(&what, &[l.num_channels, l.num_pieces])?;
            s.weight(&what, &[channels, outputs, l.kernel, l.kernel])?;
            s.weight(&what, &[outputs])?;
            // The detector layer before pooling is the largest output.
            let padded = l.pad.checked_mul(2).and_then(|p| p.checked_add(side));
            let padded = padded.and_then(|v| v.checked_add(1));
            let padded = padded.ok_or_else(|| too_large(&what, &[side, l.pad]))?;
            let detector = padded.saturating_sub(l.kernel);
            s.output(&what, &[outputs, detector, detector])?;
            side = detector
                .checked_sub(l.pool_shape)
                .map_or(0, |beyond| beyond.div_ceil(l.pool_stride.max(1)) + 1);
            channels = l.num_channels;
        }
        let flat = count("conv maxout output", &[channels, side, side])?;
        let width = maxout_layers(&mut s, flat, &self.dense)?;
        dense(&mut s, "discriminator output", width, 1)?;
        Ok(s)
    }
}

impl PaperConvConfig {
    /// Both players' parameters and activations.
    pub fn size(&self) -> Result<SizeEstimate, NnError> {
        self.generator.size()?.plus(self.discriminator.size()?)
    }
}
