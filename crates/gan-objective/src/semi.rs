//! The objectives of semi-supervised GAN training (Salimans et al. 2016), from the `K` class
//! logits of a discriminator that treats generated data as class `K + 1` (its logit fixed at 0):
//! the GAN logit is `log Z = log Σ_k exp(l_k)` (`gan_nn::gan_logit`).

use burn::tensor::activation::{log_softmax, softplus};
use burn::tensor::{Int, Tensor};

/// The supervised loss: the mean cross-entropy of labelled rows' `K` class logits `[n, K]`
/// against their labels `[n]` (the softmax over the real classes only, as the model's
/// `p(y | x, y < K + 1)`).
pub fn supervised_loss(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    log_softmax(logits, 1)
        .gather(1, labels.unsqueeze_dim(1))
        .mean()
        .neg()
}

/// The unsupervised loss from the GAN logits `log Z` `[n, 1]` of unlabelled real rows and of
/// generated rows: `½ mean softplus(−log Z_real) + ½ mean softplus(log Z_fake)`, half the
/// standard discriminator loss `−V` (as the released code weighs it).
pub fn unsupervised_loss(real_gan_logits: Tensor<2>, fake_gan_logits: Tensor<2>) -> Tensor<1> {
    (softplus(real_gan_logits.neg(), 1.0).mean() + softplus(fake_gan_logits, 1.0).mean())
        .mul_scalar(0.5)
}

/// Feature matching, the generator's loss: the mean over features of the squared difference of
/// the batch means of the discriminator's features on real `[n, f]` and generated `[m, f]` rows.
pub fn feature_matching_loss(real_features: Tensor<2>, fake_features: Tensor<2>) -> Tensor<1> {
    (real_features.mean_dim(0) - fake_features.mean_dim(0))
        .powi_scalar(2)
        .mean()
}
