#!/usr/bin/env bash
# Two stations each image two servers into their own databases of the case; the lab
# merges them. Checks: everything arrives, merging twice changes nothing, conflicts
# and tampered station databases are refused with every finding and nothing written.
. "$(dirname "$0")/interop-lib.sh"

cd "$WORK"
lab lab.db
case_uuid=$(q lab.db "SELECT uuid FROM cases")

# Station 1 joins with --join, station 2 with --case-uuid/--case-number (the case
# database is elsewhere).
station st1.db lab.db "Alice Examiner"
"$CASEDB" init st2.db --case-uuid "$case_uuid" --case-number "BR-2026-9" -q
examiner st2.db "Bob Examiner"
[ "$(q st1.db "SELECT uuid FROM cases")" = "$case_uuid" ] || fail "--join did not take the case uuid"
[ "$(q st2.db "SELECT uuid FROM cases")" = "$case_uuid" ] || fail "--case-uuid not taken"
[ "$(q st1.db "SELECT title FROM cases")" = "Breach at ACME" ] || fail "--join did not take the title"
[ "$(station_uuid st1.db)" != "$(station_uuid lab.db)" ] || fail "station uuid not fresh"

a1=$(station_acquire st1.db web1 sda "Alice Examiner")
a2=$(station_acquire st1.db db1 sda "Alice Examiner")
a3=$(station_acquire st2.db mail1 sda "Bob Examiner")
a4=$(station_acquire st2.db dns1 nvme0n1 "Bob Examiner" bad)
custody_append st2.db released dns1 nvme0n1 "Bob Examiner" "to courier"

# The lab knows web1 already (registered before imaging), without serial.
"$CASEDB" asset add web1 --case-db lab.db >/dev/null

merge lab.db st1.db --json >m1.json || fail "first merge failed: $(cat m1.json)"
grep -q '"acquisitions": 2' m1.json || fail "merge 1 did not bring 2 acquisitions: $(cat m1.json)"
grep -q '"custody_entries": 2' m1.json || fail "merge 1 did not bring 2 custody entries"
[ "$(q lab.db "SELECT count(*) FROM custody_events WHERE action = 'merged' AND details LIKE
    '%' || (SELECT entry_hash FROM custody_events WHERE chain = '$(station_uuid st1.db)'
    ORDER BY seq DESC LIMIT 1) || '%' AND signature IS NOT NULL")" = 1 ] ||
    fail "no signed merged entry naming the station's head hash"
[ "$(q lab.db "SELECT count(*) FROM assets")" = 2 ] || fail "web1 duplicated or db1 missing"
[ "$(q lab.db "SELECT serial FROM assets WHERE hostname = 'web1'")" = HW-web1 ] ||
    fail "unknown serial of web1 not filled in"
[ "$(q lab.db "SELECT status FROM assets WHERE hostname = 'web1'")" = acquired ] ||
    fail "web1 status did not move forward"
[ "$(q lab.db "SELECT count(*) FROM merges")" = 1 ] || fail "merge not recorded"
head1=$(q st1.db "SELECT entry_hash FROM custody_events ORDER BY seq DESC LIMIT 1")
[ "$(q lab.db "SELECT source_head_hash FROM merges")" = "$head1" ] ||
    fail "merge does not name the station's head hash"

# Merging the same database again changes nothing at all.
sqlite3 lab.db .dump >before.sql
merge lab.db st1.db >m1b.txt || fail "second merge failed"
grep -q 'nothing changed' m1b.txt || fail "second merge did not say nothing changed: $(cat m1b.txt)"
sqlite3 lab.db .dump >after.sql
cmp -s before.sql after.sql || fail "merging twice changed the database: $(diff before.sql after.sql | head)"
# A station file whose name needs URI escaping ('?', '#', '%', space) is the same database.
sqlite3 st1.db ".backup 'st 1?x=#%41.db'"
merge lab.db 'st 1?x=#%41.db' >weird.txt || fail "merge of a file with an odd name: $(cat weird.txt)"
grep -q 'nothing changed' weird.txt || fail "odd file name: $(cat weird.txt)"

merge lab.db st2.db -q || fail "merge of station 2 failed"
[ "$(q lab.db "SELECT count(*) FROM acquisitions")" = 4 ] || fail "not 4 acquisitions"
[ "$(q lab.db "SELECT count(*) FROM acquisition_files")" = 4 ] || fail "files missing"
[ "$(q lab.db "SELECT group_concat(first_sector || '+' || sector_count) FROM read_errors")" = "100+8" ] ||
    fail "read errors not merged"
[ "$(q lab.db "SELECT count(*) FROM examiners")" = 3 ] || fail "examiners not merged"
for u in "$a1" "$a2" "$a3" "$a4"; do
    for t in md5 sha1 sha256; do
        src=st1.db
        [ "$u" = "$a3" ] || [ "$u" = "$a4" ] && src=st2.db
        [ "$(q lab.db "SELECT $t FROM acquisitions WHERE uuid = '$u'")" = \
            "$(q $src "SELECT $t FROM acquisitions WHERE uuid = '$u'")" ] || fail "$t of $u differs"
    done
done
# Custody entries verbatim, one chain per station.
for st in st1.db st2.db; do
    c=$(station_uuid $st)
    [ "$(q $st "SELECT group_concat(seq || entry_hash || prev_hash || ts || action, ',') FROM
        (SELECT * FROM custody_events WHERE chain = '$c' ORDER BY seq)")" = \
        "$(q lab.db "SELECT group_concat(seq || entry_hash || prev_hash || ts || action, ',') FROM
        (SELECT * FROM custody_events WHERE chain = '$c' ORDER BY seq)")" ] ||
        fail "custody chain of $st not copied verbatim"
done
# A station that merged the lab and then merges back changes nothing either.
sqlite3 lab.db ".backup lab-copy.db"
merge lab.db st2.db -q || fail "re-merge of station 2 failed"
sqlite3 lab.db .dump >a.sql
sqlite3 lab-copy.db .dump >b.sql
cmp -s a.sql b.sql || fail "re-merge of station 2 changed the database"

# ---- conflicts: all reported, nothing written ----
"$CASEDB" init st3.db --join lab.db -q
"$CASEDB" asset add web1 --serial "OTHER-SERIAL" --case-db st3.db >/dev/null
"$CASEDB" evidence add --asset web1 --evidence sda --serial "SN-forged" --size 999 --case-db st3.db >/dev/null
# The same acquisition uuid with other hashes.
"$CASEDB" asset add mail1 --case-db st3.db >/dev/null
"$CASEDB" evidence add --asset mail1 --evidence sda --case-db st3.db >/dev/null
q st3.db "INSERT INTO acquisitions (uuid, evidence_id, format, source, started_at, status, md5)
    SELECT '$a3', e.id, 'raw', '/dev/sdb', 1, 'complete', 'ffffffffffffffffffffffffffffffff'
    FROM evidence e JOIN assets a ON a.id = e.asset_id WHERE a.hostname = 'mail1'"
sqlite3 lab.db .dump >before.sql
set +e
merge lab.db st3.db 2>conflicts.txt
rc=$?
set -e
[ $rc = 1 ] || fail "conflicting merge exited $rc, not 1"
grep -q "asset 'web1': serial 'HW-web1' in the case, 'OTHER-SERIAL'" conflicts.txt ||
    fail "asset serial conflict not reported: $(cat conflicts.txt)"
grep -q "evidence 'web1'/'sda': serial" conflicts.txt || fail "evidence serial conflict not reported"
grep -q "evidence 'web1'/'sda': size" conflicts.txt || fail "evidence size conflict not reported"
grep -q "acquisition $a3: md5" conflicts.txt || fail "acquisition hash conflict not reported"
grep -q "nothing written" conflicts.txt || fail "refusal does not say nothing was written"
sqlite3 lab.db .dump >after.sql
cmp -s before.sql after.sql || fail "refused merge wrote something"

# Another case.
"$CASEDB" init other.db --case-number "X-1" --title "Other" -q
set +e
merge lab.db other.db --json >other.json
rc=$?
set -e
[ $rc = 1 ] || fail "merge of another case exited $rc"
grep -q "is not this case" other.json || fail "other case not reported: $(cat other.json)"
# The database itself.
set +e
merge lab.db lab.db 2>self.txt
rc=$?
set -e
[ $rc = 1 ] && grep -q "is this database" self.txt || fail "merging a database into itself not refused"

# ---- a tampered station database ----
station st4.db lab.db "Carol Examiner"
station_acquire st4.db files1 sda "Carol Examiner" >/dev/null
custody_append st4.db sealed files1 sda "Carol Examiner" "bag 17"
custody_append st4.db released files1 sda "Carol Examiner" "to lab"
# Copies are taken with .backup: a plain cp of a WAL database can miss its last commits.
copy() { sqlite3 "$1" ".backup '$2'"; }
# An attacker with file access drops the triggers and deletes an entry ...
copy st4.db st4-deleted.db
sqlite3 st4-deleted.db "DROP TRIGGER custody_events_no_delete; DELETE FROM custody_events WHERE seq = 2"
# ... or rewrites the link of an entry ...
copy st4.db st4-relinked.db
sqlite3 st4-relinked.db "DROP TRIGGER custody_events_no_update;
    UPDATE custody_events SET prev_hash = '00' || substr(prev_hash, 3) WHERE seq = 3"
# ... or edits a field of an entry ...
copy st4.db st4-edited.db
sqlite3 st4-edited.db "DROP TRIGGER custody_events_no_update;
    UPDATE custody_events SET details = 'bag 18' WHERE seq = 3"
# ... or changes an acquisition's hash (the signed manifest recorded with it disagrees) ...
copy st4.db st4-acqhash.db
sqlite3 st4-acqhash.db "UPDATE acquisitions SET sha256 = '$(printf '%064d' 0)'"
# ... or rewrites the manifest to match (its signature no longer verifies) ...
copy st4.db st4-manifest.db
sqlite3 st4-manifest.db "UPDATE acquisitions SET sha256 = '$(printf '%064d' 0)',
    manifest = replace(manifest, sha256, '$(printf '%064d' 0)')"
# ... or signs a forged manifest with a key of its own (stock minisign), unknown to
# the station.
acq4=$(q st4.db "SELECT uuid FROM acquisitions")
specs=()
if command -v minisign >/dev/null; then
    copy st4.db st4-forged.db
    q st4.db "SELECT manifest FROM acquisitions" >forged.manifest
    sed -i "s/$(q st4.db "SELECT sha256 FROM acquisitions")/$(printf '%064d' 1)/" forged.manifest
    minisign -G -W -p mallory.pub -s mallory.key >/dev/null
    minisign -S -W -s mallory.key -m forged.manifest -t "forged manifest" >/dev/null
    sqlite3 st4-forged.db "UPDATE acquisitions SET sha256 = '$(printf '%064d' 1)',
        manifest = readfile('forged.manifest'), manifest_sig = readfile('forged.manifest.minisig')"
    specs+=("st4-forged.db:acquisition $acq4: manifest signed by key ")
fi
chain4=$(station_uuid st4.db)
for spec in "st4-deleted.db:custody chain $chain4 entry 3: " \
    "st4-relinked.db:custody chain $chain4 entry 3: broken-link" \
    "st4-edited.db:custody chain $chain4 entry 3: hash-mismatch" \
    "st4-acqhash.db:acquisition $acq4: the hashes in the database differ from its signed manifest" \
    "st4-manifest.db:acquisition $acq4: manifest signature does not verify" "${specs[@]}"; do
    bad=${spec%%:*}
    want=${spec#*:}
    sqlite3 lab.db .dump >before.sql
    set +e
    merge lab.db "$bad" 2>tampered.txt
    rc=$?
    set -e
    [ $rc = 1 ] || fail "tampered $bad merged (exit $rc)"
    grep -qF "tampered: $want" tampered.txt ||
        fail "tampering of $bad not named ($want): $(cat tampered.txt)"
    sqlite3 lab.db .dump >after.sql
    cmp -s before.sql after.sql || fail "tampered merge of $bad wrote something"
done
# Not a case database at all.
echo "not a database" >junk.db
set +e
merge lab.db junk.db 2>junk.txt
rc=$?
set -e
[ $rc = 2 ] || fail "junk file: exit $rc, not 2"
# The custody log of the merged case checks out: one chain per station, every
# signature verifiable with the keys merged along.
"$CASEDB" custody check --case-db lab.db >check.txt || fail "custody check of the merged case: $(cat check.txt)"
if "$CUSTODY_BIN/custody-verify" --help | grep -q -- '--case-db'; then
    "$CUSTODY_BIN/custody-verify" --case-db lab.db --all --trusted-keys "$KEYS" >verify.txt ||
        fail "custody-verify on the merged case: $(cat verify.txt)"
fi
# The intact station merges.
merge lab.db st4.db -q || fail "intact station 4 did not merge"
[ "$(q lab.db "SELECT count(*) FROM acquisitions")" = 5 ] || fail "station 4 acquisition missing"

# ---- an acquisition merged while running, completed by a later merge ----
station st5.db lab.db "Dave Examiner"
a5=$(station_acquire st5.db files2 sdb "Dave Examiner" bad)
# The station database as it was while the acquisition ran (before its outcome and its
# custody entry were written).
sqlite3 st5.db ".backup st5-early.db"
sqlite3 st5-early.db "DROP TRIGGER custody_events_no_delete;
    DELETE FROM custody_events WHERE seq = (SELECT max(seq) FROM custody_events);
    DELETE FROM acquisition_files; DELETE FROM read_errors;
    UPDATE acquisitions SET status = 'running', ended_at = NULL, md5 = NULL, sha1 = NULL,
      sha256 = NULL, bad_sectors = 0, verify_image = NULL, verify_source = NULL,
      manifest = NULL, manifest_sig = NULL;
    UPDATE assets SET status = 'registered' WHERE hostname = 'files2'"
merge lab.db st5-early.db -q || fail "merge of the running acquisition"
[ "$(q lab.db "SELECT status FROM acquisitions WHERE uuid = '$a5'")" = running ] ||
    fail "running acquisition not merged as running"
merge lab.db st5.db -q || fail "merge of the finished acquisition"
[ "$(q lab.db "SELECT status || ' ' || sha256 || ' ' || bad_sectors FROM acquisitions WHERE uuid = '$a5'")" = \
    "$(q st5.db "SELECT status || ' ' || sha256 || ' ' || bad_sectors FROM acquisitions")" ] ||
    fail "the finished acquisition did not complete the running one"
[ "$(q lab.db "SELECT count(*) FROM acquisition_files f JOIN acquisitions q ON q.id = f.acquisition_id
    WHERE q.uuid = '$a5'")" = 1 ] || fail "files of the completed acquisition missing"
[ "$(q lab.db "SELECT count(*) FROM acquisitions WHERE uuid = '$a5'")" = 1 ] || fail "acquisition duplicated"
[ "$(q lab.db "SELECT status FROM assets WHERE hostname = 'files2'")" = \
    "$(q st5.db "SELECT status FROM assets WHERE hostname = 'files2'")" ] ||
    fail "files2 did not take the station's status"
# The old snapshot, merged after the outcome is known, is a conflict: never go back.
set +e
merge lab.db st5-early.db 2>back.txt
rc=$?
set -e
[ $rc = 1 ] && grep -q "acquisition $a5: status 'incomplete' in the case, 'running'" back.txt ||
    fail "an older snapshot overwrote a finished acquisition (exit $rc): $(cat back.txt)"
"$CASEDB" custody check --case-db lab.db >check.txt || fail "custody check at the end: $(cat check.txt)"
echo "PASS: merge"
