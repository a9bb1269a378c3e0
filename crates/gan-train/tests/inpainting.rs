//! Inpainting runs: the halves each image draws, exact resume, the reconstruction term, the
//! configurations refused, and the completions and baselines against direct computations.

use gan_data::Dataset;
use gan_nn::{DcganConfig, Half, InpaintConfig, Noise};
use gan_train::*;

mod common;
use common::{cpu, params, rng_lock};

/// 96 images of 8 × 8: a bar whose row and column depend on the index.
fn bars() -> Dataset {
    let mut values = vec![0f32; 96 * 64];
    for (i, image) in values.chunks_exact_mut(64).enumerate() {
        let (r, c) = (i % 8, (i / 8) % 6);
        for y in 0..8 {
            image[y * 8 + c] = 0.5;
        }
        for x in 0..8 {
            image[r * 8 + x] = 1.0;
        }
    }
    Dataset::new(values, vec![8, 8], None).unwrap()
}

fn config(weight: f64) -> RunConfig {
    let mut config = RunConfig::inpaint(&bars()).unwrap();
    let ModelConfig::Inpaint(model) = &mut config.model else {
        panic!("the inpaint preset builds an inpainting pair")
    };
    *model = InpaintConfig::new([1, 8, 8])
        .with_noise_dim(4)
        .with_base_channels(8);
    config.train.batch_size = 16;
    config.train.seed = 3;
    config.train.checkpoint = CheckpointConfig::new()
        .with_every_steps(Some(4))
        .with_every_minutes(None);
    config
        .train
        .inpainting
        .as_mut()
        .unwrap()
        .reconstruction_weight = weight;
    config
}

#[test]
fn each_image_draws_its_half_from_the_seed_the_batch_and_its_place() {
    let c = InpaintingConfig::all_halves();
    assert_eq!(c.half_for(1, 2, 3), c.half_for(1, 2, 3));
    let mut counts = [0usize; 4];
    for batch in 0..100 {
        for i in 0..40 {
            counts[Half::ALL
                .iter()
                .position(|&h| h == c.half_for(9, batch, i))
                .unwrap()] += 1;
        }
    }
    // 4,000 draws, 1,000 expected each (sd ≈ 27).
    assert!(
        counts.iter().all(|&n| (880..1120).contains(&n)),
        "{counts:?}"
    );
    let one = InpaintingConfig {
        masks: vec![Half::Left],
        reconstruction_weight: 0.0,
    };
    assert!((0..50).all(|i| one.half_for(0, i, i as usize) == Half::Left));
}

#[test]
fn an_inpainting_run_resumes_bit_for_bit() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    let config = config(100.0);
    let mut first = InpaintTrainer::inpaint(&config, bars(), &cpu())
        .unwrap()
        .create_run(dir.path(), &config.model)
        .unwrap();
    first.train(&Until::steps(4), &mut []).unwrap();
    drop(first);
    let (mut resumed, info) = InpaintTrainer::resume_inpaint(dir.path(), bars(), &cpu()).unwrap();
    assert_eq!(info.step, 4);
    resumed.train(&Until::steps(9), &mut []).unwrap();
    let mut straight = InpaintTrainer::inpaint(&config, bars(), &cpu()).unwrap();
    straight.train(&Until::steps(9), &mut []).unwrap();
    assert_eq!(params(resumed.generator()), params(straight.generator()));
    assert_eq!(
        params(resumed.discriminator()),
        params(straight.discriminator())
    );
}

#[test]
fn the_reconstruction_term_adds_lambda_times_the_mean_absolute_error() {
    let _rng = rng_lock();
    // The same seed draws the same batches, masks and noise whatever λ, and D's first update
    // does not depend on it: the generator losses of step 0 differ by λ · mean |G − x|.
    let g_loss = |weight| {
        let mut t = InpaintTrainer::inpaint(&config(weight), bars(), &cpu()).unwrap();
        t.step().unwrap().g_loss
    };
    let (base, one, two) = (g_loss(0.0), g_loss(10.0), g_loss(20.0));
    let error = (one - base) / 10.0;
    // Sigmoid outputs near 0.5 against bars of 0, 0.5 and 1 on the missing half: some error.
    assert!(error > 0.01 && error < 1.0, "mean |G − x| = {error}");
    assert!(
        ((two - base) - 2.0 * (one - base)).abs() < 1e-4 * two.abs(),
        "{base} {one} {two}"
    );
}

/// Sets every parameter to zero: a generator whose every pre-activation is 0, so that its
/// sigmoid output is exactly ½ wherever it fills.
struct Zero;

impl burn::module::ModuleMapper for Zero {
    fn map_float<const R: usize>(
        &mut self,
        param: burn::module::Param<burn::tensor::Tensor<R>>,
    ) -> burn::module::Param<burn::tensor::Tensor<R>> {
        param.map(|t| t.zeros_like())
    }
}

#[test]
fn the_reconstruction_term_is_lambda_times_the_mean_absolute_error_computed_by_hand() {
    use burn::module::Module;
    let _rng = rng_lock();
    // Every image all ones, a generator that fills ½: each image's missing half (32 of its 64
    // pixels, whichever half it draws) is off by ½ and its known half is kept exactly, so
    // mean |G − x| = ½ · 32/64 = ¼ for any batch, masks and noise.
    let ones = Dataset::new(vec![1.0; 32 * 64], vec![1, 8, 8], None).unwrap();
    let g_loss = |weight| {
        let config = config(weight);
        let ModelConfig::Inpaint(model) = &config.model else {
            unreachable!()
        };
        let (g, d) = (
            model.init_generator(&cpu()).unwrap().map(&mut Zero),
            model.init_discriminator(&cpu()).unwrap(),
        );
        let mut t = Trainer::new(config.train.clone(), g, d, ones.clone(), &cpu()).unwrap();
        t.step().unwrap().g_loss
    };
    let (base, with) = (g_loss(0.0), g_loss(8.0));
    assert!(
        ((with - base) - 8.0 * 0.25).abs() < 1e-5,
        "λ = 8 added {} (expected 2)",
        with - base
    );
}

#[test]
fn bad_inpainting_configurations_are_refused() {
    let _rng = rng_lock();
    let mut empty = config(1.0);
    empty.train.inpainting.as_mut().unwrap().masks.clear();
    let mut negative = config(1.0);
    negative
        .train
        .inpainting
        .as_mut()
        .unwrap()
        .reconstruction_weight = -1.0;
    let nan = config(f64::NAN);
    let mut unset = config(1.0);
    unset.train.inpainting = None;
    for (bad, needle) in [
        (empty, "at least one mask"),
        (negative, "reconstruction_weight"),
        (nan, "reconstruction_weight"),
        (unset, "train.inpainting"),
    ] {
        let err = InpaintTrainer::inpaint(&bad, bars(), &cpu()).err().unwrap();
        assert!(err.to_string().contains(needle), "{err}");
    }
    // Players whose condition is not the known half, and data that are not images.
    let (g, d) = DcganConfig::new([1, 8, 8])
        .with_condition_dim(10)
        .init(&cpu())
        .unwrap();
    let err = Trainer::new(config(1.0).train, g, d, bars(), &cpu())
        .err()
        .unwrap();
    assert!(err.to_string().contains("inpainting pair"), "{err}");
    let flat = Dataset::new(bars().features().to_vec(), vec![64], None).unwrap();
    assert!(RunConfig::inpaint(&flat).is_err());
}

/// The row of `train` nearest to `x` on the pixels `known` says, by brute force.
fn nearest_row<'a>(train: &'a [f32], x: &[f32], known: &[bool]) -> &'a [f32] {
    train
        .chunks(64)
        .min_by(|a, b| {
            let d = |r: &[f32]| -> f64 {
                (0..64)
                    .filter(|&j| known[j])
                    .map(|j| f64::from(r[j] - x[j]).powi(2))
                    .sum()
            };
            d(a).total_cmp(&d(b))
        })
        .unwrap()
}

#[test]
fn the_baselines_and_the_completions_keep_the_known_half() {
    let _rng = rng_lock();
    let data = bars();
    let (train, test) = (&data.features()[..64 * 80], &data.features()[64 * 80..]);
    for missing in Half::ALL {
        let known: Vec<bool> = missing.keep_mask(8, 8).iter().map(|&k| k == 1.0).collect();
        let zero = zero_fill(test, [1, 8, 8], missing).unwrap();
        let near = nearest_fill(test, train, [1, 8, 8], missing, &cpu()).unwrap();
        for (i, x) in test.chunks(64).enumerate() {
            let donor = nearest_row(train, x, &known);
            for j in 0..64 {
                let (z, n) = (zero[i * 64 + j], near[i * 64 + j]);
                if known[j] {
                    assert_eq!((z.to_bits(), n.to_bits()), (x[j].to_bits(), x[j].to_bits()));
                } else {
                    assert_eq!((z, n), (0.0, donor[j]), "{missing} image {i} pixel {j}");
                }
            }
        }
    }
    assert!(zero_fill(&test[1..], [1, 8, 8], Half::Top).is_err());

    let model = InpaintConfig::new([1, 8, 8])
        .with_noise_dim(4)
        .with_base_channels(8);
    let g = model.init_generator(&cpu()).unwrap();
    let complete = |seed| {
        inpaint(
            &g,
            test,
            [1, 8, 8],
            Half::Bottom,
            Noise::Gaussian,
            seed,
            &cpu(),
        )
    };
    let (a, b) = (complete(0).unwrap(), complete(1).unwrap());
    assert_eq!(a, complete(0).unwrap());
    let keep = Half::Bottom.keep_mask(8, 8);
    let differs = (0..test.len())
        .filter(|&i| keep[i % 64] == 0.0 && a[i] != b[i])
        .count();
    assert!(differs > 0, "the seed changed no missing pixel");
    assert!((0..test.len()).all(|i| keep[i % 64] == 0.0 || a[i].to_bits() == test[i].to_bits()));
    // Part by part from one seed (as `gan inpaint` reads a file in batches): the same.
    cpu().seed(0);
    let mut parts = Vec::new();
    for part in [&test[..64 * 5], &test[64 * 5..64 * 6], &test[64 * 6..]] {
        let done = inpaint_continued(&g, part, [1, 8, 8], Half::Bottom, Noise::Gaussian, &cpu());
        parts.extend(done.unwrap());
    }
    assert_eq!(parts, a);
    // A generator of other images, and a generator that is not an inpainting one.
    assert!(inpaint(&g, test, [1, 4, 4], Half::Top, Noise::Gaussian, 0, &cpu()).is_err());
    let dc = DcganConfig::new([1, 8, 8]).init_generator(&cpu()).unwrap();
    assert!(inpaint(&dc, test, [1, 8, 8], Half::Top, Noise::Gaussian, 0, &cpu()).is_err());
}
