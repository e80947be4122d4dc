#!/usr/bin/env bash
# custody-acquire --key: BASE.manifest.minisig made with the examiner's key, checked by
# the stock minisign; the manifest and its signature recorded in the case database; a
# signed 'acquired' entry in the custody log. A wrong passphrase or a key that is not
# an examiner of the case: exit 2, nothing created or recorded.
. "$(dirname "$0")/lib.sh"
need_cmd minisign sqlite3

echo "correct horse battery" >pass
echo "wrong" >wrong
custody-casedb keygen --out alice --passphrase-file pass -q
custody-casedb keygen --out mallory --passphrase-file pass -q
custody-casedb init case.db --case-number CASE-9 --title t -q
custody-casedb examiner add --case-db case.db --name Alice --pub alice.pub -q
head -c $((3 * 1024 * 1024)) /dev/urandom >disk.bin
sha256=$(sha256sum <disk.bin | cut -d' ' -f1)

expect_status 0 custody-acquire disk.bin --output img --case-db case.db --asset srv1 \
  --evidence sda --examiner Alice --key alice.key --passphrase-file pass --json
assert_contains out '"signature": "img.manifest.minisig"'
minisign -V -q -p alice.pub -m img.manifest || fail "minisign rejects our signature"
minisign -V -p alice.pub -m img.manifest >mv.txt
assert_contains mv.txt "CASE-9"
assert_contains mv.txt "$sha256"
assert_contains img.manifest "case-number: CASE-9"
# One byte changed: rejected.
cp img.manifest changed.manifest
cp img.manifest.minisig changed.manifest.minisig
sed -i 's/^status: complete/status: c0mplete/' changed.manifest
if minisign -V -q -p alice.pub -m changed.manifest 2>/dev/null; then
  fail "minisign accepted a changed manifest"
fi
# Recorded: manifest, signature, the signer as examiner, a signed custody entry.
[ "$(sqlite3 case.db "SELECT manifest_sig IS NOT NULL, examiner_id IS NOT NULL FROM acquisitions")" = "1|1" ] ||
  fail "signature or examiner not recorded"
[ "$(sqlite3 case.db "SELECT lower(hex(manifest)) FROM acquisitions")" = \
  "$(od -An -tx1 -v img.manifest | tr -d ' \n')" ] || fail "the database holds another manifest"
[ "$(sqlite3 case.db "SELECT lower(hex(manifest_sig)) FROM acquisitions")" = \
  "$(od -An -tx1 -v img.manifest.minisig | tr -d ' \n')" ] ||
  fail "the database holds another signature"
[ "$(sqlite3 case.db "SELECT action, evidence, signature IS NOT NULL FROM custody_events")" = "acquired|sda|1" ] ||
  fail "no signed 'acquired' custody entry"
custody-casedb custody check --case-db case.db -q || fail "custody log does not check"

# A wrong passphrase, or a key that is not an examiner of the case: refused early.
before=$(sqlite3 case.db "SELECT count(*) FROM acquisitions")
expect_status 2 custody-acquire disk.bin --output bad1 --case-db case.db --asset srv1 \
  --key alice.key --passphrase-file wrong
expect_status 2 custody-acquire disk.bin --output bad2 --case-db case.db --asset srv1 \
  --key mallory.key --passphrase-file pass
assert_contains err "not an examiner of the case"
[ "$(sqlite3 case.db "SELECT count(*) FROM acquisitions")" = "$before" ] ||
  fail "a refused key left an acquisition record"
ls bad1.* bad2.* 2>/dev/null && fail "a refused key left files"
# Without a case database the manifest is still signed.
expect_status 0 custody-acquire disk.bin --output nodb --format raw --key alice.key \
  --passphrase-file pass -q
minisign -V -q -p alice.pub -m nodb.manifest || fail "signature without a case database"
exit 0
