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
  local round=$1 mode=$2 bin=$3 budget=$4
  local before after wall cpu peak result
  before=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -v -o "$OUT/time-$round-$mode.txt" nice -n "$NICE" "$bin" "${ARGS[@]}" --memory-budget "$budget" \
    > "$OUT/finetune-$round-$mode.out" 2> "$OUT/finetune-$round-$mode.log"
  after=$(cut -d' ' -f1 /proc/loadavg)
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$OUT/time-$round-$mode.txt")
  cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {print u + s}' "$OUT/time-$round-$mode.txt")
  peak=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$OUT/time-$round-$mode.txt")
  result=$(grep -a -i 'test' "$OUT/finetune-$round-$mode.out" | tail -1 | tr -s ' ' | cut -c1-100 || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$wall" "$cpu" "$peak" "$before" "$after" "$result" | tee -a "$TSV"
}

echo "finetune_stream: $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
for r in $(seq "$FIRST" $((FIRST + ROUNDS - 1))); do
  # Alternate which mode goes first, so a load trend does not favour one of them.
  if [ $((r % 2)) -eq 1 ]; then
    run "$r" memory "$THAW" "$MEMORY"; run "$r" streamed "$THAW" "$BUDGET"; [ -z "$BEFORE" ] || run "$r" before "$BEFORE" "$BUDGET"
  else
    [ -z "$BEFORE" ] || run "$r" before "$BEFORE" "$BUDGET"; run "$r" streamed "$THAW" "$BUDGET"; run "$r" memory "$THAW" "$MEMORY"
  fi
done
awk -F'\t' 'NR > 1 { w[$2] = w[$2] " " $3; c[$2] = c[$2] " " $4; p[$2] = p[$2] " " $5; if ($2 == "memory") mw[$1] = $3; if ($2 == "streamed") sw[$1] = $3; if ($2 == "before") bw[$1] = $3 }
  function median(s,   a, n, i, j, t) {   # insertion sort: mawk has no asort
    n = split(s, a, " ")
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    for (m in w) printf "finetune_stream: %-8s median wall %.1f s, CPU %.1f s, peak RSS %d MiB\n", m, median(w[m]), median(c[m]), median(p[m])
    for (r in mw) {
      if (r in sw) printf "finetune_stream: round %s streamed/in-memory wall %.2f\n", r, sw[r] / mw[r]
      if (r in bw) printf "finetune_stream: round %s before/in-memory wall %.2f\n", r, bw[r] / mw[r]
    }
  }' "$TSV"
