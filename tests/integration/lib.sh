# Shared helpers for integration tests. Source it: . "$(dirname "$0")/lib.sh"
# Environment from ctest: CUSTODY_BIN (built tools), CUSTODY_SRC, CUSTODY_TESTDATA.
set -euo pipefail

: "${CUSTODY_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${CUSTODY_BIN:=$CUSTODY_SRC/build/bin}"
: "${CUSTODY_TESTDATA:=$CUSTODY_SRC/../shared/testdata}"
export PATH="$CUSTODY_BIN:$PATH"
export LC_ALL=C TZ=UTC

SKIP=77
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/custody-$TEST_NAME.XXXXXX")
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

skip() {
  echo "SKIP: $*" >&2
  exit $SKIP
}

# need_cmd CMD...: skip the test when a prerequisite tool is missing.
need_cmd() {
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || skip "'$c' not installed"
  done
}

need_testdata() {
  [ -d "$CUSTODY_TESTDATA" ] || skip "no test data at $CUSTODY_TESTDATA"
}

# expect_status N CMD...: run CMD, require exit status N; stdout to $WORK/out,
# stderr to $WORK/err.
expect_status() {
  local want=$1 got=0
  shift
  "$@" >"$WORK/out" 2>"$WORK/err" || got=$?
  if [ "$got" != "$want" ]; then
    echo "--- stdout" >&2; cat "$WORK/out" >&2
    echo "--- stderr" >&2; cat "$WORK/err" >&2
    fail "expected exit $want, got $got: $*"
  fi
}

# assert_contains FILE TEXT: fixed-string search.
assert_contains() {
  grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "'$1' does not contain '$2'"; }
}

assert_not_contains() {
  if grep -qF -- "$2" "$1"; then cat "$1" >&2; fail "'$1' contains '$2'"; fi
}

# pin_times IMG PATH EPOCH: set atime, mtime, ctime and crtime (whole seconds) of a
# file inside an ext2/3/4 image with debugfs.
# The path is quoted for debugfs (spaces are fine; not double quotes); debugfs
# exits 0 even when it fails, so its messages are checked.
pin_times() {
  local img=$1 path=$2 t=$3 out
  for f in atime mtime ctime crtime; do
    out=$(debugfs -w -R "set_inode_field \"$path\" $f @$t" "$img" 2>&1 | grep -v '^debugfs [0-9]' || true)
    [ -z "$out" ] || fail "pin_times $path $f: $out"
  done
}

# make_ext4 IMG SIZE_MIB DIR: an ext4 image holding DIR's tree.
make_ext4() {
  need_cmd mkfs.ext4
  truncate -s "$2M" "$1"
  mkfs.ext4 -q -F -E root_owner=0:0 -d "$3" "$1"
}

# make_fat IMG SIZE_MIB DIR: a FAT image holding DIR's files.
make_fat() {
  need_cmd mkfs.vfat mcopy
  truncate -s "$2M" "$1"
  mkfs.vfat -n CUSTODY "$1" >/dev/null
  if [ -n "$(ls -A "$3")" ]; then
    MTOOLS_SKIP_CHECK=1 mcopy -s -m -i "$1" "$3"/* ::/
  fi
}

# make_partitioned OUT PART_IMG...: an MBR disk with each image as a primary
# partition (1 MiB aligned, type 0x83).
make_partitioned() {
  need_cmd sfdisk
  local out=$1
  shift
  local start=2048 layout="label: dos"$'\n' p sectors
  local starts=()
  for p in "$@"; do
    sectors=$(( ($(stat -c %s "$p") + 511) / 512 ))
    layout+="start=$start, size=$sectors, type=83"$'\n'
    starts+=("$start")
    start=$(( start + (sectors + 2047) / 2048 * 2048 ))
  done
  truncate -s $(( start * 512 )) "$out"
  printf '%s' "$layout" | sfdisk -q "$out"
  local i=0
  for p in "$@"; do
    dd if="$p" of="$out" bs=512 seek="${starts[$i]}" conv=notrunc status=none
    i=$(( i + 1 ))
  done
}

# new_case DB: a case database with one asset 'srv1' and its evidence 'sda'.
new_case() {
  custody-casedb init "$1" --case-number TEST-1 --title "test case" -q
  custody-casedb asset add srv1 --case-db "$1" -q
  custody-casedb evidence add --case-db "$1" --asset srv1 --evidence sda -q
}
