"""PyTorch side of the gan-core comparison: the same paper-MNIST step and Parzen protocol.

Written the way a PyTorch user would write them (nn.Linear, F.dropout, one backward pass,
torch.cdist + logsumexp for Parzen), matching gan-core's computation:

* G: z ~ N(0, I) in R^100 -> 1200 ReLU -> 1200 ReLU -> 784 sigmoid (output bias from the
  data's marginals); D: input dropout (keep 0.8), maxout 240x5, dropout 0.5, maxout 240x5,
  dropout 0.5, linear -> logit. Batch 100, float32.
* One simultaneous step as in the released code and `TrainConfig::paper_mnist()`, with
  gan-core's semantics: one set of dropout masks drawn for S = [x; G(z)], one D pass over S
  stacked (d_obj = -V/2), the non-saturating g_obj through a copy of D that takes no gradient
  and reuses S's masks on the generated rows, one backward pass, pylearn2 momentum
  (v <- mu v - lr g, theta <- theta + v) with the per-step learning-rate decay, and the four
  step statistics read back to the host as gan-core does.
* Parzen: sigma grid of 10 values log-spaced in [0.1, 1] scored on 1,000 validation rows,
  then all 10,000 test rows at the chosen sigma; 10,000 training images as the samples.
  `parzen` computes each distance tile once for the whole grid, as gan-core does;
  `parzen-per-sigma` recomputes the distances for every sigma, as the paper's released code.

Usage: python torch_gan.py train|parzen|parzen-per-sigma --threads N --reps R [--warmup W]
       [--device cpu|cuda]
Prints one JSON line: {"impl": "pytorch", "what": ..., "times": [seconds per repetition]}.
"""

import argparse
import gzip
import json
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    assert magic == 2051, path
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows * cols)
    return torch.from_numpy(pixels.astype(np.float32) / 255.0)


def mnist(data_dir):
    train_all = read_idx_images(os.path.join(data_dir, "train-images-idx3-ubyte.gz"))
    test = read_idx_images(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"))
    # The paper's split: the first 50,000 training images train, the last 10,000 validate.
    return train_all[:50_000].contiguous(), train_all[50_000:].contiguous(), test


class Maxout(nn.Module):
    def __init__(self, d_in, units, pieces):
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(d_in, units * pieces)

    def forward(self, x):
        return self.linear(x).view(x.shape[0], self.units, self.pieces).amax(dim=2)


def uniform_init(module):
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.uniform_(m.weight, -0.05, 0.05)
            nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self, marginals):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(100, 1200), nn.ReLU(),
            nn.Linear(1200, 1200), nn.ReLU(),
            nn.Linear(1200, 784),
        )
        uniform_init(self)
        p = marginals.clamp(1e-7, 1 - 1e-7)
        with torch.no_grad():
            self.net[-1].bias.copy_(torch.log(p / (1 - p)))

    def forward(self, z):
        return torch.sigmoid(self.net(z))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.h0 = Maxout(784, 240, 5)
        self.h1 = Maxout(240, 240, 5)
        self.out = nn.Linear(240, 1)
        uniform_init(self)

    def forward(self, x, masks=None):
        """Logits; `masks` (one per layer input, kept = 1/keep, dropped = 0) as in training."""
        if masks is None:
            return self.out(self.h1(self.h0(x)))
        h = self.h0(x * masks[0])
        h = self.h1(h * masks[1])
        return self.out(h * masks[2])


def draw_masks(rows, device):
    """Input dropout of every layer: keep 0.8 (scale 1.25), then keep 0.5 (scale 2)."""
    return [torch.empty(rows, width, device=device).bernoulli_(keep) / keep
            for width, keep in ((784, 0.8), (240, 0.5), (240, 0.5))]


class PaperTrainer:
    """One simultaneous D+G step of the released MNIST configuration."""

    def __init__(self, train, device):
        self.data, self.device = train, device
        self.g = Generator(train.mean(dim=0)).to(device)
        self.d = Discriminator().to(device)
        self.params = list(self.d.parameters()) + list(self.g.parameters())
        self.velocity = [torch.zeros_like(p) for p in self.params]
        self.step_count = 0
        self.order = torch.randperm(train.shape[0], device=device)

    def step(self):
        m = 100
        per_epoch = self.data.shape[0] // m
        b = self.step_count % per_epoch
        if b == 0 and self.step_count > 0:
            self.order = torch.randperm(self.data.shape[0], device=self.device)
        x = self.data[self.order[b * m:(b + 1) * m]]
        epoch = self.step_count // per_epoch
        lr = max(0.1 / 1.000004 ** self.step_count, 1e-6)
        # pylearn2's MomentumAdjustor(start=1, saturate=250), first called before training.
        mu = 0.5 + (0.7 - 0.5) * min(epoch / 249, 1.0)

        fake = self.g(torch.randn(m, 100, device=self.device))
        masks = draw_masks(2 * m, self.device)
        logits = self.d(torch.cat([x, fake.detach()]), masks)
        real_logits, fake_logits = logits[:m], logits[m:]
        d_loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
        frozen = {k: v.detach() for k, v in self.d.named_parameters()}
        fake_masks = [mask[m:] for mask in masks]
        g_logits = torch.func.functional_call(self.d, frozen, (fake, fake_masks))
        g_loss = F.softplus(-g_logits).mean()
        for p in self.params:
            p.grad = None
        (0.5 * d_loss + g_loss).backward()
        with torch.no_grad():
            grads = [p.grad for p in self.params]
            torch._foreach_mul_(self.velocity, mu)
            torch._foreach_add_(self.velocity, grads, alpha=-lr)
            torch._foreach_add_(self.params, self.velocity)
        stats = torch.stack([
            d_loss.detach(), g_loss.detach(),
            torch.sigmoid(real_logits.detach()).mean(), torch.sigmoid(fake_logits.detach()).mean(),
        ]).tolist()
        if not all(math.isfinite(v) for v in stats):
            raise FloatingPointError(f"diverged at step {self.step_count}")
        self.step_count += 1
        return stats


def parzen_mean_ll(samples, x, sigma, batch=1000):
    """Mean log p(x) under the Parzen window of `samples` with bandwidth sigma."""
    n, d = samples.shape
    log_norm = math.log(n) + d * math.log(sigma * math.sqrt(2 * math.pi))
    lls = []
    for start in range(0, x.shape[0], batch):
        d2 = torch.cdist(x[start:start + batch], samples).pow_(2)
        lls.append(torch.logsumexp(d2.mul_(-0.5 / sigma**2), dim=1) - log_norm)
    return torch.cat(lls)


def parzen_grid_mean_ll(samples, x, grid, batch=1000):
    """Mean log p(x) for every sigma of `grid`, each distance tile computed once."""
    n, d = samples.shape
    totals = [0.0] * len(grid)
    for start in range(0, x.shape[0], batch):
        d2 = torch.cdist(x[start:start + batch], samples).pow_(2)
        for i, sigma in enumerate(grid):
            log_norm = math.log(n) + d * math.log(sigma * math.sqrt(2 * math.pi))
            ll = torch.logsumexp(d2 * (-0.5 / sigma**2), dim=1) - log_norm
            totals[i] += ll.double().sum().item()
    return [t / x.shape[0] for t in totals]


def parzen_protocol(samples, valid, test, per_sigma):
    valid = valid[:1000]
    grid = np.logspace(-1, 0, 10)
    if per_sigma:
        scores = [parzen_mean_ll(samples, valid, s).mean().item() for s in grid]
    else:
        scores = parzen_grid_mean_ll(samples, valid, grid)
    sigma = float(grid[int(np.argmax(scores))])
    ll = parzen_mean_ll(samples, test, sigma).double()
    return ll.mean().item(), (ll.std(unbiased=False) / math.sqrt(ll.shape[0])).item(), sigma


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["train", "parzen", "parzen-per-sigma"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--data-dir", default=os.environ.get("GAN_MNIST_DIR", "../shared/data/mnist"))
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    train, valid, test = (t.to(device) for t in mnist(args.data_dir))
    times = []
    if args.what == "train":
        trainer = PaperTrainer(train, device)
        for _ in range(args.warmup):
            trainer.step()
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        for _ in range(args.reps):
            start = time.perf_counter()
            trainer.step()
            times.append(time.perf_counter() - start)
        extra = {}
    else:
        samples = train[:10_000].contiguous()
        with torch.no_grad():
            for i in range(args.warmup + args.reps):
                if i == args.warmup:
                    cpu_start, wall_start = time.process_time(), time.perf_counter()
                start = time.perf_counter()
                mean, se, sigma = parzen_protocol(samples, valid, test,
                                                  args.what == "parzen-per-sigma")
                if i >= args.warmup:
                    times.append(time.perf_counter() - start)
        extra = {"mean": mean, "se": se, "sigma": sigma}
    cpu_per_wall = (time.process_time() - cpu_start) / (time.perf_counter() - wall_start)
    print(json.dumps({"impl": "pytorch", "what": args.what, "times": times, **extra,
                      "cpu_per_wall": cpu_per_wall,
                      "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "device": torch.cuda.get_device_name() if args.device == "cuda" else "cpu"}))


if __name__ == "__main__":
    main()
