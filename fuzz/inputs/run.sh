#!/bin/sh
# Runs the ThawInputs fuzz harness over TOTAL inputs; when an input crashes the process, records it
# and restarts just after it. Prints the crash count at the end.
#   sh fuzz/inputs/run.sh [TOTAL] [SEED]
set -u
TOTAL=${1:-100000}; SEED=${2:-1}
BIN=.build/release/thaw-inputs-fuzz
[ -x "$BIN" ] || swift build -c release --product thaw-inputs-fuzz
start=0; crashes=0; decoded=0; rejected=0
while [ "$start" -lt "$TOTAL" ]; do
  out=$("$BIN" "$start" $((TOTAL - start)) "$SEED" 2>/tmp/thaw-fuzz.err); rc=$?
  if [ $rc -eq 0 ]; then
    echo "$out"; break
  fi
  last=$(grep -o 'input [0-9]*' /tmp/thaw-fuzz.err | tail -1 | cut -d' ' -f2)
  crashes=$((crashes + 1))
  echo "crash (exit $rc) after input ${last:-$start}; see /tmp/thaw-fuzz.err"
  # Without a per-input marker, bisect by rerunning one input at a time from the last checkpoint.
  i=${last:-$start}
  while "$BIN" "$i" 1 "$SEED" >/dev/null 2>&1; do i=$((i + 1)); done
  echo "  crashing input: $i"
  start=$((i + 1))
done
echo "crashes: $crashes"
