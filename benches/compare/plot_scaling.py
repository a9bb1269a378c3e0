"""Plots the criterion `parzen_scaling` results: time against N (samples), with a line through
the origin, to docs/figures/parzen_scaling.png.

    cargo bench --bench parzen -- parzen_scaling
    python3 benches/compare/plot_scaling.py [--target target] [--out docs/figures/parzen_scaling.png]

Each point is criterion's median for 1,000 test rows of MNIST (d = 784) against N training
images at one σ. Needs matplotlib.
"""

import argparse
import glob
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default=os.environ.get("CARGO_TARGET_DIR", "target"))
    parser.add_argument("--out", default="docs/figures/parzen_scaling.png")
    args = parser.parse_args()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    for backend_dir in sorted(glob.glob(os.path.join(args.target, "criterion", "parzen_scaling", "*"))):
        backend = os.path.basename(backend_dir)
        points = []
        for n_dir in glob.glob(os.path.join(backend_dir, "*")):
            est = os.path.join(n_dir, "new", "estimates.json")
            if os.path.basename(n_dir).isdigit() and os.path.exists(est):
                with open(est) as f:
                    points.append((int(os.path.basename(n_dir)), json.load(f)["median"]["point_estimate"] / 1e6))
        if not points:
            continue
        points.sort()
        ns, ms = zip(*points)
        # Least-squares line through the origin: cost proportional to N.
        slope = sum(n * m for n, m in points) / sum(n * n for n in ns)
        ax.plot(ns, ms, "o", label=f"{backend} (median)")
        ax.plot([0, max(ns)], [0, slope * max(ns)], "--", label=f"{backend}: {slope * 1e3:.1f} ms per 1,000 samples")
        gflops = [2 * n * 1000 * 784 / (m / 1e3) / 1e9 for n, m in points]
        print(backend, [f"N={n}: {m:.1f} ms, {g:.0f} GFLOP/s" for (n, m), g in zip(points, gflops)])
    ax.set_xlabel("N (samples)")
    ax.set_ylabel("time (ms), 1,000 test rows, d = 784")
    ax.set_title("Parzen window: cost against N")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out)
    print(args.out)


if __name__ == "__main__":
    main()
