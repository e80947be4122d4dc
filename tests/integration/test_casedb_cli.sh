#!/usr/bin/env bash
# custody-casedb command line: records, bad input that must lose nothing,
# concurrent writers, a writer killed with SIGKILL, hostile names.
. "$(dirname "$0")/lib.sh"
need_cmd sqlite3 sha256sum

# --- usage ---
expect_status 0 custody-casedb --help
assert_contains out "Usage: custody-casedb"
expect_status 0 custody-casedb --version
for lib in libewf "The Sleuth Kit" libgcrypt SQLite; do assert_contains out "$lib"; done
expect_status 2 custody-casedb
assert_contains err "Try 'custody-casedb --help'"
expect_status 2 custody-casedb frobnicate
assert_contains err "unknown command 'frobnicate'"
expect_status 2 custody-casedb init x.db --title t
assert_contains err "--case-number is required"
expect_status 2 custody-casedb init x.db --case-number 1 --title t --bogus
assert_contains err "Try 'custody-casedb init --help'"
expect_status 2 custody-casedb evidence add --asset a --evidence e --size 12Q --case-db x.db
assert_contains err "invalid size '12Q'"
[ ! -e x.db ] || fail "a usage error created x.db"

# --- a case ---
expect_status 0 custody-casedb init case.db --case-number 2026-041 --title "Telecom breach" \
    --organisation "Regulator"
assert_contains out "created case 2026-041"
export CUSTODY_CASE_DB=$WORK/case.db
expect_status 0 custody-casedb asset add web01 --location "DC1" --asset-tag T-1
expect_status 0 custody-casedb asset add db01
expect_status 2 custody-casedb asset add web01
assert_contains err "asset 'web01' already exists"
expect_status 0 custody-casedb evidence add --asset web01 --evidence sda --size 1G --sector-size 512
expect_status 0 custody-casedb evidence add --asset db01 --evidence sda
expect_status 2 custody-casedb evidence show --evidence sda
assert_contains err "ambiguous"
assert_contains err "db01/sda, web01/sda"
expect_status 0 custody-casedb evidence show --asset web01 --evidence sda
assert_contains out "1073741824 bytes"
expect_status 0 custody-casedb evidence show --asset web01 --evidence sda --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["size"]==1073741824 and d["asset"]=="web01"' out
expect_status 2 custody-casedb evidence add --asset nohost --evidence sdb
assert_contains err "no asset 'nohost'"
expect_status 0 custody-casedb examiner add --name "Ann Examiner" --role examiner
expect_status 0 custody-casedb examiner list --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[0]["name"]=="Ann Examiner"' out
expect_status 0 custody-casedb asset show web01
assert_contains out "DC1"
assert_contains out "sda"
expect_status 0 custody-casedb status
assert_contains out "assets         2: 2 registered"
expect_status 0 custody-casedb status --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["assets"]["total"]==2 and d["evidence"]==2' out

# every command that changes the case is a recorded run: exact command line
# (before getopt reorders it), exit status; reading commands record nothing
runs=$(sqlite3 case.db "SELECT count(*) FROM runs")
expect_status 2 custody-casedb asset add web01 --notes "it's a dup"
expect_status 0 custody-casedb asset list
expect_status 0 custody-casedb status
[ "$(sqlite3 case.db "SELECT count(*) FROM runs")" = $((runs + 1)) ] || fail "runs: reads recorded or failed add not recorded"
[ "$(sqlite3 case.db "SELECT argv || '|' || exit_status FROM runs ORDER BY id DESC LIMIT 1")" = \
  "custody-casedb asset add web01 --notes 'it'\''s a dup'|2" ] || { sqlite3 case.db "SELECT * FROM runs"; fail "run of the failed add"; }
[ "$(sqlite3 case.db "SELECT argv || '|' || exit_status || '|' || tool FROM runs WHERE id = 1")" = \
  "custody-casedb init case.db --case-number 2026-041 --title 'Telecom breach' --organisation Regulator|0|custody-casedb" ] \
  || { sqlite3 case.db "SELECT * FROM runs"; fail "init run not recorded"; }
[ "$(sqlite3 case.db "SELECT count(*) FROM runs WHERE ended_at IS NULL OR exit_status IS NULL")" = 0 ] || fail "unfinished runs"

# --json also on error: one document on stdout
expect_status 2 custody-casedb asset show nothere --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] is False and "nothere" in d["error"]' out

# --- bad databases lose nothing ---
printf 'this is not a database, it is evidence\n' > notes.txt
sum=$(sha256sum notes.txt)
expect_status 2 custody-casedb status --case-db notes.txt
assert_contains err "'notes.txt' is not a custody case database"
[ "$(sha256sum notes.txt)" = "$sum" ] || fail "notes.txt was changed"
[ ! -e notes.txt-wal ] || fail "a WAL file was created beside notes.txt"

sqlite3 other.db "CREATE TABLE mail(id INTEGER, body TEXT); INSERT INTO mail VALUES (1, 'x');"
sum=$(sha256sum other.db)
expect_status 2 custody-casedb asset add evil --case-db other.db
assert_contains err "SQLite file of another program"
[ "$(sha256sum other.db)" = "$sum" ] || fail "other.db was changed"
[ "$(sqlite3 other.db 'PRAGMA journal_mode')" = "delete" ] || fail "journal mode of other.db changed"

cp case.db newer.db
sqlite3 newer.db "PRAGMA user_version = 7"
sum=$(sha256sum newer.db)
expect_status 2 custody-casedb status --case-db newer.db
assert_contains err "schema version 7"
assert_contains err "knows versions 1 to"
[ "$(sha256sum newer.db)" = "$sum" ] || fail "newer.db was changed"

expect_status 2 custody-casedb init case.db --case-number X --title Y
assert_contains err "refusing to overwrite existing file 'case.db'"
expect_status 2 custody-casedb status --case-db "$WORK"
assert_contains err "is not a case database file"
expect_status 2 custody-casedb status --case-db missing.db
assert_contains err "No such file or directory"
(unset CUSTODY_CASE_DB; expect_status 2 custody-casedb status)
assert_contains err "no case database"

# Read-only file and folder: root ignores permission bits, so drop to nobody.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
  as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
  chmod 755 "$WORK"
  mkdir ro && cp case.db ro/ && chmod 755 ro && chmod 644 ro/case.db
  expect_status 2 as_nobody "$CUSTODY_BIN/custody-casedb" asset add x --case-db ro/case.db
  assert_contains err "read-only"
  mkdir rodir && cp case.db rodir/ && chmod 666 rodir/case.db && chmod 555 rodir
  got=0
  as_nobody "$CUSTODY_BIN/custody-casedb" asset add x --case-db rodir/case.db >out 2>err || got=$?
  [ "$got" = 2 ] || fail "read-only folder: expected exit 2, got $got"
  grep -q "case database 'rodir/case.db'" err || { cat err; fail "no clear message for read-only folder"; }
  # a regulator reading a case on read-only media still can
  expect_status 0 as_nobody "$CUSTODY_BIN/custody-casedb" status --case-db rodir/case.db
  assert_contains out "case 2026-041"
fi

# --- two writers at once: every add succeeds or says busy; the database stays sound ---
adder() {
  for i in $(seq 1 40); do
    custody-casedb asset add "host-$1-$i" -q 2>>"busy-$1.log" || grep -q "busy" "busy-$1.log" \
      || { echo "writer $1 failed without saying busy" >&2; return 1; }
  done
}
adder A & pa=$!
adder B & pb=$!
wait $pa || fail "writer A"
wait $pb || fail "writer B"
n=$(sqlite3 case.db "SELECT count(*) FROM assets WHERE hostname LIKE 'host-%'")
busy=$(cat busy-A.log busy-B.log | grep -c busy || true)
[ $(( n + busy )) -eq 80 ] || fail "80 adds: $n stored + $busy busy"
[ "$(sqlite3 case.db 'PRAGMA integrity_check')" = ok ] || fail "integrity after concurrent writers"

# --- a writer killed with SIGKILL mid-way leaves a consistent database ---
( for i in $(seq 1 400); do custody-casedb asset add "k-$i" -q 2>/dev/null || true; done ) &
loop=$!
sleep 0.4
pkill -KILL -P $loop custody-casedb 2>/dev/null || true
kill -KILL $loop 2>/dev/null || true
wait $loop 2>/dev/null || true
[ "$(sqlite3 case.db 'PRAGMA integrity_check')" = ok ] || fail "integrity after SIGKILL"
expect_status 0 custody-casedb status

# --- hostile names never reach the terminal as escape sequences ---
expect_status 0 custody-casedb asset add "$(printf 'evil\033]0;pwned\007\033[2J')" --notes "$(printf 'x\033[31m')"
expect_status 0 custody-casedb asset list
if grep -q $'\033' out; then fail "escape sequence reached the terminal"; fi
assert_contains out 'evil\x1b]0;pwned\x07\x1b[2J'
expect_status 0 custody-casedb asset list --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(a["hostname"].startswith("evil\x1b") for a in d)' out
# SQL metacharacters are data
expect_status 0 custody-casedb asset add "x'); DROP TABLE assets;--"
expect_status 0 custody-casedb asset show "x'); DROP TABLE assets;--"
[ "$(sqlite3 case.db 'SELECT count(*) FROM sqlite_master WHERE name = "assets"')" = 1 ] || fail "assets table lost"
echo "custody-casedb CLI: all checks passed"
