//! Opening a weight file with burn-store and loading it into a module with every key checked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::DType;
use burn_store::{
    KeyRemapper, ModuleSnapshot, ModuleStore, PyTorchToBurnAdapter, PytorchStore, SafetensorsStore,
};

use crate::error::{InteropError, Result};

/// A file format for PyTorch-layout weights, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightFormat {
    /// `torch.save(module.state_dict(), path)`: `.pt` or `.pth`.
    PyTorch,
    /// `safetensors.torch.save_file(module.state_dict(), path)`: `.safetensors`.
    Safetensors,
}

impl WeightFormat {
    /// The format a path's extension names.
    pub fn of(path: &Path) -> Result<Self> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("pt" | "pth") => Ok(Self::PyTorch),
            Some("safetensors") => Ok(Self::Safetensors),
            _ => Err(InteropError::UnknownFormat {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// The shape of each tensor in a weight file, by key.
pub type Shapes = BTreeMap<String, Vec<usize>>;

/// A weight file opened for reading.
pub(crate) struct WeightFile {
    path: PathBuf,
    store: Store,
}

enum Store {
    PyTorch(Box<PytorchStore>),
    Safetensors(Box<SafetensorsStore>),
}

impl WeightFile {
    /// Opens `path` (nothing is read until [`WeightFile::shapes`]). Indices are kept as they
    /// are in the file: the callers map them explicitly.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let store = match WeightFormat::of(path)? {
            WeightFormat::PyTorch => Store::PyTorch(Box::new(
                PytorchStore::from_file(path).map_indices_contiguous(false),
            )),
            WeightFormat::Safetensors => Store::Safetensors(Box::new(
                SafetensorsStore::from_file(path)
                    .map_indices_contiguous(false)
                    .with_from_adapter(PyTorchToBurnAdapter),
            )),
        };
        Ok(Self {
            path: path.to_path_buf(),
            store,
        })
    }

    /// Every tensor's shape; a tensor that is not float32 is refused, naming it.
    pub(crate) fn shapes(&mut self) -> Result<Shapes> {
        let tensors = match &mut self.store {
            Store::PyTorch(s) => s.get_all_tensors().map_err(|e| e.to_string()),
            Store::Safetensors(s) => s.get_all_tensors().map_err(|e| e.to_string()),
        }
        .map_err(|reason| InteropError::Read {
            path: self.path.clone(),
            reason,
        })?;
        let mut shapes = Shapes::new();
        // A hostile file may claim shapes far beyond its bytes; the module built from them
        // would then exhaust memory. Float32 data takes 4 bytes a value in either format.
        let file_len = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        let mut claimed: u64 = 0;
        for (name, tensor) in tensors {
            if tensor.dtype != DType::F32 {
                return Err(InteropError::Layout {
                    path: self.path.clone(),
                    reason: format!(
                        "{name} is {:?}; save the state dict in float32 (module.float())",
                        tensor.dtype
                    ),
                });
            }
            let values = tensor
                .shape
                .iter()
                .try_fold(1u64, |n, &d| n.checked_mul(d as u64));
            claimed = values
                .and_then(|v| v.checked_mul(4))
                .and_then(|b| claimed.checked_add(b))
                .unwrap_or(u64::MAX);
            if claimed > file_len {
                return Err(InteropError::Layout {
                    path: self.path.clone(),
                    reason: format!(
                        "{name} has shape {:?}: the tensors claim more than the file's {file_len} bytes",
                        tensor.shape.to_vec()
                    ),
                });
            }
            shapes.insert(name.clone(), tensor.shape.to_vec());
        }
        Ok(shapes)
    }

    /// Loads the file into `module`, renaming keys with `renames` (file key prefix → module
    /// path prefix) and transposing linear weights from PyTorch's `[out, in]`. Every module
    /// tensor must be found and every file tensor used.
    pub(crate) fn load_into<M: Module>(
        self,
        mut module: M,
        renames: &[(String, String)],
    ) -> Result<M> {
        let remapper =
            KeyRemapper::from_patterns(renames.to_vec()).map_err(|e| InteropError::Read {
                path: self.path.clone(),
                reason: format!("key pattern: {e}"),
            })?;
        let path = self.path;
        let result = match self.store {
            Store::PyTorch(s) => module
                .load_from(&mut s.remap(remapper).allow_partial(false))
                .map_err(|e| e.to_string()),
            Store::Safetensors(s) => module
                .load_from(&mut s.remap(remapper).allow_partial(false))
                .map_err(|e| e.to_string()),
        }
        .map_err(|reason| InteropError::Read {
            path: path.clone(),
            reason,
        })?;
        let layout = |reason: String| InteropError::Layout {
            path: path.clone(),
            reason,
        };
        if let Some(error) = result.errors.first() {
            return Err(layout(error.to_string()));
        }
        if let Some((missing, _)) = result.missing.first() {
            return Err(layout(format!("no tensor for {missing}")));
        }
        if let Some(unused) = result.unused.first() {
            return Err(layout(format!("unexpected key {unused}")));
        }
        Ok(module)
    }

    pub(crate) fn layout(&self, reason: String) -> InteropError {
        InteropError::Layout {
            path: self.path.clone(),
            reason,
        }
    }
}

/// Writes `module` as a safetensors file of float32 tensors in PyTorch's orientation, renaming
/// keys with `renames` (module path prefix → file key prefix). The file is replaced atomically.
pub(crate) fn save_safetensors<M: Module>(
    module: &M,
    path: &Path,
    renames: &[(String, String)],
) -> Result<()> {
    let write_error = |reason: String| InteropError::Write {
        path: path.to_path_buf(),
        reason,
    };
    let remapper =
        KeyRemapper::from_patterns(renames.to_vec()).map_err(|e| write_error(e.to_string()))?;
    let mut store = SafetensorsStore::from_file(path)
        .overwrite(true)
        .map_indices_contiguous(false)
        .with_to_adapter(burn_store::BurnToPyTorchAdapter)
        .remap(remapper);
    module
        .save_into(&mut store)
        .map_err(|e| write_error(e.to_string()))
}

/// The key and shape of every tensor in a `.pt`/`.pth` or `.safetensors` file, as the file
/// stores them (PyTorch's `[out, in]` for linear weights); a tensor that is not float32 is
/// refused.
pub fn read_shapes(path: &Path) -> Result<Shapes> {
    WeightFile::open(path)?.shapes()
}
