//! `gan semi --method kplus1`: a (K+1)-class discriminator trained with feature matching on a
//! few labels and all training images (Salimans et al. 2016), reported beside the raw-pixel
//! probe with the same labels.

use burn::tensor::Device;
use gan_data::Dataset;
use gan_nn::ClassDiscriminatorConfig;
use gan_train::{
    SemiGanClassifiers, SemiGanManifest, SemiGanTraining, class_error, draw_labelled,
    load_semi_gan, save_semi_gan, semi_generator, train_semi_gan,
};
use indicatif::{ProgressBar, ProgressStyle};

use crate::error::CliError;
use crate::semi::{Method, SemiArgs, SemiReport, pixel_baseline, print_report};

pub fn semi_gan(a: SemiArgs) -> Result<(), CliError> {
    let device = a.device.device()?;
    let mnist = a.data.mnist()?;
    let (train, test) = (&mnist.train, &mnist.test);
    let unlabelled = || CliError::Usage("the training images have no labels".into());
    let classes = train.num_classes().ok_or_else(unlabelled)?;
    let labelled = draw_labelled(
        train.labels().ok_or_else(unlabelled)?,
        classes,
        a.labels_per_class,
        a.seed,
    )?;
    let config = ClassDiscriminatorConfig::new(train.dim(), classes);
    let training = SemiGanTraining {
        steps: a.steps,
        seed: a.seed,
        learning_rate: a.learning_rate,
        average_rate: a.average_rate,
        ..SemiGanTraining::default()
    };
    let stored = match &a.out {
        Some(dir) => load_semi_gan(dir, &device)?,
        None => None,
    };
    let (classifier, error, last_error) = match stored {
        Some((model, m))
            if m.training == training && m.labelled == labelled && m.discriminator == config =>
        {
            eprintln!("evaluating the classifier already trained in the --out directory");
            let error = class_error(&model, test, &device)?;
            (model, error, m.last_error)
        }
        _ => {
            let trained = train_with_progress(&a, &config, training, train, &labelled, &device)?;
            let error = class_error(&trained.averaged, test, &device)?;
            let last_error = class_error(&trained.last, test, &device)?;
            if let Some(dir) = &a.out {
                let manifest = SemiGanManifest {
                    discriminator: config.clone(),
                    training,
                    labelled: labelled.clone(),
                    test_error: Some(error),
                    last_error: Some(last_error),
                    sha256: String::new(),
                };
                save_semi_gan(dir, &trained.averaged, manifest)?;
            }
            (trained.averaged, error, Some(last_error))
        }
    };
    let baseline = pixel_baseline(&a, train, test, &device)?;
    let report = SemiReport {
        error,
        labels: labelled.len(),
        labels_per_class: a.labels_per_class,
        method: Method::Kplus1,
        features: "kplus1".into(),
        feature_dim: classifier.feature_width(),
        baseline_error: baseline.error,
        seed: a.seed,
        test_rows: test.len(),
        l2: None,
        baseline_l2: baseline.penalty.l2,
        last_error,
    };
    print_report(&report, a.json)
}

/// Trains the classifier with a progress bar (a log line every 500 steps without a terminal).
fn train_with_progress(
    a: &SemiArgs,
    config: &ClassDiscriminatorConfig,
    training: SemiGanTraining,
    train: &Dataset,
    labelled: &[usize],
    device: &Device,
) -> Result<SemiGanClassifiers, CliError> {
    let bar = ProgressBar::new(a.steps);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed} < {eta}]")
            .expect("valid template"),
    );
    let generator = semi_generator(train.dim(), training.seed, device)?;
    let trained = train_semi_gan(config, generator, training, train, labelled, device, |s| {
        bar.set_position(s.step);
        if s.step % 50 == 0 {
            let losses = format!(
                "labelled {:.3} unlabelled {:.3} matching {:.4}",
                s.supervised, s.unsupervised, s.feature_matching
            );
            // Without a terminal (nohup, CI) the bar is hidden: a log line instead.
            if bar.is_hidden() && s.step % 500 == 0 {
                eprintln!("step {} {losses}", s.step);
            }
            bar.set_message(losses);
        }
    })?;
    bar.finish_and_clear();
    Ok(trained)
}
