#!/usr/bin/env bash
# Fault: the disk fills up during `thaw extract`. Two ways, at each of LEVELS (fractions of the full
# cache's size, default "25 50 75"):
#   tmpfs — the cache on a tmpfs of that size (when `mount` works here, i.e. as root with CAP_SYS_ADMIN): ENOSPC;
#   ulimit — `ulimit -f` at that size: EFBIG (Thaw ignores SIGXFSZ, so the write fails instead of killing it).
# Each must end with a clear error naming the cache and the fix (exit ≠ 0, no signal), leave a cache
# whose committed records all verify (`thaw cache verify` lists only missing ones), and, resumed with
# room, complete to a cache equal record for record to an uninterrupted run.
#
#   scripts/faults/disk_full.sh THAW_BINARY
set -euo pipefail
THAW=${1:?usage: disk_full.sh THAW_BINARY}
LEVELS=${LEVELS:-25 50 75}
source "$(dirname "$0")/lib.sh"
fault_setup disk_full
MNT="$WORK/mnt"
mkdir -p "$MNT"
trap 'umount "$MNT" 2>/dev/null || true; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"' EXIT
PY="python3 $FAULTS_DIR/faults.py"

tiny_cache "$WORK/ref"
full=$(stat -c %s "$WORK/ref/data.mdb")
modes=(ulimit)
if mount -t tmpfs -o size=1m tmpfs "$MNT" 2>/dev/null; then umount "$MNT"; modes=(tmpfs ulimit); fi

# check_stopped RC LOG CACHE WHAT: a clean error (exit 1, not a signal) naming the cache and a fix; verify clean but for missing records
# (writes "records-checked missing" to $WORK/counts).
check_stopped() {
    local rc=$1 log=$2 cache=$3 what=$4
    [ "$rc" -ne 0 ] || fail "$what: extraction succeeded although the disk was full" "$log"
    [ "$rc" -lt 128 ] || fail "$what: extraction died of signal $((rc - 128)) instead of reporting the full disk" "$log"
    grep -q "$cache" "$log" || fail "$what: the error does not name the cache $cache" "$log"
    grep -q "Fix:" "$log" || fail "$what: the error does not say how to fix it" "$log"
    grep -qiE "disk is full|no space|file too large" "$log" || fail "$what: the error does not say the disk is full" "$log"
    "$THAW" cache verify "$cache" --json > "$WORK/verify.json" 2>&1 || true
    python3 - "$WORK/verify.json" > "$WORK/counts" <<'PY' || fail "$what: verify found more than missing records" "$WORK/verify.json"
import json, sys
t = open(sys.argv[1]).read(); r = json.loads(t[t.index("{"):])["report"]
assert not r["badRecords"] and not r["unexpectedKeys"] and not r["metaProblems"], r
print(r["recordsChecked"], r["missingCount"])
PY
}

runs=0 committed_total=0 details=()
for mode in "${modes[@]}"; do
    for level in $LEVELS; do
        limit_bytes=$(( full * level / 100 / 4096 * 4096 ))
        what="$mode at $level% ($limit_bytes bytes)"
        if [ "$mode" = tmpfs ]; then
            mount -t tmpfs -o size="$limit_bytes" tmpfs "$MNT" || fail "$what: mount failed"
            cache="$MNT/c"
            rc=0; "$THAW" "${EXTRACT[@]}" --cache "$cache" --commit-every 16 > "$WORK/full.log" 2>&1 || rc=$?
        else
            cache="$WORK/u$level/c"
            mkdir -p "$WORK/u$level"
            rc=0; ( ulimit -f $(( limit_bytes / 1024 )); exec "$THAW" "${EXTRACT[@]}" --cache "$cache" --commit-every 16 ) \
                > "$WORK/full.log" 2>&1 || rc=$?
        fi
        check_stopped "$rc" "$WORK/full.log" "$cache" "$what"
        read -r checked missing < "$WORK/counts"
        if [ "$mode" = tmpfs ]; then mount -o remount,size=64m "$MNT" || fail "$what: remount failed"; fi
        "$THAW" "${EXTRACT[@]}" --cache "$cache" --commit-every 16 > "$WORK/resume.log" 2>&1 || fail "$what: resume with room failed" "$WORK/resume.log"
        "$THAW" cache verify "$cache" > /dev/null || fail "$what: verify after resume failed"
        $PY caches-equal "$WORK/ref" "$cache" > /dev/null || fail "$what: the resumed cache differs from the uninterrupted run"
        [ "$mode" = tmpfs ] && umount "$MNT"
        runs=$((runs + 1)) committed_total=$((committed_total + checked))
        details+=("$mode@$level%: $checked kept")
    done
done
err=$(grep -m1 -iE "disk is full|no space|file too large" "$WORK/full.log" | cut -c1-160)
echo "disk_full: OK, $runs disk-full runs (${details[*]}), each a clean error, verify clean, resume equal to the uninterrupted run;" \
     "total $(elapsed_s) s; last error: $err"
