#!/usr/bin/env bash
# The README's Slurm recipe on a real Slurm: installs Debian's slurm-wlm and munge (root, apt), starts
# munged, slurmctld and slurmd for this one node on loopback with a private configuration, and runs
#   1. an `sbatch --array=0-3` extraction (the README's command, on Fashion-MNIST with --limit), one task
#      cancelled with `scancel` mid-run and requeued with `scontrol requeue`, then `thaw cache merge` and
#      `thaw cache verify`: the merged cache must hold exactly the records of a single-process run;
#   2. an `sbatch --array=0-3` sweep, `--shard i/4` per task, then `thaw sweep --combine-dir`: the combined
#      table and choice must equal an unsharded sweep.
# Usage: scripts/test_slurm.sh [THAW]   (default .build/release/thaw; `make test-slurm`). 1–4 min (Slurm may hold
# the requeued task up to two minutes).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
THAW=$(realpath "${1:-$ROOT/.build/release/thaw}")
LIMIT=${LIMIT:-400}   # per split: 800 Fashion-MNIST samples, 200 per task
[ -x "$THAW" ] || { echo "test_slurm: no thaw binary at $THAW (make build)"; exit 1; }
# slurmctld, slurmd and munged run as root here (SlurmUser=root): without root, rerun under sudo.
if [ "$(id -u)" != 0 ]; then
    command -v sudo > /dev/null || { echo "test_slurm: needs root (or sudo) to install and start Slurm"; exit 1; }
    exec sudo -E PATH="$PATH" "$0" "$THAW"
fi

if ! command -v slurmctld > /dev/null || ! command -v munged > /dev/null; then
    apt-get update -q > /dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge > /dev/null
fi
python3 -c "import lmdb" 2> /dev/null || python3 -m pip install -q lmdb

WORK=$(mktemp -d "${TMPDIR:-/tmp}/thaw-slurm.XXXXXX")
chmod 755 "$WORK"
export SLURM_CONF="$WORK/slurm.conf"
cleanup() {
    local pids=() f
    for f in slurmd slurmctld munged; do
        [ -f "$WORK/$f.pid" ] && pids+=("$(cat "$WORK/$f.pid")")
    done
    [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2> /dev/null || true
    # The daemons write their state files as they stop: wait for them (up to 10 s) before removing the folder.
    local alive p
    for _ in $(seq 50); do
        alive=0
        for p in "${pids[@]}"; do kill -0 "$p" 2> /dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.2
    done
    if [ "${KEEP:-0}" = 1 ]; then echo "test_slurm: kept $WORK"; else rm -rf "$WORK" 2> /dev/null || rm -rf "$WORK" || true; fi
}
trap cleanup EXIT
fail() { echo "test_slurm: FAIL: $1"; for f in "$WORK"/*.log "$WORK"/logs/*; do [ -f "$f" ] && { echo "== $f"; tail -15 "$f"; }; done; exit 1; }

# --- munge: a private key and socket, so a system munged (if any) is left alone.
mkdir -p "$WORK/munge"
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chmod 700 "$WORK/munge"; chmod 400 "$WORK/munge/munge.key"
munged --force --key-file "$WORK/munge/munge.key" --socket "$WORK/munge/socket" --pid-file "$WORK/munged.pid" \
       --log-file "$WORK/munged.log" --seed-file "$WORK/munge/seed"

# --- Slurm: one node (this host, on loopback), one partition; no cgroups, no accounting.
NODE=$(hostname -s)
NODE_LINE=$(slurmd -C | head -1 | sed 's/ *$//')
mkdir -p "$WORK/state" "$WORK/spool" "$WORK/logs"
cat > "$SLURM_CONF" <<EOF
ClusterName=thaw
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$WORK/munge/socket
CredType=cred/munge
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
JobRequeue=1
KillWait=5
MpiDefault=none
$NODE_LINE NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
for _ in $(seq 60); do
    sinfo -h -o %t 2> /dev/null | grep -q idle && break
    sleep 1
done
sinfo -h -o %t | grep -q idle || fail "the node did not become idle: $(sinfo 2>&1)"
echo "test_slurm: slurm $(sinfo -V | cut -d' ' -f2) up, node $NODE idle"

# wait_job ID: until no task of the job is pending or running.
wait_job() {
    for _ in $(seq 900); do
        [ -z "$(squeue -h -j "$1" 2> /dev/null)" ] && return 0
        sleep 1
    done
    fail "job $1 did not finish in 15 minutes"
}

cd "$WORK"
start=$(date +%s)

# --- 1. Extraction: the README's job script, one task per CPU (commits every 32 samples, so a task
#        cancelled mid-run has committed records to resume from).
cat > extract.sbatch <<EOF
#!/bin/bash
#SBATCH --array=0-3 --cpus-per-task=1 --time=00:30:00 --output=$WORK/logs/extract-%a.out --requeue
export OPENBLAS_NUM_THREADS=1
"$THAW" extract --model efficientnet-lite0 --data fashion-mnist --limit $LIMIT --cache cache/fm-\$SLURM_ARRAY_TASK_ID \\
             --shard \$SLURM_ARRAY_TASK_ID/\$SLURM_ARRAY_TASK_COUNT --tap pool --tap blocks.11 --dtype f16 --commit-every 32
EOF
job=$(sbatch --parsable extract.sbatch) || fail "sbatch refused the extraction"
echo "test_slurm: extraction array $job submitted"
# Cancel task 1 once it has committed something, then requeue it: it must resume.
cancelled=0
for _ in $(seq 600); do
    if [ -f cache/fm-1/data.mdb ] && "$THAW" cache info cache/fm-1 --json 2> /dev/null \
        | python3 -c "import json,sys; sys.exit(0 if 0 < json.load(sys.stdin)['records'] < 150 else 1)"; then
        scancel "${job}_1" && cancelled=1
        break
    fi
    # A pending array task is listed under the array (e.g. 1_[1-3]), not by its own id: only a task seen
    # running and gone since has finished.
    if [ -n "$(squeue -h -j "${job}_1" -t R 2> /dev/null)" ]; then seen_running=1
    elif [ "${seen_running:-0}" = 1 ]; then break; fi
    sleep 0.2
done
[ "$cancelled" = 1 ] || fail "task 1 finished before it could be cancelled mid-run (raise LIMIT)"
for _ in $(seq 60); do [ -z "$(squeue -h -j "${job}_1" -t R 2> /dev/null)" ] && break; sleep 1; done
before=$("$THAW" cache info cache/fm-1 --json | python3 -c "import json,sys; print(json.load(sys.stdin)['records'])")
scontrol requeue "${job}_1" || fail "scontrol requeue ${job}_1 was refused"
# Slurm delays a requeued job's start by a couple of minutes; let it start now. The requeue completes
# asynchronously and sets that delay when it does, which can come after an update sent at once (the task then
# waited three minutes): repeat the update while the task is pending.
for _ in $(seq 30); do
    scontrol update JobId="${job}_1" StartTime=now 2> /dev/null || true
    sleep 1
    [ "$(squeue -h -j "${job}_1" -o %t 2> /dev/null)" = PD ] || break
done
echo "test_slurm: task 1 cancelled mid-run with $before of 200 records committed, requeued"
wait_job "$job"
grep -q "records committed\|complete" logs/extract-1.out || fail "the requeued task did not finish" logs/extract-1.out
extract_s=$(( $(date +%s) - start ))

"$THAW" cache merge cache/fm-{0..3} --output cache/fm > merge.log 2>&1 || fail "thaw cache merge failed" merge.log
"$THAW" cache verify cache/fm > verify.log 2>&1 || fail "thaw cache verify failed on the merged cache" verify.log
# The same thread count as the tasks: OpenBLAS's sums depend on it (with 2 threads instead of 1, about 0.5%
# of the f16 values differ by one unit in the last place), so byte equality holds at equal thread counts.
OPENBLAS_NUM_THREADS=1 "$THAW" extract --model efficientnet-lite0 --data fashion-mnist --limit "$LIMIT" --cache cache/single \
    --tap pool --tap blocks.11 --dtype f16 > single.log 2>&1 || fail "the single-process extraction failed" single.log
python3 - cache/single cache/fm <<'PY' || fail "the merged cache differs from the single-process run"
import json, sys, lmdb
def load(path):
    env = lmdb.open(path, readonly=True, lock=False, max_dbs=4)
    meta, recs = env.open_db(b"meta", create=False), env.open_db(b"records", create=False)
    with env.begin() as txn:
        manifest = json.loads(txn.get(b"manifest", db=meta))
        records = list(txn.cursor(db=recs))
    return manifest, records
(ms, rs), (mm, rm) = load(sys.argv[1]), load(sys.argv[2])
ms.pop("shard", None); mm.pop("shard", None)
assert ms == mm, f"manifests differ: {set(k for k in ms if ms[k] != mm.get(k))}"
assert len(rs) == len(rm) == ms["sampleCount"] * ms["views"], f"{len(rs)} vs {len(rm)} records"
for (ka, va), (kb, vb) in zip(rs, rm):
    assert ka == kb and va == vb, f"record {int.from_bytes(ka[:8], 'big')} differs"
print(f"test_slurm: merged cache = single-process run, {len(rm)} records byte for byte")
PY

# --- 2. A sharded sweep: one grid shard per task, combined, against the whole grid in one process.
sweep_start=$(date +%s)
GRID=(--tap pool --lr 1e-3,3e-3,1e-2,3e-2 --head linear --head mlp:64 --epochs 3 --seed 5)
mkdir -p shards
cat > sweep.sbatch <<EOF
#!/bin/bash
#SBATCH --array=0-3 --cpus-per-task=1 --time=00:30:00 --output=$WORK/logs/sweep-%a.out
export OPENBLAS_NUM_THREADS=1
"$THAW" sweep --cache cache/fm ${GRID[*]} --shard \$SLURM_ARRAY_TASK_ID/\$SLURM_ARRAY_TASK_COUNT --json > shards/\$SLURM_ARRAY_TASK_ID.json
EOF
sjob=$(sbatch --parsable sweep.sbatch) || fail "sbatch refused the sweep"
wait_job "$sjob"
for i in 0 1 2 3; do [ -s "shards/$i.json" ] || fail "sweep shard $i wrote no record" "logs/sweep-$i.out"; done
"$THAW" sweep --cache cache/fm --combine-dir shards --json > combined.json 2> combine.log || fail "sweep --combine-dir failed" combine.log
OPENBLAS_NUM_THREADS=1 "$THAW" sweep --cache cache/fm "${GRID[@]}" --json > whole.json 2> whole.log || fail "the unsharded sweep failed" whole.log
python3 - whole.json combined.json <<'PY' || fail "the combined sweep differs from the unsharded one"
import json, sys
whole, combined = (json.load(open(p)) for p in sys.argv[1:3])
# A shard stacks fewer heads per GEMM, so losses may differ in their last bits (1e-6 relative at most);
# everything else is identical.
def table(r):
    return [{k: v for k, v in row.items() if "seconds" not in k and k != "val_loss"} for row in r["metrics"]["table"]]
assert table(whole) == table(combined), "tables differ"
for a, b in zip(whole["metrics"]["table"], combined["metrics"]["table"]):
    assert abs(a["val_loss"] - b["val_loss"]) <= 1e-6 * max(1, abs(a["val_loss"])), f"val_loss {a} vs {b}"
assert whole["metrics"]["best"] == combined["metrics"]["best"], "the chosen head differs"
assert whole["metrics"].get("test_predictions") == combined["metrics"].get("test_predictions"), "test predictions differ"
print(f"test_slurm: combined sweep = unsharded sweep, {len(table(whole))} heads, best #{whole['metrics']['best']}")
PY
echo "test_slurm: OK (extraction array ${extract_s} s, sweep array $(( $(date +%s) - sweep_start )) s, $(( $(date +%s) - start )) s in all)"
