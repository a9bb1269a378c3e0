//! Training and using an inpainting pair (`p(x_S | x_S')`, the paper's future work 3): the
//! condition of each real image is its known half ([`gan_nn::inpaint_condition`]'s layout), drawn
//! from the config's halves, and the generator's loss may gain pix2pix's reconstruction term.

use burn::tensor::{Device, Tensor, TensorData};
use gan_data::{GOLDEN_GAMMA, splitmix64_finalize};
use gan_nn::{GanDiscriminator, GanGenerator, Half};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::family::image_shape;
use crate::trainer::Trainer;

/// How an inpainting run conditions its players (set in [`crate::TrainConfig::inpainting`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InpaintingConfig {
    /// The missing halves to train on: each real image draws one of them, uniformly, from the
    /// run's seed, its batch and its place in the batch (so a resumed run draws the same).
    pub masks: Vec<Half>,
    /// `λ` of the reconstruction term `λ · mean |G(z | x_S') − x|` added to the generator's
    /// loss (pix2pix's L1 term, Isola et al. 2017, who use λ = 100); 0 for the adversarial
    /// loss alone. The mean runs over all pixels; the known ones contribute zero.
    pub reconstruction_weight: f64,
}

impl InpaintingConfig {
    /// All four halves, with pix2pix's `λ = 100`.
    pub fn all_halves() -> Self {
        Self {
            masks: Half::ALL.to_vec(),
            reconstruction_weight: 100.0,
        }
    }

    /// Checks the halves and the weight.
    pub fn validate(&self) -> Result<()> {
        if self.masks.is_empty() {
            return Err(TrainError::Config(
                "inpainting needs at least one mask to train on".into(),
            ));
        }
        let w = self.reconstruction_weight;
        if !(w >= 0.0 && w.is_finite()) {
            return Err(TrainError::Config(format!(
                "reconstruction_weight must be finite and non-negative, got {w}"
            )));
        }
        Ok(())
    }

    /// The half missing from image `index` of real batch `batch`.
    pub fn half_for(&self, seed: u64, batch: u64, index: usize) -> Half {
        let draw = splitmix64_finalize(
            seed ^ batch.wrapping_add(1).wrapping_mul(GOLDEN_GAMMA)
                ^ (index as u64)
                    .wrapping_add(1)
                    .wrapping_mul(0xD1B5_4A32_D192_ED03),
        );
        self.masks[(draw % self.masks.len() as u64) as usize]
    }
}

/// Condition rows `[known ‖ keep]` for images `x` (`[n, …]`, each `image` `[C, H, W]`), image
/// `i` missing `halves[i]`.
pub fn condition_rows<const D: usize>(
    x: Tensor<D>,
    image: [usize; 3],
    halves: &[Half],
) -> Tensor<2> {
    let [c, h, w] = image;
    let n = halves.len();
    let device = x.device();
    let masks: Vec<f32> = halves
        .iter()
        .flat_map(|half| half.keep_mask(h, w))
        .collect();
    let keep: Tensor<4> = Tensor::from_data(TensorData::new(masks, [n, 1, h, w]), &device);
    let images: Tensor<4> = x.reshape([n, c, h, w]);
    gan_nn::inpaint_condition(images, keep)
}

impl<G, Dm, const D: usize> Trainer<G, Dm, D>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    /// For an inpainting run, the conditions of training rows `start .. start + len` (modulo
    /// the data's length), missing the run's halves in turn: what a run's sample grid shows.
    /// `None` for any other run.
    pub fn inpainting_conditions(
        &self,
        start: usize,
        len: usize,
        device: &Device,
    ) -> Option<Tensor<2>> {
        let inpainting = self.config.inpainting.as_ref()?;
        let image = image_shape(self.data.item_shape(), "inpainting").ok()?;
        let rows: Vec<usize> = (start..start + len).map(|i| i % self.data.len()).collect();
        let x = self.data.gather_as::<D>(&rows, device).ok()?;
        let halves: Vec<Half> = (start..start + len)
            .map(|i| inpainting.masks[i % inpainting.masks.len()])
            .collect();
        Some(condition_rows(x, image, &halves))
    }
}
