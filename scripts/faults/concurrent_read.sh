#!/usr/bin/env bash
# Fault: readers while `thaw extract` extends a cache (commits of 8 samples). In a loop until the
# extraction ends: a Python `lmdb` reader (a registered reader: every record sound, no gaps, the
# `complete` flag agreeing with the records, never fewer records than before), `thaw sweep` (must
# refuse the incomplete cache, saying so), `thaw sweep --allow-incomplete` (trains on the committed
# part: must succeed or fail cleanly) and `thaw cache verify` (may list missing records, never a bad one).
#
#   scripts/faults/concurrent_read.sh THAW_BINARY
set -euo pipefail
THAW=${1:?usage: concurrent_read.sh THAW_BINARY}
source "$(dirname "$0")/lib.sh"
fault_setup concurrent_read
PY="python3 $FAULTS_DIR/faults.py"
C="$WORK/c"
SWEEP=(sweep --cache "$C" --lr 1e-3,1e-2 --weight-decay 0 --epochs 3)

"$THAW" "${EXTRACT[@]}" --cache "$C" --commit-every 8 > "$WORK/extract.log" 2>&1 &
writer=$!
trap 'kill "$writer" 2>/dev/null || true; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"' EXIT

passes=0 seen=0 refused=0 partial_ok=0 partial_clean_fail=0 verifies=0 sweeps_complete=0
while kill -0 "$writer" 2>/dev/null; do
    passes=$((passes + 1))
    seen=$($PY read-live "$C" "$seen") || fail "pass $passes: the Python reader failed"
    [ -f "$C/data.mdb" ] || { sleep 0.2; continue; }
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
[ "$partial_ok" -gt 0 ] || fail "no sweep --allow-incomplete succeeded on a partial cache" "$WORK/partial.log"
echo "concurrent_read: OK, $passes reader passes during extraction ($final records at the end, all sound, never a gap);" \
     "sweep refused the incomplete cache $refused times, trained on the committed part $partial_ok times" \
     "($partial_clean_fail clean refusals${refusal:+, first: $refusal}), verify clean $verifies times; total $(elapsed_s) s"
