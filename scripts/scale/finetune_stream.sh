#!/usr/bin/env bash
# Streamed against in-memory fine-tuning on cached maps (docs/scale.md): `thaw finetune` of EfficientNet-Lite0's
# top (the cache's default boundary) over cached blocks.11 maps, in shuffled blocks of $BLOCK samples either way,
# so both modes train the same batches to the same weights — alternating rounds of
#   memory:    --memory-budget $MEMORY (every map fits: the blocks are slices of memory)
#   streamed:  --memory-budget $BUDGET (the maps do not fit: blocks read from LMDB, read ahead on a second thread)
#   before:    (only with BEFORE=another thaw binary) the streamed run of that binary, e.g. one without read-ahead
# each under /usr/bin/time -v and nice -n ${NICE:-5}, with the load average before and after.
#
#   scripts/scale/finetune_stream.sh THAW CACHE [ROUNDS]       e.g.
#   thaw extract --model efficientnet-lite0 --data $SCALE_DATA/in20k --cache $SCALE_DATA/ft4k --tap blocks.11 --dtype f16 --limit 4000
#   scripts/scale/finetune_stream.sh .build/release/thaw $SCALE_DATA/ft4k 2
#
# Output: one line per run (wall s, user + system CPU s, peak RSS MiB, load before → after, the final line of the
# run) in CACHE.finetunes/runs.tsv, the medians per mode and the streamed/in-memory wall ratio of each round.
set -euo pipefail
. "$(dirname "$0")/timed_runs.sh"
THAW=${1:?usage: finetune_stream.sh THAW CACHE [ROUNDS]}
CACHE=${2:?usage: finetune_stream.sh THAW CACHE [ROUNDS]}
ROUNDS=${3:-2}
FIRST=${FIRST:-1}   # number of the first round (odd: in memory first); a later call continues a series
NICE=${NICE:-5}
BUDGET=${BUDGET:-256M}
MEMORY=${MEMORY:-4G}
BLOCK=${BLOCK:-512}
EPOCHS=${EPOCHS:-1}
BEFORE=${BEFORE:-}
[ -x "$THAW" ] || { echo "finetune_stream: $THAW is not an executable. Fix: swift build -c release --product thaw" >&2; exit 2; }
[ -d "$CACHE" ] || { echo "finetune_stream: no cache $CACHE. Fix: thaw extract … --cache $CACHE --tap blocks.11 (see above)" >&2; exit 2; }
OUT="$CACHE.finetunes"
mkdir -p "$OUT"
TSV="$OUT/runs.tsv"
[ -f "$TSV" ] || printf 'round\tmode\twall_s\tcpu_s\tpeak_mib\tload_before\tload_after\tresult\n' > "$TSV"
ARGS=(finetune --cache "$CACHE" --epochs "$EPOCHS" --block-size "$BLOCK" --seed 1)

run() {   # run ROUND MODE BINARY BUDGET
  local round=$1 mode=$2 bin=$3 budget=$4 result
  timed_run "$OUT" "finetune-$round-$mode" "$bin" "${ARGS[@]}" --memory-budget "$budget"
  result=$(grep -a -i 'test' "$OUT/finetune-$round-$mode.out" | tail -1 | tr -s ' ' | cut -c1-100 || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$WALL" "$CPU" "$PEAK" "$LOAD_BEFORE" "$LOAD_AFTER" "$result" | tee -a "$TSV"
}

machine_line finetune_stream
for r in $(seq "$FIRST" $((FIRST + ROUNDS - 1))); do
  # Alternate which mode goes first, so a load trend does not favour one of them.
  if [ $((r % 2)) -eq 1 ]; then
    run "$r" memory "$THAW" "$MEMORY"; run "$r" streamed "$THAW" "$BUDGET"; [ -z "$BEFORE" ] || run "$r" before "$BEFORE" "$BUDGET"
  else
    [ -z "$BEFORE" ] || run "$r" before "$BEFORE" "$BUDGET"; run "$r" streamed "$THAW" "$BUDGET"; run "$r" memory "$THAW" "$MEMORY"
  fi
done
summarize_rounds finetune_stream "$TSV"
