"""End-to-end check of a paper-preset model against PyTorch (docs/interop.md).

1. `gan export --format safetensors` writes the generator as a PyTorch state dict; PyTorch
   loads it strictly into the `nn.Sequential` of docs/interop.md.
2. For 64 Gaussian codes, PyTorch's G(z) is compared with `gan generate`'s.
3. PyTorch's `torch.save` of G's state dict is imported back with `gan import`, and its
   `gan generate` outputs are compared with the model's own (they should be identical).

Usage: python docs/scripts/interop_check.py GAN_BINARY MODEL_DIR
Needs numpy, torch and safetensors (checked with torch 2.15.0 and safetensors 0.8.0).
Prints the largest absolute differences; exits 1 if step 2 exceeds 1e-5 or step 3 is not exact.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from torch import nn


def generator(widths):
    layers = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        layers += [nn.Linear(a, b), nn.Sigmoid() if i == len(widths) - 2 else nn.ReLU()]
    return nn.Sequential(*layers)


def run(*args):
    subprocess.run([str(a) for a in args], check=True, stdout=subprocess.DEVNULL)


def main():
    gan, model = sys.argv[1], Path(sys.argv[2])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        run(gan, "export", "--run-dir", model, "--format", "safetensors", "--out", tmp / "st")
        state = load_file(tmp / "st" / "generator.safetensors")
        widths = [state["0.weight"].shape[1]] + [
            state[f"{2 * k}.weight"].shape[0] for k in range(len(state) // 2)
        ]
        g = generator(widths).eval()
        g.load_state_dict(state, strict=True)

        z = np.random.default_rng(0).standard_normal((64, widths[0])).astype(np.float32)
        np.save(tmp / "z.npy", z)
        run(gan, "generate", "--run-dir", model, "--z", tmp / "z.npy", "--npy", tmp / "ours.npy")
        ours = np.load(tmp / "ours.npy")
        with torch.no_grad():
            theirs = g(torch.from_numpy(z)).numpy()
        forward = float(np.abs(ours - theirs).max())

        torch.save(g.state_dict(), tmp / "G.pt")
        run(gan, "import", "--from", tmp / "G.pt", "--preset", "paper-mnist", "--out", tmp / "imp")
        run(gan, "generate", "--run-dir", tmp / "imp", "--z", tmp / "z.npy", "--npy", tmp / "back.npy")
        round_trip = float(np.abs(np.load(tmp / "back.npy") - ours).max())

    print(f"generator widths {widths}")
    print(f"max |G_pytorch(z) - G_gan(z)| over 64 codes: {forward:.3g}")
    print(f"max |G_reimported(z) - G_gan(z)|: {round_trip:.3g}")
    sys.exit(0 if forward <= 1e-5 and round_trip == 0.0 else 1)


if __name__ == "__main__":
    main()
