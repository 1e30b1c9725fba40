# Shared by the alternating-round scripts of docs/scale.md (finetune_stream.sh, sweep_stream.sh); sourced, not run.

# timed_run OUT NAME CMD…: CMD under /usr/bin/time -v and nice -n ${NICE:-5}; stdout → OUT/NAME.out, stderr →
# OUT/NAME.log, time's report → OUT/time-NAME.txt. Sets WALL (s), CPU (user + system, s), PEAK (MiB) and the
# 1-minute load average before and after (LOAD_BEFORE, LOAD_AFTER).
timed_run() {
  local out=$1 name=$2; shift 2
  LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -v -o "$out/time-$name.txt" nice -n "${NICE:-5}" "$@" > "$out/$name.out" 2> "$out/$name.log"
  LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$out/time-$name.txt")
  CPU=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {print u + s}' "$out/time-$name.txt")
  PEAK=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$out/time-$name.txt")
}

# machine_line TAG: when, cores, load and the OpenBLAS kernel choice, printed before the first round.
machine_line() {
  echo "$1: $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
}

# summarize_rounds TAG TSV: TSV's columns are round, mode, wall, CPU, peak MiB, …; prints each mode's median
# wall, CPU and peak, then per round every other mode's wall over the `memory` mode's.
summarize_rounds() {
  awk -F'\t' -v tag="$1" 'NR > 1 { w[$2] = w[$2] " " $3; c[$2] = c[$2] " " $4; p[$2] = p[$2] " " $5; wall[$1, $2] = $3; if ($1 + 0 > last) last = $1 + 0; modes[$2] }
    function median(s,   a, n, i, j, t) {   # insertion sort: mawk has no asort
      n = split(s, a, " ")
      for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END {
      for (m in w) printf "%s: %-8s median wall %.1f s, CPU %.1f s, peak RSS %d MiB\n", tag, m, median(w[m]), median(c[m]), median(p[m])
      for (r = 1; r <= last; r++) for (m in modes) if (m != "memory" && ((r, m) in wall) && ((r, "memory") in wall))
        printf "%s: round %s %s/in-memory wall %.2f\n", tag, r, m, wall[r, m] / wall[r, "memory"]
    }' "$2"
}
