#!/usr/bin/env bash
# The custody log against an attacker with file access: each tamper of the matrix is
# applied with the sqlite3 CLI (append-only triggers dropped first) and must be
# reported by `custody-casedb custody check` (exit 1) naming the exact entry.
. "$(dirname "$0")/lib.sh"
need_cmd sqlite3

export CUSTODY_PASSPHRASE=ann-secret
echo bob-secret >bob.pass
echo mal-secret >mal.pass

# Ann's key is encrypted as in real use; Bob's and Mallory's are not, to keep the
# many commands below fast (key files have their own test, test_keys_cli).
custody-casedb keygen --out ann -q
custody-casedb keygen --out bob --unencrypted -q 2>/dev/null
custody-casedb keygen --out mal --unencrypted -q 2>/dev/null
new_case case.db
export CUSTODY_CASE_DB=case.db
custody-casedb examiner add --name Ann --role examiner --pub ann.pub -q
custody-casedb examiner add --name Bob --role custodian --pub bob.pub -q

# The log: 1 acquired (Ann), 2 released (Ann), 3 received (Bob), 4 stored (Bob), 5 note (Ann)
custody-casedb custody add --action acquired --evidence sda --key ann.key --location "rack 4" -q
custody-casedb transfer --evidence sda --from-key ann.key --to-key bob.key \
  --to-passphrase-file bob.pass --location "evidence room" -q
custody-casedb custody add --action stored --evidence sda --key bob.key \
  --passphrase-file bob.pass --location "safe 2" --purpose "breach 7" -q
custody-casedb custody add --action note --evidence sda --key ann.key --details "photos taken" -q

expect_status 0 custody-casedb custody check
assert_contains out "5 entries in 1 chain, intact"
expect_status 0 custody-casedb custody log --json
assert_contains out '"action": "received"'
# A checkpoint of the intact log, kept outside the database; stock minisign checks it.
expect_status 0 custody-casedb checkpoint --key ann.key --out cp5
if command -v minisign >/dev/null; then
  minisign -V -q -p ann.pub -m cp5 >/dev/null || fail "minisign rejects our checkpoint"
fi
expect_status 0 custody-casedb custody check --checkpoint cp5
expect_status 2 custody-casedb checkpoint --key ann.key --out cp5 # never overwritten

# The triggers stop the honest mistakes.
if sqlite3 case.db "UPDATE custody_events SET location = 'x' WHERE seq = 1" 2>/dev/null; then
  fail "the append-only trigger let an UPDATE through"
fi
if sqlite3 case.db "DELETE FROM custody_events WHERE seq = 1" 2>/dev/null; then
  fail "the append-only trigger let a DELETE through"
fi

# tamper NAME SQL: a fresh copy of the case with the triggers dropped and SQL applied.
tamper() {
  cp case.db "$1.db"
  sqlite3 "$1.db" "DROP TRIGGER custody_events_no_update; DROP TRIGGER custody_events_no_delete; $2"
}

# detect NAME KIND ENTRY [CHECK OPTIONS]: check must exit 1 with a finding of KIND
# that names ENTRY.
detect() {
  local db=$1.db kind=$2 entry=$3
  shift 3
  expect_status 1 custody-casedb custody check --case-db "$db" "$@"
  grep -qE "^FAIL: $kind: entry $entry[ :]" out || { cat out >&2; fail "$1: no $kind finding naming entry $entry"; }
  expect_status 1 custody-casedb custody check --case-db "$db" --json "$@"
  assert_contains out "\"kind\": \"$kind\""
  assert_contains out "\"seq\": $entry,"
}

# 1. an edited field
tamper edited "UPDATE custody_events SET location = 'somewhere else' WHERE seq = 3"
detect edited hash-mismatch 3
detect edited bad-signature 3
# ... with its stored hash replaced too, the next entry no longer links to it
tamper edited2 "UPDATE custody_events SET purpose = 'none',
  entry_hash = (SELECT entry_hash FROM custody_events WHERE seq = 1) WHERE seq = 4"
detect edited2 broken-link 5

# 2. a deleted entry
tamper deleted "DELETE FROM custody_events WHERE seq = 3"
detect deleted sequence-gap 3
detect deleted broken-link 4
tamper deleted_first "DELETE FROM custody_events WHERE seq = 1"
detect deleted_first sequence-gap 1

# 3. two entries swapped
tamper swapped "UPDATE custody_events SET seq = -3 WHERE seq = 3;
  UPDATE custody_events SET seq = 3 WHERE seq = 4; UPDATE custody_events SET seq = 4 WHERE seq = -3"
detect swapped hash-mismatch 3
detect swapped hash-mismatch 4

# 4. a forged entry inserted: made with Mallory's real key in a copy of the case where
#    Mallory is registered, then copied in between entries 3 and 4 (renumbered 5 and 6).
cp case.db mal.db
sqlite3 mal.db "DROP TRIGGER custody_events_no_update; DROP TRIGGER custody_events_no_delete;
  DELETE FROM custody_events WHERE seq > 3"
custody-casedb examiner add --case-db mal.db --name Ann --pub mal.pub -q
custody-casedb custody add --case-db mal.db --action accessed --evidence sda --key mal.key \
  --passphrase-file mal.pass -q
tamper forged "UPDATE custody_events SET seq = seq + 10 WHERE seq > 3;
  UPDATE custody_events SET seq = seq - 9 WHERE seq > 10;
  ATTACH 'mal.db' AS m;
  INSERT INTO custody_events (chain, seq, ts, action, asset, evidence, actor, key_id, location,
    purpose, details, prev_hash, entry_hash, signature)
    SELECT chain, seq, ts, action, asset, evidence, actor, key_id, location, purpose, details,
    prev_hash, entry_hash, signature FROM m.custody_events WHERE seq = 4"
detect forged unknown-key 4
detect forged hash-mismatch 5
# ... and one appended at the end: its hash and link are right, only the key betrays it.
cp case.db mal_end.db
custody-casedb examiner add --case-db mal_end.db --name Ann --pub mal.pub -q
custody-casedb custody add --case-db mal_end.db --action accessed --evidence sda --key mal.key \
  --passphrase-file mal.pass -q
tamper forged_end "ATTACH 'mal_end.db' AS m;
  INSERT INTO custody_events (chain, seq, ts, action, asset, evidence, actor, key_id, location,
    purpose, details, prev_hash, entry_hash, signature)
    SELECT chain, seq, ts, action, asset, evidence, actor, key_id, location, purpose, details,
    prev_hash, entry_hash, signature FROM m.custody_events WHERE seq = 6"
detect forged_end unknown-key 6
assert_not_contains out hash-mismatch
assert_not_contains out broken-link

# 5. a signature moved to another entry (both by Bob)
tamper moved "UPDATE custody_events SET signature =
  (SELECT signature FROM custody_events WHERE seq = 3) WHERE seq = 4"
detect moved bad-signature 4
assert_not_contains out '"seq": 3,'

# 6. an entry signed by an unregistered key: the examiner row removed
tamper unregistered "DELETE FROM examiners WHERE name = 'Bob'"
detect unregistered unknown-key 3
detect unregistered unknown-key 4

# 7. a revoked key: Bob's key revoked as of a time between entries 3 and 4 ...
t3=$(sqlite3 case.db "SELECT ts FROM custody_events WHERE seq = 3")
t4=$(sqlite3 case.db "SELECT ts FROM custody_events WHERE seq = 4")
mid=$(( (t3 + t4) / 2 ))
at=$(date -u -d "@$(( mid / 1000000000 ))" +%Y-%m-%dT%H:%M:%S).$(printf %09d $(( mid % 1000000000 )))Z
cp case.db revoked.db
custody-casedb examiner revoke --case-db revoked.db --key-id "$(sed -n 's/.*key \([0-9a-f]\{16\}\)$/\1/p' bob.pub)" \
  --key ann.key --reason "laptop stolen" --at "$at" -q
detect revoked revoked-key 4
assert_not_contains out '"seq": 3,'
# ... and the revoked key can no longer append
expect_status 2 custody-casedb custody add --case-db revoked.db --action note --evidence sda \
  --key bob.key --passphrase-file bob.pass
assert_contains err "revoked"
# ... nor can an attacker who clears the revocation in the examiners table: the signed
#     key-revoked entry (6) in the log still stands.
sqlite3 revoked.db "UPDATE examiners SET revoked_at = NULL WHERE name = 'Bob'"
custody-casedb custody add --case-db revoked.db --action accessed --evidence sda --key bob.key \
  --passphrase-file bob.pass -q
cp revoked.db revoked2.db
detect revoked2 revoked-key 7

# 8. the log cut short, or rewritten with real keys, against the checkpoint of 5 entries
tamper cut "DELETE FROM custody_events WHERE seq = 5"
expect_status 0 custody-casedb custody check --case-db cut.db # undetectable without one
detect cut checkpoint 5 --checkpoint cp5
tamper rewritten "DELETE FROM custody_events WHERE seq >= 4"
custody-casedb custody add --case-db rewritten.db --action stored --evidence sda --key bob.key \
  --passphrase-file bob.pass --location "safe 3" -q
custody-casedb custody add --case-db rewritten.db --action note --evidence sda --key ann.key -q
expect_status 0 custody-casedb custody check --case-db rewritten.db # self-consistent
detect rewritten checkpoint 5 --checkpoint cp5
# a forged checkpoint (statement edited) is itself reported
sed 's/^entries: 5$/entries: 4/' cp5 >cp4
cp cp5.minisig cp4.minisig
cp case.db orig.db
detect orig checkpoint 4 --checkpoint cp4

# Trusted keys: Bob's signatures are untrusted when only Ann's key is.
expect_status 1 custody-casedb custody check --trusted-key ann.pub
assert_contains out "FAIL: untrusted-key: entry 3 "
expect_status 0 custody-casedb custody check --trusted-key ann.pub --trusted-key bob.pub

# Hostile text in the log never reaches the terminal raw.
custody-casedb custody add --action note --evidence sda --key ann.key \
  --details $'evil\e]0;title\a\nFAIL: forged' -q
expect_status 0 custody-casedb custody log
assert_not_contains out $'\e'
assert_contains out 'evil\x1b]0;title\x07\x0aFAIL: forged'
echo "custody log tamper matrix: all detected"

# Concurrent appends from several processes: every one lands, the chain stays intact.
custody-casedb keygen --out fast --unencrypted -q 2>/dev/null
custody-casedb examiner add --name Fast --pub fast.pub -q
before=$(sqlite3 case.db "SELECT count(*) FROM custody_events")
pids=()
for i in 1 2 3 4 5 6 7 8; do
  ( for j in 1 2 3; do
      custody-casedb custody add --action accessed --evidence sda --key fast.key \
        --details "worker $i run $j" -q || exit 1
    done ) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent custody add failed"; done
after=$(sqlite3 case.db "SELECT count(*) FROM custody_events")
[ "$after" = $(( before + 24 )) ] || fail "concurrent appends: $before -> $after entries, expected +24"
expect_status 0 custody-casedb custody check --checkpoint cp5
echo "concurrent appends: intact"
