//! The terms added to each player's loss inside a step, and the D the objectives read: spectral
//! normalisation's copy of D, instance noise, D's gradient penalties, and G's feature matching.

use burn::tensor::Tensor;
use gan_nn::{GanDiscriminator, GanGenerator};
use gan_objective::feature_matching_loss;

use crate::error::{Result, TrainError};
use crate::penalty::{PenaltyForm, input_gradient_penalty, interpolates};
use crate::regularise::with_instance_noise;
use crate::trainer::Trainer;

impl<G, Dm, const D: usize> Trainer<G, Dm, D>
where
    G: GanGenerator<D>,
    Dm: GanDiscriminator<D>,
{
    /// D as the objectives see it in training: spectrally normalised where the run asks
    /// (gradients still reach the stored weights).
    pub(crate) fn training_discriminator(&self) -> Dm {
        let d = self.discriminator.clone();
        match &self.spectral {
            Some(sn) => sn.normalise(d),
            None => d,
        }
    }

    /// One step of spectral normalisation's power iteration, before each D update.
    pub(crate) fn iterate_spectral_norm(&mut self) {
        if let Some(sn) = &mut self.spectral {
            sn.power_iteration(&self.discriminator);
        }
    }

    pub(crate) fn instance_noise<const R: usize>(&self, x: Tensor<R>) -> Tensor<R> {
        with_instance_noise(x, self.config.regularisers.instance_noise)
    }

    /// D's gradient penalties at this update (R1 on `real`, R2 on `fake`, WGAN-GP on their
    /// interpolates): their summed value and surrogate, or `None` when none is on.
    pub(crate) fn penalties(
        &self,
        d: &Dm,
        real: &Tensor<D>,
        fake: &Tensor<D>,
        c: &Option<Tensor<2>>,
        seed: u64,
    ) -> Option<(Tensor<1>, Tensor<1>)> {
        let r = self.config.regularisers;
        let mut terms = Vec::new();
        if let Some(gamma) = r.r1 {
            let form = PenaltyForm::ZeroCentred { gamma };
            terms.push(input_gradient_penalty(
                d,
                real.clone(),
                c.clone(),
                form,
                seed,
            ));
        }
        if let Some(gamma) = r.r2 {
            let form = PenaltyForm::ZeroCentred { gamma };
            terms.push(input_gradient_penalty(
                d,
                fake.clone(),
                c.clone(),
                form,
                seed ^ 1,
            ));
        }
        if let Some(gamma) = r.gp {
            let form = PenaltyForm::OneCentred { gamma };
            let mixed = interpolates(real.clone(), fake.clone());
            terms.push(input_gradient_penalty(d, mixed, c.clone(), form, seed ^ 2));
        }
        terms
            .into_iter()
            .map(|t| (t.value, t.surrogate))
            .reduce(|(v, s), (v2, s2)| (v + v2, s + s2))
    }

    /// Feature matching (Salimans et al. 2016): `λ · mean_f (E f(x) − E f(G(z)))²` over D's last
    /// hidden layer `f` (`GanDiscriminator::features_train`) through a frozen copy of `d`, real
    /// rows treated as data; `None` when the run does not ask for it.
    pub(crate) fn feature_matching(
        &self,
        d: &Dm,
        real: Option<&Tensor<D>>,
        fake: &Tensor<D>,
        c: &Option<Tensor<2>>,
    ) -> Result<Option<Tensor<1>>> {
        let Some(weight) = self.config.feature_matching else {
            return Ok(None);
        };
        let missing = || {
            TrainError::Config(
                "feature matching needs a discriminator that exposes its features \
                 (GanDiscriminator::features_train)"
                    .into(),
            )
        };
        // Frozen here, after the early return: a run without feature matching pays nothing.
        let d = d.clone().no_grad();
        let real = real.expect("G's batch gathers its images for feature matching");
        let real = d
            .features_train(self.instance_noise(real.clone()), c.clone())
            .ok_or_else(missing)?
            .detach();
        let fake = d
            .features_train(self.instance_noise(fake.clone()), c.clone())
            .ok_or_else(missing)?;
        Ok(Some(feature_matching_loss(real, fake).mul_scalar(weight)))
    }
}
