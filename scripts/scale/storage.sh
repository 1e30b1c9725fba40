#!/usr/bin/env bash
# Bytes per record on disk for every model whose weights install offline, with its default taps
# (pool + the fine-tuning boundary map) and with pool alone, as f16 and f32 (docs/scale.md's table).
# Each combination extracts a small cache and reads `thaw cache info`'s "disk" line (LMDB pages per
# record, measured, not estimated).
#
#   scripts/scale/storage.sh THAW IMAGE_FOLDER [OUT]
#
# IMAGE_FOLDER: a class-per-folder of images (e.g. a few classes of make_images.py's output); text
# models read the BBC News shortcut. Runs under nice -n ${NICE:-10}. Prints one table row per combination.
set -euo pipefail
THAW=${1:?usage: storage.sh THAW IMAGE_FOLDER [OUT]}
IMAGES=${2:?usage: storage.sh THAW IMAGE_FOLDER [OUT]}
OUT=${3:-$(mktemp -d)}
NICE=${NICE:-10}
mkdir -p "$OUT"
echo "# $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-18s %-22s %-5s %8s %12s %s\n' model taps dtype records "B/record" "stored B/record (page overhead)"
for model in efficientnet-lite0 efficientnet-lite1 efficientnet-lite2 mobilenet-v2 all-minilm-l6-v2; do
  if [ "$model" = all-minilm-l6-v2 ]; then data=bbc-news; limit=(--limit 8); else data=$IMAGES; limit=(); fi
  for taps in default pool; do
    for dtype in f16 f32; do
      cache="$OUT/$model-$taps-$dtype"
      rm -rf "$cache" "$cache.runs"
      tapargs=()
      [ "$taps" = pool ] && tapargs=(--tap pool)
      nice -n "$NICE" "$THAW" extract --model "$model" --data "$data" "${limit[@]}" --cache "$cache" "${tapargs[@]}" --dtype "$dtype" \
        > "$cache.log" 2>&1 || { echo "storage: $model $taps $dtype failed, see $cache.log" >&2; exit 1; }
      info=$("$THAW" cache info "$cache")
      names=$(echo "$info" | awk '/^tap / {printf "%s%s", sep, $2; sep="+"}')
      records=$(echo "$info" | awk '/^records/ {print $2}')
      disk=$(echo "$info" | grep -a '^disk' | sed -E 's/^disk +//')
      perrec=$(echo "$disk" | grep -oE '^[0-9]+')
      stored=$(echo "$disk" | grep -oE 'for [0-9]+ B stored \([0-9.]+% page overhead\)' | sed -E 's/^for //')
      printf '%-18s %-22s %-5s %8s %12s %s\n' "$model" "$names" "$dtype" "$records" "$perrec" "$stored"
      rm -rf "$cache" "$cache.runs" "$cache.log"
    done
  done
done
