//! Spectral normalisation (Miyato et al. 2018) of every weight of any Burn module: each
//! weight `W` is used as `W / σ(W)`, with `σ(W)` its largest singular value estimated by one
//! step of power iteration per discriminator update, as SN-GAN trains.
//!
//! The stored parameters stay the raw weights that the optimiser updates. For each forward pass
//! the trainer maps a copy of the module to its normalised form ([`SpectralNorm::normalise`]):
//! `σ = uᵀ W v` with the power-iteration vectors held constant, so the gradient reaches `W`
//! through `σ` as well, exactly as PyTorch's `spectral_norm` differentiates it. The vectors are
//! training state, saved in each checkpoint (`spectral_norm.bin`).

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Device, Distribution, Tensor, TensorData};

use crate::error::{Result, TrainError};

/// Smallest norm a power-iteration vector is divided by.
const EPS: f64 = 1e-12;

/// The power-iteration vectors of every weight of a module (parameters of rank 2 or more, in
/// the module's visiting order). A rank-`R` weight of shape `[d₀, d₁, …]` is read as the
/// `d₀ × (d₁ ⋯)` matrix: a convolution's `[out, in, kh, kw]` as PyTorch reads it, a Burn linear
/// layer's `[in, out]` as its transpose (the same singular values).
#[derive(Debug, Clone)]
pub struct SpectralNorm {
    /// `(u, v)` per weight, on the plain (non-autodiff) device.
    vectors: Vec<(Tensor<1>, Tensor<1>)>,
}

impl SpectralNorm {
    /// Vectors for `module`'s weights, `u` drawn from `N(0, I)` and normalised, on the device's
    /// random stream seeded with `seed` (`v` follows from the first iteration).
    pub fn new<M: Module>(module: &M, seed: u64) -> Self {
        let shapes = weight_matrices(module);
        let Some((_, _, device)) = shapes.first() else {
            return Self {
                vectors: Vec::new(),
            };
        };
        let device = device.clone();
        device.seed(seed);
        let vectors = shapes
            .iter()
            .map(|&(rows, cols, _)| {
                let u = Tensor::<1>::random([rows], Distribution::Normal(0.0, 1.0), &device);
                let v = Tensor::<1>::zeros([cols], &device);
                (normalised(u), v)
            })
            .collect();
        Self { vectors }
    }

    /// Number of weights normalised.
    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    /// Whether the module has no weight to normalise.
    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// One step of power iteration on each of `module`'s current weights:
    /// `v ← Wᵀu / ‖Wᵀu‖`, then `u ← W v / ‖W v‖`.
    pub fn power_iteration<M: Module>(&mut self, module: &M) {
        let mut step = Iterate {
            vectors: &mut self.vectors,
            index: 0,
        };
        module.visit(&mut step);
    }

    /// The current estimates `σ = uᵀ W v` of each weight's largest singular value.
    pub fn sigmas<M: Module>(&self, module: &M) -> Vec<f64> {
        let mut read = ReadSigmas {
            vectors: &self.vectors,
            index: 0,
            sigmas: Vec::new(),
        };
        module.visit(&mut read);
        read.sigmas
    }

    /// `module` with each weight `W` replaced by `W / σ(W)`, `σ = uᵀ W v` with `u`, `v`
    /// constant: on an autodiff device the result's weights are functions of `module`'s, so a
    /// backward pass through it gives `module`'s parameters their gradients.
    pub fn normalise<M: Module>(&self, module: M) -> M {
        let mut map = Normalise {
            vectors: &self.vectors,
            index: 0,
        };
        module.map(&mut map)
    }

    /// The vectors as bytes: the count, then per weight the two lengths and the values (f32,
    /// little-endian), bit for bit.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = (self.vectors.len() as u64).to_le_bytes().to_vec();
        for (u, v) in &self.vectors {
            for t in [u, v] {
                let values = floats(t.clone())?;
                out.extend((values.len() as u64).to_le_bytes());
                out.extend(values.iter().flat_map(|x| x.to_le_bytes()));
            }
        }
        Ok(out)
    }

    /// Vectors read from [`SpectralNorm::to_bytes`], checked against this one's shapes (the
    /// same module); the values go to `device`.
    pub fn from_bytes(&self, bytes: &[u8], device: &Device) -> Result<Self> {
        let mut reader = Reader(bytes);
        let count = reader.u64()?;
        if count != self.vectors.len() as u64 {
            return Err(corrupt(&format!(
                "{count} weights saved, the module has {}",
                self.vectors.len()
            )));
        }
        let mut vectors = Vec::with_capacity(self.vectors.len());
        for (u, v) in &self.vectors {
            let u = reader.vector(u.dims()[0], device)?;
            let v = reader.vector(v.dims()[0], device)?;
            vectors.push((u, v));
        }
        if !reader.0.is_empty() {
            return Err(corrupt("trailing bytes"));
        }
        Ok(Self { vectors })
    }
}

fn corrupt(why: &str) -> TrainError {
    TrainError::Serialize(format!("spectral-norm vectors: {why}"))
}

/// The bytes of [`SpectralNorm::to_bytes`] not read yet.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn u64(&mut self) -> Result<u64> {
        let (head, tail) = self
            .0
            .split_first_chunk::<8>()
            .ok_or_else(|| corrupt("truncated"))?;
        self.0 = tail;
        Ok(u64::from_le_bytes(*head))
    }

    /// A vector of `expected` values, its saved length checked first.
    fn vector(&mut self, expected: usize, device: &Device) -> Result<Tensor<1>> {
        let n = self.u64()?;
        if n != expected as u64 {
            return Err(corrupt(&format!(
                "a vector of {n} values where {expected} fit"
            )));
        }
        let len = expected * 4;
        if self.0.len() < len {
            return Err(corrupt("truncated"));
        }
        let (head, tail) = self.0.split_at(len);
        self.0 = tail;
        let values: Vec<f32> = head
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Ok(Tensor::from_data(
            TensorData::new(values, [expected]),
            device,
        ))
    }
}

fn floats(t: Tensor<1>) -> Result<Vec<f32>> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| TrainError::Serialize(format!("spectral-norm vectors: {e:?}")))
}

fn normalised(t: Tensor<1>) -> Tensor<1> {
    let norm = t.clone().powi_scalar(2).sum().sqrt().clamp_min(EPS);
    t / norm
}

/// `(rows, cols, device)` of each weight's matrix view.
fn weight_matrices<M: Module>(module: &M) -> Vec<(usize, usize, Device)> {
    struct Shapes(Vec<(usize, usize, Device)>);
    impl ModuleVisitor for Shapes {
        fn visit_float<const R: usize>(&mut self, param: &Param<Tensor<R>>) {
            if R >= 2 {
                let w = param.val();
                let dims = w.dims();
                let rows = dims[0];
                let cols = dims[1..].iter().product();
                self.0.push((rows, cols, w.device().inner()));
            }
        }
    }
    let mut shapes = Shapes(Vec::new());
    module.visit(&mut shapes);
    shapes.0
}

/// A weight's matrix view `[d₀, d₁ ⋯]`.
fn matrix<const R: usize>(w: Tensor<R>) -> Tensor<2> {
    let dims = w.dims();
    let cols = dims[1..].iter().product::<usize>();
    w.reshape([dims[0], cols])
}

/// `uᵀ W v` for the matrix `w`, `[1, 1]`.
fn bilinear(w: Tensor<2>, u: &Tensor<1>, v: &Tensor<1>) -> Tensor<2> {
    let (rows, cols) = (u.dims()[0], v.dims()[0]);
    u.clone()
        .reshape([1, rows])
        .matmul(w)
        .matmul(v.clone().reshape([cols, 1]))
}

struct Iterate<'a> {
    vectors: &'a mut Vec<(Tensor<1>, Tensor<1>)>,
    index: usize,
}

impl ModuleVisitor for Iterate<'_> {
    fn visit_float<const R: usize>(&mut self, param: &Param<Tensor<R>>) {
        if R < 2 {
            return;
        }
        let w = matrix(param.val().inner());
        let (u, _) = &self.vectors[self.index];
        let (rows, cols) = (w.dims()[0], w.dims()[1]);
        let v = normalised(
            w.clone()
                .transpose()
                .matmul(u.clone().reshape([rows, 1]))
                .reshape([cols]),
        );
        let u = normalised(w.matmul(v.clone().reshape([cols, 1])).reshape([rows]));
        self.vectors[self.index] = (u, v);
        self.index += 1;
    }
}

struct ReadSigmas<'a> {
    vectors: &'a [(Tensor<1>, Tensor<1>)],
    index: usize,
    sigmas: Vec<f64>,
}

impl ModuleVisitor for ReadSigmas<'_> {
    fn visit_float<const R: usize>(&mut self, param: &Param<Tensor<R>>) {
        if R < 2 {
            return;
        }
        let (u, v) = &self.vectors[self.index];
        let sigma = bilinear(matrix(param.val().inner()), u, v);
        self.sigmas.push(sigma.into_scalar::<f64>());
        self.index += 1;
    }
}

struct Normalise<'a> {
    vectors: &'a [(Tensor<1>, Tensor<1>)],
    index: usize,
}

impl ModuleMapper for Normalise<'_> {
    fn map_float<const R: usize>(&mut self, param: Param<Tensor<R>>) -> Param<Tensor<R>> {
        if R < 2 {
            return param;
        }
        let (u, v) = &self.vectors[self.index];
        self.index += 1;
        param.map(|w| {
            let (u, v) = if w.is_autodiff() {
                (u.clone().autodiff(), v.clone().autodiff())
            } else {
                (u.clone(), v.clone())
            };
            let sigma = bilinear(matrix(w.clone()), &u, &v).reshape([1; R]);
            w / sigma
        })
    }
}
