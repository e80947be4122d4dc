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

# Raw files are written with O_DIRECT where aligned and hashed as they are written:
# split at a size that is no multiple of the 4 KiB alignment, from a source whose size
# is not either, every part's SHA-256 in the manifest equals sha256sum's, with and
# without the read-back, and the parts reassemble to the source.
head -c $((5 * 1000000 + 777)) /dev/urandom >odd.bin
n=0
for verify in --quiet --no-verify-image; do
  n=$((n + 1))
  expect_status 0 custody-acquire odd.bin --output odd$n --format raw --segment-size 1000000 \
    $verify -q
  [ "$(ls odd$n.0* | wc -l)" = 6 ] || fail "expected 6 parts: $(ls odd$n.0*)"
  cat odd$n.0* | cmp - odd.bin || fail "odd split ($verify) does not reassemble to the source"
  [ "$(grep -c '^SHA256 (odd' odd$n.manifest)" = 6 ] || fail "manifest lists $(grep -c '^SHA256 (odd' odd$n.manifest) parts"
  grep '^SHA256 (' odd$n.manifest | sha256sum -c --quiet || fail "sha256sum -c on odd parts ($verify)"
done
assert_contains odd1.manifest "verify-image: pass"
assert_contains odd2.manifest "verify-image: skipped"
expect_status 0 custody-acquire odd.bin --output oddone --format raw --no-verify-image -q
cmp odd.bin oddone.raw || fail "unsplit raw of an odd size differs"
grep '^SHA256 (' oddone.manifest | sha256sum -c --quiet || fail "sha256sum -c on the unsplit raw"

# A byte stored corrupted on the output disk (fault injection on the write): the
# read-back verification reads the disk, not what we meant to write, and fails.
flip=$CUSTODY_BUILD/tests/fault/libcustody_fault_flip.so
[ -e "$flip" ] || fail "missing $flip"
for fmt in raw e01; do
  out=bad-$fmt.raw
  [ $fmt = e01 ] && out=bad-$fmt.E01
  rc=0
  CUSTODY_FAULT_FILE=$PWD/$out CUSTODY_FAULT_FLIP=1234567 ASAN_OPTIONS=verify_asan_link_order=0 \
    LD_PRELOAD=$flip custody-acquire src.bin --output bad-$fmt --format $fmt -q 2>err.txt || rc=$?
  [ $rc = 1 ] || fail "a corrupted $fmt write: expected exit 1, got $rc"
  assert_contains bad-$fmt.manifest "verify-image: fail"
  assert_contains bad-$fmt.log "FAIL"
done
# The E01 is read back from its segment files (common/ewf_layout.c, scan.c), not
# through libewf: the flipped byte is found as a damaged chunk, by its checksum.
assert_contains bad-e01.log "verification of the image FAILED: 1 damaged chunk(s), the first chunk"
cmp -s src.bin bad-raw.raw && fail "the flip library did not corrupt the raw output"
# Split raw without the read-back: the part's hash recorded while writing is what was
# meant to be stored, so sha256sum -c finds the corrupted part.
rc=0
CUSTODY_FAULT_FILE=$PWD/badsplit.001 CUSTODY_FAULT_FLIP=5000 ASAN_OPTIONS=verify_asan_link_order=0 \
  LD_PRELOAD=$flip custody-acquire src.bin --output badsplit --format raw --segment-size 2M \
  --no-verify-image -q || rc=$?
[ $rc = 0 ] || fail "split raw without read-back: expected exit 0, got $rc"
rc=0
grep '^SHA256 (' badsplit.manifest | sha256sum -c >sums.txt 2>&1 || rc=$?
[ $rc != 0 ] || fail "sha256sum -c did not find the corrupted part"
assert_contains sums.txt "badsplit.001: FAILED"
[ "$(grep -c ': OK' sums.txt)" = 4 ] || fail "the other parts should check out: $(cat sums.txt)"
exit 0
