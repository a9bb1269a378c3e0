//! The standard 2-D mixtures of the mode-collapse benchmarks.

use gan_data::Mixture2d;
use gan_data::toy::{Ring2d, ToyDistribution};

#[test]
fn ring8_and_grid25_have_the_standard_parameters() {
    let ring = Mixture2d::ring8();
    assert_eq!(ring.centres().len(), 8);
    assert_eq!(ring.std(), 0.02);
    let same = Mixture2d::from(Ring2d::new(8, 2.0, 0.02).unwrap());
    assert_eq!(ring, same);
    for (k, &(x, y)) in ring.centres().iter().enumerate() {
        let angle = 2.0 * std::f64::consts::PI * k as f64 / 8.0;
        assert!((x - 2.0 * angle.cos()).abs() < 1e-12 && (y - 2.0 * angle.sin()).abs() < 1e-12);
    }
    let grid = Mixture2d::grid25();
    assert_eq!((grid.centres().len(), grid.std()), (25, 0.05));
    for x in [-4.0, -2.0, 0.0, 2.0, 4.0] {
        for y in [-4.0, -2.0, 0.0, 2.0, 4.0] {
            assert!(grid.centres().contains(&(x, y)));
        }
    }
}

#[test]
fn samples_sit_on_the_modes_in_equal_shares() {
    let grid = Mixture2d::grid25();
    let samples = grid.sample(25_000, 4).unwrap();
    let mut counts = [0usize; 25];
    for p in samples.features().chunks(2) {
        let (x, y) = (f64::from(p[0]), f64::from(p[1]));
        let (k, d) = grid
            .centres()
            .iter()
            .map(|&(cx, cy)| ((cx - x).powi(2) + (cy - y).powi(2)).sqrt())
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        assert!(d < 6.0 * 0.05, "{x}, {y}");
        counts[k] += 1;
    }
    // 1,000 expected per mode; binomial sd ≈ 31.
    assert!(
        counts.iter().all(|&c| (850..1150).contains(&c)),
        "{counts:?}"
    );
}

#[test]
fn the_log_density_is_the_closed_form() {
    let grid = Mixture2d::grid25();
    // At a centre, the other modes (≥ 2 apart, σ = 0.05) contribute nothing measurable.
    let at_centre = grid.log_density(&[2.0, -4.0]);
    let closed = (1.0f64 / 25.0).ln() - (2.0 * std::f64::consts::PI * 0.05 * 0.05).ln();
    assert!((at_centre - closed).abs() < 1e-9, "{at_centre} vs {closed}");
    // One σ away along x: the Gaussian's factor exp(−1/2).
    let off = grid.log_density(&[2.05, -4.0]);
    assert!((at_centre - off - 0.5).abs() < 1e-9);
}

#[test]
fn invalid_mixtures_are_errors() {
    assert!(Mixture2d::new(vec![], 0.1).is_err());
    assert!(Mixture2d::new(vec![(0.0, f64::NAN)], 0.1).is_err());
    assert!(Mixture2d::new(vec![(0.0, 0.0)], 0.0).is_err());
    assert!(Mixture2d::new(vec![(0.0, 0.0)], f64::INFINITY).is_err());
    assert!(Mixture2d::new(vec![(0.0, 0.0)], 0.3).is_ok());
}
