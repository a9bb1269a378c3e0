//! What a checkpoint records of the training that wrote it (`train.json`: the whole
//! [`TrainConfig`], its loss, regularisers, average and both learning rules), and the check that
//! a resumed trainer continues that training and not another.

use serde_json::Value;

use crate::checkpoint::LoadedCheckpoint;
use crate::config::TrainConfig;
use crate::error::{Result, TrainError};

/// The training config as saved in each checkpoint.
pub const TRAIN_CONFIG_FILE: &str = "train.json";

/// Fields a resumed run may change: when to write checkpoints and metrics records.
const MAY_CHANGE: [&str; 2] = ["checkpoint", "log_every"];

/// `config`'s bytes for [`TRAIN_CONFIG_FILE`].
pub(crate) fn recorded(config: &TrainConfig) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(config)
        .map_err(|e| TrainError::Serialize(format!("the training config: {e}")))
}

/// Refuses to resume with `config` a checkpoint written under another training config, naming
/// the first field that differs. Checkpoints written before configs were recorded pass.
pub(crate) fn check_same_training(loaded: &LoadedCheckpoint, config: &TrainConfig) -> Result<()> {
    let Some(bytes) = loaded.files.get(TRAIN_CONFIG_FILE) else {
        return Ok(());
    };
    let corrupt = |e: String| TrainError::Checkpoint {
        path: loaded.path.clone(),
        reason: format!("{TRAIN_CONFIG_FILE}: {e}"),
    };
    let saved: Value = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    // Through the same text as the saved one: f32 fields read back as written.
    let current: Value =
        serde_json::from_slice(&recorded(config)?).map_err(|e| corrupt(e.to_string()))?;
    let (Value::Object(saved), Value::Object(current)) = (saved, current) else {
        return Err(corrupt("not an object".into()));
    };
    for (key, value) in &saved {
        if MAY_CHANGE.contains(&key.as_str()) {
            continue;
        }
        let now = current.get(key).unwrap_or(&Value::Null);
        if let Some(path) = first_difference(value, now, key) {
            return Err(TrainError::Config(format!(
                "the checkpoint {} was trained with train.{path} = {}, but the run's config now \
                 says {}; a resumed run continues the training it began (start a new run to \
                 change it)",
                loaded.path.display(),
                at(value, &path, key),
                at(now, &path, key),
            )));
        }
    }
    Ok(())
}

/// The dotted path of the first place `a` and `b` differ (`None`: equal), under `path`.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k)));
            keys.into_iter().find_map(|k| {
                let (u, v) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                first_difference(u, v, &format!("{path}.{k}"))
            })
        }
        _ if a == b => None,
        _ => Some(path.to_string()),
    }
}

/// The value at dotted `path` (which starts with `root`) inside `value`, as JSON text.
fn at(value: &Value, path: &str, root: &str) -> String {
    let mut v = value;
    for key in path
        .trim_start_matches(root)
        .split('.')
        .filter(|k| !k.is_empty())
    {
        v = v.get(key).unwrap_or(&Value::Null);
    }
    v.to_string()
}
