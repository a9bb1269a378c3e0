//! `gan interpolate --between FILE:I FILE:J`: a path between two real images through the codes
//! the inference network and its refinement find for them.

use std::path::{Path, PathBuf};

use burn::tensor::Device;

use crate::error::CliError;
use crate::images::write_image_grid;
use crate::inference::Inverter;
use crate::inputs::{check_rows, from_host, host, read_matrix};

/// Row `I` of the image file named by `FILE:I`.
fn image_at(spec: &str) -> Result<(PathBuf, Vec<f32>), CliError> {
    let usage = || CliError::Usage(format!("--between {spec}: expected FILE:INDEX"));
    let (file, index) = spec.rsplit_once(':').ok_or_else(usage)?;
    let index: usize = index.parse().map_err(|_| usage())?;
    let path = PathBuf::from(file);
    let images = read_matrix(&path)?;
    if index >= images.len() {
        return Err(CliError::Usage(format!(
            "--between {spec}: the file holds {} images",
            images.len()
        )));
    }
    Ok((path, images.row(index).to_vec()))
}

/// `gan interpolate --between A B`: one row from real image A to real image B through their
/// inferred codes, the originals at both ends.
pub fn interpolate_between(
    run_dir: &Path,
    between: &[String],
    steps: usize,
    out: &Path,
    device: &Device,
) -> Result<(), CliError> {
    let [first, second] = between else {
        return Err(CliError::Usage(
            "--between takes two images, FILE:I FILE:J".into(),
        ));
    };
    let inverter = Inverter::load(run_dir, device)?;
    let ends = [image_at(first)?, image_at(second)?];
    for (path, row) in &ends {
        inverter.check_width(row.len(), path)?;
    }
    let d = ends[0].1.len();
    check_rows("--steps", steps, d.max(inverter.generator().noise_dim()))?;
    let x = from_host([ends[0].1.clone(), ends[1].1.clone()].concat(), d, device);
    let codes = host(inverter.infer(x, inverter.refinement(None, None))?.codes);
    let (z0, z1) = codes.split_at(codes.len() / 2);
    let mut z = Vec::with_capacity(steps * z0.len());
    for s in 0..steps {
        let t = s as f32 / (steps - 1) as f32;
        z.extend(z0.iter().zip(z1).map(|(p, q)| (1.0 - t) * p + t * q));
    }
    let z = from_host(z, z0.len(), device);
    let path = host(inverter.generator().generate_rows(z, None));
    let mut row = vec![ends[0].1.clone()];
    row.extend(path.chunks(d).map(<[f32]>::to_vec));
    row.push(ends[1].1.clone());
    write_image_grid(out, &row, steps + 2, &inverter.generator().sample_shape())?;
    println!("wrote {}", out.display());
    Ok(())
}
