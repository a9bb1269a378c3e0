//! Semi-supervised GAN training (Salimans et al. 2016) on a toy: four Gaussian clusters, one per
//! class, three labels each. The trained discriminator must classify held-out points; the run
//! repeats exactly from its seed; the stored classifier round-trips and refuses a corrupt file;
//! bad settings are typed errors.

use std::sync::{Mutex, MutexGuard};

use burn::tensor::Device;
use gan_data::Dataset;
use gan_nn::{ActivationConfig, ClassDiscriminatorConfig, GeneratorConfig, HiddenLayerConfig};
use gan_train::{
    SemiGanManifest, SemiGanTraining, class_error, draw_labelled, load_semi_gan, save_semi_gan,
    semi_generator, train_semi_gan,
};

const CORNERS: [(f32, f32); 4] = [(-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0)];

/// `n` points, cluster `i % 4` at its corner with a deterministic spread of about ±0.25.
fn clusters(n: usize, salt: usize) -> Dataset {
    let mut values = Vec::with_capacity(2 * n);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let (x, y) = CORNERS[i % 4];
        let jitter = |k: usize| ((i * 7919 + k * 104_729 + salt) % 1000) as f32 / 2000.0 - 0.25;
        values.extend([x + jitter(1), y + jitter(2)]);
        labels.push((i % 4) as u8);
    }
    Dataset::new(values, vec![2], Some(labels)).unwrap()
}

/// The CPU backends draw from one process-wide random stream: tests that train hold this so
/// that another test's draws do not interleave with theirs.
fn rng_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn toy_config() -> (ClassDiscriminatorConfig, GeneratorConfig) {
    let d = ClassDiscriminatorConfig::new(2, 4)
        .with_hidden(vec![32, 16])
        .with_input_noise(0.1)
        .with_hidden_noise(0.1);
    let g = GeneratorConfig::new(
        4,
        vec![HiddenLayerConfig::new(32, ActivationConfig::Relu)],
        2,
    )
    .with_output_activation(ActivationConfig::Tanh)
    .with_init(gan_nn::Initializer::Uniform {
        min: -0.3,
        max: 0.3,
    });
    (d, g)
}

fn training(steps: u64) -> SemiGanTraining {
    SemiGanTraining {
        steps,
        batch_size: 40,
        learning_rate: 0.01,
        average_rate: 0.05,
        ..SemiGanTraining::default()
    }
}

#[test]
fn the_trained_discriminator_classifies_held_out_points() {
    let _rng = rng_lock();
    let device = Device::flex();
    let (train, test) = (clusters(400, 0), clusters(200, 1));
    let labelled = draw_labelled(train.labels().unwrap(), 4, 3, 0).unwrap();
    let (d, g) = toy_config();
    let mut last = None;
    let trained = train_semi_gan(
        &d,
        g.init(&device).unwrap(),
        training(300),
        &train,
        &labelled,
        &device,
        |s| last = Some(*s),
    )
    .unwrap();
    let last = last.unwrap();
    assert_eq!(last.step, 300);
    assert!(last.supervised < 0.3, "labelled loss {}", last.supervised);
    for model in [&trained.averaged, &trained.last] {
        let error = class_error(model, &test, &device).unwrap();
        assert!(error < 0.05, "held-out error {error}");
    }
    let untrained = d.init(&device).unwrap();
    assert!(class_error(&untrained, &test, &device).unwrap() > 0.3);
}

#[test]
fn runs_repeat_from_their_seed_and_the_classifier_round_trips() {
    let _rng = rng_lock();
    let device = Device::flex();
    let train = clusters(200, 0);
    let labelled = draw_labelled(train.labels().unwrap(), 4, 2, 1).unwrap();
    let (d, g) = toy_config();
    let run = || {
        train_semi_gan(
            &d,
            g.init(&device).unwrap(),
            training(20),
            &train,
            &labelled,
            &device,
            |_| {},
        )
        .unwrap()
        .averaged
    };
    let (a, b) = (run(), run());
    let test = clusters(100, 3);
    let logits = |m: &gan_nn::ClassDiscriminator| {
        m.forward(test.to_tensor(&device))
            .logits
            .into_data()
            .try_into_vec::<f32>()
            .unwrap()
    };
    assert_eq!(logits(&a), logits(&b));

    let dir = tempfile::tempdir().unwrap();
    assert!(load_semi_gan(dir.path(), &device).unwrap().is_none());
    let manifest = SemiGanManifest {
        discriminator: d.clone(),
        training: training(20),
        labelled: labelled.clone(),
        test_error: None,
        last_error: None,
        sha256: String::new(),
    };
    let saved = save_semi_gan(dir.path(), &a, manifest).unwrap();
    let (loaded, read) = load_semi_gan(dir.path(), &device).unwrap().unwrap();
    assert_eq!(read, saved);
    assert_eq!(logits(&loaded), logits(&a));
    // A flipped byte is refused by its checksum.
    let path = dir.path().join(gan_train::SEMI_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let err = load_semi_gan(dir.path(), &device).unwrap_err().to_string();
    assert!(err.contains("checksum"), "{err}");
}

#[test]
fn bad_settings_are_typed_errors() {
    let device = Device::flex();
    let train = clusters(40, 0);
    let (d, g) = toy_config();
    let labelled = [0usize, 1, 2, 3];
    let fails = |t: SemiGanTraining, labelled: &[usize], d: &ClassDiscriminatorConfig| {
        train_semi_gan(
            d,
            g.init(&device).unwrap(),
            t,
            &train,
            labelled,
            &device,
            |_| {},
        )
        .is_err()
    };
    assert!(fails(
        SemiGanTraining {
            batch_size: 0,
            ..training(1)
        },
        &labelled,
        &d
    ));
    assert!(fails(
        SemiGanTraining {
            batch_size: 41,
            ..training(1)
        },
        &labelled,
        &d
    ));
    assert!(fails(
        SemiGanTraining {
            learning_rate: f64::NAN,
            ..training(1)
        },
        &labelled,
        &d
    ));
    assert!(fails(
        SemiGanTraining {
            beta_1: 1.0,
            ..training(1)
        },
        &labelled,
        &d
    ));
    for average_rate in [0.0, 1.5, f64::NAN] {
        assert!(fails(
            SemiGanTraining {
                average_rate,
                ..training(1)
            },
            &labelled,
            &d
        ));
    }
    assert!(fails(training(0), &labelled, &d), "no steps");
    assert!(fails(training(1), &[], &d));
    assert!(fails(training(1), &[40], &d), "row out of range");
    assert!(
        fails(
            training(1),
            &labelled,
            &ClassDiscriminatorConfig {
                classes: 3,
                ..d.clone()
            }
        ),
        "label 3 of 3 classes"
    );
    assert!(
        fails(training(1), &labelled, &ClassDiscriminatorConfig::new(3, 4)),
        "width"
    );
    let unlabelled = Dataset::new(vec![0.0; 8], vec![2], None).unwrap();
    assert!(
        train_semi_gan(
            &d,
            g.init(&device).unwrap(),
            training(1),
            &unlabelled,
            &[0],
            &device,
            |_| {}
        )
        .is_err()
    );
}

/// The generator of `gan semi --method kplus1` starts from its seed: the same seed gives the same
/// weights whatever was drawn before, another seed others.
#[test]
fn the_semi_generator_follows_its_seed() {
    let _rng = rng_lock();
    let device = Device::flex();
    let weights = |seed| {
        let g = semi_generator(12, seed, &device).unwrap();
        let z = burn::tensor::Tensor::<2>::ones([3, 100], &device);
        g.forward(z).into_data().try_into_vec::<f32>().unwrap()
    };
    let first = weights(4);
    device.seed(99); // a draw in between must not matter
    assert_eq!(weights(4), first);
    assert_ne!(weights(5), first);
}
