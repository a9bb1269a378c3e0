"""Runs gan-core and PyTorch alternately on the same machine and prints ours / PyTorch.

    python3 benches/compare/compare.py [--threads 1 2] [--rounds 3] [--backends flex ndarray]
        [--ours-bin PATH] [--torch-device cpu|cuda]

Run it from the repository root with a Python that has the pinned PyTorch
(`pip install -r benches/compare/requirements.txt`). It builds gan-core's timing binary
(`cargo bench --bench compare --no-run`, the release-like bench profile), then for each thread
count and each round runs every implementation once, in turn, each in a fresh process:
the train step (paper MNIST model, batch 100, float32) and the whole Parzen protocol.
Warm-up repetitions are excluded by each side; the figure compared is the median of every
measured repetition over all rounds, against PyTorch's (for Parzen, PyTorch computing each
distance tile once for the whole sigma grid, as gan-core does; `pytorch-per-sigma`, the
paper's code's way, is printed beside it). Each side also reports the CPU seconds it used per
wall-clock second of its measured repetitions. `--json FILE` also writes every timing.
On a GPU machine (`benches/compare/gpu.sh`): `--backends wgpu --torch-device cuda --ours-bin
BIN`, with BIN built elsewhere with `--features wgpu`.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# (what, repetitions per round, warm-up per round)
WORKLOADS = {"train": (40, 5), "parzen": (3, 1)}


def build_ours():
    out = subprocess.run(
        ["cargo", "bench", "--bench", "compare", "--no-run", "--message-format=json"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "compare" \
                and msg.get("executable"):
            return msg["executable"]
    sys.exit("could not find the `compare` bench executable in cargo's output")


def run(cmd, threads):
    env = dict(os.environ)
    # Same thread count everywhere: rayon (Flex, NdArray element-wise), matrixmultiply
    # (NdArray products), and PyTorch's intra-op pool (set by the script itself) and OpenMP.
    env.update(RAYON_NUM_THREADS=str(threads), MATMUL_NUM_THREADS=str(threads),
               OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    env.setdefault("GAN_MNIST_DIR", os.path.join(ROOT, "..", "shared", "data", "mnist"))
    out = subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", nargs="+", default=["flex", "ndarray"])
    parser.add_argument("--what", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--json", help="write every timing to this file")
    parser.add_argument("--ours-bin", help="gan-core's timing binary, already built")
    parser.add_argument("--torch-device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()

    ours = args.ours_bin or build_ours()
    torch_script = os.path.join(HERE, "torch_gan.py")
    results = []
    for threads in args.threads:
        for what in args.what:
            reps, warmup = WORKLOADS[what]
            commands = {f"gan-core/{b}": [ours, what, "--backend", b, "--reps", str(reps),
                                          "--warmup", str(warmup)] for b in args.backends}
            torch_args = ["--threads", str(threads), "--reps", str(reps), "--warmup", str(warmup),
                          "--device", args.torch_device]
            commands["pytorch"] = [sys.executable, torch_script, what, *torch_args]
            if what == "parzen":
                commands["pytorch-per-sigma"] = [sys.executable, torch_script, "parzen-per-sigma",
                                                 *torch_args]
            times = {name: [] for name in commands}
            cpu = {name: [] for name in commands}
            for _ in range(args.rounds):
                for name, cmd in commands.items():
                    out = run(cmd, threads)
                    times[name] += out["times"]
                    cpu[name].append(out["cpu_per_wall"])
            medians = {name: statistics.median(t) for name, t in times.items()}
            for name, t in times.items():
                results.append({"threads": threads, "what": what, "impl": name,
                                "median_s": medians[name], "n": len(t), "times": t,
                                "cpu_per_wall": cpu[name]})
            base = medians["pytorch"]
            for name, med in medians.items():
                line = (f"threads={threads} {what:6} {name:18} median {med * 1e3:9.2f} ms "
                        f"(n={len(times[name])}), {statistics.median(cpu[name]):.2f} CPU s/s")
                if name != "pytorch":
                    line += f"  /pytorch = {med / base:.3f}"
                print(line, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
