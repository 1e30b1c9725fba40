#!/usr/bin/env bash
# all-mpnet-base-v2 vs all-MiniLM-L6-v2 on BBC News: the same articles for both (`--limit N` per split,
# stratified), each extracted once (the default taps: the fine-tuning boundary layer.K and pool, f16), then
# a linear-probe sweep on pool and a fine-tune of the top layers above the default boundary (same epochs,
# --l2, as the pool tap). Prints every step's wall time and the load average beside it; the figures are
# in docs/finetune.md. Run from the repository root after `swift build -c release --product thaw`:
#   scripts/compare_text_encoders.sh [OUT-DIR] [LIMIT] [EPOCHS] [BATCH]   (default: /tmp/thaw-text-compare 30 3 8)
# (a small --batch gives a few optimizer steps per epoch on few training articles: 30 / 8 → 4 steps)
# MODELS="…" picks the models (default: both, MPNet first).
# Speeds are measured with OpenBLAS' own kernel choice (OPENBLAS_CORETYPE unset) at nice 5.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/thaw-text-compare}
limit=${2:-30}
epochs=${3:-3}
batch=${4:-8}
thaw=${THAW_BIN:-.build/release/thaw}
mkdir -p "$out"
run() {   # run NAME COMMAND…: timed, with the load average before and after
  local name=$1; shift
  local load0 start
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  start=$(date +%s.%N)
  nice -n 5 env -u OPENBLAS_CORETYPE "$@" > "$out/$name.log" 2>&1
  printf '%-28s %8.1f s   load %s → %s\n' "$name" "$(echo "$(date +%s.%N) - $start" | bc)" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)"
}
for model in ${MODELS:-all-mpnet-base-v2 all-minilm-l6-v2}; do
  cache="$out/$model"
  [ -e "$cache/data.mdb" ] || run "extract $model" "$thaw" extract --model "$model" --data bbc-news --limit "$limit" --cache "$cache"
  run "sweep $model" "$thaw" sweep --cache "$cache" --tap pool --name "probe-$model"
  mkdir -p "$out/ft-$model"
  run "finetune $model" "$thaw" finetune --cache "$cache" --data bbc-news --l2 --epochs "$epochs" --batch "$batch" --chunk "$batch" --name "ft-$model" \
      --export "$out/ft-$model/model.safetensors"
done
for model in all-minilm-l6-v2 all-mpnet-base-v2; do
  echo "== $model"
  grep -E "^(extracted|speed|samples|wall)" "$out/extract $model.log" 2>/dev/null || true
  grep -E "test|best" "$out/sweep $model.log" | tail -3
  grep -E "^(note|trained|validation|test|speed)" "$out/finetune $model.log"
done
