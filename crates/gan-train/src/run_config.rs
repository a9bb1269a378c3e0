//! What a run directory's `config.json` holds: the players' config and the training config,
//! and how configs written by earlier versions are read.

use gan_data::Preprocessing;
use gan_nn::{DcganConfig, InpaintConfig, MlpGanConfig, PaperConvConfig};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::config::{GeneratorMasks, MomentumCount, TrainConfig};
use crate::error::{Result, TrainError};
use crate::loss_choice::LossChoice;
use crate::regularise::Regularisers;

/// The players that gan-core builds by name (the command line's presets). A user's own models
/// bring their own config type to [`RunConfig`] instead.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelConfig {
    /// The paper's MLP generator and maxout discriminator on flat samples.
    Mlp(MlpGanConfig),
    /// A DCGAN-style convolutional pair on `[C, H, W]` images.
    Dcgan(DcganConfig),
    /// The paper's convolutional CIFAR-10 pair (Figure 2d).
    PaperConv(PaperConvConfig),
    /// An inpainting pair on `[C, H, W]` images, conditioned on their known half.
    Inpaint(InpaintConfig),
}

/// A run's `config.json`: the players (`M`: [`ModelConfig`] for the built-in ones, any
/// serialisable config for a user's own) and the training algorithm.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunConfig<M = ModelConfig> {
    /// How to build the players.
    pub model: M,
    /// How to train them.
    pub train: TrainConfig,
}

impl<M: Serialize + DeserializeOwned> RunConfig<M> {
    /// Pretty JSON, as written to `config.json`.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| TrainError::Serialize(format!("run config: {e}")))
    }

    /// Parses a configuration written by any version of gan-core. Fields added since are filled
    /// with the behaviour that version had, so that old runs continue as they began: gan-core
    /// 0.1's flat layout (the paper's players beside the training fields) becomes an
    /// [`ModelConfig::Mlp`] model, a missing `generator_masks` means [`GeneratorMasks::Fresh`]
    /// and a momentum rule without `momentum_count` means [`MomentumCount::CompletedEpochs`];
    /// a missing `preprocessing` means none. Configs from before losses and regularisers were
    /// configured parts name the generator's loss in `generator_loss` (now `loss`) and keep
    /// `max_col_norm` beside the training fields (now in `regularisers`).
    pub fn from_json(text: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| TrainError::Config(format!("not valid JSON: {e}")))?;
        let value = match value {
            Value::Object(map) if map.contains_key("generator") && !map.contains_key("train") => {
                from_flat_layout(map)
            }
            Value::Object(mut map) => {
                if let Some(Value::Object(train)) = map.get_mut("train") {
                    fill_legacy_training_fields(train);
                }
                Value::Object(map)
            }
            other => other,
        };
        serde_json::from_value(value).map_err(|e| TrainError::Config(e.to_string()))
    }
}

/// gan-core 0.1 wrote one flat object: the paper's players and the training fields side by
/// side.
fn from_flat_layout(mut flat: Map<String, Value>) -> Value {
    let mut model = Map::new();
    model.insert("kind".into(), json!("mlp"));
    for key in ["generator", "discriminator"] {
        model.insert(key.into(), flat.remove(key).unwrap_or(Value::Null));
    }
    let output_bias = flat
        .remove("output_bias_from_marginals")
        .unwrap_or(json!(true));
    model.insert("output_bias_from_marginals".into(), output_bias);
    let eps = flat.remove("marginal_eps").unwrap_or(json!(1e-7));
    model.insert("marginal_eps".into(), eps);
    fill_legacy_training_fields(&mut flat);
    json!({ "model": model, "train": flat })
}

fn fill_legacy_training_fields(train: &mut Map<String, Value>) {
    if let Some(loss) = train.remove("generator_loss") {
        train.entry("loss").or_insert(loss);
    }
    train
        .entry("loss")
        .or_insert_with(|| json!(LossChoice::default()));
    let max_col_norm = train.remove("max_col_norm");
    let regularisers = train
        .entry("regularisers")
        .or_insert_with(|| json!(Regularisers::default()));
    if let (Some(c), Value::Object(r)) = (max_col_norm, regularisers)
        && r.get("max_col_norm").is_none_or(Value::is_null)
    {
        r.insert("max_col_norm".into(), c);
    }
    train
        .entry("generator_masks")
        .or_insert_with(|| json!(GeneratorMasks::Fresh));
    train
        .entry("preprocessing")
        .or_insert_with(|| json!(Preprocessing::None));
    for rule in ["d_optimizer", "g_optimizer"] {
        if let Some(Value::Object(rule)) = train.get_mut(rule)
            && rule.get("kind").and_then(Value::as_str) == Some("momentum")
        {
            rule.entry("momentum_count")
                .or_insert_with(|| json!(MomentumCount::CompletedEpochs));
        }
    }
}
