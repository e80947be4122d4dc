#!/usr/bin/env bash
# Query benchmark (issue 8): medians of RUNS runs of the real custody-timeline
# commands on a synthetic case, with EXPLAIN QUERY PLAN of each statement, the
# database size per event, and export speed against TSK's mactime.
#   bench/query.sh [CASE.db | EVENTS]      (default: generate 10000000 events)
# Environment: CUSTODY_BIN (built tools, default build/bin), RUNS (default 5),
# KEEP=1 keeps a generated case in $WORK, TIME_ORDER=0 skips the (slow) time-ordered
# full export, MACTIME_ONLY=1 runs only section 6 (mactime, the two tools
# alternating in each round).
# Wall times depend on the machine's load; CPU time (user+sys) is printed beside them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CUSTODY_BIN:-$root/build/bin}
runs=${RUNS:-5}
arg=${1:-10000000}
T=$bin/custody-timeline
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/custody-bench-query.XXXXXX")}
export TZ=UTC LC_ALL=C

if [ -f "$arg" ]; then
  db=$arg
else
  db=$WORK/case.db
  echo "== generating a case of $arg events (bench/gen_case.sh)"
  CUSTODY_BIN=$bin "$root/bench/gen_case.sh" "$db" "$arg" 20
fi
export CUSTODY_CASE_DB=$db
# log events, and the files' times (their file-system events, counted per partition)
events=$(sqlite3 "$db" 'SELECT (SELECT count(*) FROM events) + (SELECT coalesce(sum(events), 0) FROM partitions)')
echo "== case: $db, $events events, $(sqlite3 "$db" 'SELECT count(*) FROM files') files, $(sqlite3 "$db" 'SELECT count(*) FROM assets') assets"
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# measure NAME CMD...: run RUNS times (stdout to $WORK/out), print median wall
# and CPU seconds; sets MED_WALL, MED_CPU.
measure() {
  local name=$1
  shift
  : >"$WORK/times"
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S" -o "$WORK/t1" "$@" >"$WORK/out" 2>"$WORK/err" \
      || { cat "$WORK/err" >&2; echo "bench: '$*' failed" >&2; exit 2; }
    cat "$WORK/t1" >>"$WORK/times"
  done
  read -r MED_WALL MED_CPU < <(python3 - "$WORK/times" <<'PY'
import sys, statistics
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
print(statistics.median(r[0] for r in rows), statistics.median(r[1] + r[2] for r in rows))
PY
)
  printf '%-44s median %8.3f s wall  %8.3f s cpu  (%d runs)\n' "$name" "$MED_WALL" "$MED_CPU" "$runs"
}

plan() {
  echo "-- EXPLAIN QUERY PLAN: $*"
  "$@" --explain | sed -n '/QUERY PLAN/,$p' | sed 1d
}

q1=0 q2=0 q2b=0 q2c=0 q3=0 q3b=0 ts_wall=0 ts_cpu=0 tso_wall=0 tso_cpu=0
size=$(stat -c %s "$db")
size_fts=$size
if [ "${MACTIME_ONLY:-0}" != 1 ]; then
echo
echo "== database size before the full-text index: $size bytes, $((size / events)) bytes/event"

echo
echo "== 1. time range on one asset, 1,000 rows (target: median <= 50 ms)"
from=2026-01-15T00:00:00Z
to=2026-02-15T00:00:00Z
plan "$T" query --asset host07 --from $from --to $to --limit 1000
measure "query --asset host07 --from --to --limit 1000" \
  "$T" query --asset host07 --from $from --to $to --limit 1000 --format jsonl
echo "   rows: $(wc -l <"$WORK/out")"
q1=$MED_WALL

echo
echo "== 2. full text (target: median <= 200 ms)"
/usr/bin/time -f "%e %U %S" -o "$WORK/t1" "$T" query --text zzzznomatch --count >/dev/null
read -r w u s <"$WORK/t1"
echo "   one-time full-text index build: ${w} s wall ($(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}') s cpu)"
size_fts=$(stat -c %s "$db")
text='"Accepted publickey" AND root'
plan "$T" query --text "$text"
measure "query --text '$text'" "$T" query --text "$text" --format jsonl
echo "   rows: $(wc -l <"$WORK/out")"
q2=$MED_WALL
measure "query --text 'wget' --count" "$T" query --text wget --count
echo "   count: $(cat "$WORK/out")"
q2b=$MED_WALL
measure "query --text 'authorized_keys' --count (file paths)" "$T" query --text authorized_keys --count
echo "   count: $(cat "$WORK/out")"
q2c=$MED_WALL

echo
echo "== 3. pivot by IP over all assets (target: median <= 500 ms)"
plan "$T" pivot --ip 203.0.113.66
measure "pivot --ip 203.0.113.66" "$T" pivot --ip 203.0.113.66
echo "   assets: $(($(wc -l <"$WORK/out") - 1)), events: $(awk 'NR > 1 { n += $NF } END { print n }' "$WORK/out")"
q3=$MED_WALL
plan "$T" pivot --ip 203.0.113.0/24
measure "pivot --ip 203.0.113.0/24" "$T" pivot --ip 203.0.113.0/24
q3b=$MED_WALL

echo
echo "== 4. timesketch export (target: >= 500,000 events/s)"
measure "query --format timesketch --order none" "$T" query --format timesketch --order none
echo "   lines: $(wc -l <"$WORK/out")"
ts_wall=$MED_WALL ts_cpu=$MED_CPU
if [ "${TIME_ORDER:-1}" = 1 ]; then
  measure "query --format timesketch (time order)" "$T" query --format timesketch
  tso_wall=$MED_WALL tso_cpu=$MED_CPU
else
  echo "   (time-ordered export skipped: TIME_ORDER=0)"
  tso_wall=0 tso_cpu=0
fi

echo
echo "== 5. size (target: <= 150 bytes/event; plaso ~790)"
echo "   with the full-text index: $size_fts bytes, $((size_fts / events)) bytes/event"
sqlite3 "$db" "SELECT printf('   %-22s %6.1f bytes/event', name, sum(pgsize) * 1.0 / $events) FROM dbstat GROUP BY name HAVING sum(pgsize) > 65536 ORDER BY sum(pgsize) DESC"
fi

echo
echo "== 6. mactime export vs TSK mactime -b over the same events (target: >= 10x)"
"$T" query --asset host01 --format body >"$WORK/body.txt"
n_body=$(wc -l <"$WORK/body.txt")
# Alternating in each round (the machine's load drifts); medians of each.
: >"$WORK/times.ref"
: >"$WORK/times.ours"
for _ in $(seq "$runs"); do
  /usr/bin/time -f "%e %U %S" -a -o "$WORK/times.ref" mactime -b "$WORK/body.txt" -d -y >/dev/null
  /usr/bin/time -f "%e %U %S" -a -o "$WORK/times.ours" "$T" query --asset host01 --format mactime >"$WORK/out"
done
med() {
  python3 - "$1" <<'PY'
import sys, statistics
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
print(statistics.median(r[0] for r in rows), statistics.median(r[1] + r[2] for r in rows))
PY
}
read -r mac_ref mac_ref_cpu < <(med "$WORK/times.ref")
read -r mac_ours mac_ours_cpu < <(med "$WORK/times.ours")
printf '%-44s median %8.3f s wall  %8.3f s cpu  (%d runs)\n' "mactime -b BODY -d -y (host01, $n_body files)" "$mac_ref" "$mac_ref_cpu" "$runs"
printf '%-44s median %8.3f s wall  %8.3f s cpu  (%d runs)\n' "query --asset host01 --format mactime" "$mac_ours" "$mac_ours_cpu" "$runs"
mactime -b "$WORK/body.txt" -d -y | grep -v "^0000-00-00T00:00:00Z" | cut -d, -f1,3,7- >"$WORK/mac.ref"
cut -d, -f1,3,7- "$WORK/out" | cmp -s - "$WORK/mac.ref" \
  && echo "   date, MACB, inode and name columns identical to mactime's (unset-time lines aside;
     size/mode/owner: mactime shows the last body line with the same name)" \
  || echo "   OUTPUT DIFFERS from mactime's"

echo
echo "== summary ($events events, medians of $runs runs; wall times on a machine with load $(cut -d' ' -f1 /proc/loadavg))"
python3 - <<PY
def ok(c): return "ok" if c else "MISSED"
q1, q2, q2b, q2c, q3, q3b = $q1, $q2, $q2b, $q2c, $q3, $q3b
ev = $events
ts_wall, ts_cpu, tso_wall, tso_cpu = $ts_wall, $ts_cpu, $tso_wall, $tso_cpu
size, size_fts = $size, $size_fts
mac_ref, mac_ours, mac_ref_cpu, mac_ours_cpu = $mac_ref, $mac_ours, $mac_ref_cpu, $mac_ours_cpu
print(f"mactime: ours {mac_ours:.3f} s vs mactime {mac_ref:.3f} s : {mac_ref/mac_ours:5.1f}x wall, {mac_ref_cpu/mac_ours_cpu:5.1f}x cpu   target >= 10x  {ok(mac_ref/mac_ours >= 10)}")
if "${MACTIME_ONLY:-0}" == "1":
    raise SystemExit(0)
print(f"time range, one asset, 1000 rows : {q1*1000:7.1f} ms      target <= 50 ms   {ok(q1 <= 0.05)}")
print(f"full text (phrase AND word)      : {q2*1000:7.1f} ms      target <= 200 ms  {ok(q2 <= 0.2)}")
print(f"full text (word, count)          : {q2b*1000:7.1f} ms")
print(f"full text (file path word, count): {q2c*1000:7.1f} ms")
print(f"pivot by IP, all assets          : {q3*1000:7.1f} ms      target <= 500 ms  {ok(q3 <= 0.5)}")
print(f"pivot by CIDR /24, all assets    : {q3b*1000:7.1f} ms")
print(f"timesketch export, storage order : {ev/ts_wall:9.0f} events/s wall, {ev/ts_cpu:9.0f} per cpu-s   target >= 500,000  {ok(ev/ts_wall >= 500000)}")
if tso_wall:
    print(f"timesketch export, time order    : {ev/tso_wall:9.0f} events/s wall, {ev/tso_cpu:9.0f} per cpu-s")
print(f"size without / with full text    : {size/ev:6.1f} / {size_fts/ev:6.1f} bytes/event   target <= 150  {ok(size_fts/ev <= 150)}")
PY
[ "${KEEP:-0}" = 1 ] || { [ -f "$arg" ] || rm -rf "$WORK"; }
