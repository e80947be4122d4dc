#!/usr/bin/env bash
# custody-acquire to E01: ewfverify passes, ewfinfo shows the case metadata, the
# stored, printed, manifest and database hashes equal md5sum/sha1sum/sha256sum of
# the source, `fls -r -m /` reads the same file system from the E01 as from the
# source, segments split and `sha256sum -c` checks them from the manifest.
. "$(dirname "$0")/lib.sh"
need_cmd ewfverify ewfinfo fls sqlite3 sha256sum debugfs

# A server disk: MBR + ext4 with logs and a deleted file.
bash "$CUSTODY_SRC/scripts/make-server-disk.sh" disk.img 24 >/dev/null 2>&1 ||
  fail "make-server-disk.sh failed"
md5=$(md5sum <disk.img | cut -d' ' -f1)
sha1=$(sha1sum <disk.img | cut -d' ' -f1)
sha256=$(sha256sum <disk.img | cut -d' ' -f1)

custody-casedb init case.db --case-number TEST-1 --title "test case" -q
expect_status 0 custody-acquire disk.img --output img --case-db case.db --asset srv1 \
  --evidence sda --case-number "CASE-42" --evidence-number "EV-7" --examiner "Alice Example" \
  --description "web01 system disk" --notes "seized 2026-03-14" --json
cp out summary.json

# The E01 itself, checked by libewf's own tools.
ewfverify -q img.E01 >verify.txt 2>&1 || { cat verify.txt; fail "ewfverify failed"; }
assert_contains verify.txt "ewfverify: SUCCESS"
ewfinfo img.E01 >info.txt
assert_contains info.txt "CASE-42"
assert_contains info.txt "EV-7"
assert_contains info.txt "Alice Example"
assert_contains info.txt "web01 system disk"
assert_contains info.txt "seized 2026-03-14"
assert_contains info.txt "EnCase 6"
assert_contains info.txt "MD5:			$md5"
assert_contains info.txt "SHA1:			$sha1"

# Printed summary, manifest, database: all three hashes of the source.
for h in "$md5" "$sha1" "$sha256"; do
  assert_contains summary.json "$h"
  assert_contains img.manifest "$h"
done
assert_contains summary.json '"status": "complete"'
assert_contains summary.json '"verify_image": "pass"'
assert_contains img.manifest "status: complete"
assert_contains img.manifest "case-number: CASE-42"
assert_contains img.manifest "verify-image: pass"
row=$(sqlite3 case.db "SELECT status, md5, sha1, sha256, media_size, verify_image, bad_sectors
                        FROM acquisitions")
[ "$row" = "complete|$md5|$sha1|$sha256|$(stat -c %s disk.img)|pass|0" ] ||
  fail "database row: $row"
[ "$(sqlite3 case.db "SELECT status FROM assets WHERE hostname = 'srv1'")" = acquired ] ||
  fail "asset not moved to acquired"
# The run is recorded with its exact command line and library versions.
sqlite3 case.db "SELECT argv, library_versions, exit_status FROM runs WHERE tool = 'custody-acquire'" >run.txt
assert_contains run.txt "custody-acquire disk.img --output img --case-db case.db"
assert_contains run.txt "'Alice Example'"
assert_contains run.txt '"libewf":"20140813"'
assert_contains run.txt "|0"
# Output files: size and SHA-256 in the database equal the files'.
files=$(sqlite3 case.db "SELECT name, size, sha256 FROM acquisition_files ORDER BY seq")
[ "$files" = "img.E01|$(stat -c %s img.E01)|$(sha256sum <img.E01 | cut -d' ' -f1)" ] ||
  fail "acquisition_files: $files"
grep '^SHA256 (' img.manifest | sha256sum -c --quiet || fail "sha256sum -c on the manifest"
custody-casedb status --case-db case.db -q || fail "status should be 0 with one complete acquisition"

# The log names the source, the hashes and the verification.
assert_contains img.log "disk.img"
assert_contains img.log "$sha256"
assert_contains img.log "verification of the image (read back"
assert_contains img.log ": complete"

# The file system reads the same through the E01.
offset=2048
fls -r -m / -o $offset disk.img >fls-src.txt
fls -r -m / -o $offset -i ewf img.E01 >fls-e01.txt
[ -s fls-src.txt ] || fail "fls found nothing on the source"
cmp fls-src.txt fls-e01.txt || fail "fls differs between source and E01"
assert_contains fls-src.txt "auth.log"

# Several segments, no compression, and best compression: all verify.
for c in none best; do
  expect_status 0 custody-acquire disk.img --output seg-$c --segment-size 4M --compression $c -q
  ewfverify -q seg-$c.E01 >v.txt 2>&1 || { cat v.txt; fail "ewfverify on $c"; }
  ewfinfo seg-$c.E01 >i.txt
  assert_contains i.txt "MD5:			$md5"
done
ls seg-none.E0* >segs.txt
[ "$(wc -l <segs.txt)" -ge 5 ] || fail "4 MiB segments of a 24 MiB disk: expected >= 5 files"
grep -c '^SHA256 (seg-none.E0' seg-none.manifest >n.txt
[ "$(cat n.txt)" = "$(wc -l <segs.txt)" ] || fail "manifest does not list every segment"
grep '^SHA256 (' seg-none.manifest | sha256sum -c --quiet || fail "sha256sum -c on segments"

# Bounded memory: the largest chunk (32768 sectors, 16 MiB) still stays far under
# 256 MiB of peak RSS (not measurable under AddressSanitizer).
if [ -x /usr/bin/time ] && ! grep -q "CUSTODY_SANITIZE:BOOL=ON" "${CUSTODY_BUILD:-/nonexistent}/CMakeCache.txt" 2>/dev/null; then
  /usr/bin/time -f %M -o rss.txt custody-acquire disk.img --output bigchunk --chunk-sectors 32768 \
    --segment-size 64M -q || fail "acquisition with 16 MiB chunks"
  [ "$(tail -1 rss.txt)" -lt 262144 ] || fail "peak RSS $(tail -1 rss.txt) KiB is over 256 MiB"
  ewfverify -q bigchunk.E01 >v.txt 2>&1 || fail "ewfverify with 16 MiB chunks"
fi

# A source size that is not a multiple of 512: the E01 holds it zero-padded to the
# sector, says so, and verifies.
head -c 1000001 disk.img >odd.bin
expect_status 0 custody-acquire odd.bin --output odd -q
ewfverify -q odd.E01 >v.txt 2>&1 || fail "ewfverify on the padded image"
assert_contains odd.log "not a multiple of 512"

# Hostile metadata reaches the log and the terminal only made safe.
expect_status 0 custody-acquire odd.bin --output evil --examiner $'Mallory\e[31m' --no-verify-image
assert_not_contains evil.log $'\e['
assert_contains evil.log 'Mallory\x1b[31m'
exit 0
