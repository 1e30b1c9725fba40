#!/bin/sh
# Thaw vs PyTorch on the convolution kernels, alternating (shared machines drift), 3 rounds.
#   sh benchmarks/kernels/run.sh [seconds-per-case]
set -e
cd "$(dirname "$0")/../.."
swift build -c release --product thaw-kernels-bench >/dev/null
for round in 1 2 3; do
    .build/release/thaw-kernels-bench "${1:-2}"
    python3 benchmarks/kernels/conv_torch.py "${1:-2}"
done
