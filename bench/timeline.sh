#!/usr/bin/env bash
# Benchmark: custody-timeline against The Sleuth Kit on the same ext4 image, in one run.
#   bench/timeline.sh [BUILD_DIR]      (default: <repo>/build)
# The image (ext4, 100,000 files in 10 x 100 nested folders, one in ten with
# content) is made once and cached in $BENCH_WORK (default /tmp/custody-bench-timeline).
# RUNS (default 3) rounds, tools alternating in each round:
#   custody-timeline build (new case database each run; also with --no-logs, without
#   the log module's look at every name)  vs  fls -r -m /  and  tsk_loaddb
#   custody-timeline export --format mactime              vs  mactime -b BODY -d
# Medians of wall time and of CPU time (user + sys, children included) are printed
# with the ratios; CPU ratios are the fairer figure on a machine shared with other
# work. Also events per second and database bytes per event. Outputs are checked:
# body export = fls lines, mactime export = mactime output.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
T="$build/bin/custody-timeline"
C="$build/bin/custody-casedb"
W=${BENCH_WORK:-/tmp/custody-bench-timeline}
RUNS=${RUNS:-3}
NFILES=100000
[ -x "$T" ] || { echo "bench: build first ($T missing)" >&2; exit 2; }
for t in fls mactime tsk_loaddb mkfs.ext4 python3 /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "bench: $t missing (scripts/deps.sh)" >&2; exit 2; }
done
export TZ=UTC LC_ALL=C
mkdir -p "$W"
cd "$W"
if [ ! -f ext4-100k.img ]; then
  echo "bench: making ext4-100k.img (once, cached in $W)" >&2
  rm -rf tree && mkdir tree
  python3 - "$NFILES" <<'PY'
import os, sys
n = int(sys.argv[1])
for i in range(n):
    d = os.path.join('tree', 'd%02d' % (i // 10000), 'sub%03d' % (i // 100 % 100))
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'file_%03d.txt' % (i % 100)), 'w') as f:
        if i % 10 == 0:
            f.write('x' * 100)
PY
  truncate -s 1G ext4-100k.img.tmp
  mkfs.ext4 -q -F -N 140000 -E root_owner=0:0 -d tree ext4-100k.img.tmp
  mv ext4-100k.img.tmp ext4-100k.img
  rm -rf tree
fi
IMG=$W/ext4-100k.img

# run NAME CMD...: time CMD (stdout to $W/out.NAME); appends "wall cpu" to $W/t.NAME
run() {
  local name=$1
  shift
  /usr/bin/time -f "%e %U %S" -o "$W/time.tmp" "$@" >"$W/out.$name"
  awk '{printf "%s %.3f\n", $1, $2 + $3}' "$W/time.tmp" >>"$W/t.$name"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
wall() { cut -d' ' -f1 "$W/t.$1" | median; }
cpu() { cut -d' ' -f2 "$W/t.$1" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }

rm -f t.* out.* case*.db* loaddb*.db
cat "$IMG" >/dev/null # page cache warm for everyone
for r in $(seq 1 "$RUNS"); do
  echo "bench: round $r of $RUNS" >&2
  run fls fls -r -m / "$IMG"
  rm -f case.db case.db-wal case.db-shm
  "$C" init case.db --case-number BENCH --title bench -q
  run build "$T" build -q --case-db case.db --evidence bench/sda "$IMG"
  rm -f case2.db case2.db-wal case2.db-shm
  "$C" init case2.db --case-number BENCH --title bench -q
  run buildnologs "$T" build -q --no-logs --case-db case2.db --evidence bench/sda "$IMG"
  rm -f loaddb.db
  run loaddb tsk_loaddb -d loaddb.db "$IMG"
  run mactime mactime -b out.fls -d
  run export "$T" export --case-db case.db --evidence bench/sda --format mactime
  run exportbody "$T" export --case-db case.db --evidence bench/sda --format body
done

# Same answers as TSK, or the numbers mean nothing.
sort -u out.fls >ref.sorted
sort -u out.exportbody >ours.sorted
cmp -s ref.sorted ours.sorted || { echo "bench: body export differs from fls" >&2; exit 1; }
cmp -s out.mactime out.export || { echo "bench: mactime export differs from mactime" >&2; exit 1; }

events=$(sqlite3 case.db "SELECT sum(events) FROM partitions") # a file's set times are its events
files=$(sqlite3 case.db "SELECT count(*) FROM files")
sqlite3 case.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
dbsize=$(stat -c %s case.db)
"$C" init empty.db --case-number E --title e -q 2>/dev/null || true
empty=$(stat -c %s empty.db)
rm -f empty.db*
bw=$(wall build) bc=$(cpu build)
echo
echo "custody-timeline bench: ext4 image of $NFILES files ($files names, $events events), medians of $RUNS runs"
printf '%-44s %9s %9s\n' "" "wall s" "cpu s"
printf '%-44s %9s %9s\n' "fls -r -m /" "$(wall fls)" "$(cpu fls)"
printf '%-44s %9s %9s\n' "custody-timeline build" "$bw" "$bc"
printf '%-44s %9s %9s\n' "custody-timeline build --no-logs" "$(wall buildnologs)" "$(cpu buildnologs)"
printf '%-44s %9s %9s\n' "tsk_loaddb" "$(wall loaddb)" "$(cpu loaddb)"
printf '%-44s %9s %9s\n' "mactime -b body -d" "$(wall mactime)" "$(cpu mactime)"
printf '%-44s %9s %9s\n' "custody-timeline export --format mactime" "$(wall export)" "$(cpu export)"
printf '%-44s %9s %9s\n' "custody-timeline export --format body" "$(wall exportbody)" "$(cpu exportbody)"
echo
echo "build / fls:             $(ratio "$bw" "$(wall fls)") x wall, $(ratio "$bc" "$(cpu fls)") x cpu   (target <= 2)"
echo "build --no-logs / fls:   $(ratio "$(wall buildnologs)" "$(wall fls)") x wall, $(ratio "$(cpu buildnologs)" "$(cpu fls)") x cpu"
echo "tsk_loaddb / build:      $(ratio "$(wall loaddb)" "$bw") x wall, $(ratio "$(cpu loaddb)" "$bc") x cpu   (target >= 15)"
echo "mactime / export:        $(ratio "$(wall mactime)" "$(wall export)") x wall, $(ratio "$(cpu mactime)" "$(cpu export)") x cpu   (target >= 10)"
echo "build events per second: $(awk -v e="$events" -v t="$bw" 'BEGIN {printf "%.0f", e / t}')"
echo "database bytes per event: $(awk -v s="$dbsize" -v z="$empty" -v e="$events" 'BEGIN {printf "%.1f", (s - z) / e}') (database $dbsize bytes, empty case $empty)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
