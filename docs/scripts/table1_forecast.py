"""Where the paper preset's Parzen curve is heading (docs/table1.md).

The preset's learning rate decays as 0.1 / 1.000004^t, so by step t the run has taken the
fraction f(t) = 1 - 1.000004^-t of all the step size it will ever take (f(500,000) = 0.865,
f(1,000,000) = 0.982). Past 200,000 steps the Parzen estimates of both the 0.1 run and the
corrected run grow about linearly in f. This script fits LL = a + b f over the evaluations from --from onwards of each
run given (ordinary least squares, the residuals' spread as the noise) and prints the fitted
value at 500,000 and 1,000,000 steps and at f = 1 (training forever), with standard errors.

    python docs/scripts/table1_forecast.py docs/runs/gan-core-0.1-paper/parzen.jsonl \
        models/mnist-paper/run/parzen.jsonl
"""

import argparse
import json

import numpy as np

DECAY = 1.000004


def spent(step):
    """The fraction of the schedule's total step size taken by `step`."""
    return 1.0 - DECAY ** (-np.asarray(step, dtype=np.float64))


def read(path):
    """(steps, means) of a parzen.jsonl, the last record winning for a repeated step."""
    by_step = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                record = json.loads(line)
                by_step[record["step"]] = record["mean"]
    steps = sorted(by_step)
    return np.array(steps), np.array([by_step[s] for s in steps])


def fit(f, y):
    """Least-squares line through (f, y): coefficients, their covariance, the scatter."""
    design = np.stack([np.ones_like(f), f], axis=1)
    coef, residuals, _, _ = np.linalg.lstsq(design, y, rcond=None)
    dof = len(y) - 2
    noise = float(residuals[0]) / dof if dof > 0 and len(residuals) else float("nan")
    return coef, noise * np.linalg.inv(design.T @ design), np.sqrt(noise)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("curves", nargs="+", help="parzen.jsonl files")
    parser.add_argument("--from", dest="start", type=int, default=200_000,
                        help="first step of the fit (default 200,000)")
    args = parser.parse_args()
    for path in args.curves:
        steps, means = read(path)
        keep = steps >= args.start
        if keep.sum() < 3:
            print(f"{path}: fewer than 3 evaluations from step {args.start}")
            continue
        coef, cov, noise = fit(spent(steps[keep]), means[keep])
        print(f"{path}: {keep.sum()} evaluations, steps {steps[keep][0]}..{steps[keep][-1]}, "
              f"slope {coef[1]:.1f} ± {np.sqrt(cov[1, 1]):.1f} per unit of f, "
              f"scatter about the line {noise:.2f}")
        for label, f in [("500,000 steps", spent(500_000)), ("1,000,000 steps", spent(1_000_000)),
                         ("f = 1 (forever)", 1.0)]:
            x = np.array([1.0, f])
            print(f"  {label:>16} (f = {f:.3f}): {x @ coef:6.1f} ± {np.sqrt(x @ cov @ x):.1f}")


if __name__ == "__main__":
    main()
