//! Inputs on which a metric is undefined get a typed error, never a panic.

use gan_metrics::*;

fn rows(n: usize, d: usize) -> Rows {
    Rows::new(
        "rows",
        (0..n * d).map(|i| (i as f64 * 0.37).sin()).collect(),
        n,
        d,
    )
    .unwrap()
}

#[test]
fn rows_refuse_bad_shapes_and_values() {
    assert!(matches!(
        Rows::new("x", vec![1.0; 5], 2, 3),
        Err(MetricsError::Shape { .. })
    ));
    assert!(matches!(
        Rows::new("x", vec![], 0, 0),
        Err(MetricsError::Shape { .. })
    ));
    let mut values = vec![0.0; 6];
    values[4] = f64::NAN;
    assert_eq!(
        Rows::new("x", values, 2, 3),
        Err(MetricsError::NonFinite { what: "x", row: 1 })
    );
    assert!(Rows::from_f32("x", &[f32::INFINITY], 1, 1).is_err());
}

#[test]
fn too_few_rows_are_refused() {
    let one = rows(1, 3);
    let many = rows(10, 3);
    assert!(matches!(
        fid(&one, &many),
        Err(MetricsError::TooFewRows { needed: 2, .. })
    ));
    assert!(matches!(
        kid(&many, &one),
        Err(MetricsError::TooFewRows { .. })
    ));
    // k-NN balls need k + 1 rows in each set.
    assert!(matches!(
        prdc(&many, &rows(5, 3), 5),
        Err(MetricsError::TooFewRows { needed: 6, .. })
    ));
    assert!(prdc(&many, &rows(6, 3), 5).is_ok());
    assert!(matches!(
        prdc(&many, &many, 0),
        Err(MetricsError::Parameter { .. })
    ));
    assert!(matches!(
        kid_subsets(&many, &many, 0, 5, 0),
        Err(MetricsError::Parameter { .. })
    ));
    assert!(matches!(
        kid_subsets(&many, &one, 2, 5, 0),
        Err(MetricsError::Parameter { .. })
    ));
    assert!(matches!(
        class_score(&rows(3, 2), 4),
        Err(MetricsError::TooFewRows { .. })
    ));
}

#[test]
fn mismatched_dimensions_and_parameters_are_refused() {
    let (a, b) = (rows(10, 3), rows(10, 4));
    assert!(matches!(
        fid(&a, &b),
        Err(MetricsError::DimensionMismatch { .. })
    ));
    assert!(matches!(
        kid(&a, &b),
        Err(MetricsError::DimensionMismatch { .. })
    ));
    assert!(matches!(
        prdc(&a, &b, 2),
        Err(MetricsError::DimensionMismatch { .. })
    ));
    assert!(memorisation(&a, &a, &b).is_err());
    let centres = rows(4, 3);
    assert!(mode_coverage(&a, &centres, 0.0, 5).is_err());
    assert!(mode_coverage(&a, &centres, f64::NAN, 5).is_err());
    assert!(mode_coverage(&a, &centres, 0.1, 0).is_err());
    assert!(mode_coverage(&a, &rows(4, 2), 0.1, 1).is_err());
    // Rows that are not probability distributions.
    assert!(matches!(
        class_score(&a, 2),
        Err(MetricsError::Parameter { .. })
    ));
}

#[test]
fn identical_sets_are_perfect() {
    let a = rows(40, 5);
    let measures = prdc(&a, &a, 3).unwrap();
    assert_eq!(
        (measures.precision, measures.recall, measures.coverage),
        (1.0, 1.0, 1.0)
    );
    // Each row lies strictly inside the balls of itself and its k nearest neighbours' balls
    // only where those are farther: density stays near 1 for distinct rows.
    assert!(measures.density > 0.5);
    // Rank-2 rows (a sine sequence): the square root of a singular covariance costs digits.
    assert!(fid(&a, &a).unwrap().abs() < 1e-6);
    assert!(quantile(&[], 0.5).is_nan());
}
