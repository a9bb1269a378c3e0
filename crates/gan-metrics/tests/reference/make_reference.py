"""Float64 reference values for gan-metrics' tests, computed independently with numpy/scipy.

Regenerate (from the repository root):

    pip install numpy==2.4.6 scipy==1.17.1
    python3 crates/gan-metrics/tests/reference/make_reference.py

It writes the input arrays (float32 .npy, the precision gan-metrics reads) and
`expected.json` next to this script. Every reference is computed in float64 from the float32
values that were written, following the published definitions:
FID (Heusel et al. 2017; sample covariance with n - 1, the square root's trace from a symmetric
eigen-decomposition, scipy.linalg.eigh), KID (Binkowski et al. 2018; unbiased MMD^2 with the
kernel (x.y/d + 1)^3), precision/recall (Kynkaanniemi et al. 2019) and density/coverage (Naeem et
al. 2020) with the k-NN radii of the `prdc` package (strict <), the mode-coverage protocol of
the mode-collapse literature, the Inception-Score formula of torch-fidelity on class
probabilities, and nearest-training-row distances for memorisation.
"""
import json
import os

import numpy as np
import scipy.linalg
from scipy.spatial.distance import cdist

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261127)


def save(name, array):
    array = np.asarray(array, dtype=np.float32)
    np.save(os.path.join(HERE, name + ".npy"), array)
    return array.astype(np.float64)


def psd_sqrt(s):
    w, v = scipy.linalg.eigh(s)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def fid(x, y):
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False, ddof=1), np.cov(y, rowvar=False, ddof=1)
    r = psd_sqrt(s1)
    w = scipy.linalg.eigvalsh(r @ s2 @ r)
    tr_sqrt = np.sqrt(np.clip(w, 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)


def kid(x, y):
    d = x.shape[1]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    m, n = len(x), len(y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1))
                 + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                 - 2 * kxy.sum() / (m * n))


def prdc(real, fake, k):
    def radii(a):
        d = cdist(a, a)
        return np.sort(d, axis=1)[:, k]  # column 0 is the row itself
    r_real, r_fake = radii(real), radii(fake)
    d = cdist(real, fake)
    inside_real = d < r_real[:, None]
    return {
        "precision": float(inside_real.any(axis=0).mean()),
        "recall": float((d < r_fake[None, :]).any(axis=1).mean()),
        "density": float(inside_real.sum(axis=0).mean() / k),
        "coverage": float((d.min(axis=1) < r_real).mean()),
    }


def modes(samples, centres, sigma, min_count):
    d = cdist(samples, centres)
    nearest = d.argmin(1)
    good = d.min(1) <= 3 * sigma
    counts = np.bincount(nearest[good], minlength=len(centres))
    return {"counts": counts.tolist(), "high_quality": int(good.sum()),
            "modes_covered": int((counts >= min_count).sum())}


def inception(probs, splits):
    scores = []
    n = len(probs)
    for i in range(splits):
        p = probs[i * n // splits:(i + 1) * n // splits]
        q = p.mean(0, keepdims=True)
        scores.append(np.exp((p * (np.log(p) - np.log(q))).sum(1).mean()))
    return {"mean": float(np.mean(scores)), "std": float(np.std(scores))}


def memorisation(samples, train, test):
    ds = cdist(samples, train).min(1)
    dt = cdist(test, train).min(1)
    return {"sample_mean": float(ds.mean()), "test_mean": float(dt.mean()),
            "sample_median": float(np.median(ds)), "test_median": float(np.median(dt)),
            "closer_than_test_p01": float((ds < np.quantile(dt, 0.01)).mean()),
            "sample_quantiles": np.quantile(ds, [0.05, 0.25, 0.5, 0.75, 0.95]).tolist(),
            "test_quantiles": np.quantile(dt, [0.05, 0.25, 0.5, 0.75, 0.95]).tolist(),
            "nearest_of_first_sample": int(cdist(samples[:1], train).argmin())}


expected = {}

# Correlated Gaussians of different means and covariances, unequal row counts.
a = rng.normal(size=(8, 8))
real = save("real", rng.normal(size=(300, 8)) @ a * 0.5)
fake = save("fake", rng.normal(size=(250, 8)) @ (a + 0.3 * rng.normal(size=(8, 8))) * 0.5 + 0.3)
test = save("test", rng.normal(size=(200, 8)) @ a * 0.5)
expected["gaussian"] = {
    "fid": fid(real, fake), "fid_self": fid(real, real), "kid": kid(real, fake),
    "prdc_k5": prdc(real, fake, 5), "prdc_k3": prdc(real, fake, 3),
    "memorisation": memorisation(fake, real, test),
}

# Fewer rows than features, and two dead (constant) features: singular covariances.
wide_real = rng.normal(size=(20, 30))
wide_real[:, 3] = 0.0
wide_real[:, 17] = 1.5
wide_fake = rng.normal(size=(25, 30)) * 1.2 + 0.1
wide_fake[:, 3] = 0.0
wide_real, wide_fake = save("wide_real", wide_real), save("wide_fake", wide_fake)
expected["wide"] = {"fid": fid(wide_real, wide_fake), "kid": kid(wide_real, wide_fake),
                    "prdc_k3": prdc(wide_real, wide_fake, 3)}

# Mode coverage: samples around some centres of each mixture, with spread and outliers.
ring = np.array([[2 * np.cos(2 * np.pi * i / 8), 2 * np.sin(2 * np.pi * i / 8)] for i in range(8)])
grid = np.array([[x, y] for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)], dtype=float)
ring_samples = np.concatenate([
    ring[rng.choice(6, size=900, p=[0.3, 0.3, 0.2, 0.1, 0.08, 0.02])] + rng.normal(size=(900, 2)) * 0.03,
    rng.uniform(-3, 3, size=(100, 2)),
])
grid_samples = np.concatenate([
    grid[rng.integers(0, 20, size=1800)] + rng.normal(size=(1800, 2)) * 0.06,
    rng.uniform(-5, 5, size=(200, 2)),
])
ring_samples, grid_samples = save("ring_samples", ring_samples), save("grid_samples", grid_samples)
expected["modes"] = {"ring8": modes(ring_samples, ring, 0.02, 20),
                     "grid25": modes(grid_samples, grid, 0.05, 20),
                     "ring8_min5": modes(ring_samples, ring, 0.02, 5)}

# Class probabilities (rows of a Dirichlet draw) for the Inception-Score analogue.
probs = save("probs", rng.dirichlet(np.full(10, 0.3), size=500) * 0.999 + 0.0001)
expected["inception"] = {"splits10": inception(probs, 10), "splits1": inception(probs, 1),
                         "histogram": np.bincount(probs.argmax(1), minlength=10).tolist()}

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
    f.write("\n")
