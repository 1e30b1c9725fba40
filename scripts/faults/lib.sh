# Shared helpers of the fault scripts (sourced, not run). Each script sets THAW and calls fault_setup.
# Tiny settings so dozens of kills take minutes: Fashion-MNIST, LIMIT samples per split (default 100,
# so 300 in all), 64×64 images, EfficientNet-Lite0 with its default taps (pool + blocks.11).

FAULTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LIMIT=${LIMIT:-100}
MODEL=${MODEL:-efficientnet-lite0}
EXTRACT=(extract --model "$MODEL" --data fashion-mnist --limit "$LIMIT" --image-size 64)

# fault_setup NAME: a scratch folder in $WORK (removed on exit unless KEEP=1), seeded $RANDOM.
fault_setup() {
    NAME=$1
    RANDOM=${SEED:-1}
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/thaw-$NAME.XXXXXX")
    if [ "${KEEP:-0}" = 1 ]; then echo "$NAME: keeping $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi
    export THAW_RUNS="$WORK/runs"
    START_NS=$(date +%s%N)
}

elapsed_s() { echo $(( ($(date +%s%N) - START_NS) / 1000000000 )); }

# now_ms: wall clock in milliseconds.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# sleep_ms N
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# fail MESSAGE [LOG]: prints the message (and the log) and exits 1.
fail() {
    echo "$NAME: FAIL: $1"
    [ -n "${2:-}" ] && [ -f "$2" ] && tail -20 "$2"
    exit 1
}

# tiny_cache DIR [extract flags…]: an uninterrupted extraction of the tiny data set.
tiny_cache() {
    local dir=$1; shift
    "$THAW" "${EXTRACT[@]}" --cache "$dir" --batch 16 "$@" > "$dir.log" 2>&1 || fail "extraction into $dir failed" "$dir.log"
}

# run_killed DELAY_MS LOG CMD…: runs CMD in the background and SIGKILLs it after DELAY_MS.
# Sets KILLED=1 if it was killed, 0 if it had finished (then fails unless it exited 0).
run_killed() {
    local delay=$1 log=$2; shift 2
    "$@" > "$log" 2>&1 &
    local pid=$! rc=0
    sleep_ms "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || rc=$?
    # A process that exited just before the kill is a zombie the kill cannot hurt: judge by the status.
    if [ "$rc" = 137 ]; then KILLED=1; return; fi
    [ "$rc" = 0 ] || fail "a run that was not killed failed (exit $rc): $*" "$log"
    KILLED=0
}
