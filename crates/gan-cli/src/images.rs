//! Image grids: rows of flat samples laid out as tiles of a PNG.

use std::path::Path;

use image::{ImageBuffer, Rgb};

use crate::error::CliError;

/// How a flat vector of `d` values is an image.
fn image_shape(d: usize) -> Option<(usize, usize, usize)> {
    if d == 3072 {
        return Some((3, 32, 32));
    }
    let side = (d as f64).sqrt().round() as usize;
    (side * side == d).then_some((1, side, side))
}

/// Writes `images` (flat rows of `d` values in [0, 1]) as a grid of `cols` columns with a
/// one-pixel gap. Grayscale for square `d`, RGB planes for `d = 3072`.
pub fn write_grid(path: &Path, images: &[Vec<f32>], cols: usize, d: usize) -> Result<(), CliError> {
    let shape = image_shape(d).ok_or_else(|| {
        CliError::Usage(format!(
            "cannot draw samples of {d} values as images (need a square or 3072)"
        ))
    })?;
    draw(path, images, cols, shape)
}

/// Whether items of shape `item` can be drawn as images (a flat item must be a square or
/// 3072 values).
pub fn drawable(item: &[usize]) -> bool {
    match *item {
        [_, _] => true,
        [c, _, _] if c == 1 || c == 3 => true,
        _ => image_shape(item.iter().product()).is_some(),
    }
}

/// As [`write_grid`] for items of shape `item` (`[H, W]`, `[1 or 3, H, W]`, or flat).
pub fn write_image_grid(
    path: &Path,
    images: &[Vec<f32>],
    cols: usize,
    item: &[usize],
) -> Result<(), CliError> {
    match *item {
        [h, w] => draw(path, images, cols, (1, h, w)),
        [c, h, w] if c == 1 || c == 3 => draw(path, images, cols, (c, h, w)),
        _ => write_grid(path, images, cols, item.iter().product()),
    }
}

fn draw(
    path: &Path,
    images: &[Vec<f32>],
    cols: usize,
    (channels, h, w): (usize, usize, usize),
) -> Result<(), CliError> {
    let rows = images.len().div_ceil(cols);
    let (width, height) = ((cols * (w + 1) + 1) as u32, (rows * (h + 1) + 1) as u32);
    let mut img = ImageBuffer::from_pixel(width, height, Rgb([128u8, 128, 128]));
    for (k, values) in images.iter().enumerate() {
        let (r, c) = (k / cols, k % cols);
        for y in 0..h {
            for x in 0..w {
                let px = |ch: usize| {
                    let v = values[ch * h * w + y * w + x];
                    (v.clamp(0.0, 1.0) * 255.0).round() as u8
                };
                let pixel = if channels == 3 {
                    [px(0), px(1), px(2)]
                } else {
                    [px(0); 3]
                };
                img.put_pixel(
                    (c * (w + 1) + 1 + x) as u32,
                    (r * (h + 1) + 1 + y) as u32,
                    Rgb(pixel),
                );
            }
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| CliError::output(path, e))?;
    }
    img.save(path).map_err(|e| CliError::output(path, e))
}
