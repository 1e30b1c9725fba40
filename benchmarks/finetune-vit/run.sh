#!/bin/sh
# ViT fine-tuning speed, Thaw vs PyTorch, alternating rounds (README.md).
#   benchmarks/finetune-vit/run.sh ROUNDS LIMIT SIZE
# Builds the release thaw, writes the seeded ViT-S/14 (scripts/golden/vit.py --vits14), extracts LIMIT Fashion-MNIST
# training images per split at SIZE px (default taps: blocks.8 + pool), then alternates `thaw finetune` (blocks 9–11,
# 1 epoch) and torch_side.py on as many token maps, printing maps/s with the load average, the medians and the ratio.
set -eu
ROUNDS=${1:-3}; LIMIT=${2:-256}; SIZE=${3:-112}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python3}
W=${TMPDIR:-/tmp}/thaw-vit-bench
mkdir -p "$W"
cd "$ROOT"
# THAW=path/to/thaw uses that release binary instead of building one here.
if [ -z "${THAW:-}" ]; then swift build -c release --product thaw >/dev/null; THAW=$ROOT/.build/release/thaw; fi
[ -f "$W/vits14.safetensors" ] || "$PY" scripts/golden/vit.py --vits14 "$W/vits14.safetensors" >/dev/null
[ -d "$W/cache$SIZE" ] || env -u OPENBLAS_CORETYPE "$THAW" extract --model dinov2-vits14 --weights "$W/vits14.safetensors" \
    --data fashion-mnist --limit "$LIMIT" --image-size "$SIZE" --dtype f32 --cache "$W/cache$SIZE" >/dev/null
TOKENS=$(( 1 + (SIZE / 14) * (SIZE / 14) ))
TRAIN=$("$THAW" cache info "$W/cache$SIZE" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["recordsPerSplit"]["train"])' 2>/dev/null || echo "$LIMIT")
: > "$W/results.txt"
for r in $(seq 1 "$ROUNDS"); do
    t=$(env -u OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS=2 "$THAW" finetune --cache "$W/cache$SIZE" --weights "$W/vits14.safetensors" \
        --epochs 1 --batch 32 --chunk 32 --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["samplesPerSecond"])')
    echo "round $r thaw $t load $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$W/results.txt"
    p=$(env -u OPENBLAS_CORETYPE "$PY" benchmarks/finetune-vit/torch_side.py "$TRAIN" "$TOKENS" 32 2 | tail -1 \
        | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["maps_per_s"])')
    echo "round $r torch $p load $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$W/results.txt"
done
"$PY" - "$W/results.txt" <<'PYEOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
thaw = [float(r[3]) for r in rows if r[2] == "thaw"]; torch = [float(r[3]) for r in rows if r[2] == "torch"]
ratios = [a / b for a, b in zip(thaw, torch)]
print(f"median thaw {statistics.median(thaw):.1f} maps/s, torch {statistics.median(torch):.1f} maps/s, "
      f"thaw/torch per round {[round(x, 2) for x in ratios]}, median {statistics.median(ratios):.2f}")
PYEOF
