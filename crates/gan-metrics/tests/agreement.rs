//! How often a conditional generator's samples are classified as requested, against counts
//! made by hand.

use gan_metrics::*;

/// One-hot-ish probabilities: most of the mass on `predicted`.
fn probabilities(predicted: &[usize], classes: usize) -> Rows {
    let values = predicted
        .iter()
        .flat_map(|&p| {
            (0..classes).map(move |c| {
                if c == p {
                    0.8
                } else {
                    0.2 / (classes - 1) as f64
                }
            })
        })
        .collect();
    Rows::new("probabilities", values, predicted.len(), classes).unwrap()
}

#[test]
fn per_class_rates_their_binomial_errors_the_mean_and_the_worst_class() {
    let requested = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2];
    let predicted = [0, 0, 1, 0, 1, 2, 2, 2, 2, 2];
    let a = class_agreement(&probabilities(&predicted, 3), &requested).unwrap();
    // By hand: 3/4, 1/2 and 4/4; se √(p(1 − p)/n).
    let rates: Vec<(usize, usize, f64)> = a
        .per_class
        .iter()
        .map(|r| (r.class, r.samples, r.rate))
        .collect();
    assert_eq!(rates, vec![(0, 4, 0.75), (1, 2, 0.5), (2, 4, 1.0)]);
    let se = [0.216_506_350_946_109_66, 0.353_553_390_593_273_8, 0.0];
    for (r, want) in a.per_class.iter().zip(se) {
        assert!((r.se - want).abs() < 1e-12, "{} vs {want}", r.se);
    }
    assert!((a.mean - 0.75).abs() < 1e-12);
    // √(0.046875 + 0.125) / 3
    assert!(
        (a.mean_se - 0.138_192_699_598_141_65).abs() < 1e-12,
        "{}",
        a.mean_se
    );
    assert_eq!((a.worst.class, a.worst.rate), (1, 0.5));

    // A class never requested is left out rather than counted as 0 %.
    let a = class_agreement(&probabilities(&[2, 2], 3), &[2, 2]).unwrap();
    assert_eq!(a.per_class.len(), 1);
    assert_eq!(a.mean, 1.0);

    assert!(class_agreement(&probabilities(&[0, 1], 3), &[0]).is_err());
    assert!(class_agreement(&probabilities(&[0, 1], 3), &[0, 3]).is_err());
}
