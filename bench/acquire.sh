#!/usr/bin/env bash
# Benchmark custody-acquire against ewfacquire (libewf) and dc3dd, side by side in one
# run, on 1 GiB inputs (random data; a mostly empty ext4 image), medians of RUNS runs,
# and print the ratios. Not part of ctest (no timing thresholds there).
#
# Usage: bench/acquire.sh [BUILD_DIR] [SIZE_MIB] [RUNS]
#   BUILD_DIR  where custody-acquire was built (default build/)
#   SIZE_MIB   input size (default 1024)    RUNS  runs per figure (default 3)
# Inputs are read from the page cache (each is read once before timing), outputs
# go to a scratch folder in $TMPDIR on the same disk for every tool.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
size=${2:-1024}
runs=${3:-3}
acq=$build/bin/custody-acquire
[ -x "$acq" ] || { echo "bench: build custody-acquire first ($acq)" >&2; exit 2; }
for c in ewfacquire dc3dd cc bc mkfs.ext4 /usr/bin/time; do
  command -v $c >/dev/null || { echo "bench: '$c' is not installed (scripts/deps.sh)" >&2; exit 2; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/custody-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "custody-acquire benchmark: ${size} MiB inputs, median of $runs runs, $(nproc) CPUs"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
head -c $((size * 1024 * 1024)) /dev/urandom >random.img
# Mostly empty ext4: a few MiB of files in a 1 GiB file system.
mkdir tree
for i in $(seq 1 40); do head -c 65536 /dev/urandom >tree/f$i; done
seq 1 200000 >tree/numbers.txt
truncate -s ${size}M ext4.img
mkfs.ext4 -q -F -d tree ext4.img
cat random.img ext4.img >/dev/null

# seconds CMD...: "WALL CPU" seconds of one run (CPU = user + sys of the command and
# its children; outputs removed before and after). The CPU time is what the load of a
# shared machine does not change much: compare it as well as the wall time.
seconds() {
  rm -rf out && mkdir out
  local t0 t1 cpu
  t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o cpu.txt "$@" >/dev/null 2>&1 ||
    { echo "bench: failed: $*" >&2; exit 2; }
  t1=$(date +%s.%N)
  rm -rf out
  cpu=$(awk '{print $1 + $2}' cpu.txt)
  echo "$(echo "$t1 - $t0" | bc -l) $cpu"
}
# median_rate NAME INPUT CMD...: median MB/s (10^6 bytes/s) over $runs runs, with the
# median CPU seconds and the 1-minute load average after the last run.
declare -A RATE
median_rate() {
  local name=$1 input=$2
  shift 2
  local bytes times=() cpus=() r
  bytes=$(stat -c %s "$input")
  for _ in $(seq 1 "$runs"); do
    r=$(seconds "$@")
    times+=("${r% *}")
    cpus+=("${r#* }")
  done
  local med medcpu
  med=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")
  medcpu=$(printf '%s\n' "${cpus[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")
  RATE[$name]=$(echo "$bytes / $med / 1000000" | bc -l)
  printf '  %-46s %8.1f MB/s  cpu %5.2f s  (runs: %s s; load %s)\n' "$name" "${RATE[$name]}" \
    "$medcpu" "$(printf '%.2f ' "${times[@]}")" "$(cut -d' ' -f1 /proc/loadavg)"
}
ratio() { echo "${RATE[$1]} / ${RATE[$2]}" | bc -l; }

# The machine's limit: MD5, SHA-1 and SHA-256 of the file alone with libgcrypt, each
# on its own thread (bench/hash3.c), i.e. on all cores.
cc -O2 -o hash3 "$root/bench/hash3.c" $(pkg-config --cflags --libs libgcrypt) -lpthread

for input in random ext4; do
  img=$input.img
  echo "$input data:"
  median_rate "$input: hashes alone (3 threads)" $img ./hash3 $img
  median_rate "$input: ewfacquire e01 fast md5+sha1+sha256" $img \
    ewfacquire -u -q -t out/ewf -c fast -f encase6 -d sha1,sha256 -S 8G $img
  median_rate "$input: custody-acquire e01 fast (no verify)" $img \
    "$acq" $img --output out/cust -q --no-verify-image
  median_rate "$input: custody-acquire e01 fast + verify" $img \
    "$acq" $img --output out/cust -q
  median_rate "$input: dc3dd raw md5+sha1+sha256" $img \
    dc3dd if=$img of=out/dc.raw hash=md5 hash=sha1 hash=sha256 nwspc=on
  median_rate "$input: custody-acquire raw (no verify)" $img \
    "$acq" $img --output out/cust --format raw -q --no-verify-image
  printf '  ratio e01 vs ewfacquire:          %6.2fx\n' \
    "$(ratio "$input: custody-acquire e01 fast (no verify)" "$input: ewfacquire e01 fast md5+sha1+sha256")"
  printf '  ratio e01 vs hashes alone:        %6.0f%%\n' \
    "$(echo "100 * $(ratio "$input: custody-acquire e01 fast (no verify)" "$input: hashes alone (3 threads)")" | bc -l)"
  # The E01 file's own SHA-256 (for the manifest) can only start once libewf has
  # closed the segment: it patches the sectors section's header then. With one
  # segment it runs after everything else. Its time, hashed alone from the page
  # cache as custody-acquire does, and the E01 rate without it:
  rm -rf keep && mkdir keep
  "$acq" $img --output keep/cust -q --no-verify-image >/dev/null 2>&1 || { echo "bench: e01 failed" >&2; exit 2; }
  tails=()
  for _ in $(seq 1 "$runs"); do
    t0=$(date +%s.%N)
    for f in keep/cust.E??; do ./hash3 --sha256 "$f"; done
    tails+=("$(echo "$(date +%s.%N) - $t0" | bc -l)")
  done
  rm -rf keep
  tail_s=$(printf '%s\n' "${tails[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")
  e01_s=$(echo "$(stat -c %s $img) / ${RATE["$input: custody-acquire e01 fast (no verify)"]} / 1000000" | bc -l)
  RATE["$input: e01 without the file hash"]=$(echo "$(stat -c %s $img) / ($e01_s - $tail_s) / 1000000" | bc -l)
  printf '  SHA-256 of the E01 files alone:   %6.2f s (median); e01 without it: %.1f MB/s = %.0f%% of hashes alone\n' \
    "$tail_s" "${RATE["$input: e01 without the file hash"]}" \
    "$(echo "100 * $(ratio "$input: e01 without the file hash" "$input: hashes alone (3 threads)")" | bc -l)"
  printf '  ratio raw vs dc3dd:               %6.2fx\n' \
    "$(ratio "$input: custody-acquire raw (no verify)" "$input: dc3dd raw md5+sha1+sha256")"
  printf '  ratio raw vs hashes alone:        %6.0f%%\n' \
    "$(echo "100 * $(ratio "$input: custody-acquire raw (no verify)" "$input: hashes alone (3 threads)")" | bc -l)"
done
# Bounded memory: peak RSS of one E01 acquisition with verification (limit: 256 MiB).
if [ -x /usr/bin/time ]; then
  rm -rf out && mkdir out
  rss=$(/usr/bin/time -f %M "$acq" random.img --output out/rss -q 2>&1 >/dev/null | tail -1)
  rm -rf out
  printf '  peak RSS, e01 + verify:           %6.1f MiB (limit 256)\n' "$(echo "$rss / 1024" | bc -l)"
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
