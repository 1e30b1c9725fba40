#!/usr/bin/env bash
# The hundred-thousand-image run (docs/scale.md): `thaw extract` of EfficientNet-Lite0 (pool + blocks.11,
# f16, the README's ImageNet recipe) over a class-per-folder of JPEGs made by make_images.py, killed with
# SIGKILL once KILL_AT samples are done, then resumed to the end and verified.
#
#   scripts/scale/run_100k.sh THAW DATA CACHE [KILL_AT]       e.g.
#   scripts/scale/run_100k.sh .build/release/thaw $SCALE_DATA/in100k $SCALE_DATA/in100k-cache 60000
#
# While each process runs, a sampler reads every 2 s: /proc/PID/status (VmRSS, VmHWM = peak RSS so far),
# RssAnon and RssFile (heap vs mapped files such as data.mdb), /proc/PID/stat (user + system CPU), the sample count of thaw's progress line (printed every 10 s when
# stderr is a file), the size of data.mdb and the load average → CACHE.scale/samples.tsv. The report
# (CACHE.scale/report.txt) gives, at the first sample past 10k, 50k and 100k records, the peak RSS so far
# of the process then running, the cache size and the rate; /usr/bin/time -v gives each process's peak.
# At every 10,000 samples (and at the end of each process) /proc/PID/smaps_rollup is kept as
# CACHE.scale/smaps-PHASE-SAMPLES.txt: what the resident set is made of.
# Decode's share: thaw-inputs-bench --folder measures decode + preprocess CPU per image on 1,000 of the
# images (one thread); the extraction's CPU per sample comes from /proc. Every job runs under nice -n
# ${NICE:-10}. The flat-memory check: process 2's peak RSS at its end against its peak at 10k records
# (kill before 10k so that one process covers both; goal ≤ 1.05× at 100k).
set -euo pipefail
THAW=${1:?usage: run_100k.sh THAW DATA CACHE [KILL_AT]}
DATA=${2:?usage: run_100k.sh THAW DATA CACHE [KILL_AT]}
CACHE=${3:?usage: run_100k.sh THAW DATA CACHE [KILL_AT]}
KILL_AT=${4:-60000}
NICE=${NICE:-10}
BENCH=${BENCH:-$(dirname "$THAW")/thaw-inputs-bench}
OUT="$CACHE.scale"
[ -x "$THAW" ] || { echo "run_100k: $THAW is not an executable. Fix: swift build -c release --product thaw" >&2; exit 2; }
[ -d "$DATA" ] || { echo "run_100k: $DATA is not a folder. Fix: python3 scripts/scale/make_images.py $DATA" >&2; exit 2; }
[ -e "$CACHE" ] && { echo "run_100k: $CACHE exists. Fix: remove it (rm -r $CACHE $OUT) to start the run afresh" >&2; exit 2; }
mkdir -p "$OUT"
TSV="$OUT/samples.tsv"
printf 'phase\tseconds\tsamples\trss_kb\thwm_kb\tcpu_s\tcache_bytes\tload1\tanon_kb\tfile_kb\n' > "$TSV"
ARGS=(extract --model efficientnet-lite0 --data "$DATA" --cache "$CACHE" --tap pool --tap blocks.11 --dtype f16)
TICK=$(getconf CLK_TCK)

# run_phase N [STOP_AT]: runs the extraction, samples it, SIGKILLs it once STOP_AT samples are done.
run_phase() {
  local phase=$1 stop_at=${2:-}
  /usr/bin/time -v -o "$OUT/time-$phase.txt" nice -n "$NICE" "$THAW" "${ARGS[@]}" > "$OUT/extract-$phase.out" 2> "$OUT/extract-$phase.log" &
  local timer=$! pid="" t0 now count rss hwm cpu size anon file mark=10000
  t0=$(date +%s.%N)
  while [ -z "$pid" ] && kill -0 "$timer" 2>/dev/null; do pid=$(pgrep -P "$timer" || true); sleep 0.1; done
  while [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; do
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    anon=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    file=$(awk '/^RssFile/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    cpu=$(awk -v t="$TICK" '{print ($14 + $15) / t}' "/proc/$pid/stat" 2>/dev/null || true)
    [ -n "$rss" ] || break
    count=$(grep -ao 'extract [0-9]*/' "$OUT/extract-$phase.log" 2>/dev/null | tail -1 | tr -dc 0-9 || true)
    size=$(stat -c %s "$CACHE/data.mdb" 2>/dev/null || echo 0)
    now=$(date +%s.%N)
    printf '%s\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$phase" "$(awk -v a="$now" -v b="$t0" 'BEGIN {print a - b}')" "${count:-0}" "$rss" "$hwm" "$cpu" "$size" \
      "$(cut -d' ' -f1 /proc/loadavg)" "${anon:-0}" "${file:-0}" >> "$TSV"
    if [ "${count:-0}" -ge "$mark" ]; then
      { grep VmHWM "/proc/$pid/status"; cat "/proc/$pid/smaps_rollup"; } > "$OUT/smaps-$phase-$count.txt" 2>/dev/null || true
      mark=$(( (count / 10000 + 1) * 10000 ))
    fi
    # Kept over each sample: the resident set's make-up near the process's end.
    { grep VmHWM "/proc/$pid/status"; cat "/proc/$pid/smaps_rollup"; } > "$OUT/smaps-$phase-last.tmp" 2>/dev/null || true
    if [ -n "$stop_at" ] && [ "${count:-0}" -ge "$stop_at" ]; then
      kill -KILL "$pid"
      echo "run_100k: SIGKILL at $count samples ($(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$OUT/report.txt"
      break
    fi
    sleep 2
  done
  wait "$timer" || true
  [ -s "$OUT/smaps-$phase-last.tmp" ] && mv "$OUT/smaps-$phase-last.tmp" "$OUT/smaps-$phase-end.txt"
  # The last row: the process's end (peak RSS and CPU from /usr/bin/time, the last progress count).
  count=$(grep -ao 'extract [0-9]*/' "$OUT/extract-$phase.log" 2>/dev/null | tail -1 | tr -dc 0-9 || true)
  hwm=$(awk -F': ' '/Maximum resident/ {print $2}' "$OUT/time-$phase.txt")
  cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {print u + s}' "$OUT/time-$phase.txt")
  now=$(date +%s.%N)
  printf '%s\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$phase" "$(awk -v a="$now" -v b="$t0" 'BEGIN {print a - b}')" "${count:-0}" "$hwm" "$hwm" "$cpu" \
    "$(stat -c %s "$CACHE/data.mdb" 2>/dev/null || echo 0)" "$(cut -d' ' -f1 /proc/loadavg)" "${anon:-0}" "${file:-0}" >> "$TSV"
}

echo "run_100k: $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/report.txt"
echo "run_100k: $THAW ${ARGS[*]}" | tee -a "$OUT/report.txt"
run_phase 1 "$KILL_AT"
echo "run_100k: after the kill: $("$THAW" cache info "$CACHE" 2>&1 | grep -a '^records' || true)" | tee -a "$OUT/report.txt"
run_phase 2
grep -a "extracted" "$OUT/extract-2.out" | tee -a "$OUT/report.txt"
nice -n "$NICE" "$THAW" cache verify "$CACHE" 2>&1 | tail -2 | tee -a "$OUT/report.txt"

if [ -x "$BENCH" ]; then
  nice -n "$NICE" "$BENCH" --folder "$DATA" 1000 | tee -a "$OUT/report.txt"
else
  echo "run_100k: no $BENCH (swift build -c release --product thaw-inputs-bench): decode share not measured" | tee -a "$OUT/report.txt"
fi

python3 - "$OUT" <<'EOF' | tee -a "$OUT/report.txt"
import csv, re, sys
out = sys.argv[1]
rows = list(csv.DictReader(open(f"{out}/samples.tsv"), delimiter="\t"))
for r in rows:
    for k in r:
        r[k] = float(r[k]) if k != "phase" else int(r[k])
def peak(phase):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f"{out}/time-{phase}.txt").read())
    return int(m.group(1)) / 1024 if m else float("nan")
def wall(phase):
    m = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", open(f"{out}/time-{phase}.txt").read())
    return (int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))) if m else float("nan")
p1 = [r for r in rows if r["phase"] == 1]
p2 = [r for r in rows if r["phase"] == 2]
total = max(r["samples"] for r in rows)
print("records   process  seconds  samples/s(window)  RSS MB  peak RSS so far MB  anon MB  file MB  cache MB  load")
prev = None
for mark in (10_000, 50_000, 100_000):
    hit = next((r for r in rows if r["samples"] >= mark), None)
    if hit is None:
        print(f"{mark:>7}   not reached (last: {total:.0f})")
        continue
    phase_rows = [r for r in rows if r["phase"] == hit["phase"]]
    first = phase_rows[0]
    done = next((r for r in phase_rows if r["samples"] > first["samples"]), first)
    rate = (hit["samples"] - done["samples"]) / max(hit["seconds"] - done["seconds"], 1e-9)
    print(f"{mark:>7}   #{hit['phase']:<7} {hit['seconds']:>7.0f}  {rate:>17.1f}  {hit['rss_kb']/1024:>6.0f}  {hit['hwm_kb']/1024:>18.0f}"
          f"  {hit['anon_kb']/1024:>7.0f}  {hit['file_kb']/1024:>7.0f}  {hit['cache_bytes']/1e6:>8.0f}  {hit['load1']:.2f}")
print(f"process 1 (killed): {wall(1):.0f} s, peak RSS {peak(1):.0f} MB; process 2 (resume): {wall(2):.0f} s, peak RSS {peak(2):.0f} MB")
if p1 and p2:
    cpu = p1[-1]["cpu_s"] + p2[-1]["cpu_s"]
    print(f"CPU (user+system, /usr/bin/time): {cpu:.0f} s for {total:.0f} samples = {cpu / total * 1000:.1f} ms per sample; "
          f"load average during the run {sum(r['load1'] for r in rows) / len(rows):.2f} (mean of 1-min samples)")
    bench = [l for l in open(f"{out}/report.txt") if "CPU per image decode" in l]
    m = re.search(r"= ([\d.]+) ms", bench[-1]) if bench else None
    if m:
        d = float(m.group(1))
        print(f"decode + preprocess {d:.2f} ms of {cpu / total * 1000:.1f} ms CPU per sample = {d / (cpu / total * 1000) * 100:.1f}%; "
              f"the forward (and writing) the rest")
    # The same process at 10k and at the end (the kill comes before 10k), else process 1 at 10k against process 2's end.
    h10 = next((r for r in rows if r["samples"] >= 10_000), None)
    end = p2[-1]
    if h10 and end["samples"] > h10["samples"]:
        print(f"flat memory: peak RSS at {end['samples']:.0f} records / at 10k = {end['hwm_kb']:.0f} / {h10['hwm_kb']:.0f} kB = "
              f"{end['hwm_kb'] / h10['hwm_kb']:.3f} (goal ≤ 1.05 at 100k)")
EOF
