//! The simultaneous update's objectives: one backward pass gives each player the gradient of
//! its own objective only, and with shared masks both objectives read the same dropped-out
//! `D(S)` (the released `AdversaryCost2`), for the paper's discriminator and for any
//! discriminator through the trait's default (replayed randomness). The trainer runs the two
//! objectives' backward passes apart, at once: they give the joint pass's gradients bit for bit.

use std::sync::{Mutex, MutexGuard};

use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Distribution, Tensor};
use gan_nn::*;
use gan_objective::{GeneratorLoss, discriminator_loss};

fn rng_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn grad_values<const R: usize>(grads: &mut GradientsParams, p: &Param<Tensor<R>>) -> Vec<f32> {
    grads
        .remove::<R>(p.id)
        .expect("a gradient for this parameter")
        .into_data()
        .try_into_vec::<f32>()
        .unwrap()
}

fn values(t: Tensor<2>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().unwrap()
}

fn assert_close(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!(
            (x - y).abs() <= 1e-4 * x.abs().max(1e-3),
            "{what}: {x} vs {y}"
        );
    }
}

fn players(device: &Device) -> (Generator, Discriminator) {
    let g = GeneratorConfig::new(
        4,
        vec![HiddenLayerConfig::new(8, ActivationConfig::Relu)],
        6,
    )
    .init(device)
    .unwrap();
    let d = DiscriminatorConfig::new(
        6,
        vec![MaxoutLayerConfig::new(5, 3)],
        vec![
            InputDropoutConfig::new(0.8, 1.25),
            InputDropoutConfig::new(0.5, 2.0),
        ],
    )
    .with_init(Initializer::Uniform {
        min: -0.5,
        max: 0.5,
    })
    .init(device)
    .unwrap();
    // Burn initialises parameters on first use: do it now, so that no initialisation draws
    // from the random streams the masks come from.
    let _ = d.forward(g.forward(Tensor::zeros([1, 4], device)));
    (g, d)
}

/// The paper's discriminator behind the trait's default `logits_shared`, which replays the
/// device's random stream instead of holding masks.
#[derive(Module, Debug)]
struct Replaying {
    inner: Discriminator,
}

impl GanDiscriminator<2> for Replaying {
    fn logits(&self, x: Tensor<2>, _c: Option<Tensor<2>>) -> Tensor<2> {
        self.inner.forward(x)
    }

    fn logits_train(&self, x: Tensor<2>, _c: Option<Tensor<2>>) -> Tensor<2> {
        self.inner.forward_train(x)
    }
}

/// Checks `d.logits_shared` against each objective's gradient taken alone, through the masks
/// drawn again after `seed_masks` re-seeds the stream the shared pass drew them from.
fn check<Dm: GanDiscriminator<2>>(
    device: &Device,
    g: &Generator,
    d: &Dm,
    d_inner: &Discriminator,
    seed_masks: impl Fn(),
) {
    let x = Tensor::<2>::random([7, 6], Distribution::Default, device);
    let z = Tensor::<2>::random([7, 4], Distribution::Normal(0.0, 1.0), device);
    let loss = GeneratorLoss::NonSaturating;

    let apart = backward_apart(d, g, x.clone(), z.clone(), loss, &seed_masks);
    seed_masks();
    let shared = d.logits_shared(x.clone(), g.forward(z.clone()), None, 77);
    assert_close(
        &values(shared.fake.clone()),
        &values(shared.generator.clone()),
        "G's D(S) against D's",
    );
    let d_loss = discriminator_loss(shared.real, shared.fake);
    let mut both = (d_loss.mul_scalar(0.5) + loss.loss(shared.generator)).backward();
    let mut d_both = GradientsParams::from_module(&mut both, d);
    let mut g_both = GradientsParams::from_module(&mut both, g);
    let (mut d_apart, mut g_apart) = apart;

    // The same masks, drawn again, for each objective alone.
    seed_masks();
    let masks = d_inner.draw_masks(14, device);
    let (real_masks, fake_masks) = (masks.rows(0, 7), masks.rows(7, 7));
    let fake = g.forward(z);
    let d_only = discriminator_loss(
        d_inner.forward_masked(x, &real_masks),
        d_inner.forward_masked(fake.clone().detach(), &fake_masks),
    )
    .mul_scalar(0.5);
    let mut d_ref = GradientsParams::from_grads(d_only.backward(), d_inner);
    let g_only = loss.loss(d_inner.forward_masked(fake, &fake_masks));
    let mut g_ref = GradientsParams::from_grads(g_only.backward(), g);
    for w in [&d_inner.hidden[0].linear.weight, &d_inner.output.weight] {
        let joint = grad_values(&mut d_both, w);
        assert_eq!(joint, grad_values(&mut d_apart, w), "D's gradient apart");
        assert_close(&joint, &grad_values(&mut d_ref, w), "D's gradient");
    }
    for layer in &g.layers {
        let joint = grad_values(&mut g_both, &layer.weight);
        assert_eq!(
            joint,
            grad_values(&mut g_apart, &layer.weight),
            "G's gradient apart"
        );
        assert_close(
            &joint,
            &grad_values(&mut g_ref, &layer.weight),
            "G's gradient",
        );
    }
    assert!(
        g_both.remove::<2>(d_inner.output.weight.id).is_none(),
        "G's gradients include a D parameter"
    );
    assert!(
        d_both.remove::<2>(g.layers[1].weight.id).is_none(),
        "D's gradients include a G parameter"
    );
}

/// What the trainer runs: each objective's backward pass on a thread of its own, both threads
/// at once. `(D's gradients, G's gradients)`.
fn backward_apart<Dm: GanDiscriminator<2>>(
    d: &Dm,
    g: &Generator,
    x: Tensor<2>,
    z: Tensor<2>,
    loss: GeneratorLoss,
    seed_masks: &impl Fn(),
) -> (GradientsParams, GradientsParams) {
    seed_masks();
    let shared = d.logits_shared(x, g.forward(z), None, 77);
    let d_objective = discriminator_loss(shared.real, shared.fake).mul_scalar(0.5);
    let g_objective = loss.loss(shared.generator);
    let (d, g) = (d.clone(), g.clone());
    std::thread::scope(|s| {
        let d_thread = s.spawn(move || GradientsParams::from_grads(d_objective.backward(), &d));
        let g_thread = s.spawn(move || GradientsParams::from_grads(g_objective.backward(), &g));
        (d_thread.join().unwrap(), g_thread.join().unwrap())
    })
}

#[test]
fn paper_discriminator_shares_its_masks_and_keeps_the_gradients_apart() {
    let _rng = rng_lock();
    for backend in gan_backend::test_backends() {
        let device = backend.autodiff_device();
        device.seed(5);
        let (g, d) = players(&device);
        check(&device, &g, &d, &d, || device.seed(9));

        // A fresh mask for G's pass (gan-core 0.1) reads other values.
        device.seed(9);
        let x = Tensor::<2>::random([7, 6], Distribution::Default, &device);
        let fake = g.forward(Tensor::random(
            [7, 4],
            Distribution::Normal(0.0, 1.0),
            &device,
        ));
        let shared = d.logits_shared(x, fake.clone(), None, 0);
        let fresh = d.clone().no_grad().forward_train(fake);
        assert_ne!(
            values(shared.fake),
            values(fresh),
            "fresh masks equal the shared ones"
        );
    }
}

#[test]
fn default_shared_logits_replay_the_randomness() {
    let _rng = rng_lock();
    for backend in gan_backend::test_backends() {
        let device = backend.autodiff_device();
        device.seed(6);
        let (g, d) = players(&device);
        let replaying = Replaying { inner: d.clone() };
        // The default re-seeds with the replay seed (77) before its stacked pass.
        check(&device, &g, &replaying, &replaying.inner, || {
            device.seed(77)
        });
    }
}
