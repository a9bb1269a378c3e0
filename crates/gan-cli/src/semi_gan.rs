//! `gan semi --method kplus1`: a (K+1)-class discriminator trained with feature matching on a
//! few labels and all training images (Salimans et al. 2016), reported beside the raw-pixel
//! probe with the same labels.

use gan_nn::ClassDiscriminatorConfig;
use gan_train::{
    SemiGanManifest, SemiGanTraining, class_error, draw_labelled, load_semi_gan, save_semi_gan,
    semi_generator_config, train_semi_gan,
};
use indicatif::{ProgressBar, ProgressStyle};

use crate::error::CliError;
use crate::semi::{Method, SemiArgs, SemiReport, pixel_baseline, print_report};

pub fn semi_gan(a: SemiArgs) -> Result<(), CliError> {
    if a.steps == 0 {
        return Err(CliError::Usage("--steps must be at least 1".into()));
    }
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
        ..SemiGanTraining::default()
    };
    let stored = match &a.out {
        Some(dir) => load_semi_gan(dir, &device)?,
        None => None,
    };
    let classifier = match stored {
        Some((model, m))
            if m.training == training && m.labelled == labelled && m.discriminator == config =>
        {
            eprintln!("evaluating the classifier already trained in the --out directory");
            model
        }
        _ => {
            let bar = ProgressBar::new(a.steps);
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed} < {eta}]")
                    .expect("valid template"),
            );
            let model = train_semi_gan(
                &config,
                semi_generator_config(train.dim()).init(&device)?,
                training,
                train,
                &labelled,
                &device,
                |s| {
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
                },
            )?;
            bar.finish_and_clear();
            model
        }
    };
    let error = class_error(&classifier, test, &device)?;
    if let Some(dir) = &a.out {
        let manifest = SemiGanManifest {
            discriminator: config,
            training,
            labelled: labelled.clone(),
            test_error: Some(error),
            sha256: String::new(),
        };
        save_semi_gan(dir, &classifier, manifest)?;
    }
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
    };
    print_report(&report, a.json)
}
