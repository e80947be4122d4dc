#!/usr/bin/env bash
# Benchmark: custody-verify against ewfverify on the same E01 files, in one run.
#   bench/verify.sh [BUILD_DIR]      (default: <repo>/build)
# Two 1 GiB inputs, made once with ewfacquire and cached in $BENCH_WORK
# (default /tmp/custody-bench-verify): random data with fast compression, and a
# mostly empty ext4 file system. Each tool runs RUNS times (default 3) per input,
# alternating; the median wall time gives MB/s, and the ratio is custody-verify's
# throughput over ewfverify's. ewfverify computes the same three hashes only with
# `-d sha1,sha256` (repeating -d keeps only the last type). Both must compute the
# same MD5, SHA-1 and SHA-256, or the run fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
V="$build/bin/custody-verify"
W=${BENCH_WORK:-/tmp/custody-bench-verify}
RUNS=${RUNS:-3}
SIZE=$((1024 * 1024 * 1024))
[ -x "$V" ] || { echo "bench: build first ($V missing)" >&2; exit 2; }
for t in ewfacquire ewfverify mkfs.ext4 python3; do
  command -v "$t" >/dev/null || { echo "bench: $t missing (scripts/deps.sh)" >&2; exit 2; }
done
mkdir -p "$W"
cd "$W"

make_e01() { # NAME RAW
  [ -f "$1.E01" ] && return 0
  echo "bench: making $1.E01 with ewfacquire (once, cached in $W)" >&2
  ewfacquire -u -q -t "$W/$1.tmp" -c fast -f encase6 -S 4GiB -d sha1 "$2" >/dev/null
  for f in "$1".tmp.E*; do mv "$f" "${f/.tmp/}"; done
}
if [ ! -f random.E01 ]; then
  head -c $SIZE /dev/urandom >random.raw
  make_e01 random random.raw
  rm -f random.raw
fi
if [ ! -f ext4.E01 ]; then
  # 1 GiB ext4, a few tens of MiB of real files, the rest empty
  rm -rf ext4.d && mkdir -p ext4.d
  cp -r /usr/share/doc ext4.d/doc 2>/dev/null || true
  cp -r /usr/include ext4.d/include 2>/dev/null || true
  truncate -s $SIZE ext4.raw
  mkfs.ext4 -q -F -E root_owner=0:0 -d ext4.d ext4.raw
  make_e01 ext4 ext4.raw
  rm -rf ext4.raw ext4.d
fi

now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
hashes_custody() { # FILE -> "md5 sha1 sha256"
  python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
h={}
for c in d["checks"]:
    for a in ("MD5","SHA1","SHA256"):
        if c["check"]==a+" vs E01":
            v=c["detail"]
            if v.startswith("not stored (computed "): v=v[len("not stored (computed "):-1]
            elif v.startswith("computed "): v=v.split()[1].rstrip(",")
            h[a]=v
print(h["MD5"],h["SHA1"],h["SHA256"])' "$1"
}
hashes_ewfverify() {
  awk -F'\t+' '/MD5 hash calculated/ {m=$2} /SHA1 hash calculated/ {s=$2}
       /SHA256 hash calculated/ {t=$2} END {print m, s, t}' "$1"
}

echo "custody-verify vs ewfverify -d sha1,sha256, $RUNS runs each, median wall time"
echo "machine: $(nproc) CPUs; $("$V" --version | head -2 | tr '\n' ' ')"
status=0
for img in random ext4; do
  bytes=$(python3 -c "import sys; print($SIZE)")
  tc=() te=()
  for i in $(seq 1 "$RUNS"); do
    cat "$img".E* >/dev/null # same page-cache state for both
    t0=$(now); "$V" --json "$img.E01" >cv.json || { echo "custody-verify failed on $img" >&2; status=1; }; t1=$(now)
    tc+=("$(echo "$t1 - $t0" | bc -l)")
    t0=$(now); ewfverify -q -d sha1,sha256 "$img.E01" >ev.txt 2>&1 || true; t1=$(now)
    te+=("$(echo "$t1 - $t0" | bc -l)")
  done
  hc=$(hashes_custody cv.json)
  he=$(hashes_ewfverify ev.txt)
  same=yes
  [ "$hc" = "$he" ] || { same=NO; status=1; }
  mc=$(median "${tc[@]}")
  me=$(median "${te[@]}")
  printf '%-7s custody-verify %6.2f s (%6.1f MB/s)  ewfverify %6.2f s (%6.1f MB/s)  ratio %.2fx  same hashes: %s\n' \
    "$img" "$mc" "$(echo "$bytes / $mc / 1000000" | bc -l)" "$me" \
    "$(echo "$bytes / $me / 1000000" | bc -l)" "$(echo "$me / $mc" | bc -l)" "$same"
  echo "        runs custody-verify: ${tc[*]}; ewfverify: ${te[*]}"
  [ "$same" = yes ] || echo "        custody-verify: $hc / ewfverify: $he"
done
exit $status
