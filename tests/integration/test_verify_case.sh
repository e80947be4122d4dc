#!/usr/bin/env bash
# custody-verify --case-db, clearance and custody-casedb asset decommission on a
# case database whose acquisition rows are written with the sqlite3 CLI (as
# custody-acquire records them) for an E01 set made by ewfacquire: recorded files
# present, none extra, sizes and SHA-256; media hashes against the E01 and the
# database; the custody chain; a checkpoint; recording of the verification; four
# eyes; decommissioning only after clearance.
. "$(dirname "$0")/lib.sh"
need_cmd ewfacquire sqlite3 sha256sum
V=custody-verify
C=custody-casedb
export CUSTODY_PASSPHRASE=test-pass

$C init case.db --case-number 'C-7' --title 'breach <b>' >/dev/null
export CUSTODY_CASE_DB=$WORK/case.db
$C keygen --out ann >/dev/null
$C keygen --out bob >/dev/null
$C examiner add --name Ann --role examiner --pub ann.pub >/dev/null
$C examiner add --name Bob --role verifier --pub bob.pub >/dev/null
$C asset add web01 >/dev/null
$C asset add db02 >/dev/null
$C evidence add --asset web01 --evidence sda >/dev/null
$C evidence add --asset db02 --evidence sdb >/dev/null
$C custody add --action acquired --asset web01 --evidence sda --key ann.key >/dev/null

mkdir img
head -c 2600000 /dev/urandom >src.bin
head -c 545728 /dev/zero >>src.bin
ewfacquire -u -q -t "$WORK/img/web01-sda" -c fast -S 1048576 -d sha1 src.bin >/dev/null 2>&1
ls img/web01-sda.E0? >/dev/null || fail "ewfacquire made no image"
md5=$(md5sum <src.bin | cut -d' ' -f1)
sha1=$(sha1sum <src.bin | cut -d' ' -f1)
sha256=$(sha256sum <src.bin | cut -d' ' -f1)
size=$(stat -c %s src.bin)
ann_id=$(sqlite3 case.db "SELECT id FROM examiners WHERE name='Ann'")
ev_id=$(sqlite3 case.db "SELECT e.id FROM evidence e JOIN assets a ON a.id=e.asset_id WHERE a.hostname='web01'")
sqlite3 case.db "INSERT INTO acquisitions (uuid, evidence_id, examiner_id, format, source, output_base,
  media_size, sector_size, md5, sha1, sha256, started_at, ended_at, status, examiner_name)
  VALUES ('11111111-2222-4333-8444-555555555555', $ev_id, $ann_id, 'e01', '/dev/sdb',
  '$WORK/img/web01-sda', $size, 512, '$md5', '$sha1', '$sha256', 1, 2, 'complete', 'Ann')"
acq=$(sqlite3 case.db "SELECT id FROM acquisitions")
seq=0
for f in img/web01-sda.E0?; do
  seq=$((seq + 1))
  sqlite3 case.db "INSERT INTO acquisition_files (acquisition_id, seq, name, size, sha256)
    VALUES ($acq, $seq, '$(basename "$f")', $(stat -c %s "$f"), '$(sha256sum <"$f" | cut -d' ' -f1)')"
done
[ "$seq" -ge 3 ] || fail "expected at least 3 segments, got $seq"

# --- the whole case checks out (no manifest beside it: not anchored, still exit 0)
expect_status 0 $V --case-db case.db --asset web01
assert_contains out "PASS MD5 vs database: $md5"
assert_contains out "PASS SHA256 vs database: $sha256"
assert_contains out "PASS SHA1 vs E01: $sha1"
assert_contains out "PASS recorded file web01-sda.E01"
assert_contains out "PASS custody chain"
assert_contains out "not trusted (found only in the case database)"
# the verification is recorded
n=$(sqlite3 case.db "SELECT count(*) FROM verifications WHERE kind='case' AND verdict='pass'")
[ "$n" -ge 1 ] || fail "no verification recorded"
# --json is one valid document
expect_status 0 $V --case-db case.db --all --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["verdict"]=="pass"' out ||
  fail "--json"
# trusted keys anchor the custody chain
expect_status 0 $V --case-db case.db --asset web01 --trusted-keys ann.pub
assert_contains out "PASS custody chain"
assert_contains out "signed entries, every key trusted"
# with --key, a signed 'verified' custody entry is appended
sqlite3 case.db "UPDATE assets SET status='acquired' WHERE hostname='web01'"
expect_status 0 $V --case-db case.db --asset web01 --key bob.key
$C custody log >log.txt
assert_contains log.txt "verified"
[ "$(sqlite3 case.db "SELECT status FROM assets WHERE hostname='web01'")" = verified ] ||
  fail "a verified asset should move from acquired to verified"
# a checkpoint the log still extends
$C checkpoint --key bob.key --out cp1 >/dev/null
expect_status 0 $V --case-db case.db --asset web01 --checkpoint cp1
assert_contains out "PASS checkpoint"

# --- tampering with the files
cp img/web01-sda.E03 keep.E03
rm img/web01-sda.E03
expect_status 1 $V --case-db case.db --asset web01
assert_contains out "recorded file web01-sda.E03: '$WORK/img/web01-sda.E03' is missing"
assert_contains out "segment 3 ('web01-sda.E03') is missing"
cp keep.E03 img/web01-sda.E03
cp img/web01-sda.E03 img/web01-sda.E04
expect_status 1 $V --case-db case.db --asset web01
assert_contains out "FAIL: extra file: '$WORK/img/web01-sda.E04' lies beside the image"
rm img/web01-sda.E04
chmod u+w img/web01-sda.E02
printf '\x42' | dd of=img/web01-sda.E02 bs=1 seek=500000 conv=notrunc 2>/dev/null
expect_status 1 $V --case-db case.db --asset web01
assert_contains out "FAIL: recorded file web01-sda.E02: SHA-256 of"
assert_contains out "FAIL: chunk: chunk"
# clearance refused while the evidence does not check out
expect_status 1 $V clearance --case-db case.db --asset web01 --key bob.key
assert_contains out "NOT cleared"
[ "$(sqlite3 case.db "SELECT status FROM assets WHERE hostname='web01'")" != cleared ] ||
  fail "a failing asset was cleared"
printf '\x42' | dd of=img/web01-sda.E02 bs=1 seek=500000 conv=notrunc 2>/dev/null
ewfacquire -u -q -t "$WORK/again" -c fast -S 1048576 -d sha1 src.bin >/dev/null 2>&1
cp again.E02 img/web01-sda.E02
expect_status 0 $V --case-db case.db --asset web01

# --- the database recorded a different hash: media hash vs database fails
sqlite3 case.db "UPDATE acquisitions SET sha256='$(printf '0%.0s' $(seq 64))'"
expect_status 1 $V --case-db case.db --asset web01
assert_contains out "FAIL: SHA256 vs database"
sqlite3 case.db "UPDATE acquisitions SET sha256='$sha256'"

# --- four eyes: the acquiring examiner cannot clear her own acquisition
expect_status 1 $V clearance --case-db case.db --asset web01 --key ann.key
assert_contains out "FAIL: four eyes"
# an asset with nothing acquired is not cleared
expect_status 1 $V clearance --case-db case.db --asset db02 --key bob.key
assert_contains out "no acquisition is recorded"
# decommissioning refuses an asset that is not cleared
expect_status 1 $C asset decommission web01 --key bob.key
assert_contains err "not 'cleared'"
# the second examiner clears it
expect_status 0 $V clearance --case-db case.db --asset web01 --key bob.key --html clear.html
assert_contains out "PASS cleared: asset 'web01' is cleared for decommissioning"
[ "$(sqlite3 case.db "SELECT status FROM assets WHERE hostname='web01'")" = cleared ] ||
  fail "asset not set to cleared"
assert_contains clear.html "breach &lt;b&gt;"
assert_not_contains clear.html "<b>"
n=$(sqlite3 case.db "SELECT count(*) FROM verifications WHERE kind='clearance' AND verdict='pass' AND acquisition_id IS NULL")
[ "$n" = 1 ] || fail "clearance not recorded ($n)"
$C custody log >log.txt
assert_contains log.txt "cleared"
# the second examiner's 'verified' entry comes before the 'cleared' one
v=$(grep -n ' verified web01/sda by=Bob' log.txt | tail -1 | cut -d: -f1)
c=$(grep -n ' cleared web01' log.txt | cut -d: -f1)
[ -n "$v" ] && [ -n "$c" ] && [ "$v" -lt "$c" ] || { cat log.txt; fail "verified/cleared order"; }
expect_status 0 $C asset decommission web01 --key bob.key
[ "$(sqlite3 case.db "SELECT status FROM assets WHERE hostname='web01'")" = decommissioned ] ||
  fail "asset not decommissioned"
$C custody log >log.txt
assert_contains log.txt "decommissioned"

# --- the custody chain, edited behind the tools' back, fails the case and the checkpoint
expect_status 0 $V --case-db case.db --asset web01
$C checkpoint --key bob.key --out cp2 >/dev/null
sqlite3 case.db "DROP TRIGGER IF EXISTS custody_events_no_update;
  DROP TRIGGER IF EXISTS custody_events_no_delete;" 2>/dev/null || true
for t in $(sqlite3 case.db "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='custody_events'"); do
  sqlite3 case.db "DROP TRIGGER $t"
done
sqlite3 case.db "DELETE FROM custody_events WHERE seq=(SELECT max(seq) FROM custody_events)"
# cutting off the newest entry: only a checkpoint that covers it can tell
expect_status 0 $V --case-db case.db --asset web01 --checkpoint cp1
expect_status 1 $V --case-db case.db --asset web01 --checkpoint cp2
assert_contains out "FAIL: checkpoint"
sqlite3 case.db "UPDATE custody_events SET details='edited' WHERE seq=2"
expect_status 1 $V --case-db case.db --asset web01
assert_contains out "entry 2 of chain"

# --- could not run: no such database, not a database, unknown asset
expect_status 2 $V --case-db nonexistent.db --all
echo "garbage" >bad.db
expect_status 2 $V --case-db bad.db --all
expect_status 2 $V --case-db case.db --asset nosuchhost
expect_status 2 $V --case-db case.db img/web01-sda.E01
echo "all passed"
