//! `gan classifier`: trains the MNIST classifier whose features the metrics compare
//! (`models/mnist-classifier`).

use std::path::PathBuf;

use clap::Args;
use gan_nn::ImageClassifierConfig;
use gan_train::{ClassifierTraining, classifier_accuracy, save_classifier, train_classifier};

use crate::error::CliError;
use crate::{DataArgs, DeviceArgs};

#[derive(Args, Debug)]
pub struct ClassifierArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Directory to write the classifier to.
    #[arg(long, default_value = "models/mnist-classifier")]
    out: PathBuf,
    /// Passes over MNIST's 50,000 training images (at most 10,000).
    #[arg(long, default_value_t = ClassifierTraining::default().epochs,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(..=10_000))]
    epochs: usize,
    /// Images per update.
    #[arg(long, default_value_t = ClassifierTraining::default().batch_size)]
    batch_size: usize,
    /// Adam's step size.
    #[arg(long, default_value_t = ClassifierTraining::default().learning_rate)]
    learning_rate: f64,
    /// Seed of the weights, the dropout and the data order.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    device: DeviceArgs,
}

pub fn classifier(a: ClassifierArgs) -> Result<(), CliError> {
    let device = a.device.device()?;
    let mnist = a.data.mnist()?;
    let config = ImageClassifierConfig::new();
    let training = ClassifierTraining {
        epochs: a.epochs,
        batch_size: a.batch_size,
        learning_rate: a.learning_rate,
        seed: a.seed,
    };
    let model = train_classifier(&config, training, &mnist.train, &device, |epoch, loss| {
        eprintln!("epoch {}: mean cross-entropy {loss:.4}", epoch + 1);
    })?;
    let valid = classifier_accuracy(&model, &mnist.valid, &device)?;
    let test = classifier_accuracy(&model, &mnist.test, &device)?;
    save_classifier(&a.out, &model, &config, training, (test, mnist.test.len()))?;
    println!(
        "validation accuracy {:.2} %, test accuracy {:.2} % ({} test images); wrote {}",
        100.0 * valid,
        100.0 * test,
        mnist.test.len(),
        a.out.display()
    );
    Ok(())
}
