#!/usr/bin/env bash
# Fault: damaged caches. Each case damages a fresh copy of a sound tiny cache; `thaw cache verify`
# must fail and name what is wrong (the record, the manifest, the file), and `thaw fit`, `sweep`,
# `finetune` and `cache export` must each refuse it with an error saying so (exit 1–127, no signal)
# instead of training on it. A deleted lock.mdb is harmless (LMDB recreates it): all must succeed.
#
#   scripts/faults/corrupt.sh THAW_BINARY
set -euo pipefail
THAW=${1:?usage: corrupt.sh THAW_BINARY}
source "$(dirname "$0")/lib.sh"
fault_setup corrupt
PY="python3 $FAULTS_DIR/faults.py"

tiny_cache "$WORK/ref"
tiny_cache "$WORK/f32" --dtype f32          # another cache: its manifest describes 4-byte values

# commands CACHE: the four readers, one line per command on stdout: "name rc", logs in $WORK/NAME.log.
commands() {
    local c=$1 rc
    for cmd in fit sweep finetune export; do
        case $cmd in
            fit) args=(fit --cache "$c" --tap pool --epochs 1) ;;
            sweep) args=(sweep --cache "$c" --lr 1e-3 --weight-decay 0 --epochs 1) ;;
            finetune) args=(finetune --cache "$c" --from blocks.11 --epochs 1) ;;
            export) args=(cache export "$c" --tap pool -o "$WORK/out.npy") ;;
        esac
        rc=0; "$THAW" "${args[@]}" > "$WORK/$cmd.log" 2>&1 || rc=$?
        echo "$cmd $rc"
    done
}

cases=0 detected=0 refusals=0 lines=()
# expect CASE PATTERN: verify and the four commands fail cleanly, each naming PATTERN.
expect() {
    local name=$1 pattern=$2 c="$WORK/$1" rc
    rc=0; "$THAW" cache verify "$c" > "$WORK/verify.log" 2>&1 || rc=$?
    [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || fail "$name: verify exit $rc (expected a clean failure)" "$WORK/verify.log"
    grep -qE "$pattern" "$WORK/verify.log" || fail "$name: verify does not name /$pattern/" "$WORK/verify.log"
    detected=$((detected + 1))
    while read -r cmd rc; do
        [ "$rc" -ne 0 ] || fail "$name: thaw $cmd accepted the damaged cache" "$WORK/$cmd.log"
        [ "$rc" -lt 128 ] || fail "$name: thaw $cmd died of signal $((rc - 128))" "$WORK/$cmd.log"
        grep -qE "$pattern" "$WORK/$cmd.log" || fail "$name: thaw $cmd refused without naming /$pattern/" "$WORK/$cmd.log"
        refusals=$((refusals + 1))
    done < <(commands "$c")
    cases=$((cases + 1))
    lines+=("$name: $(grep -m1 -E "$pattern" "$WORK/verify.log" | cut -c1-240)")
}
fresh() { rm -rf "$WORK/$1"; cp -r "$WORK/ref" "$WORK/$1"; }

fresh record;    $PY flip-record "$WORK/record" 57 > /dev/null;        expect record "record #57.*checksum mismatch|bad record #57: checksum"
fresh manifest;  $PY flip-manifest "$WORK/manifest" > /dev/null;      expect manifest "manifest: checksum mismatch"
fresh truncated; truncate -s $(( $(stat -c %s "$WORK/ref/data.mdb") * 6 / 10 )) "$WORK/truncated/data.mdb"
expect truncated "truncated"
fresh stub;      truncate -s 4096 "$WORK/stub/data.mdb";             expect stub "LMDB|truncated"
fresh foreign;   $PY put-meta "$WORK/foreign" "$WORK/f32" manifest > /dev/null
expect foreign "manifest: checksum mismatch"
fresh swapped;   $PY put-meta "$WORK/swapped" "$WORK/f32" manifest manifest-crc32c > /dev/null
expect swapped "record is [0-9]+ bytes, the manifest's taps need [0-9]+"

# A deleted lock.mdb is rebuilt by LMDB: verify and every command must work.
fresh lock; rm "$WORK/lock/lock.mdb"
"$THAW" cache verify "$WORK/lock" > "$WORK/verify.log" 2>&1 || fail "lock: verify failed after lock.mdb was deleted" "$WORK/verify.log"
while read -r cmd rc; do [ "$rc" = 0 ] || fail "lock: thaw $cmd failed after lock.mdb was deleted" "$WORK/$cmd.log"; done < <(commands "$WORK/lock")

printf '%s\n' "${lines[@]}" | sed 's/^/  /'
echo "corrupt: OK, $cases damage cases detected by verify ($detected) and refused by fit/sweep/finetune/export" \
     "($refusals refusals, none trained, none crashed); deleted lock.mdb harmless; total $(elapsed_s) s"
