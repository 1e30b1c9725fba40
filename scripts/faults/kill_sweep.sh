#!/usr/bin/env bash
# Fault: SIGKILL `thaw sweep` at KILLS random moments (default 50), re-running the same command after
# each. After every kill the progress record must hold every group finished before (none twice);
# every sweep that runs to the end must give the uninterrupted run's table, best and test metrics.
#
#   scripts/faults/kill_sweep.sh THAW_BINARY [KILLS]        (EPOCHS, default 40, sets the run length)
set -euo pipefail
THAW=${1:?usage: kill_sweep.sh THAW_BINARY [KILLS]}
KILLS=${2:-50}
source "$(dirname "$0")/lib.sh"
fault_setup kill_sweep
PY="python3 $FAULTS_DIR/faults.py"

tiny_cache "$WORK/c"
# 6 groups (pool: 2 heads; blocks.11: 2 poolings × 2 heads), 4 heads stacked in each.
SWEEP=(sweep --cache "$WORK/c" --tap pool,blocks.11 --pooling avg,max --head linear --head mlp:64
       --lr 1e-3,1e-2 --weight-decay 0,1e-4 --epochs "${EPOCHS:-40}" --json)
t0=$(now_ms)
THAW_RUNS="$WORK/ref-runs" "$THAW" "${SWEEP[@]}" > "$WORK/ref.json" 2> "$WORK/ref.err" || fail "reference sweep failed" "$WORK/ref.err"
max_ms=$(( $(now_ms) - t0 ))

# saved_records: how many run records the sweeps have saved so far.
saved_records() { find "$THAW_RUNS" -maxdepth 1 -name '*.json' 2>/dev/null | wc -l; }

kills=0 runs=0 completed=0 resumed_groups=0 groups=0
progress="$THAW_RUNS/sweep-progress"
while [ "$kills" -lt "$KILLS" ]; do
    delay=$(( RANDOM % (max_ms + 100) + 30 ))
    before=$groups
    saved_before=$(saved_records)
    run_killed "$delay" "$WORK/run.json" "$THAW" "${SWEEP[@]}"
    runs=$((runs + 1))
    if [ "$KILLED" = 1 ] && [ "$(saved_records)" -gt "$saved_before" ]; then
        # Killed after its run record was saved (and its progress removed), before it printed: it finished.
        kills=$((kills + 1))
        newest=$(ls -t "$THAW_RUNS"/*.json | head -1)
        $PY sweep-compare "$WORK/ref.json" "$newest" > /dev/null || fail "run $runs (saved, then killed) differs from the reference"
        completed=$((completed + 1)) groups=0
    elif [ "$KILLED" = 1 ]; then
        kills=$((kills + 1))
        groups=$($PY sweep-progress "$progress" "$before") || fail "after kill $kills: progress lost or duplicated"
        [ "$groups" -gt "$before" ] && resumed_groups=$((resumed_groups + groups - before))
    else
        $PY sweep-compare "$WORK/ref.json" "$WORK/run.json" > /dev/null || fail "run $runs (resumed) differs from the reference"
        [ ! -d "$progress" ] || [ -z "$(ls -A "$progress")" ] || fail "run $runs finished but left its progress record"
        completed=$((completed + 1)) groups=0
    fi
done
"$THAW" "${SWEEP[@]}" > "$WORK/final.json" 2> "$WORK/final.err" || fail "final resume failed" "$WORK/final.err"
result=$($PY sweep-compare "$WORK/ref.json" "$WORK/final.json") || fail "final table differs from the reference"
echo "kill_sweep: OK, $kills kills survived over $runs runs ($completed resumed sweeps ran to the end and matched),"\
     "$resumed_groups groups committed between kills, final: $result; reference ${max_ms} ms, total $(elapsed_s) s"
