"""Float64 reference of Table 1's Parzen protocol with real images standing in for samples.

Samples: MNIST training rows 0-9,999; sigma chosen on the first 1,000 validation rows
(training rows 50,000-50,999) from 10 values log-spaced over [0.1, 1]; the mean
log-likelihood of all 10,000 test rows and its standard error (population std / sqrt(n)).
Pixels are bytes / 255. Written independently of gan-parzen (numpy, float64 throughout,
scipy's logsumexp).

    pip install numpy==2.4.6 scipy==1.17.1
    python3 crates/gan-parzen/tests/reference/make_reference.py ../shared/data/mnist
"""

import gzip
import json
import os
import sys

import numpy as np
from scipy.special import logsumexp


def images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    n, rows, cols = (int.from_bytes(data[i : i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows * cols) / 255.0


def log_likelihoods(samples, x, sigma):
    d = samples.shape[1]
    out = np.empty(len(x))
    s2 = (samples**2).sum(1)
    for start in range(0, len(x), 500):
        block = x[start : start + 500]
        sq = (block**2).sum(1)[:, None] + s2[None, :] - 2.0 * block @ samples.T
        sq = np.maximum(sq, 0.0)
        out[start : start + 500] = logsumexp(-sq / (2 * sigma**2), axis=1)
    return out - np.log(len(samples)) - d * np.log(sigma * np.sqrt(2 * np.pi))


def main(mnist_dir):
    train = images(os.path.join(mnist_dir, "train-images-idx3-ubyte.gz"))
    test = images(os.path.join(mnist_dir, "t10k-images-idx3-ubyte.gz"))
    samples, valid = train[:10_000], train[50_000:51_000]
    grid = [float(s) for s in np.logspace(-1, 0, 10)]
    scores = [float(log_likelihoods(samples, valid, s).mean()) for s in grid]
    sigma = grid[int(np.argmax(scores))]
    ll = log_likelihoods(samples, test, sigma)
    result = {
        "sigma": sigma,
        "mean": float(ll.mean()),
        "se": float(ll.std() / np.sqrt(len(ll))),
        "grid": [{"sigma": s, "score": v} for s, v in zip(grid, scores)],
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist_protocol.json")
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
