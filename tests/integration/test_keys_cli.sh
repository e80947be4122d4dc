#!/usr/bin/env bash
# Examiner keys from the command line: keygen, the secret key file's protection,
# and every bad key file giving exit 2 with nothing written.
. "$(dirname "$0")/lib.sh"
need_cmd sqlite3

echo "pass one" >p1
echo "wrong one" >bad

expect_status 0 custody-casedb keygen --out ann --passphrase-file p1
assert_contains out "key id "
[ "$(stat -c %a ann.key)" = 600 ] || fail "ann.key has mode $(stat -c %a ann.key), not 600"
head -1 ann.pub | grep -q '^untrusted comment: ' || fail "ann.pub is not a minisign public key"
keyid=$(sed -n 's/^key id //p' out)
[ ${#keyid} = 16 ] || fail "bad key id '$keyid'"
# the key id is the first 8 bytes of SHA-256 of the public key
pk_hex=$(tail -1 ann.pub | base64 -d | tail -c 32 | sha256sum | cut -c1-16)
[ "$pk_hex" = "$keyid" ] || fail "key id $keyid is not SHA-256(public key) $pk_hex"
grep -q "$keyid" ann.key || fail "ann.key does not name its key id"
if grep -q "pass one" ann.key; then fail "passphrase stored in the key file"; fi

# never overwrite: neither half, the files unchanged
sum_before=$(sha256sum ann.key ann.pub)
expect_status 2 custody-casedb keygen --out ann --passphrase-file p1
assert_contains err "refusing to overwrite"
rm -f ann2.key
cp ann.pub ann2.pub
expect_status 2 custody-casedb keygen --out ann2 --passphrase-file p1
[ ! -e ann2.key ] || fail "keygen wrote ann2.key beside an existing ann2.pub"
[ "$(sha256sum ann.key ann.pub)" = "$sum_before" ] || fail "key files changed"

# no passphrase source (no terminal, no variable, no file): exit 2, nothing written
unset CUSTODY_PASSPHRASE || true
if ! (exec </dev/null; : >/dev/tty) 2>/dev/null; then
  setsid -w custody-casedb keygen --out nopass </dev/null >out 2>err && fail "keygen without a passphrase succeeded"
  [ ! -e nopass.key ] && [ ! -e nopass.pub ] || fail "keygen without a passphrase wrote files"
fi
# an empty passphrase is refused
: >empty
expect_status 2 custody-casedb keygen --out emptyp --passphrase-file empty
[ ! -e emptyp.key ] || fail "empty passphrase accepted"
# --unencrypted only on request, with a warning
expect_status 0 custody-casedb keygen --out plain --unencrypted
assert_contains err "WITHOUT a passphrase"
[ "$(stat -c %a plain.key)" = 600 ] || fail "plain.key mode"
expect_status 2 custody-casedb keygen --out x --unencrypted --passphrase-file p1

new_case case.db
export CUSTODY_CASE_DB=case.db
expect_status 0 custody-casedb examiner add --name "Ann Example" --pub ann.pub
expect_status 0 custody-casedb examiner list --json
assert_contains out "\"key_id\": \"$keyid\""
# the same key twice
expect_status 2 custody-casedb examiner add --name "Ann Again" --pub ann.pub
assert_contains err "already registered"

count() { sqlite3 case.db "SELECT count(*) FROM custody_events"; }
nexam() { sqlite3 case.db "SELECT count(*) FROM examiners"; }

# round trip: the key signs a custody entry
expect_status 0 custody-casedb custody add --action note --evidence sda --key ann.key --passphrase-file p1
[ "$(count)" = 1 ] || fail "no entry written"

# wrong passphrase: exit 2, nothing written
expect_status 2 custody-casedb custody add --action note --evidence sda --key ann.key --passphrase-file bad
assert_contains err "wrong passphrase"
CUSTODY_PASSPHRASE="wrong" expect_status 2 custody-casedb custody add --action note --evidence sda --key ann.key
[ "$(count)" = 1 ] || fail "an entry was written with a wrong passphrase"
# the environment variable works
CUSTODY_PASSPHRASE="pass one" expect_status 0 custody-casedb custody add --action note --evidence sda --key ann.key
[ "$(count)" = 2 ] || fail "CUSTODY_PASSPHRASE not used"

# truncated and corrupted key files
head -c 100 ann.key >trunc.key
expect_status 2 custody-casedb custody add --action note --evidence sda --key trunc.key --passphrase-file p1
assert_contains err "truncated"
head -1 ann.key >trunc2.key
expect_status 2 custody-casedb custody add --action note --evidence sda --key trunc2.key --passphrase-file p1
python3 - <<'PY'
import base64
lines = open("ann.key").read().split("\n")
blob = bytearray(base64.b64decode(lines[1]))
for name, off in (("seed", 100), ("salt", 30), ("argon", 19), ("pub", 70)):
    b = bytearray(blob)
    b[off] ^= 1
    open("flip-%s.key" % name, "w").write(lines[0] + "\n" + base64.b64encode(bytes(b)).decode() + "\n")
PY
for k in flip-seed flip-salt flip-argon flip-pub; do
  expect_status 2 custody-casedb custody add --action note --evidence sda --key $k.key --passphrase-file p1
done
# keys of other formats
printf 'untrusted comment: minisign encrypted secret key\nRWRTY0Iy%s\n' "$(head -c 150 /dev/urandom | base64 -w0)" >minisign.key
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n' >ssh.key
head -c 300 /dev/urandom >random.key
for k in minisign.key ssh.key random.key ann.pub; do
  expect_status 2 custody-casedb custody add --action note --evidence sda --key $k --passphrase-file p1
  assert_contains err "not a custody secret key"
done
expect_status 2 custody-casedb custody add --action note --evidence sda --key missing.key --passphrase-file p1
[ "$(count)" = 2 ] || fail "a bad key file wrote an entry"
# a secret key, or garbage, is not a public key: nothing registered
for p in ann.key random.key; do
  expect_status 2 custody-casedb examiner add --name Mallory --pub $p
done
[ "$(nexam)" = 1 ] || fail "a bad public key was registered"
# an unregistered key cannot sign entries
CUSTODY_PASSPHRASE="" expect_status 0 custody-casedb keygen --out bob --passphrase-file p1 -q
expect_status 2 custody-casedb custody add --action note --evidence sda --key bob.key --passphrase-file p1
assert_contains err "not registered"
[ "$(count)" = 2 ] || fail "an unregistered key wrote an entry"
expect_status 0 custody-casedb custody check

# Self-revocation: the key signs its own key-revoked entry, then can sign nothing.
expect_status 2 custody-casedb examiner revoke --key-id 0000000000000000 --key ann.key --passphrase-file p1
assert_contains err "no examiner"
expect_status 0 custody-casedb examiner revoke --key-id "$keyid" --key ann.key --passphrase-file p1 \
  --reason "left the team"
expect_status 0 custody-casedb custody log --json
python3 -c 'import json,sys; d=json.load(open("out")); e=d[-1]; assert e["action"]=="key-revoked" and e["details"].startswith("revoked key "+sys.argv[1]), e' "$keyid" \
  || fail "no key-revoked entry"
expect_status 0 custody-casedb examiner list --json
python3 -c 'import json; d=json.load(open("out")); assert d[0]["revoked_at"], d' || fail "revocation time not recorded"
expect_status 2 custody-casedb custody add --action note --evidence sda --key ann.key --passphrase-file p1
assert_contains err "revoked"
expect_status 2 custody-casedb examiner revoke --key-id "$keyid" --key ann.key --passphrase-file p1
expect_status 0 custody-casedb custody check
echo "keys: all checks passed"

# The passphrase from a terminal (a pty made by script(1)): asked twice, never echoed.
if command -v script >/dev/null 2>&1; then
  unset CUSTODY_PASSPHRASE
  # tty_keygen NAME FIRST SECOND: answer the two prompts as they appear.
  tty_keygen() {
    rm -f in.fifo tty.out
    mkfifo in.fifo
    timeout 60 script -qec "custody-casedb keygen --out $1" /dev/null <in.fifo >tty.out 2>&1 &
    local pid=$! n
    exec 3>in.fifo
    for prompt in "Passphrase for the new key" "Repeat the passphrase"; do
      n=0
      until grep -q "$prompt" tty.out 2>/dev/null; do
        n=$((n + 1)); [ $n -lt 600 ] || fail "no '$prompt' prompt"; sleep 0.1
        kill -0 $pid 2>/dev/null || break
      done
      if [ "$prompt" = "Repeat the passphrase" ]; then printf '%s\n' "$3" >&3; else printf '%s\n' "$2" >&3; fi
    done
    exec 3>&-
    wait $pid
  }
  tty_keygen ttykey "tty pass 1" "tty pass 1" || fail "keygen on a terminal failed"
  assert_not_contains tty.out "tty pass 1"
  [ -e ttykey.key ] || fail "no key from the terminal"
  expect_status 0 custody-casedb examiner add --name Tty --pub ttykey.pub
  CUSTODY_PASSPHRASE="tty pass 1" expect_status 0 custody-casedb custody add --action note \
    --evidence sda --key ttykey.key
  if tty_keygen ttykey2 "one" "two"; then fail "mismatched passphrases accepted"; fi
  assert_contains tty.out "do not match"
  [ ! -e ttykey2.key ] && [ ! -e ttykey2.pub ] || fail "files written after a mismatch"
  # Ctrl-C at the prompt: the process ends by the signal, the terminal echoes again,
  # nothing is written.
  rm -f in.fifo tty.out
  mkfifo in.fifo
  name="ttyint$$"
  timeout 60 script -qec "sh -c 'custody-casedb keygen --out $name; echo status=\$?; stty -a'" \
    /dev/null <in.fifo >tty.out 2>&1 &
  spid=$!
  exec 3>in.fifo
  n=0
  until grep -q "Passphrase for the new key" tty.out 2>/dev/null; do
    n=$((n + 1)); [ $n -lt 600 ] || fail "no prompt"; sleep 0.1
  done
  kpid=$(pgrep -f "^custody-casedb keygen --out $name\$")
  [ -n "$kpid" ] || fail "keygen process not found"
  kill -INT "$kpid"
  exec 3>&-
  wait $spid || true
  assert_contains tty.out "status=130"
  grep -qE '(^|[ ;])echo( |;|$)' tty.out || { cat tty.out >&2; fail "echo not restored after Ctrl-C"; }
  [ ! -e "$name.key" ] && [ ! -e "$name.pub" ] || fail "files written after Ctrl-C"
fi
echo "terminal passphrase: ok"
