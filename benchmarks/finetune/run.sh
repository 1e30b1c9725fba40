#!/bin/sh
# Alternates, for R rounds: Thaw one epoch from cached maps in RAM (thaw-finetune-bench, chunk 32),
# PyTorch from the same maps in RAM (torch_side.py) and PyTorch from raw Fashion-MNIST images
# (torch_raw.py: decode + resize + crop + frozen blocks 0-11 every epoch). Each PyTorch run does
# 2 epochs and the second (warm) one counts. Prints every figure, the medians and both ratios.
# Usage: benchmarks/finetune/run.sh [R] [rows] [batch] [bf16]   (from the repository root)
#   bf16: Thaw with --bf16 (bfloat16 GEMM operands, AVX512-BF16 CPUs) and PyTorch from maps under CPU autocast to
#         bfloat16, each engine's mixed precision; PyTorch from raw images stays float32.
set -eu
R=${1:-3}; ROWS=${2:-512}; BATCH=${3:-64}; PRECISION=${4:-f32}
case $PRECISION in
    f32) MIXED="" ;;
    bf16) MIXED="--bf16" ;;
    *) echo "run.sh: precision must be f32 or bf16, got $PRECISION" >&2; exit 2 ;;
esac
HERE=$(dirname "$0")
swift build -c release --product thaw-finetune-bench >/dev/null
OUT=$(mktemp); trap 'rm -f "$OUT"' EXIT
i=1
while [ "$i" -le "$R" ]; do
    t=$(.build/release/thaw-finetune-bench "$ROWS" "$BATCH" $MIXED | sed -n 's/.*chunk 32 .*: \([0-9.]*\) maps\/s.*/\1/p')
    m=$(python3 "$HERE/torch_side.py" "$ROWS" "$BATCH" $MIXED | sed -n 's/.*(epoch 1): \([0-9.]*\) maps\/s.*/\1/p')
    r=$(python3 "$HERE/torch_raw.py" "$ROWS" "$BATCH" 2 | tail -n 1 | sed -n 's/.*"maps_per_s": \([0-9.]*\).*/\1/p')
    echo "round $i ($PRECISION): thaw-cache $t  torch-ram $m  torch-raw $r maps/s"
    echo "$t $m $r" >>"$OUT"
    i=$((i + 1))
done
python3 - "$OUT" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
t, m, r = (statistics.median(c) for c in zip(*rows))
print("median maps/s: thaw-cache %.1f  torch-ram %.1f  torch-raw %.1f" % (t, m, r))
print("thaw-cache / torch-ram %.2f   thaw-cache / torch-raw %.2f" % (t / m, t / r))
PY
