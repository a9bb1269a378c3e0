//! How a run conditions its players: one strategy the trainer is given at
//! [`Trainer::new`](crate::Trainer::new), chosen from the players and the config. The step asks
//! it for each batch's conditions and for any term it adds to G's loss; it never branches on
//! the kind of run itself.

use burn::tensor::{Device, Tensor};
use gan_data::Dataset;
use gan_nn::{GanDiscriminator, GanGenerator};

use crate::error::{Result, TrainError};
use crate::family::image_shape;
use crate::inpainting::{InpaintingConfig, condition_rows};

/// A run's conditioning.
#[derive(Debug, Clone, PartialEq)]
pub enum Conditioning {
    /// Unconditional players.
    None,
    /// `p(x | c)`: each row's label one-hot, `width` wide (at least the data's classes).
    Classes {
        /// The players' condition width.
        width: usize,
    },
    /// `p(x_S | x_S')`: each real image's known half, drawn from the config's halves; G's loss
    /// gains the reconstruction term.
    Inpainting {
        /// The halves and the reconstruction weight.
        config: InpaintingConfig,
        /// The images' `[C, H, W]`.
        image: [usize; 3],
    },
}

impl Conditioning {
    /// The strategy for players `g` and `d` on `data`, an inpainting run when `inpainting` is
    /// given: the players must agree on the condition's width, a conditional pair needs
    /// labels, and an inpainting pair must take the data's known halves.
    pub fn for_run<G, Dm, const D: usize>(
        g: &G,
        d: &Dm,
        data: &Dataset,
        inpainting: Option<&InpaintingConfig>,
    ) -> Result<Self>
    where
        G: GanGenerator<D>,
        Dm: GanDiscriminator<D>,
    {
        let (gc, dc) = (g.condition_dim(), d.condition_dim());
        if gc != dc {
            return Err(TrainError::Config(format!(
                "the generator takes conditions of width {gc} but the discriminator {dc}"
            )));
        }
        if let Some(config) = inpainting {
            let image = image_shape(data.item_shape(), "inpainting")?;
            let width = gan_nn::inpaint_condition_dim(image);
            if gc != width {
                let [c, h, w] = image;
                return Err(TrainError::Config(format!(
                    "an inpainting pair for {c}×{h}×{w} images takes conditions of width \
                     {width}, but these players take {gc}"
                )));
            }
            return Ok(Self::Inpainting {
                config: config.clone(),
                image,
            });
        }
        if gc == 0 {
            return Ok(Self::None);
        }
        let classes = data.num_classes().ok_or_else(|| {
            TrainError::Config("a conditional pair needs labelled data (give --labels)".into())
        })?;
        if classes > gc {
            return Err(TrainError::Config(format!(
                "the data has {classes} classes but the players take conditions of width {gc}"
            )));
        }
        Ok(Self::Classes { width: gc })
    }

    /// The width of a class-conditional run's conditions (`None` otherwise).
    pub fn classes(&self) -> Option<usize> {
        match self {
            Self::Classes { width } => Some(*width),
            _ => None,
        }
    }

    /// Whether G's batch needs the images of the rows it is conditioned on (for a loss term),
    /// not only their conditions.
    pub(crate) fn generator_needs_images(&self) -> bool {
        matches!(self, Self::Inpainting { .. })
    }

    /// Whether any condition is given at all.
    pub(crate) fn is_none(&self) -> bool {
        *self == Self::None
    }

    /// The conditions of real batch number `b` of a run seeded `seed`: data rows `rows`,
    /// images `x` (gathered when [`Conditioning::generator_needs_images`] or for D's batch).
    pub(crate) fn of_batch<const D: usize>(
        &self,
        data: &Dataset,
        seed: u64,
        b: u64,
        rows: &[usize],
        x: Option<&Tensor<D>>,
        device: &Device,
    ) -> Option<Tensor<2>> {
        match self {
            Self::None => None,
            Self::Classes { width } => Some(data.one_hot_labels(rows, *width, device)),
            Self::Inpainting { config, image } => {
                let x = x.expect("an inpainting batch comes with its images");
                let halves: Vec<_> = (0..x.dims()[0])
                    .map(|i| config.half_for(seed, b, i))
                    .collect();
                Some(condition_rows(x.clone(), *image, &halves))
            }
        }
    }

    /// The term the strategy adds to G's loss for generated rows `fake` conditioned on real
    /// rows `real`: inpainting's `λ · mean |fake − real|` (pix2pix's L1 term).
    pub(crate) fn generator_term<const D: usize>(
        &self,
        fake: Tensor<D>,
        real: Option<Tensor<D>>,
    ) -> Option<Tensor<1>> {
        let Self::Inpainting { config, .. } = self else {
            return None;
        };
        let weight = config.reconstruction_weight;
        let real = real?;
        (weight > 0.0).then(|| (fake - real).abs().mean().mul_scalar(weight))
    }
}
