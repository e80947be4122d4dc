#!/usr/bin/env bash
# Failures lose nothing and claim nothing: a file-size limit and a full disk (ENOSPC
# injected with LD_PRELOAD, then resumed), Ctrl-C,
# SIGKILL, and bad requests (nonexistent source, a directory, an existing output,
# a segment smaller than a chunk). Exit 2, the record says what happened, and no
# record or file claims a complete acquisition.
. "$(dirname "$0")/lib.sh"
need_cmd sqlite3

head -c $((8 * 1024 * 1024)) /dev/urandom >src.bin
custody-casedb init case.db --case-number T --title t -q
acq() { sqlite3 case.db "SELECT status FROM acquisitions WHERE output_base = '$1'"; }

# Output limit: ulimit -f (1 MiB) makes writes fail with EFBIG.
for fmt in e01 raw; do
  rc=0
  (ulimit -f 1024; exec custody-acquire src.bin --output full-$fmt --format $fmt \
    --case-db case.db --asset srv1 --evidence full-$fmt -q) 2>err.txt || rc=$?
  [ $rc = 2 ] || { cat err.txt; fail "$fmt: file-size limit: expected exit 2, got $rc"; }
  assert_contains err.txt "File too large"
  [ "$(acq full-$fmt)" = failed ] || fail "$fmt: acquisition not failed: $(acq full-$fmt)"
  ls full-$fmt.* >files.txt
  assert_contains files.txt ".partial"
  assert_contains full-$fmt.manifest "status: failed"
  assert_not_contains full-$fmt.manifest "md5: "
  [ -z "$(sqlite3 case.db "SELECT md5 FROM acquisitions WHERE output_base = 'full-$fmt'")" ] ||
    fail "$fmt: a failed acquisition has hashes"
done
[ ! -e full-e01.E01 ] || fail "a complete-looking full-e01.E01 was left"
[ ! -e full-raw.raw ] || fail "a complete-looking full-raw.raw was left"

# Disk full (LD_PRELOAD: writes to the image fail with ENOSPC after 3 MB, the write
# that crosses the limit cut short): exit 2, failed, .partial, no hashes anywhere;
# then --resume (once there is room) completes it with the source's hashes.
enospc=$CUSTODY_BUILD/tests/fault/libcustody_fault_enospc.so
sha256=$(sha256sum <src.bin | cut -d' ' -f1)
for fmt in e01 raw; do
  match=nospc-$fmt.E0
  [ $fmt = raw ] && match=nospc-$fmt.raw
  rc=0
  CUSTODY_FAULT_ENOSPC_MATCH=$match CUSTODY_FAULT_ENOSPC_AFTER=3000000 LD_PRELOAD=$enospc \
    ASAN_OPTIONS=verify_asan_link_order=0 custody-acquire src.bin --output nospc-$fmt \
    --format $fmt --case-db case.db --asset host-$fmt --evidence nospc-$fmt -q --json \
    >nospc.json 2>err.txt || rc=$?
  [ $rc = 2 ] || { cat err.txt; fail "$fmt: disk full: expected exit 2, got $rc"; }
  [ $fmt = raw ] && assert_contains err.txt "No space left on device"
  [ "$(acq nospc-$fmt)" = failed ] || fail "$fmt: disk full: acquisition is '$(acq nospc-$fmt)'"
  assert_contains nospc.json '"status": "failed"'
  assert_not_contains nospc.json "$sha256"
  assert_contains nospc-$fmt.manifest "status: failed"
  assert_not_contains nospc-$fmt.manifest "md5: "
  assert_contains nospc-$fmt.log "the output is PARTIAL"
  ls nospc-$fmt.* >files.txt
  assert_contains files.txt ".partial"
  [ ! -e nospc-$fmt.E01 ] && [ ! -e nospc-$fmt.raw ] || fail "$fmt: a complete-looking image"
  size=$(stat -c %s nospc-$fmt.*.partial)
  [ "$size" -le 3000000 ] && [ "$size" -gt 2900000 ] ||
    fail "$fmt: the disk-full limit was not hit ($size bytes)"
  # the manifest claims no more media than reached the image (random data: stored
  # as is), not what was read ahead of the failed write
  msize=$(awk '/^media-size:/ {print $2}' nospc-$fmt.manifest)
  [ -n "$msize" ] && [ "$msize" -le "$size" ] ||
    fail "$fmt: the partial manifest claims $msize media bytes in a $size-byte file"
  [ -z "$(sqlite3 case.db "SELECT md5 FROM acquisitions WHERE output_base = 'nospc-$fmt'")" ] ||
    fail "$fmt: a failed acquisition has hashes"
  [ "$(sqlite3 case.db "SELECT status FROM assets WHERE hostname = 'host-$fmt'")" != acquired ] ||
    fail "$fmt: the asset was marked acquired"
  expect_status 0 custody-acquire src.bin --output nospc-$fmt --resume --case-db case.db
  [ "$(acq nospc-$fmt)" = complete ] || fail "$fmt: resume after disk full: '$(acq nospc-$fmt)'"
  assert_contains nospc-$fmt.manifest "sha256: $sha256"
done
assert_contains nospc-e01.log "bytes of a chunk whose write was cut are dropped"

# wait_reading LOG: wait (up to 30 s) until the acquisition is reading.
wait_reading() {
  for _ in $(seq 1 300); do
    grep -q "  reading" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "the acquisition did not start reading"
}

# SIGINT: a slow stream, interrupted. The chunk in hand is finished, the outputs
# closed and marked partial, the record says interrupted.
mkfifo slow
( head -c 1048576 src.bin; sleep 20 ) >slow &
feeder=$!
custody-acquire - --output int --case-db case.db --asset srv1 --evidence int -q <slow \
  2>err.txt &
pid=$!
wait_reading int.log
sleep 0.5
kill -INT $pid
rc=0
wait $pid || rc=$?
kill $feeder 2>/dev/null || true
wait $feeder 2>/dev/null || true
[ $rc = 2 ] || { cat err.txt; fail "SIGINT: expected exit 2, got $rc"; }
[ "$(acq int)" = interrupted ] || fail "SIGINT: acquisition is '$(acq int)'"
assert_contains int.manifest "status: interrupted"
[ -e int.E01.partial ] && [ ! -e int.E01 ] || fail "SIGINT: outputs not marked partial"
# The megabyte that had arrived is kept (random data: stored uncompressed).
[ "$(stat -c %s int.E01.partial)" -gt 1000000 ] || fail "SIGINT: the data in hand was dropped"
assert_contains int.log "interrupted after 1048576 bytes read, 1048576 of them in the image"
# The partial file is listed with its size and SHA-256 (what --resume checks).
grep '^SHA256 (' int.manifest | sha256sum -c --quiet ||
  fail "SIGINT: the manifest does not list the partial file with its SHA-256"
assert_contains int.manifest "SHA256 (int.E01.partial) = "

# SIGKILL: the record stays 'running' and status reports it as not complete.
mkfifo slow2
( head -c 1048576 src.bin; sleep 20 ) >slow2 &
feeder=$!
custody-acquire - --output killed --case-db case.db --asset srv1 --evidence killed -q \
  <slow2 2>/dev/null &
pid=$!
wait_reading killed.log
sleep 0.5
kill -KILL $pid
wait $pid 2>/dev/null || true
kill $feeder 2>/dev/null || true
wait $feeder 2>/dev/null || true
[ "$(acq killed)" = running ] || fail "SIGKILL: acquisition is '$(acq killed)'"
[ ! -e killed.manifest ] || fail "SIGKILL: a manifest was written"
rc=0
custody-casedb status --case-db case.db --json >status.json || rc=$?
[ $rc = 1 ] || fail "status after SIGKILL: expected exit 1, got $rc"
assert_contains status.json '"running": 1'
[ "$(sqlite3 case.db "SELECT count(*) FROM assets WHERE status = 'acquired'
                      AND hostname NOT LIKE 'host-%'")" = 0 ] ||
  fail "an asset was marked acquired"

# Bad requests: exit 2, a clear message, nothing recorded or created.
before=$(sqlite3 case.db "SELECT count(*) FROM acquisitions")
bad() {
  local what=$1
  shift
  rc=0
  custody-acquire "$@" --case-db case.db --asset srv1 --evidence bad -q 2>err.txt || rc=$?
  [ $rc = 2 ] || fail "$what: expected exit 2, got $rc"
  [ -s err.txt ] || fail "$what: no message"
  [ "$(sqlite3 case.db "SELECT count(*) FROM acquisitions")" = "$before" ] ||
    fail "$what: an acquisition was recorded"
}
bad "nonexistent source" /nonexistent/disk --output nx
assert_contains err.txt "cannot open source '/nonexistent/disk'"
bad "missing output folder" src.bin --output nofolder/img
assert_contains err.txt "cannot write in the output folder 'nofolder/'"
bad "directory" . --output dir
assert_contains err.txt "not a block device, a regular file or a stream"
bad "segment smaller than a chunk" src.bin --output seg --format raw --segment-size 16k \
  --chunk-sectors 64
assert_contains err.txt "smaller than one chunk"
bad "E01 segment below minimum" src.bin --output seg2 --segment-size 64k
bad "chunk sectors not a power of two" src.bin --output cs --chunk-sectors 63
ls nx.* dir.* seg.* seg2.* cs.* 2>/dev/null && fail "a refused request created files"
if [ "$(id -u)" != 0 ]; then
  touch unreadable.bin
  chmod 000 unreadable.bin
  bad "unreadable source" unreadable.bin --output ur
fi

# Existing output: refused; --force replaces it and the log records it.
expect_status 0 custody-acquire src.bin --output exist --format raw -q
bad "existing output" src.bin --output exist --format raw
assert_contains err.txt "exists"
cmp src.bin exist.raw || fail "refused run changed the existing output"
expect_status 0 custody-acquire src.bin --output exist --format raw --force -q
assert_contains exist.log "replaced (--force)"
assert_contains exist.log "exist.raw"
cmp src.bin exist.raw || fail "forced output differs"

# Usage errors.
expect_status 2 custody-acquire src.bin
assert_contains err "Try 'custody-acquire --help'"
expect_status 2 custody-acquire src.bin --output x --format vhd
expect_status 0 custody-acquire --help
assert_contains out "Usage: custody-acquire"
expect_status 0 custody-acquire --version
assert_contains out "libewf"
exit 0
