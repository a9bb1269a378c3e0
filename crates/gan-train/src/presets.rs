//! The paper's released configurations as [`RunConfig`]s: MNIST (Table 1) and the two
//! CIFAR-10 models (Figure 2c and 2d).

use gan_data::Preprocessing;
use gan_nn::{MlpGanConfig, PaperConvConfig};

use crate::config::{OptimizerConfig, TrainConfig};
use crate::run_config::{ModelConfig, RunConfig};

/// pylearn2's `gcn: 55.`, the released CIFAR-10 models' data.
pub const CIFAR10_GCN: Preprocessing = Preprocessing::GlobalContrast { scale: 55.0 };

impl RunConfig {
    /// The released MNIST configuration of the paper (Table 1): the players of
    /// [`MlpGanConfig::paper_mnist`], the training of [`TrainConfig::paper_mnist`].
    pub fn paper_mnist() -> Self {
        Self {
            model: ModelConfig::Mlp(MlpGanConfig::paper_mnist()),
            train: TrainConfig::paper_mnist(),
        }
    }

    /// [`RunConfig::paper_mnist`] for rows of `width` values instead of MNIST's 784: the
    /// generator's output and the discriminator's input resized, all else as released.
    pub fn paper_mnist_for(width: usize) -> Self {
        let mut config = Self::paper_mnist();
        if let ModelConfig::Mlp(mlp) = &mut config.model {
            mlp.generator.d_output = width;
            mlp.discriminator.d_input = width;
        }
        config
    }

    /// The released fully connected CIFAR-10 configuration (`cifar10_fully_connected.yaml`,
    /// Figure 2c): the players of [`MlpGanConfig::paper_cifar10_fc`], trained as MNIST's
    /// ([`TrainConfig::paper_mnist`]: simultaneous updates, the same dropout, batch 100,
    /// momentum 0.5 → 0.7) but with η 0.025, on rows normalised by [`CIFAR10_GCN`].
    pub fn paper_cifar10_fc() -> Self {
        let rule = OptimizerConfig::paper_momentum().with_learning_rate(0.025);
        let mut train = TrainConfig::paper_mnist();
        (train.d_optimizer, train.g_optimizer) = (rule, rule);
        train.preprocessing = CIFAR10_GCN;
        Self {
            model: ModelConfig::Mlp(MlpGanConfig::paper_cifar10_fc()),
            train,
        }
    }

    /// The released convolutional CIFAR-10 configuration (`cifar10_convolutional.yaml`,
    /// Figure 2d): the players of [`PaperConvConfig::paper_cifar10`], trained as MNIST's but
    /// with batch 128 and η 0.004, on rows normalised by [`CIFAR10_GCN`].
    pub fn paper_cifar10_conv() -> Self {
        let rule = OptimizerConfig::paper_momentum().with_learning_rate(0.004);
        let mut train = TrainConfig::paper_mnist().with_batch_size(128);
        (train.d_optimizer, train.g_optimizer) = (rule, rule);
        train.preprocessing = CIFAR10_GCN;
        Self {
            model: ModelConfig::PaperConv(PaperConvConfig::paper_cifar10()),
            train,
        }
    }
}
