#!/usr/bin/env bash
# The whole Thaw story on all 70,000 Fashion-MNIST images (60,000 train + 10,000 test), each step timed:
#   1. extract every image through EfficientNet-Lite0 once (pool + blocks.11, fp16) and verify the cache;
#   2. a 64-head sweep on the pooled vectors (8 learning rates × 8 weight decays), best exported as a bundle;
#   3. one epoch of fine-tuning blocks 12–15 + head from the cached blocks.11 maps, exported as a bundle;
#   4. `thaw predict` of both bundles on the 10,000 test images (from the cached features);
#   5. `thaw compare` and `thaw report`.
# Prints each step's wall time, the total and the load average before and after (the machine may be shared).
# Usage: scripts/demo_full.sh [path/to/thaw]      (make demo-full)
#   DEMO_FULL_CACHE=dir   cache folder (default cache/demo-full-fashion-mnist; removed first unless DEMO_FULL_KEEP=1,
#                         so the extraction is timed from scratch — with DEMO_FULL_KEEP=1 it resumes instead)
#   DEMO_FULL_LIMIT=N     at most N images per split (a quick check of the script; the headline figure is without it)
#   DEMO_FULL_PRECISION=bf16  fine-tune with bfloat16 GEMMs (`thaw finetune --precision bf16`: CPUs with AVX512-BF16 only;
#                         default f32)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh   # python3 = the project virtual environment
THAW=${1:-.build/release/thaw}
FM=${DEMO_FULL_CACHE:-cache/demo-full-fashion-mnist}
LIMIT=()
if [ -n "${DEMO_FULL_LIMIT:-}" ]; then LIMIT=(--limit "$DEMO_FULL_LIMIT"); fi
PRECISION=${DEMO_FULL_PRECISION:-f32}
WEIGHT_DECAYS=0,1e-5,3e-5,1e-4,3e-4,1e-3,3e-3,1e-2   # × the 8 default learning rates = 64 heads

[ -x "$THAW" ] || { echo "error: no thaw binary at $THAW. Fix: make build (or pass the binary's path)" >&2; exit 1; }
step() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
names=() seconds=()
# timed NAME COMMAND…: runs the command, records its wall time under NAME.
timed() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  names+=("$name")
  seconds+=("$(python3 -c "print(f'{$t1 - $t0:.1f}')")")
  echo "--- $name: ${seconds[-1]} s"
}
run_ids() {   # the cache's run ids except extractions and the ids in "$1", oldest first
  "$THAW" runs --cache "$FM" --json | python3 -c '
import json, sys
earlier = set(sys.argv[1].split())
print(" ".join(r["id"] for r in json.load(sys.stdin)["entries"] if r["kind"] != "extract" and r["id"] not in earlier))' "${1:-}"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "${DEMO_FULL_KEEP:-0}" != 1 ] && [ -e "$FM" ]; then
  echo "removing $FM (its runs and bundles too) from a previous run, so the extraction is timed from scratch (DEMO_FULL_KEEP=1 keeps it)"
  rm -rf "$FM" "$FM".runs "$FM".*.safetensors "$FM".*.csv "$FM".report.html   # the runs are the old cache's history
fi
mkdir -p "$(dirname "$FM")"
start=$(date +%s.%N)

step "thaw doctor (CPU, OpenBLAS kernel, sgemm speed)"
"$THAW" doctor --seconds 1

step "1. thaw extract: ${DEMO_FULL_LIMIT:+at most $DEMO_FULL_LIMIT per split of }all 70,000 Fashion-MNIST images through EfficientNet-Lite0 -> $FM (pool + blocks.11, fp16)"
timed extract "$THAW" extract --model efficientnet-lite0 --data fashion-mnist --cache "$FM" --tap pool --tap blocks.11 --dtype f16 \
  ${LIMIT[@]+"${LIMIT[@]}"}
timed verify "$THAW" cache verify "$FM"

earlier_runs=$(run_ids)   # with DEMO_FULL_KEEP=1, the runs before this one: compare shows only this run's

step "2. thaw sweep: 64 linear heads (8 learning rates × 8 weight decays) on the pooled vectors"
timed sweep "$THAW" sweep --cache "$FM" --tap pool --weight-decay "$WEIGHT_DECAYS" --export-best "$FM.best-head.safetensors"

step "3. thaw finetune: blocks 12–15 + head, one epoch from the cached blocks.11 maps ($PRECISION GEMMs)"
timed finetune "$THAW" finetune --cache "$FM" --from blocks.11 --epochs 1 --precision "$PRECISION" --export "$FM.finetuned.safetensors"

step "4. thaw predict: both bundles on the test images (10,000 without DEMO_FULL_LIMIT)"
timed predict-frozen "$THAW" predict --bundle "$FM.best-head.safetensors" --cache "$FM" --split test \
  --output "$FM.best-head.predictions.csv" --show 3
timed predict-finetuned "$THAW" predict --bundle "$FM.finetuned.safetensors" --cache "$FM" --split test \
  --output "$FM.finetuned.predictions.csv" --show 3

step "5. thaw compare and thaw report"
# shellcheck disable=SC2046  # one argument per run id
timed compare "$THAW" compare --cache "$FM" $(run_ids "$earlier_runs")
timed report "$THAW" report --cache "$FM" -o "$FM.report.html"

total=$(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')")
step "wall time per step"
for i in "${!names[@]}"; do printf '%-18s %8s s\n' "${names[$i]}" "${seconds[$i]}"; done
printf '%-18s %8s s  (%s)\n' total "$total" "$(python3 -c "t = $total; print(f'{int(t // 60)} min {t % 60:.0f} s')")"
echo "load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
echo "report: $FM.report.html"
