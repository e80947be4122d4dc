#!/usr/bin/env bash
# --send | --receive (as over ssh): the result equals a local acquisition, also with
# unreadable sectors injected on the sending side (the error list travels with the
# data); the sender's hashes are checked by the receiver; a stream cut in the middle
# or damaged in transit is a failed, partial acquisition, never a complete one.
. "$(dirname "$0")/lib.sh"
need_cmd ewfinfo ewfexport sqlite3

lib=$CUSTODY_BUILD/tests/fault/libcustody_fault_eio.so
export ASAN_OPTIONS=verify_asan_link_order=0
head -c $((10 * 1024 * 1024)) /dev/urandom >src.bin
sha256=$(sha256sum <src.bin | cut -d' ' -f1)
custody-casedb init case.db --case-number T --title t -q

# Clean source: the same image as a local acquisition.
custody-acquire --send src.bin | custody-acquire --receive - --output rx --json \
  --case-db case.db --asset web01 >rx.json || fail "send | receive failed"
assert_contains rx.json '"status": "complete"'
assert_contains rx.json '"verify_source": "pass"'
assert_contains rx.json "$sha256"
assert_contains rx.manifest "source: src.bin"
assert_contains rx.manifest "source-type: remote"
assert_contains rx.log "hashes computed by the sender: EQUAL (PASS)"
[ "$(sqlite3 case.db "SELECT label FROM evidence")" = src.bin ] || fail "evidence label"
custody-acquire --receive <(custody-acquire --send src.bin) --output rxraw --format raw -q ||
  fail "receive from a file"
cmp rxraw.raw src.bin || fail "received raw image differs from the source"

# Unreadable sectors on the server: the same list and image as locally.
ranges="$((300 * 512)):512,$((9000 * 512)):4096"
CUSTODY_FAULT_FILE=$PWD/src.bin CUSTODY_FAULT_EIO=$ranges LD_PRELOAD=$lib \
  custody-acquire src.bin --output local -q --retries 0 && fail "local: expected exit 1"
rc=0
CUSTODY_FAULT_FILE=$PWD/src.bin CUSTODY_FAULT_EIO=$ranges LD_PRELOAD=$lib \
  custody-acquire --send src.bin --retries 0 2>/dev/null |
  custody-acquire --receive - --output remote -q || rc=$?
[ $rc = 1 ] || fail "remote with bad sectors: expected exit 1, got $rc"
[ "$(grep -E '^(md5|sha1|sha256|read-error):' local.manifest)" = \
  "$(grep -E '^(md5|sha1|sha256|read-error):' remote.manifest)" ] ||
  fail "remote and local acquisitions differ"
assert_contains remote.manifest "read-error: 300 1"
assert_contains remote.manifest "read-error: 9000 8"
ewfinfo remote.E01 >info.txt
assert_contains info.txt "at sector(s): 9000 - 9007 number: 8"

# Cut in the middle: failed, partial, recorded as such.
rc=0
custody-acquire --send src.bin 2>/dev/null | head -c 6000000 |
  custody-acquire --receive - --output cut --case-db case.db --asset web01 --evidence cut \
    -q 2>err.txt || rc=$?
[ $rc = 2 ] || fail "cut stream: expected exit 2, got $rc"
assert_contains err.txt "connection lost"
[ ! -e cut.E01 ] || fail "a cut stream left a complete-looking cut.E01"
[ -e cut.E01.partial ] || fail "the partial image is not kept"
assert_contains cut.manifest "status: failed"
[ "$(sqlite3 case.db "SELECT status FROM acquisitions WHERE output_base = 'cut'")" = failed ] ||
  fail "cut stream not recorded as failed"

# Damaged in transit: one flipped byte is caught by the frame CRC.
custody-acquire --send src.bin >stream.bin
python3 -c "
import sys
b = bytearray(open('stream.bin','rb').read()); b[5000000] ^= 1
open('bad.bin','wb').write(b)"
expect_status 2 custody-acquire --receive bad.bin --output damaged
assert_contains err "CRC mismatch"
# A hostile source name from the server reaches the log, the JSON and the terminal
# only made safe.
evil=$'evil\e[31m\n.bin'
head -c 65536 src.bin >"$evil"
custody-acquire --send "$evil" | custody-acquire --receive - --output hostile --json \
  >hostile.json 2>hostile.err || { cat hostile.err hostile.log >&2; fail "hostile name"; }
assert_not_contains hostile.log $'\e['
assert_contains hostile.log 'evil\x1b[31m\x0a.bin'
assert_not_contains hostile.json $'\e['
assert_not_contains hostile.err $'\e['
python3 -c "import json; json.load(open('hostile.json'))" || fail "invalid JSON"
# Not a stream at all.
expect_status 2 custody-acquire --receive src.bin --output notstream
assert_contains err "not a custody-acquire --send stream"
exit 0
