#!/usr/bin/env bash
# Regenerates every committed golden fixture from its script (scripts/golden/*.py) in a temporary copy of
# this checkout, then compares each regenerated file with the committed one (scripts/golden/diff_goldens.py:
# floats within a relative tolerance, everything else byte for byte). Nothing in the checkout changes.
#   make goldens                      (installs requirements-goldens.txt into the venv first)
#   scripts/goldens.sh [SCRIPT.py…]   only these generators; KEEP=1 keeps the copy; RTOL=… the tolerance
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh   # python3 = the project virtual environment
GENERATORS=(half_floats.py conv_kernels.py backward_kernels.py transformer_kernels.py decode.py preprocess.py
            weights_fixtures.py hostile_weights.py wordpiece.py bert_minilm.py backbones.py mobilenet_v2.py
            heads.py finetune.py finetune_bert.py stem_backward.py resnet_finetune.py mpnet.py convnext_finetune.py finetune_mpnet.py
            mobilenet_v2_finetune.py vit.py vit_finetune.py convnext.py preprocess_bicubic.py)
[ $# -gt 0 ] && GENERATORS=("$@")
work=$(mktemp -d "${TMPDIR:-/tmp}/thaw-goldens.XXXXXX")
if [ "${KEEP:-0}" != 1 ]; then trap 'rm -rf "$work"' EXIT; fi
# The tracked files as they are in the working tree (what the tests read).
git ls-files -z | xargs -0 cp --parents -t "$work" 2>/dev/null || true
stamp="$work/.generated-after"
touch "$stamp"
sleep 1
failed=()
for g in "${GENERATORS[@]}"; do
  g=$(basename "$g")
  start=$(date +%s)
  if (cd "$work" && python3 "scripts/golden/$g") > "$work/$g.log" 2>&1; then
    echo "generated  $g ($(( $(date +%s) - start )) s)"
  else
    echo "FAILED     $g (log below)"; tail -15 "$work/$g.log" | sed 's/^/    /'; failed+=("$g")
  fi
done
status=0
python3 scripts/golden/diff_goldens.py "$PWD" "$work" "$stamp" --rtol "${RTOL:-1e-4}" || status=$?
if [ ${#failed[@]} -gt 0 ]; then echo "goldens: ${#failed[@]} generator(s) failed: ${failed[*]}"; status=1; fi
[ "${KEEP:-0}" = 1 ] && echo "regenerated copy kept in $work"
exit $status
