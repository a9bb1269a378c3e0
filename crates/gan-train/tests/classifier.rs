//! The metrics' classifier: it learns, it saves and loads exactly, and bad input is an error.

use gan_data::Dataset;
use gan_nn::ImageClassifierConfig;
use gan_train::*;

/// Two classes of 16×16 images: a bright left half or a bright right half, with noise.
fn halves(n: usize, seed: u64) -> Dataset {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut noise = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as f32 / (1u64 << 31) as f32) * 0.4
    };
    let (mut values, mut labels) = (Vec::new(), Vec::new());
    for i in 0..n {
        let class = (i % 2) as u8;
        for _row in 0..16 {
            for col in 0..16 {
                let bright = (col < 8) == (class == 0);
                values.push(if bright { 0.6 } else { 0.0 } + noise());
            }
        }
        labels.push(class);
    }
    Dataset::new(values, vec![256], Some(labels)).unwrap()
}

fn config() -> ImageClassifierConfig {
    ImageClassifierConfig::new()
        .with_image([1, 16, 16])
        .with_classes(2)
        .with_channels([4, 8])
        .with_features(16)
}

fn device() -> burn::tensor::Device {
    gan_backend::Backend::default_cpu().unwrap().device()
}

#[test]
fn the_classifier_learns_and_round_trips() {
    let device = device();
    let training = ClassifierTraining {
        epochs: 3,
        batch_size: 16,
        learning_rate: 3e-3,
        seed: 5,
    };
    let mut losses = Vec::new();
    let model = train_classifier(&config(), training, &halves(256, 1), &device, |_, loss| {
        losses.push(loss)
    })
    .unwrap();
    assert_eq!(losses.len(), 3);
    assert!(losses[2] < losses[0], "{losses:?}");
    let test = halves(100, 2);
    let accuracy = classifier_accuracy(&model, &test, &device).unwrap();
    assert!(accuracy > 0.95, "{accuracy}");

    let dir = tempfile::tempdir().unwrap();
    let manifest =
        save_classifier(dir.path(), &model, &config(), training, (accuracy, 100)).unwrap();
    let (loaded, read) = load_classifier(dir.path(), &device).unwrap();
    assert_eq!(read.sha256, manifest.sha256);
    let (f1, p1) = classifier_outputs(&model, &test, &device, 7).unwrap();
    let (f2, p2) = classifier_outputs(&loaded, &test, &device, 100).unwrap();
    assert_eq!((f1.len(), p1.len()), (100 * 16, 100 * 2));
    assert_eq!((f1, p1), (f2, p2), "batching and loading change nothing");

    // A damaged weights file is refused by its checksum.
    let weights = dir.path().join(CLASSIFIER_FILE);
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&weights, bytes).unwrap();
    let err = load_classifier(dir.path(), &device)
        .unwrap_err()
        .to_string();
    assert!(err.contains("checksum mismatch"), "{err}");
    assert!(load_classifier(&dir.path().join("missing"), &device).is_err());
}

#[test]
fn bad_training_input_is_an_error() {
    let device = device();
    let training = ClassifierTraining::default();
    let unlabelled = Dataset::new(vec![0.0; 2 * 256], vec![256], None).unwrap();
    assert!(train_classifier(&config(), training, &unlabelled, &device, |_, _| {}).is_err());
    let wrong_shape = Dataset::new(vec![0.0; 2 * 100], vec![100], Some(vec![0, 1])).unwrap();
    assert!(train_classifier(&config(), training, &wrong_shape, &device, |_, _| {}).is_err());
    let bad_label = Dataset::new(vec![0.0; 2 * 256], vec![256], Some(vec![0, 7])).unwrap();
    let err = train_classifier(&config(), training, &bad_label, &device, |_, _| {}).unwrap_err();
    assert!(err.to_string().contains("label 7"), "{err}");
    let zero_epochs = ClassifierTraining {
        epochs: 0,
        ..training
    };
    assert!(train_classifier(&config(), zero_epochs, &halves(4, 0), &device, |_, _| {}).is_err());
    assert!(config().with_image([1, 15, 16]).init(&device).is_err());
    assert!(config().with_dropout(1.0).init(&device).is_err());
    assert!(config().with_classes(1).init(&device).is_err());
}
