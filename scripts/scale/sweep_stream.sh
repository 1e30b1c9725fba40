#!/usr/bin/env bash
# Streamed against in-memory sweeps on a big pooled cache (docs/scale.md): 64 linear heads (8 learning
# rates × 8 weight decays, AdamW, 10 epochs, batch 256), alternating rounds of
#   in memory:  thaw sweep … (default --memory-budget: 25% of RAM holds the tap)
#   streamed:   thaw sweep … --memory-budget 256M (every split read from LMDB, blocks read ahead)
# each under /usr/bin/time -v and nice -n ${NICE:-5}, with the load average before and after.
#
#   scripts/scale/sweep_stream.sh THAW CACHE [ROUNDS]       e.g.
#   .build/release/thaw-fit-bench --make "$SCALE_DATA/synthetic-100k" 100000 10
#   scripts/scale/sweep_stream.sh .build/release/thaw "$SCALE_DATA/synthetic-100k" 2
#
# Output: one line per run (wall s, user + system CPU s, peak RSS MiB, load before → after) in
# CACHE.sweeps/runs.tsv, the medians per mode and the streamed/in-memory ratios of each round.
set -euo pipefail
. "$(dirname "$0")/timed_runs.sh"
THAW=${1:?usage: sweep_stream.sh THAW CACHE [ROUNDS]}
CACHE=${2:?usage: sweep_stream.sh THAW CACHE [ROUNDS]}
ROUNDS=${3:-2}
FIRST=${FIRST:-1}   # number of the first round (odd: in memory first); a later call continues a series
NICE=${NICE:-5}
BUDGET=${BUDGET:-256M}
[ -x "$THAW" ] || { echo "sweep_stream: $THAW is not an executable. Fix: swift build -c release --product thaw" >&2; exit 2; }
[ -d "$CACHE" ] || { echo "sweep_stream: no cache $CACHE. Fix: thaw-fit-bench --make $CACHE 100000 10" >&2; exit 2; }
OUT="$CACHE.sweeps"
mkdir -p "$OUT"
TSV="$OUT/runs.tsv"
[ "$FIRST" -gt 1 ] && [ -f "$TSV" ] || printf 'round\tmode\twall_s\tcpu_s\tpeak_mib\tload_before\tload_after\tbest\n' > "$TSV"
ARGS=(sweep --cache "$CACHE" --tap pool --lr 1e-4,3e-4,1e-3,3e-3,1e-2,3e-2,1e-1,3e-1
      --weight-decay 0,1e-5,1e-4,3e-4,1e-3,3e-3,1e-2,1e-1 --epochs 10 --batch 256)

run() {   # run ROUND MODE [extra args…]
  local round=$1 mode=$2 best; shift 2
  timed_run "$OUT" "sweep-$round-$mode" "$THAW" "${ARGS[@]}" "$@"
  best=$(grep -a -m1 -i 'best' "$OUT/sweep-$round-$mode.out" | tr -s ' ' | cut -c1-80 || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$WALL" "$CPU" "$PEAK" "$LOAD_BEFORE" "$LOAD_AFTER" "$best" | tee -a "$TSV"
}

machine_line sweep_stream
for r in $(seq "$FIRST" $((FIRST + ROUNDS - 1))); do
  # Alternate which mode goes first, so a load trend does not favour one of them.
  if [ $((r % 2)) -eq 1 ]; then run "$r" memory; run "$r" streamed --memory-budget "$BUDGET"
  else run "$r" streamed --memory-budget "$BUDGET"; run "$r" memory; fi
done
summarize_rounds sweep_stream "$TSV"
