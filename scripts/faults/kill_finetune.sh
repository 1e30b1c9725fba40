#!/usr/bin/env bash
# Fault: SIGKILL `thaw finetune --checkpoint DIR` at KILLS random moments (default 50), continuing with
# `--resume` after each (from scratch while no checkpoint exists yet). After every kill the checkpoint
# must be readable whole (atomic rename, never half a file) and no older than before the kill; every
# run that reaches the end must give the uninterrupted run's final weights (checkpoint tensors, byte
# for byte) and its metrics and per-epoch losses.
#
#   scripts/faults/kill_finetune.sh THAW_BINARY [KILLS]        (EPOCHS, default 3)
set -euo pipefail
THAW=${1:?usage: kill_finetune.sh THAW_BINARY [KILLS]}
KILLS=${2:-50}
source "$(dirname "$0")/lib.sh"
fault_setup kill_finetune
PY="python3 $FAULTS_DIR/faults.py"
CKPT=finetune-checkpoint.safetensors

tiny_cache "$WORK/c"
FT=(finetune --cache "$WORK/c" --from blocks.11 --epochs "${EPOCHS:-3}" --json)
t0=$(now_ms)
"$THAW" "${FT[@]}" --checkpoint "$WORK/ref-ck" > "$WORK/ref.json" 2> "$WORK/ref.err" || fail "reference fine-tune failed" "$WORK/ref.err"
max_ms=$(( $(now_ms) - t0 ))

# The epoch a checkpoint holds (0 if none), from its metadata.
epoch_of() {
    [ -f "$1/$CKPT" ] || { echo 0; return; }
    python3 - "$1/$CKPT" <<'PY'
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
n = struct.unpack_from("<Q", raw, 0)[0]
meta = json.loads(raw[8:8 + n]).get("__metadata__", {})
end = 8 + n + max(v["data_offsets"][1] for k, v in json.loads(raw[8:8 + n]).items() if k != "__metadata__")
assert len(raw) == end, f"checkpoint is {len(raw)} bytes, its header needs {end}"
print(meta.get("epochs_done", "?"))
PY
}

kills=0 runs=0 completed=0 epoch=0
while [ "$kills" -lt "$KILLS" ]; do
    delay=$(( RANDOM % (max_ms + 100) + 50 ))
    resume=(); [ -f "$WORK/ck/$CKPT" ] && resume=(--resume)
    run_killed "$delay" "$WORK/run.json" "$THAW" "${FT[@]}" --checkpoint "$WORK/ck" "${resume[@]}"
    runs=$((runs + 1))
    if [ "$KILLED" = 1 ]; then
        kills=$((kills + 1))
        now=$(epoch_of "$WORK/ck") || fail "after kill $kills the checkpoint is damaged"
        if [ "$now" != "?" ] && [ "$epoch" != "?" ]; then
            [ "$now" -ge "$epoch" ] || fail "after kill $kills the checkpoint went back from epoch $epoch to $now"
        fi
        epoch=$now
    else
        $PY finetune-compare "$WORK/ref.json" "$WORK/run.json" > /dev/null || fail "run $runs (resumed) has other metrics"
        $PY safetensors-equal "$WORK/ref-ck/$CKPT" "$WORK/ck/$CKPT" > /dev/null || fail "run $runs (resumed) has other weights"
        completed=$((completed + 1)) epoch=0
        rm -rf "$WORK/ck"
    fi
done
resume=(); [ -f "$WORK/ck/$CKPT" ] && resume=(--resume)
"$THAW" "${FT[@]}" --checkpoint "$WORK/ck" "${resume[@]}" > "$WORK/final.json" 2> "$WORK/final.err" || fail "final resume failed" "$WORK/final.err"
m=$($PY finetune-compare "$WORK/ref.json" "$WORK/final.json") || fail "final metrics differ"
w=$($PY safetensors-equal "$WORK/ref-ck/$CKPT" "$WORK/ck/$CKPT") || fail "final weights differ"
echo "kill_finetune: OK, $kills kills survived over $runs runs ($completed resumed runs reached the end and matched);" \
     "final: $w, $m; reference ${max_ms} ms, total $(elapsed_s) s"
