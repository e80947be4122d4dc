#!/usr/bin/env bash
# custody-verify on what the real custody-acquire writes: E01 and raw images with
# their manifests, verified alone and through the case database; a raw image one
# byte short; an edited manifest; an E01 with unreadable sectors (fault injection)
# whose error list must agree between the E01, the manifest and the database.
. "$(dirname "$0")/lib.sh"
[ -x "$CUSTODY_BIN/custody-acquire" ] || skip "custody-acquire not built"
need_cmd sqlite3
V=custody-verify
export CUSTODY_PASSPHRASE=pw

custody-casedb init case.db --case-number C-9 --title t -q
custody-casedb keygen --out bob -q
custody-casedb examiner add --name Bob --pub bob.pub --case-db case.db -q
head -c 2500000 /dev/urandom >src.bin
truncate -s 4194304 src.bin
md5=$(md5sum <src.bin | cut -d' ' -f1)
sha256=$(sha256sum <src.bin | cut -d' ' -f1)
mkdir img
custody-acquire src.bin --output img/web01-sda --segment-size 1M --case-db case.db \
  --asset web01 --evidence sda --examiner Ann -q || fail "custody-acquire e01"
custody-acquire src.bin --output img/web01-raw --format raw --segment-size 1M --case-db case.db \
  --asset web01 --evidence raw -q || fail "custody-acquire raw"
ls img/web01-raw.00? >/dev/null 2>&1 || ls img >&2

# image mode: the E01 and the split raw image, each with its manifest
expect_status 0 $V img/web01-sda.E01
assert_contains out "PASS MD5 vs E01: $md5"
assert_contains out "PASS SHA256 vs manifest: $sha256"
assert_contains out "PASS file web01-sda.E02"
raw1=$(ls img/web01-raw.* | grep -E '\.(raw|000|001)$' | head -1)
expect_status 0 $V "$raw1"
assert_contains out "PASS SHA256 vs manifest: $sha256"
# --require-signature: the manifests are not signed
expect_status 1 $V --require-signature img/web01-sda.E01
assert_contains out "FAIL: signature"
# the case database
expect_status 0 $V --case-db case.db --asset web01
assert_contains out "PASS manifest vs database"
assert_contains out "PASS SHA256 vs database: $sha256"

# a raw image one byte short
cp -a img short
last=$(ls short/web01-raw.* | grep -E '\.(raw|[0-9]{3})$' | tail -1)
chmod u+w "$last"
truncate -s -1 "$last"
expect_status 1 $V "short/$(basename "$raw1")"
assert_contains out "FAIL: media size vs manifest: the image holds 4194303 bytes, the manifest says 4194304"
assert_contains out "FAIL: SHA256 vs manifest"
expect_status 1 $V --case-db case.db --asset web01 --image-dir short
assert_contains out "FAIL: recorded file $(basename "$last")"

# an edited manifest: a file's hash changed to match a tampered segment
cp -a img edited
chmod -R u+w edited
python3 - edited/web01-sda.manifest <<'PY'
import sys
p = sys.argv[1]
t = open(p).read().replace("examiner: Ann", "examiner: Eve")
open(p, "w").write(t)
PY
expect_status 1 $V --case-db case.db --asset web01 --image-dir edited
assert_contains out "FAIL: manifest vs database"

# unreadable sectors: the E01's error2 section, the manifest and the database agree
lib=$CUSTODY_BUILD/tests/fault/libcustody_fault_eio.so
if [ -f "$lib" ]; then
  rc=0
  CUSTODY_FAULT_FILE=$PWD/src.bin CUSTODY_FAULT_EIO=$((2048 * 512)):1536 \
    ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD=$lib \
    custody-acquire src.bin --output img/db02-sda --retries 1 --case-db case.db --asset db02 \
    --evidence sda -q || rc=$?
  [ $rc = 1 ] || fail "fault-injected acquisition: exit $rc"
  expect_status 0 $V img/db02-sda.E01
  assert_contains out "CANNOT CHECK: read errors: 1 range(s) of sectors were unreadable at acquisition and are zero-filled (first sector+count): 2048+3"
  assert_contains out "PASS read errors vs manifest"
  assert_contains out "CANNOT CHECK: manifest status: recorded as incomplete"
  expect_status 0 $V --case-db case.db --asset db02
  assert_contains out "recorded as incomplete: 1 range(s) of unreadable sectors documented"
fi
# --- a signed acquisition (custody-acquire --key): anchored only by a trusted key
custody-casedb keygen --out ann -q
custody-casedb examiner add --name Ann --pub ann.pub --case-db case.db -q
custody-acquire src.bin --output img/mx01-sda --segment-size 1M --case-db case.db \
  --asset mx01 --evidence sda --key ann.key -q || fail "custody-acquire --key"
[ -f img/mx01-sda.manifest.minisig ] || fail "no signature written"
ann_id=$(sqlite3 case.db "SELECT key_id FROM examiners WHERE name='Ann'")
expect_status 0 $V --trusted-keys ann.pub --require-signature img/mx01-sda.E01
assert_contains out "PASS signature: valid minisign signature by trusted key $ann_id"
assert_contains out "verdict: VERIFIED, anchored in a trusted signature"
assert_contains out "PASS chunks: all 128 chunks intact (Adler-32 / zlib checksums) [trusted signature (key $ann_id), over every file's SHA-256]"
# a key the verifier does not trust
expect_status 1 $V --trusted-keys bob.pub img/mx01-sda.E01
assert_contains out "FAIL: signature: signed by key $ann_id, which is not among the trusted keys"
# in the case database the key is known but not trusted
expect_status 0 $V --case-db case.db --asset mx01
assert_contains out "valid signature by key $ann_id, but that key is known only from the case database"
expect_status 1 $V --case-db case.db --asset mx01 --require-signature
# the signed manifest edited
cp -a img signed
chmod -R u+w signed
sed -i 's/^status: complete$/status: complete /' signed/mx01-sda.manifest
expect_status 1 $V --trusted-keys ann.pub signed/mx01-sda.E01
assert_contains out "FAIL: "
python3 - signed/mx01-sda.manifest <<'PY'
import sys
p = sys.argv[1]
t = open(p).read().replace("status: complete ", "status: complete")
t = t.replace("asset: mx01", "asset: mx02")
open(p, "w").write(t)
PY
expect_status 1 $V --trusted-keys ann.pub signed/mx01-sda.E01
assert_contains out "FAIL: signature: the signature by key $ann_id does not match the manifest"
# the signature of another file
cp img/mx01-sda.manifest signed/
custody-acquire src.bin --output signed/other --case-db case.db --asset mx03 --evidence sda \
  --key ann.key -q || fail "custody-acquire other"
cp signed/other.manifest.minisig signed/mx01-sda.manifest.minisig
expect_status 1 $V --trusted-keys ann.pub signed/mx01-sda.E01
assert_contains out "does not match the manifest"
# the signing key revoked before the acquisition ended
sqlite3 case.db "UPDATE examiners SET revoked_at = 1 WHERE name = 'Ann'"
expect_status 1 $V --case-db case.db --asset mx01 --trusted-keys ann.pub
assert_contains out "FAIL: signing key: key $ann_id of 'Ann' was revoked at"
echo "all passed"
