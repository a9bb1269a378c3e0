//! Every metric against float64 numpy/scipy values computed by `reference/make_reference.py`
//! (independent code, on the arrays it wrote).

use std::path::PathBuf;

use gan_metrics::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index::sample;
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference")
}

fn rows(name: &'static str) -> Rows {
    let data = gan_data::read_npy(&dir().join(format!("{name}.npy"))).unwrap();
    Rows::from_f32(name, data.features(), data.len(), data.dim()).unwrap()
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir().join("expected.json")).unwrap()).unwrap()
}

fn close(got: f64, want: &Value, what: &str) {
    let want = want
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: no reference"));
    let tolerance = 1e-4 * want.abs().max(1e-6);
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: {got} against the reference {want}"
    );
}

#[test]
fn fid_matches_scipy() {
    let e = expected();
    close(
        fid(&rows("real"), &rows("fake")).unwrap(),
        &e["gaussian"]["fid"],
        "fid",
    );
    close(
        fid(&rows("wide_real"), &rows("wide_fake")).unwrap(),
        &e["wide"]["fid"],
        "wide fid",
    );
    // A set against itself: zero up to rounding (an absolute tolerance near zero).
    assert!(fid(&rows("real"), &rows("real")).unwrap().abs() < 1e-9);
}

#[test]
fn fid_from_stored_stats_equals_fid_from_rows() {
    let (real, fake) = (rows("real"), rows("fake"));
    let stats = GaussianStats::fit(&real).unwrap();
    let json = serde_json::to_string(&stats).unwrap();
    let stored: GaussianStats = serde_json::from_str(&json).unwrap();
    let from_stats = fid_from_stats(&stored, &GaussianStats::fit(&fake).unwrap()).unwrap();
    // JSON keeps floats to within an ulp or so (serde_json without `float_roundtrip`).
    let direct = fid(&real, &fake).unwrap();
    assert!(
        (from_stats - direct).abs() <= 1e-12 * direct.abs(),
        "{from_stats} vs {direct}"
    );
}

#[test]
fn kid_matches_numpy() {
    let e = expected();
    close(
        kid(&rows("real"), &rows("fake")).unwrap(),
        &e["gaussian"]["kid"],
        "kid",
    );
    close(
        kid(&rows("wide_real"), &rows("wide_fake")).unwrap(),
        &e["wide"]["kid"],
        "wide kid",
    );
}

#[test]
fn kid_subsets_of_every_row_equal_kid() {
    let (real, fake) = (rows("real"), rows("fake"));
    // Subsets as large as the smaller set: every subset of `fake` is all of it.
    let all = kid_subsets(&real, &fake, 3, 10_000, 7).unwrap();
    assert_eq!(all.subset_size, 250);
    let small = kid_subsets(&real, &fake, 20, 50, 7).unwrap();
    assert!(small.std > 0.0, "subsets of 50 rows must disagree");
    assert_eq!(
        small,
        kid_subsets(&real, &fake, 20, 50, 7).unwrap(),
        "seeded"
    );
    // The same subsets (drawn as documented: a seeded StdRng, each subset without replacement,
    // real then generated) through a brute-force float64 double loop.
    let mut rng = StdRng::seed_from_u64(7);
    let estimates: Vec<f64> = (0..20)
        .map(|_| {
            let x = sample(&mut rng, real.rows(), 50).into_vec();
            let y = sample(&mut rng, fake.rows(), 50).into_vec();
            brute_kid(&real, &x, &fake, &y)
        })
        .collect();
    let mean = estimates.iter().sum::<f64>() / 20.0;
    let std = (estimates.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / 20.0).sqrt();
    assert!(
        (small.mean - mean).abs() <= 1e-9 * mean.abs(),
        "{small:?} vs {mean}"
    );
    assert!((small.std - std).abs() <= 1e-9 * std, "{small:?} vs {std}");
    // The mean over subsets estimates the same quantity as the estimate over all rows: within
    // four standard errors of the subsets' mean.
    let full = kid(&real, &fake).unwrap();
    let se = small.std / 20f64.sqrt();
    assert!(
        (small.mean - full).abs() < 4.0 * se,
        "{} vs {full} (se {se})",
        small.mean
    );
}

/// The unbiased MMD² with the cubic kernel (x·y/d + 1)³ over the rows `xi` of `a` and `yi` of
/// `b`, by a plain double loop.
fn brute_kid(a: &Rows, xi: &[usize], b: &Rows, yi: &[usize]) -> f64 {
    let d = a.dim() as f64;
    let k =
        |u: &[f64], v: &[f64]| (u.iter().zip(v).map(|(p, q)| p * q).sum::<f64>() / d + 1.0).powi(3);
    let within = |r: &Rows, idx: &[usize]| {
        let mut sum = 0.0;
        for (p, &i) in idx.iter().enumerate() {
            for (q, &j) in idx.iter().enumerate() {
                if p != q {
                    sum += k(r.row(i), r.row(j));
                }
            }
        }
        let n = idx.len() as f64;
        sum / (n * (n - 1.0))
    };
    let mut across = 0.0;
    for &i in xi {
        for &j in yi {
            across += k(a.row(i), b.row(j));
        }
    }
    within(a, xi) + within(b, yi) - 2.0 * across / (xi.len() * yi.len()) as f64
}

#[test]
fn prdc_matches_reference() {
    let e = expected();
    for (real, fake, k, key) in [
        ("real", "fake", 5, &e["gaussian"]["prdc_k5"]),
        ("real", "fake", 3, &e["gaussian"]["prdc_k3"]),
        ("wide_real", "wide_fake", 3, &e["wide"]["prdc_k3"]),
    ] {
        let got = prdc(&rows(real), &rows(fake), k).unwrap();
        close(got.precision, &key["precision"], "precision");
        close(got.recall, &key["recall"], "recall");
        close(got.density, &key["density"], "density");
        close(got.coverage, &key["coverage"], "coverage");
    }
}

fn ring8() -> Rows {
    let centres = (0..8).flat_map(|i| {
        let angle = 2.0 * std::f64::consts::PI * i as f64 / 8.0;
        [2.0 * angle.cos(), 2.0 * angle.sin()]
    });
    Rows::new("ring", centres.collect(), 8, 2).unwrap()
}

fn grid25() -> Rows {
    let axis = [-4.0, -2.0, 0.0, 2.0, 4.0];
    let centres = axis
        .iter()
        .flat_map(|&x| axis.iter().flat_map(move |&y| [x, y]));
    Rows::new("grid", centres.collect(), 25, 2).unwrap()
}

#[test]
fn mode_coverage_matches_reference() {
    let e = &expected()["modes"];
    for (samples, centres, sigma, min_count, key) in [
        ("ring_samples", ring8(), 0.02, 20, &e["ring8"]),
        ("grid_samples", grid25(), 0.05, 20, &e["grid25"]),
        ("ring_samples", ring8(), 0.02, 5, &e["ring8_min5"]),
    ] {
        let all = rows(samples);
        let got = mode_coverage(&all, &centres, sigma, min_count).unwrap();
        // In two parts, as `gan modes` reads a file in batches: the same report.
        let cut = all.rows() / 3;
        let (first, second): (Vec<usize>, Vec<usize>) =
            ((0..cut).collect(), (cut..all.rows()).collect());
        let part =
            |idx: &[usize]| mode_coverage(&all.select(idx), &centres, sigma, min_count).unwrap();
        let merged = part(&first).merge(&part(&second)).unwrap();
        assert_eq!(merged, got, "{samples} in parts");
        let counts: Vec<usize> = key["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(got.counts, counts, "{samples}");
        assert_eq!(
            got.high_quality as u64,
            key["high_quality"].as_u64().unwrap()
        );
        assert_eq!(
            got.modes_covered as u64,
            key["modes_covered"].as_u64().unwrap()
        );
    }
}

#[test]
fn class_score_and_histogram_match_reference() {
    let e = &expected()["inception"];
    let probs = rows("probs");
    let ten = class_score(&probs, 10).unwrap();
    close(ten.mean, &e["splits10"]["mean"], "score mean");
    close(ten.std, &e["splits10"]["std"], "score std");
    close(
        class_score(&probs, 1).unwrap().mean,
        &e["splits1"]["mean"],
        "one split",
    );
    let histogram: Vec<usize> = e["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(class_histogram(&probs), histogram);
}

#[test]
fn memorisation_matches_reference() {
    let e = &expected()["gaussian"]["memorisation"];
    let got = memorisation(&rows("fake"), &rows("real"), &rows("test")).unwrap();
    close(got.summary.sample_mean, &e["sample_mean"], "sample mean");
    close(got.summary.heldout_mean, &e["test_mean"], "test mean");
    close(
        got.summary.sample_median,
        &e["sample_median"],
        "sample median",
    );
    close(got.summary.heldout_median, &e["test_median"], "test median");
    close(
        got.summary.closer_than_heldout_p01,
        &e["closer_than_test_p01"],
        "p01",
    );
    assert_eq!(
        got.sample_nearest[0].0 as u64,
        e["nearest_of_first_sample"].as_u64().unwrap()
    );
}
