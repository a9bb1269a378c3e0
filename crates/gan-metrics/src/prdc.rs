//! Precision and recall (Kynkäänniemi et al. 2019), density and coverage (Naeem et al. 2020),
//! from k-nearest-neighbour balls, with the radii and strict comparisons of the reference `prdc`
//! package.

use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, Result};
use crate::products::{kth_neighbour_radii, map_distance_blocks};
use crate::rows::{Rows, at_least, same_dim};

/// The four k-NN measures of how generated rows cover, and stay within, the real ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prdc {
    /// Share of generated rows inside some real row's k-NN ball (fidelity).
    pub precision: f64,
    /// Share of real rows inside some generated row's k-NN ball (diversity).
    pub recall: f64,
    /// Mean number of real balls holding a generated row, divided by k (can exceed 1).
    pub density: f64,
    /// Share of real rows whose ball holds at least one generated row.
    pub coverage: f64,
}

/// The four measures with neighbourhood size `k` (the `prdc` package's default is 5). Each
/// set needs more than `k` rows.
pub fn prdc(real: &Rows, fake: &Rows, k: usize) -> Result<Prdc> {
    same_dim("precision/recall", real, fake)?;
    if k == 0 {
        return Err(MetricsError::Parameter {
            name: "k",
            reason: "must be at least 1".into(),
        });
    }
    at_least(
        "precision/recall",
        "the real rows",
        real,
        k.saturating_add(1),
    )?;
    at_least(
        "precision/recall",
        "the generated rows",
        fake,
        k.saturating_add(1),
    )?;
    let real_radii = kth_neighbour_radii(real, k);
    let fake_radii = kth_neighbour_radii(fake, k);
    let n_fake = fake.rows();

    // One pass over the real × generated distances, a block of real rows at a time.
    struct Block {
        balls_holding: Vec<u32>,
        recalled: usize,
        covered: usize,
    }
    let blocks = map_distance_blocks(real, fake, |first, rows, distances| {
        let mut block = Block {
            balls_holding: vec![0; n_fake],
            recalled: 0,
            covered: 0,
        };
        for (i, row) in distances.chunks_exact(n_fake).take(rows).enumerate() {
            let radius = real_radii[first + i];
            let (mut recalled, mut nearest) = (false, f64::INFINITY);
            for (j, &squared) in row.iter().enumerate() {
                let distance = squared.sqrt();
                if distance < radius {
                    block.balls_holding[j] += 1;
                }
                recalled |= distance < fake_radii[j];
                nearest = nearest.min(distance);
            }
            block.recalled += usize::from(recalled);
            block.covered += usize::from(nearest < radius);
        }
        block
    });
    let mut balls_holding = vec![0u64; n_fake];
    let (mut recalled, mut covered) = (0, 0);
    for block in blocks {
        balls_holding
            .iter_mut()
            .zip(&block.balls_holding)
            .for_each(|(t, b)| *t += u64::from(*b));
        recalled += block.recalled;
        covered += block.covered;
    }
    let (m, n) = (real.rows() as f64, n_fake as f64);
    Ok(Prdc {
        precision: balls_holding.iter().filter(|&&c| c > 0).count() as f64 / n,
        recall: recalled as f64 / m,
        density: balls_holding.iter().sum::<u64>() as f64 / (k as f64 * n),
        coverage: covered as f64 / m,
    })
}
