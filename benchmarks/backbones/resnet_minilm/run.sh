#!/bin/sh
# Alternates Thaw and PyTorch on ResNet-50 (batch 1, 32) and MiniLM (32×128), ROUNDS times, and
# prints Thaw/PyTorch throughput ratios per round (the machine drifts: compare within a round).
#   sh benchmarks/backbones/resnet_minilm/run.sh [ROUNDS]
#   MODELS=minilm sh benchmarks/backbones/resnet_minilm/run.sh 3     (one model only)
set -e
cd "$(dirname "$0")/../../.."
swift build -c release --product thaw-resnet-minilm-bench >/dev/null
BENCH=.build/release/thaw-resnet-minilm-bench
OUT=${TMPDIR:-/tmp}/thaw-resnet-minilm-bench
mkdir -p "$OUT"
for round in $(seq 1 "${1:-3}"); do
  for model in ${MODELS:-resnet50 minilm}; do
    $BENCH $model --runs 7 > "$OUT/thaw_$model.json"
    python3 benchmarks/backbones/torch_models.py --only $model --runs 7 > "$OUT/torch_$model.json"
    python - "$OUT/thaw_$model.json" "$OUT/torch_$model.json" "$round" <<'PY'
import json, sys
thaw, torch, rnd = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
peer = {(r["model"], r["batch"]): r for r in torch["results"]}
for r in thaw["results"]:
    p = peer[(r["model"], r["batch"])]
    load = open("/proc/loadavg").read().split()[0]
    print(f"round {rnd} {r['model']:18s} batch {r['batch']:3d}: thaw {r['items_per_s']:7.2f}/s  torch {p['items_per_s']:7.2f}/s  ratio {r['items_per_s'] / p['items_per_s']:.2f}  (blas {thaw['blas']}, load {load})")
PY
  done
done
