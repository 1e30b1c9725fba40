#!/bin/sh
# End-to-end extraction (decode + resize + forward + fp16 + LMDB write) against the engine's pure
# forward, EfficientNet-Lite0 at 224, batch 16, alternating ROUNDS times on an idle machine.
#   sh benchmarks/extract/run.sh [ROUNDS] [SAMPLES_PER_SPLIT]
# Extraction: Fashion-MNIST train+test (2 × SAMPLES_PER_SPLIT images), taps pool + blocks.11 in fp16,
# rate = samples / wall time of the whole command (start-up included). Forward: thaw-backbones-bench
# on random pixels, same batch and size, to the classifier.
set -e
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
PER_SPLIT=${2:-500}
swift build -c release --product thaw >/dev/null
swift build -c release --product thaw-backbones-bench >/dev/null
WORK=$(mktemp -d "${TMPDIR:-/tmp}/thaw-extract-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
for round in $(seq 1 "$ROUNDS"); do
  rm -rf "$WORK/cache" "$WORK/cache.runs"
  start=$(date +%s.%N)
  .build/release/thaw extract --model efficientnet-lite0 --data fashion-mnist --limit "$PER_SPLIT" \
      --cache "$WORK/cache" --tap pool --tap blocks.11 --batch 16 > "$WORK/extract.log" 2>&1
  end=$(date +%s.%N)
  .build/release/thaw-backbones-bench --only lite0-b16 --seconds 20 > "$WORK/forward.json"
  python3 - "$start" "$end" "$PER_SPLIT" "$WORK/forward.json" "$round" <<'PY'
import json, sys
start, end, per_split, fwd, rnd = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
forward = json.loads(open(fwd).read().strip().splitlines()[-1])
end_to_end = 2 * per_split / (end - start)
print(f"round {rnd}: extract {end_to_end:6.2f} samples/s   forward {forward['images_per_s']:6.2f} images/s   "
      f"extract/forward {end_to_end / forward['images_per_s']:.3f}")
PY
done
