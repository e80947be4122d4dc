#!/usr/bin/env bash
# custody-acquire to raw files and from streams: raw output is byte-identical to the
# source, split output reassembles to it, a stream on a pipe is acquired with and
# without --size (raw and E01), and a stream cut short is a failure with its output
# marked partial, never a complete-looking image.
. "$(dirname "$0")/lib.sh"
need_cmd ewfverify sqlite3 sha256sum

head -c $((9 * 1024 * 1024 + 4096)) /dev/urandom >src.bin
sha256=$(sha256sum <src.bin | cut -d' ' -f1)

# Unsplit raw: BASE.raw, identical.
expect_status 0 custody-acquire src.bin --output one --format raw --json
cmp src.bin one.raw || fail "raw output differs from the source"
assert_contains out "$sha256"
assert_contains one.manifest "SHA256 (one.raw) = $sha256"
[ ! -w one.raw ] || [ "$(id -u)" = 0 ] || fail "raw output should be read-only"

# Split raw: BASE.000, BASE.001, ... reassemble to the source.
expect_status 0 custody-acquire src.bin --output split --format raw --segment-size 2M -q
ls split.0* >parts.txt
[ "$(wc -l <parts.txt)" = 5 ] || fail "expected 5 parts of 2 MiB, got $(wc -l <parts.txt)"
[ "$(stat -c %s split.000)" = $((2 * 1024 * 1024)) ] || fail "first part not 2 MiB"
cat split.0* | cmp - src.bin || fail "split raw output does not reassemble to the source"
grep '^SHA256 (' split.manifest | sha256sum -c --quiet || fail "sha256sum -c on raw parts"

# Streams: from a pipe, without and with --size.
cat src.bin | custody-acquire - --output s1 --format raw -q || fail "stream without --size"
cmp src.bin s1.raw || fail "stream raw output differs"
cat src.bin | custody-acquire - --output s2 --size $(stat -c %s src.bin) -q ||
  fail "stream with --size"
ewfverify -q s2.E01 >v.txt 2>&1 || fail "ewfverify on the streamed E01"
cat src.bin | custody-acquire - --output s3 -q || fail "stream to E01 without --size"
ewfverify -q s3.E01 >v.txt 2>&1 || fail "ewfverify on the streamed E01 without size"
assert_contains s3.manifest "sha256: $sha256"
assert_contains s3.manifest "source-type: stream"

# A stream cut in the middle: --size promises more than arrives.
custody-casedb init case.db --case-number T --title t -q
rc=0
head -c 3000000 src.bin | custody-acquire - --output cut --size $(stat -c %s src.bin) \
  --case-db case.db --asset srv1 --evidence sda -q 2>err.txt || rc=$?
[ $rc = 2 ] || fail "cut stream: expected exit 2, got $rc"
assert_contains err.txt "ended at byte 3000000"
[ ! -e cut.E01 ] || fail "a cut stream left a complete-looking cut.E01"
[ -e cut.E01.partial ] || fail "the partial image is not kept as cut.E01.partial"
assert_contains cut.manifest "status: failed"
assert_not_contains cut.manifest "sha256: "
assert_contains cut.log "PARTIAL"
row=$(sqlite3 case.db "SELECT status, md5 IS NULL, sha256 IS NULL FROM acquisitions")
[ "$row" = "failed|1|1" ] || fail "database row for a cut stream: $row"
[ "$(sqlite3 case.db "SELECT status FROM assets")" = registered ] || fail "asset moved"
rc=0
custody-casedb status --case-db case.db -q || rc=$?
[ $rc = 1 ] || fail "status must report the failed acquisition (exit 1), got $rc"

# Short reads from the source (fault injection) change nothing.
lib=$CUSTODY_BUILD/tests/fault/libcustody_fault_short.so
[ -e "$lib" ] || fail "missing $lib"
CUSTODY_FAULT_FILE=$PWD/src.bin CUSTODY_FAULT_SHORT=1000 ASAN_OPTIONS=verify_asan_link_order=0 \
  LD_PRELOAD=$lib custody-acquire src.bin --output short --format raw -q ||
  fail "short reads made the acquisition fail"
cmp src.bin short.raw || fail "short reads changed the image"
exit 0
