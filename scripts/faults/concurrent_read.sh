#!/usr/bin/env bash
# Fault: readers while `thaw extract` extends a cache (commits of 8 samples). In a loop until the
# extraction ends: a Python `lmdb` reader (a registered reader: every record sound, no gaps, the
# `complete` flag agreeing with the records, never fewer records than before), `thaw sweep` (must
# refuse the incomplete cache, saying so), `thaw sweep --allow-incomplete` (trains on the committed
# part: must succeed or fail cleanly) and `thaw cache verify` (may list missing records, never a bad one).
# Once PAUSE_AT records are visible the writer is stopped (SIGSTOP, possibly inside a write transaction)
# for one pass, so the partial-cache checks run whatever the host's speed: `sweep` must refuse and
# `sweep --allow-incomplete` must succeed. 224-pixel images keep the writer busy for seconds.
#
#   scripts/faults/concurrent_read.sh THAW_BINARY
set -euo pipefail
THAW=${1:?usage: concurrent_read.sh THAW_BINARY}
LIMIT=${LIMIT:-300}
source "$(dirname "$0")/lib.sh"
EXTRACT=(extract --model "$MODEL" --data fashion-mnist --limit "$LIMIT" --image-size 224)
PAUSE_AT=${PAUSE_AT:-$((LIMIT + 16))}  # the train split (LIMIT records) and a first commit of test
fault_setup concurrent_read
PY="python3 $FAULTS_DIR/faults.py"
C="$WORK/c"
SWEEP=(sweep --cache "$C" --lr 1e-3,1e-2 --weight-decay 0 --epochs 3)

"$THAW" "${EXTRACT[@]}" --cache "$C" --commit-every 8 > "$WORK/extract.log" 2>&1 &
writer=$!
trap 'kill -9 "$writer" 2>/dev/null || true; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"' EXIT

passes=0 seen=0 refused=0 partial_ok=0 partial_clean_fail=0 verifies=0 sweeps_complete=0 paused_at=0
# Phase 1: only the Python reader (≈0.1 s a pass) until the test split has records, then one pass with
# the writer stopped — it cannot commit, so what the readers see is a partial cache whatever the timing.
# Past half way the writer runs in 50 ms slices between reads, so it cannot run past PAUSE_AT by much.
stopped=0
while [ "$seen" -lt "$PAUSE_AT" ] && kill -0 "$writer" 2>/dev/null; do
    [ "$seen" -lt $((PAUSE_AT / 2)) ] || { kill -STOP "$writer" 2>/dev/null && stopped=1; }
    passes=$((passes + 1))
    seen=$($PY read-live "$C" "$seen") || fail "pass $passes: the Python reader failed"
    if [ "$stopped" = 1 ] && [ "$seen" -lt "$PAUSE_AT" ]; then kill -CONT "$writer"; stopped=0; sleep 0.05; fi
done
[ "$stopped" = 1 ] || { kill -STOP "$writer" 2>/dev/null && stopped=1; }
if [ "$stopped" = 1 ]; then
    passes=$((passes + 1))
    seen=$($PY read-live "$C" "$seen") || fail "pass $passes (writer stopped): the Python reader failed"
    rc=0; "$THAW" "${SWEEP[@]}" > "$WORK/sweep.log" 2>&1 || rc=$?
    [ "$rc" != 0 ] && grep -q "the cache is not finished" "$WORK/sweep.log" \
        || fail "writer stopped at $seen records: sweep did not refuse the incomplete cache" "$WORK/sweep.log"
    "$THAW" "${SWEEP[@]}" --allow-incomplete > "$WORK/partial.log" 2>&1 \
        || fail "writer stopped at $seen records: sweep --allow-incomplete failed on the committed part" "$WORK/partial.log"
    refused=$((refused + 1)) partial_ok=$((partial_ok + 1)) paused_at=$seen
    kill -CONT "$writer"
fi
# Phase 2: all readers beside the running writer.
while kill -0 "$writer" 2>/dev/null; do
    passes=$((passes + 1))
    seen=$($PY read-live "$C" "$seen") || fail "pass $passes: the Python reader failed"
    [ -f "$C/data.mdb" ] || { sleep 0.1; continue; }
    rc=0; "$THAW" "${SWEEP[@]}" > "$WORK/sweep.log" 2>&1 || rc=$?
    if [ "$rc" = 0 ]; then
        # Only a finished cache may be swept without --allow-incomplete (`complete` never goes back to false).
        "$THAW" cache verify "$C" > /dev/null 2>&1 || fail "pass $passes: sweep trained on an incomplete cache" "$WORK/sweep.log"
        sweeps_complete=$((sweeps_complete + 1))
    else
        [ "$rc" -lt 128 ] || fail "pass $passes: thaw sweep died of signal $((rc - 128))" "$WORK/sweep.log"
        grep -q "the cache is not finished" "$WORK/sweep.log" || fail "pass $passes: sweep failed without saying the cache is incomplete" "$WORK/sweep.log"
        refused=$((refused + 1))
    fi
    rc=0; "$THAW" "${SWEEP[@]}" --allow-incomplete > "$WORK/partial.log" 2>&1 || rc=$?
    if [ "$rc" = 0 ]; then partial_ok=$((partial_ok + 1)); else
        [ "$rc" -lt 128 ] || fail "pass $passes: sweep --allow-incomplete died of signal $((rc - 128))" "$WORK/partial.log"
        grep -q "Fix:" "$WORK/partial.log" || fail "pass $passes: sweep --allow-incomplete failed without a fix" "$WORK/partial.log"
        partial_clean_fail=$((partial_clean_fail + 1))
        [ -n "${refusal:-}" ] || refusal=$(grep -m1 "Fix:" "$WORK/partial.log" | sed "s|$WORK/||g" | cut -c1-150)
    fi
    "$THAW" cache verify "$C" --json > "$WORK/verify.json" 2>&1 || true
    python3 - "$WORK/verify.json" <<'PY' || fail "pass $passes: verify found a bad record while the writer ran" "$WORK/verify.json"
import json, sys
t = open(sys.argv[1]).read(); r = json.loads(t[t.index("{"):])["report"]
assert not r["badRecords"] and not r["unexpectedKeys"], r
PY
    verifies=$((verifies + 1))
done
wait "$writer" || fail "the extraction failed while readers ran" "$WORK/extract.log"
final=$($PY read-live "$C" "$seen")
"$THAW" "${SWEEP[@]}" > "$WORK/sweep.log" 2>&1 || fail "sweep on the finished cache failed" "$WORK/sweep.log"
[ "$paused_at" -gt 0 ] || fail "the extraction ended before $PAUSE_AT records were visible to a reader: raise LIMIT (now $LIMIT)" "$WORK/extract.log"
echo "concurrent_read: OK, $passes reader passes during extraction ($final records at the end, all sound, never a gap);" \
     "writer stopped once at $paused_at records;" \
     "sweep refused the incomplete cache $refused times, trained on the committed part $partial_ok times" \
     "($partial_clean_fail clean refusals${refusal:+, first: $refusal}), verify clean $verifies times; total $(elapsed_s) s"
