#!/usr/bin/env bash
# Unreadable sectors through fault injection (LD_PRELOAD: EIO on chosen byte ranges
# of the source): exit 1, the image equals the source with exactly those sectors
# zeroed, and the list of bad ranges is exact in the E01 (ewfinfo), the manifest,
# the log, the JSON summary and the case database. A device that disappears
# (ENXIO) stops the run: exit 2, failed.
. "$(dirname "$0")/lib.sh"
need_cmd ewfinfo ewfverify ewfexport sqlite3 python3

lib=$CUSTODY_BUILD/tests/fault/libcustody_fault_eio.so
[ -e "$lib" ] || fail "missing $lib"
export ASAN_OPTIONS=verify_asan_link_order=0

head -c $((6 * 1024 * 1024)) /dev/urandom >src.bin
# Bad: sector 7 (one byte of it), sectors 2048-2050, and 9 sectors straddling a
# 4 MiB block boundary (8188-8196).
ranges="$((7 * 512 + 100)):1,$((2048 * 512)):1536,$((8188 * 512)):$((9 * 512))"
expected="7 1
2048 3
8188 9"
# The source with exactly those sectors zeroed.
python3 - <<'PY'
data = bytearray(open("src.bin", "rb").read())
for first, count in [(7, 1), (2048, 3), (8188, 9)]:
    data[first * 512:(first + count) * 512] = bytes(count * 512)
open("expected.bin", "wb").write(data)
PY

custody-casedb init case.db --case-number T --title t -q
for fmt in e01 raw; do
  rc=0
  CUSTODY_FAULT_FILE=$PWD/src.bin CUSTODY_FAULT_EIO=$ranges LD_PRELOAD=$lib \
    custody-acquire src.bin --output img-$fmt --format $fmt --retries 1 --json \
    --case-db case.db --asset srv1 --evidence "disk-$fmt" >sum-$fmt.json 2>err.txt || rc=$?
  [ $rc = 1 ] || { cat err.txt; fail "$fmt: expected exit 1 (unreadable sectors), got $rc"; }
  assert_contains sum-$fmt.json '"status": "incomplete"'
  assert_contains sum-$fmt.json '"bad_sectors": 13'
  # Manifest: one read-error line per range.
  grep '^read-error: ' img-$fmt.manifest | sed 's/^read-error: //' >m.txt
  [ "$(cat m.txt)" = "$expected" ] || { cat img-$fmt.manifest; fail "$fmt: manifest ranges"; }
  # Database.
  db=$(sqlite3 -separator ' ' case.db "SELECT r.first_sector, r.sector_count FROM read_errors r
       JOIN acquisitions a ON a.id = r.acquisition_id WHERE a.output_base = 'img-$fmt'
       ORDER BY r.first_sector")
  [ "$db" = "$expected" ] || fail "$fmt: database ranges: $db"
  [ "$(sqlite3 case.db "SELECT status || ' ' || bad_sectors FROM acquisitions
        WHERE output_base = 'img-$fmt'")" = "incomplete 13" ] || fail "$fmt: acquisition row"
  # Log.
  assert_contains img-$fmt.log "UNREADABLE: sectors 7-7 (1 sectors)"
  assert_contains img-$fmt.log "UNREADABLE: sectors 2048-2050 (3 sectors)"
  assert_contains img-$fmt.log "UNREADABLE: sectors 8188-8196 (9 sectors)"
done

# Raw: the image is the source with exactly those sectors zeroed.
cmp img-raw.raw expected.bin || fail "raw image is not the source with the bad sectors zeroed"
# E01: ewfinfo lists exactly the ranges; the content equals the zeroed source.
ewfinfo img-e01.E01 >info.txt
assert_contains info.txt "total number: 3"
assert_contains info.txt "at sector(s): 7 - 7 number: 1"
assert_contains info.txt "at sector(s): 2048 - 2050 number: 3"
assert_contains info.txt "at sector(s): 8188 - 8196 number: 9"
ewfverify -q img-e01.E01 >v.txt 2>&1 || fail "ewfverify on the image with acquiry errors"
ewfexport -q -u -f raw -t exported img-e01.E01 >/dev/null 2>&1
cmp exported.raw expected.bin || fail "E01 content is not the source with the bad sectors zeroed"
# Not complete: the asset stays registered, status reports it.
[ "$(sqlite3 case.db "SELECT status FROM assets")" = registered ] || fail "asset moved"

# The device disappears (ENXIO) in the middle: failed, exit 2, partial.
rc=0
CUSTODY_FAULT_FILE=$PWD/src.bin CUSTODY_FAULT_EIO=$((5 * 1024 * 1024)):512 \
  CUSTODY_FAULT_ERRNO=ENXIO LD_PRELOAD=$lib \
  custody-acquire src.bin --output gone --case-db case.db --asset srv1 --evidence gone \
  -q 2>err.txt || rc=$?
[ $rc = 2 ] || fail "ENXIO: expected exit 2, got $rc"
assert_contains err.txt "disappeared"
[ -e gone.E01.partial ] && [ ! -e gone.E01 ] || fail "ENXIO: image not marked partial"
[ "$(sqlite3 case.db "SELECT status FROM acquisitions WHERE output_base = 'gone'")" = failed ] ||
  fail "ENXIO: acquisition not failed"
exit 0
