#!/usr/bin/env bash
# --resume: an E01 acquisition interrupted by SIGINT (a read made to hang at a known
# offset, LD_PRELOAD) and resumed equals one pass: same MD5/SHA-1/SHA-256 in the E01,
# the manifest and the case database, ewfverify passes, fls reads the same file
# system; the database keeps one acquisition row (complete) with a 'resume'
# verification. A resumed run interrupted again resumes again. Unreadable sectors
# before and after the resume point are listed as in one pass. Raw (split) resumes
# too. A --receive stream cut in the middle is resumed with a new --send from byte 0.
# Refused (exit 2, nothing changed): another source (size, content, serial, stream), a
# finished acquisition, a killed one, a partial file with a flipped byte (also when
# its manifest is edited to match), a manifest that is not the one the database
# recorded, a missing --case-db, --force.
. "$(dirname "$0")/lib.sh"
need_cmd ewfverify fls sqlite3 debugfs

stall=$CUSTODY_BUILD/tests/fault/libcustody_fault_stall.so
export ASAN_OPTIONS=verify_asan_link_order=0

# A server disk (MBR + ext4), then 8 MiB of incompressible data: 32 MiB.
bash "$CUSTODY_SRC/scripts/make-server-disk.sh" disk.img 24 >/dev/null 2>&1 ||
  fail "make-server-disk.sh failed"
head -c $((8 * 1024 * 1024)) /dev/urandom >rand.bin
cat disk.img rand.bin >src.bin
md5=$(md5sum <src.bin | cut -d' ' -f1)
sha1=$(sha1sum <src.bin | cut -d' ' -f1)
sha256=$(sha256sum <src.bin | cut -d' ' -f1)
custody-casedb init case.db --case-number T --title t -q
q() { sqlite3 case.db "$1"; }
hashes() { grep -E '^(md5|sha1|sha256|media-size|chunk-sectors|read-error):' "$1"; }

# interrupt OUT STALL_AT ARGS...: acquire src.bin to OUT; reads hang at STALL_AT,
# then SIGINT. Expects exit 2.
interrupt() {
  local out=$1 at=$2 pid rc=0
  shift 2
  rm -f stalled
  CUSTODY_FAULT_FILE=$PWD/src.bin CUSTODY_FAULT_STALL_AT=$at CUSTODY_FAULT_STALL_MARK=$PWD/stalled \
    LD_PRELOAD=$stall custody-acquire src.bin --output "$out" -q "$@" 2>err.txt &
  pid=$!
  for _ in $(seq 1 600); do
    [ -e stalled ] && break
    sleep 0.1
  done
  [ -e stalled ] || fail "$out: the acquisition never reached byte $at"
  kill -INT $pid
  wait $pid || rc=$?
  [ $rc = 2 ] || { cat err.txt; fail "$out: SIGINT: expected exit 2, got $rc"; }
}

# flip FILE OFFSET: invert one byte in place.
flip() {
  local b
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  chmod u+w "$1"
  printf "\\$(printf %o $((b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# One pass: the reference.
expect_status 0 custody-acquire src.bin --output one --segment-size 1M -q

# ---- E01, SIGINT at 28 MiB + 12345 (inside the random data, several segments done).
interrupt res $((28 * 1024 * 1024 + 12345)) --segment-size 1M --case-db case.db --asset srv1 \
  --evidence sda --case-number C-1 --examiner "Alice Example" --notes "first try"
[ "$(q "SELECT status FROM acquisitions WHERE output_base = 'res'")" = interrupted ] ||
  fail "not recorded as interrupted"
[ -e res.E01.partial ] && [ -e res.E05.partial ] && [ ! -e res.E01 ] || fail "no partial segments"
cp res.manifest res.manifest.orig

# Refusals first; each leaves everything as it was.
refuse() {
  local what=$1 text=$2
  shift 2
  rc=0
  "$@" >out.txt 2>err.txt || rc=$?
  [ $rc = 2 ] || { cat err.txt; fail "$what: expected exit 2, got $rc"; }
  assert_contains err.txt "$text"
}
unchanged() {
  cmp -s res.manifest res.manifest.orig || fail "$1: the manifest changed"
  [ -e res.E01.partial ] && [ ! -e res.E01 ] || fail "$1: the partial image changed"
  [ "$(q "SELECT status FROM acquisitions WHERE output_base = 'res'")" = interrupted ] ||
    fail "$1: the database row changed"
}
head -c $((31 * 1024 * 1024)) src.bin >short.bin
refuse "smaller source" "not the same source" \
  custody-acquire short.bin --output res --resume --case-db case.db -q
unchanged "smaller source"
cp src.bin other.bin
flip other.bin 700
refuse "other content" "sector 1 of the source differs from the kept image" \
  custody-acquire other.bin --output res --resume --case-db case.db -q
unchanged "other content"
refuse "no --case-db" "give --case-db" custody-acquire src.bin --output res --resume -q
unchanged "no --case-db"
refuse "a new run over it" "--resume continues that acquisition" \
  custody-acquire src.bin --output res --segment-size 1M -q
unchanged "a new run over it"
refuse "finished" "that acquisition finished" custody-acquire src.bin --output one --resume -q
refuse "--force" "--force would remove it" \
  custody-acquire src.bin --output res --resume --force --case-db case.db -q
unchanged "--force"
# A manifest that is not the one the database recorded.
chmod u+w res.manifest
sed -i 's/^notes: first try$/notes: first trx/' res.manifest
refuse "edited manifest" "not the manifest the case database recorded" \
  custody-acquire src.bin --output res --resume --case-db case.db -q
cp res.manifest.orig res.manifest
# A flipped byte in a partial segment.
flip res.E03.partial 5000
refuse "flipped byte" "was changed; refusing to resume" \
  custody-acquire src.bin --output res --resume --case-db case.db -q
flip res.E03.partial 5000
unchanged "flipped byte"

# The resume: exit 0, the one-pass hashes everywhere, one row, complete.
expect_status 0 custody-acquire src.bin --output res --resume --case-db case.db --json
cp out resume.json
assert_contains resume.json '"resumed": true'
assert_contains resume.json '"resumed_bytes": 29360128'
assert_contains resume.json "$sha256"
[ "$(hashes res.manifest)" = "$(hashes one.manifest)" ] || fail "resumed != one pass"
assert_contains res.manifest "md5: $md5"
assert_contains res.manifest "sha1: $sha1"
assert_contains res.manifest "resumed: 29360128 bytes (896 chunks) kept"
assert_contains res.manifest "notes: first try"
ewfverify -q res.E01 >verify.txt 2>&1 || { cat verify.txt; fail "ewfverify failed"; }
assert_contains verify.txt "MD5 hash stored in file:		$md5"
ls res.*.partial 2>/dev/null && fail "partial files left after a complete resume"
[ "$(ls res.E?? | wc -l)" = "$(ls one.E?? | wc -l)" ] || fail "segment count differs"
fls -r -m / -o 2048 -i ewf one.E01 >fls-one.txt
fls -r -m / -o 2048 -i ewf res.E01 >fls-res.txt
[ -s fls-one.txt ] || fail "fls found nothing"
cmp fls-one.txt fls-res.txt || fail "fls differs between the one-pass and the resumed image"
grep '^SHA256 (' res.manifest | sha256sum -c --quiet || fail "sha256sum -c on the manifest"
[ "$(q "SELECT count(*) FROM acquisitions WHERE output_base = 'res'")" = 1 ] ||
  fail "the resume made a second acquisition row"
[ "$(q "SELECT status || ' ' || md5 || ' ' || sha256 FROM acquisitions WHERE output_base = 'res'")" = \
  "complete $md5 $sha256" ] || fail "database row: $(q "SELECT * FROM acquisitions")"
[ "$(q "SELECT count(*) FROM acquisition_files f JOIN acquisitions a ON a.id = f.acquisition_id
        WHERE a.output_base = 'res' AND f.name LIKE '%.partial'")" = 0 ] ||
  fail "the database still lists partial files"
[ "$(q "SELECT kind || ' ' || verdict FROM verifications")" = "resume pass" ] ||
  fail "no resume verification"
assert_contains <(q "SELECT report FROM verifications") '"kept_bytes":29360128'
[ "$(q "SELECT count(*) FROM runs WHERE argv LIKE '%--resume%' AND exit_status = 0")" = 1 ] ||
  fail "the resume run is not recorded"
assert_contains res.log "RESUMING acquisition"
assert_contains res.log "  | "
assert_contains res.log "acquisition interrupted after"
assert_contains res.log "896 chunks read back, each checksum correct"
assert_contains res.log "superseded partial file removed: res.E01.partial"
custody-casedb status --case-db case.db -q || fail "status: the resumed acquisition is not complete"
refuse "resume twice" "that acquisition finished" \
  custody-acquire src.bin --output res --resume --case-db case.db -q

# ---- A resume interrupted in its turn is resumed again (its log holds both earlier logs).
interrupt twice $((8 * 1048576))
interrupt twice $((20 * 1048576)) --resume
assert_contains twice.manifest "resumed: 8388608 bytes"
expect_status 0 custody-acquire src.bin --output twice --resume -q
[ "$(hashes twice.manifest)" = "$(hashes one.manifest)" ] || fail "twice: resumed != one pass"
assert_contains twice.manifest "resumed: 20971520 bytes"
assert_contains twice.log "  |   | "

# ---- --force starts again: the partial files go too (no stale segment is left to be
# mixed with a new run's).
interrupt forced $((30 * 1048576)) --segment-size 1M
expect_status 0 custody-acquire src.bin --output forced --segment-size 1M --force -q
ls forced.*.partial 2>/dev/null && fail "--force left partial files"
assert_contains forced.log "forced.E03.partial"
assert_contains forced.manifest "sha256: $sha256"

# ---- Unreadable sectors before and after the resume point: the same list, image and
# exit status (1) as one pass with the same faults.
eio=$CUSTODY_BUILD/tests/fault/libcustody_fault_eio.so
ranges="$((300 * 512)):512,$((40000 * 512)):4096"
CUSTODY_FAULT_FILE=$PWD/src.bin CUSTODY_FAULT_EIO=$ranges LD_PRELOAD=$eio \
  custody-acquire src.bin --output badone --retries 0 -q && fail "bad one pass: expected exit 1"
rm -f stalled
CUSTODY_FAULT_FILE=$PWD/src.bin CUSTODY_FAULT_EIO=$ranges CUSTODY_FAULT_STALL_AT=$((16 * 1048576)) \
  CUSTODY_FAULT_STALL_MARK=$PWD/stalled LD_PRELOAD="$stall $eio" \
  custody-acquire src.bin --output bad --retries 0 -q 2>/dev/null &
pid=$!
for _ in $(seq 1 600); do
  [ -e stalled ] && break
  sleep 0.1
done
kill -INT $pid
rc=0
wait $pid || rc=$?
[ $rc = 2 ] || fail "bad: SIGINT: expected exit 2, got $rc"
assert_contains bad.manifest "read-error: 300 1"
assert_not_contains bad.manifest "read-error: 40000"
rc=0
CUSTODY_FAULT_FILE=$PWD/src.bin CUSTODY_FAULT_EIO=$ranges LD_PRELOAD=$eio \
  custody-acquire src.bin --output bad --resume --retries 0 -q || rc=$?
[ $rc = 1 ] || fail "bad: resume: expected exit 1 (unreadable sectors), got $rc"
[ "$(hashes bad.manifest)" = "$(hashes badone.manifest)" ] ||
  fail "bad: resumed != one pass with the same unreadable sectors"
assert_contains bad.manifest "read-error: 40000 8"
if command -v ewfinfo >/dev/null; then
  ewfinfo bad.E01 >info-bad.txt
  ewfinfo badone.E01 >info-badone.txt
  [ "$(grep -A3 -i 'read errors' info-bad.txt)" = "$(grep -A3 -i 'read errors' info-badone.txt)" ] ||
    fail "bad: the E01 acquiry errors differ"
  assert_contains info-bad.txt "40000"
fi

# ---- Damage that the recorded SHA-256 no longer shows: flipped byte, manifest edited.
interrupt dmg $((28 * 1024 * 1024)) --segment-size 1M
cp dmg.manifest dmg.manifest.orig
last=$(ls dmg.E??.partial | tail -n 1)
# forge FILE: make the manifest list FILE's current SHA-256 (as an attacker would).
forge() {
  local new
  new=$(sha256sum "$1" | cut -d' ' -f1)
  chmod u+w dmg.manifest
  sed -i "s/^SHA256 ($1) = .*/SHA256 ($1) = $new/" dmg.manifest
}
# Random data, stored uncompressed: E02 is read through its table, the last segment by
# decoding its chunks one after the other. (A compressed chunk is checked through its
# inflated data and zlib's Adler-32: a changed bit of a deflate stream that leaves the
# data unchanged, as some do, is not damage to what is kept.)
for f in dmg.E02.partial "$last"; do
  flip "$f" 4000
  forge "$f"
  refuse "damaged chunk in $f" "the partial image is damaged" \
    custody-acquire src.bin --output dmg --resume -q
  assert_contains err.txt "$f"
  flip "$f" 4000
  cp dmg.manifest.orig dmg.manifest
done
# A device identity that differs (the manifest says the source had a serial number).
chmod u+w dmg.manifest
sed -i 's/^source-type: file$/source-type: file\ndevice-serial: WD-WCC4E0000001/' dmg.manifest
assert_contains dmg.manifest "device-serial: WD-WCC4E0000001"
refuse "other device identity" "vendor, model or serial differs" \
  custody-acquire src.bin --output dmg --resume -q
cp dmg.manifest.orig dmg.manifest
expect_status 0 custody-acquire src.bin --output dmg --resume -q
assert_contains dmg.manifest "sha256: $sha256"

# ---- SIGKILL: no manifest, the row stays running; not resumable.
CUSTODY_FAULT_FILE=$PWD/src.bin CUSTODY_FAULT_STALL_AT=$((4 * 1024 * 1024)) \
  CUSTODY_FAULT_STALL_MARK=$PWD/stalled LD_PRELOAD=$stall \
  custody-acquire src.bin --output killed --case-db case.db --asset srv1 --evidence k -q \
  2>/dev/null &
pid=$!
rm -f stalled
for _ in $(seq 1 600); do
  [ -e stalled ] && break
  sleep 0.1
done
kill -KILL $pid
wait $pid 2>/dev/null || true
# (killed.E01 exists unless the kill came before the first chunk: then no manifest)
refuse "killed" "killed" \
  custody-acquire src.bin --output killed --resume --case-db case.db -q
[ "$(q "SELECT status FROM acquisitions WHERE output_base = 'killed'")" = running ] ||
  fail "killed: the row changed"

# ---- Raw, split in 5 MiB files: resume appends the rest; the files reassemble to the source.
interrupt raw $((13 * 1024 * 1024 + 777)) --format raw --segment-size 5M
ls raw.00?.partial >/dev/null || fail "raw: no partial files"
expect_status 0 custody-acquire src.bin --output raw --resume
assert_contains out "resumed:       12582912 bytes"
cat raw.000 raw.001 raw.002 raw.003 raw.004 raw.005 raw.006 | cmp - src.bin ||
  fail "raw: resumed files differ from the source"
assert_contains raw.manifest "sha256: $sha256"

# ---- --send | --receive cut in the middle, resumed with a new --send from byte 0.
rc=0
custody-acquire --send src.bin 2>/dev/null | head -c $((17 * 1024 * 1024 + 99)) |
  custody-acquire --receive - --output rcv --case-db case.db --asset srv1 --evidence rcv -q \
    2>err.txt || rc=$?
[ $rc = 2 ] || fail "cut stream: expected exit 2, got $rc"
[ "$(q "SELECT status FROM acquisitions WHERE output_base = 'rcv'")" = failed ] ||
  fail "cut stream: not failed"
[ -e rcv.E01.partial ] || fail "cut stream: no partial image"
# Another source's stream is refused before anything changes.
refuse "other stream" "the stream differs from the kept image at byte 700" \
  bash -c 'custody-acquire --send other.bin 2>/dev/null |
    custody-acquire --receive - --output rcv --resume --case-db case.db -q'
[ -e rcv.E01.partial ] || fail "other stream: the partial image was touched"
rc=0
custody-acquire --send src.bin 2>/dev/null |
  custody-acquire --receive - --output rcv --resume --case-db case.db --json >rcv.json || rc=$?
[ $rc = 0 ] || { cat rcv.json; fail "stream resume: expected exit 0, got $rc"; }
assert_contains rcv.json '"verify_source": "pass"'
assert_contains rcv.json "$sha256"
assert_contains rcv.log "hashes computed by the sender: EQUAL (PASS)"
assert_contains rcv.log "the stream restarted from byte 0"
[ "$(q "SELECT status || ' ' || sha1 FROM acquisitions WHERE output_base = 'rcv'")" = \
  "complete $sha1" ] || fail "stream resume: database row"
ewfverify -q rcv.E01 >/dev/null 2>&1 || fail "stream resume: ewfverify"
exit 0
