#!/usr/bin/env bash
# Before/after: two builds of custody-timeline on the bench image, alternating.
#   bench/timeline_ab.sh OLD_BUILD_DIR NEW_BUILD_DIR    (absolute paths)
# Uses the ext4 image of 100,000 files that bench/timeline.sh makes and caches in
# $BENCH_WORK (default /tmp/custody-bench-timeline); run that once first.
# ROUNDS (default 7) rounds of: fls -r -m /, then for the old and the new build
# `build` and `build --no-logs` into a new case each. Prints medians of wall and
# CPU time (user + sys, children included) and the load average: on a shared
# machine, alternating the two builds in each round is what makes them comparable.
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 OLD_BUILD_DIR NEW_BUILD_DIR" >&2; exit 2; }
W=${BENCH_WORK:-/tmp/custody-bench-timeline}
IMG=$W/ext4-100k.img
ROUNDS=${ROUNDS:-7}
[ -f "$IMG" ] || { echo "bench: run bench/timeline.sh first (no $IMG)" >&2; exit 2; }
for d in "$1" "$2"; do
  [ -x "$d/bin/custody-timeline" ] || { echo "bench: $d/bin/custody-timeline missing" >&2; exit 2; }
done
export TZ=UTC LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {
  local name=$1
  shift
  /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$@" >/dev/null
  awk '{printf "%s %.3f\n", $1, $2 + $3}' "$tmp/time" >>"$tmp/t.$name"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
build() { # NAME BUILD_DIR [--no-logs]
  local name=$1 dir=$2
  shift 2
  rm -f "$tmp"/case.db*
  "$dir/bin/custody-casedb" init "$tmp/case.db" --case-number AB --title ab -q
  run "$name" "$dir/bin/custody-timeline" build -q "$@" --case-db "$tmp/case.db" --evidence ab/sda "$IMG"
}
cat "$IMG" >/dev/null
for r in $(seq 1 "$ROUNDS"); do
  echo "bench: round $r of $ROUNDS" >&2
  run fls fls -r -m / "$IMG"
  build old "$1"
  build old-nologs "$1" --no-logs
  build new "$2"
  build new-nologs "$2" --no-logs
done
printf '%-28s %9s %9s\n' "" "wall s" "cpu s"
for n in fls old new old-nologs new-nologs; do
  printf '%-28s %9s %9s\n' "$n" "$(cut -d' ' -f1 "$tmp/t.$n" | median)" "$(cut -d' ' -f2 "$tmp/t.$n" | median)"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
