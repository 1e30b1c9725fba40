#!/bin/sh
# Linear probe vs top-block fine-tune on real Fashion-MNIST, per backbone, on the same subset:
#   thaw extract --model M --data fashion-mnist --limit L   (the default taps: the boundary map + pool)
#   thaw sweep   --tap pool                                  (the default grid: linear heads, lr × weight decay)
#   thaw finetune --epochs E                                 (the registry's default boundary, every other flag default)
# Prints each step's figures and a Markdown table (extraction rate, probe and fine-tune test top-1, fine-tune
# speed) with the load average. Run under `nice -n 5`; OPENBLAS_CORETYPE is unset (the SkylakeX kernel).
# Usage: benchmarks/compare/fashion_mnist_backbones.sh [LIMIT] [EPOCHS] [MODELS…]   (from the repository root)
set -eu
LIMIT=${1:-1000}; EPOCHS=${2:-3}
shift 2 2>/dev/null || shift $#
MODELS=${*:-mobilenet-v2 efficientnet-lite0 efficientnet-lite1 efficientnet-lite2}
THAW=${THAW_BIN:-.build/release/thaw}
DIR=${COMPARE_DIR:-$(mktemp -d)}
ROWS="$DIR/rows.txt"; : >"$ROWS"
for m in $MODELS; do
    c="$DIR/$m"; rm -rf "$c"
    echo "== $m  (load $(cut -d' ' -f1-3 /proc/loadavg))"
    x=$(env -u OPENBLAS_CORETYPE nice -n 5 "$THAW" extract --model "$m" --data fashion-mnist --limit "$LIMIT" --cache "$c" | tee /dev/stderr)
    rate=$(echo "$x" | sed -n 's/^extracted .*(\([0-9.]*\) samples\/s).*/\1/p')
    s=$(env -u OPENBLAS_CORETYPE nice -n 5 "$THAW" sweep --cache "$c" --tap pool | tee /dev/stderr)
    probe=$(echo "$s" | sed -n 's/^best (\*) on test: top-1 \([0-9.]*\)%.*/\1/p')
    f=$(env -u OPENBLAS_CORETYPE nice -n 5 "$THAW" finetune --cache "$c" --epochs "$EPOCHS" | tee /dev/stderr)
    from=$(echo "$f" | sed -n 's/^note: --from \([^ ]*\) .*/\1/p')
    ft=$(echo "$f" | sed -n 's/^test  *top-1 \([0-9.]*\)%.*/\1/p')
    speed=$(echo "$f" | sed -n 's/^speed  *\([0-9.]*\) maps.*/\1/p')
    trained=$(echo "$f" | sed -n 's/^trained  *\(.*\)$/\1/p')
    echo "| $m | $rate | $probe | $from | $trained | $ft | $speed | $(cut -d' ' -f1-3 /proc/loadavg) |" >>"$ROWS"
done
echo
echo "Fashion-MNIST, thaw extract --limit $LIMIT (per split), sweep on pool (default grid), finetune --epochs $EPOCHS from the default boundary"
echo "| model | extract (img/s) | linear probe test top-1 (%) | boundary | trained | fine-tune test top-1 (%) | fine-tune (maps/s) | load average |"
echo "|---|---|---|---|---|---|---|---|"
cat "$ROWS"
