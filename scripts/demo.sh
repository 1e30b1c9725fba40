#!/usr/bin/env bash
# The whole Thaw story on the bundled real data:
#   1. check the machine; 2. classify real photos with the pretrained EfficientNet-Lite0;
#   3. extract Fashion-MNIST features once into an LMDB cache; 4. sweep heads on the cache;
#   5. fine-tune the top blocks from the cached boundary maps; 6. apply the best frozen head and the
#   fine-tuned model to the held-out test images with `thaw predict`; 7. compare and write a report;
#   8. the same for BBC News with MiniLM, ending with predictions on new sentences.
# Usage: scripts/demo.sh [path/to/thaw]   (DEMO_LIMIT images per split, default 1500; DEMO_TEXT_LIMIT texts, default 150)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh   # python3 = the project virtual environment
THAW=${1:-.build/release/thaw}
LIMIT=${DEMO_LIMIT:-1500}
TEXT_LIMIT=${DEMO_TEXT_LIMIT:-150}
FM=cache/demo-fashion-mnist
BBC=cache/demo-bbc-news
step() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
run_ids() {   # run_ids CACHE [IDS]: CACHE's run ids except extractions and IDS, oldest first
  "$THAW" runs --cache "$1" --json | python3 -c '
import json, sys
earlier = set(sys.argv[1].split())
print(" ".join(r["id"] for r in json.load(sys.stdin)["entries"] if r["kind"] != "extract" and r["id"] not in earlier))' "${2:-}"
}
start=$(date +%s)

step "thaw doctor"
"$THAW" doctor --seconds 1

step "thaw classify: ImageNet top-3 of real photos (EfficientNet-Lite0, pretrained)"
"$THAW" classify --model efficientnet-lite0 --top 3 /usr/local/share/thaw/photos/chelsea.png \
  /usr/local/share/thaw/photos/coffee.png /usr/local/share/thaw/photos/dog.jpg

step "thaw extract: Fashion-MNIST ($LIMIT per split) through EfficientNet-Lite0 -> $FM (pool + blocks.11, fp16)"
"$THAW" extract --model efficientnet-lite0 --data fashion-mnist --limit "$LIMIT" --cache "$FM" --tap pool --tap blocks.11
"$THAW" cache verify "$FM"
earlier_runs=$(run_ids "$FM")   # a cache kept from an earlier demo has its runs: compare shows only this demo's

step "thaw sweep: 24 linear heads on the pooled features, best on validation, exported as a bundle"
"$THAW" sweep --cache "$FM" --tap pool --export-best "$FM.best-head.safetensors"
"$THAW" bundle inspect "$FM.best-head.safetensors"
step "thaw sweep: poolings of the blocks.11 map (avg, max, GeM, avg+max)"
"$THAW" sweep --cache "$FM" --tap blocks.11 --pooling avg,max,gem,avgmax --lr 0.001,0.003,0.01 --weight-decay 0.0001
step "thaw fit: an MLP head"
"$THAW" fit --cache "$FM" --tap pool --head mlp:512 --epochs 20

if "$THAW" finetune --help >/dev/null 2>&1; then
  step "thaw finetune: unfreeze blocks 12–15 + head, trained from the cached blocks.11 maps"
  "$THAW" finetune --cache "$FM" --from blocks.11 --epochs 3 --export "$FM.finetuned.safetensors"
fi

step "thaw predict: the best frozen head on the $LIMIT held-out test images, from the raw files"
"$THAW" predict --bundle "$FM.best-head.safetensors" --data fashion-mnist --limit "$LIMIT" --split test \
  --output "$FM.best-head.predictions.csv" --show 3
if [ -f "$FM.finetuned.safetensors" ]; then
  step "thaw predict: the fine-tuned model on the same test images (from the cached blocks.11 maps)"
  "$THAW" predict --bundle "$FM.finetuned.safetensors" --cache "$FM" --split test --output "$FM.finetuned.predictions.csv" --show 3
fi
step "thaw export: both bundles as ONNX; ONNX Runtime gives thaw predict's probabilities on 200 held-out test images"
"$THAW" export --bundle "$FM.best-head.safetensors" --onnx "$FM.best-head.onnx"
python3 scripts/onnx_vs_predict.py "$THAW" "$FM.best-head.safetensors" "$FM.best-head.onnx" \
  --data fashion-mnist --limit 200 --split test
if [ -f "$FM.finetuned.safetensors" ]; then
  "$THAW" export --bundle "$FM.finetuned.safetensors" --onnx "$FM.finetuned.onnx"
  python3 scripts/onnx_vs_predict.py "$THAW" "$FM.finetuned.safetensors" "$FM.finetuned.onnx" \
    --data fashion-mnist --limit 200 --split test
fi

step "thaw predict: the best frozen head on real photos (not clothes: it still picks one of its 10 classes)"
"$THAW" predict --bundle "$FM.best-head.safetensors" /usr/local/share/thaw/photos --top 2

step "thaw compare: frozen heads vs the rest"
"$THAW" runs --cache "$FM"
"$THAW" compare --cache "$FM" $(run_ids "$FM" "$earlier_runs")   # this demo's runs (earlier demos' stay listed above)
"$THAW" report --cache "$FM" -o "$FM.report.html"

step "thaw extract: BBC News ($TEXT_LIMIT per split) through all-MiniLM-L6-v2 -> $BBC"
"$THAW" extract --model all-minilm-l6-v2 --data bbc-news --limit "$TEXT_LIMIT" --cache "$BBC" --tap pool --tap layer.4
step "thaw sweep: logistic regression (L-BFGS, a path over C) and linear heads"
"$THAW" sweep --cache "$BBC" --tap pool --c-grid 12 --export-best "$BBC.topics.safetensors"
"$THAW" sweep --cache "$BBC" --tap pool
step "thaw predict: the logistic-regression bundle on new sentences"
"$THAW" predict --bundle "$BBC.topics.safetensors" --top 2 \
  "The striker scored twice in the second half as the home side won the cup final" \
  "Shares fell sharply after the bank reported a quarterly loss and cut its dividend" \
  "The new smartphone ships with a faster chip and a camera that works in the dark"
if "$THAW" finetune --help >/dev/null 2>&1; then
  step "thaw finetune: the top MiniLM layer (layer.5) + classifier, from the cached layer.4 hidden states"
  "$THAW" finetune --cache "$BBC" --from layer.4 --epochs 3 --data bbc-news
fi
step "thaw compare: frozen probes vs fine-tuned, BBC News"
"$THAW" compare --cache "$BBC" $("$THAW" runs --cache "$BBC" --json | python3 -c '
import json, sys
runs = [r for r in json.load(sys.stdin)["entries"] if r["kind"] != "extract"]
print(" ".join(r["id"] for r in runs))')
"$THAW" report --cache "$BBC" -o "$BBC.report.html"

step "done in $(( $(date +%s) - start )) s"
echo "reports: $FM.report.html  $BBC.report.html"
