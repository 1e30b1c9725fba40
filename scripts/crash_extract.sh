#!/usr/bin/env bash
# Crash test of `thaw extract`: SIGKILL it at random moments (at least KILLS times, default 10),
# resume after each kill, and check that the final cache equals an uninterrupted run's record for
# record, holds every sample, and passes `thaw cache verify`.
#
# After each kill the committed records must all be sound (CRC) and no fewer than before the kill.
#
#   scripts/crash_extract.sh THAW_BINARY MODEL [KILLS]
#   e.g. scripts/crash_extract.sh .build/release/thaw efficientnet-lite0
#
# Data: Fashion-MNIST (`apt-get install dataset-fashion-mnist`), LIMIT (default 300) samples per split, 64×64.
# Needs python3 with the `lmdb` module for the record-by-record comparison. Seeded by SEED (default 1).
set -euo pipefail

THAW=${1:?usage: crash_extract.sh THAW_BINARY MODEL [KILLS]}
MODEL=${2:?usage: crash_extract.sh THAW_BINARY MODEL [KILLS]}
KILLS=${3:-10}
RANDOM=${SEED:-1}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/thaw-crash.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export THAW_RUNS="$WORK/runs"
COMMON=(extract --model "$MODEL" --data fashion-mnist --limit "${LIMIT:-300}" --image-size 64)
FAULTS="$(dirname "$0")/faults/faults.py"
RECORDS="python3 $FAULTS records"

echo "crash_extract: reference run"
start=$(date +%s%N)
"$THAW" "${COMMON[@]}" --cache "$WORK/ref" --batch 16 > "$WORK/ref.log"
max_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "crash_extract: reference took ${max_ms} ms"

# Kill moments spread over the reference wall time (startup included), at least 50 ms.
kills=0 runs=0 committed=0 finished=0
while [ "$kills" -lt "$KILLS" ]; do
    batch=$(( (RANDOM % 4 + 1) * 8 ))
    "$THAW" "${COMMON[@]}" --cache "$WORK/crash" --batch "$batch" --commit-every $(( RANDOM % 50 + 7 )) \
        > "$WORK/run.log" 2>&1 &
    pid=$!
    delay_ms=$(( RANDOM % (max_ms > 50 ? max_ms : 50) + 50 ))
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    runs=$((runs + 1))
    kill -9 "$pid" 2>/dev/null || true
    rc=0; wait "$pid" 2>/dev/null || rc=$?
    if [ "$rc" = 137 ]; then   # killed (a run that exited just before the kill is judged by its status)
        kills=$((kills + 1))
        now=$($RECORDS "$WORK/crash") || { echo "crash_extract: FAIL: unsound record after kill $kills"; exit 1; }
        [ "$now" -ge "$committed" ] || { echo "crash_extract: FAIL: $committed records committed before kill $kills, $now after"; exit 1; }
        committed=$now
        echo "crash_extract: kill $kills after ${delay_ms} ms (batch $batch), $committed records committed"
    else
        [ "$rc" = 0 ] || { echo "crash_extract: a resumed run failed (exit $rc):"; cat "$WORK/run.log"; exit 1; }
        echo "crash_extract: run $runs finished before its kill at ${delay_ms} ms; starting over"
        rm -rf "$WORK/crash"
        committed=0 finished=$((finished + 1))
    fi
done

echo "crash_extract: final resume"
"$THAW" "${COMMON[@]}" --cache "$WORK/crash" --batch 24 > "$WORK/final.log"
"$THAW" cache verify "$WORK/crash"
"$THAW" cache verify "$WORK/ref"

same=$(python3 "$FAULTS" caches-equal "$WORK/ref" "$WORK/crash")
echo "crash_extract: OK, ${same% identical} identical to the uninterrupted run"
echo "crash_extract: $kills kills over $runs runs ($finished ran to the end before their kill and were restarted)"
