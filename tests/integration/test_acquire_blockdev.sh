#!/usr/bin/env bash
# custody-acquire on a real block device (a loop device; skipped where loop devices
# cannot be made): O_DIRECT reads, identity (size, sector sizes) in the log, the
# manifest and the database, --set-readonly (BLKROSET), and the mount check: a
# device mounted read-write is refused unless --allow-mounted, which is recorded.
. "$(dirname "$0")/lib.sh"
need_cmd losetup blockdev sqlite3 ewfverify mkfs.ext4
[ "$(id -u)" = 0 ] || skip "needs root for loop devices"

mkdir tree && echo hello >tree/hello.txt
make_ext4 fs.img 16 tree
dev=$(losetup -f --show fs.img 2>/dev/null) || skip "cannot create a loop device"
mnt=""
cleanup() {
  [ -n "$mnt" ] && umount "$mnt" 2>/dev/null
  blockdev --setrw "$dev" 2>/dev/null
  losetup -d "$dev" 2>/dev/null
  chmod -R u+w "$WORK" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
sha256=$(sha256sum <fs.img | cut -d' ' -f1)

custody-casedb init case.db --case-number T --title t -q
expect_status 0 custody-acquire "$dev" --output blk --case-db case.db --asset srv1 \
  --evidence loop --set-readonly --json
assert_contains out "$sha256"
assert_contains blk.log "source type            block device"
assert_contains blk.log "direct I/O             yes (O_DIRECT)"
assert_contains blk.log "kernel read-only       set (BLKROSET)"
assert_contains blk.manifest "source-type: block-device"
assert_contains blk.manifest "media-size: 16777216"
[ "$(blockdev --getro "$dev")" = 1 ] || fail "--set-readonly did not set the read-only flag"
blockdev --setrw "$dev"
ewfverify -q blk.E01 >v.txt 2>&1 || fail "ewfverify on the block device image"
ewfinfo blk.E01 >info.txt
assert_contains info.txt "Is physical:		yes"
[ "$(sqlite3 case.db "SELECT size, sector_size FROM evidence WHERE label = 'loop'")" = "16777216|512" ] ||
  fail "evidence identity not recorded"
sqlite3 case.db "SELECT source_identity FROM acquisitions" >ident.txt
assert_contains ident.txt '"type":"block-device"'
assert_contains ident.txt '"direct_io":true'

# Unreadable sectors on the device, read with O_DIRECT (aligned bisection).
lib=$CUSTODY_BUILD/tests/fault/libcustody_fault_eio.so
rc=0
CUSTODY_FAULT_FILE=$dev CUSTODY_FAULT_EIO=$((4095 * 512)):1024,$((20000 * 512)):512 \
  ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD=$lib \
  custody-acquire "$dev" --output bad --format raw -q --retries 0 || rc=$?
[ $rc = 1 ] || fail "bad sectors on the device: expected exit 1, got $rc"
[ "$(grep '^read-error: ' bad.manifest | tr '\n' ' ')" = "read-error: 4095 2 read-error: 20000 1 " ] ||
  { cat bad.manifest; fail "device bad-sector ranges"; }
assert_contains bad.log "direct I/O             yes (O_DIRECT)"

# Mounted read-write: refused; --allow-mounted warns and records it.
mkdir m
if mount "$dev" m 2>/dev/null; then
  mnt=$WORK/m
  before=$(sqlite3 case.db "SELECT count(*) FROM acquisitions")
  expect_status 2 custody-acquire "$dev" --output mounted --case-db case.db --asset srv1 -q
  assert_contains err "mounted read-write"
  [ "$(sqlite3 case.db "SELECT count(*) FROM acquisitions")" = "$before" ] ||
    fail "a refused mounted source was recorded"
  expect_status 0 custody-acquire "$dev" --output mounted --allow-mounted --no-verify-image \
    --case-db case.db --asset srv1 --evidence loop2
  assert_contains err "mounted read-write"
  assert_contains mounted.log "WARNING: source is mounted read-write"
  sqlite3 case.db "SELECT source_identity FROM acquisitions WHERE output_base = 'mounted'" >m.txt
  assert_contains m.txt '"mounted_rw":true'
  umount m
  mnt=""
else
  echo "note: cannot mount here; mount check not exercised" >&2
fi
exit 0
