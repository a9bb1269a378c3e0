#!/usr/bin/env bash
# Issue #14's GPU comparison in one run, on a machine with an NVIDIA GPU, Vulkan and PyTorch
# with CUDA: gan-core on wgpu against PyTorch's eager CUDA, same card, same workloads as
# compare.py (the paper's training step, the Parzen protocol), then the kernel launches of one
# gan-core step by kind.
#
# Build the timing binary where cargo can fetch (the GPU machines have no network), then carry
# it over:
#     cargo bench --bench compare --features wgpu --no-run   # prints the executable's path
#     cp target/release/deps/compare-<hash> compare-wgpu
#     bash benches/compare/gpu.sh ./compare-wgpu OUT_DIR
# Writes OUT_DIR/gpu.txt (card and driver), OUT_DIR/gpu_compare.{txt,json} and
# OUT_DIR/launches.txt. `GPU_ROUNDS` (default 2) sets compare.py's rounds; `GPU_ONLY=launches`
# skips the comparison (how the script's wgpu path is checked on a software Vulkan driver, with
# `GPU_WARMUP=2 GPU_EXTRA_STEPS=5`).
set -euo pipefail
bin=$(realpath "$1")
out=$(realpath -m "${2:-gpu-out}")
mkdir -p "$out"
cd "$(dirname "$0")/../.."
export GAN_MNIST_DIR="${GAN_MNIST_DIR:-$PWD/../shared/data/mnist}"
python=${PYTHON:-python3}

{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  "$python" -c "import torch; print('torch', torch.__version__, torch.cuda.is_available() and torch.cuda.get_device_name())"
} | tee "$out/gpu.txt"

warmup=${GPU_WARMUP:-20}
extra=${GPU_EXTRA_STEPS:-100}

# The comparison: one CPU thread drives each side.
[ "${GPU_ONLY:-}" = launches ] || "$python" benches/compare/compare.py --ours-bin "$bin" --backends wgpu --torch-device cuda \
  --threads 1 --rounds "${GPU_ROUNDS:-2}" --json "$out/gpu_compare.json" | tee "$out/gpu_compare.txt"

# Launches per step: CubeCL's profiler logs every kernel it runs (and times it, which
# synchronises: the timings of these two runs are not the step's). Two runs that differ by 100
# measured steps, after the same warm-up, cancel start-up, compilation and autotuning.
count() {
  local log="$out/kernels-$1.log"
  rm -f "$log"
  CUBECL_DEBUG_LOG="$log" CUBECL_DEBUG_OPTION=profile \
    "$bin" train --backend wgpu --warmup "$warmup" --reps "$1" >/dev/null
  grep -E '^\| +[0-9.]+ *[mµn]?s +\|' "$log" | awk -F'|' '{ sub(/_[0-9a-f]+ *$/, "", $3); gsub(/ /, "", $3); print $3 }'
}
count 1 | sort | uniq -c > "$out/kernels-short.txt"
count $((extra + 1)) | sort | uniq -c > "$out/kernels-long.txt"
join -1 2 -2 2 -a 2 -e 0 -o 0,1.1,2.1 <(sort -k2 "$out/kernels-short.txt") \
  <(sort -k2 "$out/kernels-long.txt") |
  awk -v n="$extra" '{ per = ($3 - $2) / n; total += per; printf "%8.2f  %s\n", per, $1 }
    END { printf "%8.2f  launches per step in all\n", total }' |
  sort -rn | tee "$out/launches.txt"
rm -f "$out"/kernels-*.log
