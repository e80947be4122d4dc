#!/usr/bin/env bash
# Broken and hostile input: the bad images of the test data give a per-partition
# error and exit 1; a file system that makes TSK hang or crash costs that
# partition only (killed at its time limit / recorded with the signal), within the
# limits; event limits; unreadable images exit 2 with nothing recorded.
. "$(dirname "$0")/lib.sh"
need_cmd sqlite3 mkfs.ext4 sfdisk unzip xz
data=$CUSTODY_TESTDATA/images/bad
custody-casedb init case.db --case-number TEST-1 --title "bad input" -q

status_of() { # evidence -> "prefix status" lines
  sqlite3 case.db "SELECT p.prefix, p.status, coalesce(p.error, '') FROM partitions p JOIN evidence e ON e.id = p.evidence_id WHERE e.label = '$1' ORDER BY p.idx"
}

if [ -d "$data" ]; then
  xz -dkc "$data/util-linux-ufs-truncated.img.xz" >ufs.img
  xz -dkc "$data/util-linux-xfs.img.xz" >xfs.img
  for f in "$data/pytsk-bogus.raw" "$data/dfvfs-bogus.001" ufs.img xfs.img; do
    name=$(basename "$f")
    expect_status 1 timeout 120 custody-timeline build --case-db case.db --evidence "bad/$name" --time-limit 30 "$f"
    assert_contains out "incomplete: 1 partition(s)"
    status_of "$name" >st.txt
    grep -Eq '\|(error|partial)\|.+' st.txt || { cat st.txt; fail "$name: no per-partition error recorded"; }
  done
  status_of xfs.img >st.txt
  assert_contains st.txt "Cannot determine file system type"
  status_of ufs.img >st.txt
  assert_contains st.txt "partial"
  # Two file systems in each partition: TSK refuses to guess, and so do we.
  unzip -p "$data/dftt-10b-ntfs-autodetect.zip" 10-ntfs-autodetect/10-ntfs-disk.dd >ntfs-disk.dd
  expect_status 1 timeout 120 custody-timeline build --case-db case.db --evidence bad/10b --time-limit 30 ntfs-disk.dd
  status_of 10b >st.txt
  assert_contains st.txt "Cannot determine file system type (EXT2/3/4 or NTFS)"
  assert_contains st.txt "(UFS or NTFS)"
  rm -f ntfs-disk.dd
  # Broken E01 sets: a bad signature cannot be opened at all (exit 2, nothing recorded).
  ewf=$CUSTODY_TESTDATA/ewf/bad/derived
  expect_status 2 custody-timeline build --case-db case.db --evidence bad/badsig "$ewf/ext2-badsig.E01"
  assert_contains err "not a readable EWF image"
  [ -z "$(status_of badsig)" ] || fail "partitions recorded for an unopenable image"
else
  echo "no test data: only the generated cases run"
fi

# A disk with two ext4 partitions; TSK will be made to hang or crash on the first.
mkdir -p t1 t2
for i in $(seq 1 30); do echo "$i" >"t1/a$i"; echo "$i" >"t2/b$i"; done
make_ext4 p1.img 8 t1
make_ext4 p2.img 8 t2
make_partitioned disk.img p1.img p2.img
fault=${CUSTODY_BUILD:-$CUSTODY_SRC/build}/fault/libtsk_fault.so
if [ -f "$fault" ]; then
  export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
  start=$(date +%s)
  expect_status 1 env LD_PRELOAD="$fault" TSK_FAULT=hang TSK_FAULT_OFFSET=$((2048 * 512)) \
    custody-timeline build --case-db case.db --evidence srv/hang --time-limit 2 disk.img
  took=$(( $(date +%s) - start ))
  [ "$took" -lt 30 ] || fail "a hanging file system held the run for $took s"
  status_of hang >st.txt
  assert_contains st.txt "/p2|partial|time limit of 2 s reached"
  assert_contains st.txt "/p3|ok|"
  custody-timeline export --case-db case.db --evidence srv/hang --format body >b.txt
  grep -q '^0|/p3/b17|' b.txt || fail "the healthy partition was not loaded"

  expect_status 1 env LD_PRELOAD="$fault" TSK_FAULT=crash TSK_FAULT_OFFSET=$((2048 * 512)) \
    custody-timeline build --case-db case.db --evidence srv/crash disk.img
  status_of crash >st.txt
  # (under ASan its SEGV handler turns the signal into an exit status)
  grep -Eq '/p2\|error\|file-system walker (died of signal 11|exited with status)' st.txt ||
    fail "crash not recorded: $(cat st.txt)"
  assert_contains st.txt "/p3|ok|"
  assert_contains out "incomplete: 1 partition(s)"

  # An interrupt while TSK hangs: the walker is killed, nothing is recorded, exit 2.
  before=$(sqlite3 case.db "SELECT count(*) FROM partitions")
  LD_PRELOAD="$fault" TSK_FAULT=hang TSK_FAULT_OFFSET=$((2048 * 512)) \
    custody-timeline build --case-db case.db --evidence srv/intr disk.img >intr.out 2>intr.err &
  pid=$!
  sleep 2
  kill -INT $pid
  rc=0
  wait $pid || rc=$?
  [ $rc = 2 ] || { cat intr.err >&2; fail "interrupted build exit $rc, expected 2"; }
  assert_contains intr.err "interrupted"
  [ "$(sqlite3 case.db "SELECT count(*) FROM partitions")" = "$before" ] || fail "an interrupted build left partitions"
  sqlite3 case.db "SELECT exit_status FROM runs ORDER BY id DESC LIMIT 1" >run.txt
  assert_contains run.txt "2"
  pgrep -f "evidence srv/intr" >/dev/null && fail "walker left running after the interrupt"

  # A build killed outright mid-load (it writes through a rollback journal): the
  # case is as before it, intact, and the next build leaves it in WAL mode.
  LD_PRELOAD="$fault" TSK_FAULT=hang TSK_FAULT_OFFSET=$((2048 * 512)) \
    custody-timeline build --case-db case.db --evidence srv/killed disk.img >kill.out 2>&1 &
  pid=$!
  sleep 2
  walker=$(pgrep -P $pid || true)
  [ -n "$walker" ] || fail "no walker process under the build"
  kill -KILL $pid
  wait $pid 2>/dev/null || true
  # the walker, hung in TSK, dies with its parent (PR_SET_PDEATHSIG)
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 $walker 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 $walker 2>/dev/null; then
    kill -KILL $walker
    fail "the walker outlived a killed build"
  fi
  [ "$(sqlite3 case.db "SELECT count(*) FROM partitions")" = "$before" ] || fail "a killed build left partitions"
  [ "$(sqlite3 case.db "PRAGMA integrity_check")" = ok ] || fail "a killed build damaged the case"
  expect_status 0 custody-timeline build --case-db case.db --evidence srv/killed disk.img
  [ "$(sqlite3 case.db 'PRAGMA journal_mode')" = wal ] || fail "the case is not back in WAL mode"

  # A reader that opens the case during such a load and holds a read transaction
  # past the usual 10 s busy timeout (the commit comes at about 6 s: the hung walker
  # is killed 5 s after its limit): the commit waits for it, the build is kept.
  LD_PRELOAD="$fault" TSK_FAULT=hang TSK_FAULT_OFFSET=$((2048 * 512)) \
    custody-timeline build --case-db case.db --evidence srv/waited --time-limit 1 disk.img >wait.out 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do [ -e case.db-journal ] && break; sleep 0.1; done
  [ -e case.db-journal ] || fail "the load did not use a rollback journal"
  { echo "BEGIN; SELECT count(*) FROM evidence;"; sleep 20; echo "COMMIT;"; } | sqlite3 case.db >/dev/null
  rc=0
  wait $pid || rc=$?
  [ $rc = 1 ] || { cat wait.out >&2; fail "build beside a long reader: exit $rc, expected 1 (hung partition)"; }
  status_of waited >st.txt
  assert_contains st.txt "/p3|ok|"
else
  echo "no fault library at $fault: hang/crash cases not run"
fi

# Event limit: the partition is kept as far as it got, marked partial, exit 1.
expect_status 1 custody-timeline build --case-db case.db --evidence srv/limited --max-events 10 --json disk.img
assert_contains out '"status": "partial"'
assert_contains out 'event limit of 10 reached'
assert_contains out '"exit_status": 1'

# Not an image at all / missing file: exit 2.
expect_status 2 custody-timeline build --case-db case.db --evidence srv/none does-not-exist.img
expect_status 2 custody-timeline build --case-db case.db --evidence srv/none --time-limit 0 disk.img
echo "bad input: ok"
