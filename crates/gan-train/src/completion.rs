//! Completing images with a half missing: an inpainting generator's completions
//! ([`inpaint`]) and the two baselines they are measured against ([`zero_fill`],
//! [`nearest_fill`]). Every function returns the known half exactly as given.

use burn::tensor::{Device, Int, Tensor, TensorData};
use gan_nn::{GanGenerator, Half, Noise, inpaint_condition_dim};

use crate::error::{Result, TrainError};
use crate::inpainting::condition_rows;

/// Completes `images` `[n, C·H·W]` (rows, as the data holds them) with `missing` gone: the
/// generator's completions, `[n, C·H·W]`, with noise from `noise` seeded by `seed`. The known
/// pixels are copied from `images`, bit for bit. Give an inference copy (`.valid()`).
///
/// Training an inpainting pair on MNIST, then completing test digits whose bottom half is
/// missing:
///
/// ```no_run
/// use burn::module::Module;
/// use gan_nn::{Half, Noise};
/// use gan_train::{InpaintTrainer, RunConfig, Until, inpaint};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mnist = gan_data::Mnist::load_or_download(&gan_data::default_data_dir().join("mnist"))?;
/// let device = burn::tensor::Device::default();
/// let config = RunConfig::inpaint(&mnist.train)?; // all four halves, λ = 100
/// let mut trainer = InpaintTrainer::inpaint(&config, mnist.train.clone(), &device)?;
/// trainer.train(&Until::steps(8000), &mut [])?;
/// let generator = trainer.generator().valid();
/// let digits = &mnist.test.features()[..784 * 10];
/// let completed = inpaint(&generator, digits, [1, 28, 28], Half::Bottom, Noise::Gaussian, 0, &device)?;
/// assert_eq!(completed.len(), digits.len());
/// # Ok(()) }
/// ```
pub fn inpaint<G: GanGenerator<4>>(
    generator: &G,
    images: &[f32],
    image: [usize; 3],
    missing: Half,
    noise: Noise,
    seed: u64,
    device: &Device,
) -> Result<Vec<f32>> {
    device.seed(seed);
    inpaint_continued(generator, images, image, missing, noise, device)
}

/// Images completed per forward pass: a bound on the activations held, whatever `n` is.
pub const INPAINT_BATCH: usize = 1000;

/// As [`inpaint`], with noise drawn from the device's random state as it is, not seeded: a
/// caller completing images part by part seeds once and continues, and gets what one call
/// on all of them would give. Images go through the generator [`INPAINT_BATCH`] at a time.
pub fn inpaint_continued<G: GanGenerator<4>>(
    generator: &G,
    images: &[f32],
    image: [usize; 3],
    missing: Half,
    noise: Noise,
    device: &Device,
) -> Result<Vec<f32>> {
    let [c, h, w] = image;
    let features = check_images(images, image)?;
    let width = inpaint_condition_dim(image);
    if generator.condition_dim() != width {
        return Err(TrainError::Config(format!(
            "the generator takes conditions of width {}, not an inpainting condition for \
             {c}×{h}×{w} images ({width})",
            generator.condition_dim()
        )));
    }
    let mut completed = Vec::with_capacity(images.len());
    for batch in images.chunks(INPAINT_BATCH * features) {
        let n = batch.len() / features;
        let x: Tensor<2> =
            Tensor::from_data(TensorData::new(batch.to_vec(), [n, features]), device);
        let condition = condition_rows(x, image, &vec![missing; n]);
        let noise = noise.sample(n, generator.noise_dim(), device);
        let values = generator
            .generate(noise, Some(condition))
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .map_err(|e| TrainError::Serialize(format!("completions: {e:?}")))?;
        completed.extend(with_known_half(batch, &values, image, missing));
    }
    Ok(completed)
}

/// `images` with the missing half set to zero (the first baseline).
pub fn zero_fill(images: &[f32], image: [usize; 3], missing: Half) -> Result<Vec<f32>> {
    check_images(images, image)?;
    Ok(with_known_half(
        images,
        &vec![0.0; images.len()],
        image,
        missing,
    ))
}

/// `images` with the missing half copied from the row of `train` (same layout) nearest to each
/// on the known half, in Euclidean distance (the second baseline). Distances are computed on
/// `device`, 256 images at a time.
pub fn nearest_fill(
    images: &[f32],
    train: &[f32],
    image: [usize; 3],
    missing: Half,
    device: &Device,
) -> Result<Vec<f32>> {
    let features = check_images(images, image)?;
    check_images(train, image)?;
    if train.is_empty() {
        return Err(TrainError::Config(
            "nearest_fill needs training rows".into(),
        ));
    }
    let known = known_columns(image, missing);
    let columns = |rows: &[f32]| -> Vec<f32> {
        rows.chunks(features)
            .flat_map(|row| known.iter().map(|&j| row[j]))
            .collect()
    };
    let k = known.len();
    let n_train = train.len() / features;
    let reference: Tensor<2> =
        Tensor::from_data(TensorData::new(columns(train), [n_train, k]), device);
    let reference_sq = reference.clone().powi_scalar(2).sum_dim(1).transpose();
    let mut filled = Vec::with_capacity(images.len());
    for chunk in images.chunks(256 * features) {
        let n = chunk.len() / features;
        let x: Tensor<2> = Tensor::from_data(TensorData::new(columns(chunk), [n, k]), device);
        // ‖x‖² is the same for every candidate of a row: ‖r‖² − 2⟨x, r⟩ orders them.
        let scores = reference_sq.clone() - x.matmul(reference.clone().transpose()).mul_scalar(2.0);
        let best: Tensor<2, Int> = scores.argmin(1);
        let best = best
            .into_data()
            .convert::<i64>()
            .try_into_vec::<i64>()
            .map_err(|e| TrainError::Serialize(format!("nearest rows: {e:?}")))?;
        let donors: Vec<f32> = best
            .iter()
            .flat_map(|&i| {
                train[i as usize * features..(i as usize + 1) * features]
                    .iter()
                    .copied()
            })
            .collect();
        filled.extend(with_known_half(chunk, &donors, image, missing));
    }
    Ok(filled)
}

/// The number of values per image, after checking that `images` holds whole images.
fn check_images(images: &[f32], image: [usize; 3]) -> Result<usize> {
    let [c, h, w] = image;
    let features = c * h * w;
    if features == 0 || !images.len().is_multiple_of(features) {
        return Err(TrainError::Config(format!(
            "{} values do not form images of {c}×{h}×{w}",
            images.len()
        )));
    }
    Ok(features)
}

/// The indices (within one image, channel-major) of the pixels not in `missing`.
fn known_columns(image: [usize; 3], missing: Half) -> Vec<usize> {
    let [c, h, w] = image;
    let keep = missing.keep_mask(h, w);
    (0..c * h * w)
        .filter(|&j| keep[j % (h * w)] == 1.0)
        .collect()
}

/// `known`'s values on its known half, `fill`'s on the missing one.
fn with_known_half(known: &[f32], fill: &[f32], image: [usize; 3], missing: Half) -> Vec<f32> {
    let [_, h, w] = image;
    let keep = missing.keep_mask(h, w);
    known
        .iter()
        .zip(fill)
        .enumerate()
        .map(|(i, (&k, &f))| {
            // Images are whole rows of channel planes of h·w pixels each.
            if keep[i % (h * w)] == 1.0 { k } else { f }
        })
        .collect()
}
