#!/usr/bin/env bash
# Fault: SIGKILL `thaw extract` at KILLS random moments (default 50) and resume after each: this is
# scripts/crash_extract.sh (records never lost, all sound after each kill; final cache equal record for
# record to an uninterrupted run and `thaw cache verify` clean) on the tiny settings, with a summary.
#
#   scripts/faults/kill_extract.sh THAW_BINARY [KILLS]
set -euo pipefail
THAW=${1:?usage: kill_extract.sh THAW_BINARY [KILLS]}
KILLS=${2:-50}
source "$(dirname "$0")/lib.sh"
fault_setup kill_extract
log="$WORK/crash.log"
LIMIT=$LIMIT "$FAULTS_DIR/../crash_extract.sh" "$THAW" "$MODEL" "$KILLS" > "$log" 2>&1 || fail "crash_extract.sh failed" "$log"
ok=$(grep "identical to the uninterrupted run" "$log" | sed 's/^crash_extract: OK, //')
summary=$(tail -1 "$log" | sed 's/^crash_extract: //')
ref=$(grep -o "reference took [0-9]* ms" "$log" | grep -o "[0-9]*")
echo "kill_extract: OK, $summary; $ok, verify clean; reference ${ref} ms, total $(elapsed_s) s"
